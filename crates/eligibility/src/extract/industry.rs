//! Industries named as a condition: `제조업을 영위하는 중소기업` is KSIC section C.

use normalize::KsicCode;

use super::Context;
use crate::constraint::{Constraint, Rule};
use crate::tokens::{tokenize, Token};

/// Industry words and their KSIC codes (any level). Only words that name one KSIC entry.
pub const INDUSTRIES: &[(&str, &str)] = &[
    ("제조업", "C"),
    ("정보통신업", "J"),
    ("건설업", "F"),
    ("도소매업", "G"),
    ("도매업", "46"),
    ("소매업", "47"),
    ("운수업", "H"),
    ("운수및창고업", "H"),
    ("숙박업", "55"),
    ("음식점업", "56"),
    ("숙박및음식점업", "I"),
    ("금융업", "64"),
    ("보험업", "65"),
    ("부동산업", "L"),
    ("농업", "01"),
    ("임업", "02"),
    ("어업", "03"),
    ("광업", "B"),
    ("출판업", "58"),
    ("소프트웨어개발및공급업", "582"),
    ("연구개발업", "70"),
    ("교육서비스업", "P"),
    ("보건업", "86"),
    ("사회복지서비스업", "87"),
    ("식품제조업", "10"),
];

/// Multi-word names joined before matching.
const JOINED: &[(&str, &str)] = &[
    ("도매 및 소매업", "도소매업"),
    ("운수 및 창고업", "운수및창고업"),
    ("숙박 및 음식점업", "숙박및음식점업"),
    ("소프트웨어 개발 및 공급업", "소프트웨어개발및공급업"),
    ("정보 통신업", "정보통신업"),
    ("교육 서비스업", "교육서비스업"),
    ("식품 제조업", "식품제조업"),
];

/// Words ending in 업 that are not industries.
const NOT_INDUSTRIES: &[&str] = &[
    "기업",
    "사업",
    "창업",
    "산업",
    "작업",
    "협업",
    "영업",
    "졸업",
    "수업",
    "분업",
    "개업",
    "폐업",
    "휴업",
    "취업",
    "실업",
    "조업",
    "재창업",
    "과업",
    "직업",
    "위업",
    "사업자",
    "대기업",
    "중소기업",
    "중견기업",
    "창업기업",
    "일반기업",
    "벤처기업",
    "소기업",
    "지원사업",
    "본업",
    "겸업",
    "전업",
    "부업",
];

pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) {
    let Some(base) = ctx.target_confidence() else { return };
    if ctx.class() == crate::sentence::Class::Preference {
        return;
    }
    let mut required: Vec<KsicCode> = Vec::new();
    let mut excluded: Vec<KsicCode> = Vec::new();
    let mut others = false;
    for clause in &ctx.clauses {
        let mut joined = clause.text.clone();
        for (from, to) in JOINED {
            joined = joined.replace(from, to);
        }
        let tokens = tokenize(&joined);
        let codes = codes_in(&tokens);
        if codes.is_empty() {
            continue;
        }
        others |= tokens.iter().any(is_unknown_industry);
        if clause.negated || ctx.sentence.in_exclusions {
            excluded.extend(codes);
        } else {
            required.extend(codes);
        }
    }
    // Another 업 word beside a known one may name an industry we cannot code: below the gate.
    let confidence = if others { super::DESCRIPTIVE } else { base };
    for (codes, is_required) in [(required, true), (excluded, false)] {
        let mut codes = codes;
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            continue;
        }
        let constraint = if is_required {
            Constraint::Industries { any_of: codes }
        } else {
            Constraint::ExcludedIndustries { none_of: codes }
        };
        out.push(ctx.rule(constraint, confidence));
    }
}

fn codes_in(tokens: &[Token]) -> Vec<KsicCode> {
    tokens
        .iter()
        .filter_map(|t| INDUSTRIES.iter().find(|(w, _)| t.matches(w)))
        .filter_map(|(_, code)| KsicCode::parse(code).ok())
        .collect()
}

fn is_unknown_industry(token: &Token) -> bool {
    let w = token.stem.as_str();
    w.ends_with('업')
        && w.chars().count() >= 3
        && !INDUSTRIES.iter().any(|(known, _)| *known == w)
        && !NOT_INDUSTRIES.iter().any(|n| w.ends_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::from_text;

    fn industries(text: &str) -> Vec<(Constraint, bool)> {
        from_text(text)
            .into_iter()
            .filter(|r| matches!(r.constraint, Constraint::Industries { .. } | Constraint::ExcludedIndustries { .. }))
            .map(|r| {
                let hard = r.is_hard();
                (r.constraint, hard)
            })
            .collect()
    }

    fn codes(list: &[&str]) -> Vec<KsicCode> {
        list.iter().map(|c| KsicCode::parse(c).unwrap()).collect()
    }

    #[test]
    fn every_listed_code_exists() {
        for (word, code) in INDUSTRIES {
            assert!(KsicCode::parse(code).is_ok(), "{word} {code}");
        }
    }

    #[test]
    fn named_industries() {
        assert_eq!(
            industries("지원대상: 제조업을 영위하는 중소기업"),
            [(Constraint::Industries { any_of: codes(&["C"]) }, true)]
        );
        assert_eq!(
            industries("신청자격: 제조업 또는 정보통신업 분야 중소기업"),
            [(Constraint::Industries { any_of: codes(&["C", "J"]) }, true)]
        );
        assert_eq!(
            industries("지원대상: 도매 및 소매업 소상공인"),
            [(Constraint::Industries { any_of: codes(&["G"]) }, true)]
        );
        assert_eq!(
            industries("신청대상: 중소기업(부동산업 제외)"),
            [(Constraint::ExcludedIndustries { none_of: codes(&["L"]) }, true)]
        );
    }

    #[test]
    fn industry_negatives() {
        // 지식서비스업 has no KSIC entry: the rule stays below the gate.
        let soft = industries("지원대상: 제조업 및 지식서비스업 영위 중소기업");
        assert_eq!(soft.len(), 1);
        assert!(!soft[0].1);
        // Not a whole word: 제조업소 is a workshop, 제조업체 a manufacturer (no claim on the section).
        assert!(industries("지원대상: 동물용외약품 제조업소, 사료 제조업소").is_empty());
        // Descriptive mention.
        assert!(industries("제조업 경쟁력 강화를 위해 다음과 같이 공고합니다.").is_empty());
        assert!(industries("제조업 영위 기업 우대").is_empty());
    }
}
