//! Application periods (접수기간) as sources write them, turned into dates.
//!
//! Every date is a KST calendar date; no time zone arithmetic happens here.
//! Sources mix `2026.07.01(수) 11:00 ~ 2026.07.22(수) 15:00 까지`,
//! `20220727 ~ 20220930`, `2025년 7월 14일`, `상시 접수`, `예산 소진시까지`
//! and far-future sentinels such as `9999-12-31`, so the parser looks for
//! date-shaped pieces and keywords rather than one fixed format.

use chrono::{Datelike, NaiveDate, NaiveTime};
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What kind of window an announcement accepts applications in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// A start and/or end date is known.
    Range,
    /// Only the deadline is known.
    DeadlineOnly,
    /// 상시 / 수시 / 연중: no deadline.
    Always,
    /// 예산 소진시까지: open until the budget runs out.
    UntilBudgetExhausted,
    /// 사업별 상이 / 기관별 상이 / 별도 공지: differs by program or agency.
    VariesByAgency,
    /// Nothing usable was found.
    Unknown,
}

impl PeriodKind {
    const ALL: [PeriodKind; 6] = [
        PeriodKind::Range,
        PeriodKind::DeadlineOnly,
        PeriodKind::Always,
        PeriodKind::UntilBudgetExhausted,
        PeriodKind::VariesByAgency,
        PeriodKind::Unknown,
    ];

    /// Stable snake_case code, identical to the serde form.
    pub fn as_str(&self) -> &'static str {
        match self {
            PeriodKind::Range => "range",
            PeriodKind::DeadlineOnly => "deadline_only",
            PeriodKind::Always => "always",
            PeriodKind::UntilBudgetExhausted => "until_budget_exhausted",
            PeriodKind::VariesByAgency => "varies_by_agency",
            PeriodKind::Unknown => "unknown",
        }
    }

    /// Korean label for display.
    pub fn label_ko(&self) -> &'static str {
        match self {
            PeriodKind::Range => "기간 지정",
            PeriodKind::DeadlineOnly => "마감일만",
            PeriodKind::Always => "상시",
            PeriodKind::UntilBudgetExhausted => "예산 소진시까지",
            PeriodKind::VariesByAgency => "기관별 상이",
            PeriodKind::Unknown => "알 수 없음",
        }
    }

    /// Inverse of [`PeriodKind::as_str`].
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A parsed application period. `end_time` belongs to the end date only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub end_time: Option<NaiveTime>,
    pub kind: PeriodKind,
}

impl Period {
    fn unknown() -> Self {
        Period { start: None, end: None, end_time: None, kind: PeriodKind::Unknown }
    }
}

// Years at or past this mean "no deadline" (9999-12-31 and friends).
const SENTINEL_YEAR: i32 = 2100;

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          (?P<y>[0-9]{4}|[0-9]{2}) \s*(?:[./-]|년)\s* (?P<m>[0-9]{1,2}) \s*(?:[./-]|월)\s* (?P<d>[0-9]{1,2}) (?:\s*일)?
        | (?P<cy>[0-9]{4})(?P<cm>[0-9]{2})(?P<cd>[0-9]{2})(?:(?P<ch>[0-9]{2})(?P<cmi>[0-9]{2})(?:[0-9]{2})?)?
        | (?P<km>[0-9]{1,2}) \s*월\s* (?P<kd>[0-9]{1,2}) \s*일",
    )
    .expect("date pattern is valid")
});

static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
          (?:(?P<ap>오전|오후)\s*)?
          (?P<h>[0-9]{1,2}) \s*
          (?: :\s*(?P<mi>[0-9]{2})(?::[0-9]{2})? | 시(?:\s*(?P<mi2>[0-9]{1,2})\s*분)? )",
    )
    .expect("time pattern is valid")
});

/// One date-shaped piece of the input, valid or not, with where it sits.
struct Slot {
    start: usize,
    end: usize,
    date: Option<NaiveDate>,
    time: Option<NaiveTime>,
    open_ended: bool,
}

/// Parses a period string. Never panics; unparseable input gives `Unknown`.
pub fn parse(raw: &str) -> Period {
    let text = unify_tildes(raw.trim());
    let slots = find_slots(&text);
    let tilde = text.find('~');

    let (start, end) = match tilde {
        Some(t) => (slots.iter().find(|s| s.end <= t), slots.iter().find(|s| s.start > t)),
        None if slots.len() >= 2 => (slots.first(), slots.get(1)),
        None => (None, slots.first()),
    };
    let start_date = start.and_then(|s| s.date);

    if let Some(end) = end {
        if end.open_ended {
            return Period { start: start_date, end: None, end_time: None, kind: PeriodKind::Always };
        }
        if let Some(end_date) = end.date {
            let next = slots.iter().find(|s| s.start >= end.end).map_or(text.len(), |s| s.start);
            let end_time = end.time.or_else(|| find_time(&text[end.end..next]));
            let kind = if start_date.is_some() { PeriodKind::Range } else { PeriodKind::DeadlineOnly };
            return Period { start: start_date, end: Some(end_date), end_time, kind };
        }
    }

    let kind = keyword_kind(&text).or(start_date.map(|_| PeriodKind::Range)).unwrap_or(PeriodKind::Unknown);
    Period { start: start_date, kind, ..Period::unknown() }
}

/// Builds a period from separate begin/due fields (NTIS `appbegin`/`appdue`,
/// K-Startup `pbanc_rcpt_bgng_dt`/`pbanc_rcpt_end_dt`); either may be empty.
pub fn from_bounds(begin: &str, due: &str) -> Period {
    parse(&format!("{} ~ {}", begin.trim(), due.trim()))
}

/// The first valid date in `raw`, e.g. `2026-08-21`, `20260722`,
/// `20260722150000`, `2026.08.21`, `2025년 7월 14일`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    find_slots(raw).into_iter().find_map(|s| s.date)
}

/// Maps the dash-like tildes sources use (full-width, wave dash) to `~`.
fn unify_tildes(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '～' | '〜' | '∼' | '~' => '~',
            _ => c,
        })
        .collect()
}

fn keyword_kind(text: &str) -> Option<PeriodKind> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let has = |words: &[&str]| words.iter().any(|w| compact.contains(w));
    // Budget first: "상시 접수(예산 소진시 마감)" is really budget-bound.
    if has(&["소진"]) {
        Some(PeriodKind::UntilBudgetExhausted)
    } else if has(&["상시", "수시", "연중"]) {
        Some(PeriodKind::Always)
    } else if has(&["상이", "별도공지", "추후공지", "별도안내"]) {
        Some(PeriodKind::VariesByAgency)
    } else {
        None
    }
}

fn find_slots(text: &str) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for caps in DATE.captures_iter(text) {
        let Some(m) = caps.get(0) else { continue };
        // A match glued to more digits is part of some other number.
        let digit_before = text[..m.start()].chars().next_back().is_some_and(|c| c.is_ascii_digit());
        let digit_after = text[m.end()..].chars().next().is_some_and(|c| c.is_ascii_digit());
        if digit_before || digit_after {
            continue;
        }
        let prev = slots.iter().rev().find_map(|s| s.date);
        slots.push(slot_from(&caps, m.start(), m.end(), prev));
    }
    slots
}

fn slot_from(caps: &Captures, start: usize, end: usize, prev: Option<NaiveDate>) -> Slot {
    let num = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let mut time = None;
    let ymd = if let (Some(y), Some(m), Some(d)) = (num("y"), num("m"), num("d")) {
        // Two-digit years are this century: 26.07.10 is 2026.
        let y = if y < 100 { 2000 + y } else { y };
        Some((y as i32, m, d))
    } else if let (Some(y), Some(m), Some(d)) = (num("cy"), num("cm"), num("cd")) {
        time = num("ch").zip(num("cmi")).and_then(|(h, mi)| clock(h, mi));
        Some((y as i32, m, d))
    } else if let (Some(m), Some(d), Some(p)) = (num("km"), num("kd"), prev) {
        // "7월 22일" after a full date borrows its year, rolling over December.
        let same_year = NaiveDate::from_ymd_opt(p.year(), m, d);
        match same_year {
            Some(date) if date < p => Some((p.year() + 1, m, d)),
            _ => Some((p.year(), m, d)),
        }
    } else {
        None
    };
    let open_ended = ymd.is_some_and(|(y, _, _)| y >= SENTINEL_YEAR);
    let date = ymd.filter(|_| !open_ended).and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    Slot { start, end, date, time, open_ended }
}

/// The first clock time in `segment`: `15:00`, `15시`, `오후 6시`, `18시 30분`.
fn find_time(segment: &str) -> Option<NaiveTime> {
    TIME.captures_iter(segment).find_map(|caps| {
        let m = caps.get(0)?;
        if segment[..m.start()].chars().next_back().is_some_and(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut h: u32 = caps.name("h")?.as_str().parse().ok()?;
        let mi: u32 = caps.name("mi").or(caps.name("mi2")).map_or(Some(0), |m| m.as_str().parse().ok())?;
        match caps.name("ap").map(|m| m.as_str()) {
            Some("오후") if h < 12 => h += 12,
            Some("오전") if h == 12 => h = 0,
            _ => {}
        }
        clock(h, mi)
    })
}

fn clock(h: u32, mi: u32) -> Option<NaiveTime> {
    // "24:00" / "24시" means the very end of the day.
    if h == 24 && mi == 0 {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::from_hms_opt(h, mi, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    fn t(h: u32, m: u32) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(h, m, 0)
    }

    #[test]
    fn dotted_and_dashed_ranges() {
        let p = parse("2026-09-23 ~ 2026-10-08");
        assert_eq!((p.start, p.end, p.kind), (d(2026, 9, 23), d(2026, 10, 8), PeriodKind::Range));
        let p = parse("20220727 ~ 20220930");
        assert_eq!((p.start, p.end), (d(2022, 7, 27), d(2022, 9, 30)));
    }

    #[test]
    fn single_dates_are_deadlines() {
        for raw in ["2025.07.14", "26.07.10", "2025년 7월 14일", "2025. 7. 14.", "\n2025.07.14"] {
            let p = parse(raw);
            assert_eq!(p.kind, PeriodKind::DeadlineOnly, "{raw}");
            assert_eq!(p.start, None, "{raw}");
        }
        assert_eq!(parse("26.07.10").end, d(2026, 7, 10));
        assert_eq!(parse("2025. 7. 14.").end, d(2025, 7, 14));
        assert_eq!(parse("~ 2026.03.09").kind, PeriodKind::DeadlineOnly);
    }

    #[test]
    fn times_attach_to_the_end_date() {
        let p = parse("2026.07.01(수) 11:00 ~ 2026.07.22(수) 15:00 까지");
        assert_eq!(p.start, d(2026, 7, 1));
        assert_eq!(p.end, d(2026, 7, 22));
        assert_eq!(p.end_time, t(15, 0));
        assert_eq!(parse("2025.07.14 15시").end_time, t(15, 0));
        assert_eq!(parse("2025.07.14 오후 6시").end_time, t(18, 0));
        assert_eq!(parse("2025.07.14 18시 30분 까지").end_time, t(18, 30));
        assert_eq!(parse("2025.07.14 24:00").end_time, NaiveTime::from_hms_opt(23, 59, 59));
        let p = parse("20260722150000");
        assert_eq!((p.end, p.end_time), (d(2026, 7, 22), t(15, 0)));
        let p = parse("2026-07-22 15:00:00");
        assert_eq!((p.end, p.end_time), (d(2026, 7, 22), t(15, 0)));
    }

    #[test]
    fn keywords() {
        assert_eq!(parse("2026.01.01 ~ 9999.12.31").kind, PeriodKind::Always);
        assert_eq!(parse("2026.01.01 ~ 9999.12.31").start, d(2026, 1, 1));
        assert_eq!(parse("9999-12-31").end, None);
        for raw in ["상시", "상시 접수", "수시", "연중"] {
            assert_eq!(parse(raw).kind, PeriodKind::Always, "{raw}");
        }
        for raw in ["예산 소진시까지", "예산 소진 시까지", "소진시"] {
            assert_eq!(parse(raw).kind, PeriodKind::UntilBudgetExhausted, "{raw}");
        }
        for raw in ["사업별 상이", "접수기관별 상이", "기관별 상이", "별도 공지"] {
            assert_eq!(parse(raw).kind, PeriodKind::VariesByAgency, "{raw}");
        }
        let p = parse("2026.01.01 ~ 예산 소진시까지");
        assert_eq!((p.start, p.kind), (d(2026, 1, 1), PeriodKind::UntilBudgetExhausted));
    }

    #[test]
    fn odd_inputs() {
        assert_eq!(parse(""), Period::unknown());
        assert_eq!(parse("구 분"), Period::unknown());
        let p = parse("2026.03.01 ~");
        assert_eq!((p.start, p.end, p.kind), (d(2026, 3, 1), None, PeriodKind::Range));
        let p = parse("2026.03.10 ~ 2026.03.01");
        assert_eq!((p.start, p.end), (d(2026, 3, 10), d(2026, 3, 1)));
        assert_eq!(parse("2025.02.30"), Period::unknown());
        let p = parse("2025.02.01 ~ 2025.02.30");
        assert_eq!((p.start, p.end, p.kind), (d(2025, 2, 1), None, PeriodKind::Range));
        let p = parse("2025년 12월 20일부터 1월 5일까지");
        assert_eq!((p.start, p.end), (d(2025, 12, 20), d(2026, 1, 5)));
        assert_eq!(parse("2026.03.01 ～ 2026.03.31").end, d(2026, 3, 31));
    }

    #[test]
    fn bounds_and_single_dates() {
        let p = from_bounds("2026-08-21", "2026-09-21");
        assert_eq!((p.start, p.end, p.kind), (d(2026, 8, 21), d(2026, 9, 21), PeriodKind::Range));
        let p = from_bounds("20260701", "20260722150000");
        assert_eq!((p.end, p.end_time), (d(2026, 7, 22), t(15, 0)));
        assert_eq!(from_bounds("", "2026-09-21").kind, PeriodKind::DeadlineOnly);
        assert_eq!(from_bounds("", "").kind, PeriodKind::Unknown);
        assert_eq!(parse_date("2026-08-21"), d(2026, 8, 21));
        assert_eq!(parse_date("20250908"), d(2025, 9, 8));
        assert_eq!(parse_date("미정"), None);
    }

    #[test]
    fn kind_codes_round_trip() {
        for k in PeriodKind::ALL {
            assert_eq!(PeriodKind::from_code(k.as_str()), Some(k));
            let json = format!("\"{}\"", k.as_str());
            assert_eq!(serde_json::to_string(&k).ok(), Some(json));
        }
        assert_eq!(PeriodKind::from_code("nope"), None);
        assert_eq!(PeriodKind::VariesByAgency.label_ko(), "기관별 상이");
    }
}
