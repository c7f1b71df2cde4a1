//! Verdicts pinned byte for byte: 40 random profiles × 1,000 random programmes (every constraint
//! kind, soft and administrators' rules, every announcement kind) and the 22 × 16 evaluation
//! pairs, serialised and fingerprinted. The fingerprint was taken from matcher 1.0.0 before the
//! prepared-catalogue path existed; any change of a rule, message or weight changes it, and must
//! come with a new `MATCHER_VERSION` (and a new fingerprint here).

mod support;

use chrono::NaiveDate;
use eligibility::{evaluate, MATCHER_VERSION};
use support::fuzz::{fnv, FNV_START};
use support::sample;

const FINGERPRINT: u64 = 0x5206cd14cc92e762;

#[test]
fn verdicts_are_pinned() {
    let today = NaiveDate::from_ymd_opt(2026, 8, 10).unwrap();
    let (orgs, programmes) = sample();
    let mut hash = FNV_START;
    for o in &orgs {
        for p in &programmes {
            let verdict = evaluate(o, p, today);
            fnv(&mut hash, serde_json::to_string(&verdict).unwrap().as_bytes());
        }
    }
    println!("{MATCHER_VERSION}: {} pairs, fingerprint {hash:#018x}", orgs.len() * programmes.len());
    assert_eq!(hash, FINGERPRINT, "verdicts changed: bump MATCHER_VERSION and the fingerprint");
}
