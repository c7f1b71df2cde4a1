//! The admin console's program data editor end to end, through the real router, PostgreSQL, Redis,
//! search and a real scrape of a recorded NTIS feed: staff correct fields and rules, every edit is a
//! revision with actor, KST time and note, undo restores (and is itself recorded) but refuses to
//! overwrite a later edit, corrections and duplicate splits and merges survive re-scrapes, and
//! nobody but staff can read or change any of it.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use common::browser::{person, Browser, PASSWORD};
use common::{enc, TestApp};
use connect::ingest::config::Sources;
use fetch::{FetchConfig, Fetcher};
use serde_json::{json, Value};

async fn staff(app: &TestApp, email: &str) -> Browser {
    let mut browser = person(&app.state, email).await;
    connect::accounts::grant(&app.db.client().await, email, connect::accounts::Role::Admin).await.unwrap();
    let login = browser.login(email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    browser
}

async fn id_of(app: &TestApp, source: &str, external_id: &str) -> i64 {
    app.db
        .client()
        .await
        .query_one("SELECT id FROM programs WHERE source = $1 AND external_id = $2", &[&source, &external_id])
        .await
        .unwrap()
        .get(0)
}

async fn title_of(app: &TestApp, id: i64) -> String {
    app.db.client().await.query_one("SELECT title FROM programs WHERE id = $1", &[&id]).await.unwrap().get(0)
}

async fn canonical_of(app: &TestApp, id: i64) -> Option<i64> {
    app.db.client().await.query_one("SELECT canonical_id FROM programs WHERE id = $1", &[&id]).await.unwrap().get(0)
}

/// A feed site serving one recorded NTIS RSS payload, which the test may edit between scrapes.
async fn feed_site(payload: String) -> (Arc<Mutex<String>>, Sources) {
    let feed = Arc::new(Mutex::new(payload));
    let served = feed.clone();
    let app = axum::Router::new()
        .route("/robots.txt", axum::routing::get(|| async { "User-agent: *\nAllow: /\n" }))
        .route("/ntis/rss.xml", axum::routing::get(move || async move { served.lock().unwrap().clone() }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let sources = Sources::parse(
        &format!(
            "[[source]]\nname = \"ntis-rss\"\nsource = \"ntis\"\nkind = \"ntis-rss\"\nurl = \"{base}/ntis/rss.xml\"\n"
        ),
        |_| None,
    )
    .unwrap();
    (feed, sources)
}

async fn scrape(app: &TestApp, sources: &Sources) -> connect::ingest::scrape::ScrapeReport {
    let fetcher = Fetcher::new(FetchConfig {
        min_delay: Duration::ZERO,
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        ..FetchConfig::default()
    })
    .unwrap();
    let report = connect::ingest::scrape::scrape(sources.get("ntis-rss").unwrap(), &fetcher, &app.state.db, &|_| {})
        .await
        .unwrap();
    app.sync().await;
    report
}

fn ntis_feed() -> String {
    std::fs::read_to_string(format!(
        "{}/crates/sources/tests/data/ntis-rss-unRndRss-2026-08-21.xml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The feed with its first item's title replaced (the channel and its logo come first).
fn with_first_title(feed: &str, title: &str) -> String {
    let first = feed.split("<title>").nth(3).unwrap().split("</title>").next().unwrap();
    feed.replacen(first, title, 1)
}

#[tokio::test]
async fn nobody_but_staff_can_read_or_change_program_data() {
    let app = TestApp::new().await;
    app.import(&common::record("a", "보안 점검용 공고", json!({}))).await;
    let id = id_of(&app, "test", "a").await;
    let mut boss = staff(&app, "editor.boss@connect.kr").await;
    let fixed = boss
        .send(Method::PUT, &format!("/api/admin/programs/{id}/fields"), Some(json!({"fields": {"title": "직원 제목"}})))
        .await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text());
    let revision = fixed.json()["revision"].as_i64().unwrap();

    let mut kim = person(&app.state, "kim@example.com").await;
    let mut nobody = Browser::new(&app.state, "10.9.0.1");
    let reads = [
        format!("/api/admin/programs/{id}"),
        "/api/admin/programs?q=보안".to_string(),
        format!("/api/admin/programs/{id}/revisions"),
        format!("/api/admin/programs/{id}/rules"),
        "/api/admin/duplicates".to_string(),
    ];
    let writes = [
        (Method::PUT, format!("/api/admin/programs/{id}/fields"), json!({"fields": {"title": "탈취"}})),
        (Method::PUT, format!("/api/admin/programs/{id}/rules"), json!({"conditions": "서울 소재"})),
        (Method::POST, format!("/api/admin/programs/{id}/split"), json!({})),
        (Method::POST, format!("/api/admin/programs/{id}/merge"), json!({"into": id})),
        (Method::POST, format!("/api/admin/revisions/{revision}/undo"), json!({})),
    ];
    for (who, expected) in [(&mut kim, StatusCode::FORBIDDEN), (&mut nobody, StatusCode::UNAUTHORIZED)] {
        for uri in &reads {
            let uri = uri.replace("보안", &enc("보안"));
            assert_eq!(who.get(&uri).await.status, expected, "GET {uri}");
        }
        for (method, uri, body) in &writes {
            assert_eq!(who.send(method.clone(), uri, Some(body.clone())).await.status, expected, "{method} {uri}");
        }
        for page in
            [format!("/admin/programs/{id}"), "/admin/programs?q=1".to_string(), "/admin/duplicates".to_string()]
        {
            assert_eq!(who.get(&page).await.status, StatusCode::NOT_FOUND, "{page}");
        }
        let public = who.get(&format!("/programs/{id}")).await.text();
        assert!(!public.contains("/admin/programs/"), "no editor link for non-staff");
    }
    // A staff session still needs the CSRF token to change anything.
    let token = boss.csrf.take();
    let refused = boss
        .send(Method::PUT, &format!("/api/admin/programs/{id}/fields"), Some(json!({"fields": {"title": "x"}})))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    boss.csrf = token;
    assert_eq!(title_of(&app, id).await, "직원 제목", "nothing the refused callers sent was written");
    let revisions = app.db.client().await.query_one("SELECT count(*) FROM program_revisions", &[]).await.unwrap();
    assert_eq!(revisions.get::<_, i64>(0), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_correction_shows_everywhere_and_survives_re_scrapes() {
    let app = TestApp::new().await;
    let (feed, sources) = feed_site(with_first_title(&ntis_feed(), "게시처 원래 공고명 알파")).await;
    let first = scrape(&app, &sources).await;
    assert_eq!(first.new, 10, "{first:?}");
    let id: i64 = app
        .db
        .client()
        .await
        .query_one("SELECT id FROM programs WHERE title = '게시처 원래 공고명 알파'", &[])
        .await
        .unwrap()
        .get(0);

    let mut boss = staff(&app, "fields@connect.kr").await;
    let program_page = boss.get(&format!("/programs/{id}")).await.text();
    assert!(program_page.contains(&format!("href=\"/admin/programs/{id}\"")), "staff get the editor link");
    let wrong = boss
        .send(Method::PUT, &format!("/api/admin/programs/{id}/fields"), Some(json!({"fields": {"budget_krw": "-3"}})))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["error"]["parameter"], "fields.budget_krw");
    let fixed = boss
        .send(
            Method::PUT,
            &format!("/api/admin/programs/{id}/fields"),
            Some(json!({
                "fields": {"title": "직원이 바로잡은 반도체 공고명", "budget_krw": "300000000", "regions": ["busan"]},
                "note": "게시처 오타"
            })),
        )
        .await;
    assert_eq!(fixed.status, StatusCode::OK, "{}", fixed.text());
    assert!(fixed.json()["revision"].is_i64());
    app.sync().await;

    let check = |app: &TestApp| {
        let state = app.state.clone();
        async move {
            let mut visitor = Browser::new(&state, "10.2.0.1");
            let page = visitor.get(&format!("/programs/{id}")).await.text();
            assert!(page.contains("<h1 id=\"program-title\">직원이 바로잡은 반도체 공고명</h1>"), "{page}");
            assert!(page.contains("3억 원") && page.contains("부산"), "{page}");
            let found = visitor.get(&format!("/api/programs?q={}", enc("바로잡은"))).await.json();
            assert_eq!(found["total"], 1, "search finds the corrected title: {found}");
            assert_eq!(found["items"][0]["id"], id);
            assert_eq!(found["items"][0]["regions"][0]["code"], "busan");
            let busan = visitor.get(&format!("/api/programs?q={}&region=busan", enc("바로잡은"))).await.json();
            assert_eq!(busan["total"], 1, "the region filter follows the correction: {busan}");
        }
    };
    check(&app).await;
    // The public history says what readers saw change.
    let changes = app
        .db
        .client()
        .await
        .query("SELECT field FROM program_changes WHERE program_id = $1 ORDER BY id", &[&id])
        .await
        .unwrap();
    let fields: Vec<String> = changes.iter().map(|r| r.get(0)).collect();
    assert_eq!(fields, ["title", "budget_krw", "regions"]);

    // The same payload again: nothing is rewritten and the correction stands.
    let again = scrape(&app, &sources).await;
    assert_eq!((again.changed, again.unchanged), (0, 10), "{again:?}");
    check(&app).await;

    // The source itself renames the program: the scrape rewrites it, and the correction wins again;
    // the editor shows what the source now publishes.
    *feed.lock().unwrap() = with_first_title(&ntis_feed(), "게시처가 다시 고친 공고명 베타");
    let renamed = scrape(&app, &sources).await;
    assert_eq!(renamed.changed, 1, "{renamed:?}");
    check(&app).await;
    let editor = boss.get(&format!("/api/admin/programs/{id}")).await.json();
    let title = editor["fields"].as_array().unwrap().iter().find(|f| f["name"] == "title").unwrap().clone();
    assert_eq!(title["value"], "직원이 바로잡은 반도체 공고명");
    assert_eq!(title["correction"]["source_value"], "게시처가 다시 고친 공고명 베타");

    // Giving the field back to its source shows the source's current title.
    let reset =
        boss.send(Method::PUT, &format!("/api/admin/programs/{id}/fields"), Some(json!({"reset": ["title"]}))).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
    app.sync().await;
    assert_eq!(title_of(&app, id).await, "게시처가 다시 고친 공고명 베타");
    let page = Browser::new(&app.state, "10.2.0.2").get(&format!("/programs/{id}")).await.text();
    assert!(page.contains("게시처가 다시 고친 공고명 베타") && page.contains("3억 원"), "{page}");
}

/// Corrects fields of program `id`; the revision it made.
async fn correct(browser: &mut Browser, id: i64, body: Value) -> i64 {
    let response = browser.send(Method::PUT, &format!("/api/admin/programs/{id}/fields"), Some(body)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()["revision"].as_i64().unwrap()
}

/// Imports the records as sources publishing them, then groups duplicates as each scrape does.
async fn publish(app: &TestApp, lines: &[String]) {
    app.import(&lines.join("\n")).await;
    let client = app.db.client().await;
    for source in ["ntis", "bizinfo", "kstartup"] {
        connect::catalog::store::group_duplicates(&client, source).await.unwrap();
    }
    app.sync().await;
}

#[tokio::test]
async fn undo_restores_is_recorded_and_never_overwrites_a_later_edit() {
    let app = TestApp::new().await;
    app.import(&common::record(
        "undo",
        "되돌리기 시험 공고",
        json!({"ministry": "중소벤처기업부", "budget_raw": "5천만원", "body_html": "<p>지원대상: 중소기업</p>"}),
    ))
    .await;
    let id = id_of(&app, "test", "undo").await;
    let mut boss = staff(&app, "undo@connect.kr").await;
    let first = correct(&mut boss, id, json!({"fields": {"title": "첫 수정 제목"}, "note": "오타"})).await;
    let budget = correct(&mut boss, id, json!({"fields": {"budget_krw": 70000000}})).await;
    let second = correct(&mut boss, id, json!({"fields": {"title": "두 번째 수정 제목"}})).await;

    // The first edit's title was overwritten by the second: undoing it is refused, naming the edit.
    let refused = boss.post(&format!("/api/admin/revisions/{first}/undo"), json!({})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    let message = refused.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains(&format!("#{second}")) && message.contains("공고명") && message.contains("KST"),
        "{message}"
    );
    assert_eq!(title_of(&app, id).await, "두 번째 수정 제목");

    // The budget edit touched nothing later: undone, and the undo is a revision of its own.
    let undone = boss.post(&format!("/api/admin/revisions/{budget}/undo"), json!({"note": "원래 값이 맞음"})).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text());
    let undo_revision = undone.json()["revision"].as_i64().unwrap();
    let client = app.db.client().await;
    let budget_now: Option<i64> =
        client.query_one("SELECT budget_krw FROM programs WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(budget_now, Some(50_000_000), "the source's budget is back");
    // Undoing the undo puts the correction back.
    let redo = boss.post(&format!("/api/admin/revisions/{undo_revision}/undo"), json!({})).await;
    assert_eq!(redo.status, StatusCode::OK, "{}", redo.text());
    let budget_now: Option<i64> =
        client.query_one("SELECT budget_krw FROM programs WHERE id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(budget_now, Some(70_000_000));

    // Undo the later title edit, then the first one: back to the published title.
    assert_eq!(boss.post(&format!("/api/admin/revisions/{second}/undo"), json!({})).await.status, StatusCode::OK);
    assert_eq!(title_of(&app, id).await, "첫 수정 제목");
    assert_eq!(boss.post(&format!("/api/admin/revisions/{first}/undo"), json!({})).await.status, StatusCode::OK);
    assert_eq!(title_of(&app, id).await, "되돌리기 시험 공고");

    // A rule correction in the matcher's Korean is a revision too, and undoable.
    let rules = boss
        .send(
            Method::PUT,
            &format!("/api/admin/programs/{id}/rules"),
            Some(json!({"conditions": "상시근로자 10인 미만", "note": "공고문 확인"})),
        )
        .await;
    assert_eq!(rules.status, StatusCode::OK, "{}", rules.text());
    assert_eq!(rules.json()["rules"][0]["constraint"]["type"], "employees");
    let unreadable = boss
        .send(Method::PUT, &format!("/api/admin/programs/{id}/rules"), Some(json!({"conditions": "아무 말"})))
        .await;
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
    let editor = boss.get(&format!("/admin/programs/{id}")).await;
    assert_eq!(editor.status, StatusCode::OK);
    let html = editor.text();
    assert!(html.contains("상시근로자 10인 미만") && html.contains("직원 수정"), "{html}");
    let rules_revision = rules.json()["revision"].as_i64().unwrap();
    assert_eq!(
        boss.post(&format!("/api/admin/revisions/{rules_revision}/undo"), json!({})).await.status,
        StatusCode::OK
    );
    let overrides: i64 = client.query_one("SELECT count(*) FROM program_rule_overrides", &[]).await.unwrap().get(0);
    assert_eq!(overrides, 0, "undoing the only rule correction removes it");

    // The history lists every edit newest first, with actor, KST time, note and the undo links.
    let history = boss.get(&format!("/api/admin/programs/{id}/revisions")).await.json();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 9, "{history:?}");
    assert_eq!(history[0]["action"], "undo");
    assert_eq!(history.last().unwrap()["id"], first);
    assert_eq!(history.last().unwrap()["note"], "오타");
    assert_eq!(history.last().unwrap()["after"]["title"]["value"], "첫 수정 제목");
    let at: chrono::DateTime<chrono::Utc> =
        client.query_one("SELECT at FROM program_revisions WHERE id = $1", &[&first]).await.unwrap().get(0);
    let page = boss.get(&format!("/admin/programs/{id}")).await.text();
    assert!(page.contains("시각 (KST)") && page.contains(&connect::web::format::datetime(at)), "KST time shown");
    assert!(page.contains("김연구") && page.contains("공고명: 게시처 값 → 첫 수정 제목"), "{page}");
    assert!(page.contains(&format!("data-api=\"/api/admin/revisions/{first}/undo\"")));
    let audited: i64 = client
        .query_one(
            "SELECT count(*) FROM audit_log WHERE action IN ('admin.program_fields_corrected', 'admin.program_edit_undone',
                    'admin.program_rules_corrected')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 9, "every edit and undo is in the audit log");
}

#[tokio::test]
async fn splits_and_merges_survive_re_scrapes_and_can_be_undone() {
    let app = TestApp::new().await;
    let rec = |source: &str, id: &str, title: &str, body: &str| {
        json!({"source": source, "external_id": id, "title": title, "period_raw": "2026-01-01 ~ 2099-06-30", "body_html": body})
            .to_string()
    };
    let first_round = [
        rec("ntis", "N1", "2026년 AI 바우처 지원사업 공고", "원문"),
        rec("bizinfo", "B1", "2026년 AI바우처 지원사업 공고.", "원문"),
        rec("kstartup", "K1", "[과기정통부] AI 바우처 지원사업 통합공고", "원문"),
    ];
    publish(&app, &first_round).await;
    let (n1, b1, k1) =
        (id_of(&app, "ntis", "N1").await, id_of(&app, "bizinfo", "B1").await, id_of(&app, "kstartup", "K1").await);
    assert_eq!(canonical_of(&app, b1).await, Some(n1), "grouped by the scraper");
    assert_eq!(canonical_of(&app, k1).await, None, "the scraper missed this one");

    let mut boss = staff(&app, "groups@connect.kr").await;
    let page = boss.get("/admin/duplicates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("2026년 AI바우처 지원사업 공고.") && page.text().contains("기업마당"),
        "{}",
        page.text()
    );
    assert!(page.text().contains(&format!("/api/admin/programs/{b1}/split")));

    let not_grouped = boss.post(&format!("/api/admin/programs/{n1}/split"), json!({})).await;
    assert_eq!(not_grouped.status, StatusCode::CONFLICT, "the canonical record is not under anything");
    let split = boss.post(&format!("/api/admin/programs/{b1}/split"), json!({"note": "다른 사업"})).await;
    assert_eq!(split.status, StatusCode::OK, "{}", split.text());
    let split_revision = split.json()["revision"].as_i64().unwrap();
    let merged = boss.post(&format!("/api/admin/programs/{k1}/merge"), json!({"into": b1})).await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text());
    let merge_revision = merged.json()["revision"].as_i64().unwrap();
    assert_eq!(canonical_of(&app, k1).await, Some(b1));
    let under_duplicate = boss.post(&format!("/api/admin/programs/{n1}/merge"), json!({"into": k1})).await;
    assert_eq!(under_duplicate.status, StatusCode::OK, "a merge into a duplicate goes under its canonical record");
    assert_eq!(canonical_of(&app, n1).await, Some(b1));
    let back = boss.post(&format!("/api/admin/revisions/{}/undo", under_duplicate.json()["revision"]), json!({})).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    assert_eq!(canonical_of(&app, n1).await, None);
    let chained = boss.post(&format!("/api/admin/programs/{b1}/merge"), json!({"into": n1})).await;
    assert_eq!(chained.status, StatusCode::CONFLICT, "groups stay one level deep: {}", chained.text());
    assert!(chained.json()["error"]["message"].as_str().unwrap().contains("중복 공고 1건"), "{}", chained.text());

    // Every source publishes again with changed text: the rows are rewritten and regrouped, and the
    // staff decisions stand.
    let second_round: Vec<String> = first_round.iter().map(|l| l.replace("원문", "정정된 원문")).collect();
    publish(&app, &second_round).await;
    assert_eq!(canonical_of(&app, b1).await, None, "the split survives the re-scrape");
    assert_eq!(canonical_of(&app, k1).await, Some(b1), "the merge survives the re-scrape");
    let found = Browser::new(&app.state, "10.4.0.1").get(&format!("/api/programs?q={}", enc("바우처"))).await.json();
    assert_eq!(found["total"], 2, "the merged duplicate leaves search, the split one is back: {found}");

    // Both are undoable: the merge is taken back, and the split too (the scraper's group returns).
    assert_eq!(
        boss.post(&format!("/api/admin/revisions/{merge_revision}/undo"), json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(canonical_of(&app, k1).await, None);
    assert_eq!(
        boss.post(&format!("/api/admin/revisions/{split_revision}/undo"), json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(canonical_of(&app, b1).await, Some(n1));
    publish(&app, &first_round).await;
    assert_eq!((canonical_of(&app, b1).await, canonical_of(&app, k1).await), (Some(n1), None));

    // The split shows in both programs' histories.
    let editor = boss.get(&format!("/admin/programs/{n1}")).await.text();
    assert!(editor.contains("묶음에서 나눔") && editor.contains(&format!("공고 #{b1}")), "{editor}");
    let largest = boss.get("/admin/duplicates?order=largest").await;
    assert_eq!(largest.status, StatusCode::OK);
    let api = boss.get("/api/admin/duplicates?order=largest").await.json();
    assert_eq!(api["total"], 1);
    assert_eq!(api["groups"][0]["canonical"]["id"], n1);
    assert_eq!(api["groups"][0]["duplicates"][0]["id"], b1);
}

#[tokio::test]
async fn a_correction_and_its_undo_re_match_the_program() {
    let app = TestApp::new().await;
    app.import(&common::record(
        "seoul-only",
        "서울 소재 중소기업 스마트공장 지원",
        json!({"regions_raw": "서울", "target_raw": "중소기업", "body_html": "<p>서울 소재 중소기업의 공정 개선을 지원합니다.</p>"}),
    ))
    .await;
    let id = id_of(&app, "test", "seoul-only").await;
    let mut ceo = person(&app.state, "ceo@seoul-factory.kr").await;
    let created = ceo
        .post(
            "/api/orgs",
            json!({"kind": "company", "name": "서울공장", "profile": {
                "scales": ["sme"], "locations": [{"kind": "headquarters", "region": "seoul"}]
            }}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let rematch = || connect::matching::jobs::rematch_pending(&app.state.db, connect::catalog::Clock::now().today());
    rematch().await.unwrap();
    let matched = |list: Value| list["items"].as_array().unwrap().iter().any(|m| m["program_id"] == id);
    assert!(matched(ceo.get("/api/matches").await.json()), "a Seoul company matches a Seoul program");

    let mut boss = staff(&app, "rematch@connect.kr").await;
    let moved = correct(&mut boss, id, json!({"fields": {"regions": ["busan"]}, "note": "부산 사업"})).await;
    rematch().await.unwrap();
    assert!(!matched(ceo.get("/api/matches").await.json()), "the corrected region re-matches the program");

    assert_eq!(boss.post(&format!("/api/admin/revisions/{moved}/undo"), json!({})).await.status, StatusCode::OK);
    rematch().await.unwrap();
    assert!(matched(ceo.get("/api/matches").await.json()), "the undo re-matches it back");
}
