//! What the matcher knows: an organisation's profile and a programme's announcement.

use chrono::NaiveDate;
use normalize::{KsicCode, Region};
use serde::{Deserialize, Serialize};

use crate::constraint::{AnnouncementKind, Certification, LegalForm, Rule};
use crate::extract::{self, StructuredFields};
use crate::org_type::OrgType;

/// What kind of organisation a profile describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Company,
    ResearchInstitute,
    University,
    PublicInstitution,
}

impl OrgKind {
    /// The applicant kind an institution is; `None` for a company, whose kind lies in its scales.
    pub fn institution_type(&self) -> Option<OrgType> {
        match self {
            OrgKind::Company => None,
            OrgKind::ResearchInstitute => Some(OrgType::ResearchInstitute),
            OrgKind::University => Some(OrgType::University),
            OrgKind::PublicInstitution => Some(OrgType::PublicInstitution),
        }
    }

    pub fn label_ko(&self) -> &'static str {
        match self {
            OrgKind::Company => "기업",
            OrgKind::ResearchInstitute => "연구기관",
            OrgKind::University => "대학",
            OrgKind::PublicInstitution => "공공기관",
        }
    }
}

/// A company scale a profile can carry: the company kinds of [`OrgType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    Sme,
    SmallBusiness,
    Solo,
    Startup,
    PreStartup,
    Midsize,
    Large,
}

impl Scale {
    pub fn org_type(&self) -> OrgType {
        match self {
            Scale::Sme => OrgType::Sme,
            Scale::SmallBusiness => OrgType::SmallBusiness,
            Scale::Solo => OrgType::Solo,
            Scale::Startup => OrgType::Startup,
            Scale::PreStartup => OrgType::PreStartup,
            Scale::Midsize => OrgType::Midsize,
            Scale::Large => OrgType::Large,
        }
    }
}

/// Age bracket of the representative: youth up to 만 39, middle 40–49, senior 50 and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeoAgeBracket {
    Youth,
    Middle,
    Senior,
}

impl CeoAgeBracket {
    /// The ages the bracket covers. Youth starts at 20: every representative is an adult.
    pub fn years(&self) -> (u8, u8) {
        match self {
            CeoAgeBracket::Youth => (20, 39),
            CeoAgeBracket::Middle => (40, 49),
            CeoAgeBracket::Senior => (50, 120),
        }
    }

    pub fn label_ko(&self) -> &'static str {
        match self {
            CeoAgeBracket::Youth => "만 39세 이하(청년)",
            CeoAgeBracket::Middle => "만 40~49세",
            CeoAgeBracket::Senior => "만 50세 이상",
        }
    }
}

/// A known interval: exact when `min == max`, open-ended when one side is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T: Copy> Span<T> {
    pub fn exactly(v: T) -> Self {
        Span { min: Some(v), max: Some(v) }
    }

    pub fn between(min: T, max: T) -> Self {
        Span { min: Some(min), max: Some(max) }
    }
}

/// A technology readiness level, 1 to 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Trl(u8);

impl Trl {
    pub fn new(level: u8) -> Option<Trl> {
        (1..=9).contains(&level).then_some(Trl(level))
    }

    pub fn level(&self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Trl {
    type Error = String;

    fn try_from(level: u8) -> Result<Self, Self::Error> {
        Trl::new(level).ok_or_else(|| format!("TRL은 1~9 사이여야 합니다: {level}"))
    }
}

impl From<Trl> for u8 {
    fn from(t: Trl) -> u8 {
        t.0
    }
}

/// An organisation's profile. Everything is optional: what is missing makes a verdict
/// conditional, never ineligible.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgFacts {
    pub kind: Option<OrgKind>,
    pub scales: Vec<Scale>,
    pub established_on: Option<NaiveDate>,
    /// 상시근로자 count, exact or as a bracket.
    pub employees: Option<Span<u32>>,
    /// Annual revenue in 원, exact or as a bracket.
    pub revenue: Option<Span<i64>>,
    /// 시·도 where the organisation has its seat or business sites.
    pub regions: Vec<Region>,
    pub industries: Vec<KsicCode>,
    /// `None`: not entered; `Some(vec![])`: holds none.
    pub certifications: Option<Vec<Certification>>,
    pub tech_keywords: Vec<String>,
    pub trl_current: Option<Trl>,
    pub trl_target: Option<Trl>,
    pub legal_form: Option<LegalForm>,
    pub ceo_age: Option<CeoAgeBracket>,
}

/// A programme as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramFacts {
    pub title: String,
    /// Plain text of the announcement.
    pub body: String,
    /// Category labels and tags (`기술`, `AI`, `바이오헬스`), matched like the body.
    #[serde(default)]
    pub classification: Vec<String>,
    pub rules: Vec<Rule>,
    /// Applicant kinds from the app's own normalised fields; read as a coded rule.
    #[serde(default)]
    pub target_types: Vec<OrgType>,
    /// Regions from the app's own normalised fields; `Nationwide` or empty means anywhere.
    #[serde(default)]
    pub regions: Vec<Region>,
    pub deadline: Option<NaiveDate>,
    pub kind: AnnouncementKind,
    /// Budget in 원, when published.
    pub budget: Option<i64>,
}

impl ProgramFacts {
    /// A programme from its title and text (and coded fields, when the source has them): rules
    /// extracted, kind classified.
    pub fn from_announcement(title: &str, body: &str, structured: Option<&StructuredFields>) -> ProgramFacts {
        let mut rules = structured.map(extract::from_structured).unwrap_or_default();
        rules.extend(extract::from_text(body));
        ProgramFacts {
            title: title.to_string(),
            body: body.to_string(),
            classification: Vec::new(),
            rules,
            target_types: Vec::new(),
            regions: Vec::new(),
            deadline: None,
            kind: extract::classify_kind(title, body),
            budget: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trl_is_parsed_not_validated_later() {
        assert!(Trl::new(0).is_none() && Trl::new(10).is_none());
        assert_eq!(Trl::new(4).map(|t| t.level()), Some(4));
        assert!(serde_json::from_str::<Trl>("12").is_err());
        assert_eq!(serde_json::from_str::<Trl>("6").ok(), Trl::new(6));
    }

    #[test]
    fn profile_from_json() {
        let org: OrgFacts = serde_json::from_str(
            r#"{"kind":"company","scales":["sme"],"established_on":"2021-03-02","employees":{"min":25,"max":25},
                "regions":["seoul"],"industries":["62010"],"certifications":["venture"],"legal_form":"corporation",
                "ceo_age":"youth","trl_current":4}"#,
        )
        .unwrap();
        assert_eq!(org.kind, Some(OrgKind::Company));
        assert_eq!(org.industries[0].as_str(), "62010");
        assert_eq!(org.trl_current, Trl::new(4));
        assert!(org.revenue.is_none());
    }
}
