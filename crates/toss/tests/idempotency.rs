//! Idempotency keys and order ids: a charge happens once, however often it is sent.

mod common;

use common::{billing_key, client, fake, pro_monthly};
use toss::fake::Endpoint;

#[tokio::test]
async fn same_idempotency_key_twice_makes_one_payment() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let charge = pro_monthly("sub-2024-06-0001");
    let first = client.charge(&billing_key, &charge, "idem-a").await.unwrap();
    let second = client.charge(&billing_key, &charge, "idem-a").await.unwrap();
    assert_eq!(first.payment_key, second.payment_key);
    assert_eq!(first.approved_at, second.approved_at);
    assert_eq!(fake.hits(Endpoint::Charge), 2);
    assert_eq!(fake.payment_count(), 1);
}

#[tokio::test]
async fn same_order_under_another_key_is_a_duplicate() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let charge = pro_monthly("sub-2024-06-0002");
    client.charge(&billing_key, &charge, "idem-b1").await.unwrap();
    let error = client.charge(&billing_key, &charge, "idem-b2").await.unwrap_err();
    assert_eq!(error.code(), Some("DUPLICATED_ORDER_ID"));
    assert!(matches!(error, toss::TossError::Api { status: 400, .. }));
    assert!(!error.is_retryable() && !error.outcome_unknown());
    assert_eq!(fake.payment_count(), 1);
}

#[tokio::test]
async fn same_key_with_another_request_conflicts() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    client.charge(&billing_key, &pro_monthly("sub-2024-06-0003"), "idem-c").await.unwrap();
    let error = client.charge(&billing_key, &pro_monthly("sub-2024-06-0004"), "idem-c").await.unwrap_err();
    assert_eq!(error.code(), Some("IDEMPOTENT_REQUEST_PROCESSING"));
    assert!(matches!(error, toss::TossError::Api { status: 409, .. }));
    assert_eq!(fake.payment_count(), 1);
}

#[tokio::test]
async fn a_refusal_is_replayed_for_its_key_but_a_new_key_may_succeed() {
    let fake = fake().await;
    let client = client(&fake);
    let billing_key = billing_key(&fake, &client).await;
    let charge = pro_monthly("sub-2024-06-0005");
    fake.fail_next_charge("REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
    let first = client.charge(&billing_key, &charge, "idem-d1").await.unwrap_err();
    let replay = client.charge(&billing_key, &charge, "idem-d1").await.unwrap_err();
    assert_eq!(first, replay);
    // A declined charge records nothing: the order may be retried under a new key.
    let payment = client.charge(&billing_key, &charge, "idem-d2").await.unwrap();
    assert_eq!(payment.order_id, "sub-2024-06-0005");
    assert_eq!(fake.payment_count(), 1);
}
