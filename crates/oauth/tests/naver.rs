//! Naver login against the fake Naver: no PKCE, string expiry, errors on HTTP 200.

mod common;

use std::time::Duration;

use common::{client, consent, fake, follow, user};
use oauth::fake::Endpoint;
use oauth::{callback, CallbackQuery, OAuthError, Provider};

#[tokio::test]
async fn happy_path_yields_profile() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let gildong = user("32742776", Some("gildong@naver.com"), false, Some("홍길동"));

    let (authorization, code) = consent(&fake, &client, &gildong);
    assert_eq!(authorization.pkce_verifier, None);
    let tokens = client.exchange(&code, &authorization.state, None).await.unwrap();
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));

    let profile = client.profile(&tokens).await.unwrap();
    assert_eq!(profile.provider, Provider::Naver);
    assert_eq!(profile.subject, "32742776");
    assert_eq!(profile.email.as_deref(), Some("gildong@naver.com"));
    assert_eq!(profile.name.as_deref(), Some("홍길동"));
}

#[tokio::test]
async fn replayed_code_is_provider_error() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("500", None, false, None));
    client.exchange(&code, &authorization.state, None).await.unwrap();

    let error = client.exchange(&code, &authorization.state, None).await.unwrap_err();
    match &error {
        OAuthError::Provider { provider: Provider::Naver, code, description } => {
            assert_eq!(code, "invalid_request");
            assert_eq!(description, "no valid data in session");
        }
        other => panic!("expected invalid_request, got {other:?}"),
    }
    assert_eq!(fake.hits(Endpoint::Token), 2);
}

#[tokio::test]
async fn token_request_must_repeat_the_state() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let (_, code) = consent(&fake, &client, &user("501", None, false, None));
    let error = client.exchange(&code, "some-other-state", None).await.unwrap_err();
    assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_request"), "{error:?}");
}

#[tokio::test]
async fn user_without_email_has_none() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("502", None, false, Some("무메일")));
    let tokens = client.exchange(&code, &authorization.state, None).await.unwrap();
    assert_eq!(client.profile(&tokens).await.unwrap().email, None);
}

#[tokio::test]
async fn unknown_access_token_is_resultcode_024() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("503", None, false, None));
    let mut tokens = client.exchange(&code, &authorization.state, None).await.unwrap();
    tokens.access_token = "expired".into();
    let error = client.profile(&tokens).await.unwrap_err();
    match error {
        OAuthError::Provider { code, description, .. } => {
            assert_eq!(code, "024");
            assert_eq!(description, "Authentication failed");
        }
        other => panic!("expected 024, got {other:?}"),
    }
}

#[tokio::test]
async fn browser_consent_and_cancel() {
    let fake = fake(Provider::Naver).await;
    let client = client(&fake);
    fake.add_user(user("600", Some("web@naver.com"), false, None));
    fake.set_current_user(Some("600"));

    let authorization = client.start();
    let redirect = follow(&authorization.url).await;
    let code = callback(Provider::Naver, &CallbackQuery::from_url(&redirect), &authorization.state).unwrap();
    let tokens = client.exchange(&code, &authorization.state, None).await.unwrap();
    assert_eq!(client.profile(&tokens).await.unwrap().subject, "600");

    fake.set_current_user(None);
    let authorization = client.start();
    let redirect = follow(&authorization.url).await;
    let error = callback(Provider::Naver, &CallbackQuery::from_url(&redirect), &authorization.state).unwrap_err();
    assert!(matches!(error, OAuthError::Denied { provider: Provider::Naver, .. }), "{error:?}");
    assert_eq!(error.to_string(), "네이버 로그인이 취소되었습니다.");
}
