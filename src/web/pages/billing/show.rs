//! `/orgs/{id}/billing`: the plan the organisation may use now, its subscription (status, cycle,
//! amount, next renewal or end, in KST), the card, payments with receipts, and — for owners and
//! admins — plan changes (what each does, computed by `billing::change` as the change itself will),
//! cancellation at the period's end, the card change, and a refund request showing what
//! `billing::refund` gives back today. Members see the same page without the forms; everyone else
//! gets the API's 404. The forms post to the billing API from `app.js`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio_postgres::types::Type;

use super::{payment_kind_label, payment_status_label, result_banner, status_label, Banner};
use crate::accounts::caller::ClientIp;
use crate::api::billing::{price_list, Overview};
use crate::api::AppState;
use crate::billing::change::{self, Direction};
use crate::billing::refund::{self, Rule, ANNUAL_PENALTY_PERCENT, FULL_REFUND_DAYS};
use crate::billing::{kst_day, Status, Subscription};
use crate::orgs::{access, parse_id};
use crate::plans::{self, format_won, Cycle};
use crate::web::error::PageError;
use crate::web::format;
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

/// The live subscription in words.
pub struct Current {
    pub plan: &'static str,
    pub cycle: &'static str,
    pub status: &'static str,
    /// `20,900원`
    pub amount: String,
    /// `다음 결제일`, `이용 종료일`, …
    pub date_label: &'static str,
    pub date: String,
    pub notes: Vec<String>,
}

/// Another plan the subscription can change to, and what choosing it does.
pub struct ChangeOption {
    pub plan: &'static str,
    pub cycle: &'static str,
    /// `팀 월간 59,000원`
    pub label: String,
    pub effect: String,
    pub confirm: String,
    /// Refused by the rules (a higher plan on a shorter cycle): shown with the reason, no button.
    pub allowed: bool,
}

/// A paid plan to subscribe to, when there is no subscription.
pub struct Offer {
    pub label: String,
    pub url: String,
}

pub struct CancelOffer {
    pub effect: String,
    pub confirm: String,
}

pub struct PaymentRow {
    pub paid_at: String,
    pub iso: String,
    pub order_name: String,
    pub kind: &'static str,
    pub amount: String,
    pub status: &'static str,
    /// `5,000원 환불`
    pub refunded: Option<String>,
    pub card: Option<String>,
    pub receipt_url: Option<String>,
}

/// The refund the rules give for the newest payment still held.
pub struct RefundOffer {
    pub payment_id: i64,
    /// `2026. 11. 26.(목) 22:05 결제한 20,900원`
    pub payment: String,
    pub estimate: String,
    /// When a request for it is already open (one per payment).
    pub requested_at: Option<String>,
}

#[derive(Template)]
#[template(path = "billing.html")]
pub struct BillingPage {
    pub page: Chrome,
    pub organization_id: i64,
    pub organization_name: String,
    /// Owners and admins: the forms.
    pub manager: bool,
    /// Toss is configured: payments can be made.
    pub configured: bool,
    pub banner: Option<Banner>,
    /// What the organisation may use now.
    pub plan: &'static str,
    pub current: Option<Current>,
    pub pending_downgrade: Option<String>,
    pub changes: Vec<ChangeOption>,
    pub offers: Vec<Offer>,
    pub cancel: Option<CancelOffer>,
    /// Issuer and masked number, as `CardView` gives them.
    pub card: Option<String>,
    pub card_registered: Option<String>,
    pub can_change_card: bool,
    pub payments: Vec<PaymentRow>,
    pub refund: Option<RefundOffer>,
    pub full_refund_days: i64,
    pub annual_penalty_percent: i64,
}

#[derive(Deserialize)]
pub struct BillingQuery {
    result: Option<String>,
}

/// A KST calendar day: `2026. 11. 26.(목)`.
pub fn day(at: DateTime<Utc>) -> String {
    format::date(kst_day(at))
}

pub async fn show(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Query(query): Query<BillingQuery>,
) -> Result<Response, PageError> {
    let here = format!("/orgs/{}/billing", url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
    let viewer = match viewer.require(&here) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let (access, name) = {
        let client = state.db.get().await?;
        let access = access(&**client, parse_id(&id)?, &viewer.caller).await?;
        let name = crate::api::orgs::view(&**client, &state.accounts.keyring, &access).await?.name;
        (access, name)
    };
    let axum::Json(overview) =
        crate::api::billing::show::show(State(state.clone()), viewer.caller.clone(), ClientIp(ip), Path(id)).await?;
    let now = Utc::now();
    let manager = access.require_manager().is_ok();
    let configured = overview.configured;
    let acting = manager && configured;
    let sub = overview.subscription.as_ref();
    let refund = if manager { refund_offer(&state, &overview, now).await? } else { None };
    let organization_id = overview.organization_id;
    let page = BillingPage {
        page: Chrome::private(format!("{name} 요금제와 결제"), Some(viewer)).section("account"),
        organization_id,
        organization_name: name,
        manager,
        configured,
        banner: query.result.as_deref().and_then(result_banner),
        plan: overview.entitlement.plan.label_ko(),
        current: sub.map(|s| current(s, &overview, now)),
        pending_downgrade: sub.and_then(|s| {
            let (plan, cycle) = (s.pending_plan?, s.pending_cycle?);
            Some(format!(
                "{}부터 {} {} 요금제로 바뀔 예정입니다.",
                day(s.current_period_end?),
                plan.label_ko(),
                cycle.label_ko()
            ))
        }),
        changes: match sub {
            Some(s) if acting && s.status == Status::Active && !s.cancel_at_period_end => change_options(s, now),
            _ => Vec::new(),
        },
        offers: if acting && sub.is_none() { offers(organization_id) } else { Vec::new() },
        cancel: sub.filter(|_| acting).and_then(|s| cancel_offer(s, now)),
        card: overview.card.as_ref().map(|c| {
            [c.company.as_deref().map(|company| format!("{company}카드")), c.number.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        }),
        card_registered: overview.card.as_ref().and_then(|c| c.registered_at).map(day),
        can_change_card: acting && sub.is_some_and(|s| s.status != Status::Incomplete),
        payments: overview.payments.iter().map(payment_row).collect(),
        refund,
        full_refund_days: FULL_REFUND_DAYS,
        annual_penalty_percent: ANNUAL_PENALTY_PERCENT,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

fn current(s: &Subscription, overview: &Overview, now: DateTime<Utc>) -> Current {
    let end = s.current_period_end;
    let mut notes = Vec::new();
    let (date_label, date) = match s.status {
        Status::Active if s.cancel_at_period_end => {
            notes.push(format!(
                "해지를 예약했습니다. 이용 종료일까지 {} 요금제를 쓸 수 있고, 그 뒤로는 결제되지 않으며 무료 요금제로 바뀝니다.",
                s.plan.label_ko()
            ));
            ("이용 종료일", end)
        }
        Status::Active => {
            if end.is_some_and(|end| end <= now) {
                notes.push(
                    "정기 결제가 승인되지 않아 다시 시도하고 있습니다. 결제 카드를 바꾸면 바로 다시 결제합니다.".into(),
                );
            }
            ("다음 결제일", end)
        }
        Status::PastDue => {
            notes.push("정기 결제가 여러 번 실패해 미납 상태입니다. 결제 카드를 바꾸면 바로 다시 결제합니다.".into());
            ("이용 가능 기한", overview.entitlement.until)
        }
        Status::Incomplete => {
            notes.push("첫 결제를 확인하고 있습니다. 잠시 후 새로 고쳐 주세요.".into());
            ("결제 요청일", Some(s.created_at))
        }
        Status::Canceled | Status::Expired => ("종료일", s.ended_at),
    };
    Current {
        plan: s.plan.label_ko(),
        cycle: s.cycle.label_ko(),
        status: status_label(s),
        amount: plans::price(s.plan, s.cycle).map(format_won).unwrap_or_default(),
        date_label,
        date: date.map(day).unwrap_or_else(|| "-".into()),
        notes,
    }
}

/// Every other paid plan, with what `billing::change::change` would do now.
fn change_options(s: &Subscription, now: DateTime<Utc>) -> Vec<ChangeOption> {
    let (Some(start), Some(end)) = (s.current_period_start, s.current_period_end) else {
        return Vec::new();
    };
    let from = (s.plan, s.cycle);
    price_list()
        .into_iter()
        .filter_map(|price| {
            let to = (price.plan, price.cycle);
            let name = format!("{} {}", price.plan.label_ko(), price.cycle.label_ko());
            let label = format!("{name} {}", price.amount_label);
            let (effect, confirm, allowed) = match change::classify(from, to) {
                Some(Direction::Same) => return None,
                None => (
                    "연간 요금제에서는 같은 연간 주기로만 올릴 수 있습니다. 월간으로는 현재 기간이 끝날 때 바꿀 수 있습니다."
                        .to_string(),
                    String::new(),
                    false,
                ),
                Some(Direction::Upgrade) => {
                    let proration = change::prorate(from, to, start, end, now);
                    let charge = if proration.amount < change::MIN_CHARGE {
                        "지금 바로 바뀌며 추가 결제는 없습니다.".to_string()
                    } else {
                        format!(
                            "지금 바로 바뀌고, 남은 기간을 일할 계산한 {}을 오늘 결제합니다.",
                            format_won(proration.amount)
                        )
                    };
                    let effect = format!(
                        "{charge} 다음 결제일은 {}이며 그때부터 {}이 결제됩니다.",
                        day(proration.period_end),
                        price.amount_label
                    );
                    (effect, format!("{name} 요금제로 바꿀까요? {charge}"), true)
                }
                Some(Direction::Downgrade) => {
                    let effect = format!(
                        "지금은 결제되지 않습니다. 현재 기간이 끝나는 {}부터 바뀌고, 그때 {}이 결제됩니다.",
                        day(end),
                        price.amount_label
                    );
                    (effect.clone(), format!("{name} 요금제로 바꿀까요? {effect}"), true)
                }
            };
            Some(ChangeOption { plan: price.plan.as_str(), cycle: price.cycle.as_str(), label, effect, confirm, allowed })
        })
        .collect()
}

fn offers(organization_id: i64) -> Vec<Offer> {
    price_list()
        .into_iter()
        .map(|price| Offer {
            label: format!("{} {} {}", price.plan.label_ko(), price.cycle.label_ko(), price.amount_label),
            url: format!(
                "/orgs/{organization_id}/billing/checkout?plan={}&cycle={}",
                price.plan.as_str(),
                price.cycle.as_str()
            ),
        })
        .collect()
}

/// What `billing::change::cancel` would do now.
fn cancel_offer(s: &Subscription, now: DateTime<Utc>) -> Option<CancelOffer> {
    let effect = match (s.status, s.current_period_end) {
        (Status::Active, _) if s.cancel_at_period_end => return None,
        (Status::Active, Some(end)) if end > now => format!(
            "해지해도 {}까지 {} 요금제를 쓸 수 있고, 그 뒤로는 결제되지 않으며 무료 요금제로 바뀝니다. 환불은 따로 요청해 주세요.",
            day(end),
            s.plan.label_ko()
        ),
        (Status::Active | Status::PastDue, _) => {
            "결제가 밀린 구독은 지금 바로 해지되고 무료 요금제로 바뀝니다. 더 이상 결제를 시도하지 않습니다.".to_string()
        }
        _ => return None,
    };
    Some(CancelOffer { confirm: format!("구독을 해지할까요? {effect}"), effect })
}

fn payment_row(p: &crate::billing::payment::PaymentView) -> PaymentRow {
    PaymentRow {
        paid_at: format::datetime(p.approved_at),
        iso: format::iso(p.approved_at),
        order_name: p.order_name.clone(),
        kind: payment_kind_label(&p.kind),
        amount: p.amount_label.clone(),
        status: payment_status_label(&p.status),
        refunded: (p.refunded_amount > 0).then(|| format!("{} 환불", format_won(p.refunded_amount))),
        card: p.card_number.clone(),
        receipt_url: p.receipt_url.clone().filter(|url| url.starts_with("https://")),
    }
}

/// The newest payment still held, what the rules give back for it today, and an open request.
async fn refund_offer(
    state: &AppState,
    overview: &Overview,
    now: DateTime<Utc>,
) -> Result<Option<RefundOffer>, PageError> {
    let Some(payment) = overview.payments.iter().find(|p| p.balance_amount > 0) else {
        return Ok(None);
    };
    let client = state.db.get().await?;
    let decision = refund::estimate(&**client, payment.id, now).await?;
    let requested = client
        .query_typed(
            "SELECT created_at FROM refund_requests WHERE payment_id = $1 AND status = 'open'",
            &[(&payment.id, Type::INT8)],
        )
        .await?;
    let amount = format_won(decision.amount);
    let estimate = match decision.rule {
        Some(Rule::FullWithin7Days) => format!(
            "결제한 날부터 {FULL_REFUND_DAYS}일 이내여서, 오늘 요청하면 남은 결제 금액 전액 {amount}을 돌려받습니다."
        ),
        Some(Rule::AnnualProRata) => format!(
            "연간 요금제의 남은 기간을 일할 계산해 위약금(결제 금액의 {ANNUAL_PENALTY_PERCENT}%)을 뺀 {amount}을 오늘 요청하면 돌려받습니다."
        ),
        Some(Rule::Override) | None if payment.cycle == Cycle::Monthly => format!(
            "월간 요금제는 결제한 날부터 {FULL_REFUND_DAYS}일이 지나면 환불되지 않아, 규정상 돌려받을 금액이 없습니다. 해지하면 이번 달 끝까지 쓸 수 있습니다."
        ),
        Some(Rule::Override) | None => format!(
            "남은 기간의 금액이 위약금(결제 금액의 {ANNUAL_PENALTY_PERCENT}%)보다 적어, 규정상 돌려받을 금액이 없습니다."
        ),
    };
    Ok(Some(RefundOffer {
        payment_id: payment.id,
        payment: format!("{} 결제한 {}", format::datetime(payment.approved_at), payment.amount_label),
        estimate,
        requested_at: requested.first().map(|row| format::datetime(row.get(0))),
    }))
}
