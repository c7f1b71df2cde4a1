//! The success URL of the card registration: Toss sends the browser to
//! `GET /api/billing/success?checkout=…&customerKey=…&authKey=…` (`checkout` is the one we put in the
//! success URL; without it, the customer's newest checkout is meant), which completes the checkout and
//! redirects to the organisation's billing page (or, when it fails, to the fail URL with `code` and
//! `message`, as Toss does for a failed registration); a web page may instead `POST` the same fields
//! as JSON and read the result. Either way the billing key is issued, stored sealed, and the first
//! charge made once, however often the request is repeated.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::{configured, overview, Overview};
use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::billing::checkout::{self, Completed};
use crate::orgs::access;

#[derive(Deserialize)]
pub struct Success {
    /// The checkout (in the success URL we give); without it, the customer's newest checkout.
    #[serde(default, alias = "checkout_id")]
    pub checkout: Option<i64>,
    #[serde(alias = "customer_key", rename = "customerKey")]
    pub customer_key: String,
    #[serde(alias = "auth_key", rename = "authKey")]
    pub auth_key: String,
}

#[derive(Serialize)]
pub struct Outcome {
    /// `active`, `processing` (the first charge's answer was lost; settled shortly) or `card_updated`.
    pub result: &'static str,
    /// For a card change: whether a renewal waiting on the old card was charged now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charged: Option<bool>,
    pub billing: Overview,
}

fn result(completed: Completed) -> (&'static str, Option<bool>) {
    match completed {
        Completed::Active => ("active", None),
        Completed::Processing => ("processing", None),
        Completed::CardUpdated { charged } => ("card_updated", charged),
    }
}

async fn run(state: &AppState, caller: &Caller, ip: &str, form: &Success) -> Result<(i64, Completed), ApiError> {
    let billing = configured(state)?;
    let now = chrono::Utc::now();
    let checkout_id = match form.checkout {
        Some(id) => id,
        None => checkout::latest_for_customer(&**state.db.get().await?, &form.customer_key)
            .await?
            .ok_or(ApiError::NotFound("결제 요청을 찾을 수 없습니다"))?,
    };
    let done =
        checkout::complete(billing, &state.db, caller, checkout_id, &form.customer_key, &form.auth_key, now).await;
    let client = state.db.get().await?;
    let (organization_id, status) = match &done {
        Ok((organization_id, completed)) => (Some(*organization_id), result(*completed).0),
        Err(_) => (None, "failed"),
    };
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "billing.checkout_completed",
        None,
        organization_id,
        ip,
        serde_json::json!({ "checkout_id": checkout_id, "result": status }),
    )
    .await?;
    done
}

pub async fn complete(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Body(form): Body<Success>,
) -> Result<Response, ApiError> {
    let (organization_id, completed) = run(&state, &caller, &ip, &form).await?;
    let client = state.db.get().await?;
    let access = access(&**client, organization_id, &caller).await?;
    let billing = overview(&state, &**client, &access, chrono::Utc::now()).await?;
    let (result, charged) = result(completed);
    let status = if completed == Completed::Processing { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(Outcome { result, charged, billing })).into_response())
}

pub async fn redirect(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Query(form): Query<Success>,
) -> Result<Redirect, ApiError> {
    let billing = configured(&state)?;
    match run(&state, &caller, &ip, &form).await {
        Ok((organization_id, completed)) => {
            Ok(Redirect::to(&billing.link(&format!("/orgs/{organization_id}/billing?result={}", result(completed).0))))
        }
        Err(ApiError::Internal(error)) => Err(ApiError::Internal(error)),
        // A person came back from Toss's window: show them why in Korean, not a JSON body.
        Err(error) => match form.checkout {
            Some(checkout) => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("checkout", &checkout.to_string())
                    .append_pair("code", error.status_and_code().1)
                    .append_pair("message", &error.to_string())
                    .finish();
                Ok(Redirect::to(&billing.link(&format!("/billing/fail?{query}"))))
            }
            None => Err(error),
        },
    }
}
