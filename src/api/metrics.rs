//! `GET /api/metrics`: Prometheus text format. Gauges that describe state (pool, catalogue, billing)
//! are refreshed at scrape time, and so is `funding_matches_total`: the worker's matcher keeps the
//! count in `matching_state`, so every app node reports the same figure.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::api::AppState;
use crate::catalog::{Clock, Status};
use crate::ingest::worker::{ATTACHMENT_QUEUE, SCRAPE_QUEUE};

#[utoipa::path(get, path = "/api/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let m = &state.metrics;
    let pool = state.db.status();
    m.db_pool_max.set(pool.max_size as i64);
    m.db_pool_connections.with_label_values(&["in_use"]).set((pool.size - pool.available) as i64);
    m.db_pool_connections.with_label_values(&["idle"]).set(pool.available as i64);
    m.db_pool_connections.with_label_values(&["waiting"]).set(pool.waiting as i64);

    let clock = Clock::now();
    let mut by_status = [0i64; 4];
    state.search.for_each_summary(|p| {
        if !p.removed {
            let status = Status::of(&p.period, &clock);
            by_status[Status::ALL.iter().position(|s| *s == status).unwrap_or(3)] += 1;
        }
    });
    for (status, count) in Status::ALL.iter().zip(by_status) {
        m.catalogue_programs.with_label_values(&[status.as_str()]).set(count);
    }
    m.search_index_documents.set(state.search.health().indexed_documents as i64);
    for queue in [SCRAPE_QUEUE, ATTACHMENT_QUEUE] {
        if let Ok(stats) = state.jobs.stats(queue).await {
            let states = [
                ("pending", stats.pending),
                ("running", stats.running),
                ("delayed", stats.delayed),
                ("dead", stats.dead),
            ];
            for (job_state, count) in states {
                m.queue_jobs.with_label_values(&[queue, job_state]).set(count as i64);
            }
        }
    }
    let mut text = m.render();
    text.push_str(&state.scrape_stats.render().await);
    if let Ok(client) = state.db.get().await {
        match crate::billing::metrics::figures(&**client, chrono::Utc::now()).await {
            Ok(figures) => text.push_str(&crate::billing::metrics::render(&figures)),
            Err(e) => tracing::warn!(error = %e, "billing metrics not computed"),
        }
        match client.query_typed("SELECT matches_created FROM matching_state", &[]).await {
            Ok(rows) => text.push_str(&funding_matches(rows.first().map_or(0, |r| r.get(0)))),
            Err(e) => tracing::warn!(error = %e, "funding_matches_total not read"),
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}

/// The matches the matcher ever created (organisation × program pairs that became matches).
fn funding_matches(created: i64) -> String {
    format!(
        "# HELP funding_matches_total Funding matches created for organisations\n\
         # TYPE funding_matches_total counter\n\
         funding_matches_total {created}\n"
    )
}
