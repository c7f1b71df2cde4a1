//! The public types: kind codes, and `RawProgram` JSON staying the import line format.

use std::str::FromStr;

use sources::{Kind, RawProgram};

#[test]
fn kind_codes_round_trip() {
    for kind in Kind::ALL {
        assert_eq!(Kind::from_str(kind.as_str()), Ok(kind));
        let json = serde_json::to_string(&kind).expect("json");
        assert_eq!(json, format!("\"{}\"", kind.as_str()));
    }
    assert_eq!(Kind::from_str("ntis-rss"), Ok(Kind::NtisRss));
    assert!(Kind::from_str("ntis_rss").is_err());
}

#[test]
fn raw_program_keys_match_the_import_record() {
    let p = RawProgram::default();
    let value = serde_json::to_value(&p).expect("json");
    let keys: Vec<_> = value.as_object().expect("object").keys().cloned().collect();
    let mut expected = vec![
        "source",
        "external_id",
        "title",
        "ministry",
        "agency",
        "category",
        "regions_raw",
        "target_raw",
        "period_raw",
        "budget_raw",
        "published_raw",
        "body_html",
        "source_url",
        "attachments",
        "provenance",
    ];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, expected, "eligibility is left out when empty");
}
