//! Kakao login against the fake Kakao: profile variants, code replay, PKCE, credentials.

mod common;

use common::{client, consent, fake, follow, redirect_uri, user};
use oauth::fake::Endpoint;
use oauth::{Client, ExposeSecret, OAuthError, Provider, Tokens, Url};

#[tokio::test]
async fn happy_path_yields_verified_profile() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let hong = user("123456789", Some("hong@kakao.com"), true, Some("홍길동"));

    let (authorization, code) = consent(&fake, &client, &hong);
    let tokens = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await.unwrap();
    assert_eq!(tokens.token_type, "bearer");
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_in.is_some());

    let profile = client.profile(&tokens).await.unwrap();
    assert_eq!(profile.provider, Provider::Kakao);
    assert_eq!(profile.subject, "123456789");
    assert_eq!(profile.email.as_deref(), Some("hong@kakao.com"));
    assert_eq!(profile.name.as_deref(), Some("홍길동"));
    assert_eq!((fake.hits(Endpoint::Token), fake.hits(Endpoint::Profile)), (1, 1));
}

#[tokio::test]
async fn user_without_email_has_none() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("1001", None, false, Some("무메일")));
    let tokens = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await.unwrap();
    let profile = client.profile(&tokens).await.unwrap();
    assert_eq!(profile.subject, "1001");
    assert_eq!(profile.email, None);
    assert_eq!(profile.name.as_deref(), Some("무메일"));
}

#[tokio::test]
async fn unverified_email_is_not_trusted() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("1002", Some("maybe@kakao.com"), false, None));
    let tokens = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await.unwrap();
    let profile = client.profile(&tokens).await.unwrap();
    assert_eq!(profile.email, None);
    assert_eq!(profile.name, None);
}

#[tokio::test]
async fn replayed_code_is_invalid_grant() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("1003", None, false, None));
    let verifier = authorization.pkce_verifier.as_deref();
    client.exchange(&code, &authorization.state, verifier).await.unwrap();

    let error = client.exchange(&code, &authorization.state, verifier).await.unwrap_err();
    match &error {
        OAuthError::Provider { provider: Provider::Kakao, code, description } => {
            assert_eq!(code, "invalid_grant");
            assert!(description.contains("KOE320"), "{description}");
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    assert_eq!(error.to_string(), "카카오 로그인에 실패했습니다. 다시 시도해 주세요.");
}

#[tokio::test]
async fn wrong_or_missing_pkce_verifier_is_refused() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let someone = user("1004", None, false, None);

    let (authorization, code) = consent(&fake, &client, &someone);
    let other_verifier = client.start().pkce_verifier.unwrap();
    let error = client.exchange(&code, &authorization.state, Some(&other_verifier)).await.unwrap_err();
    assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_grant"), "{error:?}");

    let (authorization, code) = consent(&fake, &client, &someone);
    let error = client.exchange(&code, &authorization.state, None).await.unwrap_err();
    assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_grant"), "{error:?}");
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorize_request() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("1005", None, false, None));

    let elsewhere = Client::new(Provider::Kakao, fake.config(Url::parse("https://evil.test/cb").unwrap()));
    let error = elsewhere.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await;
    match error.unwrap_err() {
        OAuthError::Provider { code, description, .. } => {
            assert_eq!(code, "invalid_grant");
            assert!(description.contains("KOE303"), "{description}");
        }
        other => panic!("expected redirect mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client_and_never_displayed() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let (authorization, code) = consent(&fake, &client, &user("1006", None, false, None));

    let mut config = fake.config(redirect_uri());
    config.client_secret = "not-the-secret".into();
    let impostor = Client::new(Provider::Kakao, config);
    let error = impostor.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await;
    let error = error.unwrap_err();
    assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_client"), "{error:?}");
    for text in [error.to_string(), error.log_detail(), format!("{error:?}"), format!("{impostor:?}")] {
        assert!(!text.contains("not-the-secret"), "{text}");
        assert!(!text.contains(fake.client_secret()), "{text}");
    }
}

#[tokio::test]
async fn unknown_access_token_is_refused_by_profile() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    let forged = Tokens {
        access_token: "forged-token".into(),
        refresh_token: None,
        token_type: "bearer".into(),
        expires_in: None,
        refresh_token_expires_in: None,
        scope: None,
    };
    let error = client.profile(&forged).await.unwrap_err();
    match &error {
        OAuthError::Provider { code, description, .. } => {
            assert_eq!(code, "-401");
            assert_eq!(description, "this access token does not exist");
        }
        other => panic!("expected -401, got {other:?}"),
    }
    assert!(!format!("{error} {error:?} {forged:?}").contains(forged.access_token.expose_secret()));
}

#[tokio::test]
async fn browser_follows_authorize_redirect() {
    let fake = fake(Provider::Kakao).await;
    let client = client(&fake);
    fake.add_user(user("2001", Some("web@kakao.com"), true, Some("웹")));
    fake.set_current_user(Some("2001"));

    let authorization = client.start();
    let redirect = follow(&authorization.url).await;
    let query = oauth::CallbackQuery::from_url(&redirect);
    let code = oauth::callback(Provider::Kakao, &query, &authorization.state).unwrap();
    let tokens = client.exchange(&code, &authorization.state, authorization.pkce_verifier.as_deref()).await.unwrap();
    assert_eq!(client.profile(&tokens).await.unwrap().email.as_deref(), Some("web@kakao.com"));

    fake.set_current_user(None);
    let authorization = client.start();
    let redirect = follow(&authorization.url).await;
    let query = oauth::CallbackQuery::from_url(&redirect);
    let error = oauth::callback(Provider::Kakao, &query, &authorization.state).unwrap_err();
    assert!(matches!(error, OAuthError::Denied { .. }), "{error:?}");
    assert_eq!(fake.hits(Endpoint::Authorize), 2);
}
