//! The worker's jobs for people, on the `notify` queue: `reminders` once every KST morning (09:00),
//! `digest` every Monday at 09:00 KST, `deliver` every minute, and `rematch` (keeping stored
//! matches current) every minute. All are idempotent: reminders and digests by their keys,
//! delivery by claims, matching by its events and cursor.

use std::sync::Arc;

use deadpool_postgres::Pool;
use queue::{Handler, Job, JobError, JobSpec, Scheduler};

use crate::accounts::Accounts;
use crate::catalog::Clock;

pub const NOTIFY_QUEUE: &str = "notify";

#[derive(Clone)]
pub struct NotifyJobs {
    pub db: Pool,
    pub accounts: Arc<Accounts>,
}

/// The cron entries of the notification jobs (KST).
pub fn schedule(scheduler: Scheduler) -> anyhow::Result<Scheduler> {
    let job = |kind: &str| {
        JobSpec::new(kind, serde_json::json!({})).idempotency_key(format!("notify:{kind}")).max_attempts(3)
    };
    let scheduler = scheduler.add("notify-reminders", "0 0 9 * * *", NOTIFY_QUEUE, job("reminders"))?;
    let scheduler = scheduler.add("notify-digest", "0 0 9 * * Mon", NOTIFY_QUEUE, job("digest"))?;
    let scheduler = scheduler.add("notify-deliver", "0 * * * * *", NOTIFY_QUEUE, job("deliver"))?;
    Ok(scheduler.add("matching-rematch", "30 * * * * *", NOTIFY_QUEUE, job("rematch"))?)
}

impl Handler for NotifyJobs {
    async fn handle(&self, job: Job) -> Result<(), JobError> {
        let retry = |e: anyhow::Error| JobError::Retry(format!("{e:#}"));
        match job.kind.as_str() {
            "reminders" => {
                let client = self.db.get().await.map_err(|e| retry(e.into()))?;
                let created = super::reminders::queue_deadlines(&**client, Clock::now().today())
                    .await
                    .map_err(|e| retry(e.into()))?;
                tracing::info!(created, "deadline reminders queued");
                drop(client);
                self.deliver().await.map_err(retry)
            }
            "digest" => {
                let client = self.db.get().await.map_err(|e| retry(e.into()))?;
                let config = &self.accounts.config;
                let created = super::digest::queue_digests(&**client, chrono::Utc::now(), |p| config.link(p))
                    .await
                    .map_err(|e| retry(e.into()))?;
                tracing::info!(created, "weekly digests queued");
                drop(client);
                self.deliver().await.map_err(retry)
            }
            "deliver" => self.deliver().await.map_err(retry),
            "rematch" => {
                let today = Clock::now().today();
                let done = crate::matching::jobs::rematch_pending(&self.db, today).await.map_err(retry)?;
                if done != Default::default() {
                    tracing::info!(?done, "matches updated");
                }
                // New-match alerts go out with this run rather than a minute later.
                self.deliver().await.map_err(retry)
            }
            other => Err(JobError::Fatal(format!("unknown notify job {other}"))),
        }
    }
}

impl NotifyJobs {
    /// What `connect worker` needs to notify: the database and the mail settings of `config`.
    pub fn for_worker(config: &crate::config::Config) -> anyhow::Result<Self> {
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let cache = crate::redis_store::connect(&config.redis.cache_url, std::time::Duration::from_millis(300))?;
        Ok(NotifyJobs {
            db: crate::db::pool(&config.database)?,
            accounts: Arc::new(Accounts::new(
                config.accounts.clone(),
                &config.secrets,
                cache,
                &config.redis.key_prefix,
                metrics,
            )?),
        })
    }

    async fn deliver(&self) -> anyhow::Result<()> {
        loop {
            let delivery = super::deliver::send_pending(&self.db, &self.accounts, 50).await?;
            if delivery.sent + delivery.failed > 0 {
                tracing::info!(sent = delivery.sent, failed = delivery.failed, "notification mails");
            }
            if delivery.sent + delivery.failed < 50 {
                return Ok(());
            }
        }
    }
}
