//! The fake's books and its enforcement of the Toss API's rules, independent of HTTP.

use std::collections::HashMap;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, FixedOffset};
use rand::{Rng as _, RngCore as _};
use serde::Deserialize;
use serde_json::Value;

use super::render::{now_kst, payment_json};

/// An answer: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub(super) fn ok(body: Value) -> Reply {
        Reply { status: 200, body }
    }

    /// Toss's error body `{"code", "message"}` with the HTTP status Toss uses for `code`.
    pub(super) fn error(code: &str, message: &str) -> Reply {
        Reply { status: status_of(code), body: serde_json::json!({"code": code, "message": message}) }
    }
}

/// HTTP status of a Toss error code (400 unless listed).
fn status_of(code: &str) -> u16 {
    match code {
        "UNAUTHORIZED_KEY" => 401,
        "REJECT_CARD_PAYMENT"
        | "REJECT_CARD_COMPANY"
        | "FORBIDDEN_REQUEST"
        | "EXCEED_MAX_DAILY_PAYMENT_COUNT"
        | "INVALID_STOPPED_CARD"
        | "INVALID_CARD_LOST_OR_STOLEN"
        | "NOT_SUPPORTED_CARD_TYPE" => 403,
        "NOT_FOUND_PAYMENT" | "NOT_FOUND" => 404,
        "IDEMPOTENT_REQUEST_PROCESSING" => 409,
        "FAILED_INTERNAL_SYSTEM_PROCESSING" | "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING" | "UNKNOWN_PAYMENT_ERROR" => {
            500
        }
        _ => 400,
    }
}

/// The card every fake registration yields.
#[derive(Debug, Clone)]
pub(super) struct Card {
    pub company: &'static str,
    pub issuer_code: &'static str,
    pub acquirer_code: &'static str,
    pub number: &'static str,
    pub card_type: &'static str,
    pub owner_type: &'static str,
}

pub(super) const TEST_CARD: Card = Card {
    company: "현대",
    issuer_code: "61",
    acquirer_code: "31",
    number: "43301234****123*",
    card_type: "신용",
    owner_type: "개인",
};

pub(super) struct Billing {
    pub customer_key: String,
    pub authenticated_at: DateTime<FixedOffset>,
    pub card: Card,
}

pub(super) struct Cancel {
    pub amount: i64,
    pub reason: String,
    pub canceled_at: DateTime<FixedOffset>,
    pub transaction_key: String,
    pub refundable_amount: i64,
}

pub(super) struct Payment {
    pub payment_key: String,
    pub order_id: String,
    pub order_name: String,
    pub status: &'static str,
    pub total_amount: i64,
    pub balance_amount: i64,
    pub tax_free_amount: i64,
    pub requested_at: DateTime<FixedOffset>,
    pub approved_at: DateTime<FixedOffset>,
    pub approve_no: String,
    pub last_transaction_key: String,
    pub card: Card,
    pub cancels: Vec<Cancel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssueBody {
    auth_key: String,
    customer_key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChargeBody {
    customer_key: String,
    amount: i64,
    order_id: String,
    order_name: String,
    #[serde(default)]
    tax_free_amount: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    cancel_reason: String,
    #[serde(default)]
    cancel_amount: Option<i64>,
}

/// A request remembered under its idempotency key.
struct Remembered {
    request: Value,
    reply: Reply,
}

/// Everything the fake knows.
#[derive(Default)]
pub(super) struct Ledger {
    /// authKey → customerKey, until redeemed.
    auth_keys: HashMap<String, String>,
    billing: HashMap<String, Billing>,
    payments: HashMap<String, Payment>,
    /// orderId → paymentKey.
    orders: HashMap<String, String>,
    /// (request path, Idempotency-Key) → first request and its answer.
    idempotent: HashMap<(String, String), Remembered>,
    fail_next_charge: Option<(String, String)>,
}

impl Ledger {
    pub(super) fn authorize_card(&mut self, customer_key: &str) -> String {
        let auth_key = format!("bln_{}", random_key(18));
        self.auth_keys.insert(auth_key.clone(), customer_key.to_owned());
        auth_key
    }

    pub(super) fn fail_next_charge(&mut self, code: &str, message: &str) {
        self.fail_next_charge = Some((code.to_owned(), message.to_owned()));
    }

    pub(super) fn payment_count(&self) -> usize {
        self.payments.len()
    }

    pub(super) fn payment(&self, payment_key: &str) -> Option<&Payment> {
        self.payments.get(payment_key)
    }

    pub(super) fn billing(&self, billing_key: &str) -> Option<&Billing> {
        self.billing.get(billing_key)
    }

    /// Answers `request` at `path` under an idempotency key: the remembered answer when the key
    /// was used with the same request, a conflict when with another, else `process` (whose
    /// answer is remembered unless it is a 5xx).
    pub(super) fn idempotent(
        &mut self,
        path: &str,
        key: Option<&str>,
        request: &Value,
        process: impl FnOnce(&mut Ledger, &Value) -> Reply,
    ) -> Reply {
        let Some(key) = key else { return process(self, request) };
        let scope = (path.to_owned(), key.to_owned());
        if let Some(remembered) = self.idempotent.get(&scope) {
            return if remembered.request == *request {
                remembered.reply.clone()
            } else {
                Reply::error("IDEMPOTENT_REQUEST_PROCESSING", "멱등키가 다른 요청에 이미 사용되었습니다.")
            };
        }
        let reply = process(self, request);
        if reply.status < 500 {
            self.idempotent.insert(scope, Remembered { request: request.clone(), reply: reply.clone() });
        }
        reply
    }

    /// Redeems an authKey (once) for a new billing key of the same customer.
    pub(super) fn issue(&mut self, request: &Value) -> Reply {
        let Ok(body) = IssueBody::deserialize(request) else {
            return invalid("authKey, customerKey는 필수 값입니다.");
        };
        match self.auth_keys.get(&body.auth_key) {
            None => invalid("유효하지 않은 authKey 입니다."),
            Some(customer) if *customer != body.customer_key => not_matches_customer(),
            Some(_) => {
                self.auth_keys.remove(&body.auth_key);
                let billing_key = STANDARD.encode(random_bytes::<32>());
                let billing = Billing { customer_key: body.customer_key, authenticated_at: now_kst(), card: TEST_CARD };
                let reply = Reply::ok(super::render::billing_json(&billing_key, &billing));
                self.billing.insert(billing_key, billing);
                reply
            }
        }
    }

    pub(super) fn charge(&mut self, billing_key: &str, request: &Value) -> Reply {
        let Ok(body) = ChargeBody::deserialize(request) else {
            return invalid("customerKey, amount, orderId, orderName은 필수 값입니다.");
        };
        if !valid_order_id(&body.order_id) {
            return invalid(
                "orderId는 영문 대소문자, 숫자, 특수문자 -, _ 로 이루어진 6자 이상 64자 이하의 문자열이어야 합니다.",
            );
        }
        let tax_free_amount = body.tax_free_amount.unwrap_or(0);
        if body.amount <= 0 || !(0..=body.amount).contains(&tax_free_amount) || body.order_name.trim().is_empty() {
            return invalid("결제 금액 또는 주문명이 올바르지 않습니다.");
        }
        let Some(billing) = self.billing.get(billing_key) else {
            return invalid("존재하지 않는 빌링키입니다.");
        };
        if billing.customer_key != body.customer_key {
            return not_matches_customer();
        }
        if self.orders.contains_key(&body.order_id) {
            return Reply::error(
                "DUPLICATED_ORDER_ID",
                "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.",
            );
        }
        if let Some((code, message)) = self.fail_next_charge.take() {
            return Reply::error(&code, &message);
        }
        let now = now_kst();
        let payment = Payment {
            payment_key: random_key(36),
            order_id: body.order_id,
            order_name: body.order_name,
            status: "DONE",
            total_amount: body.amount,
            balance_amount: body.amount,
            tax_free_amount,
            requested_at: now,
            approved_at: now,
            approve_no: format!("{:08}", rand::rng().random_range(0..100_000_000u32)),
            last_transaction_key: transaction_key(),
            card: billing.card.clone(),
            cancels: Vec::new(),
        };
        let reply = Reply::ok(payment_json(&payment));
        self.orders.insert(payment.order_id.clone(), payment.payment_key.clone());
        self.payments.insert(payment.payment_key.clone(), payment);
        reply
    }

    pub(super) fn lookup(&self, payment_key: &str) -> Reply {
        match self.payments.get(payment_key) {
            Some(payment) => Reply::ok(payment_json(payment)),
            None => not_found_payment(),
        }
    }

    pub(super) fn lookup_order(&self, order_id: &str) -> Reply {
        match self.orders.get(order_id) {
            Some(payment_key) => self.lookup(payment_key),
            None => not_found_payment(),
        }
    }

    pub(super) fn cancel(&mut self, payment_key: &str, request: &Value) -> Reply {
        let Ok(body) = CancelBody::deserialize(request) else {
            return invalid("cancelReason은 필수 값입니다.");
        };
        if body.cancel_reason.trim().is_empty() {
            return invalid("취소 사유를 입력해주세요.");
        }
        let Some(payment) = self.payments.get_mut(payment_key) else {
            return not_found_payment();
        };
        if payment.status == "CANCELED" {
            return Reply::error("ALREADY_CANCELED_PAYMENT", "이미 취소된 결제 입니다.");
        }
        let amount = body.cancel_amount.unwrap_or(payment.balance_amount);
        if amount <= 0 || amount > payment.balance_amount {
            return Reply::error("NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다.");
        }
        payment.balance_amount -= amount;
        payment.status = if payment.balance_amount == 0 { "CANCELED" } else { "PARTIAL_CANCELED" };
        payment.last_transaction_key = transaction_key();
        payment.cancels.push(Cancel {
            amount,
            reason: body.cancel_reason,
            canceled_at: now_kst(),
            transaction_key: payment.last_transaction_key.clone(),
            refundable_amount: payment.balance_amount,
        });
        Reply::ok(payment_json(payment))
    }
}

fn invalid(message: &str) -> Reply {
    Reply::error("INVALID_REQUEST", message)
}

fn not_found_payment() -> Reply {
    Reply::error("NOT_FOUND_PAYMENT", "존재하지 않는 결제 정보 입니다.")
}

fn not_matches_customer() -> Reply {
    Reply::error("NOT_MATCHES_CUSTOMER_KEY", "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.")
}

/// Toss's orderId rule: 6–64 characters of `A-Za-z0-9-_`.
fn valid_order_id(order_id: &str) -> bool {
    (6..=64).contains(&order_id.len()) && order_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// `len` random bytes as URL-safe base64.
fn random_key(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// 32 upper-case hex digits, like Toss's transaction keys.
fn transaction_key() -> String {
    random_bytes::<16>().iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_follow_toss_rules() {
        assert!(valid_order_id("sub-2024_05"));
        assert!(!valid_order_id("short"));
        assert!(!valid_order_id("주문-000001"));
        assert!(!valid_order_id(&"a".repeat(65)));
    }

    #[test]
    fn statuses_of_codes() {
        assert_eq!(Reply::error("REJECT_CARD_PAYMENT", "").status, 403);
        assert_eq!(Reply::error("NOT_FOUND_PAYMENT", "").status, 404);
        assert_eq!(Reply::error("DUPLICATED_ORDER_ID", "").status, 400);
    }
}
