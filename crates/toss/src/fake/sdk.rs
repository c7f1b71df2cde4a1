//! The fake's browser side: a small stand-in for Toss's JavaScript SDK v2 and its card registration
//! window, so a real browser can go through a checkout against the fake.
//!
//! `GET /v2/standard` serves a script that defines `TossPayments(clientKey)` with
//! `.payment({customerKey}).requestBillingAuth({method: "CARD", successUrl, failUrl})`, the calls of
//! Toss's billing-auth. Where Toss opens its card registration window, the fake navigates the page to
//! `GET /v2/billing-auth?…` on the fake, which "registers" [`super::ledger::TEST_CARD`] and redirects
//! as Toss documents it: to `successUrl` with `customerKey` and an `authKey` that
//! `POST /v1/billing/authorizations/issue` accepts once, or to `failUrl` with `code` and `message`.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use url::Url;

use super::{Endpoint, Shared};

/// The script, in the shape of Toss's v2 SDK for billing-auth only. It finds the fake's origin
/// from its own `src`, so it works on whatever port the fake listens on.
const SCRIPT: &str = r#"// Fake Toss Payments SDK v2 (tests only): billing-auth through the fake's registration page.
(function () {
  'use strict';
  var origin = new URL(document.currentScript.src).origin;
  window.TossPayments = function (clientKey) {
    return {
      payment: function (options) {
        var customerKey = options && options.customerKey;
        return {
          requestBillingAuth: function (params) {
            params = params || {};
            if (params.method !== 'CARD' && params.method !== '카드') {
              return Promise.reject({ code: 'INVALID_METHOD', message: '자동결제는 카드만 지원합니다.' });
            }
            var target = new URL('/v2/billing-auth', origin);
            target.searchParams.set('clientKey', clientKey);
            target.searchParams.set('customerKey', customerKey || '');
            target.searchParams.set('successUrl', params.successUrl || '');
            target.searchParams.set('failUrl', params.failUrl || '');
            window.location.assign(target.toString());
            // The page is left, as with Toss's redirect: the promise never settles here.
            return new Promise(function () {});
          }
        };
      }
    };
  };
})();
"#;

pub(super) async fn script(State(shared): State<Arc<Shared>>) -> Response {
    *shared.state().hits.entry(Endpoint::Sdk).or_default() += 1;
    let headers = [(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-store")];
    (headers, SCRIPT).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BillingAuth {
    #[serde(default)]
    client_key: String,
    #[serde(default)]
    customer_key: String,
    #[serde(default)]
    success_url: String,
    #[serde(default)]
    fail_url: String,
}

/// The card registration window: registers the card and redirects to the success or fail URL.
pub(super) async fn billing_auth(State(shared): State<Arc<Shared>>, Query(request): Query<BillingAuth>) -> Response {
    let mut state = shared.state();
    *state.hits.entry(Endpoint::BillingAuth).or_default() += 1;
    let (Some(success), Some(fail)) = (redirect_url(&request.success_url), redirect_url(&request.fail_url)) else {
        return (StatusCode::BAD_REQUEST, "successUrl, failUrl은 http(s) 주소여야 합니다.").into_response();
    };
    let refused = if request.client_key != shared.client_key {
        Some(("INVALID_CLIENT_KEY".to_owned(), "클라이언트 키가 올바르지 않습니다.".to_owned()))
    } else if !(2..=300).contains(&request.customer_key.chars().count()) {
        Some(("INVALID_CUSTOMER_KEY".to_owned(), "customerKey는 2자 이상 300자 이하여야 합니다.".to_owned()))
    } else {
        state.fail_next_billing_auth.take()
    };
    let target = match refused {
        Some((code, message)) => with_query(fail, &[("code", &code), ("message", &message)]),
        None => {
            let auth_key = state.ledger.authorize_card(&request.customer_key);
            with_query(success, &[("customerKey", &request.customer_key), ("authKey", &auth_key)])
        }
    };
    (StatusCode::FOUND, [(LOCATION, target.as_str())]).into_response()
}

fn redirect_url(raw: &str) -> Option<Url> {
    Url::parse(raw).ok().filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// `url` with `pairs` appended to the query it already has (`?checkout=7&customerKey=…`).
fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    url.query_pairs_mut().extend_pairs(pairs);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_query_they_had() {
        let url = with_query(
            Url::parse("https://connect.test/api/billing/success?checkout=7").unwrap(),
            &[("customerKey", "cus_1"), ("authKey", "bln_a+b")],
        );
        assert_eq!(
            url.as_str(),
            "https://connect.test/api/billing/success?checkout=7&customerKey=cus_1&authKey=bln_a%2Bb"
        );
        assert!(redirect_url("javascript:alert(1)").is_none());
        assert!(redirect_url("/relative").is_none());
    }
}
