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

use serde_json::Value;

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::catalog::revisions::{Edit, EditError};

/// An edit of the catalogue that failed, as the API answers it: a refused edit is a 409 with the
/// reason in Korean.
pub(crate) fn edit_error(e: EditError) -> ApiError {
    match e {
        EditError::NotFound => ApiError::NotFound("공고를 찾을 수 없습니다"),
        EditError::Refused(message) => ApiError::Conflict(message),
        EditError::Db(e) => e.into(),
    }
}

/// Makes `edit` a revision of its program, writes it to the audit log as `action` (`detail` plus the
/// revision), commits and drops the program's cached copy. `None` when the edit changed nothing
/// (nothing is audited then).
pub(crate) async fn commit_edit(
    state: &AppState,
    tx: deadpool_postgres::Transaction<'_>,
    (actor, ip): (i64, &str),
    edit: Edit<'_>,
    action: &str,
    mut detail: Value,
) -> Result<Option<i64>, ApiError> {
    let program = edit.program_id;
    let revision = crate::catalog::revisions::apply(&*tx, actor, edit).await.map_err(edit_error)?;
    if let Some(revision) = revision {
        detail["revision"] = revision.into();
        crate::audit::record(&*tx, Some(actor), action, None, None, ip, detail).await?;
    }
    tx.commit().await?;
    state.cache.invalidate_programs(&[program]).await;
    Ok(revision)
}

/// A staff note, trimmed; none when empty.
pub(crate) fn note(note: &Option<String>) -> Option<&str> {
    note.as_deref().map(str::trim).filter(|n| !n.is_empty())
}
