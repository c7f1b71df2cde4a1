//! Catalogue search through the HTTP API against a real PostgreSQL, Redis and search index:
//! the exact-substring semantics of Korean search, ranking, every filter, sort and facet, paging,
//! bad parameters, and freshness after a change.

mod common;

use chrono::{Days, NaiveDate};
use common::{enc, ids, record, TestApp};
use connect::catalog::Clock;
use serde_json::json;

fn day(offset: i64) -> NaiveDate {
    let today = Clock::now().today();
    if offset >= 0 {
        today.checked_add_days(Days::new(offset as u64)).unwrap()
    } else {
        today.checked_sub_days(Days::new((-offset) as u64)).unwrap()
    }
}

fn period(from: i64, to: i64) -> String {
    format!("{} ~ {}", day(from), day(to))
}

/// Six programs whose every filterable field is known.
fn fixtures() -> String {
    [
        record("A", "2026년 AI 바우처 지원사업 공고", json!({
            "ministry": "과학기술정보통신부", "agency": "정보통신산업진흥원", "category": "기술",
            "regions_raw": "서울", "target_raw": "중소기업", "budget_raw": "3억원",
            "period_raw": period(-10, 3), "body_html": "<p>인공지능 솔루션 도입을 지원합니다.</p><script>var x = '드론';</script>",
            "source_url": "https://www.example.go.kr/a",
            "attachments": [{"name": "공고문.hwp", "url": "https://www.example.go.kr/a.hwp"}]
        })),
        record("B", "창업 도약 패키지 모집", json!({
            "ministry": "중소벤처기업부", "agency": "창업진흥원", "category": "창업", "regions_raw": "부산",
            "target_raw": "예비창업자, 창업기업", "budget_raw": "1억원", "period_raw": period(5, 30),
            "body_html": "창업 7년 이내 기업의 성장을 돕습니다."
        })),
        record("C", "수출 바우처 사업 참여기업 모집", json!({
            "ministry": "산업통상자원부", "agency": "KOTRA", "category": "수출", "regions_raw": "전국",
            "target_raw": "중소기업", "budget_raw": "5천만원", "period_raw": period(-60, -30),
            "body_html": "해외 마케팅 비용을 지원합니다."
        })),
        record("D", "드론 실증 지원 수요조사", json!({
            "ministry": "국토교통부", "agency": "국토교통과학기술진흥원", "category": "기술", "regions_raw": "경기",
            "period_raw": "접수기관별 상이", "body_html": "드론 배송 실증"
        })),
        record("E", "스마트공장 구축 지원사업", json!({
            "ministry": "중소벤처기업부", "agency": "중소기업기술정보진흥원", "category": "기술", "regions_raw": "충남",
            "target_raw": "중소기업", "budget_raw": "2억원", "period_raw": period(-1, 20),
            "body_html": "AI 바우처와 연계하여 공정 데이터를 분석합니다."
        })),
        record("F", "소상공인 디지털 전환 교육생 모집", json!({
            "ministry": "중소벤처기업부", "agency": "소상공인시장진흥공단", "category": "경영", "regions_raw": "서울",
            "target_raw": "소상공인", "period_raw": "상시 접수", "body_html": "온라인 판로 교육"
        })),
    ]
    .join("\n")
}

async fn app_with_fixtures() -> TestApp {
    let app = TestApp::new().await;
    let report = app.import(&fixtures()).await;
    assert_eq!(report.inserted, 6, "{report:?}");
    app
}

async fn search(app: &TestApp, query: &str) -> serde_json::Value {
    let (status, body) = app.get(&format!("/api/programs?per_page=100&{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let mut found = ids(&search(app, query).await);
    found.sort();
    found
}

fn facet(body: &serde_json::Value, name: &str, value: &str) -> u64 {
    body["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_u64().unwrap())
}

#[tokio::test]
async fn each_filter_selects_exactly_its_programs() {
    let app = app_with_fixtures().await;
    let cases: &[(&str, &[&str])] = &[
        ("", &["A", "B", "C", "D", "E", "F"]),
        ("status=open", &["A", "E", "F"]),
        ("status=upcoming", &["B"]),
        ("status=closed", &["C"]),
        ("status=unknown", &["D"]),
        ("status=closing", &["A"]),
        ("status=closing&within_days=20", &["A", "E"]),
        ("status=closing&within_days=2", &[]),
        (&format!("ministry={}", enc("중소벤처기업부")), &["B", "E", "F"]),
        (&format!("ministry={}&ministry={}", enc("국토교통부"), enc("산업통상자원부")), &["C", "D"]),
        ("agency=KOTRA", &["C"]),
        (&format!("category={}", enc("기술")), &["A", "D", "E"]),
        // A nationwide program matches every region.
        ("region=busan", &["B", "C"]),
        ("region=seoul,chungnam", &["A", "C", "E", "F"]),
        ("target=small_business", &["F"]),
        ("target=pre_startup,startup", &["B"]),
        ("type=survey", &["D"]),
        ("type=education", &["F"]),
        (&format!("deadline_from={}&deadline_to={}", day(0), day(25)), &["A", "E"]),
        (&format!("deadline_to={}", day(-1)), &["C"]),
        ("budget_min=100000000", &["A", "B", "E"]),
        ("budget_max=60000000", &["C"]),
        ("budget_min=150000000&budget_max=250000000", &["E"]),
        (&format!("q={}&status=open&region=seoul", enc("지원")), &["A"]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&app, query).await, *expected, "filter {query}");
    }
}

#[tokio::test]
async fn facets_count_each_value_under_the_other_filters() {
    let app = app_with_fixtures().await;
    let body = search(&app, "region=busan&status=open").await;
    assert_eq!(body["total"], 0);
    // Status counts ignore the status filter but keep region=busan: B (upcoming) and C (closed).
    assert_eq!(
        (facet(&body, "status", "upcoming"), facet(&body, "status", "closed"), facet(&body, "status", "open")),
        (1, 1, 0)
    );
    // Region counts ignore the region filter but keep status=open: A, E, F (F and A in Seoul).
    assert_eq!(facet(&body, "region", "seoul"), 2);
    assert_eq!(facet(&body, "region", "chungnam"), 1);

    let all = search(&app, "").await;
    assert_eq!(facet(&all, "ministry", "중소벤처기업부"), 3);
    assert_eq!(facet(&all, "announcement_type", "survey"), 1);
    assert_eq!(facet(&all, "target_type", "sme"), 3);
    assert_eq!(facet(&all, "status", "closing"), 1);
    // A nationwide program counts in every region.
    assert_eq!(facet(&all, "region", "jeju"), 1);
    assert_eq!(all["facets"]["ministry"][0]["value"], "중소벤처기업부", "largest first");
}

#[tokio::test]
async fn sorts_order_results_as_a_user_expects() {
    let app = app_with_fixtures().await;
    let order = |body: serde_json::Value| ids(&body);
    let by_deadline = order(search(&app, "sort=deadline").await);
    assert_eq!(&by_deadline[..3], ["A", "E", "B"], "soonest upcoming deadlines first");
    assert_eq!(by_deadline.last().unwrap(), "C", "closed programs last");
    assert_eq!(order(search(&app, "sort=budget").await)[..4], ["A", "E", "B", "C"]);
    let newest = order(search(&app, "sort=newest").await);
    assert_eq!(newest, ["F", "E", "D", "C", "B", "A"], "same publication day: latest added first");
}

#[tokio::test]
async fn pages_cover_every_result_once() {
    let app = app_with_fixtures().await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let (status, body) = app.get(&format!("/api/programs?sort=budget&per_page=2&page={page}")).await;
        assert_eq!(status, 200);
        assert_eq!(
            (body["total"].as_u64(), body["total_pages"].as_u64(), body["page"].as_u64()),
            (Some(6), Some(3), Some(page))
        );
        assert_eq!(body["items"].as_array().unwrap().len(), 2);
        seen.extend(ids(&body));
    }
    seen.sort();
    assert_eq!(seen, ["A", "B", "C", "D", "E", "F"]);
    let (status, past_the_end) = app.get("/api/programs?per_page=2&page=4").await;
    assert_eq!((status.as_u16(), past_the_end["total"].as_u64()), (200, Some(6)));
    assert!(past_the_end["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn title_matches_rank_first() {
    let app = app_with_fixtures().await;
    let body = search(&app, &format!("q={}", enc("AI 바우처"))).await;
    assert_eq!(ids(&body), ["A", "E"], "A has both words in its title, E only in its body");
    let body = search(&app, &format!("q={}", enc("바우처"))).await;
    assert_eq!(
        ids(&body)[..2].iter().filter(|id| *id == "A" || *id == "C").count(),
        2,
        "title matches A and C before body match E"
    );
    assert_eq!(ids(&body).last().unwrap(), "E");
}

#[tokio::test]
async fn body_text_is_clean_and_scripts_are_not_searchable() {
    let app = app_with_fixtures().await;
    // A's HTML had a <script> mentioning 드론: only D really is about drones.
    assert_eq!(found(&app, &format!("q={}", enc("드론"))).await, ["D"]);
    let (status, detail) = app.get(&format!("/api/programs/{}", search(&app, "q=AI").await["items"][0]["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(detail["body"], "인공지능 솔루션 도입을 지원합니다.");
    assert_eq!(detail["period_raw"], period(-10, 3));
    assert_eq!(detail["attachments"][0]["kind"], "hwp");
    assert_eq!(detail["budget_label"], "3억 원");
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["deadline_label"], "D-3");
    assert_eq!(detail["regions"][0]["label"], "서울");
}

/// The oracle: PostgreSQL substring containment over the same text the index holds.
async fn expected_by_substring(app: &TestApp, words: &[&str]) -> Vec<String> {
    let client = app.db.client().await;
    let mut sql = String::from("SELECT source || ':' || external_id FROM programs WHERE removed_at IS NULL");
    for i in 1..=words.len() {
        sql.push_str(&format!(
            " AND strpos(lower(title || E'\\n' || coalesce(ministry, '') || E'\\n' || coalesce(agency, '') || E'\\n' || body), lower(${i})) > 0"
        ));
    }
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        words.iter().map(|w| w as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    let mut ids: Vec<String> = client.query(&sql, &params).await.unwrap().iter().map(|r| r.get(0)).collect();
    ids.sort();
    ids
}

async fn all_results(app: &TestApp, q: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for page in 1.. {
        let (status, body) = app.get(&format!("/api/programs?q={}&per_page=100&page={page}", enc(q))).await;
        assert_eq!(status, 200, "{q}: {body}");
        let items = body["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        ids.extend(
            items.iter().map(|i| format!("{}:{}", i["source"].as_str().unwrap(), i["external_id"].as_str().unwrap())),
        );
    }
    ids.sort();
    ids
}

#[tokio::test]
async fn results_are_exactly_the_programs_containing_every_word() {
    let app = TestApp::new().await;
    let mut client = app.db.client().await;
    let real = connect::demo::load_real(&app.state.db).await.unwrap();
    assert!(real.iter().map(|(_, r)| r.new).sum::<usize>() >= 200, "{real:?}");
    connect::demo::load_synthetic(&mut client, 2_000, 42, |_| {}).await.unwrap();
    app.import(&fixtures()).await;
    let queries = [
        "창업",
        "수출",
        "드론",
        "바우처",
        "AI",
        "ai",
        "AI 바우처",
        "중소기업",
        "R&D",
        "r&d",
        "스마트공장",
        "기술개발 지원",
        "과학기술정보통신부",
        "한국콘텐츠진흥원",
        "2026년도",
        "인공지능 반도체",
        "드",
        "앱",
        "공",
        "없는단어",
        "zzqx",
        "(2025)",
        "K-",
        "최고급AI해외인재유치지원",
        "소상공인 교육",
        "신규지원 대상과제",
    ];
    let mut nonzero = 0;
    for q in queries {
        let words: Vec<&str> = q.split_whitespace().collect();
        let expected = expected_by_substring(&app, &words).await;
        let got = all_results(&app, q).await;
        assert_eq!(
            got.len(),
            expected.len(),
            "'{q}': {} results, substring search finds {}",
            got.len(),
            expected.len()
        );
        assert_eq!(got, expected, "'{q}'");
        nonzero += (!expected.is_empty()) as usize;
    }
    assert!(nonzero >= 20, "the queries must exercise real matches ({nonzero} had results)");
}

#[tokio::test]
async fn a_changed_program_is_searchable_after_the_next_sync() {
    let app = app_with_fixtures().await;
    let id = search(&app, "q=KOTRA").await["items"][0]["id"].clone();
    let (_, before) = app.get(&format!("/api/programs/{id}")).await; // now cached
    assert_eq!(before["title"], "수출 바우처 사업 참여기업 모집");

    let changed = record(
        "C",
        "해외전시회 참가 지원 모집",
        json!({
            "ministry": "산업통상자원부", "agency": "KOTRA", "category": "수출", "regions_raw": "전국",
            "target_raw": "중소기업", "budget_raw": "5천만원", "period_raw": period(-60, -30),
            "body_html": "해외 마케팅 비용을 지원합니다."
        }),
    );
    let report = app.import(&changed).await;
    assert_eq!(report.changed, 1);
    assert_eq!(found(&app, &format!("q={}", enc("해외전시회"))).await, ["C"]);
    assert!(found(&app, &format!("q={}", enc("수출 바우처"))).await.is_empty());
    let (_, after) = app.get(&format!("/api/programs/{id}")).await;
    assert_eq!(after["title"], "해외전시회 참가 지원 모집", "the cached detail was invalidated");

    let again = app.import(&changed).await;
    assert_eq!((again.changed, again.unchanged), (0, 1), "an identical import writes nothing");
}

#[tokio::test]
async fn bad_parameters_are_named_in_a_400() {
    let app = app_with_fixtures().await;
    for (query, parameter) in [
        ("page=0", "page"),
        ("per_page=1000", "per_page"),
        ("sort=hot", "sort"),
        ("status=later", "status"),
        ("region=atlantis", "region"),
        ("deadline_from=yesterday", "deadline_from"),
        ("budget_min=lots", "budget_min"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = app.get(&format!("/api/programs?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["error"]["code"], "bad_parameter");
        assert_eq!(body["error"]["parameter"], parameter, "{query}: {body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, body) = app.get("/api/programs/abc").await;
    assert_eq!((status.as_u16(), body["error"]["parameter"].as_str()), (400, Some("id")));
    let (status, body) = app.get("/api/programs/999999").await;
    assert_eq!((status.as_u16(), body["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn openapi_and_metrics_describe_the_service() {
    let app = app_with_fixtures().await;
    let (status, doc) = app.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let params: Vec<&str> = doc["paths"]["/api/programs"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["q", "status", "region", "sort", "page", "per_page", "budget_min", "deadline_to"] {
        assert!(params.contains(&name), "{name} missing from {params:?}");
    }
    assert!(doc["paths"]["/api/programs/{id}"]["get"].is_object());

    app.get("/api/programs/1").await;
    app.get("/api/programs/2").await;
    let (status, metrics) = app.get_text("/api/metrics").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            r#"http_request_duration_seconds_bucket{method="GET",route="/api/programs/{id}",status="200",le="0.005"}"#
        ),
        "{metrics}"
    );
    assert!(!metrics.contains(r#"route="/api/programs/1""#), "raw paths must not become labels");
    for line in [
        "catalogue_programs{status=\"open\"} 3",
        "catalogue_programs{status=\"closed\"} 1",
        "http_requests_in_flight",
        "db_pool_max_connections 4",
        "cache_misses_total",
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
}
