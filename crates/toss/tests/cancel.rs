//! Full and partial cancels and their balance rules.

mod common;

use common::{client, fake, paid};
use toss::fake::Endpoint;
use toss::PaymentStatus;

#[tokio::test]
async fn full_cancel() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-08-0001").await;
    let canceled = client.cancel(&payment.payment_key, "고객 요청", None, "cancel-1").await.unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    assert_eq!(canceled.balance_amount, 0);
    assert_eq!(canceled.cancels.len(), 1);
    let cancel = &canceled.cancels[0];
    assert_eq!((cancel.cancel_amount, cancel.refundable_amount), (20_900, 0));
    assert_eq!(cancel.cancel_reason, "고객 요청");
    assert_eq!(cancel.transaction_key.len(), 32);
    assert_eq!(canceled.canceled_amount(), 20_900);

    let again = client.cancel(&payment.payment_key, "고객 요청", None, "cancel-2").await.unwrap_err();
    assert_eq!(again.code(), Some("ALREADY_CANCELED_PAYMENT"));
    let looked_up = client.payment(&payment.payment_key).await.unwrap();
    assert_eq!(looked_up.status, PaymentStatus::Canceled);
}

#[tokio::test]
async fn partial_cancels_reduce_the_balance() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-08-0002").await;
    let first = client.cancel(&payment.payment_key, "좌석 1개 해지", Some(5_000), "cancel-p1").await.unwrap();
    assert_eq!(first.status, PaymentStatus::PartialCanceled);
    assert_eq!(first.balance_amount, 15_900);
    assert_eq!(first.cancels[0].refundable_amount, 15_900);
    assert!(first.status.is_paid());

    // The same cancel resent under its key is not applied twice.
    let replay = client.cancel(&payment.payment_key, "좌석 1개 해지", Some(5_000), "cancel-p1").await.unwrap();
    assert_eq!(replay.balance_amount, 15_900);
    assert_eq!(fake.hits(Endpoint::Cancel), 2);

    let rest = client.cancel(&payment.payment_key, "잔액 환불", Some(15_900), "cancel-p2").await.unwrap();
    assert_eq!(rest.status, PaymentStatus::Canceled);
    assert_eq!(rest.balance_amount, 0);
    assert_eq!(rest.cancels.iter().map(|c| c.cancel_amount).collect::<Vec<_>>(), [5_000, 15_900]);
}

#[tokio::test]
async fn cancelling_more_than_the_balance_is_refused() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-08-0003").await;
    client.cancel(&payment.payment_key, "부분 환불", Some(10_000), "cancel-o1").await.unwrap();
    let error = client.cancel(&payment.payment_key, "부분 환불", Some(10_901), "cancel-o2").await.unwrap_err();
    assert_eq!(error.code(), Some("NOT_CANCELABLE_AMOUNT"));
    assert!(matches!(error, toss::TossError::Api { status: 400, .. }));
    assert!(error.to_string().starts_with("결제를 처리하지 못했습니다."), "{error}");
    let zero = client.cancel(&payment.payment_key, "부분 환불", Some(0), "cancel-o3").await.unwrap_err();
    assert_eq!(zero.code(), Some("NOT_CANCELABLE_AMOUNT"));
    let unchanged = client.payment(&payment.payment_key).await.unwrap();
    assert_eq!((unchanged.balance_amount, unchanged.status), (10_900, PaymentStatus::PartialCanceled));
}

#[tokio::test]
async fn cancelling_an_unknown_payment_is_not_found() {
    let fake = fake().await;
    let client = client(&fake);
    let error = client.cancel("no-such-payment", "고객 요청", None, "cancel-n").await.unwrap_err();
    assert!(error.is_not_found() && error.code() == Some("NOT_FOUND_PAYMENT"), "{error:?}");
}
