//! Billing metrics, computed from PostgreSQL at scrape time so that every app node reports the same
//! figures whichever process (server or worker) charged:
//! - `payments_total{status}`: `paid` (payments taken), `failed` (declined attempts), `refunded`
//!   (refunds done). Counters, since none of these rows is ever deleted;
//! - `billing_mrr_won`: monthly recurring revenue, the monthly-equivalent prices (annual ÷ 12) of the
//!   active subscriptions that will renew or are paid for now.

use chrono::{DateTime, Utc};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::plans::{self, Cycle, Plan};

/// The figures behind the metrics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Figures {
    pub paid: i64,
    pub failed: i64,
    pub refunded: i64,
    pub mrr: i64,
}

pub async fn figures<C: GenericClient>(client: &C, now: DateTime<Utc>) -> Result<Figures, tokio_postgres::Error> {
    let counts = client
        .query_typed(
            "SELECT (SELECT count(*) FROM payments),
                    (SELECT coalesce(sum(failures), 0)::bigint FROM charges),
                    (SELECT count(*) FROM refunds WHERE status = 'done')",
            &[],
        )
        .await?;
    let active = client
        .query_typed(
            "SELECT plan, cycle, count(*) FROM subscriptions
              WHERE status = 'active' AND NOT (cancel_at_period_end AND current_period_end <= $1)
              GROUP BY plan, cycle",
            &[(&now, Type::TIMESTAMPTZ)],
        )
        .await?;
    let mrr = active
        .iter()
        .filter_map(|row| {
            let (plan, cycle) = (Plan::parse(row.get(0))?, Cycle::parse(row.get(1))?);
            Some(plans::monthly_equivalent(plan, cycle) * row.get::<_, i64>(2))
        })
        .sum();
    Ok(Figures { paid: counts[0].get(0), failed: counts[0].get(1), refunded: counts[0].get(2), mrr })
}

/// Prometheus text for the figures.
pub fn render(figures: &Figures) -> String {
    format!(
        "# HELP payments_total Card payments by outcome: paid, failed (declined attempts), refunded\n\
         # TYPE payments_total counter\n\
         payments_total{{status=\"paid\"}} {}\n\
         payments_total{{status=\"failed\"}} {}\n\
         payments_total{{status=\"refunded\"}} {}\n\
         # HELP billing_mrr_won Monthly recurring revenue in won (annual plans counted as a twelfth)\n\
         # TYPE billing_mrr_won gauge\n\
         billing_mrr_won {}\n",
        figures.paid, figures.failed, figures.refunded, figures.mrr
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let text = render(&Figures { paid: 3, failed: 1, refunded: 0, mrr: 38_317 });
        assert!(text.contains("payments_total{status=\"paid\"} 3\n"));
        assert!(text.contains("# TYPE billing_mrr_won gauge\nbilling_mrr_won 38317\n"));
    }
}
