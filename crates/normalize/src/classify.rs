//! What an announcement is, judged from its title alone.
//!
//! Sources list funding calls next to demand surveys, training courses and
//! events; users searching for money want only the calls, so the rules err
//! towards `Call` when a title clearly names a funding programme.

use serde::{Deserialize, Serialize};

/// Kind of announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnouncementType {
    /// 공모: a call for applications.
    Call,
    /// 수요조사: a (technology) demand survey.
    Survey,
    /// 지정공모: a designated call.
    Designated,
    /// 교육: a training course.
    Education,
    /// 행사: an event, fair, briefing or forum.
    Event,
    /// 기타: anything else.
    Other,
}

impl AnnouncementType {
    pub const ALL: [AnnouncementType; 6] = [
        AnnouncementType::Call,
        AnnouncementType::Survey,
        AnnouncementType::Designated,
        AnnouncementType::Education,
        AnnouncementType::Event,
        AnnouncementType::Other,
    ];

    /// Stable snake_case code, identical to the serde form.
    pub fn as_str(&self) -> &'static str {
        match self {
            AnnouncementType::Call => "call",
            AnnouncementType::Survey => "survey",
            AnnouncementType::Designated => "designated",
            AnnouncementType::Education => "education",
            AnnouncementType::Event => "event",
            AnnouncementType::Other => "other",
        }
    }

    /// Korean label for display.
    pub fn label_ko(&self) -> &'static str {
        match self {
            AnnouncementType::Call => "공모",
            AnnouncementType::Survey => "수요조사",
            AnnouncementType::Designated => "지정공모",
            AnnouncementType::Education => "교육",
            AnnouncementType::Event => "행사",
            AnnouncementType::Other => "기타",
        }
    }

    /// Inverse of [`AnnouncementType::as_str`].
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

const SURVEY: &[&str] = &["수요조사", "기술수요"];
const DESIGNATED: &[&str] = &["지정공모", "지정과제"];
/// Words that name a course whatever else the title says.
#[rustfmt::skip]
const EDUCATION: &[&str] = &["교육생", "수강생", "수강자", "강좌", "연수생", "특강", "교육과정"];
/// Words that may only name the organiser or topic: they mean a course
/// unless the title is an event or a funding programme.
const EDUCATION_WEAK: &[&str] = &["교육", "연수", "아카데미"];
#[rustfmt::skip]
const EVENT: &[&str] = &[
    "행사", "박람회", "설명회", "포럼", "세미나", "컨퍼런스", "콘퍼런스", "전시회", "네트워킹",
    "데모데이", "밋업", "토크콘서트", "교류회", "개최",
];
#[rustfmt::skip]
const CALL: &[&str] = &["공고", "모집", "공모", "지원사업", "신규지원", "선정", "신청", "접수"];
/// Signs that a title announces funding, which outweigh a weak course word.
const FUNDING: &[&str] = &["지원사업", "신규지원", "과제", "R&D", "연구개발"];
/// Words containing a keyword by accident: 교육부 is a ministry, 연수구 a
/// district, 대행사/수행사 are contractors.
#[rustfmt::skip]
const NOT_KEYWORDS: &[&str] = &[
    "교육부", "교육청", "교육감", "연수구", "시행사", "수행사", "대행사", "진행사", "이행사", "발행사",
];

/// Classifies an announcement by its title.
///
/// Checked in order: survey, designated call, education, event, call. So a
/// `수요조사 공고` is a survey and `사업설명회 개최 안내` an event. Words that
/// only sometimes mean a course (`교육`, `아카데미`) yield to an event word
/// and to signs of a funding programme (`지원사업`, `R&D`, `과제`). A title
/// that first names a call and then `및` something else (`… 모집 공고 및
/// 사업설명회 개최`) stays a call.
pub fn announcement_type(title: &str) -> AnnouncementType {
    // Titles arrive as `R&amp;D` from RSS and with stray tabs from lists.
    let cleaned = crate::text::clean_line(title);
    let title = strip_ntis_suffix(&cleaned);
    if let Some((head, _)) = title.split_once(" 및 ") {
        let head_type = classify(head);
        if head_type == AnnouncementType::Call {
            return head_type;
        }
    }
    classify(title)
}

fn classify(title: &str) -> AnnouncementType {
    let mut compact: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    for word in NOT_KEYWORDS {
        compact = compact.replace(word, " ");
    }
    let has = |words: &[&str]| words.iter().any(|w| compact.contains(w));
    if has(SURVEY) {
        AnnouncementType::Survey
    } else if has(DESIGNATED) {
        AnnouncementType::Designated
    } else if has(EDUCATION) {
        AnnouncementType::Education
    } else if has(EVENT) {
        AnnouncementType::Event
    } else if has(EDUCATION_WEAK) && !has(FUNDING) {
        AnnouncementType::Education
    } else if has(CALL) {
        AnnouncementType::Call
    } else {
        AnnouncementType::Other
    }
}

/// NTIS appends `_(2025)<세부사업명>` to titles; the programme name says
/// nothing about the announcement's kind and may contain misleading words.
fn strip_ntis_suffix(title: &str) -> &str {
    title
        .match_indices("_(")
        .find(|(i, _)| {
            let year = title[i + 2..].get(..5);
            year.is_some_and(|y| y.ends_with(')') && y[..4].chars().all(|c| c.is_ascii_digit()))
        })
        .map_or(title, |(i, _)| &title[..i])
}

#[cfg(test)]
mod tests {
    use super::AnnouncementType::*;
    use super::*;

    #[test]
    fn order_of_rules() {
        let cases = [
            ("2026년도 AI 응용제품 신속 상용화 지원사업 수요조사 공고", Survey),
            ("2027년 소재부품기술개발사업 기술 수요조사", Survey),
            ("2026년 XX사업 지정공모 과제 공고", Designated),
            ("2026년 사업설명회 개최 안내", Event),
            ("창업교육 참가자 모집", Education),
            ("10월 동네창업학교 교육생 모집", Education),
            ("2026년도 교육부 대학혁신 지원사업 공고", Call),
            ("인천 연수구 소상공인 지원사업 공고", Call),
            ("2026년 홍보 대행사 선정 공고", Call),
            ("2026년 에듀테크 교육 R&D 지원사업 공고", Call),
            ("2026년 창업도약패키지 지원사업 모집 공고 및 사업설명회 개최", Call),
            ("(AI) 일반형 공동연구", Other),
            ("", Other),
        ];
        for (title, want) in cases {
            assert_eq!(announcement_type(title), want, "{title}");
        }
    }

    #[test]
    fn ntis_suffix_is_ignored() {
        let title = "(재공고) 2025년도 최고급AI해외인재유치지원 사업 공고_(2025)최고급AI해외인재유치지원(최초공고 선정기관 접수용)";
        assert_eq!(announcement_type(title), Call);
        assert_eq!(strip_ntis_suffix("사업 공고_(2025)AI교육"), "사업 공고");
        assert_eq!(strip_ntis_suffix("a_(b"), "a_(b");
        assert_eq!(strip_ntis_suffix("a_(20"), "a_(20");
    }

    #[test]
    fn codes_round_trip() {
        for t in AnnouncementType::ALL {
            assert_eq!(AnnouncementType::from_code(t.as_str()), Some(t));
            let json = format!("\"{}\"", t.as_str());
            assert_eq!(serde_json::to_string(&t).ok(), Some(json));
        }
        assert_eq!(Designated.label_ko(), "지정공모");
        assert_eq!(AnnouncementType::from_code("x"), None);
    }
}
