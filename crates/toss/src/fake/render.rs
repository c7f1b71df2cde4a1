//! The fake's objects in Toss's JSON shapes, with KST (+09:00) times.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::ledger::{Billing, Card, Payment};

/// Toss's clock: Korea Standard Time.
pub(super) fn now_kst() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset"))
}

/// `2024-02-13T12:18:14+09:00`, as in Toss's payment objects.
pub(super) fn iso(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `2022-05-12T00:00:00.000`, as in webhook envelopes.
pub(super) fn webhook_time(time: &DateTime<FixedOffset>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

fn card_json(card: &Card) -> Value {
    json!({
        "issuerCode": card.issuer_code,
        "acquirerCode": card.acquirer_code,
        "number": card.number,
        "cardType": card.card_type,
        "ownerType": card.owner_type,
    })
}

pub(super) fn billing_json(billing_key: &str, billing: &Billing) -> Value {
    json!({
        "mId": super::MERCHANT_ID,
        "customerKey": billing.customer_key,
        "authenticatedAt": iso(&billing.authenticated_at),
        "method": "카드",
        "billingKey": billing_key,
        "card": card_json(&billing.card),
        "cardCompany": billing.card.company,
        "cardNumber": billing.card.number,
    })
}

pub(super) fn payment_json(payment: &Payment) -> Value {
    let taxable = payment.total_amount - payment.tax_free_amount;
    let vat = (taxable as f64 / 11.0).round() as i64;
    let mut card = card_json(&payment.card);
    card["amount"] = json!(payment.total_amount);
    card["installmentPlanMonths"] = json!(0);
    card["isInterestFree"] = json!(false);
    card["approveNo"] = json!(payment.approve_no);
    card["useCardPoint"] = json!(false);
    card["acquireStatus"] = json!("READY");
    let cancels = (!payment.cancels.is_empty()).then(|| {
        payment
            .cancels
            .iter()
            .map(|cancel| {
                json!({
                    "cancelAmount": cancel.amount,
                    "cancelReason": cancel.reason,
                    "taxFreeAmount": 0,
                    "taxExemptionAmount": 0,
                    "refundableAmount": cancel.refundable_amount,
                    "canceledAt": iso(&cancel.canceled_at),
                    "transactionKey": cancel.transaction_key,
                    "cancelStatus": "DONE",
                })
            })
            .collect::<Vec<_>>()
    });
    json!({
        "mId": super::MERCHANT_ID,
        "version": "2022-11-16",
        "paymentKey": payment.payment_key,
        "lastTransactionKey": payment.last_transaction_key,
        "orderId": payment.order_id,
        "orderName": payment.order_name,
        "status": payment.status,
        "type": "BILLING",
        "method": "카드",
        "currency": "KRW",
        "country": "KR",
        "requestedAt": iso(&payment.requested_at),
        "approvedAt": iso(&payment.approved_at),
        "totalAmount": payment.total_amount,
        "balanceAmount": payment.balance_amount,
        "suppliedAmount": taxable - vat,
        "vat": vat,
        "taxFreeAmount": payment.tax_free_amount,
        "taxExemptionAmount": 0,
        "useEscrow": false,
        "cultureExpense": false,
        "isPartialCancelable": true,
        "card": card,
        "virtualAccount": null,
        "transfer": null,
        "mobilePhone": null,
        "giftCertificate": null,
        "cashReceipt": null,
        "cashReceipts": null,
        "discount": null,
        "easyPay": null,
        "failure": null,
        "secret": null,
        "metadata": null,
        "cancels": cancels,
        "receipt": {"url": format!("https://dashboard.tosspayments.com/receipt/redirection?transactionId={}", payment.last_transaction_key)},
        "checkout": {"url": format!("https://api.tosspayments.com/v1/payments/{}/checkout", payment.payment_key)},
    })
}

/// A `PAYMENT_STATUS_CHANGED` event carrying the payment as it is now.
pub(super) fn payment_event(payment: &Payment) -> Value {
    json!({
        "eventType": "PAYMENT_STATUS_CHANGED",
        "createdAt": webhook_time(&now_kst()),
        "data": payment_json(payment),
    })
}
