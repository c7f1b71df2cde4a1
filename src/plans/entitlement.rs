//! Which plan an organisation may use right now: computed at read time from its subscription's
//! status and period, like a program's status, so it is right the minute a period ends whether or not
//! a worker has run since.
//!
//! - `active`: the plan until the end of the paid period; when the subscription renews, for up to
//!   [`RENEWAL_GRACE_DAYS`] more while the renewal charge is retried (after 1, 3 and 7 days).
//! - `active` and cancelled: the plan until the end of the paid period, then FREE.
//! - `past_due` (every retry failed): the plan for [`PAST_DUE_GRACE_DAYS`] after that, then FREE.
//! - anything else, or no subscription: FREE.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::{limits, Limits, Plan};
use crate::billing::Status;

/// How long a renewing plan stays usable after its period while the charge is retried.
pub const RENEWAL_GRACE_DAYS: i64 = 8;
/// How long a past-due plan stays usable after the last retry failed.
pub const PAST_DUE_GRACE_DAYS: i64 = 7;

/// The facts of a subscription the entitlement depends on.
#[derive(Debug, Clone)]
pub struct Terms {
    pub plan: Plan,
    pub status: Status,
    pub period_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
    pub past_due_since: Option<DateTime<Utc>>,
}

/// Until when the subscription's plan may be used (exclusive); `None` when it gives nothing.
pub fn entitled_until(terms: &Terms) -> Option<DateTime<Utc>> {
    match terms.status {
        Status::Active if terms.cancel_at_period_end => terms.period_end,
        Status::Active => terms.period_end.map(|end| end + Duration::days(RENEWAL_GRACE_DAYS)),
        Status::PastDue => terms.past_due_since.map(|since| since + Duration::days(PAST_DUE_GRACE_DAYS)),
        Status::Incomplete | Status::Canceled | Status::Expired => None,
    }
}

/// What an organisation may use now.
#[derive(Debug, Clone, Serialize)]
pub struct Entitlement {
    pub plan: Plan,
    pub limits: Limits,
    /// The live subscription's status, if there is one.
    pub subscription_status: Option<Status>,
    /// The end of the paid period of the live subscription.
    pub period_end: Option<DateTime<Utc>>,
    /// When the plan stops applying if nothing else happens (cancelled: the period's end;
    /// past due: the end of the grace period).
    pub until: Option<DateTime<Utc>>,
}

impl Entitlement {
    fn free() -> Self {
        Entitlement {
            plan: Plan::Free,
            limits: limits(Plan::Free),
            subscription_status: None,
            period_end: None,
            until: None,
        }
    }

    /// The entitlement `terms` give at `now`.
    pub fn of(terms: &Terms, now: DateTime<Utc>) -> Self {
        let until = entitled_until(terms).filter(|until| now < *until);
        let plan = if until.is_some() { terms.plan } else { Plan::Free };
        Entitlement {
            plan,
            limits: limits(plan),
            subscription_status: Some(terms.status),
            period_end: terms.period_end,
            until: until.filter(|_| terms.cancel_at_period_end || terms.status == Status::PastDue),
        }
    }
}

/// The organisation's entitlement at `now`: the one way every feature learns its plan.
pub async fn entitlement<C: GenericClient>(
    client: &C,
    organization_id: i64,
    now: DateTime<Utc>,
) -> Result<Entitlement, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT plan, status, current_period_end, cancel_at_period_end, past_due_since
               FROM subscriptions WHERE organization_id = $1 AND status IN ('active', 'past_due')",
            &[(&organization_id, Type::INT8)],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(Entitlement::free());
    };
    let (Some(plan), Some(status)) = (Plan::parse(row.get(0)), Status::parse(row.get(1))) else {
        return Ok(Entitlement::free());
    };
    let terms =
        Terms { plan, status, period_end: row.get(2), cancel_at_period_end: row.get(3), past_due_since: row.get(4) };
    Ok(Entitlement::of(&terms, now))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, day, hour, 0, 0).unwrap()
    }

    fn terms(status: Status) -> Terms {
        Terms {
            plan: Plan::Pro,
            status,
            period_end: Some(at(10, 0)),
            cancel_at_period_end: false,
            past_due_since: None,
        }
    }

    #[test]
    fn a_cancelled_plan_lasts_to_the_end_of_the_period() {
        let cancelled = Terms { cancel_at_period_end: true, ..terms(Status::Active) };
        assert_eq!(Entitlement::of(&cancelled, at(9, 23)).plan, Plan::Pro);
        assert_eq!(Entitlement::of(&cancelled, at(9, 23)).until, Some(at(10, 0)));
        assert_eq!(Entitlement::of(&cancelled, at(10, 0)).plan, Plan::Free);
        assert_eq!(Entitlement::of(&cancelled, at(10, 0)).limits.seats, limits(Plan::Free).seats);
    }

    #[test]
    fn a_renewal_being_retried_keeps_the_plan_for_a_while() {
        let renewing = terms(Status::Active);
        assert_eq!(Entitlement::of(&renewing, at(17, 0)).plan, Plan::Pro);
        assert_eq!(Entitlement::of(&renewing, at(17, 0)).until, None, "no end is announced while renewing");
        assert_eq!(Entitlement::of(&renewing, at(18, 0)).plan, Plan::Free);
    }

    #[test]
    fn past_due_has_a_grace_period() {
        let past_due = Terms { past_due_since: Some(at(17, 0)), ..terms(Status::PastDue) };
        assert_eq!(Entitlement::of(&past_due, at(23, 23)).plan, Plan::Pro);
        assert_eq!(Entitlement::of(&past_due, at(24, 0)).plan, Plan::Free);
        for ended in [Status::Incomplete, Status::Canceled, Status::Expired] {
            assert_eq!(Entitlement::of(&terms(ended), at(1, 0)).plan, Plan::Free, "{ended:?}");
        }
    }
}
