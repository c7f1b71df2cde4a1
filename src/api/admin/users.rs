//! Users for staff: `GET /api/admin/users?q=&page=` (ADMIN) and `PATCH /api/admin/users/{id}` to
//! change a role (SUPER_ADMIN). A role change applies to the very next request of that user.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::{Admin, Role, SuperAdmin};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Deserialize)]
pub struct UserQuery {
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Serialize)]
pub struct UserRow {
    pub id: i64,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Role,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    pub deleted: bool,
}

const PAGE_SIZE: i64 = 50;

pub async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Query(query): Query<UserQuery>,
) -> Result<Json<Vec<UserRow>>, ApiError> {
    let page = query.page.unwrap_or(1).max(1);
    let pattern = query.q.as_deref().map(|q| format!("%{}%", q.trim().replace('%', "\\%").replace('_', "\\_")));
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT id, email, name, role, email_verified_at IS NOT NULL, created_at, deleted_at IS NOT NULL FROM users
              WHERE $1::text IS NULL OR email ILIKE $1 OR name ILIKE $1
              ORDER BY id DESC LIMIT $2 OFFSET $3",
            &[(&pattern, Type::TEXT), (&PAGE_SIZE, Type::INT8), (&((page - 1) * PAGE_SIZE), Type::INT8)],
        )
        .await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.users_listed",
        None,
        None,
        &ip,
        serde_json::json!({ "q": query.q }),
    )
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| UserRow {
                id: r.get(0),
                email: r.get(1),
                name: r.get(2),
                role: Role::parse(r.get(3)).unwrap_or(Role::User),
                email_verified: r.get(4),
                created_at: r.get(5),
                deleted: r.get(6),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct RoleChange {
    pub role: Role,
}

pub async fn change_role(
    State(state): State<AppState>,
    SuperAdmin(caller): SuperAdmin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<RoleChange>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("사용자를 찾을 수 없습니다"))?;
    if id == caller.user_id {
        return Err(ApiError::bad("role", "자기 자신의 역할은 바꿀 수 없습니다"));
    }
    let client = state.db.get().await?;
    let changed = client
        .execute_typed(
            "UPDATE users SET role = $2, token_version = token_version + 1 WHERE id = $1 AND deleted_at IS NULL",
            &[(&id, Type::INT8), (&form.role.as_str(), Type::TEXT)],
        )
        .await?;
    if changed == 0 {
        return Err(ApiError::NotFound("사용자를 찾을 수 없습니다"));
    }
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "admin.user_role_changed",
        Some(id),
        None,
        &ip,
        serde_json::json!({ "role": form.role.as_str() }),
    )
    .await?;
    Ok(Json(serde_json::json!({ "id": id, "role": form.role })))
}
