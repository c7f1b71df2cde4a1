//! The matcher's answer.

use serde::Serialize;

/// A profile field the matcher needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Kind,
    Scales,
    EstablishedOn,
    Employees,
    Revenue,
    Regions,
    Industries,
    Certifications,
    LegalForm,
    CeoAge,
}

impl Field {
    pub fn label_ko(&self) -> &'static str {
        match self {
            Field::Kind => "기관 유형",
            Field::Scales => "기업 규모",
            Field::EstablishedOn => "설립일",
            Field::Employees => "상시근로자 수",
            Field::Revenue => "연매출액",
            Field::Regions => "소재지(시·도)",
            Field::Industries => "업종(KSIC)",
            Field::Certifications => "보유 인증",
            Field::LegalForm => "사업자 형태",
            Field::CeoAge => "대표자 연령",
        }
    }
}

/// A requirement the profile cannot answer, with what to enter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingField {
    pub field: Field,
    /// `설립일을 입력하면 '업력 7년 이하' 조건을 확인할 수 있습니다`.
    pub message: String,
}

/// A requirement the organisation fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The constraint kind (`employees`, `regions`, …).
    pub rule: String,
    /// `상시근로자 10인 미만 조건: 현재 25명`.
    pub message: String,
    /// The announcement's sentence or field value the requirement came from.
    pub sentence: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Gate {
    Eligible,
    Conditional { missing: Vec<MissingField> },
    Ineligible { failed: Vec<Reason> },
}

impl Gate {
    /// Eligible first, then conditional, then ineligible.
    pub fn rank(&self) -> u8 {
        match self {
            Gate::Eligible => 0,
            Gate::Conditional { .. } => 1,
            Gate::Ineligible { .. } => 2,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Gate::Eligible => "eligible",
            Gate::Conditional { .. } => "conditional",
            Gate::Ineligible { .. } => "ineligible",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub gate: Gate,
    /// 0–100; see `RULES.md` for its parts.
    pub score: u8,
    /// Korean, actionable: failures first, then what to enter, then what matched.
    pub reasons: Vec<String>,
    /// Things to check by hand: self-declared exclusions, uncertain rules, closed deadlines.
    pub warnings: Vec<String>,
    pub version: &'static str,
}
