//! Saved programs and searches, deadline reminders created once however many workers run them,
//! their mails (Korean, text + HTML, one-click unsubscribe) through a real SMTP conversation, the
//! in-app list, and the secret calendar feed.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::Datelike;
use common::browser::{person, user_id};
use common::{record, TestApp};
use connect::catalog::Clock;
use serde_json::json;

async fn app_with_mail() -> (TestApp, mail::sink::Sink) {
    let sink = mail::sink::Sink::start().await;
    let smtp = sink.url();
    let app = TestApp::with(&[("SMTP_URL", &smtp), ("CONNECT_PUBLIC_URL", "https://connect.test")]).await;
    (app, sink)
}

/// A program whose application ends `days` from today (KST), and its id.
async fn program_ending_in(app: &TestApp, external_id: &str, title: &str, days: i64) -> i64 {
    let end = Clock::now().today() + chrono::Duration::days(days);
    app.import(&record(external_id, title, json!({"period_raw": format!("2026-01-01 ~ {end} 18:00")}))).await;
    let client = app.db.client().await;
    client.query_one("SELECT id FROM programs WHERE external_id = $1", &[&external_id]).await.unwrap().get(0)
}

#[tokio::test]
async fn saved_programs_and_searches() {
    let app = TestApp::new().await;
    let id = program_ending_in(&app, "s1", "2026년 AI 바우처 지원사업", 10).await;
    let mut kim = person(&app.state, "saver@example.com").await;
    assert_eq!(kim.send(Method::PUT, &format!("/api/me/saved/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(kim.send(Method::PUT, &format!("/api/me/saved/{id}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(kim.send(Method::PUT, "/api/me/saved/999999", None).await.status, StatusCode::NOT_FOUND);
    let saved = kim.get("/api/me/saved").await.json();
    assert_eq!(saved.as_array().unwrap().len(), 1);
    assert_eq!(saved[0]["title"], "2026년 AI 바우처 지원사업");
    let csv = kim.get("/api/me/saved?format=csv").await;
    assert!(csv.text().contains("\"2026년 AI 바우처 지원사업\""), "{}", csv.text());

    let bad = kim.post("/api/me/searches", json!({"name": "AI", "query": "q=AI&region=atlantis"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["parameter"], "query.region");
    let made = kim.post("/api/me/searches", json!({"name": "서울 AI", "query": "?q=AI&region=seoul"})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    assert_eq!(made.json()["query"], "q=AI&region=seoul");
    // Another person sees none of it.
    let mut lee = person(&app.state, "other@example.com").await;
    assert_eq!(lee.get("/api/me/saved").await.json(), json!([]));
    let search_id = made.json()["id"].as_i64().unwrap();
    assert_eq!(
        lee.send(Method::DELETE, &format!("/api/me/searches/{search_id}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        kim.send(Method::DELETE, &format!("/api/me/searches/{search_id}"), None).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn deadline_reminders_are_created_and_mailed_once() {
    let (app, sink) = app_with_mail().await;
    let d3 = program_ending_in(&app, "d3", "스마트공장 구축 지원사업", 3).await;
    let d5 = program_ending_in(&app, "d5", "수출바우처 사업", 5).await;
    let mut kim = person(&app.state, "remind@example.com").await;
    sink.wait_for(1, Duration::from_secs(10)).await; // the verification mail
    for id in [d3, d5] {
        kim.send(Method::PUT, &format!("/api/me/saved/{id}"), None).await;
    }
    let today = Clock::now().today();
    // Several workers (and retries) run the morning job at once: one reminder.
    let runs = (0..4).map(|_| {
        let db = app.state.db.clone();
        async move {
            let client = db.get().await.unwrap();
            connect::notify::reminders::queue_deadlines(&**client, today).await.unwrap()
        }
    });
    let created: usize = futures::future::join_all(runs).await.into_iter().sum();
    assert_eq!(created, 1, "D-3 for one program; D-5 is no reminder day");

    let accounts = app.state.accounts.clone();
    let (a, b) = tokio::join!(
        connect::notify::deliver::send_pending(&app.state.db, &accounts, 50),
        connect::notify::deliver::send_pending(&app.state.db, &accounts, 50)
    );
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 1, "two deliverers never take the same mail");
    let mails = sink.wait_for(2, Duration::from_secs(10)).await;
    let reminder = &mails[1];
    assert_eq!(reminder.subject().as_deref(), Some("[Connect] [D-3] 스마트공장 구축 지원사업"));
    let text = reminder.text_body().unwrap();
    assert!(text.contains("마감이 3일 남았습니다") && text.contains("18:00"), "{text}");
    assert!(text.contains(&format!("https://connect.test/programs/{d3}")));
    assert!(reminder.html_body().unwrap().contains("수신 거부"));
    let unsubscribe = reminder.header("List-Unsubscribe").unwrap();
    assert_eq!(reminder.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    assert_eq!(connect::notify::deliver::send_pending(&app.state.db, &accounts, 50).await.unwrap().sent, 0);
    assert_eq!(sink.messages().len(), 2);

    // In the app too, until read.
    let inbox = kim.get("/api/me/notifications?unread=true").await.json();
    assert_eq!(inbox.as_array().unwrap().len(), 1);
    assert_eq!(inbox[0]["kind"], "deadline");
    assert_eq!(kim.post("/api/me/notifications/read", json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(kim.get("/api/me/notifications?unread=true").await.json(), json!([]));

    // One click (no login): deadline mails stop; the in-app notice still comes.
    let path = unsubscribe.trim_matches(['<', '>']).trim_start_matches("https://connect.test").to_string();
    let mut mail_client = common::browser::Browser::new(&app.state, "10.9.0.1");
    let done = mail_client.send(Method::POST, &path, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let forged = path.replace("deadline", "digest");
    assert_eq!(mail_client.send(Method::POST, &forged, None).await.status, StatusCode::BAD_REQUEST);
    let client = app.db.client().await;
    client.execute("UPDATE programs SET period_end = period_end - 2 WHERE id = $1", &[&d3]).await.unwrap();
    let client_pool = app.state.db.get().await.unwrap();
    assert_eq!(connect::notify::reminders::queue_deadlines(&**client_pool, today).await.unwrap(), 1, "D-1");
    assert_eq!(connect::notify::deliver::send_pending(&app.state.db, &accounts, 50).await.unwrap().sent, 0);
    assert_eq!(kim.get("/api/me/notifications?unread=true").await.json().as_array().unwrap().len(), 1);
    let settings = kim.get("/api/me/notification-settings").await.json();
    assert!(settings.as_array().unwrap().iter().any(|s| s["kind"] == "deadline" && s["mail"] == false));
}

#[tokio::test]
async fn the_calendar_feed_is_secret_and_current() {
    let app = TestApp::new().await;
    let id = program_ending_in(&app, "c1", "창업도약패키지 모집", 20).await;
    let mut kim = person(&app.state, "calendar@example.com").await;
    kim.send(Method::PUT, &format!("/api/me/saved/{id}"), None).await;
    let url = kim.post("/api/me/calendar", json!({})).await.json()["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches("http://127.0.0.1:8080").to_string();
    assert!(path.starts_with("/api/calendar/") && path.ends_with(".ics"), "{url}");
    let mut calendar_app = common::browser::Browser::new(&app.state, "10.9.0.2");
    let feed = calendar_app.get(&path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
    assert!(feed.text().contains("SUMMARY:[마감] 창업도약패키지 모집"), "{}", feed.text());
    assert!(feed.text().contains("T180000"));
    // A new URL retires the old one; a made-up one is unknown.
    kim.post("/api/me/calendar", json!({})).await;
    assert_eq!(calendar_app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(calendar_app.get("/api/calendar/nope.ics").await.status, StatusCode::NOT_FOUND);
    let _ = user_id(&mut kim).await;
}

#[tokio::test]
async fn savers_are_told_when_a_deadline_changes() {
    let app = TestApp::new().await;
    program_ending_in(&app, "ch1", "변경되는 공고", 20).await;
    let mut kim = person(&app.state, "changes@example.com").await;
    let id: i64 = app.db.client().await.query_one("SELECT id FROM programs", &[]).await.unwrap().get(0);
    kim.send(Method::PUT, &format!("/api/me/saved/{id}"), None).await;
    let today = Clock::now().today();
    connect::matching::jobs::rematch_pending(&app.state.db, today).await.unwrap();
    let later = today + chrono::Duration::days(30);
    app.import(&record("ch1", "변경되는 공고", json!({"period_raw": format!("2026-01-01 ~ {later} 18:00")}))).await;
    for _ in 0..2 {
        connect::matching::jobs::rematch_pending(&app.state.db, today).await.unwrap();
    }
    let inbox = kim.get("/api/me/notifications").await.json();
    let changed: Vec<&serde_json::Value> =
        inbox.as_array().unwrap().iter().filter(|n| n["kind"] == "program_changed").collect();
    assert!(!changed.is_empty(), "{inbox}");
    assert!(changed.iter().any(|n| n["body"].as_str().unwrap().contains(&later.to_string())), "{inbox}");
    let keys: i64 = app
        .db
        .client()
        .await
        .query_one("SELECT count(*) FROM notifications WHERE kind = 'program_changed'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(keys as usize, changed.len(), "each change told once");
}

async fn org(browser: &mut common::browser::Browser, name: &str) -> i64 {
    let body = json!({"kind": "company", "name": name, "profile": {
        "scales": ["sme"], "established_on": "2020-03-02", "locations": [{"kind": "headquarters", "region": "seoul"}]
    }});
    let response = browser.post("/api/orgs", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()["id"].as_i64().unwrap()
}

async fn set_min_score(browser: &mut common::browser::Browser, score: i64) -> common::browser::Response {
    browser
        .send(
            Method::PUT,
            "/api/me/notification-settings",
            Some(json!([{"kind": "new_match", "mail": true, "in_app": true, "min_score": score}])),
        )
        .await
}

async fn rematch(app: &TestApp) {
    connect::matching::jobs::rematch_pending(&app.state.db, Clock::now().today()).await.unwrap();
}

fn kinds(inbox: &serde_json::Value, kind: &str) -> Vec<String> {
    inbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_new_match_threshold_is_each_persons_own() {
    let app = TestApp::new().await;
    let mut kim = person(&app.state, "threshold@example.com").await;
    let settings = kim.get("/api/me/notification-settings").await.json();
    let new_match = settings.as_array().unwrap().iter().find(|s| s["kind"] == "new_match").unwrap().clone();
    assert_eq!(new_match["min_score"], 70, "the default: {settings}");
    assert!(settings
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] != "new_match")
        .all(|s| s.get("min_score").is_none()));
    for bad in [101, -1] {
        let refused = set_min_score(&mut kim, bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(refused.json()["error"]["parameter"], "min_score");
    }
    let wrong_kind = kim
        .send(
            Method::PUT,
            "/api/me/notification-settings",
            Some(json!([{"kind": "deadline", "mail": true, "in_app": true, "min_score": 50}])),
        )
        .await;
    assert_eq!(wrong_kind.status, StatusCode::BAD_REQUEST);
    let set = set_min_score(&mut kim, 30).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    // A later change of the channels alone keeps the threshold.
    let channels = kim
        .send(
            Method::PUT,
            "/api/me/notification-settings",
            Some(json!([{"kind": "new_match", "mail": false, "in_app": true}])),
        )
        .await
        .json();
    let new_match = channels.as_array().unwrap().iter().find(|s| s["kind"] == "new_match").unwrap().clone();
    assert_eq!((new_match["min_score"].clone(), new_match["mail"].clone()), (json!(30), json!(false)));

    // Two organisations match the same new program with the same score (no rules: about 40
    // points); only the person whose threshold is below it is told.
    let mut lee = person(&app.state, "default-threshold@example.com").await;
    org(&mut kim, "김컴퍼니").await;
    org(&mut lee, "이컴퍼니").await;
    rematch(&app).await;
    program_ending_in(&app, "nm1", "누구나 신청하는 지원사업", 40).await;
    rematch(&app).await;
    let score = kim.get("/api/matches").await.json()["items"][0]["score"].as_i64().unwrap();
    assert!((30..70).contains(&score), "{score}");
    assert_eq!(
        kinds(&kim.get("/api/me/notifications").await.json(), "new_match"),
        ["새 맞춤 공고: 누구나 신청하는 지원사업"]
    );
    assert!(kinds(&lee.get("/api/me/notifications").await.json(), "new_match").is_empty());
}

#[tokio::test]
async fn top_matched_programs_get_deadline_reminders_too() {
    let app = TestApp::new().await;
    program_ending_in(&app, "tm3", "맞춤 공고 마감 사흘 전", 3).await;
    let d7 = program_ending_in(&app, "tm7", "관심 없는 공고 마감 이레 전", 7).await;
    let d1 = program_ending_in(&app, "tm1", "저장하고 맞기도 한 공고", 1).await;
    let mut kim = person(&app.state, "matched@example.com").await;
    org(&mut kim, "마감컴퍼니").await;
    rematch(&app).await;
    let today = Clock::now().today();
    let pool = app.state.db.get().await.unwrap();
    // Below the default threshold of 70: no reminder for a merely matched program.
    assert_eq!(connect::notify::reminders::queue_deadlines(&**pool, today).await.unwrap(), 0);
    set_min_score(&mut kim, 20).await;
    let dismissed =
        kim.send(Method::PUT, &format!("/api/matches/{d7}/status"), Some(json!({"status": "dismissed"}))).await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.text());
    kim.send(Method::PUT, &format!("/api/me/saved/{d1}"), None).await;
    let runs = (0..3).map(|_| {
        let db = app.state.db.clone();
        async move {
            let client = db.get().await.unwrap();
            connect::notify::reminders::queue_deadlines(&**client, today).await.unwrap()
        }
    });
    let created: usize = futures::future::join_all(runs).await.into_iter().sum();
    assert_eq!(created, 2, "D-3 matched and D-1 saved (and matched: one reminder); the dismissed D-7 none");
    let inbox = kim.get("/api/me/notifications").await.json();
    let bodies: Vec<&str> = inbox.as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert!(bodies.iter().any(|b| b.starts_with("우리 기관에 맞는 공고의 접수 마감이 3일 남았습니다")), "{bodies:?}");
    assert!(bodies.iter().any(|b| b.starts_with("저장한 공고의 접수 마감이 1일 남았습니다")), "{bodies:?}");
    assert_eq!(kinds(&inbox, "deadline").len(), 2);
}

#[tokio::test]
async fn the_weekly_digest_goes_once_per_person_and_week() {
    let (app, sink) = app_with_mail().await;
    let soon = program_ending_in(&app, "wd1", "이번 주 마감 바우처", 5).await;
    program_ending_in(&app, "wd2", "새로 맞는 R&D 과제", 10).await;
    let mut kim = person(&app.state, "digest@example.com").await;
    let _quiet = person(&app.state, "nothing-to-say@example.com").await;
    sink.wait_for(2, Duration::from_secs(10)).await; // the verification mails
    org(&mut kim, "요약컴퍼니").await;
    rematch(&app).await;
    set_min_score(&mut kim, 20).await;
    kim.send(Method::PUT, &format!("/api/me/saved/{soon}"), None).await;

    let now = chrono::Utc::now();
    let link = |p: &str| format!("https://connect.test{p}");
    let (a, b) = tokio::join!(
        async {
            let client = app.state.db.get().await.unwrap();
            connect::notify::digest::queue_digests(&**client, now, link).await.unwrap()
        },
        async {
            let client = app.state.db.get().await.unwrap();
            connect::notify::digest::queue_digests(&**client, now, link).await.unwrap()
        }
    );
    assert_eq!(a + b, 1, "two workers at once: one digest, and none for the person with nothing to read");
    let client = app.state.db.get().await.unwrap();
    // Later the same ISO week (its Monday 00:00 KST plus six days) is the same digest.
    let kst = queue::kst();
    let local = now.with_timezone(&kst);
    let monday = local.date_naive() - chrono::Duration::days(i64::from(local.weekday().num_days_from_monday()));
    let later = monday.and_hms_opt(23, 0, 0).unwrap().and_local_timezone(kst).unwrap().with_timezone(&chrono::Utc)
        + chrono::Duration::days(6);
    assert_eq!(connect::notify::digest::queue_digests(&**client, later, link).await.unwrap(), 0, "same ISO week");

    let accounts = app.state.accounts.clone();
    let (x, y) = tokio::join!(
        connect::notify::deliver::send_pending(&app.state.db, &accounts, 50),
        connect::notify::deliver::send_pending(&app.state.db, &accounts, 50)
    );
    assert_eq!(x.unwrap().sent + y.unwrap().sent, 1);
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let digest = &mails[2];
    assert_eq!(digest.subject().as_deref(), Some("[Connect] 주간 요약: 새 맞춤 공고 2건, 마감 임박 2건"));
    let text = digest.text_body().unwrap();
    assert!(text.contains("■ 이번 주 새 맞춤 공고 (2건)") && text.contains("새로 맞는 R&D 과제 (적합도"), "{text}");
    assert!(text.contains("- 이번 주 마감 바우처 (마감 ") && text.contains("저장한 공고)"), "{text}");
    assert!(text.contains("맞춤 공고)"), "a matched program's deadline: {text}");
    assert!(text.contains(&format!("https://connect.test/programs/{soon}")), "{text}");
    let html = digest.html_body().unwrap();
    assert!(html.contains("새로 맞는 R&amp;D 과제") && html.contains("수신 거부"), "{html}");
    assert_eq!(kinds(&kim.get("/api/me/notifications").await.json(), "digest").len(), 1);

    // One click stops digest mails (only those); next week's digest (the matched program's
    // deadline is still ahead) is in the app only.
    let unsubscribe = digest.header("List-Unsubscribe").unwrap();
    assert!(unsubscribe.contains(".digest."), "{unsubscribe}");
    let path = unsubscribe.trim_matches(['<', '>']).trim_start_matches("https://connect.test").to_string();
    let mut mail_client = common::browser::Browser::new(&app.state, "10.9.0.3");
    assert_eq!(mail_client.send(Method::POST, &path, None).await.status, StatusCode::OK);
    let next_week = now + chrono::Duration::days(7);
    assert_eq!(connect::notify::digest::queue_digests(&**client, next_week, link).await.unwrap(), 1);
    assert_eq!(connect::notify::deliver::send_pending(&app.state.db, &accounts, 50).await.unwrap().sent, 0);
    assert_eq!(kinds(&kim.get("/api/me/notifications").await.json(), "digest").len(), 2);
    let settings = kim.get("/api/me/notification-settings").await.json();
    assert!(settings.as_array().unwrap().iter().any(|s| s["kind"] == "digest" && s["mail"] == false));
    assert!(settings.as_array().unwrap().iter().any(|s| s["kind"] == "deadline" && s["mail"] == true));
}
