//! Declines, outages, timeouts and bad credentials.

mod common;

use std::time::Duration;

use common::{billing_key, client, fake, pro_monthly};
use toss::fake::Endpoint;
use toss::{Client, PaymentStatus, TossError, Url};

#[tokio::test]
async fn timed_out_charge_is_found_by_order_id() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let impatient = Client::new(toss::TossConfig { timeout: Duration::from_secs(1), ..fake.config() });
    let charge = pro_monthly("sub-2024-07-0001");

    // Far longer than the client waits; the fake records the charge before it starts waiting.
    fake.delay_next(Duration::from_secs(60));
    let error = impatient.charge(&billing_key, &charge, "idem-t").await.unwrap_err();
    assert_eq!(error, TossError::Timeout);
    assert!(error.outcome_unknown() && error.is_retryable());
    assert!(error.to_string().contains("결제 결과를 확인하지 못했습니다"), "{error}");

    // Toss did charge: the lookup by our orderId settles it.
    let payment = client.payment_by_order(&charge.order_id).await.unwrap().expect("charge recorded at Toss");
    assert_eq!(payment.status, PaymentStatus::Done);
    assert_eq!(payment.total_amount, 20_900);
    // Resending under the same key is safe too: the same payment comes back.
    let resent = client.charge(&billing_key, &charge, "idem-t").await.unwrap();
    assert_eq!(resent.payment_key, payment.payment_key);
    assert_eq!(fake.payment_count(), 1);
    assert_eq!(fake.hits(Endpoint::PaymentByOrder), 1);
}

#[tokio::test]
async fn declined_card_is_an_api_error_with_korean_message() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    fake.fail_next_charge("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
    let error = client.charge(&billing_key, &pro_monthly("sub-2024-07-0002"), "idem-r").await.unwrap_err();
    match &error {
        TossError::Api { status, code, message } => {
            assert_eq!((*status, code.as_str()), (403, "REJECT_CARD_PAYMENT"));
            assert_eq!(message, "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert_eq!(error.to_string(), "카드 결제가 거절되었습니다. 한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
    assert!(error.is_card_declined() && !error.is_retryable() && !error.outcome_unknown());
    assert!(client.payment_by_order("sub-2024-07-0002").await.unwrap().is_none());
}

#[tokio::test]
async fn other_injected_codes_keep_their_status() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    fake.fail_next_charge("INVALID_CARD_EXPIRATION", "카드 정보를 다시 확인해주세요. (유효기간)");
    let error = client.charge(&billing_key, &pro_monthly("sub-2024-07-0003"), "idem-e1").await.unwrap_err();
    assert!(matches!(error, TossError::Api { status: 400, .. }) && error.is_card_declined());
    fake.fail_next_charge("PROVIDER_ERROR", "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.");
    let error = client.charge(&billing_key, &pro_monthly("sub-2024-07-0003"), "idem-e2").await.unwrap_err();
    assert!(error.is_retryable() && !error.outcome_unknown());
    fake.fail_next_charge("FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.");
    let error = client.charge(&billing_key, &pro_monthly("sub-2024-07-0003"), "idem-e3").await.unwrap_err();
    assert!(matches!(error, TossError::Api { status: 500, .. }) && error.outcome_unknown());
    // A 500 is not remembered under its key: resending it goes through.
    let payment = client.charge(&billing_key, &pro_monthly("sub-2024-07-0003"), "idem-e3").await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Done);
}

#[tokio::test]
async fn toss_down_is_unavailable_and_retryable() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let charge = pro_monthly("sub-2024-07-0004");
    fake.set_down(true);
    let error = client.charge(&billing_key, &charge, "idem-u").await.unwrap_err();
    assert!(matches!(error, TossError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable() && !error.outcome_unknown());
    assert!(error.log_detail().contains("503"), "{}", error.log_detail());
    assert_eq!(error.to_string(), "결제 서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.");
    assert_eq!(fake.payment_count(), 0);

    fake.set_down(false);
    let payment = client.charge(&billing_key, &charge, "idem-u").await.unwrap();
    assert_eq!(payment.status, PaymentStatus::Done);
    assert_eq!(fake.hits(Endpoint::Charge), 2);
}

#[tokio::test]
async fn wrong_secret_key_is_unauthorized() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let intruder = Client::new(toss::TossConfig { secret_key: "test_sk_wrong".into(), ..fake.config() });
    let error = intruder.charge(&billing_key, &pro_monthly("sub-2024-07-0005"), "idem-w").await.unwrap_err();
    match &error {
        TossError::Api { status: 401, code, .. } => assert_eq!(code, "UNAUTHORIZED_KEY"),
        other => panic!("expected 401, got {other:?}"),
    }
    assert_eq!(error.to_string(), "결제 서비스 설정에 문제가 있습니다. 고객센터에 문의해 주세요.");
    assert!(!error.is_retryable());
    assert!(intruder.payment_by_order("sub-2024-07-0005").await.is_err());
    assert_eq!(fake.payment_count(), 0);
}

#[tokio::test]
async fn unreachable_toss_is_unavailable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let config = toss::TossConfig {
        base_url: Url::parse(&format!("http://{closed}/")).unwrap(),
        timeout: Duration::from_secs(2),
        ..toss::TossConfig::new("test_sk_x".into(), "test_ck_x")
    };
    let error = Client::new(config).payment("pk").await.unwrap_err();
    match &error {
        TossError::Unavailable(detail) => assert!(detail.starts_with("connection failed"), "{detail}"),
        other => panic!("expected connection failure, got {other:?}"),
    }
    assert!(!error.outcome_unknown());
}

#[tokio::test]
async fn base_url_with_a_path_prefix_is_kept() {
    // A proxy mounting Toss under /toss/: the client must keep the prefix; the fake has no such
    // prefix, so the request lands on no route (404 without a Toss body).
    let fake = fake().await;
    let config = toss::TossConfig { base_url: fake.base_url().join("toss/").unwrap(), ..fake.config() };
    let error = Client::new(config).payment("pk").await.unwrap_err();
    assert!(matches!(error, TossError::Malformed(ref detail) if detail.contains("404")), "{error:?}");
    assert_eq!(fake.hits(Endpoint::Payment), 0);
}
