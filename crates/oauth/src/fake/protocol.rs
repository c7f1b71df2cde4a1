//! The fake provider's bookkeeping and its enforcement of the authorization-code protocol,
//! independent of HTTP.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use url::Url;

use super::{Endpoint, FakeUser};
use crate::pkce::{challenge_s256, constant_time_eq, new_state};
use crate::Provider;

/// Request parameters from a query string and/or a form body; a later duplicate wins.
#[derive(Debug, Default)]
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn add(&mut self, encoded: &[u8]) {
        self.0.extend(url::form_urlencoded::parse(encoded).map(|(k, v)| (k.into_owned(), v.into_owned())));
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// Why the token endpoint refuses a request; rendered in each provider's dialect.
#[derive(Debug)]
pub(super) enum TokenFailure {
    UnsupportedGrant,
    InvalidRequest(&'static str),
    InvalidClient,
    UnknownCode(String),
    RedirectMismatch,
    StateMismatch,
    PkceMismatch,
}

/// Tokens handed out for a good code.
pub(super) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
}

/// A code the (fake) user consented to, until it is redeemed.
struct Grant {
    subject: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: Option<String>,
}

/// Mutable state behind the test controls and the endpoints.
#[derive(Default)]
struct Registry {
    users: HashMap<String, FakeUser>,
    current_user: Option<String>,
    grants: HashMap<String, Grant>,
    access_tokens: HashMap<String, String>,
    down: bool,
    slow: Duration,
    malformed: bool,
    hits: HashMap<Endpoint, usize>,
}

/// One fake application registration at one provider, shared by the server and the test.
pub(super) struct Shared {
    pub provider: Provider,
    pub client_id: String,
    pub client_secret: String,
    registry: Mutex<Registry>,
}

/// What the server should do before handling a request.
pub(super) enum Gate {
    Proceed { malformed: bool },
    Unavailable,
}

impl Shared {
    pub(super) fn new(provider: Provider) -> Self {
        Shared {
            provider,
            client_id: format!("fake-{provider}-client"),
            client_secret: format!("fake-{provider}-secret"),
            registry: Mutex::default(),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn add_user(&self, user: FakeUser) {
        self.registry().users.insert(user.subject.clone(), user);
    }

    pub(super) fn set_current_user(&self, subject: Option<&str>) {
        self.registry().current_user = subject.map(str::to_owned);
    }

    pub(super) fn set_down(&self, down: bool) {
        self.registry().down = down;
    }

    pub(super) fn set_slow(&self, delay: Duration) {
        self.registry().slow = delay;
    }

    pub(super) fn set_malformed(&self, malformed: bool) {
        self.registry().malformed = malformed;
    }

    pub(super) fn hits(&self, endpoint: Endpoint) -> usize {
        self.registry().hits.get(&endpoint).copied().unwrap_or(0)
    }

    /// Counts the request, then applies the configured delay and outage.
    pub(super) async fn gate(&self, endpoint: Endpoint) -> Gate {
        let slow = {
            let mut registry = self.registry();
            *registry.hits.entry(endpoint).or_default() += 1;
            registry.slow
        };
        if !slow.is_zero() {
            tokio::time::sleep(slow).await;
        }
        let registry = self.registry();
        if registry.down {
            Gate::Unavailable
        } else {
            Gate::Proceed { malformed: registry.malformed }
        }
    }

    /// The redirect of an authorize request answered by the browser's current user (consent) or
    /// by nobody (cancel); `Err` is the error page a provider shows instead of redirecting.
    pub(super) fn authorize_current(&self, params: &Params) -> Result<Url, String> {
        let subject = self.registry().current_user.clone();
        self.authorize(subject.as_deref(), params)
    }

    pub(super) fn authorize(&self, subject: Option<&str>, params: &Params) -> Result<Url, String> {
        if params.get("response_type") != Some("code") {
            return Err("KOE001: response_type must be code".into());
        }
        if params.get("client_id") != Some(self.client_id.as_str()) {
            return Err("KOE101: unknown client_id".into());
        }
        let redirect_uri = params.get("redirect_uri").ok_or("KOE006: redirect_uri missing")?;
        let mut location = Url::parse(redirect_uri).map_err(|_| "KOE006: redirect_uri is not an absolute URL")?;
        let state = params.get("state").map(str::to_owned);
        if self.provider == Provider::Naver && state.is_none() {
            return Err("naver: state is required".into());
        }
        let challenge = match (self.provider, params.get("code_challenge")) {
            (Provider::Kakao, Some(challenge)) if params.get("code_challenge_method") == Some("S256") => {
                Some(challenge.to_owned())
            }
            (Provider::Kakao, Some(_)) => return Err("KOE001: only code_challenge_method=S256 is supported".into()),
            // Naver has no PKCE: a challenge is ignored, as the real server does.
            _ => None,
        };
        let mut registry = self.registry();
        {
            let mut query = location.query_pairs_mut();
            match subject {
                None => {
                    query.append_pair("error", "access_denied").append_pair("error_description", "User denied access");
                }
                Some(subject) if !registry.users.contains_key(subject) => {
                    return Err(format!("no fake user {subject:?}"));
                }
                Some(subject) => {
                    let code = new_state();
                    query.append_pair("code", &code);
                    let redirect_uri = redirect_uri.to_owned();
                    let grant = Grant { subject: subject.to_owned(), redirect_uri, state: state.clone(), challenge };
                    registry.grants.insert(code, grant);
                }
            }
            if let Some(state) = &state {
                query.append_pair("state", state);
            }
        }
        Ok(location)
    }

    /// Redeems a code (once, whatever the outcome) and issues tokens.
    pub(super) fn exchange(&self, params: &Params) -> Result<Issued, TokenFailure> {
        if params.get("grant_type") != Some("authorization_code") {
            return Err(TokenFailure::UnsupportedGrant);
        }
        let client_ok = params.get("client_id") == Some(self.client_id.as_str())
            && params.get("client_secret").is_some_and(|s| constant_time_eq(s, &self.client_secret));
        if !client_ok {
            return Err(TokenFailure::InvalidClient);
        }
        let code = params.get("code").ok_or(TokenFailure::InvalidRequest("code is required"))?;
        let mut registry = self.registry();
        let grant = registry.grants.remove(code).ok_or_else(|| TokenFailure::UnknownCode(code.to_owned()))?;
        match self.provider {
            Provider::Kakao => {
                if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
                    return Err(TokenFailure::RedirectMismatch);
                }
                let verifier = params.get("code_verifier");
                let pkce_ok = match (&grant.challenge, verifier) {
                    (Some(challenge), Some(verifier)) => constant_time_eq(&challenge_s256(verifier), challenge),
                    (None, None) => true,
                    _ => false,
                };
                if !pkce_ok {
                    return Err(TokenFailure::PkceMismatch);
                }
            }
            Provider::Naver => {
                if params.get("state") != grant.state.as_deref() {
                    return Err(TokenFailure::StateMismatch);
                }
            }
        }
        let issued = Issued { access_token: new_state(), refresh_token: new_state() };
        registry.access_tokens.insert(issued.access_token.clone(), grant.subject);
        Ok(issued)
    }

    /// The user an access token was issued to.
    pub(super) fn user_of(&self, access_token: &str) -> Option<FakeUser> {
        let registry = self.registry();
        registry.access_tokens.get(access_token).and_then(|subject| registry.users.get(subject)).cloned()
    }
}
