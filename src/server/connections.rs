//! Serving HTTP/1.1 connections so that stopping drops no request, not even a POST.
//!
//! nginx keeps idle keep-alive connections to us and may send a request on one at any moment. A
//! server that closes an idle connection on shutdown (what `axum::serve`'s graceful shutdown does)
//! races with that request: nginx retries a GET elsewhere, but a POST it has already written is not
//! retried and the client gets 502. So a stop here goes:
//!
//! 1. Stop listening. (During a deploy, nginx already connects to the new release's socket.)
//! 2. Keep serving the connections we have, answering with `Connection: close`, so nginx drops each
//!    one after its next response; never close an idle one ourselves.
//! 3. nginx closes the connections it leaves idle after its upstream `keepalive_timeout`
//!    (`{{app_upstream_idle_sec}}` in the rendered nginx.conf, `CONNECT_UPSTREAM_IDLE_SECS` here). Once
//!    that has passed, or no connection is left, close what remains gracefully (in-flight requests
//!    finish first).

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, Notify};

/// The connections of one server and whether it is stopping.
#[derive(Default)]
struct Tracker {
    open: AtomicUsize,
    closed: Notify,
    draining: AtomicBool,
}

/// Decrements the open count when a connection task ends, however it ends.
struct Open(Arc<Tracker>);

impl Drop for Open {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.closed.notify_waiters();
        }
    }
}

/// What accepts connections: a TCP or a unix listener.
pub trait Accept {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn accept(&mut self) -> impl Future<Output = std::io::Result<(Self::Io, Option<std::net::SocketAddr>)>> + Send;
}

impl Accept for tokio::net::TcpListener {
    type Io = tokio::net::TcpStream;
    async fn accept(&mut self) -> std::io::Result<(Self::Io, Option<std::net::SocketAddr>)> {
        let (io, peer) = tokio::net::TcpListener::accept(self).await?;
        let _ = io.set_nodelay(true);
        Ok((io, Some(peer)))
    }
}

impl Accept for tokio::net::UnixListener {
    type Io = tokio::net::UnixStream;
    async fn accept(&mut self) -> std::io::Result<(Self::Io, Option<std::net::SocketAddr>)> {
        let (io, _) = tokio::net::UnixListener::accept(self).await?;
        Ok((io, None))
    }
}

/// Serves `app` on `listener` until `stop` fires, then drains as the module says and returns once
/// every connection has closed. `upstream_idle` is how long the proxy keeps an idle connection.
pub async fn serve<L: Accept>(mut listener: L, app: Router, mut stop: watch::Receiver<bool>, upstream_idle: Duration) {
    let tracker = Arc::new(Tracker::default());
    let (close_tx, close_rx) = watch::channel(false);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        tracker.open.fetch_add(1, Ordering::AcqRel);
        tokio::spawn(connection(io, peer, app.clone(), Open(tracker.clone()), close_rx.clone()));
    }
    drop(listener);
    tracker.draining.store(true, Ordering::Release);
    let open = tracker.open.load(Ordering::Acquire);
    tracing::info!(open, "stopped listening; open connections close after their next response");
    let all_closed = async {
        loop {
            let notified = tracker.closed.notified();
            if tracker.open.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    };
    tokio::pin!(all_closed);
    // The proxy closes the connections it leaves idle after `upstream_idle`; a second more covers
    // its timer's granularity.
    if tokio::time::timeout(upstream_idle + Duration::from_secs(1), &mut all_closed).await.is_err() {
        let open = tracker.open.load(Ordering::Acquire);
        tracing::info!(open, "closing the connections still open");
        let _ = close_tx.send(true);
        all_closed.await;
    }
}

async fn connection<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    io: I,
    peer: Option<std::net::SocketAddr>,
    app: Router,
    open: Open,
    mut close: watch::Receiver<bool>,
) {
    let tracker = open.0.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        if let Some(peer) = peer {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        let app = app.clone();
        let tracker = tracker.clone();
        async move {
            let mut response: Response<_> = tower::ServiceExt::oneshot(app, request).await?;
            if tracker.draining.load(Ordering::Acquire) {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service).with_upgrades();
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        _ = async { let _ = close.wait_for(|c| *c).await; } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended with an error");
    }
    drop(open);
}
