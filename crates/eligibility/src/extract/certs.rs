//! Certifications required (`기업부설연구소 보유 기업`, `경상북도 내 장애인기업`) or preferred
//! (`여성기업 가점`).

use std::sync::LazyLock;

use regex::Regex;

use super::Context;
use crate::constraint::{Certification, Constraint, Rule};
use crate::sentence::Class;
use crate::tokens::{tokenize, Token};

/// Certification words, matched as whole words (or their stems).
const WORDS: &[(&str, Certification)] = &[
    ("벤처기업", Certification::Venture),
    ("벤처기업확인기업", Certification::Venture),
    ("벤처인증기업", Certification::Venture),
    ("이노비즈", Certification::Innobiz),
    ("이노비즈기업", Certification::Innobiz),
    ("기술혁신형중소기업", Certification::Innobiz),
    ("메인비즈", Certification::Mainbiz),
    ("메인비즈기업", Certification::Mainbiz),
    ("경영혁신형중소기업", Certification::Mainbiz),
    ("기업부설연구소", Certification::ResearchLab),
    ("부설연구소", Certification::ResearchLab),
    ("연구개발전담부서", Certification::RndDepartment),
    ("여성기업", Certification::WomenOwned),
    ("장애인기업", Certification::DisabledOwned),
    ("사회적기업", Certification::SocialEnterprise),
];

const JOINED: &[(&str, &str)] = &[
    ("기술혁신형 중소기업", "기술혁신형중소기업"),
    ("경영혁신형 중소기업", "경영혁신형중소기업"),
    ("기업 부설 연구소", "기업부설연구소"),
    ("기업부설 연구소", "기업부설연구소"),
    ("연구개발 전담부서", "연구개발전담부서"),
];

/// Words that say a certification is held: `보유`, `인증`, `확인서`, `지정받은`.
static HELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"보유|인증\s*(기업|받은|을\s*받은)|확인서|확인\s*(기업|받은|을\s*받은)|지정\s*(받은|된|기업)|등록된|설립된|인정받은")
        .expect("valid regex")
});

/// Words that make the certification one path among others: `…이라면 신청 가능`.
static ALTERNATIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"라면|경우|도\s*(신청|참여|지원)|이어도|여도").expect("valid regex"));

/// Kinds of applicant listed beside a certification that are not certifications: the list names
/// alternatives, not a requirement (`(예비)사회적기업, (사회적)협동조합, 마을기업`).
const OTHER_KINDS: &[&str] = &[
    "협동조합",
    "마을기업",
    "자활기업",
    "사회적경제기업",
    "사회연대경제기업",
    "소셜벤처",
    "예비사회적기업",
    "소상공인",
];

pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) {
    if ctx.class() == Class::Preference {
        let held = certs_in(&ctx.clauses.iter().filter(|c| !c.negated).map(|c| c.text.as_str()).collect::<Vec<_>>());
        if !held.is_empty() {
            out.push(ctx.rule(Constraint::PreferredCertification { any_of: held }, 0.8));
        }
        return;
    }
    let Some(confidence) = ctx.target_confidence() else { return };
    if ctx.sentence.in_exclusions || ALTERNATIVE.is_match(ctx.text()) {
        return;
    }
    let texts: Vec<&str> = ctx.clauses.iter().filter(|c| !c.negated).map(|c| c.text.as_str()).collect();
    let certs = certs_in(&texts);
    if certs.is_empty() {
        return;
    }
    let tokens = tokenize(&joined(ctx.text()));
    if tokens.iter().any(|t| OTHER_KINDS.iter().any(|k| t.matches(k))) {
        return;
    }
    // Required when the sentence says it is held, or when the applicant noun is the certification
    // itself (`경상북도 내 장애인기업`).
    let head_is_cert = tokens.last().is_some_and(|t| cert_of(t).is_some());
    if HELD.is_match(ctx.text()) || head_is_cert {
        out.push(ctx.rule(Constraint::RequiredCertification { any_of: certs }, confidence));
    }
}

fn joined(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in JOINED {
        s = s.replace(from, to);
    }
    s
}

fn cert_of(token: &Token) -> Option<Certification> {
    WORDS.iter().find(|(w, _)| token.matches(w)).map(|(_, c)| *c)
}

fn certs_in(texts: &[&str]) -> Vec<Certification> {
    let mut found: Vec<Certification> =
        texts.iter().flat_map(|t| tokenize(&joined(t))).filter_map(|t| cert_of(&t)).collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::from_text;
    use Certification::*;

    fn certs(text: &str) -> Vec<Constraint> {
        from_text(text)
            .into_iter()
            .filter(|r| r.constraint.kind().ends_with("certification"))
            .map(|r| r.constraint)
            .collect()
    }

    fn required(list: &[Certification]) -> Constraint {
        Constraint::RequiredCertification { any_of: list.to_vec() }
    }

    fn preferred(list: &[Certification]) -> Constraint {
        Constraint::PreferredCertification { any_of: list.to_vec() }
    }

    #[test]
    fn required_certifications() {
        assert_eq!(
            certs("신청자격: 기업부설연구소 또는 연구개발전담부서를 보유한 중소기업"),
            [required(&[ResearchLab, RndDepartment])]
        );
        assert_eq!(certs("지원대상 : 벤처기업 인증을 받은 기업"), [required(&[Venture])]);
        assert_eq!(certs("☞ 경상북도 내 장애인기업"), [required(&[DisabledOwned])]);
        assert_eq!(certs("신청자격: 이노비즈 또는 메인비즈 인증 기업"), [required(&[Innobiz, Mainbiz])]);
        assert_eq!(certs("지원대상: 여성기업확인서를 보유한 여성기업"), [required(&[WomenOwned])]);
        assert_eq!(certs("신청자격: 기술혁신형 중소기업(이노비즈) 인증 보유 기업"), [required(&[Innobiz])]);
    }

    #[test]
    fn preferred_certifications() {
        assert_eq!(
            certs("여성기업, 장애인기업은 서류평가 시 가점 2점 부여"),
            [preferred(&[WomenOwned, DisabledOwned])]
        );
        assert_eq!(certs("※ 벤처기업, 이노비즈 인증 기업 우대"), [preferred(&[Venture, Innobiz])]);
    }

    #[test]
    fn certification_negatives() {
        // One path among others.
        assert!(certs("※ 벤처기업ㆍ이노비즈ㆍ메인비즈ㆍ사회적기업 중 인증 보유 기업이라면 신청 가능").is_empty());
        // Listed beside kinds that are not certifications.
        assert!(
            certs("☞ 대구광역시에 소재한 사회적경제기업  ※ (예비)사회적기업, (사회적)협동조합, 마을기업").is_empty()
        );
        // Purpose and ministry names.
        assert!(certs("장애인기업의 안정적인 경영과 지속적인 성장을 지원하고자 합니다.").is_empty());
        assert!(certs("문의: 중소벤처기업부 벤처혁신정책과").is_empty());
        assert!(certs("벤처기업 육성을 위한 투자 설명회 개최").is_empty());
    }
}
