//! Typed eligibility constraints, each carried in a [`Rule`] that says where it came from.

use normalize::{KsicCode, Region};
use serde::{Deserialize, Serialize};

use crate::org_type::OrgType;
use crate::range::Range;

/// Certifications and designations announcements require or prefer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certification {
    /// 벤처기업 (벤처기업확인)
    Venture,
    /// 이노비즈 (기술혁신형 중소기업)
    Innobiz,
    /// 메인비즈 (경영혁신형 중소기업)
    Mainbiz,
    /// 기업부설연구소
    ResearchLab,
    /// 연구개발전담부서
    RndDepartment,
    /// 여성기업
    WomenOwned,
    /// 장애인기업
    DisabledOwned,
    /// 사회적기업 (인증)
    SocialEnterprise,
}

impl Certification {
    pub const ALL: [Certification; 8] = [
        Certification::Venture,
        Certification::Innobiz,
        Certification::Mainbiz,
        Certification::ResearchLab,
        Certification::RndDepartment,
        Certification::WomenOwned,
        Certification::DisabledOwned,
        Certification::SocialEnterprise,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Certification::Venture => "venture",
            Certification::Innobiz => "innobiz",
            Certification::Mainbiz => "mainbiz",
            Certification::ResearchLab => "research_lab",
            Certification::RndDepartment => "rnd_department",
            Certification::WomenOwned => "women_owned",
            Certification::DisabledOwned => "disabled_owned",
            Certification::SocialEnterprise => "social_enterprise",
        }
    }

    pub fn label_ko(&self) -> &'static str {
        match self {
            Certification::Venture => "벤처기업",
            Certification::Innobiz => "이노비즈",
            Certification::Mainbiz => "메인비즈",
            Certification::ResearchLab => "기업부설연구소",
            Certification::RndDepartment => "연구개발전담부서",
            Certification::WomenOwned => "여성기업",
            Certification::DisabledOwned => "장애인기업",
            Certification::SocialEnterprise => "사회적기업",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

/// How an organisation is legally constituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    /// 법인사업자
    Corporation,
    /// 개인사업자
    Individual,
    /// 기관 (대학, 연구기관, 공공기관)
    Institution,
}

impl LegalForm {
    pub fn label_ko(&self) -> &'static str {
        match self {
            LegalForm::Corporation => "법인사업자",
            LegalForm::Individual => "개인사업자",
            LegalForm::Institution => "기관",
        }
    }
}

/// Grounds for exclusion that announcements list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// 대기업 제외
    Large,
    /// 중견기업 제외
    Midsize,
    /// 휴업·폐업 중인 기업 제외
    ClosedOrSuspended,
    /// 국세·지방세 체납 중인 기업 제외
    TaxArrears,
    /// 금융기관 채무불이행·신용 규제 중인 기업 제외
    CreditDefault,
    /// 국가 R&D·지원사업 참여제한(제재) 중인 기업 제외
    ParticipationRestricted,
}

impl Exclusion {
    pub fn label_ko(&self) -> &'static str {
        match self {
            Exclusion::Large => "대기업 제외",
            Exclusion::Midsize => "중견기업 제외",
            Exclusion::ClosedOrSuspended => "휴·폐업 중인 기업 제외",
            Exclusion::TaxArrears => "국세·지방세 체납 기업 제외",
            Exclusion::CreditDefault => "채무불이행·금융 규제 중인 기업 제외",
            Exclusion::ParticipationRestricted => "참여제한(제재) 중인 기업 제외",
        }
    }

    /// Whether a profile can answer it; the others are a checklist for the applicant.
    pub fn is_checkable(&self) -> bool {
        matches!(self, Exclusion::Large | Exclusion::Midsize)
    }
}

/// What kind of announcement it is. A label, never a reason to exclude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementKind {
    /// 공모: a call for applications.
    Call,
    /// 수요조사: a demand survey, no money on offer.
    Survey,
    /// 지정공모: a designated call.
    Designated,
    /// 교육·설명회·행사 only.
    TrainingOnly,
}

impl AnnouncementKind {
    pub fn label_ko(&self) -> &'static str {
        match self {
            AnnouncementKind::Call => "공모",
            AnnouncementKind::Survey => "수요조사",
            AnnouncementKind::Designated => "지정공모",
            AnnouncementKind::TrainingOnly => "교육·행사",
        }
    }
}

/// One eligibility condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Constraint {
    /// The applicant must be one of these.
    TargetTypes { any_of: Vec<OrgType> },
    /// Months since founding for established businesses (`None`: only 예비창업자 may apply);
    /// `pre_startup` says whether 예비창업자 may apply too.
    BusinessAge { months: Option<Range<u32>>, pre_startup: bool },
    /// Annual revenue in 원.
    Revenue { won: Range<i64> },
    /// 상시근로자 count.
    Employees { count: Range<u32> },
    /// Located in one of these.
    Regions { any_of: Vec<Region> },
    /// Located outside all of these (`지방 소재` = outside 수도권).
    OutsideRegions { none_of: Vec<Region> },
    /// Doing business in one of these KSIC codes (any level).
    Industries { any_of: Vec<KsicCode> },
    /// Not doing business in these.
    ExcludedIndustries { none_of: Vec<KsicCode> },
    /// Holding one of these.
    RequiredCertification { any_of: Vec<Certification> },
    /// Holding one of these earns 우대/가점; never required.
    PreferredCertification { any_of: Vec<Certification> },
    /// Age of the 대표자 in full years (만 나이).
    CeoAge { years: Range<u8> },
    /// Technology readiness level of the work.
    Trl { levels: Range<u8> },
    /// Allowed legal forms.
    LegalForm { any_of: Vec<LegalForm> },
    /// A ground for exclusion.
    Exclusion { exclusion: Exclusion },
}

impl Constraint {
    /// A key grouping rules that alternatives of one another: rules of one kind are combined
    /// with "any of", kinds with "all of".
    pub fn kind(&self) -> &'static str {
        match self {
            Constraint::TargetTypes { .. } => "target_types",
            Constraint::BusinessAge { .. } => "business_age",
            Constraint::Revenue { .. } => "revenue",
            Constraint::Employees { .. } => "employees",
            Constraint::Regions { .. } => "regions",
            Constraint::OutsideRegions { .. } => "outside_regions",
            Constraint::Industries { .. } => "industries",
            Constraint::ExcludedIndustries { .. } => "excluded_industries",
            Constraint::RequiredCertification { .. } => "required_certification",
            Constraint::PreferredCertification { .. } => "preferred_certification",
            Constraint::CeoAge { .. } => "ceo_age",
            Constraint::Trl { .. } => "trl",
            Constraint::LegalForm { .. } => "legal_form",
            Constraint::Exclusion { exclusion } => match exclusion {
                Exclusion::Large => "exclusion_large",
                Exclusion::Midsize => "exclusion_midsize",
                Exclusion::ClosedOrSuspended => "exclusion_closed",
                Exclusion::TaxArrears => "exclusion_tax",
                Exclusion::CreditDefault => "exclusion_credit",
                Exclusion::ParticipationRestricted => "exclusion_restricted",
            },
        }
    }

    /// The condition in Korean, as a user reads it: `상시근로자 10인 미만`.
    pub fn describe(&self) -> String {
        match self {
            Constraint::TargetTypes { any_of } => format!("신청 대상 {}", join(any_of.iter().map(|t| t.label_ko()))),
            Constraint::BusinessAge { months, pre_startup } => match (months, pre_startup) {
                (None, _) => "예비창업자만".to_string(),
                (Some(m), false) if m.is_unbounded() => "사업자등록 보유(예비창업자 제외)".to_string(),
                (Some(m), true) if m.is_unbounded() => "예비창업자 또는 기창업자".to_string(),
                (Some(m), false) => business_age(m),
                (Some(m), true) => format!("예비창업자 또는 {}", business_age(m)),
            },
            Constraint::Revenue { won } => format!("매출액 {}", won.describe(normalize::format_krw)),
            Constraint::Employees { count } => format!("상시근로자 {}", count.describe(|n| format!("{n}인"))),
            Constraint::Regions { any_of } => format!("{} 소재", join(any_of.iter().map(|r| r.label_ko()))),
            Constraint::OutsideRegions { none_of } => {
                format!("{} 외 지역 소재", join(none_of.iter().map(|r| r.label_ko())))
            }
            Constraint::Industries { any_of } => format!("업종 {}", join(any_of.iter().map(industry_label))),
            Constraint::ExcludedIndustries { none_of } => {
                format!("업종 {} 제외", join(none_of.iter().map(industry_label)))
            }
            Constraint::RequiredCertification { any_of } => {
                format!("{} 보유", join_or(any_of.iter().map(|c| c.label_ko())))
            }
            Constraint::PreferredCertification { any_of } => {
                format!("{} 우대", join(any_of.iter().map(|c| c.label_ko())))
            }
            Constraint::CeoAge { years } => format!("대표자 {}", years.describe(|y| format!("만 {y}세"))),
            Constraint::Trl { levels } => format!("TRL {}", levels.describe(|l| l.to_string())),
            Constraint::LegalForm { any_of } => format!("{}만 신청 가능", join(any_of.iter().map(|f| f.label_ko()))),
            Constraint::Exclusion { exclusion } => exclusion.label_ko().to_string(),
        }
    }
}

/// `창업 7년 이내`, `창업 2년 3개월 미만`, `업력 3년 초과 7년 이내`.
fn business_age(months: &Range<u32>) -> String {
    let upper = |b: crate::range::Bound<u32>| {
        format!("{} {}", years_months(b.value), if b.inclusive { "이내" } else { "미만" })
    };
    let lower = |b: crate::range::Bound<u32>| {
        format!("{} {}", years_months(b.value), if b.inclusive { "이상" } else { "초과" })
    };
    match (months.min, months.max) {
        (None, Some(max)) => format!("창업 {}", upper(max)),
        (Some(min), Some(max)) => format!("업력 {} {}", lower(min), upper(max)),
        (Some(min), None) => format!("업력 {}", lower(min)),
        (None, None) => "업력 제한 없음".to_string(),
    }
}

/// `7년`, `2년 3개월`, `6개월`.
pub fn years_months(months: u32) -> String {
    match (months / 12, months % 12) {
        (0, m) => format!("{m}개월"),
        (y, 0) => format!("{y}년"),
        (y, m) => format!("{y}년 {m}개월"),
    }
}

fn industry_label(code: &KsicCode) -> String {
    format!("{}({})", code.industry().name(), code.as_str())
}

fn join<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    items.map(|s| s.as_ref().to_string()).collect::<Vec<_>>().join(", ")
}

fn join_or<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    items.map(|s| s.as_ref().to_string()).collect::<Vec<_>>().join(" 또는 ")
}

/// Where a rule came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Provenance {
    /// A coded field of the source (`biz_enyy`, `cmpScale`, …).
    Structured { field: String },
    /// A sentence of the announcement text.
    Text,
    /// Entered or corrected by an administrator; overrides the other rules of its kind.
    Admin { user_id: String },
}

/// A constraint with its origin and how sure the extraction is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub constraint: Constraint,
    pub provenance: Provenance,
    /// 0..=1. The matcher gates only on rules at or above [`crate::HARD_CONFIDENCE`];
    /// the others become warnings.
    pub confidence: f32,
    /// The original sentence (or field value) it came from.
    pub sentence: String,
}

impl Rule {
    pub fn text(constraint: Constraint, confidence: f32, sentence: &str) -> Self {
        Rule {
            constraint,
            provenance: Provenance::Text,
            confidence: confidence.clamp(0.0, 1.0),
            sentence: sentence.into(),
        }
    }

    pub fn structured(constraint: Constraint, field: &str, confidence: f32, value: &str) -> Self {
        Rule {
            constraint,
            provenance: Provenance::Structured { field: field.into() },
            confidence: confidence.clamp(0.0, 1.0),
            sentence: value.into(),
        }
    }

    pub fn is_hard(&self) -> bool {
        self.confidence >= crate::HARD_CONFIDENCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::Bound;

    #[test]
    fn describes_in_korean() {
        let c = Constraint::Employees { count: Range::at_most(Bound::exclusive(10)) };
        assert_eq!(c.describe(), "상시근로자 10인 미만");
        let c = Constraint::Revenue { won: Range::at_most(Bound::inclusive(12_000_000_000)) };
        assert_eq!(c.describe(), "매출액 120억 원 이하");
        let c = Constraint::BusinessAge { months: Some(Range::at_most(Bound::inclusive(84))), pre_startup: true };
        assert_eq!(c.describe(), "예비창업자 또는 창업 7년 이내");
        assert_eq!(years_months(27), "2년 3개월");
        let c = Constraint::CeoAge { years: Range::at_most(Bound::inclusive(39)) };
        assert_eq!(c.describe(), "대표자 만 39세 이하");
    }

    #[test]
    fn serde_shape() {
        let rule = Rule::text(Constraint::Exclusion { exclusion: Exclusion::Large }, 0.9, "대기업 제외");
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(json["constraint"]["type"], "exclusion");
        assert_eq!(json["constraint"]["exclusion"], "large");
        assert_eq!(json["provenance"]["source"], "text");
        let back: Rule = serde_json::from_value(json).unwrap();
        assert_eq!(back, rule);
        for c in Certification::ALL {
            assert_eq!(Certification::from_code(c.as_str()), Some(c));
        }
    }
}
