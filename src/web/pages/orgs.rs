//! `/orgs/new` and `/orgs/{id}`: registering an organisation and editing its profile, with the
//! completeness hints the API computes (`completeness.missing[].hint`). The editor starts from the
//! stored profile (a JSON data block) and `app.js` sends back only what was changed on top of it,
//! so fields the page does not edit (a range of employees, extra sites) survive a save.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::account::member_role_label;
use crate::accounts::caller::ClientIp;
use crate::api::orgs::OrgView;
use crate::api::AppState;
use crate::orgs::profile::Amount;
use crate::orgs::MemberRole;
use crate::web::error::PageError;
use crate::web::page::{self, script_json, Chrome};
use crate::web::viewer::MaybeViewer;

const KINDS: &[(&str, &str)] = &[
    ("company", "기업"),
    ("research_institute", "연구기관"),
    ("university", "대학"),
    ("public_institution", "공공기관"),
];

const LEGAL_FORMS: &[(&str, &str)] = &[("corporation", "법인"), ("individual", "개인사업자"), ("institution", "기관")];

const SCALES: &[(&str, &str)] = &[
    ("sme", "중소기업"),
    ("small_business", "소상공인"),
    ("solo", "1인기업"),
    ("startup", "창업기업"),
    ("pre_startup", "예비창업자"),
    ("midsize", "중견기업"),
    ("large", "대기업"),
];

const CERTIFICATIONS: &[(&str, &str)] = &[
    ("venture", "벤처기업"),
    ("innobiz", "이노비즈"),
    ("mainbiz", "메인비즈"),
    ("research_institute", "기업부설연구소"),
    ("rnd_department", "연구개발전담부서"),
    ("women_owned", "여성기업"),
    ("disabled_owned", "장애인기업"),
    ("social_enterprise", "사회적기업"),
    ("pre_social_enterprise", "예비사회적기업"),
    ("social_venture", "소셜벤처"),
    ("green", "녹색기업"),
    ("root", "뿌리기업"),
    ("materials_parts_equipment", "소재·부품·장비 전문기업"),
];

const CEO_AGES: &[(&str, &str)] = &[("youth", "청년 (만 39세 이하)"), ("middle", "40~59세"), ("senior", "60세 이상")];

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub(super) fn choices(options: &'static [(&'static str, &'static str)], chosen: &[String]) -> Vec<Choice> {
    options.iter().map(|(value, label)| Choice { value, label, selected: chosen.iter().any(|c| c == value) }).collect()
}

fn regions(chosen: &[String]) -> Vec<Choice> {
    normalize::Region::all_sido()
        .iter()
        .map(|r| Choice { value: r.as_str(), label: r.label_ko(), selected: chosen.iter().any(|c| c == r.as_str()) })
        .collect()
}

#[derive(Template)]
#[template(path = "org_new.html")]
pub struct NewOrganization {
    pub page: Chrome,
    pub kinds: Vec<Choice>,
}

pub async fn new(viewer: MaybeViewer) -> Response {
    let viewer = match viewer.require("/orgs/new") {
        Ok(viewer) => viewer,
        Err(login) => return login.into_response(),
    };
    let page = NewOrganization {
        page: Chrome::private("기관 등록", Some(viewer)).section("account"),
        kinds: choices(KINDS, &["company".to_string()]),
    };
    page::render(StatusCode::OK, &page, &page.page)
}

#[derive(Template)]
#[template(path = "org_edit.html")]
pub struct EditOrganization {
    pub page: Chrome,
    pub org: OrgView,
    pub role: &'static str,
    pub can_edit: bool,
    /// `{"kind", "name", "profile"}` as stored: what the editor starts from.
    pub base: String,
    pub kinds: Vec<Choice>,
    pub legal_forms: Vec<Choice>,
    pub scales: Vec<Choice>,
    pub certifications: Vec<Choice>,
    pub ceo_ages: Vec<Choice>,
    pub regions: Vec<Choice>,
    pub established_on: String,
    pub employees: String,
    pub employees_range: Option<String>,
    pub revenue: String,
    pub revenue_range: Option<String>,
    pub industries: String,
    pub keywords: String,
    pub trl_current: String,
    pub trl_target: String,
    pub rnd_projects: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// The exact value for the input, or the stored range described beside it.
fn amount(value: Option<&Amount>, unit: fn(i64) -> String) -> (String, Option<String>) {
    match value {
        Some(Amount::Exact(v)) => (v.to_string(), None),
        Some(Amount::Range { min, max }) => {
            let end = |v: &Option<i64>| v.map(unit).unwrap_or_default();
            (String::new(), Some(format!("저장된 범위: {} ~ {}", end(min), end(max))))
        }
        None => (String::new(), None),
    }
}

/// Serde codes of a list of profile enums (`["sme", "startup"]`).
fn codes<T: serde::Serialize>(values: &T) -> Vec<String> {
    serde_json::to_value(values).ok().and_then(|v| serde_json::from_value::<Vec<String>>(v).ok()).unwrap_or_default()
}

fn code<T: serde::Serialize>(value: &Option<T>) -> Vec<String> {
    value
        .as_ref()
        .and_then(|v| serde_json::to_value(v).ok())
        .and_then(|v| v.as_str().map(String::from))
        .into_iter()
        .collect()
}

pub async fn edit(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let viewer = match viewer
        .require(&format!("/orgs/{}", url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()))
    {
        Ok(viewer) => viewer,
        Err(login) => return Ok(login.into_response()),
    };
    let axum::Json(org) =
        crate::api::orgs::show::show(State(state.clone()), viewer.caller.clone(), ClientIp(ip), Path(id)).await?;
    let p = &org.profile;
    let (employees, employees_range) = amount(p.employees.as_ref(), |v| format!("{v}명"));
    let (revenue, revenue_range) = amount(p.revenue_won.as_ref(), crate::web::format::amount);
    let hq: Vec<String> = p
        .locations
        .iter()
        .filter(|l| matches!(l.kind, crate::orgs::profile::LocationKind::Headquarters))
        .map(|l| l.region.as_str().to_string())
        .take(1)
        .collect();
    let contact = p.contact.clone();
    let number = |v: Option<u8>| v.map(|v| v.to_string()).unwrap_or_default();
    let page = EditOrganization {
        page: Chrome::private(org.name.clone(), Some(viewer)).section("account"),
        role: member_role_label(org.my_role),
        can_edit: matches!(org.my_role, Some(MemberRole::Owner | MemberRole::Admin)),
        base: script_json(&json!({"kind": org.kind, "name": org.name, "profile": org.profile})),
        kinds: choices(KINDS, &[org.kind.as_str().to_string()]),
        legal_forms: choices(LEGAL_FORMS, &code(&p.legal_form)),
        scales: choices(SCALES, &codes(&p.scales)),
        certifications: choices(CERTIFICATIONS, &codes(&p.certifications)),
        ceo_ages: choices(CEO_AGES, &code(&p.ceo_age_bracket)),
        regions: regions(&hq),
        established_on: p.established_on.map(|d| d.to_string()).unwrap_or_default(),
        employees,
        employees_range,
        revenue,
        revenue_range,
        industries: p.industries.join(", "),
        keywords: p.tech_keywords.join(", "),
        trl_current: number(p.trl_current),
        trl_target: number(p.trl_target),
        rnd_projects: p.rnd_experience.map(|r| r.projects.to_string()).unwrap_or_default(),
        contact_name: contact.as_ref().and_then(|c| c.name.clone()).unwrap_or_default(),
        contact_email: contact.as_ref().and_then(|c| c.email.clone()).unwrap_or_default(),
        contact_phone: contact.as_ref().and_then(|c| c.phone.clone()).unwrap_or_default(),
        org,
    };
    Ok(page::render(StatusCode::OK, &page, &page.page))
}
