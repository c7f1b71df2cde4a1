//! Account deletion (PIPA): `POST /api/me/deletion` mails a six-digit code, and
//! `POST /api/me/deletion/confirm` with that code erases the person. An account without an email
//! address (Kakao can give none) confirms instead with a login made in the last 10 minutes.
//!
//! Erased: email, name, password, linked providers, sessions, pending mail codes, consent IPs and
//! memberships; organisations the person alone belonged to go with their documents and subscription.
//! Kept, detached from the person: the user id row (marked deleted) that audit entries refer to, and
//! the payment records the law requires (`payments`, whose organisation reference becomes NULL).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tokio_postgres::types::Type;

use crate::accounts::caller::{ClientIp, Via};
use crate::accounts::mail_token::{self, Purpose};
use crate::accounts::session::{self, SESSION_COOKIE};
use crate::accounts::{mails, secret, Caller};
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

const RECENT_LOGIN_MINUTES: i32 = 10;

pub async fn request(State(state): State<AppState>, caller: Caller) -> Result<Json<serde_json::Value>, ApiError> {
    state.accounts.limiter.check("deletion", &caller.user_id.to_string()).await?;
    let client = state.db.get().await?;
    check_ownerships(&**client, caller.user_id).await?;
    let rows = client.query_typed("SELECT email FROM users WHERE id = $1", &[(&caller.user_id, Type::INT8)]).await?;
    let email: Option<String> = rows.first().ok_or(ApiError::Unauthenticated)?.get(0);
    let Some(email) = email else {
        return Ok(Json(serde_json::json!({
            "method": "recent_login",
            "message": format!("이메일이 없는 계정입니다. {RECENT_LOGIN_MINUTES}분 안에 다시 로그인한 뒤 탈퇴를 확인해 주세요"),
        })));
    };
    let code = secret::code();
    mail_token::issue(&**client, caller.user_id, Purpose::DeleteAccount, &code).await?;
    drop(client);
    let sent = mails::send(&state.accounts, mails::delete_account(&email, &code)).await;
    Ok(Json(serde_json::json!({ "method": "email", "sent": sent })))
}

/// Organisations the person owns together with others block deletion until ownership moves.
async fn check_ownerships<C: tokio_postgres::GenericClient>(client: &C, user_id: i64) -> Result<(), ApiError> {
    let rows = client
        .query_typed(
            "SELECT o.name FROM memberships m JOIN organizations o ON o.id = m.organization_id
              WHERE m.user_id = $1 AND m.role = 'owner'
                AND EXISTS (SELECT 1 FROM memberships x WHERE x.organization_id = o.id AND x.user_id <> $1)",
            &[(&user_id, Type::INT8)],
        )
        .await?;
    if let Some(row) = rows.first() {
        let name: String = row.get(0);
        return Err(ApiError::Conflict(format!(
            "'{name}'의 소유자입니다. 탈퇴하기 전에 다른 구성원에게 소유권을 넘겨 주세요"
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct Confirm {
    #[serde(default)]
    pub code: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<Confirm>,
) -> Result<Response, ApiError> {
    state.accounts.limiter.check("deletion", &caller.user_id.to_string()).await?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    check_ownerships(&*tx, caller.user_id).await?;
    let rows = tx.query_typed("SELECT email FROM users WHERE id = $1", &[(&caller.user_id, Type::INT8)]).await?;
    let has_email = rows.first().ok_or(ApiError::Unauthenticated)?.get::<_, Option<String>>(0).is_some();
    let confirmed = if has_email {
        let code = form.code.as_deref().unwrap_or("").trim();
        mail_token::consume(&*tx, Purpose::DeleteAccount, code, Some(caller.user_id)).await?.is_some()
    } else {
        recent_login(&*tx, &caller).await?
    };
    if !confirmed {
        return Err(ApiError::bad("code", "확인 코드가 올바르지 않거나 만료되었습니다"));
    }
    let files = erase(&*tx, caller.user_id).await?;
    crate::audit::record(&*tx, None, "user.deleted", Some(caller.user_id), None, &ip, serde_json::json!({})).await?;
    tx.commit().await?;
    for path in files {
        let _ = tokio::fs::remove_file(state.accounts.config.upload_dir.join(path)).await;
    }
    let cookie = session::set_cookie(SESSION_COOKIE, "", 0, state.accounts.config.cookie_secure, true);
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}

async fn recent_login<C: tokio_postgres::GenericClient>(client: &C, caller: &Caller) -> Result<bool, ApiError> {
    let Via::Session { token_hash, .. } = &caller.via else {
        return Ok(false);
    };
    let rows = client
        .query_typed(
            "SELECT 1 FROM sessions WHERE token_hash = $1 AND created_at > now() - make_interval(mins => $2)",
            &[(token_hash, Type::BYTEA), (&RECENT_LOGIN_MINUTES, Type::INT4)],
        )
        .await?;
    Ok(!rows.is_empty())
}

/// Erases the person; returns the stored files of organisations that went with them.
async fn erase<C: tokio_postgres::GenericClient>(client: &C, user_id: i64) -> Result<Vec<String>, ApiError> {
    let files = client
        .query_typed(
            "DELETE FROM organizations o
              WHERE EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = o.id AND m.user_id = $1)
                AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.organization_id = o.id AND x.user_id <> $1)
              RETURNING ARRAY(SELECT storage_path FROM documents d WHERE d.organization_id = o.id)",
            &[(&user_id, Type::INT8)],
        )
        .await?
        .into_iter()
        .flat_map(|r| r.get::<_, Vec<String>>(0))
        .collect();
    for sql in [
        "DELETE FROM memberships WHERE user_id = $1",
        "DELETE FROM identities WHERE user_id = $1",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM mail_tokens WHERE user_id = $1",
        "UPDATE consents SET ip = NULL WHERE user_id = $1",
        "UPDATE users SET email = NULL, email_verified_at = NULL, name = NULL, password_hash = NULL, role = 'USER',
                          token_version = token_version + 1, deleted_at = now()
          WHERE id = $1",
    ] {
        client.execute_typed(sql, &[(&user_id, Type::INT8)]).await?;
    }
    Ok(files)
}
