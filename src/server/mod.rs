//! `connect serve`: builds the application state, listens on TCP or a unix socket, follows the
//! catalogue in the background, speaks systemd's notify protocol, and on SIGTERM/SIGINT hands its
//! connections over without dropping a request ([`connections`]) within a deadline (the spec's
//! `kill_timeout`).

mod connections;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::api::{self, AppState};
use crate::config::{Config, Listen};
use crate::metrics::Metrics;
use crate::redis_store::{self, Cache};
use crate::search::Search;

/// Redis calls from a request give up after this: a slow cache must not slow a request much.
const REDIS_TIMEOUT: Duration = Duration::from_millis(300);

pub fn build_state(config: &Config) -> anyhow::Result<AppState> {
    let metrics = Arc::new(Metrics::new());
    let queue = redis_store::connect(&config.redis.queue_url, REDIS_TIMEOUT)?;
    let prefix = &config.redis.key_prefix;
    let cache_conn = redis_store::connect(&config.redis.cache_url, REDIS_TIMEOUT)?;
    let accounts = crate::accounts::Accounts::new(
        config.accounts.clone(),
        &config.secrets,
        cache_conn.clone(),
        prefix,
        metrics.clone(),
    )?;
    let billing = match &config.billing {
        Some(billing) => Some(Arc::new(crate::billing::Billing::new(
            billing,
            &config.secrets,
            &config.accounts,
            accounts.mailer.clone(),
        )?)),
        None => None,
    };
    Ok(AppState {
        db: crate::db::pool(&config.database)?,
        db_timeout: config.database.query_timeout,
        cache: Cache::new(cache_conn, prefix, metrics.clone()),
        jobs: queue::Queue::new(queue.clone(), prefix),
        scrape_stats: crate::ingest::worker::ScrapeStats::new(queue.clone(), prefix),
        queue,
        search: Arc::new(Search::new(config.server.index_dir.clone())),
        results_cache: Arc::new(crate::search::results_cache::ResultsCache::new(
            crate::search::results_cache::RESPONSE_BYTES,
        )),
        accounts: Arc::new(accounts),
        billing,
        metrics,
    })
}

/// Keeps this node's search copy current until `stop` fires. Failures are logged and retried with
/// backoff: PostgreSQL being down must not end the loop.
pub async fn follow_catalogue(state: AppState, interval: Duration, mut stop: watch::Receiver<bool>) {
    let mut failures = 0u32;
    loop {
        // Stop promptly even while a catch-up waits on a hung database.
        let caught_up = tokio::select! {
            result = state.search.catch_up(&state.db) => result,
            _ = stop.changed() => return,
        };
        let wait = match caught_up {
            Ok(changed) => {
                if failures > 0 {
                    tracing::info!("search index caught up again after {failures} failed attempts");
                }
                failures = 0;
                if !changed.is_empty() {
                    state.cache.invalidate_programs(&changed).await;
                    // A program response rendered between the catch-up and the invalidation may hold
                    // the old Redis copy: drop it too.
                    state.search.bump_generation();
                }
                interval
            }
            Err(e) => {
                failures += 1;
                if failures == 1 || failures.is_power_of_two() {
                    tracing::warn!(error = %format!("{e:#}"), failures, "search index could not catch up");
                }
                (interval * failures.min(10)).min(Duration::from_secs(10))
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    // Only nginx reaches the unix socket (mode 0660), so its X-Real-IP is the client's address.
    if matches!(config.server.listen, Listen::Unix(_)) {
        config.accounts.trust_proxy = true;
    }
    let removed = crate::api::orgs::documents::clean_temporary(&config.accounts.upload_dir);
    if removed > 0 {
        tracing::info!(removed, "removed unfinished uploads");
    }
    let state = build_state(&config)?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let follower = tokio::spawn(follow_catalogue(state.clone(), config.server.index_sync_interval, stop_rx.clone()));
    let app = api::router(state);

    tokio::spawn(shutdown_signal(stop_tx.clone()));
    let deadline = config.server.shutdown_timeout;
    let upstream_idle = config.server.upstream_idle;
    let mut stopped = stop_rx.clone();
    let served = async move {
        match &config.server.listen {
            Listen::Tcp(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("{addr}에서 연결을 받을 수 없습니다: {e}"))?;
                ready(&config.server.listen);
                connections::serve(listener, app, stop_rx, upstream_idle).await;
            }
            Listen::Unix(path) => {
                let listener = bind_unix(path)?;
                ready(&config.server.listen);
                connections::serve(listener, app, stop_rx, upstream_idle).await;
                let _ = std::fs::remove_file(path);
            }
        }
        anyhow::Ok(())
    };
    let result = tokio::select! {
        result = served => result,
        _ = async { let _ = stopped.wait_for(|s| *s).await; tokio::time::sleep(deadline).await } => {
            tracing::warn!(seconds = deadline.as_secs(), "requests still running after the shutdown deadline; stopping anyway");
            Ok(())
        }
    };
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(1), follower).await;
    tracing::info!("stopped");
    result
}

fn bind_unix(path: &std::path::Path) -> anyhow::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A socket file left by a crashed process would make bind fail; only ever remove a socket.
    if std::fs::symlink_metadata(path).is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_socket(&m.file_type())) {
        std::fs::remove_file(path)?;
    }
    let listener = tokio::net::UnixListener::bind(path)
        .map_err(|e| anyhow::anyhow!("{}에서 연결을 받을 수 없습니다: {e}", path.display()))?;
    // nginx reaches the socket through the group (the unit's SocketGroup / the deploy's user setup).
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))?;
    Ok(listener)
}

/// Tells systemd (when it started us with `Type=notify`) that the socket accepts connections, then
/// starts the watchdog pings: READY=1 is always the first message.
fn ready(listen: &Listen) {
    tracing::info!(%listen, "listening");
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        tracing::warn!(error = %e, "could not notify systemd");
    }
    tokio::spawn(watchdog());
}

/// Pings systemd's watchdog at half its interval while the process runs.
async fn watchdog() {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    let every = interval / 2;
    loop {
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
        tokio::time::sleep(every).await;
    }
}

/// Resolves on SIGTERM or SIGINT, after telling systemd and the background tasks that we stop.
async fn shutdown_signal(stop: watch::Sender<bool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        tracing::error!("cannot listen for shutdown signals");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutting down: draining in-flight requests");
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    let _ = stop.send(true);
}
