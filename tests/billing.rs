//! Plans and billing end to end: the real router, PostgreSQL and Redis, the fake Toss Payments API
//! (`toss::fake::FakeToss`) and a local SMTP sink. Checkout submitted twice, workers racing a
//! renewal, a charge whose answer is lost, webhooks repeated and out of order, declines retried
//! until past due, cancellations and period ends, upgrades and downgrades, refunds by staff, payments
//! outliving the account, and who may see what.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use common::billing::{company, start_checkout, success_body};
use common::browser::{person, Browser, PASSWORD};
use common::TestApp;
use connect::billing::payment::Reconciled;
use connect::billing::renewal::{self, Report};
use connect::plans::{self, Cycle, Plan};
use serde_json::{json, Value};
use toss::fake::{Endpoint, FakeToss};
use toss::ExposeSecret as _;

const NUMBER: &str = "220-81-62517";

struct Setup {
    app: TestApp,
    toss: FakeToss,
    sink: mail::sink::Sink,
}

async fn setup() -> Setup {
    let toss = FakeToss::start().await;
    let sink = mail::sink::Sink::start().await;
    let smtp = format!("smtp://127.0.0.1:{}", sink.port());
    let api_url = toss.base_url().to_string();
    let app = TestApp::with(&[
        ("TOSS_CLIENT_KEY", toss.client_key()),
        ("TOSS_SECRET_KEY", toss.secret_key()),
        ("TOSS_API_URL", &api_url),
        ("TOSS_TIMEOUT_SECS", "2"),
        ("SMTP_URL", &smtp),
        ("CONNECT_PUBLIC_URL", "https://connect.test"),
    ])
    .await;
    Setup { app, toss, sink }
}

impl Setup {
    fn billing(&self) -> Arc<connect::billing::Billing> {
        self.app.state.billing.clone().expect("billing configured")
    }

    /// One billing run of the worker at `now`.
    async fn run(&self, now: DateTime<Utc>) -> Report {
        renewal::run(&self.billing(), &self.app.state.db, now).await.unwrap()
    }

    async fn plan_at(&self, org: i64, at: DateTime<Utc>) -> Plan {
        plans::entitlement(&self.app.db.client().await, org, at).await.unwrap().plan
    }

    async fn subscription_status(&self, org: i64) -> String {
        let client = self.app.db.client().await;
        let row = client
            .query_one("SELECT status FROM subscriptions WHERE organization_id = $1 ORDER BY id DESC LIMIT 1", &[&org])
            .await
            .unwrap();
        row.get(0)
    }

    async fn period(&self, org: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        let client = self.app.db.client().await;
        let row = client
            .query_one(
                "SELECT current_period_start, current_period_end FROM subscriptions
                  WHERE organization_id = $1 AND status IN ('active', 'past_due')",
                &[&org],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    }
}

/// Subscribes as the browser SDK would: checkout, card registration at Toss, the success URL.
async fn subscribe(s: &Setup, owner: &mut Browser, org: i64, plan: &str, cycle: &str) -> Value {
    common::billing::subscribe(&s.toss, owner, org, plan, cycle).await
}

async fn staff(app: &TestApp, email: &str, role: connect::accounts::Role) -> Browser {
    let mut staff = person(&app.state, email).await;
    connect::accounts::grant(&app.db.client().await, email, role).await.unwrap();
    assert_eq!(staff.login(email, PASSWORD).await.status, StatusCode::OK);
    staff
}

fn minutes(n: i64) -> chrono::Duration {
    chrono::Duration::minutes(n)
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_submitted_checkout_charges_once() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "owner@lab.kr").await;
    let org = company(&mut owner, "주식회사 테스트랩", Some(NUMBER)).await;

    let checkout = start_checkout(&mut owner, org, "PRO", "monthly").await;
    assert_eq!(checkout["client_key"], s.toss.client_key());
    assert_eq!(checkout["amount"], 20_900);
    assert_eq!(checkout["amount_label"], "20,900원");
    assert_eq!(checkout["order_name"], "Connect PRO 월간");
    let id = checkout["checkout_id"].as_i64().unwrap();
    assert_eq!(checkout["success_url"], format!("https://connect.test/api/billing/success?checkout={id}"));
    assert_eq!(checkout["fail_url"], format!("https://connect.test/billing/fail?checkout={id}"));
    // A second click on "subscribe": another checkout, the same customerKey.
    let second = start_checkout(&mut owner, org, "PRO", "monthly").await;
    assert_eq!(second["customer_key"], checkout["customer_key"]);

    // The success URL submitted twice at once (a double submit, a reload).
    let auth_key = s.toss.authorize_card(checkout["customer_key"].as_str().unwrap());
    let body = success_body(&checkout, &auth_key);
    let submits: Vec<_> = (0..2)
        .map(|_| {
            let (mut browser, body) = (owner.clone(), body.clone());
            tokio::spawn(async move {
                let response = browser.post("/api/billing/success", body).await;
                (response.status, response.text())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for submit in submits {
        let (status, text) = submit.await.unwrap();
        assert!(status == StatusCode::OK || status == StatusCode::CONFLICT, "{status}: {text}");
        statuses.push(status);
    }
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert_eq!(s.toss.hits(Endpoint::IssueBillingKey), 1);
    assert_eq!(s.toss.hits(Endpoint::Charge), 1);
    assert_eq!(s.toss.payment_count(), 1);

    // Later, the same submit again: the same answer, no charge.
    let again = owner.post("/api/billing/success", body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json()["result"], "active");
    // The other checkout completed with its own card registration: refused before Toss is asked.
    let other_key = s.toss.authorize_card(second["customer_key"].as_str().unwrap());
    let refused = owner.post("/api/billing/success", success_body(&second, &other_key)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(s.toss.hits(Endpoint::IssueBillingKey), 1);
    assert_eq!(s.toss.hits(Endpoint::Charge), 1);
    // And a new checkout while subscribed.
    let more =
        owner.post(&format!("/api/orgs/{org}/billing/checkout"), json!({"plan": "TEAM", "cycle": "annual"})).await;
    assert_eq!(more.status, StatusCode::CONFLICT);

    // The organisation is on PRO, with PRO's seats.
    let view = owner.get(&format!("/api/orgs/{org}")).await.json();
    assert_eq!((view["plan"].as_str(), view["seats"]["limit"].as_u64()), (Some("PRO"), Some(5)));
    let billing = owner.get(&format!("/api/orgs/{org}/billing")).await.json();
    assert_eq!(billing["subscription"]["status"], "active");
    assert_eq!(billing["entitlement"]["plan"], "PRO");
    assert_eq!(billing["card"]["company"], "현대");
    let payment = &billing["payments"][0];
    assert_eq!(payment["amount_label"], "20,900원");
    assert_eq!(payment["kind"], "first");
    assert_eq!(payment["invoice"]["business_number"], NUMBER);
    assert_eq!(payment["invoice"]["email"], "owner@lab.kr");
    assert_eq!(payment["invoice"]["name"], "주식회사 테스트랩");
    assert!(payment["receipt_url"].as_str().unwrap().starts_with("https://"), "{payment}");

    // The billing key is stored only sealed, and opens to the key Toss issued for this customer.
    let client = s.app.db.client().await;
    let row = client
        .query_one("SELECT customer_key, billing_key FROM billing_customers WHERE organization_id = $1", &[&org])
        .await
        .unwrap();
    let (customer_key, sealed): (String, String) = (row.get(0), row.get(1));
    assert!(vault::Sealed::is_sealed_text(&sealed));
    let card = connect::billing::customer::open(&s.billing().keyring, customer_key.clone(), &sealed).unwrap();
    assert_eq!(s.toss.billing_customer(card.billing_key.expose_secret()), Some(customer_key));
    let dump = std::process::Command::new("pg_dump").args(["--data-only", &s.app.db.url]).output().unwrap();
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(!dump.contains(card.billing_key.expose_secret()), "billing key in plain text");
    assert!(!dump.contains("2208162517"), "business number in plain text");

    let audit: Vec<String> =
        client.query("SELECT action FROM audit_log ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    for action in ["billing.checkout_started", "billing.checkout_completed"] {
        assert!(audit.contains(&action.to_string()), "{audit:?}");
    }
    let (status, metrics) = s.app.get_text("/api/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(metrics.contains("payments_total{status=\"paid\"} 1\n"), "{metrics}");
    assert!(metrics.contains("billing_mrr_won 20900\n"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_workers_renew_a_period_once() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "race@lab.kr").await;
    let org = company(&mut owner, "레이스컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let (_, end) = s.period(org).await;
    // Not due yet.
    assert_eq!(s.run(end - minutes(1)).await, Report::default());

    let at = end + minutes(1);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (billing, db) = (s.billing(), s.app.state.db.clone());
            tokio::spawn(async move { renewal::run(&billing, &db, at).await.unwrap() })
        })
        .collect();
    let mut reports = Vec::new();
    for worker in workers {
        reports.push(worker.await.unwrap());
    }
    assert_eq!(reports.iter().map(|r| r.renewals).sum::<u64>(), 1, "{reports:?}");
    assert_eq!(reports.iter().map(|r| r.paid).sum::<u64>(), 1, "{reports:?}");
    assert_eq!(s.toss.hits(Endpoint::Charge), 2);
    assert_eq!(s.toss.payment_count(), 2);
    // A restarted worker, the next tick: nothing more.
    assert_eq!(s.run(at + minutes(10)).await, Report::default());
    assert_eq!(s.toss.hits(Endpoint::Charge), 2);

    let (start, next_end) = s.period(org).await;
    assert_eq!(start, end);
    assert_eq!(next_end, plans::period_end(end, Cycle::Monthly));
    let client = s.app.db.client().await;
    let renewals: i64 =
        client.query_one("SELECT count(*) FROM charges WHERE kind = 'renewal'", &[]).await.unwrap().get(0);
    assert_eq!(renewals, 1);
    let row = client
        .query_one("SELECT kind, amount, period_start FROM payments ORDER BY id DESC LIMIT 1", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "renewal");
    assert_eq!(row.get::<_, i64>(1), 20_900);
    assert_eq!(row.get::<_, DateTime<Utc>>(2), end);
}

#[tokio::test]
async fn a_charge_whose_answer_is_lost_is_found_by_its_order_id() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "slow@lab.kr").await;
    let org = company(&mut owner, "느린컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let (_, end) = s.period(org).await;

    // Toss charges the card but answers long after the client gave up (2 s).
    s.toss.delay_next(Duration::from_secs(10));
    let report = s.run(end + minutes(1)).await;
    assert_eq!(report.paid, 1, "{report:?}");
    assert_eq!(s.toss.hits(Endpoint::Charge), 2);
    assert_eq!(s.toss.hits(Endpoint::PaymentByOrder), 1, "settled by looking the order up");
    assert_eq!(s.toss.payment_count(), 2, "no second charge");

    // Next period: the answer is lost and Toss cannot even be asked; the attempt stays open.
    let (_, end) = s.period(org).await;
    let at = end + minutes(1);
    s.toss.delay_next(Duration::from_secs(10));
    let toss_goes_down = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        s.toss.set_down(true);
    };
    let (report, ()) = tokio::join!(s.run(at), toss_goes_down);
    assert_eq!(report.unknown, 1, "{report:?}");
    s.toss.set_down(false);
    assert_eq!(s.toss.payment_count(), 3);
    // Within the attempt's lease nobody touches it; after it, the order is looked up, not charged again.
    assert_eq!(s.run(at + minutes(1)).await, Report::default());
    let report = s.run(at + minutes(6)).await;
    assert_eq!(report.paid, 1, "{report:?}");
    assert_eq!(s.toss.hits(Endpoint::Charge), 3);
    assert_eq!(s.toss.payment_count(), 3);
    let payments: i64 = s.app.db.client().await.query_one("SELECT count(*) FROM payments", &[]).await.unwrap().get(0);
    assert_eq!(payments, 3);
    assert_eq!(s.period(org).await.0, end);
}

#[tokio::test]
async fn webhooks_are_confirmed_idempotent_and_never_go_backwards() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "hook@lab.kr").await;
    let org = company(&mut owner, "웹훅컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "annual").await;
    let client = s.app.db.client().await;
    let payment_key: String = client.query_one("SELECT payment_key FROM payments", &[]).await.unwrap().get(0);
    let stale = s.toss.payment_event(&payment_key);

    // Refunded in full from Toss's dashboard: Connect hears of it only by webhook.
    toss::Client::new(s.toss.config()).cancel(&payment_key, "대시보드 환불", None, "dashboard-1").await.unwrap();
    let fresh = s.toss.payment_event(&payment_key);
    let mut toss_sender = Browser::new(&s.app.state, "10.9.9.9");
    let delivered = toss_sender.post("/api/webhooks/toss", fresh.clone()).await;
    assert_eq!(delivered.status, StatusCode::OK, "{}", delivered.text());
    assert_eq!(delivered.json()["outcome"], "updated");
    let row = client.query_one("SELECT status, balance_amount FROM payments", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0).as_str(), row.get::<_, i64>(1)), ("CANCELED", 0));
    assert_eq!(s.subscription_status(org).await, "canceled", "a refunded current period ends the subscription");
    assert_eq!(s.plan_at(org, Utc::now()).await, Plan::Free);

    // Delivered again: recognised, not even fetched again.
    let lookups = s.toss.hits(Endpoint::Payment);
    let again = toss_sender.post("/api/webhooks/toss", fresh).await;
    assert_eq!((again.status, again.json()["outcome"].clone()), (StatusCode::OK, json!("duplicate")));
    assert_eq!(s.toss.hits(Endpoint::Payment), lookups);
    // The older event arrives last: Toss says CANCELED, so nothing goes back to DONE.
    let late = toss_sender.post("/api/webhooks/toss", stale.clone()).await;
    assert_eq!((late.status, late.json()["outcome"].clone()), (StatusCode::OK, json!("unchanged")));
    let row = client.query_one("SELECT status, balance_amount FROM payments", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0).as_str(), row.get::<_, i64>(1)), ("CANCELED", 0));
    // Even applied directly, an older view of the payment changes nothing.
    let older: toss::Payment = serde_json::from_value(stale["data"].clone()).unwrap();
    assert_eq!(older.status, toss::PaymentStatus::Done);
    let reconciled = connect::billing::payment::reconcile(&client, &older, Utc::now()).await.unwrap();
    assert_eq!(reconciled, Reconciled::Unchanged);

    // A forged event (a payment Toss does not have) is ignored; a body that is no event is refused.
    let mut forged = stale;
    forged["data"]["paymentKey"] = json!("forged-payment-key-0001");
    forged["createdAt"] = json!("2026-01-01T00:00:00.000");
    let ignored = toss_sender.post("/api/webhooks/toss", forged).await;
    assert_eq!((ignored.status, ignored.json()["outcome"].clone()), (StatusCode::OK, json!("unverified")));
    assert_eq!(toss_sender.post("/api/webhooks/toss", json!({"hello": "world"})).await.status, StatusCode::BAD_REQUEST);
    let row = client.query_one("SELECT status FROM payments", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "CANCELED");
}

#[tokio::test]
async fn a_cancelled_plan_lasts_until_the_period_ends_then_free() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "cancel@lab.kr").await;
    let org = company(&mut owner, "해지컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let (_, end) = s.period(org).await;
    // Three seats in use: more than FREE's two.
    for _ in 0..2 {
        let invited = owner.post(&format!("/api/orgs/{org}/invitations"), json!({"role": "member"})).await;
        assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.text());
    }

    let cancelled = owner.post(&format!("/api/orgs/{org}/billing/cancel"), json!({})).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text());
    let cancelled = cancelled.json();
    assert_eq!(cancelled["result"], "at_period_end");
    assert_eq!(cancelled["until"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), end);
    assert_eq!(cancelled["billing"]["entitlement"]["plan"], "PRO");
    let view = owner.get(&format!("/api/orgs/{org}")).await.json();
    assert_eq!((view["plan"].as_str(), view["seats"]["limit"].as_u64()), (Some("PRO"), Some(5)));
    assert_eq!(s.plan_at(org, end - chrono::Duration::seconds(1)).await, Plan::Pro);
    assert_eq!(s.plan_at(org, end).await, Plan::Free);

    // The period ends (moved into the past here): FREE, two seats, whether or not a worker ran.
    s.app
        .db
        .client()
        .await
        .execute(
            "UPDATE subscriptions SET current_period_start = now() - interval '1 month',
                                      current_period_end = now() - interval '1 minute'",
            &[],
        )
        .await
        .unwrap();
    let view = owner.get(&format!("/api/orgs/{org}")).await.json();
    assert_eq!((view["plan"].as_str(), view["seats"]["limit"].as_u64()), (Some("FREE"), Some(2)));
    let full = owner.post(&format!("/api/orgs/{org}/invitations"), json!({"role": "member"})).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    // The worker records the end and charges nothing.
    let report = s.run(Utc::now()).await;
    assert_eq!((report.ended, report.renewals), (1, 0));
    assert_eq!(s.toss.hits(Endpoint::Charge), 1);
    assert_eq!(s.subscription_status(org).await, "canceled");
    // Subscribing again is possible once it ended (a page posting only what Toss appended works too).
    let checkout = start_checkout(&mut owner, org, "TEAM", "monthly").await;
    let auth_key = s.toss.authorize_card(checkout["customer_key"].as_str().unwrap());
    let body = json!({"customerKey": checkout["customer_key"], "authKey": auth_key});
    let done = owner.post("/api/billing/success", body).await;
    assert_eq!((done.status, done.json()["result"].as_str()), (StatusCode::OK, Some("active")), "{}", done.text());
    assert_eq!(owner.get(&format!("/api/orgs/{org}")).await.json()["seats"]["limit"], 20);
}

#[tokio::test]
async fn declined_renewals_are_retried_after_1_3_and_7_days_then_past_due_with_a_mail() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "pay@lab.kr").await;
    s.sink.wait_for(1, Duration::from_secs(10)).await; // the address verification
    let org = company(&mut owner, "미납컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let (_, end) = s.period(org).await;
    let decline = || s.toss.fail_next_charge("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");

    let first = end + minutes(1);
    decline();
    assert_eq!(s.run(first).await.declined, 1);
    let mails = s.sink.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(mails[1].subject().as_deref(), Some("[Connect] 정기결제가 승인되지 않았습니다"));
    assert_eq!(mails[1].to, vec!["pay@lab.kr".to_string()]);
    let text = mails[1].text_body().unwrap();
    assert!(text.contains("20,900원") && text.contains("한도초과"), "{text}");
    assert!(text.contains(&connect::billing::mails::kst_date(first + days(1))), "{text}");

    // Not before the retry's day.
    assert_eq!(s.run(first + days(1) - minutes(1)).await, Report::default());
    for retry in [1, 3] {
        decline();
        assert_eq!(s.run(first + days(retry)).await.declined, 1, "retry after {retry} days");
        assert_eq!(s.subscription_status(org).await, "active");
    }
    assert_eq!(s.toss.hits(Endpoint::Charge), 4);
    assert_eq!(s.plan_at(org, first + days(6)).await, Plan::Pro, "usable while retried");

    decline();
    assert_eq!(s.run(first + days(7)).await.declined, 1);
    assert_eq!(s.subscription_status(org).await, "past_due");
    let mails = s.sink.wait_for(3, Duration::from_secs(10)).await;
    assert_eq!(mails[2].subject().as_deref(), Some("[Connect] 요금이 미납되었습니다"));
    assert!(mails[2].text_body().unwrap().contains("https://connect.test/orgs/"));
    assert_eq!(s.sink.messages().len(), 3, "one mail at the first decline, one when past due");
    // Past due keeps the plan for a grace period, then FREE.
    assert_eq!(s.plan_at(org, first + days(7) + minutes(60)).await, Plan::Pro);
    assert_eq!(s.plan_at(org, first + days(14) + minutes(1)).await, Plan::Free);
    let (_, metrics) = s.app.get_text("/api/metrics").await;
    assert!(metrics.contains("payments_total{status=\"failed\"} 4\n"), "{metrics}");

    // A new card (through the SDK's GET redirect to the success URL) is charged at once.
    let card = owner.post(&format!("/api/orgs/{org}/billing/card"), json!({})).await;
    assert_eq!(card.status, StatusCode::CREATED, "{}", card.text());
    let card = card.json();
    let auth_key = s.toss.authorize_card(card["customer_key"].as_str().unwrap());
    let redirected = owner
        .get(&format!(
            "/api/billing/success?checkout={}&customerKey={}&authKey={auth_key}",
            card["checkout_id"],
            card["customer_key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(redirected.status, StatusCode::SEE_OTHER, "{}", redirected.text());
    assert_eq!(redirected.location(), format!("https://connect.test/orgs/{org}/billing?result=card_updated"));
    assert_eq!(s.subscription_status(org).await, "active");
    assert_eq!(s.period(org).await.0, end, "the renewed period starts where the paid one ended");
    assert_eq!(s.toss.hits(Endpoint::Charge), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrades_are_charged_now_and_downgrades_wait_for_the_period_end() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "up@lab.kr").await;
    let org = company(&mut owner, "업그레이드컴퍼니", None).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let (start, end) = s.period(org).await;

    // Two clicks on "upgrade" at once: one charge.
    let clicks: Vec<_> = (0..2)
        .map(|_| {
            let mut browser = owner.clone();
            let uri = format!("/api/orgs/{org}/billing/change");
            tokio::spawn(async move {
                let response = browser.post(&uri, json!({"plan": "TEAM", "cycle": "monthly"})).await;
                (response.status, response.json())
            })
        })
        .collect();
    let mut upgraded = None;
    for click in clicks {
        let (status, body) = click.await.unwrap();
        match (status, body["result"].as_str()) {
            (StatusCode::OK, Some("upgraded")) => upgraded = Some(body),
            (StatusCode::OK, Some("unchanged")) | (StatusCode::CONFLICT, _) => {}
            other => panic!("{other:?}: {body}"),
        }
    }
    let upgraded = upgraded.expect("one click upgraded");
    let expected = connect::billing::change::prorate(
        (Plan::Pro, Cycle::Monthly),
        (Plan::Team, Cycle::Monthly),
        start,
        end,
        Utc::now(),
    );
    assert_eq!(upgraded["amount"], expected.amount);
    assert!(expected.amount > 0 && expected.amount <= 59_000 - 20_900);
    assert_eq!(s.toss.hits(Endpoint::Charge), 2);
    let view = owner.get(&format!("/api/orgs/{org}")).await.json();
    assert_eq!((view["plan"].as_str(), view["seats"]["limit"].as_u64()), (Some("TEAM"), Some(20)));
    assert_eq!(s.period(org).await, (start, end), "same cycle: same period");

    // A downgrade waits for the period's end; the renewal then charges the lower price.
    let down = owner.post(&format!("/api/orgs/{org}/billing/change"), json!({"plan": "PRO", "cycle": "monthly"})).await;
    assert_eq!(down.status, StatusCode::OK, "{}", down.text());
    assert_eq!(down.json()["result"], "scheduled");
    assert_eq!(down.json()["effective_at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), end);
    assert_eq!(owner.get(&format!("/api/orgs/{org}")).await.json()["plan"], "TEAM");
    assert_eq!(s.run(end + minutes(1)).await.paid, 1);
    assert_eq!(owner.get(&format!("/api/orgs/{org}")).await.json()["plan"], "PRO");
    let client = s.app.db.client().await;
    let row = client.query_one("SELECT amount, plan FROM payments ORDER BY id DESC LIMIT 1", &[]).await.unwrap();
    assert_eq!((row.get::<_, i64>(0), row.get::<_, String>(1).as_str()), (20_900, "PRO"));

    // FREE is reached by cancelling; an annual plan cannot jump to a higher monthly one.
    let free =
        owner.post(&format!("/api/orgs/{org}/billing/change"), json!({"plan": "FREE", "cycle": "monthly"})).await;
    assert_eq!(free.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn staff_refund_by_the_rules_and_nobody_else_can() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "refund@lab.kr").await;
    let org = company(&mut owner, "환불컴퍼니", Some(NUMBER)).await;
    subscribe(&s, &mut owner, org, "PRO", "monthly").await;
    let payment_id: i64 = s.app.db.client().await.query_one("SELECT id FROM payments", &[]).await.unwrap().get(0);

    // The owner asks for a refund; asking twice gives the same request.
    let uri = format!("/api/orgs/{org}/billing/refund-request");
    let asked = owner.post(&uri, json!({"reason": "실수로 결제했습니다"})).await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
    assert_eq!(asked.json()["estimate"], json!({"amount": 20_900, "rule": "full_within_7_days"}));
    assert_eq!(asked.json()["estimate_label"], "20,900원");
    let again = owner.post(&uri, json!({"reason": "다시 요청합니다"})).await;
    assert_eq!((again.status, again.json()["id"].clone()), (StatusCode::OK, asked.json()["id"].clone()));

    // Plain users get 403 on every staff endpoint, anonymous callers 401.
    let refund_uri = format!("/api/admin/payments/{payment_id}/refund");
    let staff_calls: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/api/admin/subscriptions", None),
        (Method::GET, "/api/admin/payments", None),
        (Method::GET, "/api/admin/refund-requests", None),
        (Method::POST, &refund_uri, Some(json!({"reason": "환불"}))),
    ];
    let mut anonymous = Browser::new(&s.app.state, "10.3.0.1");
    for (method, uri, body) in &staff_calls {
        assert_eq!(owner.send(method.clone(), uri, body.clone()).await.status, StatusCode::FORBIDDEN, "{method} {uri}");
        assert_eq!(anonymous.send(method.clone(), uri, body.clone()).await.status, StatusCode::UNAUTHORIZED);
    }

    let mut admin = staff(&s.app, "staff@connect.kr", connect::accounts::Role::Admin).await;
    let requests = admin.get("/api/admin/refund-requests").await;
    assert_eq!(requests.status, StatusCode::OK);
    assert_eq!(requests.json()[0]["estimate"]["amount"], 20_900);
    assert_eq!(requests.json()[0]["organization_name"], "환불컴퍼니");
    let subscriptions = admin.get("/api/admin/subscriptions?status=active").await.json();
    assert_eq!(subscriptions[0]["entitled_plan"], "PRO");
    assert_eq!(subscriptions[0]["monthly_equivalent"], 20_900);
    let payments = admin.get("/api/admin/payments").await.json();
    assert_eq!(payments[0]["invoice"]["business_number"], NUMBER, "for the tax invoice");
    // An ADMIN refunds by the rules, but may not choose the amount.
    let chosen = admin.post(&refund_uri, json!({"reason": "부분 환불", "amount": 1_000})).await;
    assert_eq!(chosen.status, StatusCode::FORBIDDEN);
    let refunded = admin.post(&refund_uri, json!({"reason": "고객 요청 환불"})).await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.text());
    assert_eq!(refunded.json()["amount"], 20_900);
    assert_eq!(refunded.json()["rule"], "full_within_7_days");
    assert_eq!(refunded.json()["subscription_ended"], true);
    assert_eq!(s.toss.hits(Endpoint::Cancel), 1);
    let client = s.app.db.client().await;
    let row = client.query_one("SELECT status, balance_amount FROM payments", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0).as_str(), row.get::<_, i64>(1)), ("CANCELED", 0));
    let request: String = client.query_one("SELECT status FROM refund_requests", &[]).await.unwrap().get(0);
    assert_eq!(request, "refunded");
    assert_eq!(owner.get(&format!("/api/orgs/{org}")).await.json()["plan"], "FREE");
    assert_eq!(admin.post(&refund_uri, json!({"reason": "또 환불"})).await.status, StatusCode::BAD_REQUEST);

    // A SUPER_ADMIN may refund another amount, here part of an annual plan, keeping it running.
    let mut other = person(&s.app.state, "annual@lab.kr").await;
    let annual_org = company(&mut other, "연간컴퍼니", None).await;
    subscribe(&s, &mut other, annual_org, "PRO", "annual").await;
    let annual: i64 = client.query_one("SELECT max(id) FROM payments", &[]).await.unwrap().get(0);
    let mut root = staff(&s.app, "root@connect.kr", connect::accounts::Role::SuperAdmin).await;
    let partial = root
        .post(
            &format!("/api/admin/payments/{annual}/refund"),
            json!({"reason": "장애 보상", "amount": 5_000, "end_subscription": false}),
        )
        .await;
    assert_eq!(partial.status, StatusCode::OK, "{}", partial.text());
    assert_eq!(
        (partial.json()["rule"].as_str(), partial.json()["amount_label"].as_str()),
        (Some("override"), Some("5,000원"))
    );
    let row = client.query_one("SELECT status, balance_amount FROM payments WHERE id = $1", &[&annual]).await.unwrap();
    assert_eq!((row.get::<_, String>(0).as_str(), row.get::<_, i64>(1)), ("PARTIAL_CANCELED", 204_000));
    assert_eq!(s.subscription_status(annual_org).await, "active");

    let audit: Vec<String> =
        client.query("SELECT action FROM audit_log ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    for action in [
        "billing.refund_requested",
        "admin.refund_requests_listed",
        "admin.subscriptions_listed",
        "admin.payments_listed",
        "billing.payment_refunded",
    ] {
        assert!(audit.contains(&action.to_string()), "{action} not in {audit:?}");
    }
    let (_, metrics) = s.app.get_text("/api/metrics").await;
    assert!(metrics.contains("payments_total{status=\"refunded\"} 2\n"), "{metrics}");
    assert!(metrics.contains(&format!("billing_mrr_won {}\n", plans::monthly_equivalent(Plan::Pro, Cycle::Annual))));
}

#[tokio::test]
async fn payments_survive_the_deletion_of_the_account_and_its_organisation() {
    let s = setup().await;
    let mut me = person(&s.app.state, "leaving@lab.kr").await;
    s.sink.wait_for(1, Duration::from_secs(10)).await;
    let org = company(&mut me, "주식회사 테스트랩", Some(NUMBER)).await;
    subscribe(&s, &mut me, org, "PRO", "monthly").await;
    let (_, end) = s.period(org).await;

    let requested = me.post("/api/me/deletion", json!({})).await;
    assert_eq!(requested.json()["method"], "email", "{}", requested.text());
    let mails = s.sink.wait_for(2, Duration::from_secs(10)).await;
    let code: String = mails[1].text_body().unwrap().split("코드는 ").nth(1).unwrap().chars().take(6).collect();
    let deleted = me.post("/api/me/deletion/confirm", json!({"code": code})).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());

    let client = s.app.db.client().await;
    let gone: i64 = client.query_one("SELECT count(*) FROM organizations", &[]).await.unwrap().get(0);
    assert_eq!(gone, 0, "the organisation its only member owned went with the account");
    let subscriptions: i64 = client.query_one("SELECT count(*) FROM subscriptions", &[]).await.unwrap().get(0);
    assert_eq!(subscriptions, 0);
    let row = client
        .query_one(
            "SELECT organization_id, subscription_id, amount, receipt_url, invoice_name, invoice_business_number, status
               FROM payments",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, Option<i64>>(0), None);
    assert_eq!(row.get::<_, Option<i64>>(1), None);
    assert_eq!(row.get::<_, i64>(2), 20_900);
    assert!(row.get::<_, Option<String>>(3).is_some(), "the receipt is kept");
    assert_eq!(row.get::<_, Option<String>>(4).as_deref(), Some("주식회사 테스트랩"));
    let sealed: String = row.get(5);
    assert!(vault::Sealed::is_sealed_text(&sealed) && !sealed.contains("2208162517"));
    assert_eq!(row.get::<_, String>(6), "DONE");

    let mut admin = staff(&s.app, "keeper@connect.kr", connect::accounts::Role::Admin).await;
    let payments = admin.get("/api/admin/payments").await.json();
    assert_eq!(payments.as_array().unwrap().len(), 1);
    assert_eq!(payments[0]["invoice"]["business_number"], NUMBER);
    // Nothing is charged for the subscription that went with the organisation.
    assert_eq!(s.run(end + minutes(1)).await, Report::default());
    assert_eq!(s.toss.hits(Endpoint::Charge), 1);
}

#[tokio::test]
async fn outsiders_get_404_and_plain_members_403() {
    let s = setup().await;
    let mut owner = person(&s.app.state, "boss@lab.kr").await;
    let org = company(&mut owner, "비밀컴퍼니", None).await;
    let checkout = start_checkout(&mut owner, org, "PRO", "monthly").await;

    let mut outsider = person(&s.app.state, "outsider@else.kr").await;
    company(&mut outsider, "남의회사", None).await;
    let choice = json!({"plan": "TEAM", "cycle": "monthly"});
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/orgs/{org}/billing"), None),
        (Method::POST, format!("/api/orgs/{org}/billing/checkout"), Some(choice.clone())),
        (Method::POST, format!("/api/orgs/{org}/billing/card"), Some(json!({}))),
        (Method::POST, format!("/api/orgs/{org}/billing/change"), Some(choice.clone())),
        (Method::POST, format!("/api/orgs/{org}/billing/cancel"), Some(json!({}))),
        (Method::POST, format!("/api/orgs/{org}/billing/refund-request"), Some(json!({"reason": "환불"}))),
    ];
    for (method, uri, body) in &calls {
        let response = outsider.send(method.clone(), uri, body.clone()).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {uri}: {}", response.text());
        assert!(!response.text().contains("비밀컴퍼니"));
    }
    // Someone else's checkout, even with its customerKey and a valid card registration.
    let auth_key = s.toss.authorize_card(checkout["customer_key"].as_str().unwrap());
    let stolen = outsider.post("/api/billing/success", success_body(&checkout, &auth_key)).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert_eq!(s.toss.hits(Endpoint::IssueBillingKey), 0);

    // A plain member sees the billing page but changes nothing.
    let token = owner.post(&format!("/api/orgs/{org}/invitations"), json!({"role": "member"})).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut member = person(&s.app.state, "member@lab.kr").await;
    assert_eq!(member.post("/api/invitations/accept", json!({"token": token})).await.status, StatusCode::OK);
    assert_eq!(member.get(&format!("/api/orgs/{org}/billing")).await.status, StatusCode::OK);
    for (method, uri, body) in calls.iter().skip(1) {
        let response = member.send(method.clone(), uri, body.clone()).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{method} {uri}: {}", response.text());
    }
    assert_eq!(
        member.post("/api/billing/success", success_body(&checkout, &auth_key)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn without_toss_settings_billing_answers_503() {
    let app = TestApp::new().await;
    let mut owner = person(&app.state, "early@lab.kr").await;
    let org = company(&mut owner, "이른컴퍼니", None).await;
    let refused =
        owner.post(&format!("/api/orgs/{org}/billing/checkout"), json!({"plan": "PRO", "cycle": "monthly"})).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.json()["error"]["message"], "결제가 아직 설정되지 않았습니다");
    let webhook = Browser::new(&app.state, "10.9.0.1").post("/api/webhooks/toss", json!({"eventType": "x"})).await;
    assert_eq!(webhook.status, StatusCode::SERVICE_UNAVAILABLE);
    // The billing page still shows the plan and the prices.
    let page = owner.get(&format!("/api/orgs/{org}/billing")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.json();
    assert_eq!((page["configured"].as_bool(), page["entitlement"]["plan"].as_str()), (Some(false), Some("FREE")));
    let labels: Vec<&str> =
        page["prices"].as_array().unwrap().iter().map(|p| p["amount_label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["20,900원", "209,000원", "59,000원", "590,000원"]);
}
