//! `/pricing`, `/terms`, `/privacy` and `/refund`. The terms and privacy versions shown are the
//! ones sign-up records (`crate::api::auth::signup`); plans and their limits come from
//! `crate::plans`, and the refund rules from `crate::billing::refund`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::api::auth::signup::{PRIVACY_VERSION, TERMS_VERSION};
use crate::api::AppState;
use crate::billing::refund::{ANNUAL_PENALTY_PERCENT, FULL_REFUND_DAYS};
use crate::plans::{self, Cycle, Plan};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

#[derive(Template)]
#[template(path = "pricing.html")]
pub struct Pricing {
    pub page: Chrome,
    pub plans: Vec<PlanView>,
}

pub struct PlanView {
    pub code: &'static str,
    pub name: &'static str,
    pub seats: u32,
    /// `10건` or `제한 없음`
    pub matches: String,
    /// `월 20,900원` or `무료`
    pub monthly: String,
    /// `연 209,000원 (2개월 무료)`, empty for FREE
    pub annual: String,
    /// A paid plan: its buttons lead to the checkout (`/billing/checkout?plan=…&cycle=…`).
    pub paid: bool,
}

pub async fn pricing(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let plans = [Plan::Free, Plan::Pro, Plan::Team]
        .into_iter()
        .map(|plan| {
            let limits = plans::limits(plan);
            PlanView {
                code: plan.as_str(),
                name: plan.label_ko(),
                seats: limits.seats,
                matches: limits.visible_matches.map(|n| format!("{n}건")).unwrap_or_else(|| "제한 없음".into()),
                monthly: plans::price(plan, Cycle::Monthly)
                    .map_or_else(|| "무료".into(), |won| format!("월 {}", plans::format_won(won))),
                annual: match (plans::price(plan, Cycle::Monthly), plans::price(plan, Cycle::Annual)) {
                    (Some(month), Some(year)) => {
                        let free_months = (month * 12 - year) / month;
                        format!("연 {} ({free_months}개월 무료)", plans::format_won(year))
                    }
                    _ => String::new(),
                },
                paid: plans::price(plan, Cycle::Monthly).is_some(),
            }
        })
        .collect();
    let page = Pricing {
        page: Chrome::public(&state, "요금제", "/pricing", viewer)
            .section("pricing")
            .describe("Connect 요금제별 가격(부가세 포함), 구성원 수와 맞춤 공고 표시 범위.")
            .with_breadcrumbs(&state, &[("홈", "/"), ("요금제", "/pricing")]),
        plans,
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "terms.html")]
pub struct Terms {
    pub page: Chrome,
    pub version: &'static str,
}

pub async fn terms(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let page = Terms {
        page: Chrome::public(&state, "이용약관", "/terms", viewer)
            .describe(format!("Connect 이용약관 ({TERMS_VERSION} 시행)"))
            .with_breadcrumbs(&state, &[("홈", "/"), ("이용약관", "/terms")]),
        version: TERMS_VERSION,
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "privacy.html")]
pub struct Privacy {
    pub page: Chrome,
    pub version: &'static str,
}

pub async fn privacy(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let page = Privacy {
        page: Chrome::public(&state, "개인정보 처리방침", "/privacy", viewer)
            .describe(format!("Connect 개인정보 처리방침 ({PRIVACY_VERSION} 시행)"))
            .with_breadcrumbs(&state, &[("홈", "/"), ("개인정보 처리방침", "/privacy")]),
        version: PRIVACY_VERSION,
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "refund.html")]
pub struct Refund {
    pub page: Chrome,
    pub full_refund_days: i64,
    pub annual_penalty_percent: i64,
}

pub async fn refund(State(state): State<AppState>, MaybeViewer(viewer): MaybeViewer) -> Response {
    let page = Refund {
        page: Chrome::public(&state, "환불 정책", "/refund", viewer)
            .describe("Connect 유료 요금제의 청약철회와 환불 기준")
            .with_breadcrumbs(&state, &[("홈", "/"), ("환불 정책", "/refund")]),
        full_refund_days: FULL_REFUND_DAYS,
        annual_penalty_percent: ANNUAL_PENALTY_PERCENT,
    };
    page::render(StatusCode::OK, &page, &page.page)
}
