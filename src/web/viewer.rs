//! Who is looking at a page: the logged-in user (from the session cookie, checked against
//! PostgreSQL as every API request is) or nobody. Public pages render for both; account pages
//! send nobody to the login page.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::caller::Via;
use crate::accounts::session::{self, SESSION_COOKIE};
use crate::accounts::Caller;
use crate::api::AppState;

#[derive(Debug, Clone)]
pub struct Viewer {
    pub caller: Caller,
    /// The session's CSRF token, for the page's forms (`<meta name="csrf-token">`).
    pub csrf_token: String,
}

impl Viewer {
    pub fn user_id(&self) -> i64 {
        self.caller.user_id
    }

    pub fn is_admin(&self) -> bool {
        self.caller.is_admin()
    }
}

/// The viewer, if logged in. Never fails: an expired session or an unreachable database reads as
/// "not logged in", which every public page can show.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if session::cookie(&parts.headers, SESSION_COOKIE).is_none() {
            return Ok(MaybeViewer(None));
        }
        let viewer = match Caller::from_request_parts(parts, state).await {
            Ok(caller) => match &caller.via {
                Via::Session { csrf_token, .. } => {
                    Some(Viewer { csrf_token: csrf_token.clone(), caller: caller.clone() })
                }
                Via::Bearer { .. } => None,
            },
            Err(_) => None,
        };
        Ok(MaybeViewer(viewer))
    }
}

impl MaybeViewer {
    /// The viewer, or a redirect to the login page that comes back to `here` afterwards.
    pub fn require(self, here: &str) -> Result<Viewer, LoginFirst> {
        self.0.ok_or_else(|| LoginFirst(here.to_string()))
    }
}

/// The login page, coming back to the path it holds afterwards.
pub struct LoginFirst(pub String);

impl IntoResponse for LoginFirst {
    fn into_response(self) -> Response {
        let next: String = url::form_urlencoded::byte_serialize(self.0.as_bytes()).collect();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}
