//! [`Scheduler`]: cron entries evaluated in KST (Asia/Seoul, UTC+9, no daylight saving), each
//! tick fired exactly once across any number of scheduler processes.
//!
//! Every scheduler computes the same ticks; for each it runs one Lua call that does
//! `SET {prefix}:cron:{name}:{tick unix seconds} NX PX tick_ttl` and, only if that SET won,
//! enqueues the entry's job. A scheduler whose clock lags (or that retried after a Redis error)
//! finds the key set and does nothing. A tick is retried on Redis errors until it is `catch_up`
//! old; ticks from before the scheduler started are never fired.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Offset, Utc};

use crate::{scripts, Error, JobId, JobSpec, Queue, Result};

/// The zone cron expressions are evaluated in: KST, UTC+9 all year.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| Utc.fix())
}

/// One cron entry.
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    schedule: cron::Schedule,
    queue: String,
    job: JobSpec,
}

/// Enqueues jobs on cron schedules. Build with [`Scheduler::new`] and [`Scheduler::add`], run
/// with [`Scheduler::run`] in every process that may schedule (they agree on who fires).
pub struct Scheduler {
    queue: Queue,
    entries: Vec<Entry>,
    tick_ttl: Duration,
    catch_up: Duration,
}

impl Scheduler {
    /// A scheduler without entries; tick keys live 1 h, a tick is retried for up to 60 s.
    pub fn new(queue: Queue) -> Self {
        Self { queue, entries: Vec::new(), tick_ttl: Duration::from_secs(3600), catch_up: Duration::from_secs(60) }
    }

    /// Adds an entry: `expr` in the `cron` crate's syntax, with seconds
    /// (`sec min hour day-of-month month day-of-week [year]`, e.g. `0 0 9 * * Mon-Fri` for 09:00
    /// KST on weekdays). `name` must be unique and stable: it names the tick keys. The job's
    /// `run_at` is ignored.
    pub fn add(mut self, name: &str, expr: &str, queue: &str, job: JobSpec) -> Result<Self> {
        let schedule =
            cron::Schedule::from_str(expr).map_err(|e| Error::Cron { expr: expr.to_owned(), reason: e.to_string() })?;
        self.queue.keys(queue)?;
        if name.is_empty() || self.entries.iter().any(|e| e.name == name) {
            return Err(Error::Invalid(format!("cron entry name {name:?}")));
        }
        self.entries.push(Entry { name: name.to_owned(), schedule, queue: queue.to_owned(), job });
        Ok(self)
    }

    /// How long a tick key is kept (must exceed any clock skew between schedulers).
    pub fn tick_ttl(mut self, ttl: Duration) -> Self {
        self.tick_ttl = ttl;
        self
    }

    /// How long a tick that could not be fired (Redis down) is still retried.
    pub fn catch_up(mut self, d: Duration) -> Self {
        self.catch_up = d;
        self
    }

    /// Fires the tick `tick` of entry `name`: enqueues its job unless some scheduler already
    /// fired this tick. `Some(id)` if this call fired it.
    pub async fn fire(&self, name: &str, tick: DateTime<FixedOffset>) -> Result<Option<JobId>> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| Error::Invalid(format!("no cron entry {name:?}")))?;
        self.fire_entry(entry, tick).await
    }

    async fn fire_entry(&self, entry: &Entry, tick: DateTime<FixedOffset>) -> Result<Option<JobId>> {
        let keys = self.queue.keys(&entry.queue)?;
        let idem = entry.job.idempotency_key.clone().unwrap_or_default();
        let id = JobId::random();
        let px = u64::try_from(self.tick_ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let reply: Option<(String, i64)> = scripts::CRON_FIRE
            .key(self.queue.cron_key(&entry.name, tick.timestamp()))
            .key(&keys.stream)
            .key(&keys.delayed)
            .key(format!("{}{idem}", keys.idem_prefix))
            .arg(px)
            .arg(&keys.job_prefix)
            .arg(id.as_str())
            .arg(&entry.job.kind)
            .arg(serde_json::to_string(&entry.job.payload)?)
            .arg(entry.job.max_attempts.max(1))
            .arg(idem)
            .invoke_async(&mut self.queue.conn())
            .await?;
        Ok(reply.map(|(id, _)| JobId::from(id)))
    }

    /// Fires ticks as they come until `shutdown` completes. Returns an error only if there is
    /// nothing valid to run; Redis errors are logged and the tick retried.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        tokio::pin!(shutdown);
        let zone = kst();
        let start = Utc::now().with_timezone(&zone);
        let mut next: Vec<Option<DateTime<FixedOffset>>> =
            self.entries.iter().map(|e| e.schedule.after(&start).next()).collect();
        loop {
            let Some((i, tick)) =
                next.iter().enumerate().filter_map(|(i, t)| t.map(|t| (i, t))).min_by_key(|(_, t)| *t)
            else {
                shutdown.await;
                return Ok(());
            };
            let wait = (tick - Utc::now().with_timezone(&zone)).to_std().unwrap_or(Duration::ZERO);
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
            let Some(entry) = self.entries.get(i) else {
                return Ok(());
            };
            let mut delay = Duration::from_millis(100);
            loop {
                match self.fire_entry(entry, tick).await {
                    Ok(Some(id)) => {
                        tracing::info!(cron = %entry.name, %tick, job = %id, "cron tick fired");
                        break;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let age = (Utc::now().with_timezone(&zone) - tick).to_std().unwrap_or(Duration::ZERO);
                        if age > self.catch_up {
                            tracing::error!(cron = %entry.name, %tick, error = %e, "cron tick skipped: Redis unreachable");
                            break;
                        }
                        tracing::warn!(cron = %entry.name, %tick, error = %e, "cron tick failed, retrying");
                        tokio::select! {
                            () = &mut shutdown => return Ok(()),
                            () = tokio::time::sleep(delay) => {}
                        }
                        delay = (delay * 2).min(Duration::from_secs(2));
                    }
                }
            }
            // The next tick after this one, skipping those already too old to fire.
            let floor = Utc::now().with_timezone(&zone) - chrono::Duration::from_std(self.catch_up).unwrap_or_default();
            let from = if tick < floor { floor } else { tick };
            if let Some(slot) = next.get_mut(i) {
                *slot = entry.schedule.after(&from).next();
            }
        }
    }
}
