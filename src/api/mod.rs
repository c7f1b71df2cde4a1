//! The HTTP API (`/api/…`): shared state, the router and its middleware.

pub mod admin;
pub mod auth;
pub mod billing;
pub mod error;
pub mod health;
pub mod json;
pub mod matches;
pub mod me;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod orgs;
pub mod programs;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use deadpool_postgres::Pool;
use redis::aio::ConnectionManager;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::metrics::Metrics;
use crate::redis_store::Cache;
use crate::search::Search;

/// Everything a handler may use, built once at start-up (tests build their own).
#[derive(Clone)]
pub struct AppState {
    pub db: Pool,
    /// How long a request waits for PostgreSQL before answering 503.
    pub db_timeout: Duration,
    pub cache: Cache,
    /// The durable queue Redis: its health, queue depths and the workers' scrape counters.
    pub queue: ConnectionManager,
    pub jobs: queue::Queue,
    pub scrape_stats: crate::ingest::worker::ScrapeStats,
    pub search: Arc<Search>,
    /// Rendered search and program responses (`search::results_cache`).
    pub results_cache: Arc<crate::search::results_cache::ResultsCache<axum::body::Bytes>>,
    pub metrics: Arc<Metrics>,
    pub accounts: Arc<crate::accounts::Accounts>,
    /// Toss Payments; `None` until `TOSS_CLIENT_KEY` and `TOSS_SECRET_KEY` are set.
    pub billing: Option<Arc<crate::billing::Billing>>,
}

/// A request taking longer than this is answered 408 and its work dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .route("/api/programs", get(programs::search::search))
        .route("/api/programs/{id}", get(programs::show::show))
        .route("/api/health", get(health::health))
        .route("/api/health/live", get(health::live))
        .route("/api/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::openapi))
        .merge(account_routes(&state))
        .merge(crate::web::router())
        .merge(billing::routes())
        .fallback(crate::web::not_found)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(metrics, crate::metrics::track))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        .layer(TraceLayer::new_for_http())
}

/// Identity, organisations, privacy and administration.
fn account_routes(state: &AppState) -> Router<AppState> {
    let upload_limit =
        usize::try_from(state.accounts.config.upload_max_bytes).unwrap_or(usize::MAX).saturating_add(1 << 20);
    Router::new()
        .route("/api/auth/csrf", get(auth::csrf::issue))
        .route("/api/auth/signup", post(auth::signup::signup))
        .route("/api/auth/login", post(auth::login::login))
        .route("/api/auth/logout", post(auth::logout::logout))
        .route("/api/auth/logout-everywhere", post(auth::logout::logout_everywhere))
        .route("/api/auth/session", get(auth::session::show))
        .route("/api/auth/token", post(auth::token::issue))
        .route("/api/auth/token/session", post(auth::token::issue_for_session))
        .route("/api/auth/token/revoke", post(auth::token::revoke))
        .route("/api/auth/verify-email", post(auth::verify::verify))
        .route("/api/auth/verify-email/resend", post(auth::verify::resend))
        .route("/api/auth/password-reset", post(auth::reset::request))
        .route("/api/auth/password-reset/confirm", post(auth::reset::confirm))
        .route("/api/auth/oauth/{provider}/start", get(auth::oauth::start_login))
        .route("/api/auth/oauth/{provider}/callback", get(auth::oauth::callback))
        .route("/api/auth/link/confirm", post(auth::oauth::confirm_link))
        .route("/api/auth/link/{provider}", post(auth::oauth::start_link).delete(auth::oauth::unlink))
        .route("/api/me/password", post(me::password::change))
        .route("/api/me/export", get(me::export::export))
        .route("/api/me/deletion", post(me::delete::request))
        .route("/api/me/deletion/confirm", post(me::delete::confirm))
        .route("/api/me/saved", get(me::saved::list))
        .route("/api/me/saved/{program}", put(me::saved::save).delete(me::saved::unsave))
        .route("/api/me/searches", get(me::saved::searches).post(me::saved::save_search))
        .route("/api/me/searches/{id}", delete(me::saved::delete_search))
        .route("/api/me/notifications", get(me::notifications::list))
        .route("/api/me/notifications/read", post(me::notifications::mark_read))
        .route(
            "/api/me/notification-settings",
            get(me::notifications::settings).put(me::notifications::update_settings),
        )
        .route("/api/me/calendar", post(me::notifications::new_calendar))
        .route("/api/calendar/{file}", get(notify::calendar_feed))
        .route("/api/matches", get(matches::list::list))
        .route("/api/matches/{program}", get(matches::list::show))
        .route("/api/matches/{program}/status", put(matches::status::set))
        .route("/api/admin/programs", get(admin::programs::find))
        .route("/api/admin/programs/{id}", get(admin::programs::show))
        .route("/api/admin/programs/{id}/fields", put(admin::programs::correct))
        .route("/api/admin/programs/{id}/rules", get(admin::rules::show).put(admin::rules::replace))
        .route("/api/admin/programs/{id}/revisions", get(admin::revisions::list))
        .route("/api/admin/programs/{id}/split", post(admin::duplicates::split))
        .route("/api/admin/programs/{id}/merge", post(admin::duplicates::merge))
        .route("/api/admin/revisions/{id}/undo", post(admin::revisions::undo))
        .route("/api/admin/duplicates", get(admin::duplicates::list))
        .route("/api/unsubscribe", get(notify::explain_unsubscribe).post(notify::unsubscribe))
        .route("/api/orgs", get(orgs::show::list).post(orgs::create::create))
        .route("/api/orgs/{id}", get(orgs::show::show).put(orgs::update::update))
        .route("/api/orgs/{id}/members", get(orgs::members::list))
        .route("/api/orgs/{id}/members/{user}", patch(orgs::members::change_role).delete(orgs::members::remove))
        .route("/api/orgs/{id}/leave", post(orgs::members::leave))
        .route("/api/orgs/{id}/transfer", post(orgs::members::transfer))
        .route("/api/orgs/{id}/invitations", get(orgs::invitations::list).post(orgs::invitations::create))
        .route("/api/orgs/{id}/invitations/{invitation}", delete(orgs::invitations::revoke))
        .route("/api/invitations/accept", post(orgs::invitations::accept))
        .route(
            "/api/orgs/{id}/documents",
            get(orgs::documents::list).post(orgs::documents::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/orgs/{id}/documents/{document}", get(orgs::documents::download).delete(orgs::documents::delete))
        .route("/api/admin/jobs/dead", get(admin::jobs::list))
        .route("/api/admin/jobs/{queue}/{id}/retry", post(admin::jobs::retry))
        .route("/api/admin/jobs/{queue}/{id}", delete(admin::jobs::discard))
        .route("/api/admin/users", get(admin::users::list))
        .route("/api/admin/users/{id}", patch(admin::users::change_role))
        .route("/api/admin/organizations", get(admin::organizations::list))
}
