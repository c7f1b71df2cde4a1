//! The period parser against 200 real 접수기간 strings (see `data/README.md`).

use chrono::{NaiveDate, NaiveTime};
use normalize::period::{self, PeriodKind};
use serde_json::Value;
use std::collections::BTreeMap;

const CACHE: &str = include_str!("data/period-strings-detail-cache-2026-03.json");

fn periods() -> BTreeMap<String, String> {
    let all: BTreeMap<String, Value> = serde_json::from_str(CACHE).expect("fixture is JSON");
    all.into_iter().filter_map(|(id, v)| Some((id, v.get("period")?.as_str()?.to_string()))).collect()
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

#[test]
fn every_real_string_gets_a_sensible_value() {
    let periods = periods();
    assert_eq!(periods.len(), 186, "14 소진공 entries carry no period");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, raw) in &periods {
        let p = period::parse(raw);
        *counts.entry(p.kind.as_str()).or_default() += 1;
        let garbage = raw.trim().is_empty() || raw.trim() == "구 분";
        if garbage {
            assert_eq!((p.kind, p.start, p.end), (PeriodKind::Unknown, None, None), "{id}");
            continue;
        }
        assert_ne!(p.kind, PeriodKind::Unknown, "{id}: {raw:?}");
        if raw.contains('~') {
            let (start, end) = (p.start.expect(id), p.end.expect(id));
            assert_eq!(p.kind, PeriodKind::Range, "{id}");
            assert!(start <= end, "{id}: {raw:?}");
            // Every range in this sample opens in 2026 and closes that year.
            assert!(start >= date("2026-01-01").expect("date"), "{id}");
            assert!(end <= date("2026-12-31").expect("date"), "{id}");
        }
        assert_eq!(p.end_time.is_some(), raw.contains(':'), "{id}: {raw:?}");
        if raw.contains("소진") {
            assert_eq!(p.kind, PeriodKind::UntilBudgetExhausted, "{id}");
        }
        if raw.contains("상시") {
            assert_eq!(p.kind, PeriodKind::Always, "{id}");
        }
    }
    let expected = BTreeMap::from([("always", 2), ("range", 174), ("unknown", 1), ("until_budget_exhausted", 9)]);
    assert_eq!(counts, expected);
}

#[test]
fn spot_checks() {
    let periods = periods();
    // (id, start, end, end_time, kind)
    let cases = [
        ("bizinfo_PBLN_000000000119002", "2026-02-09", "2026-03-09", "", "range"),
        ("bizinfo_PBLN_000000000118996", "2026-03-09", "2026-03-11", "", "range"),
        ("bizinfo_PBLN_000000000118974", "", "", "", "until_budget_exhausted"),
        ("bizinfo_PBLN_000000000118910", "", "", "", "always"),
        ("bizinfo_PBLN_000000000118858", "", "", "", "always"),
        ("smtech_S02829", "2026-02-20", "2026-04-07", "", "range"),
        ("smtech_S02847", "2026-03-01", "2026-03-31", "", "range"),
        ("smtech_S02834", "", "", "", "unknown"),
        ("kstartup_176260", "2026-02-09", "2026-03-06", "18:00", "range"),
        ("kstartup_176432", "2026-02-26", "2026-03-15", "23:59", "range"),
        ("kstartup_176436", "2026-02-27", "2026-03-12", "11:00", "range"),
        ("kstartup_176442", "2026-01-01", "2026-12-31", "18:00", "range"),
        ("kstartup_176453", "2026-02-12", "2026-03-10", "23:50", "range"),
        ("kstartup_176434", "2026-03-16", "2026-03-20", "17:00", "range"),
    ];
    for (id, start, end, end_time, kind) in cases {
        let raw = periods.get(id).expect(id);
        let p = period::parse(raw);
        assert_eq!(p.start, date(start), "{id}");
        assert_eq!(p.end, date(end), "{id}");
        assert_eq!(p.end_time, time(end_time), "{id}");
        assert_eq!(p.kind.as_str(), kind, "{id}");
    }
}

#[test]
fn source_date_fields() {
    // NTIS RSS appbegin/appdue (2026-08-21 feed, first item).
    let p = period::from_bounds("2026-08-21", "2026-09-21");
    assert_eq!((p.start, p.end), (date("2026-08-21"), date("2026-09-21")));
    // bizinfo reqstBeginEndDe and K-Startup pbanc_rcpt_*_dt.
    let p = period::parse("2026-09-23 ~ 2026-10-08");
    assert_eq!((p.start, p.end), (date("2026-09-23"), date("2026-10-08")));
    let p = period::from_bounds("20250908", "20251002");
    assert_eq!((p.start, p.end), (date("2025-09-08"), date("2025-10-02")));
    let p = period::parse("20260722150000");
    assert_eq!((p.end, p.end_time), (date("2026-07-22"), time("15:00")));
    // NTIS list rows carry 접수일/마감일 as YYYY.MM.DD.
    assert_eq!(period::parse_date("2025.09.23"), date("2025-09-23"));
    // A JSON round trip keeps the snake_case kind.
    let json = serde_json::to_string(&p).expect("serialises");
    assert!(json.contains("\"kind\":\"deadline_only\""), "{json}");
    let back: period::Period = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, p);
}
