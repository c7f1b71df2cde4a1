//! Failures of a login attempt: a Korean message for the user in `Display`, provider detail in fields.

use crate::Provider;

/// Why a login with a provider failed.
///
/// `Display` is a Korean sentence fit to show the user; the provider's own words are kept in the
/// variant's fields (see [`OAuthError::log_detail`]) for logs. Neither ever contains an access
/// token, refresh token or client secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The user declined consent (`error=access_denied` on the callback).
    #[error("{} 로그인이 취소되었습니다.", .provider.display_name())]
    Denied { provider: Provider, description: String },
    /// The provider refused the request (`invalid_grant`, `invalid_client`, expired token, …).
    #[error("{} 로그인에 실패했습니다. 다시 시도해 주세요.", .provider.display_name())]
    Provider { provider: Provider, code: String, description: String },
    /// The provider could not be reached: connection error, timeout, 5xx or 429.
    #[error("{} 로그인 서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.", .provider.display_name())]
    Unavailable { provider: Provider, detail: String },
    /// The provider answered something that is not its documented format (or too large).
    #[error("{} 로그인 서버의 응답을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.", .provider.display_name())]
    Malformed { provider: Provider, detail: String },
    /// The callback's `state` is missing or not the one issued for this browser session.
    #[error("로그인 요청이 만료되었거나 올바르지 않습니다. 처음부터 다시 시도해 주세요.")]
    StateMismatch { provider: Provider },
}

impl OAuthError {
    /// The provider the failed attempt was with.
    pub fn provider(&self) -> Provider {
        match self {
            OAuthError::Denied { provider, .. }
            | OAuthError::Provider { provider, .. }
            | OAuthError::Unavailable { provider, .. }
            | OAuthError::Malformed { provider, .. }
            | OAuthError::StateMismatch { provider } => *provider,
        }
    }

    /// One line for operators' logs, with the provider's error code and description.
    pub fn log_detail(&self) -> String {
        match self {
            OAuthError::Denied { provider, description } => format!("{provider}: denied: {description}"),
            OAuthError::Provider { provider, code, description } => format!("{provider}: {code}: {description}"),
            OAuthError::Unavailable { provider, detail } => format!("{provider}: unavailable: {detail}"),
            OAuthError::Malformed { provider, detail } => format!("{provider}: malformed response: {detail}"),
            OAuthError::StateMismatch { provider } => format!("{provider}: state mismatch on callback"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_korean_and_detail_is_separate() {
        let denied = OAuthError::Denied { provider: Provider::Kakao, description: "User denied access".into() };
        assert_eq!(denied.to_string(), "카카오 로그인이 취소되었습니다.");
        let down = OAuthError::Unavailable { provider: Provider::Naver, detail: "HTTP 503".into() };
        assert!(down.to_string().starts_with("네이버 로그인 서버에 연결할 수 없습니다"));
        assert!(!down.to_string().contains("503"));
        assert_eq!(down.log_detail(), "naver: unavailable: HTTP 503");
    }
}
