//! Ingestion: from a source's pages to the catalogue. `normalise` turns a published record into
//! ours; `config` describes the sources; `scrape` runs one source; `worker` schedules and runs
//! scrapes on the durable queue.

pub mod attachments;
pub mod config;
pub mod normalise;
pub mod scrape;
pub mod worker;

pub use normalise::normalise;
