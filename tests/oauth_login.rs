//! Kakao and Naver login and account linking through the real router against local fake providers
//! that speak the documented protocols (crates/oauth/src/fake): state, PKCE, replayed codes,
//! provider errors and outages, accounts without email, and links bound to the session.

mod common;

use axum::http::StatusCode;
use common::browser::{person, user_id, Browser};
use common::TestApp;
use oauth::fake::{FakeProvider, FakeUser};
use oauth::{Provider, Url};
use serde_json::json;

const TERMS: &str = "terms_version=2026-11-01&privacy_version=2026-11-01";

async fn app_with(providers: &[&FakeProvider]) -> TestApp {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for fake in providers {
        let prefix = match fake.provider() {
            Provider::Kakao => "KAKAO",
            Provider::Naver => "NAVER",
        };
        pairs.push((format!("{prefix}_CLIENT_ID"), fake.client_id().into()));
        pairs.push((format!("{prefix}_CLIENT_SECRET"), fake.client_secret().into()));
        pairs.push((format!("{prefix}_AUTH_URL"), fake.base_url().to_string()));
        pairs.push((format!("{prefix}_API_URL"), fake.base_url().to_string()));
    }
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::with(&borrowed).await
}

fn user(subject: &str, email: Option<&str>) -> FakeUser {
    FakeUser {
        subject: subject.into(),
        email: email.map(Into::into),
        email_verified: true,
        name: Some("홍길동".into()),
    }
}

/// The path and query of an absolute URL, to send through the router.
fn local(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// Starts a login in `browser` and has `person` consent at the fake; returns the callback path.
async fn consent(browser: &mut Browser, fake: &FakeProvider, person: &FakeUser, query: &str) -> String {
    let provider = fake.provider().as_str();
    let start = browser.get(&format!("/api/auth/oauth/{provider}/start?{query}")).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.text());
    let authorize = Url::parse(&start.location()).unwrap();
    assert!(authorize.as_str().starts_with(fake.base_url().as_str()));
    local(&fake.authorize(person, &authorize).unwrap())
}

#[tokio::test]
async fn kakao_login_creates_an_account_then_logs_it_in() {
    let kakao = FakeProvider::start(Provider::Kakao).await;
    let app = app_with(&[&kakao]).await;
    let hong = user("4001", Some("hong@kakao.com"));
    kakao.add_user(hong.clone());

    let mut browser = Browser::new(&app.state, "10.1.0.1");
    let callback = consent(&mut browser, &kakao, &hong, TERMS).await;
    let done = browser.get(&callback).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), "/");
    let me = browser.get("/api/auth/session").await.json();
    assert_eq!(me["user"]["email"], "hong@kakao.com");
    assert_eq!(me["user"]["email_verified"], true);
    assert_eq!(me["user"]["providers"], json!(["kakao"]));

    // The same code a second time: the flow is gone and the provider refuses it anyway.
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);

    // A second login finds the same account.
    let mut again = Browser::new(&app.state, "10.1.0.2");
    let callback = consent(&mut again, &kakao, &hong, "").await;
    assert_eq!(again.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(again.get("/api/auth/session").await.json()["user"]["id"], me["user"]["id"]);
    let metrics = app.get_text("/api/metrics").await.1;
    assert!(metrics.contains("user_registrations_total{method=\"kakao\"} 1"), "{metrics}");
}

#[tokio::test]
async fn kakao_account_without_email_and_terms_are_required() {
    let kakao = FakeProvider::start(Provider::Kakao).await;
    let app = app_with(&[&kakao]).await;
    let quiet = user("4002", None);
    kakao.add_user(quiet.clone());
    let mut browser = Browser::new(&app.state, "10.1.0.3");
    let without_terms = consent(&mut browser, &kakao, &quiet, "").await;
    let refused = browser.get(&without_terms).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"]["parameter"], "terms_version");
    let callback = consent(&mut browser, &kakao, &quiet, TERMS).await;
    assert_eq!(browser.get(&callback).await.status, StatusCode::SEE_OTHER);
    let me = browser.get("/api/auth/session").await.json();
    assert_eq!(me["user"]["email"], serde_json::Value::Null);
}

#[tokio::test]
async fn wrong_state_or_another_browser_is_refused() {
    let kakao = FakeProvider::start(Provider::Kakao).await;
    let app = app_with(&[&kakao]).await;
    let hong = user("4003", Some("state@kakao.com"));
    kakao.add_user(hong.clone());
    let mut victim = Browser::new(&app.state, "10.1.0.4");
    let callback = consent(&mut victim, &kakao, &hong, TERMS).await;

    // An attacker who got the callback URL cannot use it from another browser (no login cookie).
    let mut attacker = Browser::new(&app.state, "10.1.0.5");
    assert_eq!(attacker.get(&callback).await.status, StatusCode::BAD_REQUEST);
    // A made-up state is refused too.
    let forged = callback.replace("state=", "state=x");
    assert_eq!(victim.get(&forged).await.status, StatusCode::BAD_REQUEST);
    let metrics = app.get_text("/api/metrics").await.1;
    assert!(metrics.contains("auth_failures_total{reason=\"oauth_state\"}"), "{metrics}");
}

#[tokio::test]
async fn provider_errors_and_outages_are_explained() {
    let naver = FakeProvider::start(Provider::Naver).await;
    let app = app_with(&[&naver]).await;
    let kim = user("5001", Some("kim@naver.com"));
    naver.add_user(kim.clone());

    // The person cancelled at Naver.
    let mut browser = Browser::new(&app.state, "10.1.0.6");
    let start = browser.get(&format!("/api/auth/oauth/naver/start?{TERMS}")).await;
    let authorize = Url::parse(&start.location()).unwrap();
    let state = authorize.query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    let denied = browser
        .get(&format!(
            "/api/auth/oauth/naver/callback?error=access_denied&error_description=Canceled+By+User&state={state}"
        ))
        .await;
    assert_eq!(denied.status, StatusCode::BAD_REQUEST);
    assert!(denied.json()["error"]["message"].as_str().unwrap().contains("네이버"), "{}", denied.text());

    // Naver is down during the token exchange.
    let callback = consent(&mut browser, &naver, &kim, TERMS).await;
    naver.set_down(true);
    let down = browser.get(&callback).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{}", down.text());
    naver.set_down(false);

    // And works again afterwards.
    let callback = consent(&mut browser, &naver, &kim, TERMS).await;
    assert_eq!(browser.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(browser.get("/api/auth/session").await.json()["user"]["providers"], json!(["naver"]));

    // An unconfigured provider is simply not there.
    assert_eq!(browser.get("/api/auth/oauth/kakao/start").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_email_with_an_account_is_never_taken_over_by_login() {
    let kakao = FakeProvider::start(Provider::Kakao).await;
    let app = app_with(&[&kakao]).await;
    person(&app.state, "owner@example.com").await;
    let impostor = user("4004", Some("owner@example.com"));
    kakao.add_user(impostor.clone());
    let mut browser = Browser::new(&app.state, "10.1.0.7");
    let callback = consent(&mut browser, &kakao, &impostor, TERMS).await;
    let refused = browser.get(&callback).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(!browser.cookies.contains_key("connect_session"));
    let identities: i64 = app.db.client().await.query_one("SELECT count(*) FROM identities", &[]).await.unwrap().get(0);
    assert_eq!(identities, 0);
}

#[tokio::test]
async fn linking_is_bound_to_the_session_and_confirmed_by_post() {
    let kakao = FakeProvider::start(Provider::Kakao).await;
    let app = app_with(&[&kakao]).await;
    let mut lee = person(&app.state, "lee@example.com").await;
    let mut mallory = person(&app.state, "mallory@example.com").await;
    let lee_kakao = user("4005", Some("lee@kakao.com"));
    kakao.add_user(lee_kakao.clone());

    let started = lee.post("/api/auth/link/kakao", json!({})).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text());
    let authorize = Url::parse(started.json()["authorize_url"].as_str().unwrap()).unwrap();
    let callback = local(&kakao.authorize(&lee_kakao, &authorize).unwrap());

    // Mallory cannot complete Lee's flow from her own session.
    assert_eq!(mallory.get(&callback).await.status, StatusCode::BAD_REQUEST);

    // Lee's own callback only notes the account; nothing is linked by the GET.
    let lee_started = lee.post("/api/auth/link/kakao", json!({})).await;
    let authorize = Url::parse(lee_started.json()["authorize_url"].as_str().unwrap()).unwrap();
    let callback = local(&kakao.authorize(&lee_kakao, &authorize).unwrap());
    let noted = lee.get(&callback).await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.text());
    let confirm_state = noted.location().split("confirm=").nth(1).unwrap().to_string();
    let client = app.db.client().await;
    let linked: i64 = client.query_one("SELECT count(*) FROM identities", &[]).await.unwrap().get(0);
    assert_eq!(linked, 0);

    // Mallory cannot confirm it either; Lee can.
    assert_eq!(
        mallory.post("/api/auth/link/confirm", json!({"state": confirm_state})).await.status,
        StatusCode::BAD_REQUEST
    );
    let confirmed = lee.post("/api/auth/link/confirm", json!({"state": confirm_state})).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert_eq!(confirmed.json()["providers"], json!(["kakao"]));
    let lee_id = user_id(&mut lee).await;

    // Logging in with that Kakao account now reaches Lee.
    let mut elsewhere = Browser::new(&app.state, "10.1.0.8");
    let callback = consent(&mut elsewhere, &kakao, &lee_kakao, "").await;
    assert_eq!(elsewhere.get(&callback).await.status, StatusCode::SEE_OTHER);
    assert_eq!(user_id(&mut elsewhere).await, lee_id);

    // Unlinking keeps the password as a way in.
    let unlinked = lee.send(axum::http::Method::DELETE, "/api/auth/link/kakao", None).await;
    assert_eq!(unlinked.status, StatusCode::OK);
    assert_eq!(unlinked.json()["providers"], json!([]));
}
