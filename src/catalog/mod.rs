//! The program catalogue: the domain types and their storage in PostgreSQL, the source of truth.

pub mod corrections;
pub mod groups;
pub mod model;
pub mod revisions;
pub mod status;
pub mod store;
pub mod vocab;

pub use model::{Attachment, ProgramDetail, ProgramInput, ProgramSummary};
pub use status::{Clock, Status};
