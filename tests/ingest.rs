//! Ingestion end to end against a local fixture site that serves real recorded payloads: scrapes
//! through the real fetcher, parsers, normaliser and database; conditional GETs, change history,
//! pagination, removal marking, the 기업마당 JSON → RSS fallback, robots.txt, retried 500s, and a
//! worker running a queued scrape.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::TestApp;
use connect::ingest::config::Sources;
use connect::ingest::scrape::scrape;
use fetch::{FetchConfig, Fetcher};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/crates/sources/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// What the fixture site serves; tests change it between scrapes.
#[derive(Default)]
struct Site {
    files: Mutex<HashMap<String, Vec<u8>>>,
    failures_left: AtomicUsize,
    hits: Mutex<Vec<String>>,
}

async fn serve(
    State(site): State<Arc<Site>>,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let key = match query.get("page") {
        Some(page) if page != "1" => format!("{path}?page={page}"),
        _ => path.clone(),
    };
    site.hits.lock().unwrap().push(key.clone());
    if key == "robots.txt" {
        return "User-agent: *\nDisallow: /private\n".into_response();
    }
    if key == "flaky.xml" && site.failures_left.load(Ordering::SeqCst) > 0 {
        site.failures_left.fetch_sub(1, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let Some(body) = site.files.lock().unwrap().get(&key).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{:x}\"", body.iter().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b))));
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    ([("etag", etag)], body).into_response()
}

async fn start_site() -> (Arc<Site>, String) {
    let site = Arc::new(Site::default());
    {
        let mut files = site.files.lock().unwrap();
        files.insert("ntis/rss.xml".into(), fixture("ntis-rss-unRndRss-2026-08-21.xml"));
        files.insert("flaky.xml".into(), fixture("ntis-rss-unRndRss-2026-08-21.xml"));
        files.insert("bizinfo/api.json".into(), b"{\"jsonArray\": [ {broken".to_vec());
        files.insert("bizinfo/rss.xml".into(), fixture("written-bizinfo-rss.xml"));
        files.insert("kstartup/list.json".into(), fixture("kstartup-api-announcement-list-sample.json"));
        files.insert("kstartup/list.json?page=2".into(), fixture("kstartup-api-announcement-list-empty-page.json"));
        files.insert("kstartup/bizpbanc-ongoing.do".into(), fixture("kstartup-detail-pbancSn-178335-abridged.html"));
        // The first of the detail page's attachments is a real HWPX announcement; the others 404.
        let hwpx = format!("{}/../shared/fixtures/real/attachments/hwpx_10.hwpx", env!("CARGO_MANIFEST_DIR"));
        files.insert("afile/fileDownload/9ybLn".into(), std::fs::read(hwpx).unwrap());
    }
    let app = axum::Router::new().route("/{*path}", get(serve)).with_state(site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (site, base)
}

fn sources(base: &str) -> Sources {
    let text = format!(
        r#"
[[source]]
name = "ntis-rss"
source = "ntis"
kind = "ntis-rss"
url = "{base}/ntis/rss.xml"

[[source]]
name = "flaky"
source = "ntis"
kind = "ntis-rss"
url = "{base}/flaky.xml"

[[source]]
name = "bizinfo-api"
source = "bizinfo"
kind = "bizinfo-api"
url = "{base}/bizinfo/api.json"
fallback = {{ kind = "bizinfo-rss", url = "{base}/bizinfo/rss.xml" }}

[[source]]
name = "kstartup-api"
source = "kstartup"
kind = "kstartup-api"
url = "{base}/kstartup/list.json?page=1&perPage=5"
complete_listing = true

[[source]]
name = "private"
kind = "ntis-rss"
url = "{base}/private/rss.xml"

[[source]]
name = "kstartup-detail"
source = "kstartup"
kind = "kstartup-detail"
url = "{base}/kstartup/bizpbanc-ongoing.do?schM=view&pbancSn=178335"
"#
    );
    Sources::parse(&text, |_| None).unwrap()
}

fn fetcher() -> Fetcher {
    Fetcher::new(FetchConfig {
        min_delay: Duration::ZERO,
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        ..FetchConfig::default()
    })
    .unwrap()
}

async fn run(
    app: &TestApp,
    sources: &Sources,
    name: &str,
) -> Result<connect::ingest::scrape::ScrapeReport, connect::ingest::scrape::ScrapeError> {
    scrape(sources.get(name).unwrap(), &fetcher(), &app.state.db, &|_| {}).await
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.db.client().await.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_stores_programs_and_a_second_one_is_a_conditional_get() {
    let app = TestApp::new().await;
    let (site, base) = start_site().await;
    let sources = sources(&base);
    let report = run(&app, &sources, "ntis-rss").await.unwrap();
    assert_eq!((report.new, report.changed, report.pages), (10, 0, 1), "{report:?}");
    app.sync().await;
    let (_, body) = app.get("/api/programs?q=R%26D").await;
    assert!(body["total"].as_u64().unwrap() >= 1, "R&D titles decoded and searchable: {body}");

    let again = run(&app, &sources, "ntis-rss").await.unwrap();
    assert!(again.not_modified, "{again:?}");
    assert_eq!(scalar(&app, "SELECT count(*) FROM scrape_runs WHERE status = 'not_modified'").await, 1);

    // The source edits one title (the first item's; the channel and logo come first): one change,
    // recorded as history, nothing else rewritten.
    let edited = String::from_utf8(fixture("ntis-rss-unRndRss-2026-08-21.xml")).unwrap();
    let first_title = edited.split("<title>").nth(3).unwrap().split("</title>").next().unwrap().to_string();
    let edited = edited.replacen(&first_title, "수정된 공고 제목 (정정공고)", 1);
    site.files.lock().unwrap().insert("ntis/rss.xml".into(), edited.into_bytes());
    let changed = run(&app, &sources, "ntis-rss").await.unwrap();
    assert_eq!((changed.new, changed.changed, changed.unchanged), (0, 1, 9), "{changed:?}");
    let history = app.db.client().await.query_one("SELECT field, new_value FROM program_changes", &[]).await.unwrap();
    assert_eq!(history.get::<_, String>(0), "title");
    assert_eq!(history.get::<_, String>(1), "수정된 공고 제목 (정정공고)");
    assert_eq!(app.sync().await.len(), 1, "only the changed program is re-indexed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_completes_and_vanished_programs_are_marked_not_deleted() {
    let app = TestApp::new().await;
    let (site, base) = start_site().await;
    let sources = sources(&base);
    let report = run(&app, &sources, "kstartup-api").await.unwrap();
    assert_eq!((report.new, report.pages, report.removed), (5, 2, 0), "{report:?}");

    // The next listing no longer shows the first announcement.
    let mut listing: serde_json::Value =
        serde_json::from_slice(&fixture("kstartup-api-announcement-list-sample.json")).unwrap();
    let gone = listing["data"].as_array_mut().unwrap().remove(0)["pbanc_sn"].to_string();
    site.files.lock().unwrap().insert("kstartup/list.json".into(), serde_json::to_vec(&listing).unwrap());
    let report = run(&app, &sources, "kstartup-api").await.unwrap();
    assert_eq!((report.unchanged, report.removed), (4, 1), "{report:?}");
    let client = app.db.client().await;
    let removed = client
        .query_one(
            "SELECT removed_at IS NOT NULL FROM programs WHERE source = 'kstartup' AND external_id = $1",
            &[&gone],
        )
        .await
        .unwrap();
    assert!(removed.get::<_, bool>(0), "the vanished program is marked removed and kept");
    app.sync().await;
    let (_, body) = app.get("/api/programs").await;
    assert_eq!(body["total"], 4, "removed programs leave search");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_json_falls_back_to_rss_and_failures_are_recorded() {
    let app = TestApp::new().await;
    let (site, base) = start_site().await;
    let sources = sources(&base);
    let report = run(&app, &sources, "bizinfo-api").await.unwrap();
    assert!(report.new > 0, "the RSS fallback was used: {report:?}");

    let denied = run(&app, &sources, "private").await.unwrap_err();
    assert!(denied.is_permanent(), "{denied}");
    assert!(!site.hits.lock().unwrap().iter().any(|h| h.starts_with("private")), "robots.txt was obeyed");
    let error: String = app
        .db
        .client()
        .await
        .query_one("SELECT error FROM scrape_runs WHERE source = 'private' AND status = 'failed'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(error.contains("robots"), "{error}");

    site.failures_left.store(2, Ordering::SeqCst);
    let report = run(&app, &sources, "flaky").await.unwrap();
    assert_eq!(report.new + report.unchanged, 10, "two 500s were retried: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_runs_queued_scrapes_extracts_attachments_and_counts_it() {
    let app = TestApp::new().await;
    let (_site, base) = start_site().await;
    let prefix = common::unique_name("connect_ingest");
    let redis = connect::config::RedisConfig::from_source(&connect::config::Source::from_pairs([
        ("REDIS_CACHE_URL".to_string(), common::redis_url()),
        ("REDIS_QUEUE_URL".to_string(), common::redis_url()),
        ("REDIS_KEY_PREFIX".to_string(), prefix.clone()),
    ]))
    .unwrap();
    let (queue, _) = connect::ingest::worker::connect(&redis).await.unwrap();
    let jobs = connect::ingest::worker::ScrapeJobs {
        sources: Arc::new(sources(&base)),
        fetcher: fetcher(),
        db: app.state.db.clone(),
        stats: connect::ingest::worker::ScrapeStats::new(queue.connection().clone(), &prefix),
        queue: queue.clone(),
        exe: env!("CARGO_BIN_EXE_connect").into(),
    };
    queue
        .enqueue(connect::ingest::worker::SCRAPE_QUEUE, &connect::ingest::worker::scrape_job("ntis-rss"))
        .await
        .unwrap();
    for name in ["private", "kstartup-detail"] {
        queue.enqueue(connect::ingest::worker::SCRAPE_QUEUE, &connect::ingest::worker::scrape_job(name)).await.unwrap();
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn({
        let jobs = jobs.clone();
        let notify =
            connect::notify::jobs::NotifyJobs { db: app.state.db.clone(), accounts: app.state.accounts.clone() };
        async move { connect::ingest::worker::run(jobs, notify, &redis, 2, Duration::from_secs(60), stop_rx).await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let scrapes = queue.stats(connect::ingest::worker::SCRAPE_QUEUE).await.unwrap();
        let extracted = scalar(&app, "SELECT count(*) FROM program_attachments WHERE extracted_at IS NOT NULL").await;
        if scrapes.pending == 0 && scrapes.running == 0 && scrapes.dead == 1 && extracted == 6 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "jobs did not finish: {scrapes:?}, {extracted} attachments read");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_tx.send(true).unwrap();
    worker.await.unwrap().unwrap();
    assert_eq!(scalar(&app, "SELECT count(*) FROM programs WHERE source = 'ntis'").await, 10);
    let dead = queue.dead(connect::ingest::worker::SCRAPE_QUEUE, 10).await.unwrap();
    assert!(dead[0].last_error.contains("robots"), "a robots refusal is dead at once: {}", dead[0].last_error);
    // The HWPX attachment's text is searchable; the missing files are recorded with their reason.
    assert_eq!(scalar(&app, "SELECT count(*) FROM program_attachments WHERE text <> ''").await, 1);
    assert_eq!(scalar(&app, "SELECT count(*) FROM program_attachments WHERE extract_error LIKE '%404%'").await, 5);
    app.sync().await;
    let (_, found) = app.get("/api/programs?q=%EC%9B%90%EC%9E%90%EB%A0%A5%EB%B0%B1%EC%84%9C").await;
    assert_eq!(found["items"][0]["external_id"], "178335", "attachment text is searchable: {found}");
    let metrics = jobs.stats.render().await;
    assert!(metrics.contains("scraping_failures_total{source=\"private\"} 1"), "{metrics}");
    assert!(metrics.contains("scrape_items_total{source=\"ntis-rss\",outcome=\"new\"} 10"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_program_from_two_sources_is_grouped_and_distinct_programs_never_are() {
    let app = TestApp::new().await;
    let rec = |source: &str, id: &str, title: &str, period: &str| {
        serde_json::json!({"source": source, "external_id": id, "title": title, "period_raw": period}).to_string()
    };
    let lines = [
        rec("ntis", "1", "2026년 AI 바우처 지원사업 공고", "2026-01-01 ~ 2099-06-30"),
        // The same announcement on 기업마당: spacing and punctuation differ.
        rec("bizinfo", "B1", "2026년 AI바우처 지원사업 공고.", "2026.01.01 ~ 2099.06.30"),
        // NTIS publishes one program per 세부과제 under the same 사업명: distinct programs.
        rec(
            "ntis",
            "2",
            "최고급AI해외인재유치지원 사업 공고_(2025)최고급AI해외인재유치지원(최초공고 선정기관 접수용)",
            "2026-01-01 ~ 2099-06-30",
        ),
        rec(
            "bizinfo",
            "B2",
            "최고급AI해외인재유치지원 사업 공고_(2025)최고급AI해외인재유치지원(추가공고)",
            "2026-01-01 ~ 2099-06-30",
        ),
        // Same title, another deadline: another round, not a duplicate.
        rec("kstartup", "K1", "2026년 AI 바우처 지원사업 공고", "2026-01-01 ~ 2099-09-30"),
    ]
    .join("\n");
    app.import(&lines).await;
    let client = app.db.client().await;
    for source in ["ntis", "bizinfo", "kstartup"] {
        connect::catalog::store::group_duplicates(&client, source).await.unwrap();
    }
    let grouped: Vec<(String, Option<String>)> = client
        .query(
            "SELECT p.external_id, c.external_id FROM programs p LEFT JOIN programs c ON c.id = p.canonical_id ORDER BY p.external_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let expected: Vec<(String, Option<String>)> = vec![
        ("1".into(), None),
        ("2".into(), None),
        ("B1".into(), Some("1".into())),
        ("B2".into(), None),
        ("K1".into(), None),
    ];
    assert_eq!(grouped, expected);
    app.sync().await;
    let (_, body) = app.get("/api/programs?q=%EB%B0%94%EC%9A%B0%EC%B2%98").await;
    assert_eq!(body["total"], 2, "the duplicate is listed once, through its canonical record: {body}");
}

/// A board whose list is longer than `detail.limit`: new programs get their detail page first, then
/// the longest unchecked; a program waiting for its turn keeps what its detail page gave it (the
/// list alone would overwrite body and attachments with nothing), and a failed detail page loses
/// nothing either. NIPA pages written by hand (no real page was recorded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detail_pages_beyond_the_limit_are_rechecked_in_turn_and_nothing_is_lost() {
    let app = TestApp::new().await;
    let (site, base) = start_site().await;
    let detail = String::from_utf8(fixture("written-agency-nipa-detail.html")).unwrap();
    {
        let mut files = site.files.lock().unwrap();
        files.insert("home/2-2".into(), fixture("written-agency-nipa-list.html"));
        for id in ["16021", "16010", "15988"] {
            files.insert(
                format!("home/2-2/{id}"),
                detail.replace("AI 바우처 공고문", &format!("공고문 {id}")).into_bytes(),
            );
        }
    }
    let text = format!(
        r#"
[[source]]
name = "nipa-board"
source = "nipa"
kind = "generic-html-list"
url = "{base}/home/2-2"
max_pages = 1
selectors = {{ item = "div.board_list table tbody tr", title = "td.subject a", link = "td.subject a", id_pattern = "/home/2-2/(\\d+)", period = "td.period" }}
detail = {{ kind = "generic-html-detail", limit = 1, selectors = {{ item = "div.board_view", title = "h3.title", link = "", period = "dd.period", body = "div.view_cont", attachments = "ul.file_list a" }} }}
"#
    );
    let sources = Sources::parse(&text, |_| None).unwrap();
    let details_fetched = |site: &Site| -> Vec<String> {
        let mut hits = site.hits.lock().unwrap();
        let fetched =
            hits.iter().filter(|h| h.starts_with("home/2-2/")).map(|h| h["home/2-2/".len()..].to_string()).collect();
        hits.clear();
        fetched
    };
    let attachments = |id: &'static str| {
        let app = &app;
        async move {
            scalar(
                app,
                &format!(
                    "SELECT count(*) FROM program_attachments a JOIN programs p ON p.id = a.program_id
                     WHERE p.source = 'nipa' AND p.external_id = '{id}'"
                ),
            )
            .await
        }
    };

    let first = run(&app, &sources, "nipa-board").await.unwrap();
    assert_eq!((first.new, first.deferred), (3, 0), "{first:?}");
    assert_eq!(details_fetched(&site), ["16021"], "the first new row gets the one detail page");
    assert_eq!(attachments("16021").await, 2);
    assert_eq!(attachments("16010").await, 0, "stored from its list row until its turn");

    // Then the never-checked rows, in list order, and after them the oldest check.
    for expected in ["16010", "15988", "16021"] {
        let report = run(&app, &sources, "nipa-board").await.unwrap();
        assert_eq!(details_fetched(&site), [expected]);
        assert_eq!(report.deferred, 2, "{report:?}");
    }
    assert_eq!((attachments("16021").await, attachments("16010").await, attachments("15988").await), (2, 2, 2));
    assert_eq!(
        scalar(&app, "SELECT count(*) FROM program_changes c JOIN programs p ON p.id = c.program_id WHERE p.external_id = '16021'")
            .await,
        0,
        "a program waiting for its detail page is not rewritten from the list"
    );

    // A detail page that fails (the site answers 404) keeps the stored program as it was.
    site.files.lock().unwrap().remove("home/2-2/16010");
    let failed = run(&app, &sources, "nipa-board").await.unwrap();
    assert_eq!(details_fetched(&site), ["16010"]);
    assert_eq!((failed.changed, failed.deferred), (0, 3), "{failed:?}");
    assert_eq!(attachments("16010").await, 2);
    assert_eq!(scalar(&app, "SELECT count(*) FROM programs WHERE source = 'nipa' AND body = ''").await, 0);
}
