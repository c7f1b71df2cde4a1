//! An organisation's profile: what matching needs to know, validated on the way in, and how complete
//! it is. Codes are stable API values (the catalogue's own where they meet: `sme`, `startup`, …);
//! Korean labels are what users read.

use chrono::NaiveDate;
use normalize::region::Region;
use serde::{Deserialize, Serialize};

use super::Kind;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_form: Option<LegalForm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established_on: Option<NaiveDate>,
    /// Full-time employees (상시근로자), exact or a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<Amount>,
    /// Annual revenue in 원, exact or a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue_won: Option<Amount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scales: Vec<Scale>,
    /// KSIC codes from the HomeTax list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub industries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certifications: Vec<Certification>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tech_keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trl_current: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trl_target: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rnd_experience: Option<RndExperience>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceo_age_bracket: Option<CeoAge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// 법인 / 개인 / 기관.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalForm {
    Corporation,
    Individual,
    Institution,
}

/// An exact value (`12`) or a range (`{"min": 10, "max": 49}`, either end open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    Exact(i64),
    Range {
        #[serde(default)]
        min: Option<i64>,
        #[serde(default)]
        max: Option<i64>,
    },
}

impl Amount {
    /// The smallest and largest value it allows.
    pub fn bounds(&self) -> (Option<i64>, Option<i64>) {
        match *self {
            Amount::Exact(v) => (Some(v), Some(v)),
            Amount::Range { min, max } => (min, max),
        }
    }
}

/// 기업 규모: 중소기업, 소상공인, 1인기업, 창업기업, 예비창업자, 중견기업, 대기업.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub kind: LocationKind,
    pub region: Region,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// 본사, 연구소, 공장, 지사.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Headquarters,
    ResearchCenter,
    Factory,
    Branch,
}

/// 인증·확인: 벤처, 이노비즈, 메인비즈, 기업부설연구소, 연구개발전담부서, 여성기업, 장애인기업, 사회적기업,
/// 예비사회적기업, 소셜벤처, 녹색기업, 뿌리기업, 소재·부품·장비 전문기업.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Certification {
    Venture,
    Innobiz,
    Mainbiz,
    ResearchInstitute,
    RndDepartment,
    WomenOwned,
    DisabledOwned,
    SocialEnterprise,
    PreSocialEnterprise,
    SocialVenture,
    Green,
    Root,
    MaterialsPartsEquipment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RndExperience {
    /// Government R&D projects carried out so far.
    pub projects: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_year: Option<i32>,
}

/// 대표자 연령대: 청년 (만 39세 이하), 40–59세, 60세 이상.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CeoAge {
    Youth,
    Middle,
    Senior,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A field that is wrong, by its path in the profile, and what is wrong in Korean.
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid { field: format!("profile.{field}"), message: message.into() }
}

impl Profile {
    /// Checks what types cannot: ranges, dates, codes, sizes. Tidies lists (trimmed, no duplicates).
    pub fn validate(mut self, today: NaiveDate) -> Result<Profile, Invalid> {
        if let Some(date) = self.established_on {
            if date > today || date.year_ce().1 < 1900 {
                return Err(invalid("established_on", "설립일이 올바르지 않습니다"));
            }
        }
        for (name, amount) in [("employees", &self.employees), ("revenue_won", &self.revenue_won)] {
            if let Some(amount) = amount {
                let (min, max) = amount.bounds();
                if min.is_some_and(|v| v < 0) || max.is_some_and(|v| v < 0) {
                    return Err(invalid(name, "0 이상이어야 합니다"));
                }
                if let (Some(min), Some(max)) = (min, max) {
                    if min > max {
                        return Err(invalid(name, "최솟값이 최댓값보다 큽니다"));
                    }
                }
                if min.is_none() && max.is_none() {
                    return Err(invalid(name, "값이나 범위(min, max)를 입력해 주세요"));
                }
            }
        }
        for code in &mut self.industries {
            let parsed =
                normalize::ksic::KsicCode::parse(code).map_err(|e| invalid("industries", format!("'{code}': {e}")))?;
            *code = parsed.as_str().to_string();
        }
        if self.industries.len() > 20 {
            return Err(invalid("industries", "업종은 20개까지 입력할 수 있습니다"));
        }
        if self.locations.len() > 20 {
            return Err(invalid("locations", "사업장은 20곳까지 입력할 수 있습니다"));
        }
        if self.locations.iter().any(|l| l.region == Region::Nationwide) {
            return Err(invalid("locations", "사업장 지역은 17개 시·도 중 하나여야 합니다"));
        }
        self.tech_keywords = tidy(std::mem::take(&mut self.tech_keywords)).map_err(|m| invalid("tech_keywords", m))?;
        for (name, trl) in [("trl_current", self.trl_current), ("trl_target", self.trl_target)] {
            if trl.is_some_and(|t| !(1..=9).contains(&t)) {
                return Err(invalid(name, "기술성숙도(TRL)는 1에서 9 사이여야 합니다"));
            }
        }
        if let (Some(current), Some(target)) = (self.trl_current, self.trl_target) {
            if target < current {
                return Err(invalid("trl_target", "목표 TRL은 현재 TRL보다 낮을 수 없습니다"));
            }
        }
        if let Some(contact) = &self.contact {
            if contact.email.as_deref().is_some_and(|e| crate::api::auth::normalise_email(e).is_err()) {
                return Err(invalid("contact.email", "이메일 주소 형식이 올바르지 않습니다"));
            }
            let phone_ok = |p: &str| {
                let digits = p.chars().filter(char::is_ascii_digit).count();
                (9..=12).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || "-+ ()".contains(c))
            };
            if contact.phone.as_deref().is_some_and(|p| !phone_ok(p)) {
                return Err(invalid("contact.phone", "전화번호 형식이 올바르지 않습니다 (예: 02-1234-5678)"));
            }
        }
        self.industries.dedup();
        self.scales.dedup();
        self.certifications.dedup();
        Ok(self)
    }
}

use chrono::Datelike;

/// Trimmed, non-empty, unique (case-insensitively), at most 30 of at most 40 characters.
fn tidy(words: Vec<String>) -> Result<Vec<String>, &'static str> {
    let mut out: Vec<String> = Vec::new();
    for word in words {
        let word = word.trim().to_string();
        if word.is_empty() || out.iter().any(|w| w.to_lowercase() == word.to_lowercase()) {
            continue;
        }
        if word.chars().count() > 40 {
            return Err("키워드는 40자 이하여야 합니다");
        }
        out.push(word);
    }
    if out.len() > 30 {
        return Err("키워드는 30개까지 입력할 수 있습니다");
    }
    Ok(out)
}

/// How complete a profile is for matching, and what to fill in next.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Completeness {
    /// 0–100.
    pub score: u8,
    /// Missing fields, most useful first.
    pub missing: Vec<Missing>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Missing {
    pub field: &'static str,
    /// What to fill in and why, in Korean.
    pub hint: &'static str,
}

/// (field, weight, hint, applies to research/public organisations too).
const FIELDS: &[(&str, u32, &str, bool)] = &[
    ("industries", 15, "업종(KSIC)을 입력하면 업종 제한이 있는 공고를 정확히 가려 드립니다", true),
    ("tech_keywords", 12, "기술 키워드를 입력하면 관련 R&D 과제를 더 잘 찾아 드립니다", true),
    ("locations", 10, "사업장 지역을 입력하면 지역 지원사업을 찾아 드립니다", true),
    ("scales", 10, "기업 규모(중소기업, 창업기업 등)를 선택하면 지원 대상 여부를 판단할 수 있습니다", false),
    ("established_on", 10, "설립일을 입력하면 업력 조건(예: 창업 7년 이내)을 확인할 수 있습니다", true),
    ("business_number", 8, "사업자등록번호를 입력하면 기업 확인이 필요한 사업에 대비할 수 있습니다", false),
    ("employees", 7, "상시근로자 수를 입력하면 인원 조건을 확인할 수 있습니다", true),
    ("revenue_won", 7, "매출액을 입력하면 매출 조건(예: 120억 원 이하)을 확인할 수 있습니다", false),
    ("certifications", 7, "보유 인증(벤처, 이노비즈, 기업부설연구소 등)을 입력하면 우대 조건을 반영합니다", false),
    ("trl", 6, "현재·목표 기술성숙도(TRL)를 입력하면 단계에 맞는 과제를 추천합니다", true),
    ("legal_form", 3, "법인·개인 구분을 입력하면 '법인만' 조건을 확인할 수 있습니다", false),
    ("rnd_experience", 3, "정부 R&D 수행 경험을 입력하면 신규·경험 기업 대상 과제를 구분합니다", true),
    ("ceo_age_bracket", 1, "대표자 연령대를 입력하면 청년 창업 지원사업을 찾아 드립니다", false),
    ("contact", 1, "담당자 연락처를 입력하면 마감 알림을 받을 수 있습니다", true),
];

/// Completeness of `profile` for an organisation of `kind`; `has_business_number` is stored apart.
pub fn completeness(kind: Kind, profile: &Profile, has_business_number: bool) -> Completeness {
    let company = kind == Kind::Company;
    let present = |field: &str| match field {
        "industries" => !profile.industries.is_empty(),
        "tech_keywords" => !profile.tech_keywords.is_empty(),
        "locations" => !profile.locations.is_empty(),
        "scales" => !profile.scales.is_empty(),
        "established_on" => profile.established_on.is_some(),
        "business_number" => has_business_number,
        "employees" => profile.employees.is_some(),
        "revenue_won" => profile.revenue_won.is_some(),
        "certifications" => !profile.certifications.is_empty(),
        "trl" => profile.trl_current.is_some() && profile.trl_target.is_some(),
        "legal_form" => profile.legal_form.is_some(),
        "rnd_experience" => profile.rnd_experience.is_some(),
        "ceo_age_bracket" => profile.ceo_age_bracket.is_some(),
        "contact" => profile.contact.is_some(),
        _ => false,
    };
    let relevant: Vec<_> = FIELDS.iter().filter(|(_, _, _, all)| company || *all).collect();
    let total: u32 = relevant.iter().map(|(_, w, _, _)| w).sum();
    let have: u32 = relevant.iter().filter(|(f, _, _, _)| present(f)).map(|(_, w, _, _)| w).sum();
    Completeness {
        score: (have * 100 / total) as u8,
        missing: relevant
            .iter()
            .filter(|(f, _, _, _)| !present(f))
            .map(|(field, _, hint, _)| Missing { field, hint })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    #[test]
    fn a_full_profile_parses_and_validates() {
        let profile: Profile = serde_json::from_value(serde_json::json!({
            "legal_form": "corporation",
            "established_on": "2021-03-02",
            "employees": 12,
            "revenue_won": {"min": 1_000_000_000, "max": 5_000_000_000i64},
            "scales": ["sme", "startup"],
            "locations": [{"kind": "headquarters", "region": "seoul", "address": "서울 강남구"}],
            "certifications": ["venture", "research_institute"],
            "tech_keywords": [" 인공지능 ", "반도체", "인공지능"],
            "trl_current": 4, "trl_target": 7,
            "rnd_experience": {"projects": 2, "last_year": 2025},
            "ceo_age_bracket": "youth",
            "contact": {"name": "김담당", "email": "kim@example.com", "phone": "02-1234-5678"}
        }))
        .unwrap();
        let profile = profile.validate(today()).unwrap();
        assert_eq!(profile.tech_keywords, ["인공지능", "반도체"]);
        assert_eq!(profile.employees.unwrap().bounds(), (Some(12), Some(12)));
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        assert!(serde_json::from_value::<Profile>(serde_json::json!({"employes": 3})).is_err());
        assert!(serde_json::from_value::<Profile>(serde_json::json!({"scales": ["huge"]})).is_err());
    }

    #[test]
    fn invalid_values_name_their_field() {
        let cases = [
            (serde_json::json!({"trl_current": 10}), "profile.trl_current"),
            (serde_json::json!({"trl_current": 5, "trl_target": 3}), "profile.trl_target"),
            (serde_json::json!({"employees": {"min": 50, "max": 10}}), "profile.employees"),
            (serde_json::json!({"established_on": "2030-01-01"}), "profile.established_on"),
            (serde_json::json!({"industries": ["Z99999"]}), "profile.industries"),
            (serde_json::json!({"contact": {"phone": "call me"}}), "profile.contact.phone"),
            (serde_json::json!({"locations": [{"kind": "factory", "region": "nationwide"}]}), "profile.locations"),
        ];
        for (json, field) in cases {
            let profile: Profile = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(profile.validate(today()).unwrap_err().field, field, "{json}");
        }
    }

    #[test]
    fn completeness_counts_what_matters_for_the_kind() {
        let empty = completeness(Kind::Company, &Profile::default(), false);
        assert_eq!(empty.score, 0);
        assert_eq!(empty.missing[0].field, "industries");
        let university = completeness(Kind::University, &Profile::default(), false);
        assert!(university.missing.iter().all(|m| m.field != "revenue_won" && m.field != "scales"));
        let some = Profile { industries: vec!["26111".into()], tech_keywords: vec!["AI".into()], ..Default::default() };
        let partial = completeness(Kind::Company, &some, true);
        assert_eq!(partial.score, 35);
    }
}
