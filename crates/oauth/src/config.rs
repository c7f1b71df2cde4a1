//! Per-provider application credentials and endpoints.

use secrecy::SecretString;
use url::Url;

use crate::Provider;

/// Credentials of Connect's registered application at one provider, and where that provider lives.
///
/// `Debug` never shows the client secret.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// Kakao "REST API key" / Naver "Client ID".
    pub client_id: String,
    /// Kakao "Client Secret" (sent only when non-empty, as Kakao makes it optional) / Naver "Client Secret".
    pub client_secret: SecretString,
    /// Base of the authorization server (authorize and token endpoints).
    pub auth_base: Url,
    /// Base of the resource server (profile endpoint).
    pub api_base: Url,
    /// Callback URL registered with the provider.
    pub redirect_uri: Url,
}

impl ProviderConfig {
    /// Configuration pointing at the provider's production hosts.
    pub fn new(
        provider: Provider,
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: Url,
    ) -> Self {
        ProviderConfig {
            client_id: client_id.into(),
            client_secret,
            auth_base: provider.default_auth_base(),
            api_base: provider.default_api_base(),
            redirect_uri,
        }
    }
}
