//! Authorize URLs, state and PKCE generation, and callback parsing (no network).

use std::collections::{HashMap, HashSet};

use oauth::{callback, pkce, CallbackQuery, Client, OAuthError, Provider, ProviderConfig, Url};

fn client(provider: Provider) -> Client {
    let redirect = Url::parse("https://connect.test/auth/callback?from=login").unwrap();
    Client::new(provider, ProviderConfig::new(provider, "my-client-id", "top-secret".into(), redirect))
}

fn params(url: &Url) -> HashMap<String, String> {
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[test]
fn kakao_authorize_url_carries_pkce() {
    let authorization = client(Provider::Kakao).start();
    let url = &authorization.url;
    assert_eq!((url.scheme(), url.host_str(), url.path()), ("https", Some("kauth.kakao.com"), "/oauth/authorize"));
    let params = params(url);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "my-client-id");
    assert_eq!(params["redirect_uri"], "https://connect.test/auth/callback?from=login");
    assert_eq!(params["state"], authorization.state);
    let verifier = authorization.pkce_verifier.as_deref().expect("Kakao gets PKCE");
    assert!((43..=128).contains(&verifier.len()));
    assert_eq!(params["code_challenge"], pkce::challenge_s256(verifier));
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(!url.as_str().contains("top-secret"));
    assert!(!format!("{authorization:?}").contains(verifier));
}

#[test]
fn naver_authorize_url_has_no_pkce() {
    let authorization = client(Provider::Naver).start();
    let url = &authorization.url;
    assert_eq!((url.host_str(), url.path()), (Some("nid.naver.com"), "/oauth2.0/authorize"));
    let params = params(url);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], "my-client-id");
    assert_eq!(params["state"], authorization.state);
    assert!(!params.contains_key("code_challenge"));
    assert!(!params.contains_key("code_challenge_method"));
    assert_eq!(authorization.pkce_verifier, None);
}

#[test]
fn state_and_verifier_are_random_and_url_safe() {
    let client = client(Provider::Kakao);
    let starts: Vec<_> = (0..50).map(|_| client.start()).collect();
    let states: HashSet<_> = starts.iter().map(|a| a.state.clone()).collect();
    let verifiers: HashSet<_> = starts.iter().filter_map(|a| a.pkce_verifier.clone()).collect();
    assert_eq!((states.len(), verifiers.len()), (50, 50));
    for state in &states {
        assert!(state.len() >= 22, "at least 128 bits in base64url");
        assert!(state.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{state}");
    }
}

#[test]
fn callback_returns_code_for_matching_state() {
    let query = CallbackQuery { code: Some("abc".into()), state: Some("s1".into()), ..Default::default() };
    assert_eq!(callback(Provider::Kakao, &query, "s1").unwrap(), "abc");
}

#[test]
fn callback_access_denied_is_denied() {
    let redirect = Url::parse(
        "https://connect.test/auth/callback?error=access_denied&error_description=User%20denied%20access&state=s1",
    )
    .unwrap();
    let error = callback(Provider::Kakao, &CallbackQuery::from_url(&redirect), "s1").unwrap_err();
    assert_eq!(error, OAuthError::Denied { provider: Provider::Kakao, description: "User denied access".into() });
    assert_eq!(error.to_string(), "카카오 로그인이 취소되었습니다.");
}

#[test]
fn callback_other_error_is_provider_error() {
    let query = CallbackQuery { error: Some("invalid_request".into()), ..Default::default() };
    let error = callback(Provider::Naver, &query, "s1").unwrap_err();
    assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_request"), "{error:?}");
}

#[test]
fn callback_rejects_wrong_or_missing_state_and_missing_code() {
    let forged = CallbackQuery { code: Some("abc".into()), state: Some("s2".into()), ..Default::default() };
    assert_eq!(callback(Provider::Naver, &forged, "s1"), Err(OAuthError::StateMismatch { provider: Provider::Naver }));
    let stateless = CallbackQuery { code: Some("abc".into()), ..Default::default() };
    assert!(matches!(callback(Provider::Naver, &stateless, "s1"), Err(OAuthError::StateMismatch { .. })));
    assert!(matches!(callback(Provider::Naver, &stateless, ""), Err(OAuthError::StateMismatch { .. })));
    let codeless = CallbackQuery { state: Some("s1".into()), ..Default::default() };
    assert!(matches!(callback(Provider::Naver, &codeless, "s1"), Err(OAuthError::Malformed { .. })));
}
