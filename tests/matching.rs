//! Matching end to end: programs imported, organisations created through the API, the worker's
//! re-match run, stored matches read back with reasons, plan limits, statuses with history,
//! organisation scoping, profile changes re-matching, staff rule review, and `connect match`.

mod common;

use axum::http::{Method, StatusCode};
use common::browser::{person, Browser, PASSWORD};
use common::{record, TestApp};
use connect::catalog::Clock;
use serde_json::{json, Value};

async fn catalogue(app: &TestApp) {
    let lines = [
        record(
            "startup-ai",
            "2026년 창업기업 인공지능 기술개발 지원사업",
            json!({"target_raw": "창업기업, 중소기업", "body_html": "<p>지원대상: 창업 7년 이내 중소기업</p><p>인공지능 분야 기술개발 과제를 지원합니다.</p>"}),
        ),
        record(
            "univ",
            "대학 산학협력 공동연구 과제 공모",
            json!({"target_raw": "대학, 연구기관", "body_html": "<p>신청자격: 대학 및 정부출연연구기관</p>"}),
        ),
        record(
            "small",
            "소상공인 경영개선 지원사업",
            json!({"target_raw": "소상공인", "body_html": "<p>지원대상: 상시근로자 5인 미만 소상공인</p>"}),
        ),
        record("closed", "이미 마감된 인공지능 사업", json!({"period_raw": "2020-01-01 ~ 2020-02-01"})),
    ];
    app.import(&lines.join("\n")).await;
}

async fn rematch(app: &TestApp) -> connect::matching::jobs::Rematch {
    connect::matching::jobs::rematch_pending(&app.state.db, Clock::now().today()).await.unwrap()
}

fn titles(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_string()).collect()
}

async fn org(browser: &mut Browser, body: Value) -> i64 {
    let response = browser.post("/api/orgs", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn organisations_get_the_programs_they_can_win() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let mut startup = person(&app.state, "ceo@startup.kr").await;
    let startup_org = org(
        &mut startup,
        json!({"kind": "company", "name": "에이아이스타트업", "profile": {
            "scales": ["sme", "startup"], "established_on": "2023-05-01", "employees": 30,
            "tech_keywords": ["인공지능"], "locations": [{"kind": "headquarters", "region": "seoul"}]
        }}),
    )
    .await;
    let mut professor = person(&app.state, "prof@univ.ac.kr").await;
    org(&mut professor, json!({"kind": "university", "name": "한국대학교 산학협력단"})).await;

    let done = rematch(&app).await;
    assert_eq!(done.organizations, 2, "{done:?}");

    let startup_matches = startup.get("/api/matches").await;
    assert_eq!(startup_matches.status, StatusCode::OK, "{}", startup_matches.text());
    let found = titles(&startup_matches.json());
    assert_eq!(found.first().map(String::as_str), Some("2026년 창업기업 인공지능 기술개발 지원사업"), "{found:?}");
    assert!(!found.iter().any(|t| t.contains("소상공인")), "30 employees are not a 5-person business: {found:?}");
    assert!(!found.iter().any(|t| t.contains("마감된")), "closed programs are not matches");
    let best = &startup_matches.json()["items"][0];
    assert_eq!(best["gate"], "eligible");
    assert!(best["verdict"]["reasons"].as_array().is_some_and(|r| !r.is_empty()), "{best}");

    let univ_found = titles(&professor.get("/api/matches").await.json());
    assert!(univ_found.iter().any(|t| t.contains("산학협력")), "universities get their programs: {univ_found:?}");
    assert!(!univ_found.iter().any(|t| t.contains("창업기업")), "{univ_found:?}");

    // Another organisation's matches are not there for outsiders.
    let outsider = professor.get(&format!("/api/matches?organization_id={startup_org}")).await;
    assert_eq!(outsider.status, StatusCode::NOT_FOUND);

    // A smaller company after a profile change: the re-match follows the saved profile.
    let update = json!({"kind": "company", "name": "에이아이스타트업", "profile": {
        "scales": ["small_business"], "established_on": "2023-05-01", "employees": 3
    }});
    let saved = startup.send(Method::PUT, &format!("/api/orgs/{startup_org}"), Some(update.clone())).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(rematch(&app).await.organizations, 1);
    let after = titles(&startup.get("/api/matches").await.json());
    assert!(after.iter().any(|t| t.contains("소상공인")), "{after:?}");
}

#[tokio::test]
async fn statuses_keep_their_history_and_dismissed_programs_step_aside() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let mut ceo = person(&app.state, "status@startup.kr").await;
    org(&mut ceo, json!({"kind": "company", "name": "상태컴퍼니", "profile": {"scales": ["startup"], "established_on": "2024-01-01"}}))
        .await;
    rematch(&app).await;
    let list = ceo.get("/api/matches").await.json();
    let program = list["items"][0]["program_id"].as_i64().unwrap();
    for status in ["saved", "applying", "dismissed", "applying", "won"] {
        let changed =
            ceo.send(Method::PUT, &format!("/api/matches/{program}/status"), Some(json!({"status": status}))).await;
        assert_eq!(changed.status, StatusCode::OK, "{status}: {}", changed.text());
    }
    let detail = ceo.get(&format!("/api/matches/{program}")).await.json();
    assert_eq!(detail["status"], "won");
    let history: Vec<(Value, Value)> =
        detail["history"].as_array().unwrap().iter().map(|h| (h["from"].clone(), h["to"].clone())).collect();
    assert_eq!(history.len(), 5);
    assert_eq!(history[0], (Value::Null, json!("saved")));
    assert_eq!(history[4], (json!("applying"), json!("won")));
    ceo.send(Method::PUT, &format!("/api/matches/{program}/status"), Some(json!({"status": "dismissed"}))).await;
    let visible = ceo.get("/api/matches").await.json();
    assert!(visible["items"].as_array().unwrap().iter().all(|i| i["program_id"] != program));
    let everything = ceo.get("/api/matches?include_dismissed=true").await.json();
    assert!(everything["items"].as_array().unwrap().iter().any(|i| i["program_id"] == program));
    let wrong =
        ceo.send(Method::PUT, &format!("/api/matches/{program}/status"), Some(json!({"status": "maybe"}))).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn new_programs_are_matched_by_the_worker_and_staff_review_rules() {
    let app = TestApp::new().await;
    let mut ceo = person(&app.state, "new@startup.kr").await;
    org(
        &mut ceo,
        json!({"kind": "company", "name": "신규컴퍼니", "profile": {"scales": ["sme"], "tech_keywords": ["반도체"]}}),
    )
    .await;
    rematch(&app).await;
    assert_eq!(ceo.get("/api/matches").await.json()["total"], 0);
    app.import(&record(
        "chip",
        "반도체 설계 기술개발 지원사업",
        json!({"target_raw": "중소기업", "body_html": "<p>반도체 설계 중소기업 지원</p>"}),
    ))
    .await;
    let done = rematch(&app).await;
    assert_eq!(done.programs, 1, "{done:?}");
    let found = titles(&ceo.get("/api/matches").await.json());
    assert_eq!(found, vec!["반도체 설계 기술개발 지원사업".to_string()]);
    // Nothing left to do. The cursor moves to the cluster-wide transaction horizon, so while another
    // database's transaction is open (tests run side by side) the same program may be read once
    // more — at least once by design — but it changes nothing and announces nothing.
    let again = rematch(&app).await;
    assert_eq!((again.organizations, again.created), (0, 0), "nothing left to do: {again:?}");
    assert!(again.programs <= 1, "{again:?}");

    let client = app.db.client().await;
    let id: i64 = client.query_one("SELECT id FROM programs WHERE external_id = 'chip'", &[]).await.unwrap().get(0);
    assert_eq!(ceo.get(&format!("/api/admin/programs/{id}/rules")).await.status, StatusCode::FORBIDDEN);
    person(&app.state, "reviewer@connect.kr").await;
    connect::accounts::grant(&client, "reviewer@connect.kr", connect::accounts::Role::Admin).await.unwrap();
    let mut reviewer = Browser::new(&app.state, "10.3.0.1");
    reviewer.login("reviewer@connect.kr", PASSWORD).await;
    let rules = reviewer.get(&format!("/api/admin/programs/{id}/rules")).await;
    assert_eq!(rules.status, StatusCode::OK, "{}", rules.text());
    assert_eq!(rules.json()["kind"], "call");
}

#[tokio::test]
async fn connect_match_explains_a_profile_from_outside() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("profile.json");
    std::fs::write(
        &file,
        json!({"kind": "company", "profile": {"scales": ["startup"], "established_on": "2024-03-01"}}).to_string(),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_connect"))
        .args(["match", "--org", file.to_str().unwrap(), "--all"])
        .env("DATABASE_URL", &app.db.url)
        .env_remove("CONNECT_CONFIG")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert!(text.contains("창업기업 인공지능 기술개발") && text.contains("지원 가능"), "{text}");
    assert!(text.contains("지원 불가"), "--all lists the others with reasons: {text}");
}

#[tokio::test]
async fn matches_download_as_csv() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let mut ceo = person(&app.state, "csv@startup.kr").await;
    org(&mut ceo, json!({"kind": "company", "name": "씨에스브이", "profile": {"scales": ["startup"], "established_on": "2024-01-01"}}))
        .await;
    rematch(&app).await;
    let csv = ceo.get("/api/matches?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().contains("\"2026년 창업기업 인공지능 기술개발 지원사업\""), "{}", csv.text());
}

/// The dashboard page shows the stored matches with badge, score and reasons, filters as URLs, and
/// no one else's organisation; without a login it sends to the login page.
#[tokio::test]
async fn the_dashboard_page_shows_stored_matches_with_reasons() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let mut visitor = Browser::new(&app.state, "203.0.113.77");
    let login = visitor.get("/dashboard").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.headers["location"], "/login?next=%2Fdashboard");

    let mut ceo = person(&app.state, "dash@startup.kr").await;
    let empty = ceo.get("/dashboard").await.text();
    assert!(empty.contains("먼저 기관을 등록해 주세요") && empty.contains("/orgs/new"), "{empty}");
    let id = org(
        &mut ceo,
        json!({"kind": "company", "name": "대시보드", "profile": {"scales": ["sme", "startup"], "established_on": "2024-01-01", "tech_keywords": ["인공지능"]}}),
    )
    .await;
    rematch(&app).await;
    let page = ceo.get("/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("2026년 창업기업 인공지능 기술개발 지원사업"), "{html}");
    assert!(html.contains("지원 가능") && html.contains("적합도 "), "{html}");
    assert!(html.contains("/api/matches?format=csv&") && html.contains(&format!("organization_id={id}\"")), "{html}");
    assert!(!html.contains("대학 산학협력 공동연구"), "ineligible programs are not listed");
    let conditional =
        ceo.get(&format!("/dashboard?organization_id={id}&gate=conditional&status=&sort=deadline")).await.text();
    assert!(!conditional.contains("2026년 창업기업 인공지능 기술개발 지원사업"), "{conditional}");

    // The status board: a program marked 신청 준비 sits in that column.
    let program: i64 = app
        .db
        .client()
        .await
        .query_one("SELECT id FROM programs WHERE title = '2026년 창업기업 인공지능 기술개발 지원사업'", &[])
        .await
        .unwrap()
        .get(0);
    let set =
        ceo.send(Method::PUT, &format!("/api/matches/{program}/status"), Some(json!({"status": "applying"}))).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let board = ceo.get("/dashboard/board").await.text();
    let applying = &board[board.find("id=\"col-applying\"").expect("the 신청 준비 column")..];
    let applying = &applying[..applying.find("</section>").unwrap()];
    assert!(
        applying.contains("2026년 창업기업 인공지능 기술개발 지원사업") && applying.contains("신청 준비"),
        "{board}"
    );

    let mut other = person(&app.state, "other@startup.kr").await;
    org(&mut other, json!({"kind": "company", "name": "남의기관", "profile": {}})).await;
    let refused = other.get(&format!("/dashboard?organization_id={id}")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/dashboard/board?organization_id={id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn funding_matches_total_counts_every_match_the_matcher_created() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let figure = |metrics: &str| {
        metrics.lines().find_map(|l| l.strip_prefix("funding_matches_total ")).map(str::to_string).unwrap_or_default()
    };
    let (status, before) = app.get_text("/api/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(before.contains("# TYPE funding_matches_total counter\nfunding_matches_total 0\n"), "{before}");

    let mut startup = person(&app.state, "count@startup.kr").await;
    let profile = json!({"scales": ["sme", "startup"], "established_on": "2023-05-01", "employees": 30,
                         "tech_keywords": ["인공지능"]});
    org(&mut startup, json!({"kind": "company", "name": "카운트스타트업", "profile": profile})).await;
    let mut professor = person(&app.state, "count@univ.ac.kr").await;
    org(&mut professor, json!({"kind": "university", "name": "카운트대학교 산학협력단"})).await;
    let done = rematch(&app).await;
    assert!(done.created >= 2, "both organisations have a match: {done:?}");
    let (_, after) = app.get_text("/api/metrics").await;
    assert_eq!(figure(&after), done.created.to_string(), "{after}");

    // Another organisation's matches add to the count; a run with nothing to do does not.
    let mut dean = person(&app.state, "dean@univ.ac.kr").await;
    org(&mut dean, json!({"kind": "university", "name": "둘째대학교 산학협력단"})).await;
    let more = rematch(&app).await;
    assert!(more.created >= 1, "{more:?}");
    rematch(&app).await;
    let (_, last) = app.get_text("/api/metrics").await;
    assert_eq!(figure(&last), (done.created + more.created).to_string(), "{last}");
}

/// K-Startup's and 중소벤처24's coded eligibility is stored with the program and matched: a call
/// for 예비창업자 and companies under 3 years (said only in the coded fields, not the text) is
/// eligible for a pre-founder and not for a company founded in 2015.
#[tokio::test]
async fn coded_eligibility_from_sources_is_stored_and_matched() {
    let app = TestApp::new().await;
    let lines = [
        json!({"source": "kstartup", "external_id": "900001", "title": "2026년 초기 창업 사업화 지원 참가자 모집",
        "period_raw": "2026-01-01 ~ 2099-12-30", "body_html": "<p>창업 아이디어의 사업화를 지원합니다.</p>",
        "eligibility": [
            {"kind": "applicant_type", "code": "일반인", "label": "일반인"},
            {"kind": "applicant_type", "code": "일반기업", "label": "일반기업"},
            {"kind": "business_age", "code": "예비창업자", "label": "예비창업자"},
            {"kind": "business_age", "code": "3년미만", "label": "3년미만"}
        ]})
        .to_string(),
        json!({"source": "sme24", "external_id": "S-77", "title": "수출 중소기업 물류비 지원",
               "period_raw": "2026-01-01 ~ 2099-12-30", "body_html": "<p>수출 물류비를 지원합니다.</p>",
               "eligibility": [{"kind": "company_scale", "code": "CC10", "label": "중소기업"},
                               {"kind": "certification", "code": "EC01", "label": "벤처기업"}]})
        .to_string(),
    ];
    app.import(&lines.join("\n")).await;
    let stored: Value = app
        .db
        .client()
        .await
        .query_one("SELECT eligibility_fields FROM programs WHERE source = 'kstartup'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored["business_age_text"], "예비창업자,3년미만", "{stored}");
    assert_eq!(stored["target_text"], "일반인,일반기업", "{stored}");

    let mut founder = person(&app.state, "idea@founder.kr").await;
    org(&mut founder, json!({"kind": "company", "name": "예비창업팀", "profile": {"scales": ["pre_startup"]}})).await;
    let mut old = person(&app.state, "ceo@old.kr").await;
    org(&mut old, json!({"kind": "company", "name": "오래된회사", "profile": {"scales": ["sme"], "established_on": "2015-03-01"}}))
        .await;
    rematch(&app).await;
    let founder_titles = titles(&founder.get("/api/matches").await.json());
    assert!(founder_titles.contains(&"2026년 초기 창업 사업화 지원 참가자 모집".to_string()), "{founder_titles:?}");
    let old_titles = titles(&old.get("/api/matches").await.json());
    assert!(!old_titles.contains(&"2026년 초기 창업 사업화 지원 참가자 모집".to_string()), "{old_titles:?}");
    // Without a 벤처기업 certificate on the profile, the 중소벤처24 program asks for it.
    let export = old.get("/api/matches").await.json();
    let sme24 = export["items"].as_array().unwrap().iter().find(|m| m["title"] == "수출 중소기업 물류비 지원");
    if let Some(m) = sme24 {
        assert_eq!(m["gate"], "conditional", "{m}");
    }
}
