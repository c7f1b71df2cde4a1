//! One constraint against one profile: pass, fail (with the Korean reason) or unknown (with the
//! field to enter).

use chrono::NaiveDate;
use normalize::{format_krw, Region};

use super::membership::{self, age_fits, full_months, is, Tri};
use crate::constraint::{years_months, Certification, Constraint, Exclusion};
use crate::facts::{OrgFacts, OrgKind, Scale, Span};
use crate::org_type::OrgType;
use crate::range::{Fit, Range};
use crate::verdict::Field;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Met; the note says how, when worth telling.
    Pass(Option<String>),
    Fail(String),
    Unknown(Field, String),
}

/// What a check needs besides the profile.
pub struct Situation {
    pub today: NaiveDate,
    /// The announcement names the organisation's institution type among its applicants, so
    /// company-only conditions do not apply to it.
    pub institution_targeted: bool,
    /// What 창업기업 means here: the announcement's business age when it states one.
    pub startup_months: Range<u32>,
}

/// Kinds of condition that only make sense for companies and founders.
fn company_only(c: &Constraint) -> bool {
    matches!(
        c,
        Constraint::BusinessAge { .. }
            | Constraint::Revenue { .. }
            | Constraint::Employees { .. }
            | Constraint::Industries { .. }
            | Constraint::ExcludedIndustries { .. }
            | Constraint::RequiredCertification { .. }
            | Constraint::CeoAge { .. }
            | Constraint::LegalForm { .. }
    )
}

pub fn check(c: &Constraint, org: &OrgFacts, at: &Situation) -> Outcome {
    let desc = c.describe();
    if company_only(c) {
        if let Some(inst) = membership::institution(org) {
            return if at.institution_targeted {
                Outcome::Pass(None)
            } else {
                Outcome::Fail(format!("'{desc}' 조건은 기업·창업자 대상입니다: 현재 {}", inst.label_ko()))
            };
        }
    }
    match c {
        Constraint::TargetTypes { any_of } => target_types(any_of, org, at),
        Constraint::BusinessAge { months, pre_startup } => business_age(&desc, months.as_ref(), *pre_startup, org, at),
        Constraint::Revenue { won } => {
            let span = org.revenue.or(membership::is_pre_startup(org).then_some(Span::exactly(0)));
            bounded(&desc, won, span, Field::Revenue, format_krw)
        }
        Constraint::Employees { count } => {
            let span = org.employees.or(membership::is_pre_startup(org).then_some(Span::exactly(0)));
            bounded(&desc, count, span, Field::Employees, |n| format!("{n}명"))
        }
        Constraint::Regions { any_of } => regions(&desc, any_of, org),
        Constraint::OutsideRegions { none_of } => outside(&desc, none_of, org),
        Constraint::Industries { any_of } => industries(&desc, any_of, org, true),
        Constraint::ExcludedIndustries { none_of } => industries(&desc, none_of, org, false),
        Constraint::RequiredCertification { any_of } => certifications(&desc, any_of, org),
        Constraint::CeoAge { years } => ceo_age(&desc, years, org),
        Constraint::LegalForm { any_of } => match org.legal_form {
            None => missing(Field::LegalForm, &desc),
            Some(f) if any_of.contains(&f) => Outcome::Pass(None),
            Some(f) => Outcome::Fail(format!("{desc} 조건: 현재 {}", f.label_ko())),
        },
        Constraint::Exclusion { exclusion } => excluded_scale(&desc, *exclusion, org),
        // Scored, not gated.
        Constraint::PreferredCertification { .. } | Constraint::Trl { .. } => Outcome::Pass(None),
    }
}

/// `설립일을 입력하면 '업력 7년 이하' 조건을 확인할 수 있습니다`.
pub fn missing(field: Field, desc: &str) -> Outcome {
    let label = field.label_ko();
    Outcome::Unknown(field, format!("{label}{} 입력하면 '{desc}' 조건을 확인할 수 있습니다", object_particle(label)))
}

/// 을 after a final consonant, 를 after a vowel; the word's last Hangul syllable decides.
fn object_particle(word: &str) -> &'static str {
    let head = word.split('(').next().unwrap_or(word);
    match head.chars().rev().find(|c| ('\u{AC00}'..='\u{D7A3}').contains(c)) {
        Some(c) if !(c as u32 - 0xAC00).is_multiple_of(28) => "을",
        _ => "를",
    }
}

fn target_types(any_of: &[OrgType], org: &OrgFacts, at: &Situation) -> Outcome {
    let labels = any_of.iter().map(|t| t.label_ko()).collect::<Vec<_>>().join(", ");
    // `일반기업`: every company scale is admitted, so any established company is.
    let any_company = [OrgType::Sme, OrgType::Midsize, OrgType::Large].iter().all(|t| any_of.contains(t));
    if any_company && membership::kind_of(org) == Some(OrgKind::Company) && !membership::is_pre_startup(org) {
        return Outcome::Pass(Some(format!("신청 대상 해당: 기업 ({labels})")));
    }
    let mut unknown = None;
    for t in any_of {
        match is(org, *t, at.today, &at.startup_months) {
            Tri::Yes => return Outcome::Pass(Some(format!("신청 대상 해당: {}", t.label_ko()))),
            Tri::Unknown(f) => unknown = unknown.or(Some((f, *t))),
            Tri::No => {}
        }
    }
    match unknown {
        Some((Field::EstablishedOn, t)) => Outcome::Unknown(
            Field::EstablishedOn,
            format!(
                "설립일을 입력하면 '{}({})' 대상인지 확인할 수 있습니다",
                t.label_ko(),
                Constraint::BusinessAge { months: Some(at.startup_months), pre_startup: false }.describe()
            ),
        ),
        Some((field, _)) => missing(field, &format!("신청 대상 {labels}")),
        None => Outcome::Fail(format!("신청 대상({labels})이 아닙니다: 현재 {}", membership::describe(org))),
    }
}

fn business_age(desc: &str, months: Option<&Range<u32>>, pre_ok: bool, org: &OrgFacts, at: &Situation) -> Outcome {
    if membership::is_pre_startup(org) {
        return if pre_ok {
            Outcome::Pass(Some("예비창업자 신청 가능".to_string()))
        } else {
            Outcome::Fail(format!("{desc} 조건: 현재 예비창업자(사업자등록 전)"))
        };
    }
    let Some(founded) = org.established_on else {
        if org.scales.contains(&Scale::Startup) && months.is_some_and(|m| m.contains(membership::STARTUP_MONTHS)) {
            return Outcome::Pass(Some(format!("{desc} 조건 충족 (창업기업)")));
        }
        return missing(Field::EstablishedOn, desc);
    };
    let age = years_months(full_months(founded, at.today));
    match months {
        None => Outcome::Fail(format!("{desc} 신청 가능: 현재 업력 {age}")),
        Some(m) if age_fits(founded, at.today, m) => Outcome::Pass(Some(format!("{desc} 조건 충족 (업력 {age})"))),
        Some(_) => Outcome::Fail(format!("{desc} 조건: 현재 업력 {age}")),
    }
}

fn bounded<T: PartialOrd + Copy>(
    desc: &str,
    range: &Range<T>,
    span: Option<Span<T>>,
    field: Field,
    show: impl Fn(T) -> String,
) -> Outcome {
    let Some(span) = span else { return missing(field, desc) };
    let now = match (span.min, span.max) {
        (Some(a), Some(b)) if a == b => show(a),
        (Some(a), Some(b)) => format!("{}~{}", show(a), show(b)),
        (Some(a), None) => format!("{} 이상", show(a)),
        (None, Some(b)) => format!("{} 이하", show(b)),
        (None, None) => return missing(field, desc),
    };
    match range.fit(span.min, span.max) {
        Fit::Inside => Outcome::Pass(Some(format!("{desc} 조건 충족 (현재 {now})"))),
        Fit::Outside => Outcome::Fail(format!("{desc} 조건: 현재 {now}")),
        Fit::Partly => Outcome::Unknown(
            field,
            format!(
                "{}{} 정확히 입력하면 '{desc}' 조건을 확인할 수 있습니다 (현재 {now})",
                field.label_ko(),
                object_particle(field.label_ko())
            ),
        ),
    }
}

fn org_regions(org: &OrgFacts) -> Vec<Region> {
    org.regions.iter().copied().filter(|r| *r != Region::Nationwide).collect()
}

fn labels(regions: &[Region]) -> String {
    regions.iter().map(|r| r.label_ko()).collect::<Vec<_>>().join(", ")
}

fn regions(desc: &str, any_of: &[Region], org: &OrgFacts) -> Outcome {
    let mine = org_regions(org);
    if any_of.contains(&Region::Nationwide) {
        return Outcome::Pass(None);
    }
    if mine.is_empty() {
        return missing(Field::Regions, desc);
    }
    match mine.iter().find(|r| any_of.contains(r)) {
        Some(r) => Outcome::Pass(Some(format!("지역 조건 충족: {}", r.label_ko()))),
        None => Outcome::Fail(format!("지역 조건({desc}): 현재 {}", labels(&mine))),
    }
}

fn outside(desc: &str, none_of: &[Region], org: &OrgFacts) -> Outcome {
    let mine = org_regions(org);
    if mine.is_empty() {
        return missing(Field::Regions, desc);
    }
    let out = mine.iter().filter(|r| !none_of.contains(r)).count();
    if out == mine.len() {
        Outcome::Pass(Some(format!("지역 조건 충족: {}", labels(&mine))))
    } else if out == 0 {
        Outcome::Fail(format!("지역 조건({desc}): 현재 {}", labels(&mine)))
    } else {
        Outcome::Unknown(
            Field::Regions,
            format!("본사 소재지가 '{desc}' 조건을 충족하는지 확인하세요 (현재 {})", labels(&mine)),
        )
    }
}

fn industries(desc: &str, codes: &[normalize::KsicCode], org: &OrgFacts, required: bool) -> Outcome {
    if org.industries.is_empty() {
        return missing(Field::Industries, desc);
    }
    let inside = org.industries.iter().any(|o| codes.iter().any(|c| c.contains(*o)));
    let coarser = org.industries.iter().any(|o| codes.iter().any(|c| o.contains(*c)));
    let mine = org
        .industries
        .iter()
        .map(|c| format!("{}({})", c.industry().name(), c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let unknown = || {
        Outcome::Unknown(
            Field::Industries,
            format!("업종을 세분류(KSIC 4~5자리)로 입력하면 '{desc}' 조건을 확인할 수 있습니다 (현재 {mine})"),
        )
    };
    match (required, inside, coarser) {
        (true, true, _) => Outcome::Pass(Some(format!("업종 조건 충족: {mine}"))),
        (false, true, _) => Outcome::Fail(format!("{desc} 조건: 현재 {mine}")),
        (_, false, true) => unknown(),
        (true, false, false) => Outcome::Fail(format!("{desc} 조건: 현재 {mine}")),
        (false, false, false) => Outcome::Pass(None),
    }
}

fn certifications(desc: &str, any_of: &[Certification], org: &OrgFacts) -> Outcome {
    let Some(held) = &org.certifications else { return missing(Field::Certifications, desc) };
    match any_of.iter().find(|c| held.contains(c)) {
        Some(c) => Outcome::Pass(Some(format!("필요 인증 보유: {}", c.label_ko()))),
        None if held.is_empty() => Outcome::Fail(format!("{desc} 조건: 보유 인증 없음")),
        None => Outcome::Fail(format!(
            "{desc} 조건: 현재 보유 {}",
            held.iter().map(|c| c.label_ko()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn ceo_age(desc: &str, years: &Range<u8>, org: &OrgFacts) -> Outcome {
    let Some(bracket) = org.ceo_age else { return missing(Field::CeoAge, desc) };
    let (lo, hi) = bracket.years();
    match years.fit(Some(lo), Some(hi)) {
        Fit::Inside => Outcome::Pass(Some(format!("{desc} 조건 충족 ({})", bracket.label_ko()))),
        Fit::Outside => Outcome::Fail(format!("{desc} 조건: 현재 {}", bracket.label_ko())),
        Fit::Partly => Outcome::Unknown(
            Field::CeoAge,
            format!("대표자 만 나이를 확인하세요: '{desc}' 조건 (현재 {})", bracket.label_ko()),
        ),
    }
}

fn excluded_scale(desc: &str, exclusion: Exclusion, org: &OrgFacts) -> Outcome {
    let scale = match exclusion {
        Exclusion::Large => OrgType::Large,
        Exclusion::Midsize => OrgType::Midsize,
        // Self-declared grounds are a checklist, not a gate.
        _ => return Outcome::Pass(None),
    };
    if membership::institution(org).is_some() {
        return Outcome::Pass(None);
    }
    match is(org, scale, chrono::NaiveDate::MIN, &membership::startup_default()) {
        Tri::Yes => Outcome::Fail(format!("{desc}: 현재 {}", scale.label_ko())),
        Tri::No => Outcome::Pass(None),
        Tri::Unknown(f) => missing(f, desc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles() {
        assert_eq!(object_particle("설립일"), "을");
        assert_eq!(object_particle("기업 규모"), "를");
        assert_eq!(object_particle("업종(KSIC)"), "을");
        assert_eq!(object_particle("소재지(시·도)"), "를");
        assert_eq!(object_particle("대표자 연령"), "을");
    }
}
