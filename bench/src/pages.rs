//! Server time and page weight of the web pages, against a running `connect serve` (TCP, no nginx):
//! a person signs up, registers an organisation and gets its matches (the worker's re-match job, run
//! here against `--database-url`), then each page is fetched `--iterations` times one after another.
//! The time is the client's from request to last byte on loopback, so an upper bound of the server's.
//! The weight is what a first visit transfers: the HTML and the stylesheet, scripts and icon it
//! links, each gzip-compressed as the rendered nginx does (`gzip_comp_level 6`).
//!
//! ```text
//! connect-bench pages --url http://127.0.0.1:18080 --database-url postgresql://…/connect_bench_100000
//! ```

use std::io::Write;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use connect::config::{DatabaseConfig, Source};
use hdrhistogram::Histogram;
use reqwest::header::{HeaderMap, HeaderValue, COOKIE};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct PagesArgs {
    /// The server, e.g. `http://127.0.0.1:18080`.
    #[arg(long)]
    url: String,
    /// The server's database, for the re-match that fills the dashboard.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Requests per page (after 20 unmeasured ones).
    #[arg(long, default_value_t = 200)]
    iterations: usize,
}

/// The pages measured: the catalogue as a visitor lands on it and as searches and filters make it,
/// a program, and the dashboard with its matches.
const PAGES: [(&str, &str); 6] = [
    ("catalogue", "/programs"),
    ("catalogue, 창업", "/programs?q=%EC%B0%BD%EC%97%85"),
    ("catalogue, AI 바우처 + 서울", "/programs?q=AI+%EB%B0%94%EC%9A%B0%EC%B2%98&region=seoul"),
    ("catalogue, page 50 by deadline", "/programs?status=open&sort=deadline&page=50"),
    ("home", "/"),
    ("dashboard", "/dashboard"),
];

pub async fn run(args: PagesArgs) -> Result<()> {
    let base = args.url.trim_end_matches('/');
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let session = sign_up(&client, base).await?;
    let organisation = register(&client, base, &session).await?;
    let config = DatabaseConfig::from_source(&Source::from_pairs([
        ("DATABASE_URL".to_string(), args.database_url.clone()),
        ("DATABASE_POOL_SIZE".to_string(), "4".to_string()),
    ]))?;
    let pool = connect::db::pool(&config)?;
    let today = connect::catalog::Clock::now().today();
    let rematched = connect::matching::jobs::rematch_pending(&pool, today).await?;
    eprintln!("organisation {organisation} matched: {rematched:?}");

    println!("| page | path | p50 ms | p99 ms | HTML | HTML gzip | first visit, gzip |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for (name, path) in PAGES {
        let url = format!("{base}{path}");
        let page = fetch(&client, &url, &session).await?;
        let assets = assets(&page);
        let mut first_visit = gzip_len(page.as_bytes());
        for asset in &assets {
            first_visit += gzip_len(fetch(&client, &format!("{base}{asset}"), &session).await?.as_bytes());
        }
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        for i in 0..args.iterations + 20 {
            let started = Instant::now();
            fetch(&client, &url, &session).await?;
            if i >= 20 {
                histogram.record(started.elapsed().as_micros().max(1) as u64)?;
            }
        }
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {name} | `{path}` | {:.2} | {:.2} | {} | {} | {} ({} files) |",
            ms(0.5),
            ms(0.99),
            kb(page.len()),
            kb(gzip_len(page.as_bytes())),
            kb(first_visit),
            assets.len() + 1
        );
    }
    Ok(())
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

async fn fetch(client: &reqwest::Client, url: &str, session: &HeaderMap) -> Result<String> {
    let response = client.get(url).headers(session.clone()).send().await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("GET {url}: {status}: {}", text.chars().take(300).collect::<String>());
    }
    Ok(text)
}

/// The stylesheet, scripts and icon a page links to (fingerprinted `/static/` URLs).
fn assets(html: &str) -> Vec<String> {
    let mut found: Vec<String> = html
        .split(['"', '\''])
        .filter(|part| part.starts_with("/static/") && !part.contains(' '))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory").len()
}

/// Signs a new person up; the session cookie and CSRF header to send with every request.
async fn sign_up(client: &reqwest::Client, base: &str) -> Result<HeaderMap> {
    let csrf = client.get(format!("{base}/api/auth/csrf")).send().await?;
    let mut cookies = cookies(csrf.headers());
    let token = csrf.json::<Value>().await?["csrf_token"].as_str().context("no csrf_token")?.to_string();
    let email = format!("bench-{}@example.com", std::process::id());
    let response = client
        .post(format!("{base}/api/auth/signup"))
        .header(COOKIE, cookies.join("; "))
        .header("x-csrf-token", &token)
        .json(&json!({"email": email, "password": "벤치마크 비밀번호 2026!", "name": "벤치",
            "terms_version": "2026-11-01", "privacy_version": "2026-11-01"}))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("sign-up: {}: {}", response.status(), response.text().await?);
    }
    cookies.extend(self::cookies(response.headers()));
    let token = response.json::<Value>().await?["csrf_token"].as_str().context("no csrf_token")?.to_string();
    let mut session = HeaderMap::new();
    session.insert(COOKIE, HeaderValue::from_str(&cookies.join("; "))?);
    session.insert("x-csrf-token", HeaderValue::from_str(&token)?);
    Ok(session)
}

fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect()
}

/// A small AI company in Seoul: the profile most of the catalogue is written for.
async fn register(client: &reqwest::Client, base: &str, session: &HeaderMap) -> Result<i64> {
    let body = json!({"kind": "company", "name": "벤치마크 주식회사", "profile": {
        "scales": ["sme", "startup"], "established_on": "2022-03-01", "employees": 25,
        "tech_keywords": ["인공지능", "데이터"], "locations": [{"kind": "headquarters", "region": "seoul"}]}});
    let response = client.post(format!("{base}/api/orgs")).headers(session.clone()).json(&body).send().await?;
    if !response.status().is_success() {
        bail!("organisation: {}: {}", response.status(), response.text().await?);
    }
    response.json::<Value>().await?["id"].as_i64().context("no organisation id")
}
