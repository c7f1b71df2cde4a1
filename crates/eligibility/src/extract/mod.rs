//! Rules from announcement text ([`from_text`]) and from sources' coded fields ([`from_structured`]).
//!
//! Text extraction is conservative: a pattern yields a rule only in a sentence that states who may
//! apply, and the confidence says how sure it is. Sentences about preferences (`우대`, `가점`) only
//! yield preferred certifications; sentences that lift a limit (`무관`, `누구나`) yield nothing.

mod certs;
mod exclusions;
mod industry;
mod kind;
mod numbers;
mod org;
mod place;
mod structured;

use std::sync::LazyLock;

use regex::Regex;

pub use kind::classify_kind;
pub use structured::{from_structured, Source, StructuredFields};

use crate::constraint::{Constraint, Rule};
use crate::sentence::{self, Class, Clause, Sentence};

/// Confidence of a rule from a labelled target sentence.
const TARGET: f32 = 0.85;
/// Confidence of a rule from a sentence that ends on who may apply.
const TARGETISH: f32 = 0.75;
/// Confidence of a rule found in a descriptive sentence: below the gate, so only a warning.
const DESCRIPTIVE: f32 = 0.45;
/// Confidence after an exception to the rule was found elsewhere in the text.
const EXCEPTED: f32 = 0.45;

/// A sentence with its clauses, handed to each pattern.
pub(crate) struct Context<'a> {
    pub sentence: &'a Sentence,
    pub clauses: Vec<Clause>,
}

impl Context<'_> {
    pub fn text(&self) -> &str {
        &self.sentence.text
    }

    pub fn class(&self) -> Class {
        self.sentence.class
    }

    /// Confidence for a who-may-apply rule in this sentence, `None` where such rules are not read.
    pub fn target_confidence(&self) -> Option<f32> {
        match self.class() {
            Class::Target => Some(TARGET),
            Class::Targetish => Some(TARGETISH),
            _ if self.sentence.in_exclusions => Some(TARGET),
            _ => None,
        }
    }

    /// Confidence for a numeric bound (`10인 미만`), which is specific enough to read anywhere
    /// except in preferences and lifted limits; outside target sentences it stays below the gate.
    pub fn bound_confidence(&self) -> Option<f32> {
        match self.class() {
            Class::Preference | Class::NoLimit => None,
            Class::Descriptive if !self.sentence.in_exclusions => Some(DESCRIPTIVE),
            _ => self.target_confidence(),
        }
    }

    pub fn rule(&self, constraint: Constraint, confidence: f32) -> Rule {
        Rule::text(constraint, confidence, &self.sentence.text)
    }
}

/// Every rule the text states, in the order of its sentences.
pub fn from_text(text: &str) -> Vec<Rule> {
    read(text, None)
}

/// Rules from conditions staff write one per line in the words announcements use (`상시근로자 10인
/// 미만`, `서울 소재`, `대기업 제외`): every line is read as a statement of who may apply.
pub fn from_conditions(text: &str) -> Vec<Rule> {
    read(text, Some(Forced::Targets))
}

/// Reads `text`, optionally treating every sentence as `forced` (fields that only hold targets
/// or only exclusions).
pub(crate) fn read(text: &str, forced: Option<Forced>) -> Vec<Rule> {
    let mut sentences = sentence::split(text);
    for s in &mut sentences {
        match forced {
            Some(Forced::Targets) if matches!(s.class, Class::Descriptive | Class::Targetish) => {
                s.class = Class::Target
            }
            Some(Forced::Exclusions) => s.in_exclusions = true,
            _ => {}
        }
    }
    let mut rules = Vec::new();
    let mut any_company: Option<Rule> = None;
    for s in &sentences {
        if CONCESSIVE.is_match(&s.text) {
            continue;
        }
        let ctx = Context { sentence: s, clauses: sentence::clauses(s) };
        if let Some(generic) = org::extract(&ctx, &mut rules) {
            any_company.get_or_insert(generic);
        }
        numbers::extract(&ctx, &mut rules);
        place::extract(&ctx, &mut rules);
        industry::extract(&ctx, &mut rules);
        certs::extract(&ctx, &mut rules);
        exclusions::extract(&ctx, &mut rules);
    }
    if let Some(generic) = any_company {
        if !rules.iter().any(|r| matches!(r.constraint, Constraint::TargetTypes { .. })) {
            rules.push(generic);
        }
    }
    downgrade_excepted(&sentences, &mut rules);
    dedup(rules)
}

/// How [`read`] treats every sentence of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forced {
    Targets,
    Exclusions,
}

/// `10인 미만이어도 … 가능`: an exception, so the sentence states no rule and weakens the rule it
/// makes an exception to.
static CONCESSIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"이어도|여도|이더라도|더라도|이라도|예외적으로|예외로").expect("valid regex"));

/// Which kinds of rule a concessive sentence speaks about.
const EXCEPTION_CUES: &[(&str, &[&str])] = &[
    ("employees", &["근로자", "피보험자", "종업원", "인 미만", "인 이상", "명"]),
    ("revenue", &["매출"]),
    ("business_age", &["업력", "창업", "설립"]),
];

fn downgrade_excepted(sentences: &[Sentence], rules: &mut [Rule]) {
    for s in sentences.iter().filter(|s| CONCESSIVE.is_match(&s.text)) {
        for (kind, cues) in EXCEPTION_CUES {
            if cues.iter().any(|c| s.text.contains(c)) {
                for rule in rules.iter_mut().filter(|r| r.constraint.kind() == *kind) {
                    rule.confidence = rule.confidence.min(EXCEPTED);
                }
            }
        }
    }
}

/// Identical constraints keep the sentence with the highest confidence (the first on a tie).
fn dedup(rules: Vec<Rule>) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::with_capacity(rules.len());
    for rule in rules {
        match out.iter_mut().find(|r| r.constraint == rule.constraint && r.provenance == rule.provenance) {
            // The surest sentence is the one to show.
            Some(existing) if rule.confidence > existing.confidence => *existing = rule,
            Some(_) => {}
            None => out.push(rule),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraint::Constraint;
    use crate::range::{Bound, Range};

    #[test]
    fn exception_weakens_the_rule() {
        let text = "☞ 사내 마케팅 전략 및 콘텐츠 디자인 직무에 인력 수요가 있는 기업  - 프로그램 신청 직전월 기준(10월) 고용보험 피보험자 10인 이상 기업  - 아래 기업은 피보험자 10인 미만이어도 심사 후 참여 가능  ※ 벤처기업ㆍ이노비즈ㆍ메인비즈ㆍ사회적기업 중 인증 보유 기업이라면 신청 가능";
        let rules = from_text(text);
        let employees: Vec<_> = rules.iter().filter(|r| r.constraint.kind() == "employees").collect();
        assert_eq!(employees.len(), 1, "{rules:#?}");
        assert_eq!(employees[0].constraint, Constraint::Employees { count: Range::at_least(Bound::inclusive(10)) });
        assert!(!employees[0].is_hard());
        // The certifications open an alternative path; they are not required.
        assert!(rules.iter().all(|r| r.constraint.kind() != "required_certification"), "{rules:#?}");
    }

    #[test]
    fn a_condition_staff_write_is_read_as_a_requirement() {
        let rules = from_conditions("상시근로자 10인 미만\n대기업 제외");
        let employees = rules.iter().find(|r| r.constraint.kind() == "employees").expect("employees rule");
        assert_eq!(employees.constraint, Constraint::Employees { count: Range::at_most(Bound::exclusive(10)) });
        assert!(employees.is_hard(), "a bare line would be descriptive text in an announcement: {rules:#?}");
        assert!(rules.iter().any(|r| r.constraint.kind() == "exclusion_large"), "{rules:#?}");
        assert!(from_conditions("잘 부탁드립니다").is_empty());
    }

    #[test]
    fn dedup_keeps_highest_confidence() {
        let c = Constraint::Exclusion { exclusion: crate::constraint::Exclusion::TaxArrears };
        let rules =
            dedup(vec![Rule::text(c.clone(), 0.5, "a"), Rule::text(c.clone(), 0.8, "b"), Rule::text(c, 0.8, "c")]);
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].sentence, "b");
        assert!((rules[0].confidence - 0.8).abs() < f32::EPSILON);
    }
}
