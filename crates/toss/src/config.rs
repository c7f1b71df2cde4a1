//! Connect's merchant credentials at Toss Payments and where the API lives.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Production base of the Toss Payments API.
pub const DEFAULT_BASE_URL: &str = "https://api.tosspayments.com/";
/// Default limit on one request to Toss, connection to last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach Toss Payments as Connect's merchant.
///
/// `Debug` never shows the secret key.
#[derive(Debug, Clone)]
pub struct TossConfig {
    /// Base of the API; `/v1/…` paths are appended below any path it already has.
    pub base_url: Url,
    /// API secret key (`test_sk_…` / `live_sk_…`), sent as the Basic auth user.
    pub secret_key: SecretString,
    /// Client key (`test_ck_…` / `live_ck_…`) handed to the browser SDK for card registration.
    pub client_key: String,
    /// Limit on each request. A charge that runs past it ends in [`crate::TossError::Timeout`].
    pub timeout: Duration,
}

impl TossConfig {
    /// Configuration for the production API with the default timeout.
    pub fn new(secret_key: SecretString, client_key: impl Into<String>) -> Self {
        TossConfig {
            base_url: Url::parse(DEFAULT_BASE_URL).expect("static URL"),
            secret_key,
            client_key: client_key.into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret_key() {
        let config = TossConfig::new("test_sk_very_secret".into(), "test_ck_public");
        let debug = format!("{config:?}");
        assert!(!debug.contains("very_secret"), "{debug}");
        assert!(debug.contains("test_ck_public"));
        assert_eq!(config.base_url.as_str(), DEFAULT_BASE_URL);
    }
}
