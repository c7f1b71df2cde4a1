//! Account pages: log in, sign up, email verification, password reset, the account itself, linking
//! a Kakao or Naver account, and accepting an invitation. Every form posts to the JSON API
//! (`/api/auth/…`, `/api/me/…`) from `app.js` with the CSRF token; these handlers only render.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::no_script::form_token;
use crate::api::auth::signup::{PRIVACY_VERSION, TERMS_VERSION};
use crate::api::orgs::OrgView;
use crate::api::AppState;
use crate::web::error::PageError;
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::{MaybeViewer, Viewer};

/// A login method shown as a button.
pub struct Provider {
    pub code: &'static str,
    pub name: &'static str,
    pub start_url: String,
}

/// Kakao and Naver, as far as this deployment has them configured.
fn providers(state: &AppState) -> Vec<Provider> {
    oauth::Provider::ALL
        .into_iter()
        .filter(|p| state.accounts.oauth.contains_key(p))
        .map(|p| Provider {
            code: p.as_str(),
            name: p.display_name(),
            start_url: format!(
                "/api/auth/oauth/{}/start?terms_version={TERMS_VERSION}&privacy_version={PRIVACY_VERSION}",
                p.as_str()
            ),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Where to go after logging in: a path on this site only, never another host.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/account".to_string(),
    }
}

/// What a form shows again after a failed post without JavaScript.
#[derive(Default)]
pub struct FormState {
    pub email: String,
    pub name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub page: Chrome,
    pub next: String,
    /// Sign-up, coming back to the same `next`.
    pub signup_url: String,
    pub providers: Vec<Provider>,
    pub csrf: String,
    pub form: FormState,
}

pub async fn login(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if viewer.is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page(&state, &headers, next, FormState::default(), StatusCode::OK)
}

/// The login page, with the form's CSRF token (and its cookie when the browser has none yet).
pub fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    next: String,
    form: FormState,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = form_token(state, headers);
    let signup_url = match next.as_str() {
        "/account" => "/signup".to_string(),
        other => format!("/signup?next={}", encode(other)),
    };
    let page = Login {
        page: Chrome::public(state, "로그인", "/login", None).section("login"),
        signup_url,
        next,
        providers: providers(state),
        csrf,
        form,
    };
    with_cookie(page::render(status, &page, &page.page), cookie)
}

/// The page carries this browser's form token: never stored by a cache.
fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct Signup {
    pub page: Chrome,
    /// Where a new account goes: the page that sent the visitor here, or the welcome.
    pub next: String,
    pub terms_version: &'static str,
    pub privacy_version: &'static str,
    pub providers: Vec<Provider>,
    pub csrf: String,
    pub form: FormState,
}

pub async fn signup(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> Response {
    if viewer.is_some() {
        return Redirect::to("/account").into_response();
    }
    signup_page(&state, &headers, signup_next(query.next.as_deref()), FormState::default(), StatusCode::OK)
}

/// Where a new account goes: `next` when one was given (a path on this site), else the welcome.
pub fn signup_next(next: Option<&str>) -> String {
    match next {
        Some(next) => safe_next(Some(next)),
        None => "/account?welcome=1".to_string(),
    }
}

pub fn signup_page(
    state: &AppState,
    headers: &HeaderMap,
    next: String,
    form: FormState,
    status: StatusCode,
) -> Response {
    let (csrf, cookie) = form_token(state, headers);
    let page = Signup {
        page: Chrome::public(state, "회원가입", "/signup", None),
        next,
        terms_version: TERMS_VERSION,
        privacy_version: PRIVACY_VERSION,
        providers: providers(state),
        csrf,
        form,
    };
    with_cookie(page::render(status, &page, &page.page), cookie)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
pub struct VerifyEmail {
    pub page: Chrome,
    pub token: String,
}

pub async fn verify_email(MaybeViewer(viewer): MaybeViewer, Query(query): Query<TokenQuery>) -> Response {
    let page =
        VerifyEmail { page: Chrome::private("이메일 확인", viewer), token: query.token.unwrap_or_default() };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub struct ResetPassword {
    pub page: Chrome,
    /// With a token from the mail: choose the new password; without: ask for the mail.
    pub token: Option<String>,
}

pub async fn reset_password(MaybeViewer(viewer): MaybeViewer, Query(query): Query<TokenQuery>) -> Response {
    let page = ResetPassword {
        page: Chrome::private("비밀번호 재설정", viewer),
        token: query.token.filter(|t| !t.trim().is_empty()),
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct Account {
    pub page: Chrome,
    pub email: String,
    pub email_verified: bool,
    pub name: String,
    pub role: &'static str,
    pub has_password: bool,
    pub created_at: String,
    pub links: Vec<LinkRow>,
    pub orgs: Vec<OrgRow>,
}

pub struct LinkRow {
    pub code: &'static str,
    pub name: &'static str,
    pub linked: bool,
    /// Can be linked from here (configured in this deployment).
    pub available: bool,
}

pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub completeness: u8,
}

pub fn role_label(role: crate::accounts::Role) -> &'static str {
    match role {
        crate::accounts::Role::User => "일반 회원",
        crate::accounts::Role::Admin => "관리자",
        crate::accounts::Role::SuperAdmin => "최고 관리자",
    }
}

pub fn member_role_label(role: Option<crate::orgs::MemberRole>) -> &'static str {
    match role {
        Some(crate::orgs::MemberRole::Owner) => "소유자",
        Some(crate::orgs::MemberRole::Admin) => "관리자",
        Some(crate::orgs::MemberRole::Member) => "구성원",
        None => "열람(운영진)",
    }
}

pub async fn show(State(state): State<AppState>, viewer: MaybeViewer) -> Result<Response, PageError> {
    let viewer = match viewer.require("/account") {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let me = {
        let client = state.db.get().await?;
        crate::api::auth::me(&**client, viewer.user_id()).await?
    };
    let axum::Json(orgs) = crate::api::orgs::show::list(State(state.clone()), viewer.caller.clone()).await?;
    let links = oauth::Provider::ALL
        .into_iter()
        .map(|p| LinkRow {
            code: p.as_str(),
            name: p.display_name(),
            linked: me.providers.iter().any(|linked| linked == p.as_str()),
            available: state.accounts.oauth.contains_key(&p),
        })
        .filter(|row| row.linked || row.available)
        .collect();
    let page = Account {
        page: Chrome::private("내 계정", Some(viewer)).section("account"),
        email: me.email.unwrap_or_default(),
        email_verified: me.email_verified,
        name: me.name.unwrap_or_default(),
        role: role_label(me.role),
        has_password: me.has_password,
        created_at: format::datetime(me.created_at),
        links,
        orgs: orgs.iter().map(org_row).collect(),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

fn org_row(org: &OrgView) -> OrgRow {
    OrgRow {
        id: org.id,
        name: org.name.clone(),
        role: member_role_label(org.my_role),
        completeness: org.completeness.score,
    }
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    confirm: Option<String>,
}

#[derive(Template)]
#[template(path = "account_links.html")]
pub struct ConfirmLink {
    pub page: Chrome,
    pub state_token: String,
}

pub async fn confirm_link(viewer: MaybeViewer, Query(query): Query<ConfirmQuery>) -> Response {
    let here = format!("/account/links?confirm={}", query.confirm.as_deref().map(encode).unwrap_or_default());
    let viewer: Viewer = match viewer.require(&here) {
        Ok(viewer) => viewer,
        Err(login) => return login.into_response(),
    };
    let page = ConfirmLink {
        page: Chrome::private("계정 연결 확인", Some(viewer)),
        state_token: query.confirm.unwrap_or_default(),
    };
    page::render(StatusCode::OK, &page, &page.page)
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[derive(Template)]
#[template(path = "invitation.html")]
pub struct AcceptInvitation {
    pub page: Chrome,
    pub token: String,
}

pub async fn accept_invitation(viewer: MaybeViewer, Query(query): Query<TokenQuery>) -> Response {
    let here = format!("/invitations/accept?token={}", query.token.as_deref().map(encode).unwrap_or_default());
    let viewer = match viewer.require(&here) {
        Ok(viewer) => viewer,
        Err(login) => return login.into_response(),
    };
    let page = AcceptInvitation {
        page: Chrome::private("기관 초대 수락", Some(viewer)),
        token: query.token.unwrap_or_default(),
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/orgs/3")), "/orgs/3");
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"] {
            assert_eq!(safe_next(Some(bad)), "/account", "{bad}");
        }
        assert_eq!(safe_next(None), "/account");
    }
}
