//! Webhooks: events are hints, the re-fetched payment is the truth; signatures of signed versions.

mod common;

use common::{client, fake, paid, Receiver};

use serde_json::json;
use toss::fake::Endpoint;
use toss::webhook::{self, SignatureError};
use toss::{PaymentStatus, SecretString, TossError, WebhookEvent};

#[tokio::test]
async fn re_fetch_returns_the_live_status_even_if_the_event_lies() {
    let fake = fake().await;
    let client = client(&fake);
    let mut receiver = Receiver::start().await;
    let payment = paid(&fake, &client, "sub-2024-09-0001").await;

    // A forged "cancelled" event for a payment that is DONE.
    let mut lying = fake.payment_event(&payment.payment_key);
    lying["data"]["status"] = json!("CANCELED");
    lying["data"]["balanceAmount"] = json!(0);
    assert_eq!(fake.send_webhook(&receiver.url, &lying).await, Ok(200));
    let delivery = receiver.next().await;
    let event = WebhookEvent::parse(&delivery.body).unwrap();
    assert!(matches!(&event, WebhookEvent::PaymentStatusChanged { claimed_status: PaymentStatus::Canceled, .. }));
    let live = client.verify_event(&event, None).await.unwrap();
    assert_eq!(live.status, PaymentStatus::Done);
    assert_eq!(live.balance_amount, 20_900);
    assert_eq!(fake.hits(Endpoint::Payment), 1);
}

#[tokio::test]
async fn duplicate_and_out_of_order_events_resolve_to_the_current_state() {
    let fake = fake().await;
    let client = client(&fake);
    let mut receiver = Receiver::start().await;
    let payment = paid(&fake, &client, "sub-2024-09-0002").await;
    let done_event = fake.payment_event(&payment.payment_key);
    client.cancel(&payment.payment_key, "고객 요청", None, "cancel-w").await.unwrap();
    let canceled_event = fake.payment_event(&payment.payment_key);

    // Newest first, then the stale one twice.
    for event in [&canceled_event, &done_event, &done_event] {
        assert_eq!(fake.send_webhook(&receiver.url, event).await, Ok(200));
    }
    for _ in 0..3 {
        let event = WebhookEvent::parse(&receiver.next().await.body).unwrap();
        let live = client.verify_event(&event, None).await.unwrap();
        assert_eq!((live.status, live.balance_amount), (PaymentStatus::Canceled, 0));
    }
}

#[tokio::test]
async fn events_naming_unknown_or_mismatched_payments_are_unverified() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-09-0003").await;

    let mut unknown = fake.payment_event(&payment.payment_key);
    unknown["data"]["paymentKey"] = json!("forged-payment-key");
    let event = WebhookEvent::parse(unknown.to_string().as_bytes()).unwrap();
    assert!(matches!(client.verify_event(&event, None).await, Err(TossError::Unverified(_))));

    let mut other_order = fake.payment_event(&payment.payment_key);
    other_order["data"]["orderId"] = json!("sub-someone-else");
    let event = WebhookEvent::parse(other_order.to_string().as_bytes()).unwrap();
    assert!(matches!(client.verify_event(&event, None).await, Err(TossError::Unverified(_))));

    let deleted = json!({"eventType": "BILLING_DELETED", "createdAt": "2024-09-01T00:00:00.000",
                         "data": {"customerKey": "cus_8f2b61c0", "billingKey": "bk"}});
    let event = WebhookEvent::parse(deleted.to_string().as_bytes()).unwrap();
    assert!(matches!(client.verify_event(&event, None).await, Err(TossError::Unverified(_))));
}

#[tokio::test]
async fn toss_down_during_verification_is_not_unverified() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-09-0004").await;
    let event = WebhookEvent::parse(fake.payment_event(&payment.payment_key).to_string().as_bytes()).unwrap();
    fake.set_down(true);
    // The handler must answer 5xx so Toss resends, not drop the event.
    let error = client.verify_event(&event, None).await.unwrap_err();
    assert!(matches!(error, TossError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn deposit_callback_secret_is_compared_with_the_stored_one() {
    let fake = fake().await;
    let client = client(&fake);
    let payment = paid(&fake, &client, "sub-2024-09-0005").await;
    let callback = |secret: &str| {
        let body = json!({"createdAt": "2024-09-01T00:00:00.000000", "secret": secret, "status": "DONE",
                          "transactionKey": "tk", "orderId": payment.order_id});
        WebhookEvent::parse(body.to_string().as_bytes()).unwrap()
    };
    let live = client.verify_event(&callback("ps_stored_secret"), Some("ps_stored_secret")).await.unwrap();
    assert_eq!(live.payment_key, payment.payment_key);

    let hits = fake.hits(Endpoint::PaymentByOrder);
    let forged = client.verify_event(&callback("ps_guess"), Some("ps_stored_secret")).await.unwrap_err();
    assert!(matches!(forged, TossError::Unverified(_)));
    assert_eq!(fake.hits(Endpoint::PaymentByOrder), hits, "a wrong secret is refused without asking Toss");

    // Card payments carry no secret at Toss: without a stored one there is nothing to compare.
    let unknown = client.verify_event(&callback("ps_stored_secret"), None).await.unwrap_err();
    assert!(matches!(unknown, TossError::Unverified(_)));
}

#[tokio::test]
async fn signed_webhooks_verify_with_the_security_key_only() {
    let fake = fake().await;
    let mut receiver = Receiver::start().await;
    let event = json!({"eventType": "payout.changed", "createdAt": "2024-09-05T12:19:21+09:00",
                       "version": "2022-11-16", "entityType": "payout", "entityBody": {"status": "COMPLETED"}});
    assert_eq!(fake.send_signed_webhook(&receiver.url, &event).await, Ok(200));
    let delivery = receiver.next().await;
    let key = SecretString::from(fake.webhook_security_key().to_owned());
    assert_eq!(webhook::verify_signature(&delivery.body, &delivery.headers, &key), Ok(()));

    // Another key, a changed body, or no headers at all.
    let wrong = SecretString::from("someone-elses-key");
    assert_eq!(webhook::verify_signature(&delivery.body, &delivery.headers, &wrong), Err(SignatureError::Mismatch));
    let mut tampered = delivery.body.to_vec();
    tampered.extend_from_slice(b" ");
    assert_eq!(webhook::verify_signature(&tampered, &delivery.headers, &key), Err(SignatureError::Mismatch));

    assert_eq!(fake.send_webhook(&receiver.url, &event).await, Ok(200));
    let unsigned = receiver.next().await;
    assert!(matches!(
        webhook::verify_signature(&unsigned.body, &unsigned.headers, &key),
        Err(SignatureError::MissingHeader(_))
    ));
}
