//! Who may apply (`중소기업`, `예비창업자`, `대학`), who may not (`대기업 제외`) and legal form
//! (`법인만`, `개인사업자 제외`).

use std::sync::LazyLock;

use regex::Regex;

use super::Context;
use crate::constraint::{Constraint, Exclusion, LegalForm, Rule};
use crate::org_type::OrgType;
use crate::tokens::{tokenize, Token};

/// Words naming applicants, matched as whole words (or their stems).
const WORDS: &[(&str, &[OrgType])] = &[
    ("중소기업", &[OrgType::Sme]),
    ("중소기업자", &[OrgType::Sme]),
    ("중소벤처기업", &[OrgType::Sme]),
    ("소기업", &[OrgType::Sme]),
    ("소상공인", &[OrgType::SmallBusiness]),
    ("자영업자", &[OrgType::SmallBusiness]),
    ("창업기업", &[OrgType::Startup]),
    ("초기창업기업", &[OrgType::Startup]),
    ("창업초기기업", &[OrgType::Startup]),
    ("스타트업", &[OrgType::Startup]),
    ("창업자", &[OrgType::Startup]),
    ("예비창업자", &[OrgType::PreStartup]),
    ("예비창업팀", &[OrgType::PreStartup]),
    ("중견기업", &[OrgType::Midsize]),
    ("대기업", &[OrgType::Large]),
    ("대학", &[OrgType::University]),
    ("대학교", &[OrgType::University]),
    ("전문대학", &[OrgType::University]),
    ("산학협력단", &[OrgType::University]),
    ("연구기관", &[OrgType::ResearchInstitute]),
    ("출연연", &[OrgType::ResearchInstitute]),
    ("정부출연연구기관", &[OrgType::ResearchInstitute]),
    ("특정연구기관", &[OrgType::ResearchInstitute]),
    ("공공기관", &[OrgType::PublicInstitution]),
    ("지방자치단체", &[OrgType::PublicInstitution]),
    ("비영리법인", &[OrgType::Nonprofit]),
    ("비영리단체", &[OrgType::Nonprofit]),
    ("비영리기관", &[OrgType::Nonprofit]),
    ("일반인", &[OrgType::Individual]),
    ("대학생", &[OrgType::Individual]),
    ("청소년", &[OrgType::Individual]),
    ("일반기업", &[OrgType::Sme, OrgType::Midsize, OrgType::Large]),
];

/// Spellings that span words or punctuation.
static PHRASES: LazyLock<Vec<(Regex, &'static [OrgType])>> = LazyLock::new(|| {
    let table: &[(&str, &'static [OrgType])] = &[
        (r"1인\s*창조\s*기업|1인\s*기업", &[OrgType::Solo]),
        (r"예비\s+창업(자|팀)", &[OrgType::PreStartup]),
        (r"\(예비\)\s*창업(자|기업)", &[OrgType::PreStartup, OrgType::Startup]),
        (r"출연\s*\(연\)", &[OrgType::ResearchInstitute]),
    ];
    table.iter().map(|(p, t)| (Regex::new(p).expect("valid regex"), *t)).collect()
});

static CORPORATION_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"법인(사업자|기업)?\s*(만|에\s*한(함|하여|해|정)|으로\s*한정|으로\s*제한)").expect("valid regex")
});

static INDIVIDUAL_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"개인사업자\s*(만|에\s*한(함|하여|해|정)|로\s*한정)").expect("valid regex"));

/// Applicant nouns that name a company without saying which.
const GENERIC: &[&str] = &["기업", "업체", "사업자", "기업체", "법인"];

/// Reads applicants and exclusions into `out`. Returns a rule admitting any company when the
/// sentence describes its applicant only as `기업`/`업체` (`☞ 국내 바이오헬스 기업`); the caller uses it
/// only if the text names no applicant kind anywhere.
pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) -> Option<Rule> {
    let mut allowed: Vec<OrgType> = Vec::new();
    for clause in &ctx.clauses {
        let tokens = tokenize(&clause.text);
        let types = types_in(&clause.text, &tokens);
        if clause.negated {
            negated(ctx, &types, &tokens, out);
        } else if ctx.target_confidence().is_some() {
            for t in types {
                if !allowed.contains(&t) {
                    allowed.push(t);
                }
            }
        }
    }
    allowed.sort();
    let confidence = ctx.target_confidence()?;
    legal_form(ctx, confidence, out);
    if ctx.sentence.in_exclusions {
        return None;
    }
    if !allowed.is_empty() {
        out.push(ctx.rule(Constraint::TargetTypes { any_of: allowed }, confidence));
        return None;
    }
    let head = crate::sentence::head_word(ctx.text())?;
    let generic = GENERIC.iter().any(|g| head.matches(g)) && !ctx.clauses.iter().any(|c| c.negated);
    let any_company = vec![OrgType::Sme, OrgType::Midsize, OrgType::Large];
    generic.then(|| ctx.rule(Constraint::TargetTypes { any_of: any_company }, confidence.min(0.7)))
}

/// Applicant kinds named in a clause, in order of appearance in [`OrgType::ALL`].
fn types_in(text: &str, tokens: &[Token]) -> Vec<OrgType> {
    let mut found: Vec<OrgType> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if is_partner(token, tokens.get(i + 1)) {
            continue;
        }
        if let Some((_, types)) = WORDS.iter().find(|(w, _)| token.matches(w)) {
            found.extend_from_slice(types);
        }
    }
    for (re, types) in PHRASES.iter() {
        if re.is_match(text) {
            found.extend_from_slice(types);
        }
    }
    // `예비 창업자` also reads as the word 창업자; a 예비창업자 is not yet a 창업기업.
    if found.contains(&OrgType::PreStartup) && !text.contains("(예비)") && !has_plain_founder(tokens) {
        found.retain(|t| *t != OrgType::Startup);
    }
    found.sort();
    found.dedup();
    found
}

/// `대기업과 협력하는`: a partner named with 과/와, not an applicant.
fn is_partner(token: &Token, next: Option<&Token>) -> bool {
    let comitative = ["과", "와", "과의", "와의"].iter().any(|p| token.word.ends_with(p)) && token.word != token.stem;
    let joint = ["협력", "연계", "함께", "거래", "공동", "협업", "매칭", "상생"];
    comitative && next.is_some_and(|n| joint.iter().any(|j| n.word.starts_with(j)))
}

/// `창업자` that is not the second half of `예비 창업자`.
fn has_plain_founder(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        ["창업기업", "스타트업", "초기창업기업", "창업초기기업"].iter().any(|w| t.matches(w))
            || (t.matches("창업자") && (i == 0 || tokens[i - 1].word != "예비"))
    })
}

fn negated(ctx: &Context, types: &[OrgType], tokens: &[Token], out: &mut Vec<Rule>) {
    if ctx.class() == crate::sentence::Class::Preference {
        return;
    }
    let confidence = super::TARGET;
    for t in types {
        let exclusion = match t {
            OrgType::Large => Exclusion::Large,
            OrgType::Midsize => Exclusion::Midsize,
            _ => continue,
        };
        out.push(ctx.rule(Constraint::Exclusion { exclusion }, confidence));
    }
    if tokens.iter().any(|t| t.matches("개인사업자")) {
        out.push(ctx.rule(Constraint::LegalForm { any_of: vec![LegalForm::Corporation] }, confidence));
    } else if tokens.iter().any(|t| t.matches("법인사업자")) {
        out.push(ctx.rule(Constraint::LegalForm { any_of: vec![LegalForm::Individual] }, confidence));
    }
}

fn legal_form(ctx: &Context, confidence: f32, out: &mut Vec<Rule>) {
    let text = ctx.text();
    if CORPORATION_ONLY.is_match(text) {
        out.push(ctx.rule(Constraint::LegalForm { any_of: vec![LegalForm::Corporation] }, confidence));
    } else if INDIVIDUAL_ONLY.is_match(text) {
        out.push(ctx.rule(Constraint::LegalForm { any_of: vec![LegalForm::Individual] }, confidence));
    } else if !ctx.sentence.in_exclusions
        && !text.contains("개인")
        && ctx.clauses.iter().any(|c| !c.negated && tokenize(&c.text).iter().any(|t| t.matches("법인사업자")))
    {
        // `신청자격 : 법인사업자` without 개인사업자 beside it.
        out.push(ctx.rule(Constraint::LegalForm { any_of: vec![LegalForm::Corporation] }, confidence - 0.1));
    }
}

#[cfg(test)]
mod tests {
    use crate::constraint::{Constraint, Exclusion, LegalForm};
    use crate::extract::from_text;
    use crate::org_type::OrgType::{self, *};

    fn targets(text: &str) -> Vec<Vec<OrgType>> {
        from_text(text)
            .into_iter()
            .filter_map(|r| match r.constraint {
                Constraint::TargetTypes { any_of } => Some(any_of),
                _ => None,
            })
            .collect()
    }

    fn exclusions(text: &str) -> Vec<Exclusion> {
        from_text(text)
            .into_iter()
            .filter_map(|r| match r.constraint {
                Constraint::Exclusion { exclusion } => Some(exclusion),
                _ => None,
            })
            .collect()
    }

    fn legal(text: &str) -> Vec<Vec<LegalForm>> {
        from_text(text)
            .into_iter()
            .filter_map(|r| match r.constraint {
                Constraint::LegalForm { any_of } => Some(any_of),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn target_sentences() {
        assert_eq!(targets("지원대상 : 중소기업 및 중견기업"), [vec![Sme, Midsize]]);
        assert_eq!(targets("☞ 광명시 관내 소상공인, 예비창업자 등"), [vec![SmallBusiness, PreStartup]]);
        assert_eq!(targets("「중소기업기본법」 제2조에 따른 중소기업으로서 신청 가능한 자"), [vec![Sme]]);
        assert_eq!(targets("신청자격: 대학, 정부출연연구기관, 중소기업"), [vec![Sme, University, ResearchInstitute]]);
        assert_eq!(targets("창업 7년 이내 제주 소재 스타트업 및 예비창업자"), [vec![Startup, PreStartup]]);
        assert_eq!(targets("모집대상: 1인 창조기업"), [vec![Solo]]);
        assert_eq!(targets("신청대상 : (예비)창업자"), [vec![Startup, PreStartup]]);
        assert_eq!(targets("신청대상 : 예비 창업자"), [vec![PreStartup]]);
    }

    #[test]
    fn descriptive_sentences_name_no_target() {
        assert!(targets("중소기업의 성장을 지원하기 위해 다음과 같이 공고합니다.").is_empty());
        assert!(targets("중소벤처기업부 공고 제2026-123호").is_empty());
        assert!(targets("문의: 중소기업 통합콜센터 1357").is_empty());
        // 대학생 is a person, 대학 an institution.
        assert_eq!(targets("참여대상: 대학생"), [vec![Individual]]);
    }

    #[test]
    fn generic_company_only_without_named_kinds() {
        let any_company = vec![Sme, Midsize, Large];
        assert_eq!(targets("☞ 국내 바이오헬스 기업"), std::slice::from_ref(&any_company));
        assert_eq!(targets("지원대상: 수출 실적이 있는 기업"), [any_company]);
        // A named kind anywhere wins over the generic noun.
        assert_eq!(targets("☞ 전북지역 소상공인\n- (자격) 전북 소재 소상공인확인서 발급 기업"), [vec![SmallBusiness]]);
        assert!(targets("국내 기업의 수출을 지원하기 위해 공고합니다.").is_empty());
    }

    #[test]
    fn exclusions_of_scale() {
        assert_eq!(exclusions("지원대상: 중소기업 및 중견기업(대기업 제외)"), [Exclusion::Large]);
        assert_eq!(targets("지원대상: 중소기업 및 중견기업(대기업 제외)"), [vec![Sme, Midsize]]);
        assert_eq!(exclusions("대기업 및 중견기업은 신청 불가"), [Exclusion::Midsize, Exclusion::Large]);
        assert_eq!(exclusions("중견기업 제외"), [Exclusion::Midsize]);
        // Mentioned, not excluded.
        assert!(exclusions("대기업과 협력하는 중소기업 대상").is_empty());
        assert_eq!(targets("대기업과 협력하는 중소기업 대상"), [vec![Sme]]);
        assert!(exclusions("대기업 출신 멘토단 운영").is_empty());
    }

    #[test]
    fn legal_forms() {
        assert_eq!(legal("신청자격: 법인사업자만 신청 가능"), [vec![LegalForm::Corporation]]);
        assert_eq!(legal("개인사업자 제외"), [vec![LegalForm::Corporation]]);
        assert_eq!(legal("지원대상 : 법인사업자"), [vec![LegalForm::Corporation]]);
        assert!(legal("지원대상 : 법인사업자 및 개인사업자").is_empty());
        assert!(legal("법인사업자의 경우 법인등기부등본을 제출합니다.").is_empty());
    }
}
