//! Billing as a browser goes through it, for the billing tests of the API and of the web pages:
//! an organisation, a checkout, the card registration at the fake Toss, the success URL.

use axum::http::StatusCode;
use serde_json::{json, Value};
use toss::fake::FakeToss;

use super::browser::Browser;

/// A company registered by `browser` (its owner), with a business number if given.
pub async fn company(browser: &mut Browser, name: &str, number: Option<&str>) -> i64 {
    let mut body = json!({"kind": "company", "name": name});
    if let Some(number) = number {
        body["business_number"] = json!(number);
    }
    let response = browser.post("/api/orgs", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

pub async fn start_checkout(owner: &mut Browser, org: i64, plan: &str, cycle: &str) -> Value {
    let response =
        owner.post(&format!("/api/orgs/{org}/billing/checkout"), json!({"plan": plan, "cycle": cycle})).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

pub fn success_body(checkout: &Value, auth_key: &str) -> Value {
    json!({"checkout": checkout["checkout_id"], "customerKey": checkout["customer_key"], "authKey": auth_key})
}

/// Subscribes as the browser SDK would: checkout, card registration at Toss, the success URL.
pub async fn subscribe(toss: &FakeToss, owner: &mut Browser, org: i64, plan: &str, cycle: &str) -> Value {
    let checkout = start_checkout(owner, org, plan, cycle).await;
    let auth_key = toss.authorize_card(checkout["customer_key"].as_str().unwrap());
    let done = owner.post("/api/billing/success", success_body(&checkout, &auth_key)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.json()["result"], "active");
    done.json()
}
