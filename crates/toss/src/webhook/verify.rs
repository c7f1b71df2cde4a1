//! Confirming a webhook with Toss: re-fetch the payment it names and trust only that.

use secrecy::ExposeSecret as _;

use super::WebhookEvent;
use crate::wire::constant_time_eq;
use crate::{Client, Payment, TossError};

impl Client {
    /// The live payment behind a webhook event, fetched from Toss; use it, not the event body.
    ///
    /// - `PAYMENT_STATUS_CHANGED`: `GET /v1/payments/{paymentKey}`; the payment must have the
    ///   event's `orderId`.
    /// - `DEPOSIT_CALLBACK`: the event's `secret` must equal `stored_secret` (the payment's
    ///   `secret` as stored when it was made; `None` compares with the re-fetched payment's),
    ///   compared in constant time; then the payment is fetched by `orderId`.
    ///
    /// [`TossError::Unverified`] means the event is bogus (ignore it, answer 200); other errors
    /// mean Toss could not be asked (answer 5xx so Toss resends).
    pub async fn verify_event(&self, event: &WebhookEvent, stored_secret: Option<&str>) -> Result<Payment, TossError> {
        match event {
            WebhookEvent::PaymentStatusChanged { payment_key, order_id, .. } => {
                let payment = match self.payment(payment_key).await {
                    Err(error) if error.is_not_found() => {
                        return Err(TossError::Unverified("Toss has no payment with the event's paymentKey".into()))
                    }
                    fetched => fetched?,
                };
                if payment.order_id != *order_id {
                    return Err(TossError::Unverified("event's orderId is not the payment's".into()));
                }
                Ok(payment)
            }
            WebhookEvent::DepositCallback { order_id, secret, .. } => {
                let secret = secret.expose_secret().as_bytes();
                if stored_secret.is_some_and(|stored| !constant_time_eq(secret, stored.as_bytes())) {
                    return Err(TossError::Unverified("event's secret is not the payment's".into()));
                }
                let payment = self
                    .payment_by_order(order_id)
                    .await?
                    .ok_or_else(|| TossError::Unverified("Toss has no payment with the event's orderId".into()))?;
                if stored_secret.is_none() {
                    let fetched = payment.secret.as_ref().map(|s| s.expose_secret().as_bytes());
                    if !fetched.is_some_and(|fetched| constant_time_eq(secret, fetched)) {
                        return Err(TossError::Unverified("event's secret is not the payment's".into()));
                    }
                }
                Ok(payment)
            }
            WebhookEvent::BillingDeleted { .. } | WebhookEvent::Other { .. } => {
                Err(TossError::Unverified(format!("{} names no payment to re-fetch", event.event_type())))
            }
        }
    }
}
