//! Failures of a call to Toss Payments: a Korean sentence for the user in `Display`, Toss's code
//! and operator detail in fields.

/// Codes of card declines: the issuer or Toss refused this card for this payment. Toss's message
/// names the reason (한도초과, 정지된 카드, …) and is shown to the user.
const CARD_DECLINES: &[&str] = &[
    "REJECT_CARD_PAYMENT",
    "REJECT_CARD_COMPANY",
    "INVALID_REJECT_CARD",
    "INVALID_CARD_EXPIRATION",
    "INVALID_STOPPED_CARD",
    "INVALID_CARD_LOST_OR_STOLEN",
    "INVALID_CARD_NUMBER",
    "NOT_SUPPORTED_CARD_TYPE",
    "EXCEED_MAX_DAILY_PAYMENT_COUNT",
    "EXCEED_MAX_PAYMENT_AMOUNT",
    "EXCEED_MAX_AMOUNT",
    "EXCEED_MAX_CARD_INSTALLMENT_PLAN",
    "NOT_AVAILABLE_PAYMENT",
];

/// Codes Toss documents as temporary: the same request may succeed later.
const TEMPORARY: &[&str] = &[
    "PROVIDER_ERROR",
    "FAILED_INTERNAL_SYSTEM_PROCESSING",
    "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING",
    "FAILED_CARD_COMPANY_RESPONSE",
    "IDEMPOTENT_REQUEST_PROCESSING",
];

/// Codes meaning Connect's own credentials or contract are wrong; nothing the user can fix.
const MERCHANT_SETUP: &[&str] =
    &["UNAUTHORIZED_KEY", "INVALID_API_KEY", "FORBIDDEN_REQUEST", "NOT_REGISTERED_BUSINESS"];

/// Why a call to Toss Payments failed.
///
/// `Display` is a Korean sentence fit to show the user; details for logs are in the fields and
/// [`TossError::log_detail`]. Neither ever contains the secret key or a billing key.
///
/// For charges and cancels, read [`TossError::outcome_unknown`] before anything else: when it is
/// true Toss may have acted, and the caller must settle the attempt by looking the payment up by
/// its `orderId` ([`crate::Client::payment_by_order`]) or by resending the very same request
/// with the same `Idempotency-Key`, never by charging again under a new key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TossError {
    /// Toss answered with its error body `{"code", "message"}` (HTTP 4xx, or 500).
    #[error("{}", api_message(.code, .message))]
    Api { status: u16, code: String, message: String },
    /// No complete answer: the deadline passed, the connection dropped after the request was
    /// sent, or a gateway in front of Toss gave up (502/504). Whether Toss acted is unknown.
    #[error("결제 서버의 응답이 늦어 결제 결과를 확인하지 못했습니다. 결제 내역을 확인한 뒤 다시 시도해 주세요.")]
    Timeout,
    /// Toss could not be reached or refused to work (connection failed, HTTP 503 or 429): the
    /// request was not processed.
    #[error("결제 서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.")]
    Unavailable(String),
    /// Toss answered something that is not its documented format (or too large). A 2xx may hide
    /// behind it, so the outcome counts as unknown.
    #[error("결제 서버의 응답을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.")]
    Malformed(String),
    /// The request could not be formed from the caller's input (empty key, bad idempotency key);
    /// nothing was sent.
    #[error("결제 요청이 올바르지 않습니다.")]
    InvalidRequest(String),
    /// A webhook event could not be confirmed with Toss (wrong secret, names a payment Toss does
    /// not have, or carries no payment to re-fetch). Ignore the event.
    #[error("결제 알림을 확인할 수 없습니다.")]
    Unverified(String),
}

impl TossError {
    /// Toss's error code, for [`TossError::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            TossError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later (with the same idempotency key
    /// for charges and cancels).
    pub fn is_retryable(&self) -> bool {
        match self {
            TossError::Timeout | TossError::Unavailable(_) => true,
            TossError::Api { status, code, .. } => {
                *status >= 500 || *status == 429 || TEMPORARY.contains(&code.as_str())
            }
            TossError::Malformed(_) | TossError::InvalidRequest(_) | TossError::Unverified(_) => false,
        }
    }

    /// Whether Toss may have carried out the request although the call failed: the caller must
    /// look the payment up (by `orderId`) before deciding anything.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            TossError::Timeout | TossError::Malformed(_) => true,
            TossError::Api { status, code, .. } => *status >= 500 || code == "IDEMPOTENT_REQUEST_PROCESSING",
            TossError::Unavailable(_) | TossError::InvalidRequest(_) | TossError::Unverified(_) => false,
        }
    }

    /// Whether the card was declined (limit, expiry, stolen card, …): ask the user for another.
    pub fn is_card_declined(&self) -> bool {
        self.code().is_some_and(|code| CARD_DECLINES.contains(&code))
    }

    /// Whether Toss said the payment, order or billing key does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, TossError::Api { status: 404, .. })
    }

    /// One line for operators' logs.
    pub fn log_detail(&self) -> String {
        match self {
            TossError::Api { status, code, message } => format!("toss: HTTP {status} {code}: {message}"),
            TossError::Timeout => "toss: no complete answer (timeout or dropped connection)".into(),
            TossError::Unavailable(detail) => format!("toss: unavailable: {detail}"),
            TossError::Malformed(detail) => format!("toss: malformed response: {detail}"),
            TossError::InvalidRequest(detail) => format!("toss: invalid request: {detail}"),
            TossError::Unverified(detail) => format!("toss: webhook not verified: {detail}"),
        }
    }
}

/// The user's sentence for a Toss error body.
fn api_message(code: &str, message: &str) -> String {
    let message = message.trim();
    if CARD_DECLINES.contains(&code) {
        if message.is_empty() {
            "카드 결제가 거절되었습니다. 카드사에 문의하거나 다른 카드로 시도해 주세요.".into()
        } else {
            format!("카드 결제가 거절되었습니다. {message}")
        }
    } else if MERCHANT_SETUP.contains(&code) {
        "결제 서비스 설정에 문제가 있습니다. 고객센터에 문의해 주세요.".into()
    } else if TEMPORARY.contains(&code) {
        "결제 처리 중 일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.".into()
    } else if code == "NOT_FOUND_PAYMENT" {
        "결제 정보를 찾을 수 없습니다.".into()
    } else if message.is_empty() {
        "결제를 처리하지 못했습니다.".into()
    } else {
        format!("결제를 처리하지 못했습니다. {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, message: &str) -> TossError {
        TossError::Api { status, code: code.into(), message: message.into() }
    }

    #[test]
    fn declines_show_the_issuers_reason() {
        let error = api(403, "REJECT_CARD_PAYMENT", "한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
        assert_eq!(error.to_string(), "카드 결제가 거절되었습니다. 한도초과 혹은 잔액부족으로 결제에 실패했습니다.");
        assert!(error.is_card_declined());
        assert!(!error.is_retryable());
        assert!(!error.outcome_unknown());
    }

    #[test]
    fn setup_errors_do_not_blame_the_user() {
        let error = api(401, "UNAUTHORIZED_KEY", "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.");
        assert_eq!(error.to_string(), "결제 서비스 설정에 문제가 있습니다. 고객센터에 문의해 주세요.");
        assert_eq!(
            error.log_detail(),
            "toss: HTTP 401 UNAUTHORIZED_KEY: 인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."
        );
    }

    #[test]
    fn classification() {
        assert!(TossError::Timeout.outcome_unknown() && TossError::Timeout.is_retryable());
        let down = TossError::Unavailable("HTTP 503".into());
        assert!(down.is_retryable() && !down.outcome_unknown());
        assert!(!down.to_string().contains("503"));
        let internal = api(500, "FAILED_INTERNAL_SYSTEM_PROCESSING", "내부 시스템 처리 작업이 실패했습니다.");
        assert!(internal.is_retryable() && internal.outcome_unknown());
        let provider = api(400, "PROVIDER_ERROR", "일시적인 오류가 발생했습니다.");
        assert!(provider.is_retryable() && !provider.outcome_unknown());
        let duplicate = api(400, "DUPLICATED_ORDER_ID", "이미 승인 및 취소가 진행된 중복된 주문번호 입니다.");
        assert!(!duplicate.is_retryable() && !duplicate.outcome_unknown());
        assert!(TossError::Malformed("x".into()).outcome_unknown());
        assert!(api(404, "NOT_FOUND_PAYMENT", "").is_not_found());
    }
}
