//! From Connect's own records to what the matcher reads: an organisation's profile to `OrgFacts`,
//! a catalogue row (with its stored rules) to `ProgramFacts`.

use eligibility::{CeoAgeBracket, Certification, LegalForm, OrgFacts, OrgKind, OrgType, Scale, Span, Trl};

use crate::orgs::profile::{self, Amount, Profile};
use crate::orgs::Kind;

fn span<T: Copy>(amount: &Amount, convert: impl Fn(i64) -> T) -> Span<T> {
    let (min, max) = amount.bounds();
    Span { min: min.map(&convert), max: max.map(&convert) }
}

pub fn org_facts(kind: Kind, profile: &Profile) -> OrgFacts {
    OrgFacts {
        kind: Some(match kind {
            Kind::Company => OrgKind::Company,
            Kind::ResearchInstitute => OrgKind::ResearchInstitute,
            Kind::University => OrgKind::University,
            Kind::PublicInstitution => OrgKind::PublicInstitution,
        }),
        scales: profile
            .scales
            .iter()
            .map(|s| match s {
                profile::Scale::Sme => Scale::Sme,
                profile::Scale::SmallBusiness => Scale::SmallBusiness,
                profile::Scale::Solo => Scale::Solo,
                profile::Scale::Startup => Scale::Startup,
                profile::Scale::PreStartup => Scale::PreStartup,
                profile::Scale::Midsize => Scale::Midsize,
                profile::Scale::Large => Scale::Large,
            })
            .collect(),
        established_on: profile.established_on,
        employees: profile.employees.as_ref().map(|a| span(a, |v| v.clamp(0, u32::MAX as i64) as u32)),
        revenue: profile.revenue_won.as_ref().map(|a| span(a, |v| v)),
        regions: profile.locations.iter().map(|l| l.region).collect(),
        industries: profile.industries.iter().filter_map(|c| normalize::ksic::KsicCode::parse(c).ok()).collect(),
        // An empty list in a saved profile says "none held" only once the person has filled other
        // parts in; an untouched profile says nothing.
        certifications: if profile.certifications.is_empty() && *profile == Profile::default() {
            None
        } else {
            Some(profile.certifications.iter().filter_map(certification).collect())
        },
        tech_keywords: profile.tech_keywords.clone(),
        trl_current: profile.trl_current.and_then(Trl::new),
        trl_target: profile.trl_target.and_then(Trl::new),
        legal_form: profile.legal_form.map(|l| match l {
            profile::LegalForm::Corporation => LegalForm::Corporation,
            profile::LegalForm::Individual => LegalForm::Individual,
            profile::LegalForm::Institution => LegalForm::Institution,
        }),
        ceo_age: profile.ceo_age_bracket.map(|a| match a {
            profile::CeoAge::Youth => CeoAgeBracket::Youth,
            profile::CeoAge::Middle => CeoAgeBracket::Middle,
            profile::CeoAge::Senior => CeoAgeBracket::Senior,
        }),
    }
}

/// The certifications the matcher knows; the others (녹색, 뿌리, …) only help relevance later.
fn certification(c: &profile::Certification) -> Option<Certification> {
    Some(match c {
        profile::Certification::Venture => Certification::Venture,
        profile::Certification::Innobiz => Certification::Innobiz,
        profile::Certification::Mainbiz => Certification::Mainbiz,
        profile::Certification::ResearchInstitute => Certification::ResearchLab,
        profile::Certification::RndDepartment => Certification::RndDepartment,
        profile::Certification::WomenOwned => Certification::WomenOwned,
        profile::Certification::DisabledOwned => Certification::DisabledOwned,
        profile::Certification::SocialEnterprise => Certification::SocialEnterprise,
        _ => return None,
    })
}

/// A catalogue organisation-type code as the matcher's type.
pub fn org_type(code: &str) -> Option<OrgType> {
    serde_json::from_value(serde_json::Value::String(code.to_string())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_codes_are_matcher_types() {
        for (code, _) in crate::catalog::vocab::TARGET_TYPES {
            assert!(org_type(code).is_some(), "{code}");
        }
    }

    #[test]
    fn a_profile_becomes_facts() {
        let profile: Profile = serde_json::from_value(serde_json::json!({
            "scales": ["sme", "startup"], "employees": {"min": 10, "max": 49}, "industries": ["26111"],
            "locations": [{"kind": "headquarters", "region": "seoul"}], "certifications": ["research_institute"],
            "trl_current": 4, "ceo_age_bracket": "youth"
        }))
        .unwrap();
        let facts = org_facts(Kind::Company, &profile);
        assert_eq!(facts.scales, vec![Scale::Sme, Scale::Startup]);
        assert_eq!(facts.employees, Some(Span { min: Some(10), max: Some(49) }));
        assert_eq!(facts.certifications, Some(vec![Certification::ResearchLab]));
        assert_eq!(facts.industries.len(), 1);
        assert_eq!(org_facts(Kind::University, &Profile::default()).certifications, None);
    }
}
