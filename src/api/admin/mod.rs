//! `/api/admin/…`: Connect staff only (the [`crate::accounts::Admin`] and `SuperAdmin` extractors
//! refuse everyone else with 403). Reading people's data here is audited, and so is every edit of
//! the catalogue.

pub mod duplicates;
pub mod jobs;
pub mod organizations;
pub mod programs;
pub mod revisions;
pub mod rules;
pub mod users;

use crate::api::error::ApiError;
use crate::catalog::revisions::EditError;

/// An edit of the catalogue that failed, as the API answers it: a refused edit is a 409 with the
/// reason in Korean.
pub(crate) fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::NotFound => ApiError::NotFound("공고를 찾을 수 없습니다"),
        EditError::Refused(message) => ApiError::Conflict(message),
        EditError::Db(e) => e.into(),
    }
}
