//! Prometheus metrics. Names and labels are the ones the spec's alert rules and dashboards use
//! (`http_request_duration_seconds` with a route *template* label, never a raw path).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    pub http_duration: HistogramVec,
    pub http_in_flight: IntGauge,
    pub db_pool_connections: IntGaugeVec,
    pub db_pool_max: IntGauge,
    pub cache_hits: IntCounter,
    pub cache_misses: IntCounter,
    pub cache_errors: IntCounter,
    pub catalogue_programs: IntGaugeVec,
    pub search_index_documents: IntGauge,
    pub queue_jobs: IntGaugeVec,
    pub search_cache_hits: IntCounter,
    pub search_cache_misses: IntCounter,
    /// Refused credentials by reason (`bad_password`, `locked`, `bad_token`, …).
    pub auth_failures: IntCounterVec,
    /// Requests refused by the application's rate limiter, by route group.
    pub rate_limited: IntCounterVec,
    /// New accounts by sign-up method (`email`, `kakao`, `naver`).
    pub user_registrations: IntCounterVec,
}

/// Seconds; fine below 10 ms where our targets are, coarse above 1 s where the alert fires.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route template")
                .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("valid histogram");
        let http_in_flight =
            IntGauge::new("http_requests_in_flight", "HTTP requests being served").expect("valid gauge");
        let db_pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Application database pool connections by state"),
            &["state"],
        )
        .expect("valid gauge");
        let db_pool_max =
            IntGauge::new("db_pool_max_connections", "Size limit of the database pool").expect("valid gauge");
        let cache_hits =
            IntCounter::new("cache_hits_total", "Redis cache reads that found a value").expect("valid counter");
        let cache_misses =
            IntCounter::new("cache_misses_total", "Redis cache reads that found nothing").expect("valid counter");
        let cache_errors =
            IntCounter::new("cache_errors_total", "Redis cache calls that failed (served without cache)")
                .expect("valid counter");
        let catalogue_programs = IntGaugeVec::new(
            Opts::new("catalogue_programs", "Programs in the catalogue by status, computed in KST"),
            &["status"],
        )
        .expect("valid gauge");
        let search_cache_hits =
            IntCounter::new("search_cache_hits_total", "Searches answered from this node's results cache")
                .expect("valid counter");
        let search_cache_misses =
            IntCounter::new("search_cache_misses_total", "Searches computed on this node").expect("valid counter");
        let queue_jobs = IntGaugeVec::new(
            Opts::new("queue_jobs", "Jobs in the durable queue by state (dead = needs attention)"),
            &["queue", "state"],
        )
        .expect("valid gauge");
        let search_index_documents =
            IntGauge::new("search_index_documents", "Documents in this node's search index").expect("valid gauge");
        let counter_vec = |name: &str, help: &str, label: &str| {
            IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid counter")
        };
        let auth_failures = counter_vec("auth_failures_total", "Refused logins and tokens by reason", "reason");
        let rate_limited = counter_vec("rate_limited_total", "Requests refused by the rate limiter", "route");
        let user_registrations = counter_vec("user_registrations_total", "New accounts by sign-up method", "method");
        for collector in [
            Box::new(http_duration.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_in_flight.clone()),
            Box::new(db_pool_connections.clone()),
            Box::new(db_pool_max.clone()),
            Box::new(cache_hits.clone()),
            Box::new(cache_misses.clone()),
            Box::new(cache_errors.clone()),
            Box::new(catalogue_programs.clone()),
            Box::new(search_index_documents.clone()),
            Box::new(queue_jobs.clone()),
            Box::new(search_cache_hits.clone()),
            Box::new(search_cache_misses.clone()),
            Box::new(auth_failures.clone()),
            Box::new(rate_limited.clone()),
            Box::new(user_registrations.clone()),
        ] {
            registry.register(collector).expect("metric names are unique");
        }
        Metrics {
            registry,
            http_duration,
            http_in_flight,
            db_pool_connections,
            db_pool_max,
            cache_hits,
            cache_misses,
            cache_errors,
            catalogue_programs,
            search_index_documents,
            queue_jobs,
            search_cache_hits,
            search_cache_misses,
            auth_failures,
            rate_limited,
            user_registrations,
        }
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Records every request's latency under its route template.
pub async fn track(State(metrics): State<std::sync::Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    metrics.http_in_flight.inc();
    let response = next.run(request).await;
    metrics.http_in_flight.dec();
    metrics
        .http_duration
        .with_label_values(&[method.as_str(), route.as_str(), response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}
