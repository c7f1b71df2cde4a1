//! `GET /api/auth/session`: who is logged in, with the session's CSRF token.

use axum::extract::State;
use axum::Json;

use super::{me, SessionView};
use crate::accounts::caller::Via;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;

pub async fn show(State(state): State<AppState>, caller: Caller) -> Result<Json<SessionView>, ApiError> {
    let client = state.db.get().await?;
    let user = me(&**client, caller.user_id).await?;
    let csrf_token = match caller.via {
        Via::Session { csrf_token, .. } => csrf_token,
        Via::Bearer { .. } => String::new(),
    };
    Ok(Json(SessionView { user, csrf_token }))
}
