//! `/api/admin/…`: Connect staff only (the [`crate::accounts::Admin`] and `SuperAdmin` extractors
//! refuse everyone else with 403). Reading people's data here is audited.

pub mod jobs;
pub mod organizations;
pub mod rules;
pub mod users;
