//! Provider outages and garbage: down, slow, unreachable, malformed, oversized.

mod common;

use std::time::Duration;

use common::{client, consent, fake, redirect_uri, user};
use oauth::fake::Endpoint;
use oauth::{Client, OAuthError, Provider, ProviderConfig, Url};

#[tokio::test]
async fn provider_down_is_unavailable() {
    for provider in Provider::ALL {
        let fake = fake(provider).await;
        let client = client(&fake);
        let (authorization, code) = consent(&fake, &client, &user("7", None, false, None));
        fake.set_down(true);
        let error = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await;
        let error = error.unwrap_err();
        assert!(matches!(error, OAuthError::Unavailable { .. }), "{error:?}");
        assert!(error.log_detail().contains("503"), "{}", error.log_detail());
        assert!(error.to_string().contains("로그인 서버에 연결할 수 없습니다"), "{error}");

        // The code was not consumed by the refused request: the outage ends, the login completes.
        fake.set_down(false);
        let tokens =
            client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await.unwrap();
        fake.set_down(true);
        assert!(matches!(client.profile(&tokens).await, Err(OAuthError::Unavailable { .. })));
    }
}

#[tokio::test]
async fn slow_provider_times_out_as_unavailable() {
    let fake = fake(Provider::Kakao).await;
    let client = Client::new(Provider::Kakao, fake.config(redirect_uri())).with_timeout(Duration::from_millis(200));
    let (authorization, code) = consent(&fake, &client, &user("8", None, false, None));
    fake.set_slow(Duration::from_secs(30));
    let error = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await;
    match error.unwrap_err() {
        OAuthError::Unavailable { detail, .. } => assert!(detail.starts_with("timeout"), "{detail}"),
        other => panic!("expected timeout, got {other:?}"),
    }
    assert_eq!(fake.hits(Endpoint::Token), 1);
}

#[tokio::test]
async fn unreachable_provider_is_unavailable() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("9", None, false, None));

    // A port that was free a moment ago: nothing listens there any more.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut config = fake.config(redirect_uri());
    config.auth_base = Url::parse(&format!("http://{closed}/")).unwrap();
    let client = Client::new(Provider::Naver, config);
    let error = client.exchange(&code, &authorization.state, None).await.unwrap_err();
    match error {
        OAuthError::Unavailable { detail, .. } => assert!(detail.starts_with("connection failed"), "{detail}"),
        other => panic!("expected connection failure, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    for provider in Provider::ALL {
        let fake = fake(provider).await;
        let client = client(&fake);
        let (authorization, code) = consent(&fake, &client, &user("10", None, false, None));
        fake.set_malformed(true);
        let error = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await;
        let error = error.unwrap_err();
        assert!(matches!(error, OAuthError::Malformed { .. }), "{error:?}");
        assert!(!error.log_detail().contains("AT"), "detail quotes the body: {}", error.log_detail());
    }
}

#[tokio::test]
async fn non_provider_answer_is_malformed() {
    // A base URL pointing at a server without the token path: HTTP 404 with an empty body.
    let naver = fake(Provider::Naver).await;
    let mut config = ProviderConfig::new(Provider::Kakao, "id", "secret".into(), redirect_uri());
    config.auth_base = naver.base_url();
    let client = Client::new(Provider::Kakao, config);
    let error = client.exchange("code", "state", None).await.unwrap_err();
    match error {
        OAuthError::Malformed { detail, .. } => assert!(detail.contains("HTTP 404"), "{detail}"),
        other => panic!("expected malformed, got {other:?}"),
    }
}

#[tokio::test]
async fn oversized_response_is_malformed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let huge = format!(r#"{{"access_token":"{}"}}"#, "A".repeat(oauth::MAX_RESPONSE_BYTES));
    let app = axum::Router::new().route("/oauth/token", axum::routing::post(move || async move { huge }));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut config = ProviderConfig::new(Provider::Kakao, "id", "secret".into(), redirect_uri());
    config.auth_base = Url::parse(&format!("http://{addr}/")).unwrap();
    let error = Client::new(Provider::Kakao, config).exchange("code", "state", None).await.unwrap_err();
    match error {
        OAuthError::Malformed { detail, .. } => assert!(detail.contains("over"), "{detail}"),
        other => panic!("expected malformed, got {other:?}"),
    }
    server.abort();
}
