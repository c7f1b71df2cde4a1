//! Shared helpers of the integration tests.

#![allow(dead_code)]

pub mod fuzz;

use chrono::NaiveDate;
use eligibility::{OrgFacts, ProgramFacts, StructuredFields};
use fuzz::{org, programme, Lcg};
use normalize::Region;
use serde::Deserialize;

#[derive(Deserialize)]
struct Programme {
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
    facts: OrgFacts,
}

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let text = std::fs::read_to_string(format!("{}/tests/data/eval/{name}", env!("CARGO_MANIFEST_DIR"))).expect(name);
    serde_json::from_str(&text).expect(name)
}

/// Every (profile, programme) pair of the evaluation data and of the random sample.
pub fn sample() -> (Vec<OrgFacts>, Vec<ProgramFacts>) {
    let mut orgs: Vec<OrgFacts> = load::<Vec<Profile>>("profiles.json").into_iter().map(|p| p.facts).collect();
    let mut programmes: Vec<ProgramFacts> = load::<Vec<Programme>>("programs.json")
        .into_iter()
        .map(|p| {
            let mut facts = ProgramFacts::from_announcement(&p.title, &p.body, p.structured.as_ref());
            facts.classification = p.classification;
            facts.regions = p.regions;
            facts.deadline = p.deadline;
            facts.budget = p.budget;
            facts
        })
        .collect();
    let mut rng = Lcg(5);
    orgs.extend((0..40).map(|_| org(&mut rng)));
    programmes.extend((0..1000).map(|i| programme(&mut rng, i)));
    (orgs, programmes)
}
