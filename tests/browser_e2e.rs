//! End-to-end visits in a real headless Chromium (ChromeDriver over WebDriver, phone-sized window):
//! a visitor searches `AI 바우처`, narrows it to a region with the filter boxes, signs up, lands on
//! their account page, saves a program and sets notifications; an administrator retries a dead
//! scrape job and watches a scrape run arrive live over the WebSocket; staff correct a program in its
//! editor and undo it; an owner subscribes from the pricing page through Toss's card registration
//! (the fake Toss's SDK and window) and asks for a refund. The app runs on a real TCP port with its
//! assets, CSP and JS.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`scripts/install-browser.sh`). Without
//! `/usr/bin/chromedriver` the test is skipped with a message — except under CI (`CI=true`), where
//! it must run.

mod common;

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{record, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// ChromeDriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, port }
    }

    async fn browser(&self) -> Client {
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                // As root in a container Chromium needs both flags (FINDINGS §4); a phone-sized window.
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=412,915", "--lang=ko-KR"]
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(app: &TestApp) -> SocketAddr {
    serve_on(app, tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap())
}

/// Serves `app` on a listener bound before the app was built (whose public URL is its address).
fn serve_on(app: &TestApp, listener: tokio::net::TcpListener) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    let router = connect::api::router(app.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Waits until the page's URL satisfies `check`.
async fn wait_for_url(browser: &Client, what: &str, check: impl Fn(&url::Url) -> bool) -> url::Url {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = browser.current_url().await.unwrap();
        if check(&url) {
            return url;
        }
        assert!(Instant::now() < deadline, "waited for {what}; still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn query(url: &url::Url, name: &str) -> Vec<String> {
    url.query_pairs().filter(|(k, _)| k == name).map(|(_, v)| v.into_owned()).collect()
}

/// Whether ChromeDriver is here; under CI it must be.
fn browser_installed() -> bool {
    if std::path::Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI must run the browser test: install it with scripts/install-browser.sh"
    );
    eprintln!("SKIPPED: {CHROMEDRIVER} is missing; run scripts/install-browser.sh to run this test");
    false
}

#[tokio::test]
async fn a_visitor_searches_filters_by_region_signs_up_and_sees_the_account() {
    if !browser_installed() {
        return;
    }
    // Plain HTTP on loopback: cookies without Secure, as in development; mails to a local SMTP sink.
    let sink = mail::sink::Sink::start().await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port());
    let app = TestApp::with(&[("CONNECT_COOKIE_SECURE", "false"), ("SMTP_URL", &smtp)]).await;
    let records = [
        record("seoul", "AI 바우처 지원사업 (서울)", json!({"regions_raw": "서울", "ministry": "과학기술정보통신부"})),
        record(
            "busan",
            "AI 바우처 공급기업 모집 (부산)",
            json!({"regions_raw": "부산", "ministry": "과학기술정보통신부"}),
        ),
        record("other", "수출 바우처 참여기업 모집", json!({"regions_raw": "서울"})),
    ];
    app.import(&records.join("\n")).await;
    let addr = serve(&app).await;
    let driver = Driver::start().await;
    let browser = driver.browser().await;
    let base = format!("http://{addr}");
    let shots = std::env::temp_dir().join("connect-e2e");
    let _ = std::fs::create_dir_all(&shots);

    // 1. The landing page, then a search from its box.
    browser.goto(&format!("{base}/")).await.unwrap();
    browser.find(Locator::Css("#hero-q")).await.unwrap().send_keys("AI 바우처").await.unwrap();
    browser.find(Locator::Css(".hero button[type=submit]")).await.unwrap().click().await.unwrap();
    let url = wait_for_url(&browser, "the search results", |u| u.path() == "/programs").await;
    assert_eq!(query(&url, "q"), ["AI 바우처"]);
    let results = browser.source().await.unwrap();
    assert!(results.contains("AI 바우처 지원사업 (서울)") && results.contains("AI 바우처 공급기업 모집 (부산)"));
    assert!(!results.contains("수출 바우처 참여기업 모집"), "every word must match");

    // 2. On a phone the filters are folded away under the results' heading: open them, then ticking
    //    서울 applies the filter at once (app.js submits the form) and keeps it in the URL.
    let filters = browser.find(Locator::Css("details.filters-box")).await.unwrap();
    assert_eq!(filters.prop("open").await.unwrap().as_deref(), Some("false"), "folded on a phone");
    browser.find(Locator::Css("details.filters-box > summary")).await.unwrap().click().await.unwrap();
    let seoul = browser.find(Locator::XPath("//label[starts-with(normalize-space(.), '서울')]")).await.unwrap();
    seoul.click().await.unwrap();
    let url =
        wait_for_url(&browser, "the region filter", |u| u.query_pairs().any(|(k, v)| k == "region" && v == "seoul"))
            .await;
    assert_eq!(query(&url, "q"), ["AI 바우처"], "the words stay");
    assert!(query(&url, "deadline_from").is_empty(), "empty fields stay out of the URL");
    let filtered = browser.source().await.unwrap();
    assert!(filtered.contains("AI 바우처 지원사업 (서울)"));
    assert!(!filtered.contains("AI 바우처 공급기업 모집 (부산)"), "Busan is filtered out");
    let checked = browser.find(Locator::Css("input[name=region][value=seoul]")).await.unwrap();
    assert_eq!(checked.prop("checked").await.unwrap().as_deref(), Some("true"));
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(shots.join("programs.png"), png);
    }

    // 3. Sign up through the form (fetch to the JSON API with the CSRF token) and land on the account.
    browser.find(Locator::Css("a[href='/signup']")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the sign-up page", |u| u.path() == "/signup").await;
    browser.find(Locator::Css("#email")).await.unwrap().send_keys("browser@example.com").await.unwrap();
    browser.find(Locator::Css("#password")).await.unwrap().send_keys("정말 튼튼한 비밀번호 2026").await.unwrap();
    browser.find(Locator::Css("#name")).await.unwrap().send_keys("김브라우저").await.unwrap();
    browser.find(Locator::Css("label[for=terms]")).await.unwrap().click().await.unwrap();
    browser.find(Locator::Css("label[for=privacy]")).await.unwrap().click().await.unwrap();
    browser.find(Locator::Css("form[data-api] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the account page", |u| u.path() == "/account").await;
    let account = browser.source().await.unwrap();
    assert!(account.contains("내 계정") && account.contains("browser@example.com"), "{account}");
    assert!(account.contains("김브라우저"));
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(shots.join("account.png"), png);
    }

    // The account exists in PostgreSQL with both consents recorded.
    let consents: i64 = app
        .db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM consents c JOIN users u ON u.id = c.user_id WHERE u.email = 'browser@example.com'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(consents, 2);

    // The verification mail's link confirms the address.
    let mails = sink.wait_for(1, Duration::from_secs(10)).await;
    let text = mails[0].text_body().expect("a text body");
    let token =
        text[text.find("token=").expect("a link") + "token=".len()..].split_whitespace().next().unwrap().to_string();
    browser.goto(&format!("{base}/verify-email?token={token}")).await.unwrap();
    browser
        .find(Locator::Css("form[data-api='/api/auth/verify-email'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "이메일 주소를 확인했습니다").await;

    // An organisation, registered in the browser; the worker's matcher runs; the dashboard shows
    // its matches with the badge, score and reasons.
    browser.goto(&format!("{base}/orgs/new")).await.unwrap();
    browser.find(Locator::Css("#name")).await.unwrap().send_keys("브라우저 주식회사").await.unwrap();
    browser.find(Locator::Css("form[data-api='/api/orgs'] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the organisation editor", |u| u.path().starts_with("/orgs/") && u.path() != "/orgs/new")
        .await;
    connect::matching::jobs::rematch_pending(&app.state.db, connect::catalog::Clock::now().today()).await.unwrap();
    browser.goto(&format!("{base}/dashboard")).await.unwrap();
    let dashboard = browser.source().await.unwrap();
    assert!(dashboard.contains("AI 바우처 지원사업 (서울)") && dashboard.contains("적합도"), "{dashboard}");
    assert!(dashboard.contains("class=\"reasons\"") || dashboard.contains("class=\"warnings\""), "{dashboard}");

    // On a program page the new account saves the program; on /saved it turns the weekly digest's
    // mail off and raises the new-match threshold, both sent by app.js to the JSON API.
    browser.goto(url.as_str()).await.unwrap();
    browser.find(Locator::Css("ul.cards h3 a")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "a program page", |u| u.path().starts_with("/programs/")).await;
    browser
        .find(Locator::XPath("//button[normalize-space(.)='관심 공고로 저장']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "관심 공고에 저장했습니다").await;
    browser.goto(&format!("{base}/saved")).await.unwrap();
    assert!(browser.source().await.unwrap().contains("관심 공고 (1)"));
    browser.find(Locator::Css("input[name='1.mail']")).await.unwrap().click().await.unwrap();
    let threshold = browser.find(Locator::Css("input[name='2.min_score']")).await.unwrap();
    threshold.clear().await.unwrap();
    threshold.send_keys("85").await.unwrap();
    browser
        .find(Locator::Css("form[data-api='/api/me/notification-settings'] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&browser, "알림 설정을 저장했습니다").await;
    let row = app
        .db
        .client()
        .await
        .query_one(
            "SELECT (SELECT mail FROM notification_settings s WHERE s.user_id = u.id AND kind = 'digest'),
                    (SELECT min_score FROM notification_settings s WHERE s.user_id = u.id AND kind = 'new_match')
               FROM users u WHERE u.email = 'browser@example.com'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, Option<bool>>(0), row.get::<_, Option<i16>>(1)), (Some(false), Some(85)));

    // The calendar feed: a secret address made on the page (after a confirmation), holding the
    // saved program's deadline.
    browser
        .find(Locator::XPath("//button[normalize-space(.)='캘린더 주소 만들기']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.accept_alert().await.unwrap();
    wait_for_text(&browser, ".ics").await;
    let page = browser.source().await.unwrap();
    let start = page.find("/api/calendar/").expect("the feed's address on the page");
    let path: String = page[start..].chars().take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"').collect();
    let feed = common::browser::Browser::new(&app.state, "10.9.0.1").get(&path).await;
    assert_eq!(feed.status, axum::http::StatusCode::OK, "{path}");
    assert!(feed.text().contains("BEGIN:VCALENDAR") && feed.text().contains("AI 바우처"), "{}", feed.text());
    browser.close().await.unwrap();
}

/// Waits until the page shows `text` (a form's status line, say).
/// Waits until the page shows `text` (its rendered text: the same words in an attribute, such as a
/// form's `data-done` message, do not count).
async fn wait_for_text(browser: &Client, text: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let shown = browser.execute("return document.body.innerText", vec![]).await.unwrap();
        if shown.as_str().is_some_and(|shown| shown.contains(text)) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the page never showed '{text}'");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_retries_a_dead_job_and_watches_progress_live() {
    if !browser_installed() {
        return;
    }
    let app = TestApp::with(&[("CONNECT_COOKIE_SECURE", "false")]).await;
    // A scrape job that a worker dead-letters at once.
    let scrape = connect::ingest::worker::SCRAPE_QUEUE;
    let jobs = app.state.jobs.clone();
    common::dead_scrape_jobs(&jobs, &["keit-board"], "HTTP 503: 기관 사이트 점검 중").await;
    common::browser::person(&app.state, "ops@connect.test").await;
    connect::accounts::grant(&app.db.client().await, "ops@connect.test", connect::accounts::Role::Admin).await.unwrap();

    let addr = serve(&app).await;
    let driver = Driver::start().await;
    let browser = driver.browser().await;
    let base = format!("http://{addr}");
    browser.goto(&format!("{base}/login?next=/admin")).await.unwrap();
    browser.find(Locator::Css("#email")).await.unwrap().send_keys("ops@connect.test").await.unwrap();
    browser.find(Locator::Css("#password")).await.unwrap().send_keys(common::browser::PASSWORD).await.unwrap();
    browser.find(Locator::Css("form[data-api] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the admin console", |u| u.path() == "/admin").await;
    wait_for_text(&browser, "기관 사이트 점검 중").await;

    // 다시 실행: the job goes back on its queue and the page reloads without it.
    browser.find(Locator::XPath("//button[normalize-space(.)='다시 실행']")).await.unwrap().click().await.unwrap();
    wait_for_text(&browser, "실패해 보관된 작업이 없습니다").await;
    let stats = jobs.stats(scrape).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (1, 0), "{stats:?}");

    // A scrape finishing now appears on the open page, pushed over the WebSocket (no reload).
    assert!(!browser.source().await.unwrap().contains("live-e2e-source"));
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO scrape_runs (source, status, pages, new_items, finished_at)
             VALUES ('live-e2e-source', 'succeeded', 3, 12, now())",
            &[],
        )
        .await
        .unwrap();
    wait_for_text(&browser, "live-e2e-source").await;
    let state = browser.find(Locator::Css("#live-state")).await.unwrap().text().await.unwrap();
    assert!(!state.contains("준비 중"), "the live connection is up: {state}");
    browser.close().await.unwrap();
}

/// Staff open a program's editor, correct its title and regions through the page's form (the JS
/// sends only the changed fields), see the revision in the history, and undo it with 되돌리기.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_correct_a_program_in_the_editor_and_undo_it() {
    if !browser_installed() {
        return;
    }
    let app = TestApp::with(&[("CONNECT_COOKIE_SECURE", "false")]).await;
    app.import(&record(
        "edit-me",
        "브라우저 편집 시험 공고",
        json!({"regions_raw": "서울", "ministry": "중소벤처기업부"}),
    ))
    .await;
    let client = app.db.client().await;
    let id: i64 = client.query_one("SELECT id FROM programs WHERE external_id = 'edit-me'", &[]).await.unwrap().get(0);
    common::browser::person(&app.state, "editor@connect.test").await;
    connect::accounts::grant(&client, "editor@connect.test", connect::accounts::Role::Admin).await.unwrap();

    let addr = serve(&app).await;
    let driver = Driver::start().await;
    let browser = driver.browser().await;
    let editor = format!("/admin/programs/{id}");
    browser.goto(&format!("http://{addr}/login?next={editor}")).await.unwrap();
    browser.find(Locator::Css("#email")).await.unwrap().send_keys("editor@connect.test").await.unwrap();
    browser.find(Locator::Css("#password")).await.unwrap().send_keys(common::browser::PASSWORD).await.unwrap();
    browser.find(Locator::Css("form[data-api] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the editor", |u| u.path() == editor).await;

    let title = browser.find(Locator::Css("#f-title")).await.unwrap();
    title.clear().await.unwrap();
    title.send_keys("브라우저에서 고친 제목").await.unwrap();
    browser.find(Locator::Css("#f-regions-busan")).await.unwrap().click().await.unwrap();
    browser.find(Locator::Css("#fields-note")).await.unwrap().send_keys("정정공고 반영").await.unwrap();
    browser.find(Locator::XPath("//button[normalize-space(.)='항목 저장']")).await.unwrap().click().await.unwrap();
    wait_for_text(&browser, "공고명: 게시처 값 → 브라우저에서 고친 제목").await;
    let row = client.query_one("SELECT title, regions, ministry FROM programs WHERE id = $1", &[&id]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "브라우저에서 고친 제목");
    assert_eq!(row.get::<_, Vec<String>>(1), ["seoul", "busan"]);
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("중소벤처기업부"), "untouched fields are not sent");

    browser.find(Locator::XPath("(//button[normalize-space(.)='되돌리기'])[1]")).await.unwrap().click().await.unwrap();
    browser.accept_alert().await.unwrap();
    wait_for_text(&browser, "되돌리기 (#").await;
    let title: String = client.query_one("SELECT title FROM programs WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(title, "브라우저 편집 시험 공고");
    browser.close().await.unwrap();
}

/// An owner chooses PRO monthly on the pricing page, registers a card in Toss's window (the fake's)
/// and lands on the billing page with the payment, then asks for a refund.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_subscribes_from_the_pricing_page_and_asks_for_a_refund() {
    if !browser_installed() {
        return;
    }
    // The fake Toss serves the SDK and the card registration window; the app's public URL (the
    // success and fail URLs) is its own loopback address, bound before it is built.
    let toss = toss::fake::FakeToss::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (api_url, sdk_url) = (toss.base_url().to_string(), toss.sdk_url().to_string());
    let app = TestApp::with(&[
        ("CONNECT_COOKIE_SECURE", "false"),
        ("CONNECT_PUBLIC_URL", &base),
        ("TOSS_CLIENT_KEY", toss.client_key()),
        ("TOSS_SECRET_KEY", toss.secret_key()),
        ("TOSS_API_URL", &api_url),
        ("TOSS_SDK_URL", &sdk_url),
    ])
    .await;
    serve_on(&app, listener);
    let mut owner = common::browser::person(&app.state, "owner@cardlab.kr").await;
    let org = common::billing::company(&mut owner, "주식회사 카드랩", None).await;

    let driver = Driver::start().await;
    let browser = driver.browser().await;
    browser.goto(&format!("{base}/login?next=/pricing")).await.unwrap();
    browser.find(Locator::Css("#email")).await.unwrap().send_keys("owner@cardlab.kr").await.unwrap();
    browser.find(Locator::Css("#password")).await.unwrap().send_keys(common::browser::PASSWORD).await.unwrap();
    browser.find(Locator::Css("form[data-api] button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_url(&browser, "the pricing page", |u| u.path() == "/pricing").await;

    // PRO monthly → the organisation's checkout page, with the order.
    browser
        .find(Locator::Css("a[href='/billing/checkout?plan=PRO&cycle=monthly']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let checkout = format!("/orgs/{org}/billing/checkout");
    wait_for_url(&browser, "the checkout page", |u| u.path() == checkout).await;
    let page = browser.source().await.unwrap();
    assert!(page.contains("20,900원") && page.contains("부가세 1,900원 포함"), "{page}");
    let shots = std::env::temp_dir().join("connect-e2e");
    let _ = std::fs::create_dir_all(&shots);
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(shots.join("checkout.png"), png);
    }

    // The button asks the API for a checkout and opens the (fake) Toss window, which registers the
    // card and sends the browser through the success URL to the billing page.
    browser
        .find(Locator::XPath("//button[normalize-space(.)='카드 등록하고 결제하기']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let billing = format!("/orgs/{org}/billing");
    let url = wait_for_url(&browser, "the billing page", |u| u.path() == billing).await;
    assert_eq!(query(&url, "result"), ["active"]);
    wait_for_text(&browser, "결제가 완료되었습니다").await;
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(shots.join("billing.png"), png);
    }
    let current = browser.find(Locator::Css("#current-plan")).await.unwrap().text().await.unwrap();
    assert_eq!(current, "프로");
    let page = browser.source().await.unwrap();
    assert!(page.contains("20,900원") && page.contains("결제 완료") && page.contains("Connect PRO 월간"), "{page}");
    assert!(page.contains("남은 결제 금액 전액 20,900원을 돌려받습니다"), "{page}");
    assert_eq!(toss.hits(toss::fake::Endpoint::BillingAuth), 1);
    assert_eq!(toss.payment_count(), 1);

    // A refund request with a reason, confirmed, then acknowledged on the page.
    browser
        .find(Locator::Css("#refund-reason"))
        .await
        .unwrap()
        .send_keys("담당자가 실수로 결제했습니다")
        .await
        .unwrap();
    browser.find(Locator::XPath("//button[normalize-space(.)='환불 요청']")).await.unwrap().click().await.unwrap();
    browser.accept_alert().await.unwrap();
    wait_for_text(&browser, "환불을 요청했습니다").await;
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(shots.join("refund.png"), png);
    }
    let reason: String = app
        .db
        .client()
        .await
        .query_one("SELECT reason FROM refund_requests WHERE organization_id = $1 AND status = 'open'", &[&org])
        .await
        .unwrap()
        .get(0);
    assert_eq!(reason, "담당자가 실수로 결제했습니다");
    browser.close().await.unwrap();
}
