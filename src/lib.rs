//! Connect: Korean government funding programs, collected, searchable and matched.
//! The binary (`src/main.rs`) is a thin command-line layer over these modules.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod billing;
pub mod catalog;
pub mod config;
pub mod db;
pub mod demo;
pub mod import;
pub mod ingest;
pub mod matching;
pub mod metrics;
pub mod notify;
pub mod orgs;
pub mod plans;
pub mod redis_store;
pub mod search;
pub mod server;
pub mod web;
