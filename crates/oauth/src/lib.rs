//! OAuth 2.0 authorization-code login with Kakao and Naver.
//!
//! One [`Client`] per provider drives the flow:
//!
//! 1. [`Client::start`] makes a random `state` (and, for Kakao, a PKCE verifier) and the
//!    provider's authorize URL; keep both in the user's session and redirect the browser.
//! 2. On the redirect back, [`callback`] checks the `state` and yields the authorization code, or
//!    [`OAuthError::Denied`] when the user cancelled.
//! 3. [`Client::exchange`] trades the code for [`Tokens`]; [`Client::profile`] fetches the
//!    [`Profile`] (provider user id, verified email, name).
//!
//! Errors display a Korean sentence for the user; provider codes stay in their fields
//! ([`OAuthError::log_detail`]). Tokens and the client secret are never displayed.
//!
//! With the `fake` feature, [`fake::FakeProvider`] serves both providers' documented endpoints
//! on 127.0.0.1 for tests.
//!
//! ```no_run
//! # async fn run(query: oauth::CallbackQuery, session_state: String, verifier: Option<String>) -> Result<(), oauth::OAuthError> {
//! use oauth::{callback, Client, Provider, ProviderConfig};
//! let redirect = oauth::Url::parse("https://connect.example.kr/auth/kakao/callback").expect("static URL");
//! let client = Client::new(Provider::Kakao, ProviderConfig::new(Provider::Kakao, "rest-api-key", "secret".into(), redirect));
//! let login = client.start(); // store login.state / login.pkce_verifier, redirect to login.url
//! // … later, in the callback handler:
//! let code = callback(Provider::Kakao, &query, &session_state)?;
//! let tokens = client.exchange(&code, &session_state, verifier.as_deref()).await?;
//! let profile = client.profile(&tokens).await?;
//! # Ok(()) }
//! ```

mod callback;
mod client;
mod config;
mod error;
pub mod pkce;
mod profile;
mod provider;
mod tokens;
mod wire;

#[cfg(feature = "fake")]
pub mod fake;

pub use callback::{callback, CallbackQuery};
pub use client::{Authorization, Client, DEFAULT_TIMEOUT, MAX_RESPONSE_BYTES};
pub use config::ProviderConfig;
pub use error::OAuthError;
pub use profile::Profile;
pub use provider::{Provider, UnknownProvider};
pub use secrecy::{ExposeSecret, SecretString};
pub use tokens::Tokens;
pub use url::Url;
