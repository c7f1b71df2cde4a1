//! `/billing/fail?checkout=…&code=…&message=…`: the fail URL the billing API gives Toss's SDK (Toss
//! adds `code` and `message`; `api::billing::success` sends a checkout it could not finish here
//! too). It finds the checkout's organisation — members only, as everywhere — and sends the person
//! back to that checkout (or card change) page, which says in Korean what happened and lets them try
//! again. Nothing was charged: a failed registration issues no billing key.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::checkout::checkout_path;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::orgs::access;
use crate::plans::{Cycle, Plan};
use crate::web::error::PageError;
use crate::web::viewer::MaybeViewer;

#[derive(Deserialize)]
pub struct FailQuery {
    checkout: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

const NO_CHECKOUT: ApiError = ApiError::NotFound("결제 요청을 찾을 수 없습니다");

pub async fn fail(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Query(q): Query<FailQuery>,
) -> Result<Response, PageError> {
    let why = [("code", q.code.as_deref().unwrap_or("UNKNOWN")), ("message", q.message.as_deref().unwrap_or(""))];
    let checkout = q.checkout.as_deref().unwrap_or_default();
    let here = format!(
        "/billing/fail?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("checkout", checkout)
            .extend_pairs(why)
            .finish()
    );
    let viewer = match viewer.require(&here) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let checkout_id: i64 = checkout.parse().map_err(|_| NO_CHECKOUT)?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT organization_id, purpose, plan, cycle FROM checkouts WHERE id = $1",
            &[(&checkout_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(NO_CHECKOUT)?;
    let organization_id: i64 = row.get(0);
    access(&**client, organization_id, &viewer.caller).await?;
    let choice = row
        .get::<_, Option<&str>>(2)
        .and_then(Plan::parse)
        .zip(row.get::<_, Option<&str>>(3).and_then(Cycle::parse))
        .filter(|_| row.get::<_, &str>(1) == "subscribe");
    let mut target = match choice {
        Some((plan, cycle)) => checkout_path(organization_id, plan, cycle) + "&",
        None => format!("/orgs/{organization_id}/billing/card?"),
    };
    target.push_str(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(why).finish());
    Ok(Redirect::to(&target).into_response())
}
