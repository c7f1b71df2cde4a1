//! A program's status is computed at read time in KST from its parsed period, never stored: a stored
//! "open" would be wrong the minute after the deadline.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use normalize::period::{Period, PeriodKind};
use serde::Serialize;

/// Korea has kept UTC+9 without daylight saving since 1988.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// "Now" for one request, in KST, taken once so that every program in a response is judged alike.
/// The local date and time are computed once here: a search judges 100,000 programs against them.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    local: NaiveDateTime,
}

impl Clock {
    pub fn now() -> Self {
        Self::at(Utc::now().with_timezone(&kst()))
    }

    pub fn at(now: DateTime<FixedOffset>) -> Self {
        Clock { local: now.naive_local() }
    }

    pub fn today(&self) -> NaiveDate {
        self.local.date()
    }

    /// Minutes since the epoch, in KST: statuses can change only when this does.
    pub fn minute(&self) -> i64 {
        self.local.and_utc().timestamp().div_euclid(60)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 접수중
    Open,
    /// 접수예정
    Upcoming,
    /// 마감
    Closed,
    /// 기간 미상 (기관별 상이 등)
    Unknown,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Open, Status::Upcoming, Status::Closed, Status::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Upcoming => "upcoming",
            Status::Closed => "closed",
            Status::Unknown => "unknown",
        }
    }

    pub fn label_ko(self) -> &'static str {
        match self {
            Status::Open => "접수중",
            Status::Upcoming => "접수예정",
            Status::Closed => "마감",
            Status::Unknown => "기간 미상",
        }
    }

    pub fn of(period: &Period, clock: &Clock) -> Status {
        Timing::of(period).status(clock)
    }
}

/// Whole days from today (KST) to the deadline: 0 on the last day, negative once past. `None` when
/// the program publishes no end date.
pub fn days_left(period: &Period, clock: &Clock) -> Option<i64> {
    Timing::of(period).days_left(clock)
}

/// The parts of a period that decide its status, computed once per program so that judging a whole
/// catalogue against one [`Clock`] is a few comparisons per program.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub start: Option<NaiveDate>,
    /// The last moment to apply, in KST: the end date at its end time, or at 23:59:59.
    pub deadline: Option<NaiveDateTime>,
    pub kind: PeriodKind,
}

impl Timing {
    pub fn of(period: &Period) -> Timing {
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default();
        Timing {
            start: period.start,
            deadline: period.end.map(|end| end.and_time(period.end_time.unwrap_or(end_of_day))),
            kind: period.kind,
        }
    }

    pub fn status(&self, clock: &Clock) -> Status {
        if self.start.is_some_and(|start| start > clock.today()) {
            return Status::Upcoming;
        }
        if let Some(deadline) = self.deadline {
            return if clock.local > deadline { Status::Closed } else { Status::Open };
        }
        match self.kind {
            PeriodKind::Always | PeriodKind::UntilBudgetExhausted => Status::Open,
            PeriodKind::Range if self.start.is_some() => Status::Open,
            _ => Status::Unknown,
        }
    }

    pub fn days_left(&self, clock: &Clock) -> Option<i64> {
        self.deadline.map(|deadline| (deadline.date() - clock.today()).num_days())
    }

    pub fn end(&self) -> Option<NaiveDate> {
        self.deadline.map(|d| d.date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn clock(y: i32, m: u32, d: u32, h: u32, min: u32) -> Clock {
        Clock::at(kst().with_ymd_and_hms(y, m, d, h, min, 0).unwrap())
    }

    fn period(
        start: Option<(i32, u32, u32)>,
        end: Option<(i32, u32, u32)>,
        end_time: Option<(u32, u32)>,
        kind: PeriodKind,
    ) -> Period {
        let date = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        Period {
            start: start.map(date),
            end: end.map(date),
            end_time: end_time.map(|(h, m)| NaiveTime::from_hms_opt(h, m, 0).unwrap()),
            kind,
        }
    }

    #[test]
    fn the_deadline_hour_is_respected_in_kst() {
        let p = period(Some((2026, 7, 1)), Some((2026, 7, 22)), Some((15, 0)), PeriodKind::Range);
        assert_eq!(Status::of(&p, &clock(2026, 7, 22, 14, 59)), Status::Open);
        assert_eq!(Status::of(&p, &clock(2026, 7, 22, 15, 1)), Status::Closed);
        assert_eq!(Status::of(&p, &clock(2026, 6, 30, 23, 0)), Status::Upcoming);
        assert_eq!(days_left(&p, &clock(2026, 7, 20, 9, 0)), Some(2));
    }

    #[test]
    fn a_deadline_without_time_lasts_the_whole_day() {
        let p = period(None, Some((2026, 7, 22)), None, PeriodKind::DeadlineOnly);
        assert_eq!(Status::of(&p, &clock(2026, 7, 22, 23, 58)), Status::Open);
        assert_eq!(Status::of(&p, &clock(2026, 7, 23, 0, 0)), Status::Closed);
    }

    #[test]
    fn standing_and_unknown_periods() {
        assert_eq!(Status::of(&period(None, None, None, PeriodKind::Always), &clock(2030, 1, 1, 0, 0)), Status::Open);
        assert_eq!(
            Status::of(&period(None, None, None, PeriodKind::UntilBudgetExhausted), &clock(2030, 1, 1, 0, 0)),
            Status::Open
        );
        assert_eq!(
            Status::of(&period(None, None, None, PeriodKind::VariesByAgency), &clock(2030, 1, 1, 0, 0)),
            Status::Unknown
        );
        assert_eq!(
            Status::of(&period(None, None, None, PeriodKind::Unknown), &clock(2030, 1, 1, 0, 0)),
            Status::Unknown
        );
    }
}
