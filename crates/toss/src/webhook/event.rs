//! Parsing of webhook bodies into the events Connect handles.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::Value;

use crate::wire::json_error;
use crate::{PaymentStatus, TossError};

/// A webhook as Toss (or anyone) sent it: nothing in it is verified. `Debug` masks secrets.
#[derive(Debug, Clone)]
pub enum WebhookEvent {
    /// `PAYMENT_STATUS_CHANGED`: a payment changed status (approved, cancelled, expired, …).
    PaymentStatusChanged { created_at: String, payment_key: String, order_id: String, claimed_status: PaymentStatus },
    /// `DEPOSIT_CALLBACK`: a virtual-account deposit (or its cancellation), with the payment's
    /// secret.
    DepositCallback {
        created_at: String,
        order_id: String,
        claimed_status: PaymentStatus,
        secret: SecretString,
        transaction_key: Option<String>,
    },
    /// `BILLING_DELETED`: a billing key was deleted (by the customer or at Toss).
    BillingDeleted { created_at: String, customer_key: Option<String>, billing_key: Option<SecretString> },
    /// Any other event type, kept by name.
    Other { event_type: String, created_at: String },
}

/// Both shapes: `{"eventType", "createdAt", "data": {…}}`, and the flat deposit callback
/// `{"createdAt", "secret", "orderId", "status", "transactionKey"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    event_type: Option<String>,
    created_at: Option<String>,
    #[serde(default)]
    data: Value,
    #[serde(flatten)]
    top: Fields,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    payment_key: Option<String>,
    order_id: Option<String>,
    status: Option<String>,
    secret: Option<String>,
    transaction_key: Option<String>,
    customer_key: Option<String>,
    billing_key: Option<String>,
}

impl WebhookEvent {
    /// Parses a webhook body.
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, TossError> {
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| TossError::Malformed(format!("webhook: {}", json_error(&e))))?;
        let data: Fields = match &envelope.data {
            Value::Object(_) => Fields::deserialize(&envelope.data)
                .map_err(|e| TossError::Malformed(format!("webhook data: {}", json_error(&e))))?,
            _ => Fields::default(),
        };
        let created_at = envelope.created_at.unwrap_or_default();
        let event_type = match envelope.event_type {
            Some(event_type) => event_type,
            None if envelope.top.secret.is_some() => "DEPOSIT_CALLBACK".to_owned(),
            None => return Err(TossError::Malformed("webhook without eventType".into())),
        };
        match event_type.as_str() {
            "PAYMENT_STATUS_CHANGED" => Ok(WebhookEvent::PaymentStatusChanged {
                created_at,
                payment_key: required("data.paymentKey", data.payment_key)?,
                order_id: required("data.orderId", data.order_id)?,
                claimed_status: required("data.status", data.status)?.into(),
            }),
            "DEPOSIT_CALLBACK" => {
                let fields = if envelope.data.is_object() { data } else { envelope.top };
                Ok(WebhookEvent::DepositCallback {
                    created_at,
                    order_id: required("orderId", fields.order_id)?,
                    claimed_status: required("status", fields.status)?.into(),
                    secret: required("secret", fields.secret)?.into(),
                    transaction_key: fields.transaction_key,
                })
            }
            "BILLING_DELETED" => Ok(WebhookEvent::BillingDeleted {
                created_at,
                customer_key: data.customer_key,
                billing_key: data.billing_key.map(SecretString::from),
            }),
            _ => Ok(WebhookEvent::Other { event_type, created_at }),
        }
    }

    /// The event type as Toss names it.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::PaymentStatusChanged { .. } => "PAYMENT_STATUS_CHANGED",
            WebhookEvent::DepositCallback { .. } => "DEPOSIT_CALLBACK",
            WebhookEvent::BillingDeleted { .. } => "BILLING_DELETED",
            WebhookEvent::Other { event_type, .. } => event_type,
        }
    }

    /// When Toss made the event, as sent (`2022-05-12T00:00:00.000`; orders events, unverified).
    pub fn created_at(&self) -> &str {
        match self {
            WebhookEvent::PaymentStatusChanged { created_at, .. }
            | WebhookEvent::DepositCallback { created_at, .. }
            | WebhookEvent::BillingDeleted { created_at, .. }
            | WebhookEvent::Other { created_at, .. } => created_at,
        }
    }
}

fn required(name: &str, value: Option<String>) -> Result<String, TossError> {
    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| TossError::Malformed(format!("webhook without {name}")))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn payment_status_changed() {
        let body = br#"{"eventType":"PAYMENT_STATUS_CHANGED","createdAt":"2022-05-12T00:00:00.000",
            "data":{"paymentKey":"pk_1","orderId":"order-1","status":"CANCELED","totalAmount":20900}}"#;
        match WebhookEvent::parse(body).unwrap() {
            WebhookEvent::PaymentStatusChanged { payment_key, order_id, claimed_status, created_at } => {
                assert_eq!((payment_key.as_str(), order_id.as_str()), ("pk_1", "order-1"));
                assert_eq!(claimed_status, PaymentStatus::Canceled);
                assert_eq!(created_at, "2022-05-12T00:00:00.000");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flat_and_wrapped_deposit_callbacks() {
        let flat = br#"{"createdAt":"2022-01-01T00:00:00.000000","secret":"ps_abc","status":"DONE",
            "transactionKey":"tk","orderId":"order-2"}"#;
        let wrapped = br#"{"eventType":"DEPOSIT_CALLBACK","createdAt":"2022-01-01T00:00:00.000000",
            "data":{"secret":"ps_abc","status":"DONE","transactionKey":"tk","orderId":"order-2"}}"#;
        for body in [&flat[..], &wrapped[..]] {
            let event = WebhookEvent::parse(body).unwrap();
            assert_eq!(event.event_type(), "DEPOSIT_CALLBACK");
            let WebhookEvent::DepositCallback { order_id, secret, claimed_status, .. } = &event else { panic!() };
            assert_eq!((order_id.as_str(), secret.expose_secret()), ("order-2", "ps_abc"));
            assert_eq!(*claimed_status, PaymentStatus::Done);
            assert!(!format!("{event:?}").contains("ps_abc"));
        }
    }

    #[test]
    fn billing_deleted_and_others() {
        let body =
            br#"{"eventType":"BILLING_DELETED","createdAt":"x","data":{"customerKey":"cus_1","billingKey":"bk"}}"#;
        let event = WebhookEvent::parse(body).unwrap();
        assert!(matches!(&event, WebhookEvent::BillingDeleted { customer_key: Some(c), .. } if c == "cus_1"));
        assert!(!format!("{event:?}").contains("\"bk\""));
        let body = br#"{"eventType":"payout.changed","createdAt":"x","entityBody":{}}"#;
        assert_eq!(WebhookEvent::parse(body).unwrap().event_type(), "payout.changed");
    }

    #[test]
    fn broken_events_are_malformed() {
        for body in [&b"not json"[..], br#"{"createdAt":"x"}"#, br#"{"eventType":"PAYMENT_STATUS_CHANGED","data":{}}"#]
        {
            assert!(matches!(WebhookEvent::parse(body), Err(TossError::Malformed(_))), "{body:?}");
        }
    }
}
