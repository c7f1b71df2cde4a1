//! A local copy of the agency sites for `connect demo`: the real recorded public payloads that the
//! parsers are tested on (`crates/sources/tests/data/`, provenance in its README), served on a
//! loopback port so the demo fills the catalogue through the real pipeline — fetcher, parsers,
//! normaliser, writer — without a network.

use axum::extract::{Path, RawQuery};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::ingest::config::Sources;

macro_rules! payload {
    ($name:literal) => {
        include_bytes!(concat!("../../crates/sources/tests/data/", $name)).as_slice()
    };
}

/// One page of the demo site and the scrape that reads it.
struct DemoPage {
    name: &'static str,
    source: &'static str,
    kind: &'static str,
    /// Path and query on the demo site.
    path: &'static str,
    body: &'static [u8],
    content_type: &'static str,
}

const PAGES: &[DemoPage] = &[
    DemoPage {
        name: "ntis-rss",
        source: "ntis",
        kind: "ntis-rss",
        path: "ntis/unRndRss.xml?page=1",
        body: payload!("ntis-rss-unRndRss-2026-08-21.xml"),
        content_type: "application/xml",
    },
    DemoPage {
        name: "ntis-list",
        source: "ntis",
        kind: "ntis-list",
        path: "ntis/list.json?page=1",
        body: payload!("ntis-list-rows-scraped-2025-09.json"),
        content_type: "application/json",
    },
    DemoPage {
        name: "ntis-detail",
        source: "ntis",
        kind: "ntis-detail",
        path: "ntis/view.do?roRndUid=1243873",
        body: payload!("ntis-detail-roRndUid-1206594-connect.html"),
        content_type: "text/html; charset=utf-8",
    },
    DemoPage {
        name: "iris-detail",
        source: "iris",
        kind: "iris-detail",
        path: "iris/retrieveBsnsAncmView.do?ancmId=022737",
        body: payload!("iris-detail-ancmId-022737-abridged.html"),
        content_type: "text/html; charset=utf-8",
    },
    DemoPage {
        name: "bizinfo-api",
        source: "bizinfo",
        kind: "bizinfo-api",
        path: "bizinfo/api.json?page=1",
        body: payload!("bizinfo-native-api-jsonArray-sample-5items.json"),
        content_type: "application/json",
    },
    DemoPage {
        name: "bizinfo-datagokr",
        source: "bizinfo",
        kind: "bizinfo-api",
        path: "bizinfo/datagokr.json?page=1",
        body: payload!("bizinfo-datagokr-user-sample-10items-sanitized.json"),
        content_type: "application/json",
    },
    DemoPage {
        name: "kstartup-api",
        source: "kstartup",
        kind: "kstartup-api",
        path: "kstartup/list.json?page=1",
        body: payload!("kstartup-api-announcement-list-sample.json"),
        content_type: "application/json",
    },
    DemoPage {
        name: "kstartup-history",
        source: "kstartup",
        kind: "kstartup-api",
        path: "kstartup/previous.json?page=1",
        body: payload!("kstartup-api-projection-previous-announcements.json"),
        content_type: "application/json",
    },
    DemoPage {
        name: "kstartup-detail",
        source: "kstartup",
        kind: "kstartup-detail",
        path: "kstartup/bizpbanc-ongoing.do?schM=view&pbancSn=178335",
        body: payload!("kstartup-detail-pbancSn-178335-abridged.html"),
        content_type: "text/html; charset=utf-8",
    },
];

const DEMO_PORT: u16 = 17861;

/// The empty page a paginated API returns past its end.
const EMPTY_PAGE: &[u8] = payload!("kstartup-api-announcement-list-empty-page.json");

async fn page(Path(path): Path<String>, RawQuery(query): RawQuery) -> Response {
    if path == "robots.txt" {
        return "User-agent: *\nAllow: /\n".into_response();
    }
    let past_the_end = query.as_deref().is_some_and(|q| q.split('&').any(|p| p.starts_with("page=") && p != "page=1"));
    match PAGES.iter().find(|p| p.path.split('?').next() == Some(path.as_str())) {
        Some(_) if past_the_end => ([(header::CONTENT_TYPE, "application/json")], EMPTY_PAGE).into_response(),
        Some(page) => ([(header::CONTENT_TYPE, page.content_type)], page.body).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves the demo site on a free loopback port until the process ends; returns its sources.
pub async fn start() -> anyhow::Result<Sources> {
    // A fixed port keeps relative links (attachments) stable between demo runs, so a second run
    // changes nothing; any free port when it is taken.
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", DEMO_PORT)).await {
        Ok(listener) => listener,
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    };
    let base = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().route("/{*path}", get(page));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut toml = String::new();
    for DemoPage { name, source, kind, path, .. } in PAGES {
        toml.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nsource = \"{source}\"\nkind = \"{kind}\"\nurl = \"{base}/{path}\"\n\n"
        ));
    }
    Sources::parse(&toml, |_| None).map_err(anyhow::Error::msg)
}
