//! How pages write dates, periods and deadline badges, in Korean and in KST. Amounts use the one
//! formatting function of the catalogue, [`normalize::format_krw`] (`3억 원`, `5,000만 원`), through
//! [`amount`].

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::api::programs::ProgramItem;
use crate::catalog::model::PeriodView;
use crate::catalog::status::kst;
use crate::catalog::Status;

const WEEKDAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];

/// `2026. 11. 26.(목)`
pub fn date(d: NaiveDate) -> String {
    format!(
        "{}. {:02}. {:02}.({})",
        d.year(),
        d.month(),
        d.day(),
        WEEKDAYS[d.weekday().num_days_from_monday() as usize]
    )
}

/// `2026. 11. 26.(목) 22:05`, in KST.
pub fn datetime(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&kst());
    format!("{} {}", date(local.date_naive()), local.format("%H:%M"))
}

/// RFC 3339 in KST, for `<time datetime>` and JSON-LD.
pub fn iso(at: DateTime<Utc>) -> String {
    at.with_timezone(&kst()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// An amount in 원 as people read it: `3억 원`, `5,000만 원`.
pub fn amount(won: i64) -> String {
    normalize::format_krw(won)
}

/// The application period in words: `2026. 11. 02.(월) ~ 2026. 11. 30.(월) 18:00`, `상시`, ….
pub fn period(p: &PeriodView) -> String {
    let end = p.end.map(|end| match p.end_time {
        Some(time) => format!("{} {}", date(end), time.format("%H:%M")),
        None => date(end),
    });
    match (p.start, end) {
        (Some(start), Some(end)) => format!("{} ~ {end}", date(start)),
        (None, Some(end)) => format!("~ {end}"),
        (Some(start), None) => format!("{} ~ ({})", date(start), p.kind_label),
        (None, None) => p.kind_label.clone(),
    }
}

/// The deadline badge: its text (`D-3`, `D-day`, `마감`, `접수예정`, `상시`) and its style.
pub struct Badge {
    pub label: String,
    /// `open`, `soon` (a week or less), `closed`, `upcoming` or `none`.
    pub class: &'static str,
}

impl Badge {
    pub fn of(item: &ProgramItem) -> Badge {
        let class = match (item.status, item.days_left) {
            (Status::Closed, _) => "closed",
            (Status::Upcoming, _) => "upcoming",
            (Status::Open, Some(days)) if days <= 7 => "soon",
            (Status::Open, _) => "open",
            (Status::Unknown, _) => "none",
        };
        Badge { label: item.deadline_label.clone(), class }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};

    #[test]
    fn dates_are_korean_and_in_kst() {
        assert_eq!(date(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()), "2026. 11. 26.(목)");
        // 15:30 UTC is already the next morning in Seoul.
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 15, 30, 0).unwrap();
        assert_eq!(datetime(at), "2026. 11. 27.(금) 00:30");
        assert_eq!(iso(at), "2026-11-27T00:30:00+09:00");
    }

    #[test]
    fn amounts_read_as_people_say_them() {
        assert_eq!(amount(300_000_000), "3억 원");
        assert_eq!(amount(50_000_000), "5,000만 원");
        assert_eq!(amount(150_000_000), "1억 5,000만 원");
        assert_eq!(amount(2_000_000_000_000), "2조 원");
    }

    #[test]
    fn periods_in_words() {
        let view = |start, end, time, kind: &str, label: &str| PeriodView {
            start,
            end,
            end_time: time,
            kind: kind.into(),
            kind_label: label.into(),
        };
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day);
        assert_eq!(
            period(&view(d(11, 2), d(11, 30), NaiveTime::from_hms_opt(18, 0, 0), "range", "기간 지정")),
            "2026. 11. 02.(월) ~ 2026. 11. 30.(월) 18:00"
        );
        assert_eq!(period(&view(None, d(12, 1), None, "deadline_only", "마감일만")), "~ 2026. 12. 01.(화)");
        assert_eq!(period(&view(None, None, None, "always", "상시")), "상시");
    }
}
