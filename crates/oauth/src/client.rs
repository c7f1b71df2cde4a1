//! The authorization-code flow against one provider: authorize URL, code exchange, profile.

use std::fmt;
use std::time::Duration;

use reqwest::header::ACCEPT;
use reqwest::{redirect, RequestBuilder, Response, StatusCode};
use secrecy::ExposeSecret as _;
use url::Url;

use crate::provider::endpoint;
use crate::{pkce, profile, tokens, OAuthError, Profile, Provider, ProviderConfig, Tokens};

/// Default limit on each request to the provider, connection to last body byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest response body accepted from a provider.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// OAuth client for one provider. Cheap to clone; share one per provider.
#[derive(Debug, Clone)]
pub struct Client {
    provider: Provider,
    config: ProviderConfig,
    http: reqwest::Client,
    timeout: Duration,
}

/// A login about to start: send the browser to `url`; keep `state` and `pkce_verifier` in the
/// user's session for the callback. `Debug` redacts the verifier.
#[derive(Clone)]
pub struct Authorization {
    pub url: Url,
    pub state: String,
    /// Present for providers with PKCE (Kakao), `None` for Naver.
    pub pkce_verifier: Option<String>,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url.as_str())
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

impl Client {
    /// Client with the default 10 s timeout.
    ///
    /// # Panics
    /// If the TLS backend cannot be initialised (as `reqwest::Client::new` does).
    pub fn new(provider: Provider, config: ProviderConfig) -> Self {
        let http = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .user_agent(concat!("connect-oauth/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("reqwest client with rustls builds");
        Client { provider, config, http, timeout: DEFAULT_TIMEOUT }
    }

    /// The same client with another per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// A fresh random state (256 bits, URL-safe), a PKCE verifier where supported, and the
    /// provider's authorize URL carrying them.
    pub fn start(&self) -> Authorization {
        let state = pkce::new_state();
        let pkce_verifier = self.provider.supports_pkce().then(pkce::new_verifier);
        let mut url = endpoint(&self.config.auth_base, self.provider.authorize_path());
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", self.config.redirect_uri.as_str())
                .append_pair("state", &state);
            if let Some(verifier) = &pkce_verifier {
                query.append_pair("code_challenge", &pkce::challenge_s256(verifier));
                query.append_pair("code_challenge_method", "S256");
            }
        }
        Authorization { url, state, pkce_verifier }
    }

    /// Trades the callback's authorization code for tokens. `state` is the one of the
    /// authorization (Naver requires it); `pkce_verifier` the one [`Client::start`] returned.
    pub async fn exchange(&self, code: &str, state: &str, pkce_verifier: Option<&str>) -> Result<Tokens, OAuthError> {
        let secret = self.config.client_secret.expose_secret();
        let mut form = vec![("grant_type", "authorization_code"), ("client_id", self.config.client_id.as_str())];
        if !secret.is_empty() {
            form.push(("client_secret", secret));
        }
        form.push(("code", code));
        match self.provider {
            Provider::Kakao => {
                form.push(("redirect_uri", self.config.redirect_uri.as_str()));
                if let Some(verifier) = pkce_verifier {
                    form.push(("code_verifier", verifier));
                }
            }
            Provider::Naver => form.push(("state", state)),
        }
        let url = endpoint(&self.config.auth_base, self.provider.token_path());
        let (status, body) = self.send(self.http.post(url).form(&form)).await?;
        tokens::parse(self.provider, status, &body)
    }

    /// The profile of the user the tokens were issued to.
    pub async fn profile(&self, tokens: &Tokens) -> Result<Profile, OAuthError> {
        let url = endpoint(&self.config.api_base, self.provider.profile_path());
        let request = self.http.get(url).bearer_auth(tokens.access_token.expose_secret());
        let (status, body) = self.send(request).await?;
        profile::parse(self.provider, status, &body)
    }

    /// Sends `request`; 5xx, 429 and transport failures are [`OAuthError::Unavailable`].
    async fn send(&self, request: RequestBuilder) -> Result<(StatusCode, Vec<u8>), OAuthError> {
        let response = request
            .header(ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| self.unavailable(e))?;
        let status = response.status();
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(OAuthError::Unavailable {
                provider: self.provider,
                detail: format!("HTTP {}", status.as_u16()),
            });
        }
        let body = self.read_capped(response).await?;
        Ok((status, body))
    }

    async fn read_capped(&self, mut response: Response) -> Result<Vec<u8>, OAuthError> {
        let too_large = || OAuthError::Malformed {
            provider: self.provider,
            detail: format!("response body over {MAX_RESPONSE_BYTES} bytes"),
        };
        if response.content_length().is_some_and(|len| len > MAX_RESPONSE_BYTES as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unavailable(e))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Transport failure, described without the request URL (it may carry a code).
    fn unavailable(&self, error: reqwest::Error) -> OAuthError {
        let kind = if error.is_timeout() {
            "timeout"
        } else if error.is_connect() {
            "connection failed"
        } else {
            "request failed"
        };
        OAuthError::Unavailable { provider: self.provider, detail: format!("{kind}: {}", error.without_url()) }
    }
}
