//! Members of an organisation: list, change role, remove, leave, transfer ownership. There is always
//! exactly one owner (a partial unique index enforces it); the owner leaves only after handing over.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::orgs::{access, parse_id, MemberRole};

#[derive(Serialize)]
pub struct Member {
    pub user_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Member>>, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    let rows = client
        .query_typed(
            "SELECT u.id, u.name, u.email, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.organization_id = $1 ORDER BY m.joined_at",
            &[(&access.organization_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Member {
                user_id: r.get(0),
                name: r.get(1),
                email: r.get(2),
                role: MemberRole::parse(r.get(3)).unwrap_or(MemberRole::Member),
                joined_at: r.get(4),
            })
            .collect(),
    ))
}

fn member_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound("구성원을 찾을 수 없습니다"))
}

async fn role_of<C: tokio_postgres::GenericClient>(
    client: &C,
    organization_id: i64,
    user_id: i64,
) -> Result<MemberRole, ApiError> {
    let rows = client
        .query_typed(
            "SELECT role FROM memberships WHERE organization_id = $1 AND user_id = $2",
            &[(&organization_id, Type::INT8), (&user_id, Type::INT8)],
        )
        .await?;
    rows.first().and_then(|r| MemberRole::parse(r.get(0))).ok_or(ApiError::NotFound("구성원을 찾을 수 없습니다"))
}

#[derive(Deserialize)]
pub struct RoleChange {
    pub role: MemberRole,
}

/// `PATCH /api/orgs/{id}/members/{user_id}`: admin ⇄ member (the owner changes only by transfer).
pub async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((id, user)): Path<(String, String)>,
    Body(form): Body<RoleChange>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    access.require_owner()?;
    let user_id = member_id(&user)?;
    if form.role == MemberRole::Owner {
        return Err(ApiError::bad("role", "소유자는 소유권 이전으로만 바꿀 수 있습니다"));
    }
    if role_of(&**client, access.organization_id, user_id).await? == MemberRole::Owner {
        return Err(ApiError::bad("role", "소유자의 역할은 바꿀 수 없습니다. 먼저 소유권을 넘겨 주세요"));
    }
    client
        .execute_typed(
            "UPDATE memberships SET role = $3 WHERE organization_id = $1 AND user_id = $2",
            &[(&access.organization_id, Type::INT8), (&user_id, Type::INT8), (&form.role.as_str(), Type::TEXT)],
        )
        .await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "organization.member_role_changed",
        Some(user_id),
        Some(access.organization_id),
        &ip,
        serde_json::json!({ "role": form.role.as_str() }),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/orgs/{id}/members/{user_id}`: admins remove members; only the owner removes admins.
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let user_id = member_id(&user)?;
    let target = role_of(&**client, access.organization_id, user_id).await?;
    if target == MemberRole::Owner {
        return Err(ApiError::Forbidden("소유자는 내보낼 수 없습니다"));
    }
    if target == MemberRole::Admin && access.role != Some(MemberRole::Owner) {
        return Err(ApiError::Forbidden("관리자는 소유자만 내보낼 수 있습니다"));
    }
    delete_membership(&**client, access.organization_id, user_id).await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "organization.member_removed",
        Some(user_id),
        Some(access.organization_id),
        &ip,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_membership<C: tokio_postgres::GenericClient>(
    client: &C,
    organization_id: i64,
    user_id: i64,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2",
            &[(&organization_id, Type::INT8), (&user_id, Type::INT8)],
        )
        .await?;
    Ok(())
}

/// `POST /api/orgs/{id}/leave`.
pub async fn leave(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    access.require_member()?;
    if access.role == Some(MemberRole::Owner) {
        return Err(ApiError::Conflict("소유자는 떠나기 전에 다른 구성원에게 소유권을 넘겨야 합니다".into()));
    }
    delete_membership(&**client, access.organization_id, caller.user_id).await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "organization.member_left",
        Some(caller.user_id),
        Some(access.organization_id),
        &ip,
        serde_json::json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Transfer {
    pub user_id: i64,
}

/// `POST /api/orgs/{id}/transfer`: the owner hands ownership to a member and becomes an admin.
pub async fn transfer(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Transfer>,
) -> Result<StatusCode, ApiError> {
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let access = access(&*tx, parse_id(&id)?, &caller).await?;
    access.require_owner()?;
    if form.user_id == caller.user_id {
        return Err(ApiError::bad("user_id", "이미 소유자입니다"));
    }
    role_of(&*tx, access.organization_id, form.user_id).await?;
    for (user_id, role) in [(caller.user_id, "admin"), (form.user_id, "owner")] {
        tx.execute_typed(
            "UPDATE memberships SET role = $3 WHERE organization_id = $1 AND user_id = $2",
            &[(&access.organization_id, Type::INT8), (&user_id, Type::INT8), (&role, Type::TEXT)],
        )
        .await?;
    }
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "organization.ownership_transferred",
        Some(form.user_id),
        Some(access.organization_id),
        &ip,
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
