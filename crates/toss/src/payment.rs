//! The Payment object and its status, and what a charge asks for.

use std::fmt;

use chrono::{DateTime, FixedOffset};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::wire::null_as_empty;

/// One charge of a billing key (`POST /v1/billing/{billingKey}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Charge {
    /// The customer the billing key was issued to.
    pub customer_key: String,
    /// Amount in won, VAT included.
    pub amount: i64,
    /// Connect's unique id of this order (6–64 characters of `A-Za-z0-9-_`); the way to find
    /// the payment again when the answer is lost.
    pub order_id: String,
    /// What is bought, e.g. `Connect PRO 월간`.
    pub order_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Part of `amount` exempt from VAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_free_amount: Option<i64>,
}

impl Charge {
    pub fn new(
        customer_key: impl Into<String>,
        amount: i64,
        order_id: impl Into<String>,
        order_name: impl Into<String>,
    ) -> Self {
        Charge {
            customer_key: customer_key.into(),
            amount,
            order_id: order_id.into(),
            order_name: order_name.into(),
            customer_email: None,
            customer_name: None,
            tax_free_amount: None,
        }
    }
}

/// Where a payment stands at Toss.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(from = "String")]
pub enum PaymentStatus {
    /// Created, not yet authenticated.
    Ready,
    /// Authenticated, awaiting approval.
    InProgress,
    /// Virtual account issued, awaiting the deposit.
    WaitingForDeposit,
    /// Approved: the money is taken.
    Done,
    /// Wholly cancelled.
    Canceled,
    /// Partly cancelled; `balance_amount` is what remains.
    PartialCanceled,
    /// Approval failed.
    Aborted,
    /// Not completed in time (30 minutes after creation, or the deposit deadline).
    Expired,
    /// A status this client does not know yet, as Toss spelled it.
    Unknown(String),
}

impl PaymentStatus {
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::Ready => "READY",
            PaymentStatus::InProgress => "IN_PROGRESS",
            PaymentStatus::WaitingForDeposit => "WAITING_FOR_DEPOSIT",
            PaymentStatus::Done => "DONE",
            PaymentStatus::Canceled => "CANCELED",
            PaymentStatus::PartialCanceled => "PARTIAL_CANCELED",
            PaymentStatus::Aborted => "ABORTED",
            PaymentStatus::Expired => "EXPIRED",
            PaymentStatus::Unknown(status) => status,
        }
    }

    /// Whether money was taken and (some of it) is still held: `DONE` or `PARTIAL_CANCELED`.
    pub fn is_paid(&self) -> bool {
        matches!(self, PaymentStatus::Done | PaymentStatus::PartialCanceled)
    }
}

impl From<String> for PaymentStatus {
    fn from(status: String) -> Self {
        PaymentStatus::from(status.as_str())
    }
}

impl From<&str> for PaymentStatus {
    fn from(status: &str) -> Self {
        match status {
            "READY" => PaymentStatus::Ready,
            "IN_PROGRESS" => PaymentStatus::InProgress,
            "WAITING_FOR_DEPOSIT" => PaymentStatus::WaitingForDeposit,
            "DONE" => PaymentStatus::Done,
            "CANCELED" => PaymentStatus::Canceled,
            "PARTIAL_CANCELED" => PaymentStatus::PartialCanceled,
            "ABORTED" => PaymentStatus::Aborted,
            "EXPIRED" => PaymentStatus::Expired,
            other => PaymentStatus::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A payment as Toss reports it (charge, lookup, cancel). Amounts are in won.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub payment_key: String,
    pub order_id: String,
    #[serde(default)]
    pub order_name: String,
    pub status: PaymentStatus,
    /// `BILLING` for charges of a billing key, `NORMAL`, `BRANDPAY`.
    #[serde(rename = "type", default)]
    pub payment_type: Option<String>,
    /// `카드`, …
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub m_id: Option<String>,
    pub total_amount: i64,
    /// What is left after cancellations.
    pub balance_amount: i64,
    #[serde(default)]
    pub supplied_amount: i64,
    #[serde(default)]
    pub vat: i64,
    #[serde(default)]
    pub tax_free_amount: i64,
    pub requested_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub approved_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub last_transaction_key: Option<String>,
    #[serde(default)]
    pub card: Option<PaymentCard>,
    #[serde(default)]
    pub receipt: Option<Receipt>,
    /// Cancellations, oldest first; empty when none (Toss sends `null`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub cancels: Vec<Cancellation>,
    /// Why approval failed, for `ABORTED`/`EXPIRED` payments.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// Per-payment secret Toss repeats in secret-bearing webhooks (virtual accounts). `Debug`
    /// masks it.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

impl Payment {
    /// Sum of all cancellations.
    pub fn canceled_amount(&self) -> i64 {
        self.cancels.iter().map(|cancel| cancel.cancel_amount).sum()
    }
}

/// Card details of a card payment (the number is masked).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCard {
    #[serde(default)]
    pub issuer_code: Option<String>,
    #[serde(default)]
    pub acquirer_code: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub card_type: Option<String>,
    #[serde(default)]
    pub owner_type: Option<String>,
    /// The issuer's approval number.
    #[serde(default)]
    pub approve_no: Option<String>,
    #[serde(default)]
    pub amount: i64,
    #[serde(default)]
    pub installment_plan_months: i64,
}

/// Where the card slip (매출전표) can be viewed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Receipt {
    pub url: String,
}

/// One (full or partial) cancellation of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancellation {
    pub cancel_amount: i64,
    #[serde(default)]
    pub cancel_reason: String,
    pub canceled_at: DateTime<FixedOffset>,
    pub transaction_key: String,
    /// What may still be cancelled after this one.
    #[serde(default)]
    pub refundable_amount: i64,
    #[serde(default)]
    pub tax_free_amount: i64,
    /// `DONE` once the cancellation went through.
    #[serde(default)]
    pub cancel_status: Option<String>,
}

/// Toss's reason for a failed approval.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_keep_unknown_ones() {
        for status in ["READY", "IN_PROGRESS", "WAITING_FOR_DEPOSIT", "DONE", "CANCELED", "PARTIAL_CANCELED"] {
            assert_eq!(PaymentStatus::from(status).as_str(), status);
        }
        assert_eq!(PaymentStatus::from("ON_HOLD"), PaymentStatus::Unknown("ON_HOLD".into()));
        assert!(PaymentStatus::PartialCanceled.is_paid() && !PaymentStatus::Aborted.is_paid());
    }

    #[test]
    fn charge_omits_absent_options() {
        let charge = Charge::new("cus_1", 20900, "order-000001", "Connect PRO 월간");
        let body = serde_json::to_value(&charge).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"customerKey": "cus_1", "amount": 20900, "orderId": "order-000001",
                               "orderName": "Connect PRO 월간"})
        );
    }

    #[test]
    fn parses_a_documented_payment_with_null_cancels() {
        let body = r#"{
            "mId": "tosspayments", "lastTransactionKey": "9C62B18EEF0DE3EB7F4422EB6D14BC6E",
            "paymentKey": "5EnNZRJGvaBX7zk2yd8ydw26XvwXkLrx9POLqKQjmAw4b0e1", "orderId": "a4CWyWY5m89PNh7xJwhk1",
            "orderName": "Connect PRO 월간", "taxExemptionAmount": 0, "status": "DONE",
            "requestedAt": "2024-02-13T12:17:57+09:00", "approvedAt": "2024-02-13T12:18:14+09:00",
            "useEscrow": false, "cultureExpense": false,
            "card": {"issuerCode": "71", "acquirerCode": "71", "number": "12345678****000*",
                     "installmentPlanMonths": 0, "isInterestFree": false, "interestPayer": null,
                     "approveNo": "00000000", "useCardPoint": false, "cardType": "신용", "ownerType": "개인",
                     "acquireStatus": "READY", "amount": 20900},
            "virtualAccount": null, "transfer": null, "mobilePhone": null, "giftCertificate": null,
            "cashReceipt": null, "cashReceipts": null, "discount": null, "cancels": null, "secret": null,
            "type": "BILLING", "easyPay": null, "country": "KR", "failure": null, "isPartialCancelable": true,
            "receipt": {"url": "https://dashboard.tosspayments.com/receipt/redirection?transactionId=x"},
            "checkout": {"url": "https://api.tosspayments.com/v1/payments/x/checkout"},
            "currency": "KRW", "totalAmount": 20900, "balanceAmount": 20900, "suppliedAmount": 19000,
            "vat": 1900, "taxFreeAmount": 0, "method": "카드", "version": "2022-11-16", "metadata": null
        }"#;
        let payment: Payment = serde_json::from_str(body).unwrap();
        assert_eq!(payment.status, PaymentStatus::Done);
        assert_eq!(payment.total_amount, 20900);
        assert_eq!((payment.supplied_amount, payment.vat), (19000, 1900));
        assert!(payment.cancels.is_empty());
        assert_eq!(payment.card.as_ref().and_then(|c| c.approve_no.as_deref()), Some("00000000"));
        assert_eq!(payment.payment_type.as_deref(), Some("BILLING"));
        assert!(payment.approved_at.is_some());
    }
}
