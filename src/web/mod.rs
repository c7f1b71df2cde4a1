//! The server-rendered web application: HTML pages from compile-time checked templates
//! (`templates/`), fingerprinted assets (`static/`), the SEO files, HTML error pages and the admin's
//! live scrape progress over a WebSocket.
//!
//! Pages read through the same code as the JSON API (`crate::api::programs::search::parse`, the
//! search module, the API handlers themselves); forms post to the JSON API from `static/app.js`
//! with the CSRF token. Pages that need no login render completely without JavaScript.

pub mod assets;
pub mod error;
pub mod format;
pub mod live;
pub mod page;
pub mod pages;
pub mod security;
pub mod seo;
pub mod viewer;

use axum::routing::get;
use axum::Router;

use crate::api::AppState;

/// Every web route, merged into the API router by `crate::api::router`.
pub fn router() -> Router<AppState> {
    assets::prepare();
    Router::new()
        .route("/", get(pages::home::show))
        .route("/programs", get(pages::catalogue::show))
        .route("/programs/{id}", get(pages::program::show))
        .route("/sectors", get(pages::catalogue::sector_index))
        .route("/sectors/{name}", get(pages::catalogue::sector))
        .route("/pricing", get(pages::legal::pricing))
        .route("/terms", get(pages::legal::terms))
        .route("/privacy", get(pages::legal::privacy))
        .route("/refund", get(pages::legal::refund))
        .route("/login", get(pages::account::login).post(pages::no_script::login))
        .route("/signup", get(pages::account::signup).post(pages::no_script::signup))
        .route("/verify-email", get(pages::account::verify_email))
        .route("/reset-password", get(pages::account::reset_password))
        .route("/account", get(pages::account::show))
        .route("/dashboard", get(pages::dashboard::show))
        .route("/dashboard/board", get(pages::dashboard::board))
        .route("/saved", get(pages::saved::show))
        .route("/account/links", get(pages::account::confirm_link))
        .route("/invitations/accept", get(pages::account::accept_invitation))
        .route("/orgs/new", get(pages::orgs::new))
        .route("/orgs/{id}", get(pages::orgs::edit))
        .route("/orgs/{id}/billing", get(pages::billing::show::show))
        .route("/orgs/{id}/billing/checkout", get(pages::billing::checkout::checkout))
        .route("/orgs/{id}/billing/card", get(pages::billing::checkout::card))
        .route("/billing/checkout", get(pages::billing::checkout::choose))
        .route("/billing/fail", get(pages::billing::fail::fail))
        .route("/admin", get(pages::admin::show))
        .route("/admin/stats", get(pages::stats::show))
        .route("/admin/users", get(pages::people::show))
        .route("/admin/programs", get(pages::program_editor::find))
        .route("/admin/programs/{id}", get(pages::program_editor::show))
        .route("/admin/duplicates", get(pages::duplicates::show))
        .route("/sitemap.xml", get(seo::sitemap))
        .route("/sitemaps/{file}", get(seo::sitemap_part))
        .route("/robots.txt", get(seo::robots))
        .layer(axum::middleware::from_fn(security::headers))
        // Outside the HTML headers layer: the JSON/WebSocket and asset routes set their own.
        .route("/static/{file}", get(assets::serve))
        .route("/api/admin/live", get(live::connect))
}

/// The router's fallback: the HTML 404 page, except under `/api/`, which keeps its JSON errors.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        return crate::api::error::ApiError::NotFound("요청한 주소를 찾을 수 없습니다").into_response();
    }
    error::not_found_page()
}
