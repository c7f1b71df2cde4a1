//! `/api/matches`: an organisation's stored matches (never computed on the request path), one
//! match with its explanation, and what the organisation does with a program (saved, dismissed,
//! applying, applied, won, lost — every transition allowed, each kept in the history).
//! `organization_id` may be omitted when the caller belongs to exactly one organisation.

pub mod list;
pub mod status;

use tokio_postgres::types::Type;

use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::orgs::Access;

/// The organisation a matches request is about, with the caller's access to it.
pub async fn organization<C: tokio_postgres::GenericClient>(
    client: &C,
    caller: &Caller,
    requested: Option<i64>,
) -> Result<Access, ApiError> {
    let id = match requested {
        Some(id) => id,
        None => {
            let rows = client
                .query_typed(
                    "SELECT organization_id FROM memberships WHERE user_id = $1 LIMIT 2",
                    &[(&caller.user_id, Type::INT8)],
                )
                .await?;
            match rows.len() {
                1 => rows[0].get(0),
                0 => return Err(ApiError::NotFound("먼저 기관을 등록해 주세요")),
                _ => {
                    return Err(ApiError::bad(
                        "organization_id",
                        "여러 기관에 속해 있습니다. organization_id를 지정해 주세요",
                    ))
                }
            }
        }
    };
    crate::orgs::access(client, id, caller).await
}
