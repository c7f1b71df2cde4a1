//! Saved programs and searches, deadline reminders created once however many workers run them,
//! their mails (Korean, text + HTML, one-click unsubscribe) through a real SMTP conversation, the
//! in-app list, and the secret calendar feed.

mod common;

use std::time::Duration;

use axum::http::{Method, StatusCode};
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
