//! The logged-in user as each provider describes them, reduced to what Connect needs.

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::wire::{json_error, non_blank, Id};
use crate::{OAuthError, Provider};

/// The provider's account of the user who logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub provider: Provider,
    /// The provider's stable user id (Kakao's numeric id in decimal, Naver's id string).
    pub subject: String,
    /// Only an address the provider vouches for: Kakao requires `is_email_valid` and
    /// `is_email_verified`; Naver returns only its account's registered address (no flag exists).
    pub email: Option<String>,
    /// Real name when shared, otherwise the nickname.
    pub name: Option<String>,
}

/// `GET /v2/user/me`, or Kakao's API error `{"msg", "code"}`.
#[derive(Deserialize)]
struct KakaoMe {
    id: Option<Id>,
    kakao_account: Option<KakaoAccount>,
    properties: Option<KakaoProperties>,
    msg: Option<String>,
    code: Option<i64>,
}

#[derive(Deserialize)]
struct KakaoAccount {
    profile: Option<KakaoProperties>,
    name: Option<String>,
    email: Option<String>,
    is_email_valid: Option<bool>,
    is_email_verified: Option<bool>,
}

#[derive(Deserialize)]
struct KakaoProperties {
    nickname: Option<String>,
}

/// `GET /v1/nid/me`: `{"resultcode", "message", "response"}`.
#[derive(Deserialize)]
struct NaverMe {
    resultcode: Option<String>,
    message: Option<String>,
    response: Option<NaverAccount>,
}

#[derive(Deserialize)]
struct NaverAccount {
    id: Option<Id>,
    email: Option<String>,
    name: Option<String>,
    nickname: Option<String>,
}

/// The profile in a profile-endpoint response with a non-5xx `status`.
pub(crate) fn parse(provider: Provider, status: StatusCode, body: &[u8]) -> Result<Profile, OAuthError> {
    match provider {
        Provider::Kakao => kakao(decode(provider, status, body)?, status),
        Provider::Naver => naver(decode(provider, status, body)?),
    }
}

fn decode<T: DeserializeOwned>(provider: Provider, status: StatusCode, body: &[u8]) -> Result<T, OAuthError> {
    serde_json::from_slice(body).map_err(|e| OAuthError::Malformed {
        provider,
        detail: format!("profile response (HTTP {}): {}", status.as_u16(), json_error(&e)),
    })
}

fn kakao(me: KakaoMe, status: StatusCode) -> Result<Profile, OAuthError> {
    let provider = Provider::Kakao;
    if let Some(code) = me.code.filter(|_| me.id.is_none() || !status.is_success()) {
        let description = non_blank(me.msg).unwrap_or_default();
        return Err(OAuthError::Provider { provider, code: code.to_string(), description });
    }
    let subject = me.id.and_then(Id::into_subject).ok_or_else(|| missing_id(provider, status))?;
    let (mut email, mut name, mut nickname) = (None, None, None);
    if let Some(account) = me.kakao_account {
        let verified = account.is_email_valid == Some(true) && account.is_email_verified == Some(true);
        email = non_blank(account.email).filter(|e| verified && e.contains('@'));
        name = non_blank(account.name);
        nickname = account.profile.and_then(|p| non_blank(p.nickname));
    }
    let nickname = nickname.or_else(|| me.properties.and_then(|p| non_blank(p.nickname)));
    Ok(Profile { provider, subject, email, name: name.or(nickname) })
}

fn naver(me: NaverMe) -> Result<Profile, OAuthError> {
    let provider = Provider::Naver;
    let resultcode = non_blank(me.resultcode).unwrap_or_default();
    if resultcode != "00" {
        let description = non_blank(me.message).unwrap_or_default();
        return Err(OAuthError::Provider { provider, code: resultcode, description });
    }
    let account = me.response.ok_or_else(|| missing_id(provider, StatusCode::OK))?;
    let subject = account.id.and_then(Id::into_subject).ok_or_else(|| missing_id(provider, StatusCode::OK))?;
    Ok(Profile {
        provider,
        subject,
        email: non_blank(account.email).filter(|e| e.contains('@')),
        name: non_blank(account.name).or_else(|| non_blank(account.nickname)),
    })
}

fn missing_id(provider: Provider, status: StatusCode) -> OAuthError {
    OAuthError::Malformed { provider, detail: format!("profile response (HTTP {}) without user id", status.as_u16()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kakao_body(account: &str) -> Vec<u8> {
        format!(r#"{{"id":123456789,"connected_at":"2024-05-01T00:00:00Z","kakao_account":{account}}}"#).into_bytes()
    }

    #[test]
    fn kakao_email_needs_both_flags() {
        let verified = kakao_body(
            r#"{"profile":{"nickname":"홍길동"},"has_email":true,"is_email_valid":true,"is_email_verified":true,"email":"x@kakao.com"}"#,
        );
        let profile = parse(Provider::Kakao, StatusCode::OK, &verified).unwrap();
        assert_eq!(profile.subject, "123456789");
        assert_eq!(profile.email.as_deref(), Some("x@kakao.com"));
        assert_eq!(profile.name.as_deref(), Some("홍길동"));

        let invalid = kakao_body(r#"{"is_email_valid":false,"is_email_verified":true,"email":"x@kakao.com"}"#);
        assert_eq!(parse(Provider::Kakao, StatusCode::OK, &invalid).unwrap().email, None);
        let missing_flags = kakao_body(r#"{"email":"x@kakao.com"}"#);
        assert_eq!(parse(Provider::Kakao, StatusCode::OK, &missing_flags).unwrap().email, None);
    }

    #[test]
    fn kakao_api_error() {
        let body = br#"{"msg":"this access token does not exist","code":-401}"#;
        match parse(Provider::Kakao, StatusCode::UNAUTHORIZED, body).unwrap_err() {
            OAuthError::Provider { code, description, .. } => {
                assert_eq!(code, "-401");
                assert_eq!(description, "this access token does not exist");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn naver_profile_and_error() {
        let body = r#"{"resultcode":"00","message":"success","response":{"id":"32742776","nickname":"길동","name":"홍길동","email":"gd@naver.com"}}"#;
        let profile = parse(Provider::Naver, StatusCode::OK, body.as_bytes()).unwrap();
        assert_eq!(profile.subject, "32742776");
        assert_eq!(profile.name.as_deref(), Some("홍길동"));
        assert_eq!(profile.email.as_deref(), Some("gd@naver.com"));

        let failed = br#"{"resultcode":"024","message":"Authentication failed"}"#;
        let error = parse(Provider::Naver, StatusCode::UNAUTHORIZED, failed).unwrap_err();
        assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "024"));
    }
}
