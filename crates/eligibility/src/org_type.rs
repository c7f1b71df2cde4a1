//! Who an announcement is for: company scales and kinds of organisation.

use serde::{Deserialize, Serialize};

/// A kind of applicant an announcement can name. The first seven are company scales (an
/// organisation profile lists them in `scales`); the rest are kinds of organisation or person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// 중소기업
    Sme,
    /// 소상공인
    SmallBusiness,
    /// 1인 창조기업
    Solo,
    /// 창업기업 (within 7 years of founding unless the announcement says otherwise)
    Startup,
    /// 예비창업자
    PreStartup,
    /// 중견기업
    Midsize,
    /// 대기업
    Large,
    /// 대학 (산학협력단)
    University,
    /// 연구기관 (정부출연연구기관 등)
    ResearchInstitute,
    /// 공공기관
    PublicInstitution,
    /// 비영리법인·단체
    Nonprofit,
    /// 개인 (일반인, 대학생, 청소년)
    Individual,
}

impl OrgType {
    pub const ALL: [OrgType; 12] = [
        OrgType::Sme,
        OrgType::SmallBusiness,
        OrgType::Solo,
        OrgType::Startup,
        OrgType::PreStartup,
        OrgType::Midsize,
        OrgType::Large,
        OrgType::University,
        OrgType::ResearchInstitute,
        OrgType::PublicInstitution,
        OrgType::Nonprofit,
        OrgType::Individual,
    ];

    /// The scales a company profile can carry.
    pub const SCALES: [OrgType; 7] = [
        OrgType::Sme,
        OrgType::SmallBusiness,
        OrgType::Solo,
        OrgType::Startup,
        OrgType::PreStartup,
        OrgType::Midsize,
        OrgType::Large,
    ];

    /// Stable code, identical to the serde form.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrgType::Sme => "sme",
            OrgType::SmallBusiness => "small_business",
            OrgType::Solo => "solo",
            OrgType::Startup => "startup",
            OrgType::PreStartup => "pre_startup",
            OrgType::Midsize => "midsize",
            OrgType::Large => "large",
            OrgType::University => "university",
            OrgType::ResearchInstitute => "research_institute",
            OrgType::PublicInstitution => "public_institution",
            OrgType::Nonprofit => "nonprofit",
            OrgType::Individual => "individual",
        }
    }

    pub fn label_ko(&self) -> &'static str {
        match self {
            OrgType::Sme => "중소기업",
            OrgType::SmallBusiness => "소상공인",
            OrgType::Solo => "1인 창조기업",
            OrgType::Startup => "창업기업",
            OrgType::PreStartup => "예비창업자",
            OrgType::Midsize => "중견기업",
            OrgType::Large => "대기업",
            OrgType::University => "대학",
            OrgType::ResearchInstitute => "연구기관",
            OrgType::PublicInstitution => "공공기관",
            OrgType::Nonprofit => "비영리법인",
            OrgType::Individual => "개인",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == code)
    }

    /// Whether this names an organisation that is not a company (대학, 연구기관, 공공기관).
    pub fn is_institution(&self) -> bool {
        matches!(self, OrgType::University | OrgType::ResearchInstitute | OrgType::PublicInstitution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in OrgType::ALL {
            assert_eq!(OrgType::from_code(t.as_str()), Some(t));
            assert_eq!(serde_json::to_string(&t).ok(), Some(format!("\"{}\"", t.as_str())));
        }
        assert_eq!(OrgType::from_code("company"), None);
        assert!(OrgType::University.is_institution());
        assert!(!OrgType::Sme.is_institution());
    }
}
