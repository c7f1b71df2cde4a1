//! Invitations: an owner or admin creates a link (7 days by default, optionally for one email
//! address); a logged-in person accepts it. The plan's seat limit is checked when the link is made
//! (members plus pending links) and again, under a row lock, when it is accepted.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::accounts::caller::ClientIp;
use crate::accounts::{secret, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::orgs::{access, parse_id, MemberRole};
use crate::plans;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub role: MemberRole,
    /// Only this address may accept, when given.
    pub email: Option<String>,
    /// Days the link stays valid (1–30, default 7).
    pub days: Option<i32>,
}

#[derive(Serialize)]
pub struct Invitation {
    pub id: i64,
    pub role: MemberRole,
    pub email: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// Only in the answer to its creation: the link cannot be shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Seats in use (members, plus pending links when `with_pending`) and the limit of the plan the
/// organisation is entitled to now. Locks the organisation row so that two invitations cannot both
/// take the last seat.
async fn seats<C: GenericClient>(client: &C, organization_id: i64, with_pending: bool) -> Result<(i64, u32), ApiError> {
    let rows = client
        .query_typed(
            "SELECT (SELECT count(*) FROM memberships m WHERE m.organization_id = o.id)
                  + CASE WHEN $2 THEN (SELECT count(*) FROM invitations i WHERE i.organization_id = o.id
                          AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()) ELSE 0 END
               FROM organizations o WHERE o.id = $1 FOR UPDATE",
            &[(&organization_id, Type::INT8), (&with_pending, Type::BOOL)],
        )
        .await?;
    let row = rows.first().ok_or(crate::orgs::NOT_FOUND)?;
    let entitlement = plans::entitlement(client, organization_id, chrono::Utc::now()).await?;
    Ok((row.get(0), entitlement.limits.seats))
}

fn no_seats(limit: u32) -> ApiError {
    ApiError::Conflict(format!(
        "요금제의 좌석 {limit}개를 모두 사용 중입니다. 요금제를 올리거나 구성원을 정리해 주세요"
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    if form.role == MemberRole::Owner {
        return Err(ApiError::bad("role", "소유자로 초대할 수는 없습니다. 가입 후 소유권을 넘겨 주세요"));
    }
    let days = form.days.unwrap_or(7);
    if !(1..=30).contains(&days) {
        return Err(ApiError::bad("days", "초대 링크 유효 기간은 1일에서 30일 사이여야 합니다"));
    }
    let email = form
        .email
        .as_deref()
        .map(|e| crate::api::auth::normalise_email(e).map_err(|m| ApiError::bad("email", m)))
        .transpose()?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let access = access(&*tx, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let (used, limit) = seats(&*tx, access.organization_id, true).await?;
    if used >= i64::from(limit) {
        return Err(no_seats(limit));
    }
    let token = secret::token();
    let rows = tx
        .query_typed(
            "INSERT INTO invitations (organization_id, token_hash, role, email, created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6)) RETURNING id, expires_at",
            &[
                (&access.organization_id, Type::INT8),
                (&secret::hash(&token), Type::BYTEA),
                (&form.role.as_str(), Type::TEXT),
                (&email, Type::TEXT),
                (&caller.user_id, Type::INT8),
                (&days, Type::INT4),
            ],
        )
        .await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "organization.invitation_created",
        None,
        Some(access.organization_id),
        &ip,
        serde_json::json!({ "role": form.role.as_str(), "email": email }),
    )
    .await?;
    tx.commit().await?;
    let invitation = Invitation {
        id: rows[0].get(0),
        role: form.role,
        email,
        expires_at: rows[0].get(1),
        url: Some(state.accounts.config.link(&format!("/invitations/accept?token={token}"))),
        token: Some(token),
    };
    Ok((StatusCode::CREATED, Json(invitation)))
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let rows = client
        .query_typed(
            "SELECT id, role, email, expires_at FROM invitations
              WHERE organization_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
              ORDER BY created_at",
            &[(&access.organization_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Invitation {
                id: r.get(0),
                role: MemberRole::parse(r.get(1)).unwrap_or(MemberRole::Member),
                email: r.get(2),
                expires_at: r.get(3),
                url: None,
                token: None,
            })
            .collect(),
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, invitation)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    access.require_manager()?;
    let invitation: i64 = invitation.parse().map_err(|_| ApiError::NotFound("초대를 찾을 수 없습니다"))?;
    let revoked = client
        .execute_typed(
            "UPDATE invitations SET revoked_at = now()
              WHERE id = $1 AND organization_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
            &[(&invitation, Type::INT8), (&access.organization_id, Type::INT8)],
        )
        .await?;
    if revoked == 0 {
        return Err(ApiError::NotFound("초대를 찾을 수 없습니다"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct Accept {
    pub token: String,
}

/// `POST /api/invitations/accept`: joins the organisation the link names.
pub async fn accept(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<Accept>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let invalid =
        || ApiError::bad("token", "초대 링크가 올바르지 않거나 만료되었습니다. 초대한 분께 새 링크를 요청해 주세요");
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let rows = tx
        .query_typed(
            "SELECT i.id, i.organization_id, i.role, i.email, u.email, u.email_verified_at IS NOT NULL
               FROM invitations i, users u
              WHERE i.token_hash = $1 AND u.id = $2
                AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
              FOR UPDATE OF i",
            &[(&secret::hash(form.token.trim()), Type::BYTEA), (&caller.user_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or_else(invalid)?;
    let (invitation, organization_id, role): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
    let (invited, mine, verified): (Option<String>, Option<String>, bool) = (row.get(3), row.get(4), row.get(5));
    if let Some(invited) = invited {
        if mine.as_deref() != Some(invited.as_str()) || !verified {
            return Err(ApiError::Forbidden(
                "이 초대는 다른 이메일 주소로 보낸 것입니다. 초대받은 주소로 로그인하고 이메일 확인을 마쳐 주세요",
            ));
        }
    }
    let (used, limit) = seats(&*tx, organization_id, false).await?;
    if used >= i64::from(limit) {
        return Err(no_seats(limit));
    }
    let joined = tx
        .execute_typed(
            "INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[(&organization_id, Type::INT8), (&caller.user_id, Type::INT8), (&role, Type::TEXT)],
        )
        .await?;
    if joined == 0 {
        return Err(ApiError::Conflict("이미 이 기관의 구성원입니다".into()));
    }
    tx.execute_typed(
        "UPDATE invitations SET accepted_at = now(), accepted_by = $2 WHERE id = $1",
        &[(&invitation, Type::INT8), (&caller.user_id, Type::INT8)],
    )
    .await?;
    crate::audit::record(
        &*tx,
        Some(caller.user_id),
        "organization.member_joined",
        Some(caller.user_id),
        Some(organization_id),
        &ip,
        serde_json::json!({ "role": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "organization_id": organization_id, "role": role })))
}
