//! The provider's redirect back to Connect: `?code=…&state=…` or `?error=…&error_description=…`.

use serde::Deserialize;
use url::Url;

use crate::pkce::constant_time_eq;
use crate::{OAuthError, Provider};

/// Query parameters of the redirect to `redirect_uri` (deserializable straight from an axum `Query`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackQuery {
    /// The callback parameters found in `url`'s query string (others are ignored).
    pub fn from_url(url: &Url) -> Self {
        let mut query = CallbackQuery::default();
        for (key, value) in url.query_pairs() {
            let slot = match key.as_ref() {
                "code" => &mut query.code,
                "state" => &mut query.state,
                "error" => &mut query.error,
                "error_description" => &mut query.error_description,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        query
    }
}

/// The authorization code of a callback whose `state` is `expected_state` (the one stored in the
/// user's session by [`crate::Client::start`]).
///
/// `error=access_denied` (the user cancelled) becomes [`OAuthError::Denied`], any other `error`
/// [`OAuthError::Provider`]; a missing or different state [`OAuthError::StateMismatch`].
pub fn callback(provider: Provider, query: &CallbackQuery, expected_state: &str) -> Result<String, OAuthError> {
    if let Some(error) = query.error.as_deref().filter(|e| !e.is_empty()) {
        let description = query.error_description.clone().unwrap_or_default();
        return Err(if error == "access_denied" {
            OAuthError::Denied { provider, description }
        } else {
            OAuthError::Provider { provider, code: error.to_owned(), description }
        });
    }
    match query.state.as_deref() {
        Some(state) if !expected_state.is_empty() && constant_time_eq(state, expected_state) => {}
        _ => return Err(OAuthError::StateMismatch { provider }),
    }
    match query.code.as_deref() {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(OAuthError::Malformed { provider, detail: "callback without code or error".into() }),
    }
}
