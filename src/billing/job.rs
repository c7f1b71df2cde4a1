//! Billing in `connect worker`: a cron entry (every 10 minutes, KST; fired once across all workers)
//! enqueues one `billing.run` job on the `billing` queue, and a worker runs [`super::renewal::run`].
//! Overlapping runs are harmless (see `renewal`). Off when `TOSS_CLIENT_KEY`/`TOSS_SECRET_KEY` are
//! unset.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Pool;
use queue::{Handler, Job, JobError, JobSpec, Scheduler, Worker};

use super::Billing;
use crate::config::{AccountsConfig, BillingConfig, DatabaseConfig, RedisConfig, Secrets, Source};

pub const BILLING_QUEUE: &str = "billing";
/// Every 10 minutes: renewals are due at the end of a period, retries at its day.
pub const SCHEDULE: &str = "0 */10 * * * *";

/// The job a tick enqueues; its idempotency key keeps one in the queue at a time.
pub fn billing_job() -> JobSpec {
    JobSpec::new("billing.run", serde_json::json!({})).idempotency_key("billing:run").max_attempts(2)
}

/// Runs billing jobs.
#[derive(Clone)]
pub struct BillingJobs {
    pub billing: Arc<Billing>,
    pub db: Pool,
}

impl Handler for BillingJobs {
    async fn handle(&self, job: Job) -> Result<(), JobError> {
        if job.kind != "billing.run" {
            return Err(JobError::Fatal(format!("unknown job kind {}", job.kind)));
        }
        super::renewal::run(&self.billing, &self.db, chrono::Utc::now())
            .await
            .map(|_| ())
            .map_err(|e| JobError::Retry(format!("{e:#}")))
    }
}

/// Runs the billing schedule and its jobs until `stop` is set; returns at once when billing is not
/// configured.
pub async fn run(
    source: &Source,
    database: &DatabaseConfig,
    redis: &RedisConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let Some(config) = BillingConfig::from_source(source)? else {
        tracing::info!("TOSS_CLIENT_KEY/TOSS_SECRET_KEY not set: no billing jobs in this worker");
        return Ok(());
    };
    let accounts = AccountsConfig::from_source(source)?;
    let mailer = crate::accounts::mails::mailer(&accounts)?;
    let billing = Arc::new(Billing::new(&config, &Secrets::from_source(source)?, &accounts, mailer)?);
    let jobs = BillingJobs { billing, db: crate::db::pool(database)? };
    let (queue, reader) = crate::ingest::worker::connect(redis).await?;
    let scheduler = Scheduler::new(queue.clone()).add("billing-run", SCHEDULE, BILLING_QUEUE, billing_job())?;
    let worker = Worker::new(queue, reader).concurrency(1).visibility_timeout(Duration::from_secs(600));
    let mut stop_scheduler = stop.clone();
    let (worked, scheduled) = tokio::join!(
        worker.run(BILLING_QUEUE, jobs, async move {
            let _ = stop.wait_for(|s| *s).await;
        }),
        scheduler.run(async move {
            let _ = stop_scheduler.wait_for(|s| *s).await;
        })
    );
    worked?;
    scheduled?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    #[test]
    fn the_schedule_fires_every_ten_minutes() {
        let schedule = cron::Schedule::from_str(super::SCHEDULE).unwrap();
        let start = chrono::DateTime::parse_from_rfc3339("2026-05-01T09:03:00+09:00").unwrap();
        let ticks: Vec<String> = schedule.after(&start).take(2).map(|t| t.format("%H:%M:%S").to_string()).collect();
        assert_eq!(ticks, ["09:10:00", "09:20:00"]);
        assert_eq!(super::billing_job().idempotency_key.as_deref(), Some("billing:run"));
    }
}
