//! A browser-like client over the real router: keeps cookies, sends the CSRF header it was given,
//! comes from a chosen client address (as nginx's X-Real-IP), or authenticates with a bearer token.
#![allow(dead_code)]

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use connect::api::{self, AppState};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const PASSWORD: &str = "정말 튼튼한 비밀번호 2026";

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::String(String::from_utf8_lossy(&self.bytes).into()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into()
    }

    pub fn location(&self) -> String {
        self.headers.get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct Browser {
    pub state: AppState,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub ip: String,
}

impl Browser {
    pub fn new(state: &AppState, ip: &str) -> Browser {
        Browser { state: state.clone(), cookies: BTreeMap::new(), csrf: None, bearer: None, ip: ip.into() }
    }

    pub async fn send(&mut self, method: Method, uri: &str, body: Option<Value>) -> Response {
        let mut request = Request::builder().method(method).uri(uri).header("x-real-ip", &self.ip);
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header("cookie", cookie.join("; "));
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.raw(request.body(body).unwrap()).await
    }

    pub async fn raw(&mut self, request: Request<Body>) -> Response {
        let response = api::router(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all("set-cookie") {
            let text = cookie.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Response { status, headers, bytes }
    }

    pub async fn get(&mut self, uri: &str) -> Response {
        self.send(Method::GET, uri, None).await
    }

    pub async fn post(&mut self, uri: &str, body: Value) -> Response {
        self.send(Method::POST, uri, Some(body)).await
    }

    /// Fetches the pre-session CSRF token (cookie + header), as a login page would.
    pub async fn prepare(&mut self) {
        let response = self.get("/api/auth/csrf").await;
        assert_eq!(response.status, StatusCode::OK);
        self.csrf = Some(response.json()["csrf_token"].as_str().unwrap().to_string());
    }

    pub async fn signup(&mut self, email: &str) -> Response {
        self.prepare().await;
        let response = self
            .post(
                "/api/auth/signup",
                json!({
                    "email": email, "password": PASSWORD, "name": "김연구",
                    "terms_version": "2026-11-01", "privacy_version": "2026-11-01"
                }),
            )
            .await;
        if response.status == StatusCode::CREATED {
            self.csrf = Some(response.json()["csrf_token"].as_str().unwrap().to_string());
        }
        response
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Response {
        self.prepare().await;
        let response = self.post("/api/auth/login", json!({"email": email, "password": password})).await;
        if response.status == StatusCode::OK {
            self.csrf = Some(response.json()["csrf_token"].as_str().unwrap().to_string());
        }
        response
    }
}

/// A signed-up, logged-in person.
pub async fn person(state: &AppState, email: &str) -> Browser {
    let mut browser = Browser::new(state, "10.0.0.1");
    let response = browser.signup(email).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    browser
}

/// The user id of the browser's account.
pub async fn user_id(browser: &mut Browser) -> i64 {
    browser.get("/api/auth/session").await.json()["user"]["id"].as_i64().unwrap()
}
