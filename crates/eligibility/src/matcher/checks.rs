//! One constraint against one profile: pass, fail (with the Korean reason) or unknown (with the
//! field to enter).
//!
//! Each check decides once and says why through a [`Report`]: [`Explain`] builds the Korean
//! messages, [`Quick`] only the [`Status`], so ranking a whole catalogue allocates nothing for a
//! rule and the messages of what is shown come from the very same decision.

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

/// An outcome without its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Unknown,
}

/// How a check reports its decision; the message closures run only when the report keeps them.
pub trait Report {
    type Out;
    fn pass(note: impl FnOnce() -> Option<String>) -> Self::Out;
    fn fail(message: impl FnOnce() -> String) -> Self::Out;
    fn unknown(field: Field, message: impl FnOnce() -> String) -> Self::Out;
}

/// Outcomes with their Korean messages.
pub struct Explain;

impl Report for Explain {
    type Out = Outcome;
    fn pass(note: impl FnOnce() -> Option<String>) -> Outcome {
        Outcome::Pass(note())
    }
    fn fail(message: impl FnOnce() -> String) -> Outcome {
        Outcome::Fail(message())
    }
    fn unknown(field: Field, message: impl FnOnce() -> String) -> Outcome {
        Outcome::Unknown(field, message())
    }
}

/// Only the status: nothing is formatted.
pub struct Quick;

impl Report for Quick {
    type Out = Status;
    fn pass(_: impl FnOnce() -> Option<String>) -> Status {
        Status::Pass
    }
    fn fail(_: impl FnOnce() -> String) -> Status {
        Status::Fail
    }
    fn unknown(_: Field, _: impl FnOnce() -> String) -> Status {
        Status::Unknown
    }
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

pub fn check<R: Report>(c: &Constraint, org: &OrgFacts, at: &Situation) -> R::Out {
    let desc = || c.describe();
    if company_only(c) {
        if let Some(inst) = membership::institution(org) {
            return if at.institution_targeted {
                R::pass(|| None)
            } else {
                R::fail(|| format!("'{}' 조건은 기업·창업자 대상입니다: 현재 {}", desc(), inst.label_ko()))
            };
        }
    }
    match c {
        Constraint::TargetTypes { any_of } => target_types::<R>(any_of, org, at),
        Constraint::BusinessAge { months, pre_startup } => {
            business_age::<R>(&desc, months.as_ref(), *pre_startup, org, at)
        }
        Constraint::Revenue { won } => {
            let span = org.revenue.or(membership::is_pre_startup(org).then_some(Span::exactly(0)));
            bounded::<R, _>(&desc, won, span, Field::Revenue, format_krw)
        }
        Constraint::Employees { count } => {
            let span = org.employees.or(membership::is_pre_startup(org).then_some(Span::exactly(0)));
            bounded::<R, _>(&desc, count, span, Field::Employees, |n| format!("{n}명"))
        }
        Constraint::Regions { any_of } => regions::<R>(&desc, any_of, org),
        Constraint::OutsideRegions { none_of } => outside::<R>(&desc, none_of, org),
        Constraint::Industries { any_of } => industries::<R>(&desc, any_of, org, true),
        Constraint::ExcludedIndustries { none_of } => industries::<R>(&desc, none_of, org, false),
        Constraint::RequiredCertification { any_of } => certifications::<R>(&desc, any_of, org),
        Constraint::CeoAge { years } => ceo_age::<R>(&desc, years, org),
        Constraint::LegalForm { any_of } => match org.legal_form {
            None => missing::<R>(Field::LegalForm, &desc),
            Some(f) if any_of.contains(&f) => R::pass(|| None),
            Some(f) => R::fail(|| format!("{} 조건: 현재 {}", desc(), f.label_ko())),
        },
        Constraint::Exclusion { exclusion } => excluded_scale::<R>(&desc, *exclusion, org),
        // Scored, not gated.
        Constraint::PreferredCertification { .. } | Constraint::Trl { .. } => R::pass(|| None),
    }
}

/// The condition's words, made only when a message needs them.
type Desc<'a> = dyn Fn() -> String + 'a;

/// `설립일을 입력하면 '업력 7년 이하' 조건을 확인할 수 있습니다`.
pub fn missing<R: Report>(field: Field, desc: &Desc) -> R::Out {
    R::unknown(field, || {
        let label = field.label_ko();
        format!("{label}{} 입력하면 '{}' 조건을 확인할 수 있습니다", object_particle(label), desc())
    })
}

/// 을 after a final consonant, 를 after a vowel; the word's last Hangul syllable decides.
fn object_particle(word: &str) -> &'static str {
    let head = word.split('(').next().unwrap_or(word);
    match head.chars().rev().find(|c| ('\u{AC00}'..='\u{D7A3}').contains(c)) {
        Some(c) if !(c as u32 - 0xAC00).is_multiple_of(28) => "을",
        _ => "를",
    }
}

fn target_types<R: Report>(any_of: &[OrgType], org: &OrgFacts, at: &Situation) -> R::Out {
    let labels = || any_of.iter().map(|t| t.label_ko()).collect::<Vec<_>>().join(", ");
    // `일반기업`: every company scale is admitted, so any established company is.
    let any_company = [OrgType::Sme, OrgType::Midsize, OrgType::Large].iter().all(|t| any_of.contains(t));
    if any_company && membership::kind_of(org) == Some(OrgKind::Company) && !membership::is_pre_startup(org) {
        return R::pass(|| Some(format!("신청 대상 해당: 기업 ({})", labels())));
    }
    let mut unknown = None;
    for t in any_of {
        match is(org, *t, at.today, &at.startup_months) {
            Tri::Yes => return R::pass(|| Some(format!("신청 대상 해당: {}", t.label_ko()))),
            Tri::Unknown(f) => unknown = unknown.or(Some((f, *t))),
            Tri::No => {}
        }
    }
    match unknown {
        Some((Field::EstablishedOn, t)) => R::unknown(Field::EstablishedOn, || {
            format!(
                "설립일을 입력하면 '{}({})' 대상인지 확인할 수 있습니다",
                t.label_ko(),
                Constraint::BusinessAge { months: Some(at.startup_months), pre_startup: false }.describe()
            )
        }),
        Some((field, _)) => missing::<R>(field, &|| format!("신청 대상 {}", labels())),
        None => R::fail(|| format!("신청 대상({})이 아닙니다: 현재 {}", labels(), membership::describe(org))),
    }
}

fn business_age<R: Report>(
    desc: &Desc,
    months: Option<&Range<u32>>,
    pre_ok: bool,
    org: &OrgFacts,
    at: &Situation,
) -> R::Out {
    if membership::is_pre_startup(org) {
        return if pre_ok {
            R::pass(|| Some("예비창업자 신청 가능".to_string()))
        } else {
            R::fail(|| format!("{} 조건: 현재 예비창업자(사업자등록 전)", desc()))
        };
    }
    let Some(founded) = org.established_on else {
        if org.scales.contains(&Scale::Startup) && months.is_some_and(|m| m.contains(membership::STARTUP_MONTHS)) {
            return R::pass(|| Some(format!("{} 조건 충족 (창업기업)", desc())));
        }
        return missing::<R>(Field::EstablishedOn, desc);
    };
    let age = || years_months(full_months(founded, at.today));
    match months {
        None => R::fail(|| format!("{} 신청 가능: 현재 업력 {}", desc(), age())),
        Some(m) if age_fits(founded, at.today, m) => R::pass(|| Some(format!("{} 조건 충족 (업력 {})", desc(), age()))),
        Some(_) => R::fail(|| format!("{} 조건: 현재 업력 {}", desc(), age())),
    }
}

fn bounded<R: Report, T: PartialOrd + Copy>(
    desc: &Desc,
    range: &Range<T>,
    span: Option<Span<T>>,
    field: Field,
    show: impl Fn(T) -> String,
) -> R::Out {
    let Some(span) = span else { return missing::<R>(field, desc) };
    let now = || match (span.min, span.max) {
        (Some(a), Some(b)) if a == b => show(a),
        (Some(a), Some(b)) => format!("{}~{}", show(a), show(b)),
        (Some(a), None) => format!("{} 이상", show(a)),
        (None, Some(b)) => format!("{} 이하", show(b)),
        (None, None) => String::new(),
    };
    if span.min.is_none() && span.max.is_none() {
        return missing::<R>(field, desc);
    }
    match range.fit(span.min, span.max) {
        Fit::Inside => R::pass(|| Some(format!("{} 조건 충족 (현재 {})", desc(), now()))),
        Fit::Outside => R::fail(|| format!("{} 조건: 현재 {}", desc(), now())),
        Fit::Partly => R::unknown(field, || {
            format!(
                "{}{} 정확히 입력하면 '{}' 조건을 확인할 수 있습니다 (현재 {})",
                field.label_ko(),
                object_particle(field.label_ko()),
                desc(),
                now()
            )
        }),
    }
}

/// The organisation's 시·도 (not `Nationwide`).
fn org_regions(org: &OrgFacts) -> impl Iterator<Item = &Region> + Clone {
    org.regions.iter().filter(|r| **r != Region::Nationwide)
}

fn labels<'a>(regions: impl Iterator<Item = &'a Region>) -> String {
    regions.map(|r| r.label_ko()).collect::<Vec<_>>().join(", ")
}

fn regions<R: Report>(desc: &Desc, any_of: &[Region], org: &OrgFacts) -> R::Out {
    let mut mine = org_regions(org);
    if any_of.contains(&Region::Nationwide) {
        return R::pass(|| None);
    }
    if mine.clone().next().is_none() {
        return missing::<R>(Field::Regions, desc);
    }
    match mine.find(|r| any_of.contains(r)) {
        Some(r) => R::pass(|| Some(format!("지역 조건 충족: {}", r.label_ko()))),
        None => R::fail(|| format!("지역 조건({}): 현재 {}", desc(), labels(org_regions(org)))),
    }
}

fn outside<R: Report>(desc: &Desc, none_of: &[Region], org: &OrgFacts) -> R::Out {
    let mine = org_regions(org);
    let total = mine.clone().count();
    if total == 0 {
        return missing::<R>(Field::Regions, desc);
    }
    let out = mine.filter(|r| !none_of.contains(r)).count();
    if out == total {
        R::pass(|| Some(format!("지역 조건 충족: {}", labels(org_regions(org)))))
    } else if out == 0 {
        R::fail(|| format!("지역 조건({}): 현재 {}", desc(), labels(org_regions(org))))
    } else {
        R::unknown(Field::Regions, || {
            format!("본사 소재지가 '{}' 조건을 충족하는지 확인하세요 (현재 {})", desc(), labels(org_regions(org)))
        })
    }
}

fn industries<R: Report>(desc: &Desc, codes: &[normalize::KsicCode], org: &OrgFacts, required: bool) -> R::Out {
    if org.industries.is_empty() {
        return missing::<R>(Field::Industries, desc);
    }
    let inside = org.industries.iter().any(|o| codes.iter().any(|c| c.contains(*o)));
    let coarser = org.industries.iter().any(|o| codes.iter().any(|c| o.contains(*c)));
    let mine = || {
        org.industries.iter().map(|c| format!("{}({})", c.industry().name(), c.as_str())).collect::<Vec<_>>().join(", ")
    };
    match (required, inside, coarser) {
        (true, true, _) => R::pass(|| Some(format!("업종 조건 충족: {}", mine()))),
        (false, true, _) => R::fail(|| format!("{} 조건: 현재 {}", desc(), mine())),
        (_, false, true) => R::unknown(Field::Industries, || {
            format!("업종을 세분류(KSIC 4~5자리)로 입력하면 '{}' 조건을 확인할 수 있습니다 (현재 {})", desc(), mine())
        }),
        (true, false, false) => R::fail(|| format!("{} 조건: 현재 {}", desc(), mine())),
        (false, false, false) => R::pass(|| None),
    }
}

fn certifications<R: Report>(desc: &Desc, any_of: &[Certification], org: &OrgFacts) -> R::Out {
    let Some(held) = &org.certifications else { return missing::<R>(Field::Certifications, desc) };
    match any_of.iter().find(|c| held.contains(c)) {
        Some(c) => R::pass(|| Some(format!("필요 인증 보유: {}", c.label_ko()))),
        None if held.is_empty() => R::fail(|| format!("{} 조건: 보유 인증 없음", desc())),
        None => R::fail(|| {
            format!("{} 조건: 현재 보유 {}", desc(), held.iter().map(|c| c.label_ko()).collect::<Vec<_>>().join(", "))
        }),
    }
}

fn ceo_age<R: Report>(desc: &Desc, years: &Range<u8>, org: &OrgFacts) -> R::Out {
    let Some(bracket) = org.ceo_age else { return missing::<R>(Field::CeoAge, desc) };
    let (lo, hi) = bracket.years();
    match years.fit(Some(lo), Some(hi)) {
        Fit::Inside => R::pass(|| Some(format!("{} 조건 충족 ({})", desc(), bracket.label_ko()))),
        Fit::Outside => R::fail(|| format!("{} 조건: 현재 {}", desc(), bracket.label_ko())),
        Fit::Partly => R::unknown(Field::CeoAge, || {
            format!("대표자 만 나이를 확인하세요: '{}' 조건 (현재 {})", desc(), bracket.label_ko())
        }),
    }
}

fn excluded_scale<R: Report>(desc: &Desc, exclusion: Exclusion, org: &OrgFacts) -> R::Out {
    let scale = match exclusion {
        Exclusion::Large => OrgType::Large,
        Exclusion::Midsize => OrgType::Midsize,
        // Self-declared grounds are a checklist, not a gate.
        _ => return R::pass(|| None),
    };
    if membership::institution(org).is_some() {
        return R::pass(|| None);
    }
    match is(org, scale, chrono::NaiveDate::MIN, &membership::startup_default()) {
        Tri::Yes => R::fail(|| format!("{}: 현재 {}", desc(), scale.label_ko())),
        Tri::No => R::pass(|| None),
        Tri::Unknown(f) => missing::<R>(f, desc),
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
