//! An in-process fake Kakao or Naver (feature `fake`) for tests.
//!
//! [`FakeProvider::start`] binds 127.0.0.1 on a free port and serves, at the documented paths,
//! both the provider's authorization server and its profile API:
//!
//! | | Kakao | Naver |
//! |---|---|---|
//! | authorize | `GET /oauth/authorize` | `GET /oauth2.0/authorize` |
//! | token | `POST /oauth/token` | `GET`/`POST /oauth2.0/token` |
//! | profile | `GET`/`POST /v2/user/me` | `GET /v1/nid/me` |
//!
//! It enforces the protocol: `client_id` and `client_secret` are checked, a code is redeemed at
//! most once and only by the client it was issued to, Kakao's `redirect_uri` must repeat the one
//! of the authorize request and its PKCE verifier must match the S256 challenge, Naver's `state`
//! must repeat the authorize request's, and the profile endpoint wants a bearer token it issued.
//! Failures come in each provider's documented shape (Kakao `{"error", "error_description",
//! "error_code": "KOE…"}` with HTTP 400/401, Naver's HTTP 200 `{"error", …}`, Kakao API
//! `{"msg", "code": -401}`, Naver API `{"resultcode": "024", …}`).
//!
//! A test logs a user in either directly with [`FakeProvider::authorize`] or, like a browser, by
//! following the authorize URL: that endpoint redirects (302) to `redirect_uri` with a code for
//! the [current user](FakeProvider::set_current_user), or with `error=access_denied` when there
//! is none.

mod http;
mod protocol;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use crate::{Provider, ProviderConfig};
use protocol::{Params, Shared};

/// A user known to the fake provider.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeUser {
    /// Provider user id; Kakao renders a numeric one as a JSON number.
    pub subject: String,
    /// Account email; `None` renders as "no email / not agreed".
    pub email: Option<String>,
    /// Kakao's `is_email_verified` (Naver has no such flag and ignores it).
    pub email_verified: bool,
    /// Kakao nickname / Naver name and nickname.
    pub name: Option<String>,
}

/// The fake's endpoints, for [`FakeProvider::hits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Authorize,
    Token,
    Profile,
}

/// A running fake provider; the server stops when this is dropped.
pub struct FakeProvider {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl FakeProvider {
    /// Starts a fake `provider` on 127.0.0.1 with a free port.
    ///
    /// # Panics
    /// If no local port can be bound (a broken test environment).
    pub async fn start(provider: Provider) -> FakeProvider {
        let shared = Arc::new(Shared::new(provider));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0 for the fake provider");
        let addr = listener.local_addr().expect("local address of a bound listener");
        let app = http::router(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            // The server runs until aborted on drop; an I/O error just ends it.
            let _ = axum::serve(listener, app).await;
        });
        FakeProvider { shared, addr, server }
    }

    pub fn provider(&self) -> Provider {
        self.shared.provider
    }

    /// `http://127.0.0.1:<port>/`, serving both the auth and the API endpoints.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).expect("socket address makes a URL")
    }

    /// The client id registered with the fake.
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The client secret registered with the fake.
    pub fn client_secret(&self) -> &str {
        &self.shared.client_secret
    }

    /// A [`ProviderConfig`] with the fake's credentials and both bases at [`Self::base_url`].
    pub fn config(&self, redirect_uri: Url) -> ProviderConfig {
        ProviderConfig {
            client_id: self.shared.client_id.clone(),
            client_secret: self.shared.client_secret.clone().into(),
            auth_base: self.base_url(),
            api_base: self.base_url(),
            redirect_uri,
        }
    }

    /// Registers (or replaces) a user.
    pub fn add_user(&self, user: FakeUser) {
        self.shared.add_user(user);
    }

    /// The user "logged in" in the browser: `GET` on the authorize endpoint consents as them, or
    /// cancels (`error=access_denied`) when `None`. The subject must have been added.
    pub fn set_current_user(&self, subject: Option<&str>) {
        self.shared.set_current_user(subject);
    }

    /// `user` (registered if new) consents to the request behind `authorize_url` (as made by
    /// [`crate::Client::start`]); returns the redirect to `redirect_uri` carrying a one-time code
    /// bound to the client id, redirect URI, state and PKCE challenge. `Err` is the error page the
    /// provider would show instead (unknown client id, bad parameters).
    pub fn authorize(&self, user: &FakeUser, authorize_url: &Url) -> Result<Url, String> {
        self.shared.add_user(user.clone());
        let mut params = Params::default();
        params.add(authorize_url.query().unwrap_or_default().as_bytes());
        self.shared.authorize(Some(&user.subject), &params)
    }

    /// While `true`, every endpoint answers HTTP 503 with an HTML page.
    pub fn set_down(&self, down: bool) {
        self.shared.set_down(down);
    }

    /// Delay before every answer (zero to stop).
    pub fn set_slow(&self, delay: Duration) {
        self.shared.set_slow(delay);
    }

    /// While `true`, the token and profile endpoints answer HTTP 200 with truncated JSON.
    pub fn set_malformed(&self, malformed: bool) {
        self.shared.set_malformed(malformed);
    }

    /// Requests received so far at `endpoint`, including refused ones.
    pub fn hits(&self, endpoint: Endpoint) -> usize {
        self.shared.hits(endpoint)
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}
