//! The token endpoint's answer, Kakao's and Naver's dialects alike.

use std::time::Duration;

use reqwest::StatusCode;
use secrecy::SecretString;
use serde::Deserialize;

use crate::wire::{json_error, non_blank, Seconds};
use crate::{OAuthError, Provider};

/// Tokens issued for one login. `Debug` redacts both tokens.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Always `bearer` (case as sent by the provider).
    pub token_type: String,
    /// Lifetime of the access token.
    pub expires_in: Option<Duration>,
    /// Lifetime of the refresh token (Kakao only).
    pub refresh_token_expires_in: Option<Duration>,
    /// Granted scopes, space separated (Kakao only).
    pub scope: Option<String>,
}

/// Union of the success and error members of both providers' token responses.
#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    token_type: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<Seconds>,
    refresh_token_expires_in: Option<Seconds>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    error_code: Option<String>,
}

/// Tokens from a token-endpoint response with a non-5xx `status`.
///
/// Kakao reports errors with HTTP 400/401, Naver with HTTP 200; both as `{"error", "error_description"}`
/// (Kakao adds `error_code`, e.g. `KOE320`).
pub(crate) fn parse(provider: Provider, status: StatusCode, body: &[u8]) -> Result<Tokens, OAuthError> {
    let body: TokenBody = serde_json::from_slice(body).map_err(|e| OAuthError::Malformed {
        provider,
        detail: format!("token response (HTTP {}): {}", status.as_u16(), json_error(&e)),
    })?;
    if let Some(code) = non_blank(body.error) {
        let description = non_blank(body.error_description).unwrap_or_default();
        let description = match non_blank(body.error_code) {
            Some(koe) => format!("[{koe}] {description}"),
            None => description,
        };
        return Err(OAuthError::Provider { provider, code, description });
    }
    let malformed = |detail: &str| OAuthError::Malformed { provider, detail: format!("token response: {detail}") };
    if !status.is_success() {
        return Err(malformed(&format!("HTTP {} without error member", status.as_u16())));
    }
    let access_token = non_blank(body.access_token).ok_or_else(|| malformed("no access_token"))?;
    let token_type = non_blank(body.token_type).unwrap_or_else(|| "bearer".to_owned());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(malformed(&format!("unsupported token_type {token_type:?}")));
    }
    let seconds = |s: Option<Seconds>| s.as_ref().and_then(Seconds::get).map(Duration::from_secs);
    Ok(Tokens {
        access_token: access_token.into(),
        refresh_token: non_blank(body.refresh_token).map(Into::into),
        token_type,
        expires_in: seconds(body.expires_in),
        refresh_token_expires_in: seconds(body.refresh_token_expires_in),
        scope: non_blank(body.scope),
    })
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn naver_string_expiry_and_error_on_200() {
        let ok = br#"{"access_token":"AT","refresh_token":"RT","token_type":"bearer","expires_in":"3600"}"#;
        let tokens = parse(Provider::Naver, StatusCode::OK, ok).unwrap();
        assert_eq!(tokens.access_token.expose_secret(), "AT");
        assert_eq!(tokens.expires_in, Some(Duration::from_secs(3600)));

        let failed = br#"{"error":"invalid_request","error_description":"no valid data in session"}"#;
        let error = parse(Provider::Naver, StatusCode::OK, failed).unwrap_err();
        assert!(matches!(error, OAuthError::Provider { ref code, .. } if code == "invalid_request"));
    }

    #[test]
    fn kakao_error_keeps_koe_code() {
        let body = br#"{"error":"invalid_grant","error_description":"authorization code not found for code=x","error_code":"KOE320"}"#;
        match parse(Provider::Kakao, StatusCode::BAD_REQUEST, body).unwrap_err() {
            OAuthError::Provider { code, description, .. } => {
                assert_eq!(code, "invalid_grant");
                assert!(description.starts_with("[KOE320] "));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_detail_never_quotes_the_body() {
        let body = br#"{"access_token": 12345678, "token_type": "bearer"}"#;
        let error = parse(Provider::Kakao, StatusCode::OK, body).unwrap_err();
        assert!(matches!(error, OAuthError::Malformed { .. }));
        assert!(!error.log_detail().contains("12345678"));
        let wrong_type = br#"{"access_token":"AT","token_type":"mac"}"#;
        assert!(matches!(parse(Provider::Kakao, StatusCode::OK, wrong_type), Err(OAuthError::Malformed { .. })));
    }
}
