//! Plans and what each one allows and costs, in one place: prices per billing cycle (VAT included),
//! seats, visible matches and feature flags. Billing (`src/billing`) charges these prices; every
//! limit a feature checks is [`limits`] of the organisation's [`entitlement`], which follows the
//! subscription's status and period (a cancelled plan lasts to the end of the paid period, a
//! past-due one for a grace period), never the plan name alone.

mod entitlement;
mod won;

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

pub use entitlement::{entitled_until, entitlement, Entitlement, Terms, PAST_DUE_GRACE_DAYS, RENEWAL_GRACE_DAYS};
pub use won::format_won;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Plan {
    Free,
    Pro,
    Team,
}

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "FREE",
            Plan::Pro => "PRO",
            Plan::Team => "TEAM",
        }
    }

    pub fn parse(s: &str) -> Option<Plan> {
        match s {
            "FREE" => Some(Plan::Free),
            "PRO" => Some(Plan::Pro),
            "TEAM" => Some(Plan::Team),
            _ => None,
        }
    }

    /// `무료`, `프로`, `팀`: the name people see on the pages.
    pub fn label_ko(self) -> &'static str {
        match self {
            Plan::Free => "무료",
            Plan::Pro => "프로",
            Plan::Team => "팀",
        }
    }

    /// Higher is more: an upgrade goes up this order.
    pub fn rank(self) -> u8 {
        match self {
            Plan::Free => 0,
            Plan::Pro => 1,
            Plan::Team => 2,
        }
    }
}

/// How often a paid plan is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    Monthly,
    Annual,
}

impl Cycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Cycle::Monthly => "monthly",
            Cycle::Annual => "annual",
        }
    }

    pub fn parse(s: &str) -> Option<Cycle> {
        match s {
            "monthly" => Some(Cycle::Monthly),
            "annual" => Some(Cycle::Annual),
            _ => None,
        }
    }

    pub fn label_ko(self) -> &'static str {
        match self {
            Cycle::Monthly => "월간",
            Cycle::Annual => "연간",
        }
    }

    pub fn months(self) -> u32 {
        match self {
            Cycle::Monthly => 1,
            Cycle::Annual => 12,
        }
    }
}

/// What a plan unlocks besides its counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Features {
    /// Mails before the deadlines of matched programs.
    pub deadline_alerts: bool,
    /// CSV/Excel export of matches.
    pub export: bool,
    /// Notes and assignments shared between members.
    pub shared_workspace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Members an organisation may have, owner included.
    pub seats: u32,
    /// Matches shown at once; `None` is all of them.
    pub visible_matches: Option<u32>,
    pub features: Features,
}

pub fn limits(plan: Plan) -> Limits {
    match plan {
        Plan::Free => Limits {
            seats: 2,
            visible_matches: Some(10),
            features: Features { deadline_alerts: false, export: false, shared_workspace: false },
        },
        Plan::Pro => Limits {
            seats: 5,
            visible_matches: None,
            features: Features { deadline_alerts: true, export: true, shared_workspace: false },
        },
        Plan::Team => Limits {
            seats: 20,
            visible_matches: None,
            features: Features { deadline_alerts: true, export: true, shared_workspace: true },
        },
    }
}

/// The price of one period in won, VAT included; FREE costs nothing and is never charged.
pub fn price(plan: Plan, cycle: Cycle) -> Option<i64> {
    match (plan, cycle) {
        (Plan::Free, _) => None,
        (Plan::Pro, Cycle::Monthly) => Some(20_900),
        (Plan::Pro, Cycle::Annual) => Some(209_000),
        (Plan::Team, Cycle::Monthly) => Some(59_000),
        (Plan::Team, Cycle::Annual) => Some(590_000),
    }
}

/// The monthly-equivalent price (annual prices over 12, rounded to the won) that MRR sums.
pub fn monthly_equivalent(plan: Plan, cycle: Cycle) -> i64 {
    price(plan, cycle).map_or(0, |p| (p + i64::from(cycle.months()) / 2) / i64::from(cycle.months()))
}

/// What the card statement and receipt say, e.g. `Connect PRO 월간`.
pub fn order_name(plan: Plan, cycle: Cycle) -> String {
    format!("Connect {} {}", plan.as_str(), cycle.label_ko())
}

/// The end of a period of `cycle` starting at `start`: the same wall-clock time in KST one month or
/// one year later (the 31st becomes the month's last day).
pub fn period_end(start: DateTime<Utc>, cycle: Cycle) -> DateTime<Utc> {
    let local = start.with_timezone(&crate::catalog::status::kst());
    local.checked_add_months(Months::new(cycle.months())).map_or(start, |end| end.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn prices_are_the_published_ones() {
        assert_eq!(price(Plan::Pro, Cycle::Monthly), Some(20_900));
        assert_eq!(price(Plan::Pro, Cycle::Annual), Some(209_000));
        assert_eq!(price(Plan::Team, Cycle::Monthly), Some(59_000));
        assert_eq!(price(Plan::Team, Cycle::Annual), Some(590_000));
        assert_eq!(price(Plan::Free, Cycle::Monthly), None);
        assert_eq!(format_won(price(Plan::Pro, Cycle::Monthly).unwrap()), "20,900원");
        // Annual is ten months' price: two months free.
        for plan in [Plan::Pro, Plan::Team] {
            assert_eq!(price(plan, Cycle::Annual), price(plan, Cycle::Monthly).map(|p| p * 10));
        }
    }

    #[test]
    fn higher_plans_allow_more() {
        assert!(limits(Plan::Free).seats < limits(Plan::Pro).seats);
        assert!(limits(Plan::Pro).seats < limits(Plan::Team).seats);
        assert_eq!(limits(Plan::Free).visible_matches, Some(10));
        assert!(limits(Plan::Team).features.shared_workspace && !limits(Plan::Pro).features.shared_workspace);
        assert!(Plan::Team.rank() > Plan::Pro.rank() && Plan::Pro.rank() > Plan::Free.rank());
    }

    #[test]
    fn monthly_equivalents() {
        assert_eq!(monthly_equivalent(Plan::Pro, Cycle::Monthly), 20_900);
        assert_eq!(monthly_equivalent(Plan::Pro, Cycle::Annual), 17_417);
        assert_eq!(monthly_equivalent(Plan::Team, Cycle::Annual), 49_167);
        assert_eq!(monthly_equivalent(Plan::Free, Cycle::Annual), 0);
        assert_eq!(order_name(Plan::Team, Cycle::Annual), "Connect TEAM 연간");
    }

    #[test]
    fn periods_follow_the_kst_calendar() {
        let kst = crate::catalog::status::kst();
        // 31 January 10:00 KST → 28 February 10:00 KST; a year from 29 February is 28 February.
        let start = kst.with_ymd_and_hms(2026, 1, 31, 10, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(period_end(start, Cycle::Monthly), kst.with_ymd_and_hms(2026, 2, 28, 10, 0, 0).unwrap());
        let leap = kst.with_ymd_and_hms(2028, 2, 29, 0, 30, 0).unwrap().with_timezone(&Utc);
        assert_eq!(period_end(leap, Cycle::Annual), kst.with_ymd_and_hms(2029, 2, 28, 0, 30, 0).unwrap());
        // 1 March 00:30 KST is still 28 February in UTC: the month is counted in KST.
        let march = kst.with_ymd_and_hms(2026, 3, 1, 0, 30, 0).unwrap().with_timezone(&Utc);
        assert_eq!(period_end(march, Cycle::Monthly), kst.with_ymd_and_hms(2026, 4, 1, 0, 30, 0).unwrap());
    }
}
