//! An organisation's plan and payments: the billing page (`show`), the checkout and card change
//! pages that hand the card registration to Toss's SDK (`checkout`), and where Toss sends a failed
//! registration back to (`fail`). Everything reads and changes through the billing API
//! (`crate::api::billing`) and the billing code's own rules (`crate::billing::change`,
//! `crate::billing::refund`); the pages only say in Korean what those do.

pub mod checkout;
pub mod fail;
pub mod show;

use crate::billing::{Status, Subscription};

/// A message at the top of a billing page: `success`, `notice` or `alert` (the CSS classes).
pub struct Banner {
    pub class: &'static str,
    pub text: String,
    /// Toss's or the API's own words, shown below ours.
    pub detail: Option<String>,
}

/// The banner after Toss's success URL (`?result=…`, from `api::billing::success`).
pub fn result_banner(result: &str) -> Option<Banner> {
    let text = match result {
        "active" => "결제가 완료되었습니다. 지금부터 새 요금제를 이용할 수 있습니다.",
        "processing" => {
            "결제 결과를 확인하고 있습니다. 잠시 후 새로 고치면 결과가 보입니다. 두 번 결제되지는 않습니다."
        }
        "card_updated" => "결제 카드를 바꿨습니다. 다음 결제부터 새 카드로 결제됩니다.",
        _ => return None,
    };
    let class = if result == "processing" { "notice" } else { "success" };
    Some(Banner { class, text: text.into(), detail: None })
}

/// The banner after Toss's fail URL (`?code=…&message=…`), or after the success URL could not
/// finish (the API's own codes, in lower case).
pub fn fail_banner(code: &str, message: Option<&str>) -> Banner {
    let (text, show_detail) = match code {
        "PAY_PROCESS_CANCELED" | "USER_CANCEL" => ("카드 등록을 취소했습니다. 결제되지 않았습니다.", false),
        "PAY_PROCESS_ABORTED" => ("카드 등록이 중간에 멈췄습니다. 결제되지 않았습니다. 다시 시도해 주세요.", true),
        "REJECT_CARD_COMPANY" => ("카드사에서 카드 등록을 거절했습니다. 다른 카드로 다시 시도해 주세요.", true),
        "payment_failed" => ("카드는 등록했지만 결제가 승인되지 않았습니다. 결제되지 않았습니다.", true),
        "conflict" => ("결제를 마치지 못했습니다.", true),
        _ => ("카드 등록이나 결제를 마치지 못했습니다. 결제되지 않았습니다.", true),
    };
    // The message comes in the URL: shown as text only, and not at any length.
    let detail = message.filter(|_| show_detail).map(|m| m.chars().take(200).collect::<String>());
    Banner { class: "alert", text: text.into(), detail: detail.filter(|m| !m.trim().is_empty()) }
}

/// Where a subscription stands, in words.
pub fn status_label(subscription: &Subscription) -> &'static str {
    match subscription.status {
        Status::Incomplete => "결제 확인 중",
        Status::Active if subscription.cancel_at_period_end => "해지 예약됨",
        Status::Active => "이용 중",
        Status::PastDue => "미납",
        Status::Canceled => "해지됨",
        Status::Expired => "만료됨",
    }
}

/// A payment's status at Toss, in words.
pub fn payment_status_label(status: &str) -> &'static str {
    match status {
        "DONE" => "결제 완료",
        "PARTIAL_CANCELED" => "부분 환불",
        "CANCELED" => "환불 완료",
        _ => "처리 중",
    }
}

/// What a payment paid for: `first`, `renewal` or `upgrade` (`billing::charge::Kind`).
pub fn payment_kind_label(kind: &str) -> &'static str {
    match kind {
        "first" => "첫 결제",
        "renewal" => "정기 결제",
        "upgrade" => "요금제 변경",
        _ => "결제",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toss_cancellations_read_as_such_and_other_failures_keep_their_reason() {
        let cancelled = fail_banner("PAY_PROCESS_CANCELED", Some("사용자에 의해 결제가 취소되었습니다."));
        assert!(cancelled.text.contains("취소") && cancelled.detail.is_none());
        let declined = fail_banner("payment_failed", Some("한도초과 혹은 잔액부족으로 결제에 실패했습니다."));
        assert_eq!(declined.detail.as_deref(), Some("한도초과 혹은 잔액부족으로 결제에 실패했습니다."));
        let long = fail_banner("UNKNOWN", Some(&"가".repeat(1000)));
        assert_eq!(long.detail.unwrap().chars().count(), 200);
        assert!(result_banner("active").is_some() && result_banner("<script>").is_none());
    }
}
