//! Agreement of the matcher with hand-written verdicts on real announcements.
//!
//! `tests/data/eval/programs.json` holds programmes built from the real fixtures (provenance on
//! each), `profiles.json` 22 organisation profiles, and `expected.tsv` the verdict a person gave
//! each of the 352 pairs after reading the announcement. The test prints the agreement and every
//! disagreement, and fails below [`THRESHOLD`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use eligibility::{evaluate, Gate, OrgFacts, ProgramFacts, StructuredFields};
use normalize::Region;
use serde::Deserialize;

/// Minimum share of pairs whose gate matches the hand-written verdict.
const THRESHOLD: f64 = 0.85;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/eval");

#[derive(Deserialize)]
struct Programme {
    id: String,
    #[allow(dead_code)]
    provenance: String,
    title: String,
    body: String,
    classification: Vec<String>,
    structured: Option<StructuredFields>,
    regions: Vec<Region>,
    deadline: Option<NaiveDate>,
    budget: Option<i64>,
}

#[derive(Deserialize)]
struct Profile {
    id: String,
    #[allow(dead_code)]
    description: String,
    facts: OrgFacts,
}

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).expect(name);
    serde_json::from_str(&text).expect(name)
}

fn programme(p: &Programme) -> ProgramFacts {
    let mut facts = ProgramFacts::from_announcement(&p.title, &p.body, p.structured.as_ref());
    facts.classification = p.classification.clone();
    facts.regions = p.regions.clone();
    facts.deadline = p.deadline;
    facts.budget = p.budget;
    facts
}

/// (programme, profile prefix) → (verdict letter, reason).
fn expected() -> BTreeMap<(String, String), (String, String)> {
    let text = std::fs::read_to_string(format!("{DIR}/expected.tsv")).expect("expected.tsv");
    let mut out = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "{line}");
        for profile in cols[2].split(',') {
            let old =
                out.insert((cols[0].to_string(), profile.to_string()), (cols[1].to_string(), cols[3].to_string()));
            assert!(old.is_none(), "duplicate pair {} {profile}", cols[0]);
        }
    }
    out
}

fn letter(gate: &Gate) -> &'static str {
    match gate {
        Gate::Eligible => "E",
        Gate::Conditional { .. } => "C",
        Gate::Ineligible { .. } => "I",
    }
}

#[test]
fn agreement_with_hand_written_verdicts() {
    let today = NaiveDate::from_ymd_opt(2026, 8, 10).unwrap();
    let programmes: Vec<Programme> = load("programs.json");
    let profiles: Vec<Profile> = load("profiles.json");
    let expected = expected();
    assert!(programmes.len() >= 10 && profiles.len() >= 20);
    assert_eq!(expected.len(), programmes.len() * profiles.len(), "every pair has a verdict");

    let mut agree = 0;
    let mut total = 0;
    let mut confusion: BTreeMap<(String, &str), usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for p in &programmes {
        let facts = programme(p);
        let mut agree_here = 0;
        for profile in &profiles {
            let key = (p.id.clone(), profile.id.split('_').next().unwrap().to_string());
            let (want, reason) = expected.get(&key).unwrap_or_else(|| panic!("no verdict for {key:?}"));
            let verdict = evaluate(&profile.facts, &facts, today);
            let got = letter(&verdict.gate);
            *confusion.entry((want.clone(), got)).or_default() += 1;
            total += 1;
            if got == want {
                agree += 1;
                agree_here += 1;
            } else {
                disagreements.push(format!(
                    "{} × {}: expected {want} ({reason}), got {got}: {}",
                    p.id,
                    profile.id,
                    verdict.reasons.first().map(String::as_str).unwrap_or("-")
                ));
            }
        }
        println!("{:<26} {agree_here:>2}/{}", p.id, profiles.len());
    }
    let share = agree as f64 / total as f64;
    println!("confusion (expected→got): {confusion:?}");
    for d in &disagreements {
        println!("  {d}");
    }
    println!("agreement: {agree}/{total} = {:.1}% (threshold {:.0}%)", share * 100.0, THRESHOLD * 100.0);
    assert!(share >= THRESHOLD, "agreement {share:.3} below {THRESHOLD}");
}
