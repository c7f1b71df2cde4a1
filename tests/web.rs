//! The server-rendered web application through the real router, PostgreSQL, Redis and search:
//! pages in Korean with their security headers, fingerprinted immutable assets, the catalogue search
//! as URLs, program pages, SEO files, HTML errors, account pages behind login, and the admin's live
//! scrape progress — refused to non-admins, and streamed to an admin over a real WebSocket.

mod common;

use std::net::SocketAddr;

use axum::http::{Method, Request, StatusCode};
use chrono::{Days, NaiveDate};
use common::browser::{person, Browser, PASSWORD};
use common::{enc, record, TestApp};
use connect::catalog::Clock;
use futures::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};

const PUBLIC_URL: &str = "https://connect.test";

async fn app() -> TestApp {
    TestApp::with(&[("CONNECT_PUBLIC_URL", PUBLIC_URL)]).await
}

fn day(offset: u64) -> NaiveDate {
    Clock::now().today().checked_add_days(Days::new(offset)).unwrap()
}

/// Three programs with known fields, and the id each got.
async fn catalogue(app: &TestApp) -> Vec<i64> {
    let records = [
        record(
            "seoul-ai",
            "2026년 AI 바우처 지원사업 공고 (서울)",
            json!({
                "ministry": "과학기술정보통신부", "agency": "정보통신산업진흥원", "category": "기술",
                "regions_raw": "서울", "target_raw": "중소기업", "budget_raw": "3억원",
                "period_raw": format!("{} ~ {}", day(0), day(3)),
                "body_html": "<p>인공지능 솔루션 도입을 지원합니다.</p>",
                "source_url": "https://www.example.go.kr/a",
                "attachments": [{"name": "공고문.hwp", "url": "https://www.example.go.kr/a.hwp"}]
            }),
        ),
        record(
            "busan-ai",
            "AI 바우처 부산 지역 공급기업 모집",
            json!({
                "ministry": "과학기술정보통신부", "regions_raw": "부산", "target_raw": "창업기업",
                "budget_raw": "5천만원", "period_raw": "상시 접수", "body_html": "부산 지역 기업"
            }),
        ),
        record(
            "export",
            "수출 바우처 사업 참여기업 모집",
            json!({
                "ministry": "산업통상자원부", "regions_raw": "전국", "target_raw": "중소기업",
                "period_raw": format!("{} ~ {}", day(1), day(40)), "body_html": "해외 마케팅"
            }),
        ),
    ];
    app.import(&records.join("\n")).await;
    let client = app.db.client().await;
    let mut ids = Vec::new();
    for external in ["seoul-ai", "busan-ai", "export"] {
        let row = client.query_one("SELECT id FROM programs WHERE external_id = $1", &[&external]).await.unwrap();
        ids.push(row.get(0));
    }
    ids
}

fn header(response: &common::browser::Response, name: &str) -> String {
    response.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Every HTML response carries the app's own policy and the spec's headers.
fn assert_secure_html(response: &common::browser::Response, what: &str) {
    assert!(header(response, "content-type").starts_with("text/html"), "{what}: {:?}", response.headers);
    let csp = header(response, "content-security-policy");
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval") && !csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
    assert_eq!(header(response, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(response, "referrer-policy"), "strict-origin-when-cross-origin", "{what}");
    assert!(header(response, "permissions-policy").contains("camera=()"), "{what}");
    assert!(header(response, "strict-transport-security").starts_with("max-age="), "{what}");
    let html = response.text();
    assert!(html.starts_with("<!doctype html>") && html.contains("<html lang=\"ko\">"), "{what}");
    // CSP without 'unsafe-inline': no inline script to run and no inline style to apply.
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..html[i..].find('>').unwrap() + i];
        assert!(
            tag.contains(" src=") || tag.contains("application/ld+json") || tag.contains("application/json"),
            "{what}: inline script {tag}"
        );
    }
    assert!(!html.contains(" style=") && !html.contains("<style"), "{what}: inline style");
    assert!(!html.contains(" onclick=") && !html.contains(" onsubmit="), "{what}: inline handler");
}

#[tokio::test]
async fn public_pages_render_in_korean_without_javascript_and_with_security_headers() {
    let app = app().await;
    let ids = catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "10.1.0.1");
    let pages = [
        ("/".to_string(), "정부 지원사업"),
        ("/programs".to_string(), "지원사업 검색"),
        (format!("/programs/{}", ids[0]), "2026년 AI 바우처 지원사업 공고 (서울)"),
        ("/pricing".to_string(), "요금제"),
        ("/terms".to_string(), "이용약관"),
        ("/privacy".to_string(), "개인정보 처리방침"),
        ("/refund".to_string(), "환불 정책"),
        ("/login".to_string(), "로그인"),
        ("/signup".to_string(), "회원가입"),
        ("/reset-password".to_string(), "비밀번호 재설정"),
        ("/verify-email?token=abc".to_string(), "이메일 확인"),
    ];
    for (path, korean) in &pages {
        let response = visitor.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}: {}", response.text());
        assert_secure_html(&response, path);
        assert!(response.text().contains(korean), "{path} lacks {korean}");
    }

    // The landing page counts the live catalogue: three programs, and the search's status facets.
    let home = visitor.get("/").await.text();
    assert!(home.contains("<strong>3건</strong>"), "{home}");
    assert!(home.contains("href=\"/programs?status=open\""), "a status count links to its search");
    assert!(home.contains("마감이 가까운 공고") && home.contains("D-3"), "the 3-day deadline is listed with its badge");

    // Canonical URL, Open Graph and JSON-LD (WebPage + BreadcrumbList) on the public site's address.
    let detail = visitor.get(&format!("/programs/{}", ids[0])).await.text();
    let canonical = format!("<link rel=\"canonical\" href=\"{PUBLIC_URL}/programs/{}\">", ids[0]);
    assert!(detail.contains(&canonical), "{detail}");
    assert!(detail.contains("<meta property=\"og:title\""));
    assert!(detail.contains("\"@type\":\"BreadcrumbList\"") && detail.contains("\"@type\":\"WebPage\""));
    assert!(!detail.contains("aggregateRating"), "no invented ratings");

    // The detail in plain Korean: period with D-day, organisations, budget, targets, attachments.
    for expected in [
        "D-3",
        "과학기술정보통신부",
        "정보통신산업진흥원",
        "3억 원",
        "중소기업",
        "서울",
        "공고문.hwp",
        "https://www.example.go.kr/a",
        "변경 이력",
        &crate_date(day(3)),
    ] {
        assert!(detail.contains(expected), "detail lacks {expected}");
    }
    let busan = visitor.get(&format!("/programs/{}", ids[1])).await.text();
    assert!(busan.contains("5,000만 원") && busan.contains("상시"), "standing programs read 상시");

    // The legal pages show the versions sign-up records.
    let terms = visitor.get("/terms").await.text();
    assert!(terms.contains(connect::api::auth::signup::TERMS_VERSION));
    let privacy = visitor.get("/privacy").await.text();
    assert!(privacy.contains(connect::api::auth::signup::PRIVACY_VERSION));
    assert!(privacy.contains("개인정보 보호법"));
    let pricing = visitor.get("/pricing").await.text();
    let free = connect::plans::limits(connect::plans::Plan::Free);
    assert!(pricing.contains(&format!("최대 {}명", free.seats)), "{pricing}");
    let pro = connect::plans::price(connect::plans::Plan::Pro, connect::plans::Cycle::Monthly).unwrap();
    assert!(pricing.contains(&format!("월 {}", connect::plans::format_won(pro))), "prices from plans: {pricing}");
    assert!(pricing.contains("연 209,000원 (2개월 무료)") && !pricing.contains("준비 중"), "{pricing}");
    let refund = visitor.get("/refund").await.text();
    assert!(refund.contains("7일째") && refund.contains("8일째") && refund.contains("10%"), "{refund}");
}

fn crate_date(d: NaiveDate) -> String {
    connect::web::format::date(d)
}

#[tokio::test]
async fn assets_are_fingerprinted_by_content_and_cached_for_a_year() {
    let app = app().await;
    app.sync().await;
    let mut visitor = Browser::new(&app.state, "10.1.0.2");
    let home = visitor.get("/").await.text();
    let mut seen = 0;
    for (name, ext, content_type) in [("app", "css", "text/css"), ("app", "js", "text/javascript")] {
        let prefix = format!("/static/{name}.");
        let url = home
            .match_indices(&prefix)
            .map(|(start, _)| &home[start..start + home[start..].find('"').unwrap()])
            .find(|url| url.ends_with(&format!(".{ext}")))
            .unwrap_or_else(|| panic!("{name}.{ext} linked from the page"));
        let hash = url.strip_prefix(&prefix).unwrap().strip_suffix(&format!(".{ext}")).unwrap();
        assert_eq!(hash.len(), 10, "{url}");
        let response = visitor.get(url).await;
        assert_eq!(response.status, StatusCode::OK, "{url}");
        assert_eq!(header(&response, "cache-control"), "public, max-age=31536000, immutable");
        assert!(header(&response, "content-type").starts_with(content_type));
        let digest: String = Sha256::digest(&response.bytes).iter().take(5).map(|b| format!("{b:02x}")).collect();
        assert_eq!(hash, digest, "the name is the content's SHA-256");
        seen += 1;
    }
    assert_eq!(seen, 2);
    assert_eq!(visitor.get("/static/app.css").await.status, StatusCode::NOT_FOUND, "no unversioned name");
    assert_eq!(visitor.get("/static/app.0000000000.css").await.status, StatusCode::NOT_FOUND, "no stale hash");
}

#[tokio::test]
async fn the_catalogue_page_is_the_search_api_as_urls() {
    let app = app().await;
    let ids = catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "10.1.0.3");

    // Words and a region filter, as a visitor's form sends them (empty fields included).
    let url = format!("/programs?q={}&region=seoul&deadline_from=&sort=relevance", enc("AI 바우처"));
    let response = visitor.get(&url).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let page = response.text();
    assert!(page.contains(&format!("href=\"/programs/{}\"", ids[0])), "the Seoul program is found");
    assert!(!page.contains(&format!("href=\"/programs/{}\"", ids[1])), "the Busan one is filtered out");
    assert!(page.contains("총 <strong>1</strong>건"), "{page}");
    assert!(page.contains("value=\"seoul\" checked"), "the region box stays ticked");
    assert!(page.contains("지역: 서울"), "the chosen filter is shown and can be removed");
    // The region facet counts under the other filters: Busan would give one result.
    assert!(page.contains("value=\"busan\""));

    // Same search with the API: identical totals, because it is the same code.
    let (_, api) = app.get(&format!("/api/programs?q={}&region=seoul", enc("AI 바우처"))).await;
    assert_eq!(api["total"], 1);

    // A bad parameter is a page with the API's Korean message and status 400.
    let bad = visitor.get("/programs?sort=popular").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("정렬은 relevance, deadline, newest, budget 중 하나여야 합니다"));

    // Paging: 25 more programs (and the nationwide one, which every region includes) make two pages,
    // linked with the other parameters kept.
    let more: Vec<String> = (0..25)
        .map(|i| record(&format!("extra-{i}"), &format!("지역 혁신 사업 {i}"), json!({"regions_raw": "대구"})))
        .collect();
    app.import(&more.join("\n")).await;
    let first = visitor.get("/programs?region=daegu").await.text();
    assert!(first.contains("총 <strong>26</strong>건"), "{first}");
    assert!(unescape(&first).contains("href=\"/programs?region=daegu&page=2\""), "{first}");
    let second = visitor.get("/programs?region=daegu&page=2").await.text();
    assert_eq!(second.matches("class=\"card\"").count(), 6);
    assert!(second.contains("aria-current=\"page\">2</a>"));
}

/// Attribute values as the browser reads them.
fn unescape(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn the_sitemap_lists_every_program_and_robots_points_to_it() {
    let app = app().await;
    let records: Vec<String> = (0..40).map(|i| record(&format!("p{i}"), &format!("지원사업 {i}"), json!({}))).collect();
    app.import(&records.join("\n")).await;
    let mut crawler = Browser::new(&app.state, "10.1.0.4");
    let response = crawler.get("/sitemap.xml").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(header(&response, "content-type").starts_with("application/xml"));
    let sitemap = response.text();
    let client = app.db.client().await;
    let ids: Vec<i64> = client.query("SELECT id FROM programs", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids.len(), 40);
    for id in ids {
        assert!(sitemap.contains(&format!("<loc>{PUBLIC_URL}/programs/{id}</loc>")), "{id} missing");
    }
    assert_eq!(sitemap.matches("<url>").count(), 40 + 7, "programs plus the public pages and /sectors");
    assert!(sitemap.contains(&format!("<loc>{PUBLIC_URL}/sectors</loc>")));
    assert!(sitemap.contains(&format!("<loc>{PUBLIC_URL}/privacy</loc>")));

    let robots = crawler.get("/robots.txt").await.text();
    for line in [
        "Allow: /",
        "Disallow: /api/",
        "Disallow: /account",
        "Disallow: /orgs",
        "Disallow: /billing/",
        "Disallow: /admin",
    ] {
        assert!(robots.lines().any(|l| l == line), "{line} in {robots}");
    }
    assert!(robots.contains(&format!("Sitemap: {PUBLIC_URL}/sitemap.xml")));
}

#[tokio::test]
async fn unknown_pages_are_html_404_while_the_api_keeps_json() {
    let app = app().await;
    let mut visitor = Browser::new(&app.state, "10.1.0.5");
    for path in ["/no-such-page", "/programs/99999999", "/programs/abc"] {
        let response = visitor.get(path).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{path}");
        assert_secure_html(&response, path);
        assert!(response.text().contains("페이지를 찾을 수 없습니다"), "{path}");
    }
    let api = visitor.get("/api/no-such-thing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"]["code"], "not_found");
    let api = visitor.get("/api/programs/99999999").await;
    assert_eq!(api.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn account_pages_need_a_login_and_show_the_persons_own_data() {
    let app = app().await;
    let mut anonymous = Browser::new(&app.state, "10.1.0.6");
    for (path, next) in [("/account", "%2Faccount"), ("/orgs/new", "%2Forgs%2Fnew")] {
        let response = anonymous.get(path).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.location(), format!("/login?next={next}"));
    }

    let mut kim = person(&app.state, "kim@example.com").await;
    let account = kim.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert_secure_html(&account, "/account");
    assert_eq!(header(&account, "cache-control"), "private, no-store");
    let html = account.text();
    assert!(html.contains("kim@example.com") && html.contains("확인 전"), "{html}");
    let csrf = kim.csrf.clone().unwrap();
    assert!(html.contains(&format!("<meta name=\"csrf-token\" content=\"{csrf}\">")), "forms get the session token");
    assert!(html.contains("data-api=\"/api/auth/logout-everywhere\""));
    assert!(html.contains("href=\"/api/me/export?format=json\""));
    // Logged in, the login page sends the person on.
    assert_eq!(kim.get("/login?next=/orgs/new").await.location(), "/orgs/new");
    assert_eq!(kim.get("/login?next=//evil.example").await.location(), "/account");

    // The organisation editor shows the API's completeness hints; others cannot see it.
    let created = kim.post("/api/orgs", json!({"kind": "company", "name": "주식회사 연구"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    let editor = kim.get(&format!("/orgs/{id}")).await;
    assert_eq!(editor.status, StatusCode::OK);
    let editor = editor.text();
    assert!(editor.contains("업종(KSIC)을 입력하면 업종 제한이 있는 공고를 정확히 가려 드립니다"), "{editor}");
    assert!(editor.contains("data-api=\"/api/orgs/"), "the editor posts to the API");
    assert!(kim.get("/account").await.text().contains("주식회사 연구"));
    let mut lee = person(&app.state, "lee@example.com").await;
    assert_eq!(lee.get(&format!("/orgs/{id}")).await.status, StatusCode::NOT_FOUND);

    // Pages that carry a token from a mail keep it for the form, and leave search engines out.
    let invitation = kim.get("/invitations/accept?token=tok123").await.text();
    assert!(invitation.contains("value=\"tok123\"") && invitation.contains("noindex"));
    let link = kim.get("/account/links?confirm=state42").await.text();
    assert!(link.contains("value=\"state42\"") && link.contains("data-api=\"/api/auth/link/confirm\""));
}

async fn admin(app: &TestApp, email: &str) -> Browser {
    let mut browser = person(&app.state, email).await;
    connect::accounts::grant(&app.db.client().await, email, connect::accounts::Role::Admin).await.unwrap();
    let login = browser.login(email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    browser
}

async fn scrape_run(app: &TestApp, source: &str) {
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO scrape_runs (source, status, pages, new_items, finished_at) VALUES ($1, 'succeeded', 2, 7, now())",
            &[&source],
        )
        .await
        .unwrap();
}

fn upgrade_request(uri: &str) -> Request<axum::body::Body> {
    Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(axum::body::Body::empty())
        .unwrap()
}

#[tokio::test]
async fn the_admin_page_and_live_socket_refuse_everyone_but_admins() {
    let app = app().await;
    scrape_run(&app, "ntis").await;
    let mut anonymous = Browser::new(&app.state, "10.1.0.7");
    let page = anonymous.get("/admin").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("페이지를 찾을 수 없습니다"));
    assert_eq!(anonymous.raw(upgrade_request("/api/admin/live")).await.status, StatusCode::UNAUTHORIZED);

    let mut user = person(&app.state, "user@example.com").await;
    assert_eq!(user.get("/admin").await.status, StatusCode::NOT_FOUND);
    let mut request = upgrade_request("/api/admin/live");
    let cookie: Vec<String> = user.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    request.headers_mut().insert("cookie", cookie.join("; ").parse().unwrap());
    assert_eq!(user.raw(request).await.status, StatusCode::FORBIDDEN);

    let mut boss = admin(&app, "boss@example.com").await;
    let page = boss.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_secure_html(&page, "/admin");
    let html = page.text();
    assert!(html.contains("수집 현황") && html.contains("<th scope=\"row\">ntis</th>"), "{html}");
    assert!(html.contains("/static/admin."), "the live client is loaded");
    assert!(html.contains("href=\"/admin\""), "admins see the admin entry in the menu");
}

/// `connect serve` in miniature: the real router on a real TCP port.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = connect::api::router(app.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

fn ws_request(addr: SocketAddr, cookies: &Browser) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/api/admin/live").into_client_request().unwrap();
    let cookie: Vec<String> = cookies.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    request.headers_mut().insert("cookie", cookie.join("; ").parse().unwrap());
    request
}

#[tokio::test]
async fn an_admin_receives_live_progress_over_a_real_websocket() {
    let app = app().await;
    scrape_run(&app, "bizinfo").await;
    let addr = serve(&app).await;

    // A logged-in non-admin is refused before the upgrade.
    let user = person(&app.state, "plain@example.com").await;
    match tokio_tungstenite::connect_async(ws_request(addr, &user)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("expected 403, got {:?}", other.map(|(_, r)| r.status())),
    }

    // An admin, logged in through the API, gets a progress message within about a second.
    let boss = admin(&app, "live@example.com").await;
    let (mut socket, response) = tokio_tungstenite::connect_async(ws_request(addr, &boss)).await.unwrap();
    assert_eq!(response.status(), 101);
    let started = std::time::Instant::now();
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a message within 5 s")
        .unwrap()
        .unwrap();
    let progress: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
    assert_eq!(progress["type"], "progress");
    let queues: Vec<&str> =
        progress["queues"].as_array().unwrap().iter().map(|q| q["name"].as_str().unwrap()).collect();
    assert_eq!(queues, ["scrape", "attachments"], "{progress}");
    assert_eq!(progress["queues"][0]["pending"], 0);
    assert_eq!(progress["runs"][0]["source"], "bizinfo");
    assert_eq!(progress["runs"][0]["new_items"], 7);
    assert_eq!(progress["runs"][0]["status_label"], "완료");

    // And another one a second later, with a run recorded in between.
    scrape_run(&app, "kstartup").await;
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next()).await.unwrap().unwrap().unwrap();
    let next: serde_json::Value = serde_json::from_str(next.to_text().unwrap()).unwrap();
    assert_eq!(next["runs"][0]["source"], "kstartup");
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "one message a second");
}

/// The hidden `_csrf` value of a page's form.
fn form_token(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a CSRF field") + "name=\"_csrf\" value=\"".len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Posts a urlencoded form as a browser without JavaScript would, with the browser's cookies.
async fn post_form(browser: &mut Browser, path: &str, fields: &[(&str, &str)]) -> common::browser::Response {
    let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let cookie: Vec<String> = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie.join("; "))
        .header("x-real-ip", &browser.ip)
        .body(axum::body::Body::from(body))
        .unwrap();
    browser.raw(request).await
}

#[tokio::test]
async fn sign_up_and_log_in_work_without_javascript() {
    let app = app().await;
    let mut visitor = Browser::new(&app.state, "10.1.0.9");
    let page = visitor.get("/signup").await;
    assert_eq!(header(&page, "cache-control"), "private, no-store");
    assert!(visitor.cookies.contains_key("connect_csrf"), "the form page sets the double-submit cookie");
    let token = form_token(&page.text());
    let terms = connect::api::auth::signup::TERMS_VERSION;
    let privacy = connect::api::auth::signup::PRIVACY_VERSION;

    // A form from elsewhere (no matching token) is refused, and the person sees why.
    let forged = post_form(&mut visitor, "/signup", &[("_csrf", "forged"), ("email", "park@example.com")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("양식이 만료되었습니다"));

    // A mistake comes back as the form with the API's message and the email kept.
    let short = [
        ("_csrf", token.as_str()),
        ("email", "park@example.com"),
        ("password", "짧음"),
        ("terms_version", terms),
        ("privacy_version", privacy),
    ];
    let again = post_form(&mut visitor, "/signup", &short).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    let html = again.text();
    assert!(
        html.contains("비밀번호는 10자 이상이어야 합니다") && html.contains("value=\"park@example.com\""),
        "{html}"
    );

    let fields = [
        ("_csrf", token.as_str()),
        ("email", "park@example.com"),
        ("password", PASSWORD),
        ("name", "박연구"),
        ("terms_version", terms),
        ("privacy_version", privacy),
    ];
    let created = post_form(&mut visitor, "/signup", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    assert_eq!(created.location(), "/account?welcome=1");
    assert!(visitor.cookies.contains_key("connect_session"));
    assert!(visitor.get("/account").await.text().contains("park@example.com"));

    // Log in again from a fresh browser, and follow `next`.
    let mut again = Browser::new(&app.state, "10.1.0.10");
    let token = form_token(&again.get("/login?next=/orgs/new").await.text());
    let wrong = post_form(
        &mut again,
        "/login",
        &[("_csrf", &token), ("email", "park@example.com"), ("password", "틀린 비밀번호입니다 1234")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text().contains("이메일 또는 비밀번호가 올바르지 않습니다"));
    let fields =
        [("_csrf", token.as_str()), ("_next", "/orgs/new"), ("email", "park@example.com"), ("password", PASSWORD)];
    let logged_in = post_form(&mut again, "/login", &fields).await;
    assert_eq!(logged_in.status, StatusCode::SEE_OTHER);
    assert_eq!(logged_in.location(), "/orgs/new");
    assert_eq!(again.get("/orgs/new").await.status, StatusCode::OK);
}

/// A program page offers saving to people who are logged in (a login link to visitors); `/saved`
/// lists the saved programs with D-day, the saved searches as catalogue URLs, the calendar feed
/// form and in-app notifications, for that person only.
#[tokio::test]
async fn saved_programs_searches_and_the_calendar_have_a_page() {
    let app = app().await;
    let ids = catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "10.1.0.9");
    let public = visitor.get(&format!("/programs/{}", ids[0])).await.text();
    assert!(public.contains(&format!("/login?next=/programs/{}", ids[0])) && !public.contains("관심 공고로 저장"));
    assert_eq!(visitor.get("/saved").await.location(), "/login?next=%2Fsaved");

    let mut lee = person(&app.state, "lee@example.com").await;
    let page = lee.get(&format!("/programs/{}", ids[0])).await.text();
    assert!(
        page.contains(&format!("data-api=\"/api/me/saved/{}\"", ids[0])) && page.contains("관심 공고로 저장"),
        "{page}"
    );
    let put = lee.send(Method::PUT, &format!("/api/me/saved/{}", ids[0]), None).await;
    assert_eq!(put.status, StatusCode::NO_CONTENT);
    let search = lee.post("/api/me/searches", json!({"name": "서울 AI", "query": "q=AI&region=seoul"})).await;
    assert_eq!(search.status, StatusCode::CREATED, "{}", search.text());

    let saved = lee.get("/saved").await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(header(&saved, "cache-control"), "private, no-store");
    let html = saved.text();
    let title = app.db.client().await.query_one("SELECT title FROM programs WHERE id = $1", &[&ids[0]]).await.unwrap();
    assert!(html.contains(title.get::<_, &str>(0)), "{html}");
    assert!(html.contains("관심 공고 (1)") && html.contains("D-"), "{html}");
    assert!(
        html.contains("/programs?q=AI&amp;region=seoul") || html.contains("/programs?q=AI&#38;region=seoul"),
        "{html}"
    );
    assert!(html.contains("data-api=\"/api/me/calendar\""), "{html}");
    assert!(html.contains("name=\"2.min_score\" value=\"70\"") && html.contains("주간 요약"), "{html}");

    let other = person(&app.state, "park@example.com").await.get("/saved").await.text();
    assert!(other.contains("관심 공고 (0)") && !other.contains(title.get::<_, &str>(0)), "only one's own");
}

/// The admin console lists dead jobs with their last error and puts one back on its queue (or
/// discards it); the API behind it refuses everyone but staff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_dead_jobs_and_puts_one_back() {
    let app = app().await;
    let scrape = connect::ingest::worker::SCRAPE_QUEUE;
    let jobs = app.state.jobs.clone();
    common::dead_scrape_jobs(&jobs, &["nipa-board", "kocca-board"], "robots.txt가 수집을 막았습니다").await;

    let mut kim = person(&app.state, "kim.jobs@example.com").await;
    assert_eq!(kim.get("/api/admin/jobs/dead").await.status, StatusCode::FORBIDDEN);
    let mut staff = admin(&app, "ops@example.com").await;
    let page = staff.get("/admin").await.text();
    assert!(page.contains("실패한 작업") && page.contains("robots.txt가 수집을 막았습니다"), "{page}");
    assert!(page.contains("nipa-board") && page.contains("/retry\""), "{page}");

    let dead = staff.get("/api/admin/jobs/dead").await.json();
    let ids: Vec<String> = dead.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "{dead}");
    assert_eq!(dead[0]["queue"], "scrape");
    let retried = staff.post(&format!("/api/admin/jobs/scrape/{}/retry", ids[0]), json!({})).await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text());
    let again = staff.post(&format!("/api/admin/jobs/scrape/{}/retry", ids[0]), json!({})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "a job is put back once");
    let gone = staff.send(Method::DELETE, &format!("/api/admin/jobs/scrape/{}", ids[1]), None).await;
    assert_eq!(gone.status, StatusCode::OK);
    let stats = jobs.stats(scrape).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (1, 0), "{stats:?}");
    assert_eq!(staff.post("/api/admin/jobs/elsewhere/x/retry", json!({})).await.status, StatusCode::BAD_REQUEST);
}

/// `/admin/stats` shows staff the business figures (registrations, organisations, matches, scrape
/// success per source); everyone else gets the 404 page.
#[tokio::test]
async fn staff_see_the_business_statistics() {
    let app = app().await;
    catalogue(&app).await;
    scrape_run(&app, "nipa-board").await;
    app.db
        .client()
        .await
        .execute("INSERT INTO scrape_runs (source, status, finished_at) VALUES ('nipa-board', 'failed', now())", &[])
        .await
        .unwrap();
    let mut kim = person(&app.state, "stats.kim@example.com").await;
    assert_eq!(kim.get("/admin/stats").await.status, StatusCode::NOT_FOUND);
    let mut staff = admin(&app, "stats.ops@example.com").await;
    let page = staff.get("/admin/stats").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "cache-control"), "private, no-store");
    let html = page.text();
    assert!(html.contains("회원</dt><dd>2명"), "{html}");
    assert!(html.contains("<th scope=\"row\">nipa-board</th><td>1</td><td>1</td><td>50.0%</td>"), "{html}");
}

/// `/admin/users` lists people and organisations through the audited admin API; only a SUPER_ADMIN
/// gets the role forms; everyone else gets the 404 page.
#[tokio::test]
async fn staff_see_people_and_organisations_and_the_view_is_audited() {
    let app = app().await;
    let mut kim = person(&app.state, "people.kim@example.com").await;
    assert_eq!(kim.get("/admin/users").await.status, StatusCode::NOT_FOUND);
    kim.post("/api/orgs", json!({"kind": "company", "name": "김씨네 연구소"})).await;
    let mut staff = admin(&app, "people.ops@example.com").await;
    let html = staff.get("/admin/users?q=kim").await.text();
    assert!(html.contains("people.kim@example.com") && !html.contains("people.ops@example.com"), "{html}");
    assert!(html.contains("김씨네 연구소") && !html.contains("data-method=\"PATCH\""), "{html}");
    let audited: i64 = app
        .db
        .client()
        .await
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'admin.users_listed'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);
    connect::accounts::grant(&app.db.client().await, "people.ops@example.com", connect::accounts::Role::SuperAdmin)
        .await
        .unwrap();
    staff.login("people.ops@example.com", PASSWORD).await;
    let html = staff.get("/admin/users").await.text();
    assert!(html.contains("data-method=\"PATCH\"") && html.contains("최고 관리자"), "{html}");
}

/// `/sectors` lists the 지원분야 with their counts, and each has a page of its own: the catalogue
/// filtered to it under its own title, canonical address and breadcrumbs, in the sitemap and linked
/// from the landing page. A sector no program has is 404.
#[tokio::test]
async fn every_sector_has_a_page_of_its_own() {
    let app = app().await;
    catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "10.1.0.31");
    let url = format!("/sectors/{}", enc("기술"));
    let index = visitor.get("/sectors").await;
    assert_eq!(index.status, StatusCode::OK);
    let index = unescape(&index.text());
    assert!(index.contains(&format!("href=\"{url}\">기술</a>")) && index.contains("1건"), "{index}");
    assert!(visitor.get("/").await.text().contains(&format!("href=\"{url}\"")), "linked from the landing page");

    let sector = visitor.get(&url).await;
    assert_eq!(sector.status, StatusCode::OK);
    let html = unescape(&sector.text());
    assert!(html.contains("<h1>기술 분야 지원사업</h1>") || html.contains("기술 분야 지원사업</h1>"), "{html}");
    assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{PUBLIC_URL}{url}\">")), "{html}");
    assert!(html.contains("2026년 AI 바우처 지원사업 공고 (서울)") && !html.contains("수출 바우처 사업"), "{html}");
    assert!(html.contains("href=\"/sectors\""), "breadcrumbs lead back to the sectors");
    assert_eq!(visitor.get(&format!("/sectors/{}", enc("없는 분야"))).await.status, StatusCode::NOT_FOUND);
    let sitemap = visitor.get("/sitemap.xml").await.text();
    assert!(sitemap.contains(&format!("<loc>{PUBLIC_URL}{url}</loc>")), "{sitemap}");
}

/// Every page keeps its structure (tests/snapshots, see `common::outline`): landmarks, headings,
/// forms and their labels, links and the hooks of the page scripts, for a visitor, a member of an
/// organisation with matches, and staff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_keep_their_structure() {
    let app = app().await;
    let ids = catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "10.1.0.30");
    let public = [
        ("home", "/".to_string()),
        ("catalogue", format!("/programs?q={}&region=seoul", enc("AI 바우처"))),
        ("program", format!("/programs/{}", ids[0])),
        ("pricing", "/pricing".into()),
        ("terms", "/terms".into()),
        ("privacy", "/privacy".into()),
        ("refund", "/refund".into()),
        ("login", "/login".into()),
        ("signup", "/signup".into()),
        ("reset_password", "/reset-password".into()),
        ("verify_email", "/verify-email?token=abc".into()),
        ("not_found", "/no-such-page".into()),
        ("sectors", "/sectors".into()),
        ("sector", format!("/sectors/{}", enc("기술"))),
    ];
    for (name, path) in &public {
        common::outline::assert_snapshot(name, &visitor.get(path).await.text());
    }

    let mut member = person(&app.state, "structure@example.com").await;
    common::outline::assert_snapshot("dashboard_without_organisation", &member.get("/dashboard").await.text());
    common::outline::assert_snapshot("organisation_new", &member.get("/orgs/new").await.text());
    let profile = json!({"scales": ["sme"], "established_on": "2020-03-01", "tech_keywords": ["인공지능"],
        "locations": [{"kind": "headquarters", "region": "seoul"}]});
    let created = member.post("/api/orgs", json!({"kind": "company", "name": "구조 연구소", "profile": profile})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let org = created.json()["id"].as_i64().unwrap();
    connect::matching::jobs::rematch_pending(&app.state.db, Clock::now().today()).await.unwrap();
    assert_eq!(
        member.send(Method::PUT, &format!("/api/me/saved/{}", ids[0]), None).await.status,
        StatusCode::NO_CONTENT
    );
    for (name, path) in [
        ("dashboard", "/dashboard".to_string()),
        ("dashboard_board", "/dashboard/board".into()),
        ("saved", "/saved".into()),
        ("account", "/account".into()),
        ("organisation", format!("/orgs/{org}")),
        ("program_logged_in", format!("/programs/{}", ids[0])),
    ] {
        let page = member.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text());
        common::outline::assert_snapshot(name, &page.text());
    }

    let mut staff = admin(&app, "structure.ops@example.com").await;
    for (name, path) in [
        ("admin", "/admin".to_string()),
        ("admin_stats", "/admin/stats".into()),
        ("admin_users", "/admin/users".into()),
        ("admin_programs", format!("/admin/programs?q={}", enc("바우처"))),
        ("admin_program", format!("/admin/programs/{}", ids[0])),
        ("admin_duplicates", "/admin/duplicates".into()),
    ] {
        let page = staff.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text());
        common::outline::assert_snapshot(name, &page.text());
    }
}
