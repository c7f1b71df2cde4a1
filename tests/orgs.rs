//! Organisations, teams, uploads and privacy through the real router: profile validation, the
//! business number sealed at rest, organisation scoping (IDOR) on every endpoint, invitations and
//! seat limits, uploads sniffed and served only to members, data export and account deletion.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::browser::{person, user_id, Browser};
use common::TestApp;
use serde_json::{json, Value};

const NUMBER: &str = "220-81-62517";

fn company() -> Value {
    json!({
        "kind": "company",
        "name": "주식회사 테스트랩",
        "business_number": NUMBER,
        "profile": {
            "legal_form": "corporation",
            "established_on": "2021-03-02",
            "employees": {"min": 10, "max": 49},
            "scales": ["sme", "startup"],
            "industries": ["C26111"],
            "locations": [{"kind": "headquarters", "region": "seoul"}],
            "tech_keywords": ["반도체", "인공지능"]
        }
    })
}

async fn create_org(browser: &mut Browser, body: Value) -> Value {
    let response = browser.post("/api/orgs", body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

#[tokio::test]
async fn an_organisation_keeps_its_business_number_sealed() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let org = create_org(&mut owner, company()).await;
    assert_eq!(org["business_number"], NUMBER, "its own members see it");
    assert_eq!(org["my_role"], "owner");
    assert_eq!(org["profile"]["industries"], json!(["26111"]));
    assert!(org["completeness"]["score"].as_u64().unwrap() > 40);
    assert!(org["completeness"]["missing"].as_array().unwrap().iter().any(|m| m["field"] == "revenue_won"));

    // Nowhere in the database in plain text: dump every table and look for the digits.
    let dump = std::process::Command::new("pg_dump").args(["--data-only", &app.db.url]).output().unwrap();
    assert!(dump.status.success());
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("주식회사 테스트랩"));
    assert!(!dump.contains("2208162517") && !dump.contains(NUMBER), "business number stored in plain text");

    // Staff see it masked, and their reading is audited.
    let mut staff = person(&app.state, "staff@connect.kr").await;
    connect::accounts::grant(&app.db.client().await, "staff@connect.kr", connect::accounts::Role::Admin).await.unwrap();
    staff.login("staff@connect.kr", common::browser::PASSWORD).await;
    let id = org["id"].as_i64().unwrap();
    let seen = staff.get(&format!("/api/orgs/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["business_number"], "220-81-*****");
    let client = app.db.client().await;
    let audited: i64 = client
        .query_one("SELECT count(*) FROM audit_log WHERE action = 'organization.read_by_staff'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 1);

    // The same number cannot register twice; a wrong check digit is named.
    let mut rival = person(&app.state, "rival@lab.kr").await;
    let duplicate = rival.post("/api/orgs", company()).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    let mut bad = company();
    bad["business_number"] = json!("220-81-62518");
    let invalid = rival.post("/api/orgs", bad).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_eq!(invalid.json()["error"]["parameter"], "business_number");
    assert!(invalid.json()["error"]["message"].as_str().unwrap().contains("검증번호"));
}

#[tokio::test]
async fn profile_updates_validate_and_emit_an_event() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "profile@lab.kr").await;
    let org = create_org(&mut owner, company()).await;
    let id = org["id"].as_i64().unwrap();
    let mut update = company();
    update["profile"]["trl_current"] = json!(4);
    update["profile"]["trl_target"] = json!(2);
    let refused = owner.send(Method::PUT, &format!("/api/orgs/{id}"), Some(update.clone())).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"]["parameter"], "profile.trl_target");
    update["profile"]["trl_target"] = json!(7);
    update["profile"]["certifications"] = json!(["venture", "research_institute"]);
    update.as_object_mut().unwrap().remove("business_number");
    let saved = owner.send(Method::PUT, &format!("/api/orgs/{id}"), Some(update)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.json()["profile_version"], 2);
    assert_eq!(saved.json()["business_number"], NUMBER, "an omitted number is kept");
    let events: Vec<i64> = app
        .db
        .client()
        .await
        .query("SELECT subject_id FROM events WHERE kind = 'organization.profile_saved' ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(events, vec![id, id]);
}

/// Every organisation-scoped endpoint answers a member of another organisation as if it did not exist.
#[tokio::test]
async fn other_organisations_are_invisible() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "a@lab.kr").await;
    let org = create_org(&mut owner, company()).await;
    let id = org["id"].as_i64().unwrap();
    let invitation = owner.post(&format!("/api/orgs/{id}/invitations"), json!({"role": "member"})).await.json();
    let document = upload(&mut owner, id, "verification", "등록증.pdf", b"%PDF-1.4 test".to_vec()).await;
    assert_eq!(document.status, StatusCode::CREATED, "{}", document.text());
    let document = document.json()["id"].as_i64().unwrap();
    let owner_id = user_id(&mut owner).await;

    let mut outsider = person(&app.state, "b@other.kr").await;
    create_org(&mut outsider, json!({"kind": "research_institute", "name": "다른연구원"})).await;
    let update = company();
    let cases: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/orgs/{id}"), None),
        (Method::PUT, format!("/api/orgs/{id}"), Some(update)),
        (Method::GET, format!("/api/orgs/{id}/members"), None),
        (Method::PATCH, format!("/api/orgs/{id}/members/{owner_id}"), Some(json!({"role": "member"}))),
        (Method::DELETE, format!("/api/orgs/{id}/members/{owner_id}"), None),
        (Method::POST, format!("/api/orgs/{id}/leave"), Some(json!({}))),
        (Method::POST, format!("/api/orgs/{id}/transfer"), Some(json!({"user_id": owner_id}))),
        (Method::GET, format!("/api/orgs/{id}/invitations"), None),
        (Method::POST, format!("/api/orgs/{id}/invitations"), Some(json!({"role": "member"}))),
        (Method::DELETE, format!("/api/orgs/{id}/invitations/{}", invitation["id"]), None),
        (Method::GET, format!("/api/orgs/{id}/documents"), None),
        (Method::GET, format!("/api/orgs/{id}/documents/{document}"), None),
        (Method::DELETE, format!("/api/orgs/{id}/documents/{document}"), None),
    ];
    for (method, uri, body) in cases {
        let response = outsider.send(method.clone(), &uri, body).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {uri}: {}", response.text());
        assert!(!response.text().contains("테스트랩"));
    }
    let upload_attempt = upload(&mut outsider, id, "other", "x.pdf", b"%PDF-1.4".to_vec()).await;
    assert_eq!(upload_attempt.status, StatusCode::NOT_FOUND);
    // Anonymous callers are asked to log in.
    let mut anonymous = Browser::new(&app.state, "10.2.0.9");
    assert_eq!(anonymous.get(&format!("/api/orgs/{id}")).await.status, StatusCode::UNAUTHORIZED);
    // The outsider's own list holds only their organisation.
    let mine = outsider.get("/api/orgs").await.json();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["name"], "다른연구원");
}

#[tokio::test]
async fn invitations_join_within_the_plans_seats() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "boss@team.kr").await;
    let id = create_org(&mut owner, json!({"kind": "company", "name": "팀컴퍼니"})).await["id"].as_i64().unwrap();

    let invitation = owner.post(&format!("/api/orgs/{id}/invitations"), json!({"role": "admin"})).await;
    assert_eq!(invitation.status, StatusCode::CREATED, "{}", invitation.text());
    let token = invitation.json()["token"].as_str().unwrap().to_string();
    assert!(invitation.json()["url"].as_str().unwrap().contains("/invitations/accept?token="));
    // FREE has two seats: the owner and one pending invitation fill them.
    let full = owner.post(&format!("/api/orgs/{id}/invitations"), json!({"role": "member"})).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert!(full.json()["error"]["message"].as_str().unwrap().contains("좌석"));

    let mut colleague = person(&app.state, "colleague@team.kr").await;
    let joined = colleague.post("/api/invitations/accept", json!({"token": token})).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text());
    assert_eq!(
        colleague.post("/api/invitations/accept", json!({"token": token})).await.status,
        StatusCode::BAD_REQUEST
    );
    let members = owner.get(&format!("/api/orgs/{id}/members")).await.json();
    assert_eq!(members.as_array().unwrap().len(), 2);

    // An active TEAM subscription raises the limit, from the one plan table (tests/billing.rs pays for one).
    app.db
        .client()
        .await
        .execute(
            "INSERT INTO subscriptions (organization_id, plan, cycle, status, current_period_start, current_period_end)
             VALUES ($1, 'TEAM', 'monthly', 'active', now(), now() + interval '1 month')",
            &[&id],
        )
        .await
        .unwrap();
    let for_someone =
        owner.post(&format!("/api/orgs/{id}/invitations"), json!({"role": "member", "email": "invited@team.kr"})).await;
    assert_eq!(for_someone.status, StatusCode::CREATED);
    let token = for_someone.json()["token"].as_str().unwrap().to_string();
    let mut stranger = person(&app.state, "stranger@team.kr").await;
    assert_eq!(stranger.post("/api/invitations/accept", json!({"token": token})).await.status, StatusCode::FORBIDDEN);

    // Transfer ownership, then the old owner may leave.
    let colleague_id = user_id(&mut colleague).await;
    assert_eq!(owner.post(&format!("/api/orgs/{id}/leave"), json!({})).await.status, StatusCode::CONFLICT);
    let transferred = owner.post(&format!("/api/orgs/{id}/transfer"), json!({"user_id": colleague_id})).await;
    assert_eq!(transferred.status, StatusCode::NO_CONTENT, "{}", transferred.text());
    assert_eq!(colleague.get(&format!("/api/orgs/{id}")).await.json()["my_role"], "owner");
    assert_eq!(owner.post(&format!("/api/orgs/{id}/leave"), json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.get(&format!("/api/orgs/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expired_invitations_do_not_work() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "exp@team.kr").await;
    let id = create_org(&mut owner, json!({"kind": "university", "name": "한국대학교"})).await["id"].as_i64().unwrap();
    let token = owner.post(&format!("/api/orgs/{id}/invitations"), json!({"role": "member", "days": 1})).await.json()
        ["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.db
        .client()
        .await
        .execute("UPDATE invitations SET expires_at = now() - interval '1 minute'", &[])
        .await
        .unwrap();
    let mut late = person(&app.state, "late@team.kr").await;
    assert_eq!(late.post("/api/invitations/accept", json!({"token": token})).await.status, StatusCode::BAD_REQUEST);
}

async fn upload(browser: &mut Browser, org: i64, kind: &str, name: &str, bytes: Vec<u8>) -> common::browser::Response {
    let boundary = "connect-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/orgs/{org}/documents?kind={kind}"))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .header("x-real-ip", &browser.ip)
        .header(
            "cookie",
            format!("connect_session={}", browser.cookies.get("connect_session").cloned().unwrap_or_default()),
        );
    if let Some(csrf) = &browser.csrf {
        request = request.header("x-csrf-token", csrf);
    }
    browser.raw(request.body(Body::from(body)).unwrap()).await
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

#[tokio::test]
async fn uploads_are_sniffed_limited_and_served_to_members_only() {
    let app = TestApp::with(&[("CONNECT_UPLOAD_MAX_MB", "1")]).await;
    let uploads = app.index_dir.path().join("uploads");
    let mut owner = person(&app.state, "docs@lab.kr").await;
    let id = create_org(&mut owner, json!({"kind": "company", "name": "문서컴퍼니"})).await["id"].as_i64().unwrap();

    let pdf = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/real/attachments/pdf_10.pdf"))
        .unwrap_or_else(|_| b"%PDF-1.4 small".to_vec());
    let pdf = if pdf.len() > 900_000 { b"%PDF-1.4 small".to_vec() } else { pdf };
    let stored = upload(&mut owner, id, "verification", "사업자등록증.pdf", pdf.clone()).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.text());
    assert_eq!(stored.json()["content_type"], "application/pdf");
    let document = stored.json()["id"].as_i64().unwrap();

    let back = owner.get(&format!("/api/orgs/{id}/documents/{document}")).await;
    assert_eq!(back.status, StatusCode::OK);
    assert_eq!(back.bytes, pdf);
    assert_eq!(back.headers["x-content-type-options"], "nosniff");
    assert!(back.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));

    // HTML claiming to be a PDF, and an SVG logo, are refused: the bytes decide.
    let html = upload(&mut owner, id, "other", "evil.pdf", b"<html><script>alert(1)</script>".to_vec()).await;
    assert_eq!(html.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let logo = upload(&mut owner, id, "logo", "logo.pdf", b"%PDF-1.4".to_vec()).await;
    assert_eq!(logo.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Over the limit: 413 with the limit named, and nothing left behind.
    let before = files_under(&uploads);
    let big =
        upload(&mut owner, id, "other", "big.pdf", [b"%PDF-1.4 ".to_vec(), vec![b'x'; 2 * 1024 * 1024]].concat()).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.text());
    assert!(big.json()["error"]["message"].as_str().unwrap().contains("1MB"));
    assert_eq!(files_under(&uploads), before, "no partial file kept");
    assert_eq!(files_under(&uploads.join("tmp")), 0);

    assert_eq!(
        owner.send(Method::DELETE, &format!("/api/orgs/{id}/documents/{document}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(files_under(&uploads.join("orgs")), 0);
}

#[tokio::test]
async fn export_holds_only_my_data_and_deletion_erases_me() {
    let sink = mail::sink::Sink::start().await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port());
    let app = TestApp::with(&[("SMTP_URL", &smtp)]).await;
    let mut me = person(&app.state, "me@lab.kr").await;
    let mine = create_org(&mut me, company()).await["id"].as_i64().unwrap();
    let mut other = person(&app.state, "other@else.kr").await;
    create_org(&mut other, json!({"kind": "company", "name": "남의회사", "business_number": "124-81-00998"})).await;

    let export = me.get("/api/me/export").await;
    assert_eq!(export.status, StatusCode::OK);
    let text = export.text();
    assert!(text.contains("me@lab.kr") && text.contains("주식회사 테스트랩") && text.contains(NUMBER));
    assert!(!text.contains("other@else.kr") && !text.contains("남의회사") && !text.contains("124-81"));
    let csv = me.get("/api/me/export?format=csv").await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().contains("\"user.email\",\"me@lab.kr\""), "{}", csv.text());

    // Deletion: a code by mail, then erased; the organisation I alone belonged to goes too.
    sink.wait_for(2, Duration::from_secs(10)).await;
    let requested = me.post("/api/me/deletion", json!({})).await;
    assert_eq!(requested.json()["method"], "email");
    let mails = sink.wait_for(3, Duration::from_secs(10)).await;
    let body = mails[2].text_body().unwrap();
    let code: String = body.split("코드는 ").nth(1).unwrap().chars().take(6).collect();
    assert_eq!(me.post("/api/me/deletion/confirm", json!({"code": "000000"})).await.status, StatusCode::BAD_REQUEST);
    let deleted = me.post("/api/me/deletion/confirm", json!({"code": code})).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    assert_eq!(me.get("/api/auth/session").await.status, StatusCode::UNAUTHORIZED);

    let client = app.db.client().await;
    let row = client.query_one("SELECT email, name, password_hash, deleted_at IS NOT NULL FROM users WHERE id = (SELECT min(id) FROM users)", &[]).await.unwrap();
    assert_eq!(row.get::<_, Option<String>>(0), None);
    assert_eq!(row.get::<_, Option<String>>(1), None);
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert!(row.get::<_, bool>(3));
    let gone: i64 =
        client.query_one("SELECT count(*) FROM organizations WHERE id = $1", &[&mine]).await.unwrap().get(0);
    assert_eq!(gone, 0);
    let audit: Vec<String> =
        client.query("SELECT action FROM audit_log ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert!(
        audit.contains(&"user.data_exported".to_string()) && audit.contains(&"user.deleted".to_string()),
        "{audit:?}"
    );
    // The address is free again.
    let mut again = Browser::new(&app.state, "10.2.0.1");
    assert_eq!(again.signup("me@lab.kr").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn business_numbers_survive_a_key_rotation() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "rotate@lab.kr").await;
    let id = create_org(&mut owner, company()).await["id"].as_i64().unwrap();
    let old_key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let new_key = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
    let previous = format!("1:{old_key}");
    let rotated = common::config(
        &app.db.url,
        app.index_dir.path(),
        &[("ENCRYPTION_KEY", new_key), ("ENCRYPTION_KEY_VERSION", "2"), ("ENCRYPTION_PREVIOUS_KEYS", &previous)],
    );
    let keyring = rotated.secrets.keyring().unwrap();
    let client = app.db.client().await;
    let number = normalize::bizno::BusinessNumber::parse(NUMBER).unwrap();
    // During the rotation the old hash still finds the organisation.
    assert_eq!(connect::orgs::business_number::owner(&client, &keyring, &number, None).await.unwrap(), Some(id));
    assert_eq!(connect::orgs::business_number::rotate(&client, &keyring).await.unwrap(), 1);
    assert_eq!(connect::orgs::business_number::rotate(&client, &keyring).await.unwrap(), 0, "nothing left to move");
    // Afterwards the new key alone reads it and finds it.
    let only_new = common::config(
        &app.db.url,
        app.index_dir.path(),
        &[("ENCRYPTION_KEY", new_key), ("ENCRYPTION_KEY_VERSION", "2")],
    );
    let new_ring = only_new.secrets.keyring().unwrap();
    let sealed: String = client.query_one("SELECT business_number FROM organizations", &[]).await.unwrap().get(0);
    assert_eq!(connect::orgs::business_number::open(&new_ring, &sealed).unwrap().formatted(), NUMBER);
    assert_eq!(connect::orgs::business_number::owner(&client, &new_ring, &number, None).await.unwrap(), Some(id));
}
