//! Card registration and charging a billing key.

mod common;

use common::{billing_key, client, fake, pro_monthly, CUSTOMER};
use toss::fake::Endpoint;
use toss::{Charge, ExposeSecret as _, PaymentStatus, Url};

#[tokio::test]
async fn issues_a_billing_key_for_the_customer() {
    let fake = fake().await;
    let client = client(&fake);
    let auth_key = fake.authorize_card(CUSTOMER);
    let billing = client.issue_billing_key(&auth_key, CUSTOMER).await.unwrap();
    assert_eq!(billing.customer_key, CUSTOMER);
    assert_eq!(billing.method, "카드");
    assert_eq!(billing.card_company.as_deref(), Some("현대"));
    assert_eq!(billing.card_number.as_deref(), Some("43301234****123*"));
    let card = billing.card.as_ref().unwrap();
    assert_eq!((card.card_type.as_deref(), card.owner_type.as_deref()), (Some("신용"), Some("개인")));
    assert_eq!(billing.authenticated_at.offset().local_minus_utc(), 9 * 3600);
    assert_eq!(fake.billing_customer(billing.billing_key.expose_secret()).as_deref(), Some(CUSTOMER));
    assert!(!format!("{billing:?}").contains(billing.billing_key.expose_secret()));

    // An authKey is redeemed once.
    let again = client.issue_billing_key(&auth_key, CUSTOMER).await.unwrap_err();
    assert_eq!(again.code(), Some("INVALID_REQUEST"));
    assert_eq!(fake.hits(Endpoint::IssueBillingKey), 2);
}

#[tokio::test]
async fn auth_key_of_another_customer_is_refused() {
    let fake = fake().await;
    let client = client(&fake);
    let auth_key = fake.authorize_card(CUSTOMER);
    let error = client.issue_billing_key(&auth_key, "cus_someone_else").await.unwrap_err();
    assert_eq!(error.code(), Some("NOT_MATCHES_CUSTOMER_KEY"));
    // Still redeemable by its own customer.
    client.issue_billing_key(&auth_key, CUSTOMER).await.unwrap();
}

#[tokio::test]
async fn charge_is_done_with_all_fields_parsed() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let mut charge = pro_monthly("sub-2024-05-0001");
    charge.customer_email = Some("owner@example.kr".into());
    charge.customer_name = Some("김대표".into());
    let payment = client.charge(&billing_key, &charge, "idem-0001").await.unwrap();

    assert_eq!(payment.status, PaymentStatus::Done);
    assert_eq!(payment.order_id, "sub-2024-05-0001");
    assert_eq!(payment.order_name, "Connect PRO 월간");
    assert_eq!((payment.total_amount, payment.balance_amount), (20_900, 20_900));
    assert_eq!((payment.supplied_amount, payment.vat, payment.tax_free_amount), (19_000, 1_900, 0));
    assert_eq!(payment.payment_type.as_deref(), Some("BILLING"));
    assert_eq!(payment.method.as_deref(), Some("카드"));
    assert_eq!(payment.currency.as_deref(), Some("KRW"));
    assert!(payment.cancels.is_empty());
    assert_eq!(payment.approved_at.unwrap().offset().local_minus_utc(), 9 * 3600);
    let card = payment.card.as_ref().unwrap();
    assert_eq!(card.approve_no.as_ref().map(String::len), Some(8));
    assert_eq!(card.amount, 20_900);
    assert!(payment.receipt.as_ref().is_some_and(|r| r.url.starts_with("https://")));

    let fetched = client.payment(&payment.payment_key).await.unwrap();
    assert_eq!((fetched.order_id.as_str(), fetched.status), ("sub-2024-05-0001", PaymentStatus::Done));
}

#[tokio::test]
async fn charge_must_repeat_the_billing_customer() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let charge = Charge::new("cus_other", 20_900, "sub-2024-05-0002", "Connect PRO 월간");
    let error = client.charge(&billing_key, &charge, "idem-0002").await.unwrap_err();
    assert_eq!(error.code(), Some("NOT_MATCHES_CUSTOMER_KEY"));
    assert_eq!(fake.payment_count(), 0);
}

#[tokio::test]
async fn unknown_payment_is_not_found_and_unknown_order_is_none() {
    let fake = fake().await;
    let client = client(&fake);
    let error = client.payment("no-such-payment").await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.code(), Some("NOT_FOUND_PAYMENT"));
    assert_eq!(error.to_string(), "결제 정보를 찾을 수 없습니다.");
    assert!(client.payment_by_order("sub-never-charged").await.unwrap().is_none());
}

#[tokio::test]
async fn empty_keys_are_refused_before_sending() {
    let fake = fake().await;
    let client = client(&fake);
    let charge = pro_monthly("sub-2024-05-0003");
    assert!(matches!(client.charge("", &charge, "idem").await, Err(toss::TossError::InvalidRequest(_))));
    assert!(matches!(client.charge("bk", &charge, "bad key").await, Err(toss::TossError::InvalidRequest(_))));
    assert!(matches!(client.payment(" ").await, Err(toss::TossError::InvalidRequest(_))));
    assert_eq!(fake.hits(Endpoint::Charge) + fake.hits(Endpoint::Payment), 0);
}

/// The browser side of a registration: the SDK script sends the page to the fake's window, which
/// redirects as Toss does — to the success URL with an `authKey` redeemable once, or to the fail URL.
#[tokio::test]
async fn the_fake_sdk_registers_a_card_through_redirects() {
    let fake = fake().await;
    let client = client(&fake);
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let script = browser.get(fake.sdk_url()).send().await.unwrap();
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
    let script = script.text().await.unwrap();
    assert!(script.contains("window.TossPayments") && script.contains("requestBillingAuth"), "{script}");

    let window = |client_key: &str| {
        let mut url = fake.base_url().join("v2/billing-auth").unwrap();
        url.query_pairs_mut()
            .append_pair("clientKey", client_key)
            .append_pair("customerKey", CUSTOMER)
            .append_pair("successUrl", "https://connect.test/api/billing/success?checkout=7")
            .append_pair("failUrl", "https://connect.test/billing/fail?checkout=7");
        url
    };
    let registered = browser.get(window(fake.client_key())).send().await.unwrap();
    assert_eq!(registered.status(), 302);
    let location = Url::parse(registered.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/api/billing/success");
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!((query["checkout"].as_str(), query["customerKey"].as_str()), ("7", CUSTOMER));
    let billing = client.issue_billing_key(&query["authKey"], CUSTOMER).await.unwrap();
    assert_eq!(billing.card_company.as_deref(), Some("현대"));

    // A failure on demand, and a wrong client key, go to the fail URL with Toss's code and message.
    fake.fail_next_billing_auth("PAY_PROCESS_CANCELED", "사용자에 의해 결제가 취소되었습니다.");
    for client_key in [fake.client_key(), "test_ck_someone_else"] {
        let failed = browser.get(window(client_key)).send().await.unwrap();
        let location = Url::parse(failed.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(location.path(), "/billing/fail");
        let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
        assert!(!query.contains_key("authKey"));
        assert_eq!(query["checkout"], "7");
        let expected = if client_key == fake.client_key() { "PAY_PROCESS_CANCELED" } else { "INVALID_CLIENT_KEY" };
        assert_eq!(query["code"], expected);
    }
    assert_eq!(fake.hits(Endpoint::BillingAuth), 3);
}
