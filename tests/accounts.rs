//! Accounts end to end through the real router, PostgreSQL, Redis and a real SMTP conversation with
//! a local sink: sign-up, verification, login, sessions and their revocation, CSRF, bearer tokens,
//! password reset, lockout, rate limits (also with Redis down), roles and admin endpoints.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::browser::{person, user_id, Browser, PASSWORD};
use common::TestApp;
use serde_json::json;

async fn app_with_mail() -> (TestApp, mail::sink::Sink) {
    let sink = mail::sink::Sink::start().await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port());
    let app = TestApp::with(&[("SMTP_URL", &smtp), ("CONNECT_PUBLIC_URL", "https://connect.test")]).await;
    (app, sink)
}

/// The token in the link of the `n`-th mail (1-based) the sink received.
async fn link_token(sink: &mail::sink::Sink, n: usize) -> String {
    let mails = sink.wait_for(n, Duration::from_secs(10)).await;
    let body = mails[n - 1].text_body().expect("a text body");
    let start = body.find("token=").expect("a link with a token") + "token=".len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn sign_up_verify_log_in_and_log_out() {
    let (app, sink) = app_with_mail().await;
    let mut kim = person(&app.state, "Kim@Example.com").await;
    assert!(kim.cookies.contains_key("connect_session"));
    let session = kim.get("/api/auth/session").await;
    assert_eq!(session.status, StatusCode::OK);
    assert_eq!(session.json()["user"]["email"], "kim@example.com");
    assert_eq!(session.json()["user"]["email_verified"], false);

    // The verification mail went through a real SMTP conversation, in Korean.
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mails[0].subject().as_deref(), Some("[Connect] 이메일 주소를 확인해 주세요"));
    assert!(mails[0].text_body().unwrap().contains("https://connect.test/verify-email?token="));
    let token = link_token(&sink, 1).await;
    let verified = kim.post("/api/auth/verify-email", json!({ "token": token })).await;
    assert_eq!(verified.status, StatusCode::NO_CONTENT, "{}", verified.text());
    assert_eq!(kim.get("/api/auth/session").await.json()["user"]["email_verified"], true);
    let again = kim.post("/api/auth/verify-email", json!({ "token": token })).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "a verification link works once");

    // The same email cannot sign up twice.
    let mut other = Browser::new(&app.state, "10.0.0.2");
    assert_eq!(other.signup("kim@example.com").await.status, StatusCode::CONFLICT);

    // Logout ends the session on the server: the old cookie no longer works.
    let old_cookies = kim.cookies.clone();
    assert_eq!(kim.post("/api/auth/logout", json!({})).await.status, StatusCode::NO_CONTENT);
    let mut replay = Browser::new(&app.state, "10.0.0.1");
    replay.cookies = old_cookies;
    assert_eq!(replay.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);

    let login = kim.login("kim@example.com", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let cookie = login.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert_eq!(kim.login("kim@example.com", "틀린 비밀번호입니다 1234").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_up_validates_and_records_consent() {
    let app = TestApp::new().await;
    let mut browser = Browser::new(&app.state, "10.0.0.3");
    browser.prepare().await;
    let base = json!({"email": "lee@example.com", "password": PASSWORD, "terms_version": "2026-11-01", "privacy_version": "2026-11-01"});
    for (field, value, parameter) in [
        ("email", json!("not-an-email"), "email"),
        ("password", json!("short"), "password"),
        ("terms_version", json!("2020-01-01"), "terms_version"),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let response = browser.post("/api/auth/signup", body).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST);
        assert_eq!(response.json()["error"]["parameter"], parameter, "{}", response.text());
    }
    let unknown = browser.post("/api/auth/signup", json!({"email": "x@example.com", "pasword": "x"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.json()["error"]["message"].as_str().unwrap().contains("입력 형식"));

    assert_eq!(browser.post("/api/auth/signup", base).await.status, StatusCode::CREATED);
    let client = app.db.client().await;
    let consents: i64 = client.query_one("SELECT count(*) FROM consents", &[]).await.unwrap().get(0);
    assert_eq!(consents, 2, "terms and privacy, with time and version");
    let hash: String = client.query_one("SELECT password_hash FROM users", &[]).await.unwrap().get(0);
    assert!(hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn csrf_token_missing_or_wrong_is_refused() {
    let app = TestApp::new().await;
    // Before a session: double submit.
    let mut anonymous = Browser::new(&app.state, "10.0.0.4");
    let body = json!({"email": "park@example.com", "password": PASSWORD, "terms_version": "2026-11-01", "privacy_version": "2026-11-01"});
    assert_eq!(anonymous.post("/api/auth/signup", body.clone()).await.status, StatusCode::FORBIDDEN);
    anonymous.prepare().await;
    anonymous.csrf = Some("wrong".into());
    assert_eq!(anonymous.post("/api/auth/signup", body.clone()).await.status, StatusCode::FORBIDDEN);

    // With a session: the session's own token.
    let mut park = person(&app.state, "park@example.com").await;
    let token = park.csrf.clone();
    park.csrf = None;
    let missing = park.post("/api/orgs", json!({"kind": "company", "name": "박컴퍼니"})).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.json()["error"]["message"].as_str().unwrap().contains("CSRF"));
    park.csrf = Some("also-wrong".into());
    assert_eq!(
        park.post("/api/orgs", json!({"kind": "company", "name": "박컴퍼니"})).await.status,
        StatusCode::FORBIDDEN
    );
    park.csrf = token;
    // A browser marking the request cross-site is refused even with the token.
    let mut request = axum::http::Request::post("/api/orgs")
        .header("content-type", "application/json")
        .header("sec-fetch-site", "cross-site")
        .header("x-csrf-token", park.csrf.clone().unwrap())
        .header("cookie", format!("connect_session={}", park.cookies["connect_session"]));
    request = request.header("x-real-ip", "10.0.0.4");
    let cross = park.raw(request.body(json!({"kind": "company", "name": "x"}).to_string().into()).unwrap()).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(
        park.post("/api/orgs", json!({"kind": "company", "name": "박컴퍼니"})).await.status,
        StatusCode::CREATED
    );
    // Reads need no token.
    park.csrf = None;
    assert_eq!(park.get("/api/orgs").await.status, StatusCode::OK);
}

#[tokio::test]
async fn bearer_tokens_work_for_scripts_and_are_revocable() {
    let app = TestApp::new().await;
    person(&app.state, "script@example.com").await;
    let mut script = Browser::new(&app.state, "10.0.0.5");
    let issued = script.post("/api/auth/token", json!({"email": "script@example.com", "password": PASSWORD})).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text());
    assert_eq!(issued.json()["expires_in"], 900);
    let token = issued.json()["access_token"].as_str().unwrap().to_string();
    script.bearer = Some(token.clone());
    assert_eq!(script.get("/api/auth/session").await.status, StatusCode::OK);
    // No CSRF token needed with a bearer token.
    assert_eq!(
        script.post("/api/orgs", json!({"kind": "university", "name": "한국대학교 산학협력단"})).await.status,
        StatusCode::CREATED
    );
    // A tampered token is refused.
    script.bearer = Some(format!("{token}x"));
    assert_eq!(script.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);
    // Revocation takes effect at once.
    script.bearer = Some(token.clone());
    assert_eq!(script.post("/api/auth/token/revoke", json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(script.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);

    // "Log out everywhere" ends every session and token.
    let mut browser = Browser::new(&app.state, "10.0.0.5");
    assert_eq!(browser.login("script@example.com", PASSWORD).await.status, StatusCode::OK);
    let second = script.post("/api/auth/token", json!({"email": "script@example.com", "password": PASSWORD})).await;
    script.bearer = Some(second.json()["access_token"].as_str().unwrap().to_string());
    assert_eq!(script.get("/api/auth/session").await.status, StatusCode::OK);
    assert_eq!(browser.post("/api/auth/logout-everywhere", json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(script.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn roles_guard_admin_endpoints_and_changes_apply_at_once() {
    let app = TestApp::new().await;
    let mut anonymous = Browser::new(&app.state, "10.0.0.6");
    assert_eq!(anonymous.get("/api/admin/users").await.status, StatusCode::UNAUTHORIZED);
    let mut plain = person(&app.state, "plain@example.com").await;
    for uri in ["/api/admin/users", "/api/admin/organizations"] {
        assert_eq!(plain.get(uri).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let plain_id = user_id(&mut plain).await;
    assert_eq!(
        plain
            .send(Method::PATCH, &format!("/api/admin/users/{plain_id}"), Some(json!({"role": "SUPER_ADMIN"})))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let mut boss = person(&app.state, "boss@example.com").await;
    connect::accounts::grant(&app.db.client().await, "boss@example.com", connect::accounts::Role::SuperAdmin)
        .await
        .unwrap();
    assert_eq!(boss.login("boss@example.com", PASSWORD).await.status, StatusCode::OK);
    let promote =
        boss.send(Method::PATCH, &format!("/api/admin/users/{plain_id}"), Some(json!({"role": "ADMIN"}))).await;
    assert_eq!(promote.status, StatusCode::OK, "{}", promote.text());
    // The promoted user's existing session sees the new role on the next request.
    assert_eq!(plain.get("/api/admin/users").await.status, StatusCode::OK);
    // An ADMIN still cannot change roles.
    let boss_id = user_id(&mut boss).await;
    assert_eq!(
        plain.send(Method::PATCH, &format!("/api/admin/users/{boss_id}"), Some(json!({"role": "USER"}))).await.status,
        StatusCode::FORBIDDEN
    );
    boss.send(Method::PATCH, &format!("/api/admin/users/{plain_id}"), Some(json!({"role": "USER"}))).await;
    assert_eq!(plain.get("/api/admin/users").await.status, StatusCode::FORBIDDEN, "demotion applies at once");
}

#[tokio::test]
async fn password_reset_by_mail_ends_old_sessions() {
    let (app, sink) = app_with_mail().await;
    let mut choi = person(&app.state, "choi@example.com").await;
    sink.wait_for(1, Duration::from_secs(10)).await;
    let mut forgot = Browser::new(&app.state, "10.0.0.7");
    forgot.prepare().await;
    assert_eq!(
        forgot.post("/api/auth/password-reset", json!({"email": "nobody@example.com"})).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        forgot.post("/api/auth/password-reset", json!({"email": "choi@example.com"})).await.status,
        StatusCode::ACCEPTED
    );
    let token = link_token(&sink, 2).await;
    assert_eq!(sink.messages().len(), 2, "no mail for an unknown address");
    let new_password = "새로 정한 비밀번호 2027";
    let reset =
        forgot.post("/api/auth/password-reset/confirm", json!({"token": token, "password": new_password})).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text());
    assert_eq!(choi.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forgot.login("choi@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forgot.login("choi@example.com", new_password).await.status, StatusCode::OK);
    let reused = forgot
        .post("/api/auth/password-reset/confirm", json!({"token": token, "password": "또 다른 비밀번호 2028"}))
        .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_with_back_off() {
    let app = TestApp::with(&[("CONNECT_AUTH_RATE_PER_MINUTE", "100")]).await;
    person(&app.state, "jung@example.com").await;
    let mut attacker = Browser::new(&app.state, "10.0.0.8");
    for _ in 0..5 {
        assert_eq!(
            attacker.login("jung@example.com", "비밀번호를 추측합니다 1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = attacker.login("jung@example.com", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "even the right password waits out the lock");
    assert!(locked.json()["error"]["message"].as_str().unwrap().contains("잠겼습니다"), "{}", locked.text());
    let metrics = app.get_text("/api/metrics").await.1;
    assert!(metrics.contains("auth_failures_total{reason=\"bad_password\"} 5"), "{metrics}");
    assert!(metrics.contains("auth_failures_total{reason=\"locked\"} 1"));
    // Unknown accounts answer exactly like wrong passwords.
    let unknown = attacker.login("ghost@example.com", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.json()["error"]["message"], "이메일 또는 비밀번호가 올바르지 않습니다");
}

async fn hammer_login(browser: &mut Browser) -> Vec<StatusCode> {
    browser.prepare().await;
    let mut statuses = Vec::new();
    for _ in 0..25 {
        let response =
            browser.post("/api/auth/login", json!({"email": "x@example.com", "password": "whatever-password"})).await;
        statuses.push(response.status);
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers.contains_key("retry-after"));
        }
    }
    statuses
}

#[tokio::test]
async fn login_is_rate_limited_per_address() {
    let app = TestApp::new().await;
    let mut noisy = Browser::new(&app.state, "192.0.2.10");
    let statuses = hammer_login(&mut noisy).await;
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    // 10 a minute: of 25 requests at least one falls over the limit, whatever minute boundary lies
    // between them; the first 10 never do.
    assert!(limited >= 1, "{statuses:?}");
    assert_eq!(statuses[..10].iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 0, "{statuses:?}");
    let mut quiet = Browser::new(&app.state, "192.0.2.11");
    quiet.prepare().await;
    let other = quiet.post("/api/auth/login", json!({"email": "x@example.com", "password": "whatever-password"})).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "another address has its own budget");
    let metrics = app.get_text("/api/metrics").await.1;
    assert!(metrics.contains("rate_limited_total{route=\"login\"}"), "{metrics}");
}

#[tokio::test]
async fn rate_limit_still_holds_when_redis_is_down() {
    // Nothing listens on port 1: every Redis call fails at once.
    let app = TestApp::with(&[("REDIS_CACHE_URL", "redis://127.0.0.1:1")]).await;
    let mut noisy = Browser::new(&app.state, "192.0.2.20");
    let statuses = hammer_login(&mut noisy).await;
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    assert!(!statuses.contains(&StatusCode::INTERNAL_SERVER_ERROR), "{statuses:?}");
}
