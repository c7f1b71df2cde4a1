//! The deterministic matcher: every hard requirement checked, a score, reasons in Korean.
//!
//! Rules of one kind are alternatives (an announcement may state one condition per track), so a
//! kind passes when any of its rules passes; kinds combine with "all of". Rules below
//! [`crate::HARD_CONFIDENCE`] never gate: when they would fail, they become warnings. Rules an
//! administrator entered replace the others of their kind.

mod catalogue;
mod checks;
mod membership;
mod score;

use chrono::NaiveDate;

pub use catalogue::{Catalogue, Judgement};
pub use checks::Outcome;
pub use membership::STARTUP_MONTHS;

use crate::constraint::{AnnouncementKind, Constraint, Provenance, Rule};
use crate::facts::{OrgFacts, ProgramFacts};
use crate::verdict::{Gate, MissingField, Reason, Verdict};
use checks::{check, Explain, Situation};
use score::Judged;

/// Changes whenever rules, messages or weights change, so stored verdicts can be recomputed.
pub const MATCHER_VERSION: &str = "eligibility-matcher/1.0.0";

/// Order in which kinds are checked and reported.
const ORDER: &[&str] = &[
    "target_types",
    "exclusion_large",
    "exclusion_midsize",
    "business_age",
    "regions",
    "outside_regions",
    "revenue",
    "employees",
    "industries",
    "excluded_industries",
    "required_certification",
    "legal_form",
    "ceo_age",
];

/// Judges one programme for one organisation on `today` (which dates business age and the
/// deadline; pass it explicitly so results are reproducible).
pub fn evaluate(org: &OrgFacts, program: &ProgramFacts, today: NaiveDate) -> Verdict {
    let extra = field_rules(program);
    let rules = effective_rules(program, &extra);
    let institution_targeted = membership::institution(org).is_some_and(|inst| {
        rules.iter().filter(|r| gates(r)).any(|r| match &r.constraint {
            Constraint::TargetTypes { any_of } => any_of.contains(&inst),
            _ => false,
        })
    });
    let startup_months = startup_months(&rules);
    let at = Situation { today, institution_targeted, startup_months };

    let mut failed: Vec<Reason> = Vec::new();
    let mut missing: Vec<MissingField> = Vec::new();
    let mut passed: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut target = Judged::Absent;
    let mut industry = Judged::Absent;

    for kind in ORDER {
        let group: Vec<&&Rule> = rules.iter().filter(|r| gates(r) && r.constraint.kind() == *kind).collect();
        if group.is_empty() {
            continue;
        }
        let outcomes: Vec<(Outcome, &Rule)> =
            group.iter().map(|r| (check::<Explain>(&r.constraint, org, &at), **r)).collect();
        let judged = combine(&outcomes, &mut failed, &mut missing, &mut passed);
        match *kind {
            "target_types" => target = judged,
            "industries" => industry = judged,
            _ => {}
        }
    }

    for r in rules.iter().filter(|r| !gates(r)) {
        if matches!(r.constraint, Constraint::PreferredCertification { .. } | Constraint::Trl { .. }) {
            continue;
        }
        if rules.iter().any(|h| gates(h) && h.constraint.kind() == r.constraint.kind()) {
            continue;
        }
        if let Outcome::Fail(msg) = check::<Explain>(&r.constraint, org, &at) {
            push_unique(
                &mut warnings,
                format!("자동 추출된 조건 확인 필요 — {msg} (근거: \"{}\")", short(&r.sentence)),
            );
        }
    }
    for r in &rules {
        if let Constraint::Exclusion { exclusion } = &r.constraint {
            if !exclusion.is_checkable() {
                push_unique(&mut warnings, format!("신청 전 확인: {}", exclusion.label_ko()));
            }
        }
    }
    match program.kind {
        AnnouncementKind::Call => {}
        AnnouncementKind::Survey => {
            warnings.push("수요조사 공고입니다: 지원금 공모가 아니라 기술 수요를 제출하는 절차입니다".to_string())
        }
        AnnouncementKind::Designated => {
            warnings.push("지정공모 공고입니다: 수행기관·과제가 미리 정해져 있을 수 있습니다".to_string())
        }
        AnnouncementKind::TrainingOnly => {
            warnings.push("교육·설명회·행사 공고입니다: 자금 지원이 아닐 수 있습니다".to_string())
        }
    }

    let scored = score::score(org, program, &rules, target, industry, today);
    warnings.extend(scored.warnings);

    let mut reasons: Vec<String> = failed.iter().map(|f| f.message.clone()).collect();
    reasons.extend(missing.iter().map(|m| m.message.clone()));
    reasons.extend(passed);
    reasons.extend(scored.notes);
    if let Some(budget) = program.budget.filter(|b| *b > 0) {
        reasons.push(format!("공고 예산 {}", normalize::format_krw(budget)));
    }

    let gate = if !failed.is_empty() {
        Gate::Ineligible { failed }
    } else if !missing.is_empty() {
        Gate::Conditional { missing }
    } else {
        Gate::Eligible
    };
    Verdict { gate, score: scored.points, reasons, warnings, version: MATCHER_VERSION }
}

/// Every programme judged, best first: eligible before conditional before ineligible, then by
/// score, then by position in `programs` (so ties keep their input order).
pub fn rank(org: &OrgFacts, programs: &[ProgramFacts], today: NaiveDate) -> Vec<(usize, Verdict)> {
    let mut all: Vec<(usize, Verdict)> =
        programs.iter().enumerate().map(|(i, p)| (i, evaluate(org, p, today))).collect();
    all.sort_by_key(|(i, v)| (v.gate.rank(), std::cmp::Reverse(v.score), *i));
    all
}

/// Whether a rule takes part in the gate.
fn gates(rule: &Rule) -> bool {
    rule.is_hard() || matches!(rule.provenance, Provenance::Admin { .. })
}

/// What 창업기업 means for a programme: its own business age when it states one, else the default.
fn startup_months(rules: &[&Rule]) -> crate::range::Range<u32> {
    rules
        .iter()
        .filter(|r| gates(r))
        .filter_map(|r| match &r.constraint {
            Constraint::BusinessAge { months: Some(m), .. } if m.max.is_some() => Some(*m),
            _ => None,
        })
        .reduce(|a, b| a.hull(&b))
        .map(|m| crate::range::Range { min: None, max: m.max })
        .unwrap_or_else(membership::startup_default)
}

/// The certifications a programme prefers (points, not a gate).
fn preferred_certifications<'r>(rules: &'r [&Rule]) -> impl Iterator<Item = crate::constraint::Certification> + 'r {
    rules
        .iter()
        .filter_map(|r| match &r.constraint {
            Constraint::PreferredCertification { any_of } => Some(any_of.iter().copied()),
            _ => None,
        })
        .flatten()
}

/// Rules synthesised from the programme's normalised target types and regions.
fn field_rules(program: &ProgramFacts) -> Vec<Rule> {
    let mut rules = Vec::new();
    if !program.target_types.is_empty() {
        let any_of = program.target_types.clone();
        let text = any_of.iter().map(|t| t.label_ko()).collect::<Vec<_>>().join(", ");
        rules.push(Rule::structured(Constraint::TargetTypes { any_of }, "target_types", 0.8, &text));
    }
    let regions: Vec<_> = program.regions.iter().copied().filter(|r| *r != normalize::Region::Nationwide).collect();
    if !regions.is_empty() && !program.regions.contains(&normalize::Region::Nationwide) {
        let text = regions.iter().map(|r| r.label_ko()).collect::<Vec<_>>().join(", ");
        rules.push(Rule::structured(Constraint::Regions { any_of: regions }, "regions", 0.8, &text));
    }
    rules
}

/// The programme's rules plus `extra`, with administrators' rules replacing the others of their
/// kind.
fn effective_rules<'a>(program: &'a ProgramFacts, extra: &'a [Rule]) -> Vec<&'a Rule> {
    let all = || program.rules.iter().chain(extra);
    let is_admin = |r: &Rule| matches!(r.provenance, Provenance::Admin { .. });
    let admin_kinds: Vec<&'static str> = all().filter(|r| is_admin(r)).map(|r| r.constraint.kind()).collect();
    all().filter(|r| is_admin(r) || !admin_kinds.contains(&r.constraint.kind())).collect()
}

/// A kind passes when any rule passes; otherwise it is unknown when any is unknown; otherwise it
/// fails with its first rule's reason.
fn combine(
    outcomes: &[(Outcome, &Rule)],
    failed: &mut Vec<Reason>,
    missing: &mut Vec<MissingField>,
    passed: &mut Vec<String>,
) -> Judged {
    if let Some((Outcome::Pass(note), _)) = outcomes.iter().find(|(o, _)| matches!(o, Outcome::Pass(_))) {
        if let Some(note) = note {
            push_unique(passed, note.clone());
        }
        return Judged::Passed;
    }
    if let Some((Outcome::Unknown(field, message), _)) =
        outcomes.iter().find(|(o, _)| matches!(o, Outcome::Unknown(..)))
    {
        if !missing.iter().any(|m| m.message == *message) {
            missing.push(MissingField { field: *field, message: message.clone() });
        }
        return Judged::Unknown;
    }
    if let Some((Outcome::Fail(message), rule)) = outcomes.first() {
        failed.push(Reason {
            rule: rule.constraint.kind().to_string(),
            message: message.clone(),
            sentence: rule.sentence.clone(),
        });
    }
    Judged::Failed
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// At most 60 characters of a sentence.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
