//! Per-host politeness seen from the server: request starts to one authority are spaced by the
//! (adaptive) delay, at most `per_host_concurrency` are in flight, and two authorities do not
//! hold each other up.

mod common;

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use common::{fast_config, Server};
use fetch::{FetchConfig, Fetcher};
use tokio::time::Instant;

/// A router whose `/page` answers after `ms` milliseconds.
fn slow_page(ms: u64) -> Router {
    Router::new().route(
        "/page",
        get(move || async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            "page"
        }),
    )
}

async fn concurrent_gets(f: &Fetcher, urls: Vec<url::Url>) {
    let jobs: Vec<_> = urls
        .into_iter()
        .map(|url| {
            let f = f.clone();
            tokio::spawn(async move { f.get(&url, None).await })
        })
        .collect();
    for job in jobs {
        job.await.expect("task").expect("fetch");
    }
}

fn gaps(server: &Server) -> Vec<Duration> {
    let hits = server.hits();
    hits.windows(2).map(|w| w[1].at - w[0].at).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_host_gets_spaced_starts_and_bounded_concurrency() {
    let server = Server::start(slow_page(20)).await;
    let f =
        Fetcher::new(FetchConfig { min_delay: Duration::from_millis(200), per_host_concurrency: 2, ..fast_config() })
            .expect("fetcher");
    let t0 = Instant::now();
    concurrent_gets(&f, vec![server.url("/page"); 6]).await;
    let gaps = gaps(&server);
    assert_eq!(gaps.len(), 5);
    for gap in &gaps {
        assert!(*gap >= Duration::from_millis(180), "starts too close: {gaps:?}");
    }
    assert!(server.max_in_flight() <= 2);
    assert!(t0.elapsed() >= Duration::from_millis(950));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_per_host_concurrency_in_flight() {
    let server = Server::start(slow_page(150)).await;
    let f = Fetcher::new(FetchConfig { per_host_concurrency: 2, ..fast_config() }).expect("fetcher");
    let t0 = Instant::now();
    concurrent_gets(&f, vec![server.url("/page"); 6]).await;
    assert_eq!(server.max_in_flight(), 2, "the cap is reached but never passed");
    assert!(t0.elapsed() >= Duration::from_millis(430), "three waves of 150 ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_authorities_do_not_delay_each_other() {
    let a = Server::start(slow_page(0)).await;
    let b = Server::start(slow_page(0)).await;
    let f = Fetcher::new(FetchConfig { min_delay: Duration::from_millis(400), ..fast_config() }).expect("fetcher");
    let t0 = Instant::now();
    concurrent_gets(&f, vec![a.url("/page"), a.url("/page"), b.url("/page"), b.url("/page")]).await;
    let elapsed = t0.elapsed();
    for server in [&a, &b] {
        let hits = server.hits();
        assert_eq!(hits.len(), 2);
        assert!(hits[0].at - t0 < Duration::from_millis(200), "first start not delayed");
        assert!(hits[1].at - hits[0].at >= Duration::from_millis(380));
    }
    assert!(elapsed < Duration::from_millis(750), "one delay, not two: {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_host_gets_a_longer_delay() {
    let server = Server::start(slow_page(150)).await;
    let f = Fetcher::new(FetchConfig { min_delay: Duration::from_millis(20), ..fast_config() }).expect("fetcher");
    let url = server.url("/page");
    for _ in 0..3 {
        f.get(&url, None).await.expect("fetch");
    }
    let delay = f.host_delay(&url).expect("delay");
    assert!(delay >= Duration::from_millis(290), "2 × ~150 ms, got {delay:?}");
    assert!(delay <= Duration::from_secs(30));
    // Sequential requests: the second and third starts were held back by the adapted delay.
    let gaps = gaps(&server);
    assert!(gaps[1] >= Duration::from_millis(280), "{gaps:?}");
}
