//! Grounds for exclusion a profile cannot answer: 휴·폐업, 국세·지방세 체납, 채무불이행,
//! 참여제한. They become a checklist for the applicant.

use std::sync::LazyLock;

use regex::Regex;

use super::Context;
use crate::constraint::{Constraint, Exclusion, Rule};
use crate::sentence::Class;

/// (pattern, exclusion, needs a negation or an exclusion section).
static PATTERNS: LazyLock<Vec<(Regex, Exclusion, bool)>> = LazyLock::new(|| {
    let table = [
        (r"휴\s*[·ㆍ,.]?\s*폐업|(휴업|폐업)\s*(중|상태|한)", Exclusion::ClosedOrSuspended, false),
        (r"(국세|지방세|세금)[^.]{0,15}체납", Exclusion::TaxArrears, false),
        (r"채무\s*불이행|신용\s*불량|금융\s*(기관\s*)?(규제|제재)|연체\s*중", Exclusion::CreditDefault, false),
        (r"참여\s*제한|제재\s*(중|기간)|참여가\s*제한", Exclusion::ParticipationRestricted, false),
        (r"폐업", Exclusion::ClosedOrSuspended, true),
    ];
    table.into_iter().map(|(p, e, n)| (Regex::new(p).expect("valid regex"), e, n)).collect()
});

pub(crate) fn extract(ctx: &Context, out: &mut Vec<Rule>) {
    if matches!(ctx.class(), Class::Preference | Class::NoLimit) {
        return;
    }
    let negated = ctx.sentence.in_exclusions || ctx.clauses.iter().any(|c| c.negated);
    let mut seen = Vec::new();
    for (re, exclusion, needs_negation) in PATTERNS.iter() {
        if seen.contains(exclusion) || (*needs_negation && !negated) || !re.is_match(ctx.text()) {
            continue;
        }
        // `재창업` programmes are for people who closed a business: not an exclusion.
        if *exclusion == Exclusion::ClosedOrSuspended && ctx.text().contains("재창업") {
            continue;
        }
        seen.push(*exclusion);
        out.push(ctx.rule(Constraint::Exclusion { exclusion: *exclusion }, if negated { 0.85 } else { 0.7 }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::from_text;

    fn exclusions(text: &str) -> Vec<Exclusion> {
        from_text(text)
            .into_iter()
            .filter_map(|r| match r.constraint {
                Constraint::Exclusion { exclusion } => Some(exclusion),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn listed_exclusions() {
        let text = "신청 제외 대상\n① 금융기관 등으로부터 채무불이행으로 규제 중인 자(기업)\n② 국세 또는 지방세 체납 중인 자(기업)\n③ 휴·폐업 중인 기업\n⑤ 중소벤처기업부 창업지원사업에 참여 제한으로 제재 중인 자(기업)";
        assert_eq!(
            exclusions(text),
            [
                Exclusion::CreditDefault,
                Exclusion::TaxArrears,
                Exclusion::ClosedOrSuspended,
                Exclusion::ParticipationRestricted
            ]
        );
        assert_eq!(exclusions("국세 체납 기업은 신청할 수 없습니다."), [Exclusion::TaxArrears]);
        assert_eq!(exclusions("공고일 기준 폐업한 기업은 제외"), [Exclusion::ClosedOrSuspended]);
    }

    #[test]
    fn exclusion_negatives() {
        assert!(exclusions("신청대상: 폐업 후 재창업을 준비하는 예비 재창업자").is_empty());
        assert!(exclusions("폐업 소상공인 재기 지원 프로그램 안내").is_empty());
        assert!(exclusions("체납액 징수 안내").is_empty());
    }
}
