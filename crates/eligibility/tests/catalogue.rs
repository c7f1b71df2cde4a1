//! The prepared catalogue gives exactly what `evaluate` and `rank` give: the same gate and score
//! for every pair, the same best list in the same order, the same verdicts byte for byte.

mod support;

use chrono::NaiveDate;
use eligibility::{evaluate, rank, Catalogue, Gate, OrgFacts};
use support::sample;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 8, 10).unwrap()
}

#[test]
fn judgements_equal_verdicts() {
    let (orgs, programmes) = sample();
    let catalogue = Catalogue::new(&programmes);
    assert_eq!(catalogue.len(), programmes.len());
    for (o, org) in orgs.iter().enumerate() {
        for (j, p) in catalogue.judge_all(org, today()).iter().zip(&programmes) {
            let verdict = evaluate(org, p, today());
            assert_eq!(
                (j.gate_rank, j.score),
                (verdict.gate.rank(), verdict.score),
                "profile {o}, programme {}: {verdict:?}",
                j.index
            );
        }
    }
}

#[test]
fn best_lists_equal_ranked_verdicts() {
    let (orgs, programmes) = sample();
    let catalogue = Catalogue::new(&programmes);
    for keep in [0, 1, 7, 300, 5000] {
        for org in orgs.iter().step_by(3) {
            let expected: Vec<(usize, eligibility::Verdict)> = rank(org, &programmes, today())
                .into_iter()
                .filter(|(_, v)| !matches!(v.gate, Gate::Ineligible { .. }))
                .take(keep)
                .collect();
            assert_eq!(catalogue.best(org, today(), keep), expected, "keep {keep}");
        }
    }
    let org = &orgs[0];
    let order: Vec<usize> = rank(org, &programmes, today()).into_iter().map(|(i, _)| i).collect();
    let quick: Vec<usize> = catalogue.rank(org, today()).into_iter().map(|j| j.index).collect();
    assert_eq!(quick, order);
}

#[test]
fn keywords_count_as_whole_words_only() {
    // The dementia case through the catalogue: an ICT company's words inside 치매·커뮤니티 do
    // not count, a plain word and a multi-word keyword do.
    let (_, programmes) = sample();
    let catalogue = Catalogue::new(&programmes);
    let org = OrgFacts {
        tech_keywords: vec!["IT".into(), "매".into(), "데이터".into(), "스마트 팩토리".into(), "ai반도체".into()],
        ..Default::default()
    };
    let without = catalogue.judge_all(&OrgFacts::default(), today());
    let mut differing = 0;
    for j in catalogue.judge_all(&org, today()) {
        let verdict = evaluate(&org, catalogue.facts(j.index), today());
        assert_eq!(j.score, verdict.score, "{}", catalogue.facts(j.index).title);
        differing += usize::from(j.score != without[j.index].score);
    }
    assert!(differing > 0, "keywords score somewhere");
}
