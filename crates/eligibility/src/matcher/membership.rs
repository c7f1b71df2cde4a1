//! Which applicant kinds an organisation is, as far as its profile tells.

use chrono::{Datelike, Months, NaiveDate};

use crate::facts::{OrgFacts, OrgKind, Scale};
use crate::org_type::OrgType;
use crate::range::{Bound, Range};
use crate::verdict::Field;

/// 창업기업 means founded at most 7 years ago unless an announcement says otherwise.
pub const STARTUP_MONTHS: u32 = 84;

/// Yes, no, or the field that would tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    Yes,
    No,
    Unknown(Field),
}

/// The profile's kind; a profile with scales but no kind is a company.
pub fn kind_of(org: &OrgFacts) -> Option<OrgKind> {
    org.kind.or_else(|| (!org.scales.is_empty()).then_some(OrgKind::Company))
}

pub fn is_pre_startup(org: &OrgFacts) -> bool {
    org.scales.contains(&Scale::PreStartup) && org.established_on.is_none()
}

/// Whether the organisation is an institution (대학, 연구기관, 공공기관).
pub fn institution(org: &OrgFacts) -> Option<OrgType> {
    kind_of(org).and_then(|k| k.institution_type())
}

/// The default meaning of 창업기업: founded at most 7 years ago.
pub fn startup_default() -> Range<u32> {
    Range::at_most(Bound::inclusive(STARTUP_MONTHS))
}

/// Whether the organisation is of kind `t`; `startup` is what 창업기업 means for this
/// announcement (7 years unless it states another business age).
pub fn is(org: &OrgFacts, t: OrgType, today: NaiveDate, startup: &Range<u32>) -> Tri {
    match kind_of(org) {
        None => Tri::Unknown(Field::Kind),
        Some(OrgKind::Company) => company_is(org, t, today, startup),
        Some(kind) => {
            if kind.institution_type() == Some(t) {
                Tri::Yes
            } else if t == OrgType::Nonprofit {
                Tri::Unknown(Field::Kind)
            } else {
                Tri::No
            }
        }
    }
}

fn company_is(org: &OrgFacts, t: OrgType, today: NaiveDate, startup: &Range<u32>) -> Tri {
    let has = |s: &[Scale]| s.iter().any(|s| org.scales.contains(s));
    let pre = is_pre_startup(org);
    let employees_max = org.employees.and_then(|e| e.max);
    let employees_min = org.employees.and_then(|e| e.min);
    match t {
        OrgType::Sme => {
            if has(&[Scale::Sme, Scale::SmallBusiness, Scale::Solo]) {
                Tri::Yes
            } else if has(&[Scale::Midsize, Scale::Large]) || pre {
                Tri::No
            } else {
                Tri::Unknown(Field::Scales)
            }
        }
        OrgType::SmallBusiness => {
            if has(&[Scale::SmallBusiness, Scale::Solo]) || (!pre && employees_max.is_some_and(|m| m < 5)) {
                Tri::Yes
            } else if has(&[Scale::Midsize, Scale::Large]) || pre || employees_min.is_some_and(|m| m >= 10) {
                Tri::No
            } else {
                Tri::Unknown(Field::Scales)
            }
        }
        OrgType::Solo => {
            if has(&[Scale::Solo]) {
                Tri::Yes
            } else if has(&[Scale::Midsize, Scale::Large]) || pre || employees_min.is_some_and(|m| m >= 5) {
                Tri::No
            } else {
                Tri::Unknown(Field::Scales)
            }
        }
        OrgType::Startup => match org.established_on {
            Some(d) => {
                if age_fits(d, today, startup) {
                    Tri::Yes
                } else {
                    Tri::No
                }
            }
            None if pre || has(&[Scale::Midsize, Scale::Large]) => Tri::No,
            None if has(&[Scale::Startup]) && startup.contains(STARTUP_MONTHS) => Tri::Yes,
            None => Tri::Unknown(Field::EstablishedOn),
        },
        OrgType::PreStartup | OrgType::Individual => {
            if pre {
                Tri::Yes
            } else if org.established_on.is_some() || !org.scales.is_empty() {
                Tri::No
            } else {
                Tri::Unknown(Field::Scales)
            }
        }
        OrgType::Midsize => scale_is(org, Scale::Midsize, pre),
        OrgType::Large => scale_is(org, Scale::Large, pre),
        OrgType::University | OrgType::ResearchInstitute | OrgType::PublicInstitution | OrgType::Nonprofit => Tri::No,
    }
}

fn scale_is(org: &OrgFacts, scale: Scale, pre: bool) -> Tri {
    let sized = [Scale::Sme, Scale::SmallBusiness, Scale::Solo, Scale::Midsize, Scale::Large];
    if org.scales.contains(&scale) {
        Tri::Yes
    } else if pre || org.scales.iter().any(|s| sized.contains(s)) {
        Tri::No
    } else {
        Tri::Unknown(Field::Scales)
    }
}

/// Whether a business founded on `founded` is, on `today`, within `months` of its founding.
pub fn age_fits(founded: NaiveDate, today: NaiveDate, months: &Range<u32>) -> bool {
    let after = |m: u32| founded.checked_add_months(Months::new(m)).unwrap_or(NaiveDate::MAX);
    let above = months.min.is_none_or(|b| if b.inclusive { today >= after(b.value) } else { today > after(b.value) });
    let below = months.max.is_none_or(|b| if b.inclusive { today <= after(b.value) } else { today < after(b.value) });
    above && below
}

/// Whole months from `founded` to `today` (0 before founding).
pub fn full_months(founded: NaiveDate, today: NaiveDate) -> u32 {
    let months = (today.year() - founded.year()) * 12 + today.month() as i32
        - founded.month() as i32
        - i32::from(today.day() < founded.day());
    u32::try_from(months).unwrap_or(0)
}

/// The organisation in a few Korean words: `대학`, `중견기업`, `예비창업자`.
pub fn describe(org: &OrgFacts) -> String {
    match kind_of(org) {
        None => "기관 유형 미입력".to_string(),
        Some(OrgKind::Company) if org.scales.is_empty() => "기업(규모 미입력)".to_string(),
        Some(OrgKind::Company) => org.scales.iter().map(|s| s.org_type().label_ko()).collect::<Vec<_>>().join("·"),
        Some(kind) => kind.label_ko().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Span;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn startup_by_founding_date() {
        let today = date("2026-09-01");
        let org =
            OrgFacts { kind: Some(OrgKind::Company), established_on: Some(date("2019-09-01")), ..Default::default() };
        assert_eq!(is(&org, OrgType::Startup, today, &startup_default()), Tri::Yes);
        let org = OrgFacts { established_on: Some(date("2019-08-31")), ..org };
        assert_eq!(is(&org, OrgType::Startup, today, &startup_default()), Tri::No);
        let org = OrgFacts { kind: Some(OrgKind::Company), scales: vec![Scale::Sme], ..Default::default() };
        assert_eq!(is(&org, OrgType::Startup, today, &startup_default()), Tri::Unknown(Field::EstablishedOn));
    }

    #[test]
    fn scales_and_institutions() {
        let today = date("2026-09-01");
        let sme = OrgFacts { kind: Some(OrgKind::Company), scales: vec![Scale::Sme], ..Default::default() };
        assert_eq!(is(&sme, OrgType::Sme, today, &startup_default()), Tri::Yes);
        assert_eq!(is(&sme, OrgType::Midsize, today, &startup_default()), Tri::No);
        assert_eq!(is(&sme, OrgType::SmallBusiness, today, &startup_default()), Tri::Unknown(Field::Scales));
        let tiny = OrgFacts { employees: Some(Span::exactly(3)), ..sme.clone() };
        assert_eq!(is(&tiny, OrgType::SmallBusiness, today, &startup_default()), Tri::Yes);
        let uni = OrgFacts { kind: Some(OrgKind::University), ..Default::default() };
        assert_eq!(is(&uni, OrgType::University, today, &startup_default()), Tri::Yes);
        assert_eq!(is(&uni, OrgType::Sme, today, &startup_default()), Tri::No);
        assert_eq!(is(&OrgFacts::default(), OrgType::Sme, today, &startup_default()), Tri::Unknown(Field::Kind));
        let pre = OrgFacts { scales: vec![Scale::PreStartup], ..Default::default() };
        assert_eq!(is(&pre, OrgType::PreStartup, today, &startup_default()), Tri::Yes);
        assert_eq!(is(&pre, OrgType::Individual, today, &startup_default()), Tri::Yes);
        assert_eq!(is(&pre, OrgType::Sme, today, &startup_default()), Tri::No);
        assert_eq!(is(&pre, OrgType::Startup, today, &startup_default()), Tri::No);
    }

    #[test]
    fn months() {
        assert_eq!(full_months(date("2023-06-15"), date("2026-09-01")), 38);
        assert_eq!(full_months(date("2027-01-01"), date("2026-09-01")), 0);
        let r = Range::at_most(Bound::exclusive(27));
        assert!(age_fits(date("2024-05-02"), date("2026-08-01"), &r));
        assert!(!age_fits(date("2024-05-01"), date("2026-08-01"), &r));
    }
}
