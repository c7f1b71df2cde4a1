//! Checkout in the browser. The pricing page's buttons lead to `/billing/checkout?plan=…&cycle=…`,
//! which sends a visitor to log in first and a manager of one organisation straight on (several:
//! they pick one) to `/orgs/{id}/billing/checkout?plan=…&cycle=…`: the order (plan, cycle, amount
//! with VAT, when it renews) and a button that asks the API for a checkout and opens Toss's card
//! registration with what it answers (`app.js`, `data-toss-billing-auth`). `/orgs/{id}/billing/card`
//! is the same for replacing the card. These two pages alone load Toss's SDK, from
//! `TOSS_SDK_URL`, and their CSP allows exactly its origin (`web::security::checkout_policy`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::show::day;
use super::{fail_banner, Banner};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::billing::{subscription, Status, NOT_CONFIGURED};
use crate::orgs::{access, parse_id, MemberRole};
use crate::plans::{self, format_won, Cycle, Plan};
use crate::web::error::PageError;
use crate::web::page::{self, Chrome};
use crate::web::security;
use crate::web::viewer::MaybeViewer;

#[derive(Deserialize)]
pub struct CheckoutQuery {
    plan: Option<String>,
    cycle: Option<String>,
    /// Toss's fail URL (through `/billing/fail`): why the last attempt did not finish.
    code: Option<String>,
    message: Option<String>,
}

impl CheckoutQuery {
    /// The paid plan and cycle asked for (`PRO`, `monthly`).
    fn choice(&self) -> Option<(Plan, Cycle)> {
        let plan = Plan::parse(&self.plan.as_deref()?.to_ascii_uppercase())?;
        let cycle = Cycle::parse(&self.cycle.as_deref()?.to_ascii_lowercase())?;
        plans::price(plan, cycle).map(|_| (plan, cycle))
    }

    fn banner(&self) -> Option<Banner> {
        self.code.as_deref().map(|code| fail_banner(code, self.message.as_deref()))
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `/orgs/{id}/billing/checkout?plan=PRO&cycle=monthly`
pub fn checkout_path(organization_id: i64, plan: Plan, cycle: Cycle) -> String {
    format!("/orgs/{organization_id}/billing/checkout?{}", query(&[("plan", plan.as_str()), ("cycle", cycle.as_str())]))
}

pub struct OrgChoice {
    pub name: String,
    /// What it is on now (`무료`, `프로`).
    pub plan: &'static str,
    pub url: String,
}

#[derive(Template)]
#[template(path = "billing_choose.html")]
pub struct ChooseOrganization {
    pub page: Chrome,
    /// `프로 월간 20,900원`
    pub order: String,
    pub orgs: Vec<OrgChoice>,
    /// The person belongs to organisations but manages none.
    pub member_only: bool,
}

/// `/billing/checkout?plan=…&cycle=…`: from the pricing page to one organisation's checkout.
pub async fn choose(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Query(q): Query<CheckoutQuery>,
) -> Result<Response, PageError> {
    let Some((plan, cycle)) = q.choice() else {
        return Ok(Redirect::to("/pricing").into_response());
    };
    let here = format!("/billing/checkout?{}", query(&[("plan", plan.as_str()), ("cycle", cycle.as_str())]));
    let viewer = match viewer.require(&here) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let axum::Json(orgs) = crate::api::orgs::show::list(State(state.clone()), viewer.caller.clone()).await?;
    let managed: Vec<_> =
        orgs.iter().filter(|o| matches!(o.my_role, Some(MemberRole::Owner | MemberRole::Admin))).collect();
    if let [only] = managed.as_slice() {
        return Ok(Redirect::to(&checkout_path(only.id, plan, cycle)).into_response());
    }
    let page = ChooseOrganization {
        page: Chrome::private("결제할 기관 선택", Some(viewer)).section("pricing"),
        order: format!(
            "{} {} {}",
            plan.label_ko(),
            cycle.label_ko(),
            plans::price(plan, cycle).map(format_won).unwrap_or_default()
        ),
        orgs: managed
            .iter()
            .map(|o| OrgChoice { name: o.name.clone(), plan: o.plan.label_ko(), url: checkout_path(o.id, plan, cycle) })
            .collect(),
        member_only: managed.is_empty() && !orgs.is_empty(),
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}

/// The order as the checkout page states it.
pub struct Order {
    pub plan: &'static str,
    pub cycle: &'static str,
    pub amount: String,
    /// The VAT inside the amount.
    pub vat: String,
    /// What the card statement and receipt say.
    pub order_name: String,
    /// `매월`, `매년`
    pub every: &'static str,
    pub today: String,
    /// The first renewal, if nothing changes.
    pub renews_on: String,
}

#[derive(Template)]
#[template(path = "billing_checkout.html")]
pub struct CheckoutPage {
    pub page: Chrome,
    pub organization_id: i64,
    pub organization_name: String,
    pub banner: Option<Banner>,
    /// `None` on the card change page.
    pub order: Option<Order>,
    /// Why there is no button now.
    pub blocked: Option<String>,
    /// The billing API the button posts to.
    pub api: String,
    pub plan: &'static str,
    pub cycle: &'static str,
    pub button: &'static str,
    pub sdk_url: String,
}

/// The VAT in a price that includes it, as Toss splits it: a tenth of the supply value, rounded.
pub fn vat_of(amount: i64) -> i64 {
    (amount + 5) / 11
}

/// `/orgs/{id}/billing/checkout?plan=…&cycle=…` (owners and admins).
pub async fn checkout(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(id): Path<String>,
    Query(q): Query<CheckoutQuery>,
) -> Result<Response, PageError> {
    let Some((plan, cycle)) = q.choice() else {
        return Err(PageError(ApiError::NotFound("요금제를 찾을 수 없습니다")));
    };
    let id = parse_id(&id)?;
    render(state, viewer, &checkout_path(id, plan, cycle), id, Some((plan, cycle)), q.banner()).await
}

/// `/orgs/{id}/billing/card` (owners and admins): register another card for the subscription.
pub async fn card(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    Path(id): Path<String>,
    Query(q): Query<CheckoutQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    render(state, viewer, &format!("/orgs/{id}/billing/card"), id, None, q.banner()).await
}

/// The checkout page for `choice`, or the card change page without one.
async fn render(
    state: AppState,
    viewer: MaybeViewer,
    here: &str,
    id: i64,
    choice: Option<(Plan, Cycle)>,
    banner: Option<Banner>,
) -> Result<Response, PageError> {
    let viewer = match viewer.require(here) {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let client = state.db.get().await?;
    let access = access(&**client, id, &viewer.caller).await?;
    access.require_manager()?;
    let organization_id = access.organization_id;
    let name = crate::api::orgs::view(&**client, &state.accounts.keyring, &access).await?.name;
    let live = subscription::live(&**client, organization_id, false).await.map_err(ApiError::from)?;
    drop(client);
    let now = Utc::now();
    let blocked = match (&state.billing, choice, &live) {
        (None, _, _) => Some(format!(
            "{NOT_CONFIGURED}. 온라인 결제는 아직 준비 중입니다. 준비되면 이 페이지에서 바로 결제할 수 있습니다."
        )),
        (Some(_), Some(_), Some(_)) => Some(
            "이미 구독 중인 요금제가 있습니다. 요금제 변경은 [요금제와 결제] 페이지에서 할 수 있습니다.".to_string(),
        ),
        (Some(_), None, None) => Some("카드를 바꿀 구독이 없습니다.".to_string()),
        (Some(_), None, Some(s)) if s.status == Status::Incomplete => {
            Some("첫 결제를 확인하고 있습니다. 잠시 후 다시 시도해 주세요.".to_string())
        }
        _ => None,
    };
    let order = choice.map(|(plan, cycle)| {
        let amount = plans::price(plan, cycle).unwrap_or_default();
        Order {
            plan: plan.label_ko(),
            cycle: cycle.label_ko(),
            amount: format_won(amount),
            vat: format_won(vat_of(amount)),
            order_name: plans::order_name(plan, cycle),
            every: if cycle == Cycle::Annual { "매년" } else { "매월" },
            today: day(now),
            renews_on: day(plans::period_end(now, cycle)),
        }
    });
    let title = if choice.is_some() { "결제하기" } else { "결제 카드 바꾸기" };
    let page = CheckoutPage {
        page: Chrome::private(format!("{name} {title}"), Some(viewer)).section("account"),
        organization_id,
        organization_name: name,
        banner,
        order,
        api: format!("/api/orgs/{organization_id}/billing/{}", if choice.is_some() { "checkout" } else { "card" }),
        plan: choice.map_or("", |(plan, _)| plan.as_str()),
        cycle: choice.map_or("", |(_, cycle)| cycle.as_str()),
        button: if choice.is_some() { "카드 등록하고 결제하기" } else { "새 카드 등록하기" },
        sdk_url: state.billing.as_ref().map(|b| b.sdk_url.to_string()).unwrap_or_default(),
        blocked,
    };
    let Some(billing) = state.billing.as_ref().filter(|_| page.blocked.is_none()) else {
        let status = if state.billing.is_none() { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
        return Ok(page::render(status, &page, &page.page));
    };
    Ok(security::allow_sdk(page::render(StatusCode::OK, &page, &page.page), &billing.sdk_origin()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn vat_is_a_eleventh_of_the_price_rounded() {
        assert_eq!(super::vat_of(20_900), 1_900);
        assert_eq!(super::vat_of(209_000), 19_000);
        assert_eq!(super::vat_of(59_000), 5_364);
    }
}
