//! The billing pages through the real router, PostgreSQL and the fake Toss: who may see an
//! organisation's billing page and its forms, the plan, payments, amounts and KST dates it shows,
//! what plan changes and refunds would do, the banners after Toss's success and fail URLs, the
//! checkout page's order and its CSP (the SDK's origin and nothing looser), the way from the pricing
//! page to a checkout, and the pages while Toss is not configured.

mod common;

use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone as _, Utc};
use common::billing::{company, start_checkout, subscribe};
use common::browser::{person, Browser};
use common::TestApp;
use connect::plans::{format_won, Cycle, Plan};
use connect::web::format;
use serde_json::json;
use toss::fake::FakeToss;

async fn setup() -> (TestApp, FakeToss) {
    let toss = FakeToss::start().await;
    let (api_url, sdk_url) = (toss.base_url().to_string(), toss.sdk_url().to_string());
    let app = TestApp::with(&[
        ("TOSS_CLIENT_KEY", toss.client_key()),
        ("TOSS_SECRET_KEY", toss.secret_key()),
        ("TOSS_API_URL", &api_url),
        ("TOSS_SDK_URL", &sdk_url),
        ("TOSS_TIMEOUT_SECS", "2"),
        ("CONNECT_PUBLIC_URL", "https://connect.test"),
    ])
    .await;
    (app, toss)
}

fn header(response: &common::browser::Response, name: &str) -> String {
    response.headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// One directive of a CSP (`script-src 'self' …`).
fn directive(csp: &str, name: &str) -> String {
    csp.split(';').map(str::trim).find(|d| d.split(' ').next() == Some(name)).unwrap_or_default().to_string()
}

/// A plain member of `org`, invited by its owner.
async fn member_of(app: &TestApp, owner: &mut Browser, org: i64, email: &str) -> Browser {
    let invitation = owner.post(&format!("/api/orgs/{org}/invitations"), json!({"role": "member"})).await;
    let token = invitation.json()["token"].as_str().unwrap().to_string();
    let mut member = person(&app.state, email).await;
    assert_eq!(member.post("/api/invitations/accept", json!({"token": token})).await.status, StatusCode::OK);
    member
}

#[tokio::test]
async fn the_billing_page_is_for_members_and_its_forms_for_managers() {
    let (app, toss) = setup().await;
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let org = company(&mut owner, "주식회사 결제랩", None).await;
    subscribe(&toss, &mut owner, org, "TEAM", "monthly").await;
    let path = format!("/orgs/{org}/billing");

    let visitor = Browser::new(&app.state, "10.2.0.1").get(&path).await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    assert_eq!(visitor.location(), format!("/login?next=%2Forgs%2F{org}%2Fbilling"));

    let mut outsider = person(&app.state, "outsider@else.kr").await;
    let hidden = outsider.get(&path).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(hidden.text().contains("페이지를 찾을 수 없습니다") && !hidden.text().contains("결제랩"));
    for other in [format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=monthly"), format!("/orgs/{org}/billing/card")] {
        assert_eq!(outsider.get(&other).await.status, StatusCode::NOT_FOUND, "{other}");
    }

    let mut member = member_of(&app, &mut owner, org, "member@lab.kr").await;
    let seen = member.get(&path).await;
    assert_eq!(seen.status, StatusCode::OK);
    let html = seen.text();
    assert!(html.contains("이용 중") && html.contains("59,000원"), "{html}");
    assert!(html.contains("소유자나 관리자가 할 수 있습니다"), "{html}");
    assert!(!html.contains("data-api=\"/api/orgs/"), "a member sees no form that changes things: {html}");
    assert!(!html.contains("refund-heading") && !html.contains("/billing/card\""));
    assert_eq!(member.get(&format!("/orgs/{org}/billing/card")).await.status, StatusCode::FORBIDDEN);

    let html = owner.get(&path).await.text();
    for form in ["billing/change", "billing/cancel", "billing/refund-request"] {
        assert!(html.contains(&format!("data-api=\"/api/orgs/{org}/{form}\"")), "{form}: {html}");
    }
    assert!(html.contains(&format!("href=\"/orgs/{org}/billing/card\"")));
    // The organisation's page and the dashboard lead here.
    assert!(owner.get(&format!("/orgs/{org}")).await.text().contains(&format!("href=\"/orgs/{org}/billing\"")));
    assert!(owner.get("/dashboard").await.text().contains(&format!("href=\"/orgs/{org}/billing\"")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_billing_page_shows_plan_payments_changes_and_refunds_in_kst() {
    let (app, toss) = setup().await;
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let org = company(&mut owner, "주식회사 결제랩", None).await;
    subscribe(&toss, &mut owner, org, "TEAM", "monthly").await;
    let path = format!("/orgs/{org}/billing");
    let client = app.db.client().await;

    // Fixed instants: 31 March 15:30 UTC is already 1 April in Korea.
    let period_end = Utc.with_ymd_and_hms(2099, 3, 31, 15, 30, 0).unwrap();
    client
        .execute("UPDATE subscriptions SET current_period_end = $2 WHERE organization_id = $1", &[&org, &period_end])
        .await
        .unwrap();
    let page = owner.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "cache-control"), "private, no-store");
    let csp = header(&page, "content-security-policy");
    assert_eq!(directive(&csp, "script-src"), "script-src 'self'", "only the checkout page loads the SDK");
    let html = page.text();
    let april_first = format::date(NaiveDate::from_ymd_opt(2099, 4, 1).unwrap());
    assert!(html.contains(&format!("<dd>{april_first}</dd>")), "next renewal in KST: {html}");
    assert!(html.contains("다음 결제일") && html.contains("팀 월간") && html.contains("59,000원"));
    assert!(html.contains("현대카드 43301234****123*"), "the card as Toss masks it: {html}");

    // The payment: amount, status, KST time and receipt.
    let (payment_id, approved_at): (i64, chrono::DateTime<Utc>) = {
        let row =
            client.query_one("SELECT id, approved_at FROM payments WHERE organization_id = $1", &[&org]).await.unwrap();
        (row.get(0), row.get(1))
    };
    assert!(html.contains(&format::datetime(approved_at)) && html.contains("결제 완료"), "{html}");
    assert!(html.contains("href=\"https://dashboard.tosspayments.com/receipt/"), "receipt link: {html}");

    // Plan changes say what billing::change does: TEAM annual is an upgrade charged now, pro rata;
    // PRO waits for the end of the period.
    let sub = client
        .query_one("SELECT current_period_start FROM subscriptions WHERE organization_id = $1", &[&org])
        .await
        .unwrap();
    let proration = connect::billing::change::prorate(
        (Plan::Team, Cycle::Monthly),
        (Plan::Team, Cycle::Annual),
        sub.get(0),
        period_end,
        Utc::now(),
    );
    let upgrade = format!("남은 기간을 일할 계산한 {}을 오늘 결제합니다", format_won(proration.amount));
    assert!(html.contains(&upgrade), "{upgrade} in {html}");
    assert!(
        html.contains(&format!("현재 기간이 끝나는 {april_first}부터 바뀌고, 그때 20,900원이 결제됩니다")),
        "{html}"
    );
    assert!(html.contains(&format!("해지해도 {april_first}까지 팀 요금제를 쓸 수 있고")), "{html}");

    // The refund the rules give today: everything, within 7 days.
    assert!(html.contains("남은 결제 금액 전액 59,000원을 돌려받습니다"), "{html}");
    assert!(html.contains(&format!("name=\"payment_id\" value=\"{payment_id}\"")));
    let asked = owner
        .post(
            &format!("/api/orgs/{org}/billing/refund-request"),
            json!({"payment_id": payment_id, "reason": "잘못 결제"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
    let html = owner.get(&path).await.text();
    assert!(html.contains("환불을 요청했습니다") && !html.contains("billing/refund-request\""), "{html}");

    // A month later (moved in the database), monthly plans give nothing back: the page says so.
    client
        .execute("UPDATE refund_requests SET status = 'rejected' WHERE payment_id = $1", &[&payment_id])
        .await
        .unwrap();
    let long_ago = Utc.with_ymd_and_hms(2026, 1, 1, 1, 0, 0).unwrap();
    client
        .execute("UPDATE payments SET approved_at = $2, period_start = $2 WHERE id = $1", &[&payment_id, &long_ago])
        .await
        .unwrap();
    let html = owner.get(&path).await.text();
    assert!(html.contains("월간 요금제는 결제한 날부터 7일이 지나면 환불되지 않아"), "{html}");
    assert!(html.contains("2026. 01. 01.(목) 10:00"), "payment time in KST: {html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tosss_success_and_fail_urls_come_back_as_korean_banners() {
    let (app, toss) = setup().await;
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let org = company(&mut owner, "주식회사 결제랩", None).await;
    let path = format!("/orgs/{org}/billing");
    for (result, text) in [
        ("active", "결제가 완료되었습니다"),
        ("processing", "결제 결과를 확인하고 있습니다"),
        ("card_updated", "결제 카드를 바꿨습니다"),
    ] {
        let html = owner.get(&format!("{path}?result={result}")).await.text();
        assert!(html.contains(text), "{result}: {html}");
    }

    // Toss's fail URL: back to the checkout of that plan, saying what happened.
    let checkout = start_checkout(&mut owner, org, "PRO", "annual").await;
    let id = checkout["checkout_id"].as_i64().unwrap();
    assert_eq!(checkout["fail_url"], format!("https://connect.test/billing/fail?checkout={id}"));
    let fail = owner
        .get(&format!("/billing/fail?checkout={id}&code=PAY_PROCESS_CANCELED&message=%EC%B7%A8%EC%86%8C%EB%90%A8"))
        .await;
    assert_eq!(fail.status, StatusCode::SEE_OTHER);
    assert!(fail.location().starts_with(&format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=annual&code=")));
    let html = owner.get(&fail.location()).await.text();
    assert!(html.contains("카드 등록을 취소했습니다. 결제되지 않았습니다.") && html.contains("209,000원"), "{html}");
    let mut outsider = person(&app.state, "outsider@else.kr").await;
    assert_eq!(outsider.get(&format!("/billing/fail?checkout={id}&code=X")).await.status, StatusCode::NOT_FOUND);
    let visitor = Browser::new(&app.state, "10.2.0.9").get(&format!("/billing/fail?checkout={id}&code=X")).await;
    assert!(visitor.location().starts_with("/login?next=%2Fbilling%2Ffail%3Fcheckout%3D"), "{}", visitor.location());

    // A card Toss registers but the first charge declines: the success URL goes to the fail page.
    toss.fail_next_charge("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
    let checkout = start_checkout(&mut owner, org, "PRO", "monthly").await;
    let customer = checkout["customer_key"].as_str().unwrap();
    let auth_key = toss.authorize_card(customer);
    let id = checkout["checkout_id"].as_i64().unwrap();
    let back = owner
        .get(&format!("/api/billing/success?checkout={id}&customerKey={customer}&authKey={}", common::enc(&auth_key)))
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.text());
    let location = back.location();
    let fail_path = location.strip_prefix("https://connect.test").expect("on the public site");
    assert!(fail_path.starts_with(&format!("/billing/fail?checkout={id}&code=payment_failed")), "{fail_path}");
    let back_to_checkout = owner.get(fail_path).await.location();
    let checkout_page = owner.get(&back_to_checkout).await.text();
    assert!(checkout_page.contains("결제가 승인되지 않았습니다"), "{checkout_page}");
    assert!(checkout_page.contains("사유: 카드 결제가 거절되었습니다. 한도초과 혹은 잔액부족"), "{checkout_page}");
}

#[tokio::test]
async fn the_checkout_page_states_the_order_and_allows_exactly_the_sdk_origin() {
    let (app, toss) = setup().await;
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let org = company(&mut owner, "주식회사 결제랩", None).await;
    let page = owner.get(&format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=monthly")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let sdk_origin = toss.sdk_url().origin().ascii_serialization();
    let csp = header(&page, "content-security-policy");
    assert_eq!(directive(&csp, "script-src"), format!("script-src 'self' {sdk_origin}"), "{csp}");
    assert_eq!(directive(&csp, "default-src"), "default-src 'self'");
    assert_eq!(directive(&csp, "frame-ancestors"), "frame-ancestors 'none'");
    assert!(directive(&csp, "frame-src").contains(&sdk_origin) && directive(&csp, "connect-src").contains(&sdk_origin));
    assert!(!csp.contains("unsafe-") && !csp.contains(" * ") && !csp.contains("http: ") && !csp.contains("https: "));
    assert!(!csp.split([' ', ';']).any(|source| source == "*"), "{csp}");
    let html = page.text();
    assert!(html.contains(&format!("<script src=\"{}\"></script>", toss.sdk_url())), "{html}");
    assert!(html.contains("프로 월간") && html.contains("20,900원") && html.contains("부가세 1,900원 포함"), "{html}");
    let renews = format::date(
        connect::plans::period_end(Utc::now(), Cycle::Monthly)
            .with_timezone(&connect::catalog::status::kst())
            .date_naive(),
    );
    assert!(html.contains(&renews) && html.contains("매월 같은 날"), "{renews}: {html}");
    assert!(html.contains(&format!("data-api=\"/api/orgs/{org}/billing/checkout\" data-toss-billing-auth")));
    assert!(html.contains("카드 등록하고 결제하기"));

    // A plain member may not pay; a second checkout of a subscribed organisation is not offered.
    let mut member = member_of(&app, &mut owner, org, "member@lab.kr").await;
    assert_eq!(
        member.get(&format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=monthly")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        owner.get(&format!("/orgs/{org}/billing/checkout?plan=FREE&cycle=monthly")).await.status,
        StatusCode::NOT_FOUND
    );
    let card = owner.get(&format!("/orgs/{org}/billing/card")).await.text();
    assert!(card.contains("카드를 바꿀 구독이 없습니다") && !card.contains("<script src=\"http://127"), "{card}");
    subscribe(&toss, &mut owner, org, "PRO", "monthly").await;
    let again = owner.get(&format!("/orgs/{org}/billing/checkout?plan=TEAM&cycle=monthly")).await;
    assert!(again.text().contains("이미 구독 중인 요금제가 있습니다"));
    assert_eq!(directive(&header(&again, "content-security-policy"), "script-src"), "script-src 'self'");
    let card = owner.get(&format!("/orgs/{org}/billing/card")).await;
    assert!(card.text().contains("새 카드 등록하기") && card.text().contains(&format!("/api/orgs/{org}/billing/card")));
    assert!(header(&card, "content-security-policy").contains(&sdk_origin));
}

#[tokio::test]
async fn pricing_buttons_lead_through_login_to_the_checkout_of_the_right_organisation() {
    let (app, _toss) = setup().await;
    let pricing = Browser::new(&app.state, "10.2.0.2").get("/pricing").await.text();
    assert!(pricing.contains("href=\"/billing/checkout?plan=PRO&amp;cycle=monthly\""), "{pricing}");
    assert!(pricing.contains("href=\"/billing/checkout?plan=TEAM&amp;cycle=annual\""));

    let mut visitor = Browser::new(&app.state, "10.2.0.3");
    let sent = visitor.get("/billing/checkout?plan=PRO&cycle=monthly").await;
    let next = "%2Fbilling%2Fcheckout%3Fplan%3DPRO%26cycle%3Dmonthly";
    assert_eq!(sent.location(), format!("/login?next={next}"));
    let login = visitor.get(&sent.location()).await.text();
    assert!(login.contains(&format!("href=\"/signup?next={next}\"")), "sign-up comes back too: {login}");
    let signup = visitor.get(&format!("/signup?next={next}")).await.text();
    assert!(signup.contains("data-next=\"/billing/checkout?plan=PRO&#38;cycle=monthly\""), "{signup}");
    assert!(visitor.get("/signup").await.text().contains("data-next=\"/account?welcome=1\""));

    // Without an organisation: register one first. With one: straight to its checkout.
    let mut owner = person(&app.state, "owner@lab.kr").await;
    let none = owner.get("/billing/checkout?plan=PRO&cycle=monthly").await.text();
    assert!(none.contains("먼저 기관을 등록해 주세요") && none.contains("href=\"/orgs/new\""), "{none}");
    let first = company(&mut owner, "첫째회사", None).await;
    let one = owner.get("/billing/checkout?plan=PRO&cycle=monthly").await;
    assert_eq!(one.location(), format!("/orgs/{first}/billing/checkout?plan=PRO&cycle=monthly"));
    let second = company(&mut owner, "둘째회사", None).await;
    let both = owner.get("/billing/checkout?plan=team&cycle=annual").await.text();
    for org in [first, second] {
        assert!(both.contains(&format!("href=\"/orgs/{org}/billing/checkout?plan=TEAM&#38;cycle=annual\"")), "{both}");
    }
    assert!(both.contains("팀 연간 590,000원"));
    assert_eq!(owner.get("/billing/checkout?plan=FREE&cycle=monthly").await.location(), "/pricing");
}

#[tokio::test]
async fn without_toss_the_pages_say_billing_is_not_ready_yet() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "early@lab.kr").await;
    let org = company(&mut owner, "이른컴퍼니", None).await;
    let page = owner.get(&format!("/orgs/{org}/billing")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("온라인 결제는 아직 준비 중입니다") && html.contains("무료"), "{html}");
    assert!(
        !html.contains("data-api=\"/api/orgs/") && !html.contains("결제하기</a>"),
        "no form that would 503: {html}"
    );

    let checkout = owner.get(&format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=monthly")).await;
    assert_eq!(checkout.status, StatusCode::SERVICE_UNAVAILABLE);
    let html = checkout.text();
    assert!(html.contains("결제가 아직 설정되지 않았습니다") && !html.contains("data-toss-billing-auth"), "{html}");
    assert!(!html.contains("<script src=\"http"), "no SDK: {html}");
    assert_eq!(directive(&header(&checkout, "content-security-policy"), "script-src"), "script-src 'self'");
}

/// The billing pages keep their structure (tests/snapshots, see `common::outline`): a subscribed
/// organisation's billing page as its owner sees it, and the checkout of another plan.
#[tokio::test]
async fn billing_pages_keep_their_structure() {
    let (app, toss) = setup().await;
    let mut owner = person(&app.state, "structure@lab.kr").await;
    let org = company(&mut owner, "주식회사 구조랩", None).await;
    let checkout = owner.get(&format!("/orgs/{org}/billing/checkout?plan=PRO&cycle=monthly")).await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.text());
    common::outline::assert_snapshot("billing_checkout", &checkout.text());
    subscribe(&toss, &mut owner, org, "PRO", "monthly").await;
    let billing = owner.get(&format!("/orgs/{org}/billing")).await;
    assert_eq!(billing.status, StatusCode::OK, "{}", billing.text());
    common::outline::assert_snapshot("billing", &billing.text());
}
