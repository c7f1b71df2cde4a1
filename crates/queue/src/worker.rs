//! [`Worker`]: reads a queue's stream with a consumer group, runs the [`Handler`] under a
//! per-queue concurrency limit, keeps running jobs claimed, reclaims the jobs of dead workers,
//! moves due delayed jobs, and retries or dead-letters failures.
//!
//! The run loop never ends on a Redis error: it logs, backs off (100 ms doubling to 5 s) and goes
//! on while the [`ConnectionManager`] reconnects.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::queue::{field_u32, Keys};
use crate::{scripts, Job, JobError, JobId, Queue, Result, GROUP};

/// Runs jobs. Implemented for every `Fn(Job) -> impl Future<Output = Result<(), JobError>>`.
///
/// A handler may run more than once for a job (at-least-once delivery); make it idempotent.
/// A panic counts as [`JobError::Retry`].
pub trait Handler: Send + Sync + 'static {
    /// Runs one job.
    fn handle(&self, job: Job) -> impl Future<Output = Result<(), JobError>> + Send;
}

impl<F, Fut> Handler for F
where
    F: Fn(Job) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send,
{
    fn handle(&self, job: Job) -> impl Future<Output = Result<(), JobError>> + Send {
        self(job)
    }
}

/// Counters a worker keeps; the app reads them (e.g. into Prometheus) with [`Metrics::snapshot`].
#[derive(Debug, Default)]
pub struct Metrics {
    /// Handlers that returned `Ok` (and whose job was acknowledged).
    pub jobs_completed: AtomicU64,
    /// Handler runs that failed (`Retry`, `Fatal` or panic).
    pub jobs_failed: AtomicU64,
    /// Jobs this worker dead-lettered.
    pub jobs_dead: AtomicU64,
    /// Jobs this worker scheduled for a retry.
    pub jobs_retried: AtomicU64,
    /// Entries this worker took over from another (dead or stalled) consumer.
    pub jobs_reclaimed: AtomicU64,
    /// Redis errors the loops saw (each followed by a backoff).
    pub redis_errors: AtomicU64,
}

/// A copy of [`Metrics`] at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// See [`Metrics::jobs_completed`].
    pub jobs_completed: u64,
    /// See [`Metrics::jobs_failed`].
    pub jobs_failed: u64,
    /// See [`Metrics::jobs_dead`].
    pub jobs_dead: u64,
    /// See [`Metrics::jobs_retried`].
    pub jobs_retried: u64,
    /// See [`Metrics::jobs_reclaimed`].
    pub jobs_reclaimed: u64,
    /// See [`Metrics::redis_errors`].
    pub redis_errors: u64,
}

impl Metrics {
    /// Reads every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            jobs_completed: self.jobs_completed.load(Ordering::Relaxed),
            jobs_failed: self.jobs_failed.load(Ordering::Relaxed),
            jobs_dead: self.jobs_dead.load(Ordering::Relaxed),
            jobs_retried: self.jobs_retried.load(Ordering::Relaxed),
            jobs_reclaimed: self.jobs_reclaimed.load(Ordering::Relaxed),
            redis_errors: self.redis_errors.load(Ordering::Relaxed),
        }
    }
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Retry delay: `min(base * 2^(attempt-1), cap)` ± 20 % jitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failed attempt.
    pub base: Duration,
    /// Largest delay before jitter.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { base: Duration::from_secs(1), cap: Duration::from_secs(600) }
    }
}

impl Backoff {
    /// Delay after failed attempt `attempt` (from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let raw = self.base.saturating_mul(1u32 << exp).min(self.cap);
        let jitter = rand::random_range(0.8..=1.2);
        Duration::try_from_secs_f64(raw.as_secs_f64() * jitter).unwrap_or(raw)
    }
}

/// Settings of a [`Worker`].
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Consumer name; unique per process (default `hostname-pid-random`).
    pub name: String,
    /// Handlers running at once on this queue (≥ 1).
    pub concurrency: usize,
    /// A delivered job not heartbeated for this long is taken by another worker.
    pub visibility_timeout: Duration,
    /// `XREADGROUP BLOCK` time; also the longest delay before a shutdown is noticed while idle.
    /// Must stay below the reader connection's response timeout (see [`connect`]).
    pub block_interval: Duration,
    /// How often the reclaimer scans for the jobs of dead workers.
    pub reclaim_interval: Duration,
    /// How often due delayed jobs and retries are moved to the stream.
    pub mover_interval: Duration,
    /// On shutdown, how long running handlers may still finish; the rest stay pending and
    /// are reclaimed by another worker after the visibility timeout.
    pub shutdown_timeout: Duration,
    /// Retry delays.
    pub backoff: Backoff,
    /// Consumers (workers of past processes) idle this long with no pending job are removed
    /// from the group, checked every 5 minutes. Live workers touch the group every block
    /// interval, so this only has to exceed it by far.
    pub prune_idle: Duration,
}

const PRUNE_EVERY: Duration = Duration::from_secs(300);

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            name: default_name(),
            concurrency: 4,
            visibility_timeout: Duration::from_secs(60),
            block_interval: Duration::from_secs(1),
            reclaim_interval: Duration::from_secs(5),
            mover_interval: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(30),
            backoff: Backoff::default(),
            prune_idle: Duration::from_secs(3600),
        }
    }
}

fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let rand = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &rand[..8])
}

/// Two connection managers for `client`: one for commands, one for the worker's blocking
/// `XREADGROUP` (a blocking command on a multiplexed connection would stall every other command
/// behind it), with a response timeout of `block + 5 s` so that the block does not time out.
/// Both reconnect by themselves after Redis restarts.
pub async fn connect(client: &redis::Client, block: Duration) -> Result<(ConnectionManager, ConnectionManager)> {
    let base = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_max_delay(Duration::from_secs(2))
        .set_number_of_retries(3);
    let cmd = client
        .get_connection_manager_with_config(base.clone().set_response_timeout(Some(Duration::from_secs(5))))
        .await?;
    let reader = client
        .get_connection_manager_with_config(base.set_response_timeout(Some(block + Duration::from_secs(5))))
        .await?;
    Ok((cmd, reader))
}

/// Processes one queue. Build with [`Worker::new`], adjust with the setters, start with
/// [`Worker::run`].
pub struct Worker {
    queue: Queue,
    reader: ConnectionManager,
    config: WorkerConfig,
    metrics: Arc<Metrics>,
}

impl Worker {
    /// A worker on `queue` with default settings. `reader` must be a connection of its own,
    /// used only for `XREADGROUP BLOCK`, whose response timeout exceeds the block interval
    /// (see [`connect`]).
    pub fn new(queue: Queue, reader: ConnectionManager) -> Self {
        Self { queue, reader, config: WorkerConfig::default(), metrics: Arc::default() }
    }

    /// Replaces every setting.
    pub fn config(mut self, config: WorkerConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the consumer name (must be unique among live workers).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = name.into();
        self
    }

    /// Sets the concurrency.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.config.concurrency = n.max(1);
        self
    }

    /// Sets the visibility timeout.
    pub fn visibility_timeout(mut self, t: Duration) -> Self {
        self.config.visibility_timeout = t;
        self
    }

    /// Sets the retry backoff.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.config.backoff = Backoff { base, cap };
        self
    }

    /// The settings.
    pub fn settings(&self) -> &WorkerConfig {
        &self.config
    }

    /// The counters, shared with the running worker.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Runs jobs of `queue` with `handler` until `shutdown` completes, then stops reading, waits
    /// up to `shutdown_timeout` for running handlers, and returns. Returns an error only for an
    /// invalid queue name; Redis errors are logged and waited out.
    pub async fn run<H: Handler>(self, queue: &str, handler: H, shutdown: impl Future<Output = ()>) -> Result<()> {
        let keys = self.queue.keys(queue)?;
        let Worker { queue: q, mut reader, config, metrics } = self;
        let ctx = Arc::new(Ctx { queue: q, queue_name: queue.to_owned(), keys, config, metrics });
        let handler = Arc::new(handler);
        let sem = Arc::new(Semaphore::new(ctx.config.concurrency.max(1)));
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mover = AbortOnDrop(tokio::spawn(mover_loop(ctx.clone())));
        tokio::pin!(shutdown);

        let mut errors = ErrBackoff::default();
        let mut group_ready = false;
        let mut next_reclaim = Instant::now();
        let mut cursor = "0-0".to_owned();
        let mut next_prune = Instant::now();
        loop {
            while tasks.try_join_next().is_some() {}
            if (&mut shutdown).now_or_never().is_some() {
                break;
            }
            if !group_ready {
                match ctx.queue.ensure_group(&ctx.queue_name).await {
                    Ok(()) => group_ready = true,
                    Err(e) => {
                        ctx.redis_error("creating the consumer group", &e);
                        if errors.wait(&mut shutdown).await {
                            break;
                        }
                        continue;
                    }
                }
            }
            let permit = tokio::select! {
                biased;
                () = &mut shutdown => break,
                p = sem.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
            };

            if Instant::now() >= next_reclaim {
                match ctx.reclaim(&cursor).await {
                    Ok((next, entry)) => {
                        errors.reset();
                        if next == "0-0" {
                            next_reclaim = Instant::now() + ctx.config.reclaim_interval;
                        }
                        let pass_done = next == "0-0";
                        cursor = next;
                        if let Some(entry) = entry {
                            inc(&ctx.metrics.jobs_reclaimed);
                            tasks.spawn(process(ctx.clone(), handler.clone(), entry, permit));
                            continue;
                        }
                        if !pass_done {
                            // Scan on through the pending list before blocking on new jobs.
                            drop(permit);
                            continue;
                        }
                        if Instant::now() >= next_prune {
                            next_prune = Instant::now() + PRUNE_EVERY;
                            match ctx.prune_consumers().await {
                                Ok(0) => {}
                                Ok(n) => {
                                    tracing::info!(queue = %ctx.queue_name, removed = n, "removed idle consumers without pending jobs")
                                }
                                Err(e) => ctx.redis_error("pruning consumers", &e),
                            }
                        }
                    }
                    Err(e) => {
                        drop(permit);
                        if is_nogroup(&e) {
                            group_ready = false;
                        }
                        ctx.redis_error("reclaiming", &e);
                        if errors.wait(&mut shutdown).await {
                            break;
                        }
                        continue;
                    }
                }
            }

            // Not cancelled by the shutdown: an entry read is an entry this worker must run.
            match read(&mut reader, &ctx, ctx.config.block_interval).await {
                Ok(Some(entry)) => {
                    errors.reset();
                    tasks.spawn(process(ctx.clone(), handler.clone(), entry, permit));
                }
                Ok(None) => errors.reset(),
                Err(e) => {
                    drop(permit);
                    if is_nogroup(&e) {
                        group_ready = false;
                    }
                    ctx.redis_error("reading", &e);
                    if errors.wait(&mut shutdown).await {
                        break;
                    }
                }
            }
        }

        drop(mover);
        let drain = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(ctx.config.shutdown_timeout, drain).await.is_err() {
            tracing::warn!(
                queue = %ctx.queue_name,
                running = tasks.len(),
                "shutdown timeout: leaving running jobs pending for another worker"
            );
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        Ok(())
    }
}

fn is_nogroup(e: &redis::RedisError) -> bool {
    e.code() == Some("NOGROUP")
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Backoff between Redis errors of a loop: 100 ms doubling to 5 s.
#[derive(Default)]
struct ErrBackoff {
    n: u32,
}

impl ErrBackoff {
    fn reset(&mut self) {
        self.n = 0;
    }

    fn next(&mut self) -> Duration {
        let d = Duration::from_millis(100).saturating_mul(1 << self.n.min(6)).min(Duration::from_secs(5));
        self.n = self.n.saturating_add(1);
        d
    }

    /// Sleeps; `true` if `shutdown` completed meanwhile.
    async fn wait<F: Future<Output = ()> + Unpin>(&mut self, shutdown: &mut F) -> bool {
        let d = self.next();
        tokio::select! {
            () = shutdown => true,
            () = tokio::time::sleep(d) => false,
        }
    }
}

struct Ctx {
    queue: Queue,
    queue_name: String,
    keys: Keys,
    config: WorkerConfig,
    metrics: Arc<Metrics>,
}

/// A stream entry delivered to this worker.
struct Entry {
    entry_id: String,
    job_id: String,
    deliveries: u32,
}

impl Ctx {
    fn redis_error(&self, what: &str, e: &dyn std::fmt::Display) {
        inc(&self.metrics.redis_errors);
        tracing::warn!(queue = %self.queue_name, worker = %self.config.name, error = %e, "redis error while {what}");
    }

    async fn reclaim(&self, cursor: &str) -> redis::RedisResult<(String, Option<Entry>)> {
        let min_idle = u64::try_from(self.config.visibility_timeout.as_millis()).unwrap_or(u64::MAX);
        let reply: Vec<redis::Value> = scripts::RECLAIM
            .key(&self.keys.stream)
            .arg(&self.config.name)
            .arg(min_idle)
            .arg(cursor)
            .arg(1)
            .invoke_async(&mut self.queue.conn())
            .await?;
        let mut it = reply.into_iter();
        let next: String = match it.next() {
            Some(v) => redis::from_redis_value(v)?,
            None => "0-0".to_owned(),
        };
        let entry = match (it.next(), it.next(), it.next()) {
            (Some(e), Some(j), Some(n)) => Some(Entry {
                entry_id: redis::from_redis_value(e)?,
                job_id: redis::from_redis_value(j)?,
                deliveries: redis::from_redis_value(n)?,
            }),
            _ => None,
        };
        Ok((next, entry))
    }

    /// Retries a Redis operation for up to the visibility timeout (after that another worker
    /// may have the job anyway). `None` if it never succeeded.
    async fn persist<T, Fut>(&self, what: &str, mut op: impl FnMut() -> Fut) -> Option<T>
    where
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let deadline = Instant::now() + self.config.visibility_timeout;
        let mut backoff = ErrBackoff::default();
        loop {
            match op().await {
                Ok(v) => return Some(v),
                Err(e) => {
                    self.redis_error(what, &e);
                    let d = backoff.next();
                    if Instant::now() + d > deadline {
                        tracing::warn!(queue = %self.queue_name, "gave up {what}; the job stays pending and will be redelivered");
                        return None;
                    }
                    tokio::time::sleep(d).await;
                }
            }
        }
    }

    async fn complete(&self, entry: &Entry) -> Option<i64> {
        self.persist("acknowledging", || {
            let mut conn = self.queue.conn();
            async move {
                scripts::COMPLETE
                    .key(&self.keys.stream)
                    .key(&self.keys.delayed)
                    .key(&self.keys.dead)
                    .arg(&entry.entry_id)
                    .arg(&entry.job_id)
                    .arg(&self.keys.job_prefix)
                    .arg(&self.keys.idem_prefix)
                    .invoke_async(&mut conn)
                    .await
            }
        })
        .await
    }

    async fn bury(&self, entry: &Entry, attempts: u32, error: &str) {
        let done: Option<i64> = self
            .persist("dead-lettering", || {
                let mut conn = self.queue.conn();
                async move {
                    scripts::BURY
                        .key(&self.keys.stream)
                        .key(&self.keys.dead)
                        .arg(&entry.entry_id)
                        .arg(&entry.job_id)
                        .arg(&self.config.name)
                        .arg(&self.keys.job_prefix)
                        .arg(&self.keys.idem_prefix)
                        .arg(attempts)
                        .arg(error)
                        .invoke_async(&mut conn)
                        .await
                }
            })
            .await;
        if done == Some(1) {
            inc(&self.metrics.jobs_dead);
            tracing::warn!(queue = %self.queue_name, job = %entry.job_id, attempts, error, "job dead-lettered");
        }
    }

    async fn retry(&self, entry: &Entry, attempts: u32, error: &str) {
        let delay = self.config.backoff.delay(attempts);
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        let done: Option<i64> = self
            .persist("scheduling a retry", || {
                let mut conn = self.queue.conn();
                async move {
                    scripts::RETRY
                        .key(&self.keys.stream)
                        .key(&self.keys.delayed)
                        .arg(&entry.entry_id)
                        .arg(&entry.job_id)
                        .arg(&self.config.name)
                        .arg(&self.keys.job_prefix)
                        .arg(attempts)
                        .arg(delay_ms)
                        .arg(error)
                        .invoke_async(&mut conn)
                        .await
                }
            })
            .await;
        if done == Some(1) {
            inc(&self.metrics.jobs_retried);
        }
    }

    async fn prune_consumers(&self) -> redis::RedisResult<i64> {
        let idle = u64::try_from(self.config.prune_idle.as_millis()).unwrap_or(u64::MAX);
        scripts::PRUNE_CONSUMERS
            .key(&self.keys.stream)
            .arg(idle)
            .arg(&self.config.name)
            .invoke_async(&mut self.queue.conn())
            .await
    }

    async fn heartbeat(&self, entry: &Entry) -> redis::RedisResult<bool> {
        let n: i64 = scripts::HEARTBEAT
            .key(&self.keys.stream)
            .arg(&entry.entry_id)
            .arg(&self.config.name)
            .invoke_async(&mut self.queue.conn())
            .await?;
        Ok(n == 1)
    }
}

type ReadReply = Option<Vec<(String, Vec<(String, Vec<String>)>)>>;

async fn read(reader: &mut ConnectionManager, ctx: &Ctx, block: Duration) -> redis::RedisResult<Option<Entry>> {
    let reply: ReadReply = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg(GROUP)
        .arg(&ctx.config.name)
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(u64::try_from(block.as_millis()).unwrap_or(u64::MAX).max(1))
        .arg("STREAMS")
        .arg(&ctx.keys.stream)
        .arg(">")
        .query_async(reader)
        .await?;
    let Some((entry_id, fields)) = reply.into_iter().flatten().flat_map(|(_stream, entries)| entries).next() else {
        return Ok(None);
    };
    let job_id = fields
        .chunks(2)
        .find(|kv| kv.first().map(String::as_str) == Some("id"))
        .and_then(|kv| kv.get(1).cloned())
        .unwrap_or_default();
    Ok(Some(Entry { entry_id, job_id, deliveries: 1 }))
}

async fn mover_loop(ctx: Arc<Ctx>) {
    let mut errors = ErrBackoff::default();
    loop {
        let res: redis::RedisResult<i64> = scripts::MOVE_DUE
            .key(&ctx.keys.stream)
            .key(&ctx.keys.delayed)
            .arg(1000)
            .invoke_async(&mut ctx.queue.conn())
            .await;
        match res {
            Ok(n) if n >= 1000 => {
                errors.reset();
                continue;
            }
            Ok(_) => {
                errors.reset();
                tokio::time::sleep(ctx.config.mover_interval).await;
            }
            Err(e) => {
                ctx.redis_error("moving due jobs", &e);
                tokio::time::sleep(errors.next()).await;
            }
        }
    }
}

/// Runs one delivered entry to its end: completed, retried, dead-lettered, or left pending
/// (Redis unreachable for longer than the visibility timeout, or the task aborted).
async fn process<H: Handler>(ctx: Arc<Ctx>, handler: Arc<H>, entry: Entry, _permit: OwnedSemaphorePermit) {
    if entry.job_id.is_empty() {
        // Not one of ours (no `id` field): drop it so it does not come back forever.
        ctx.complete(&entry).await;
        return;
    }
    let job_key = ctx.keys.job(&entry.job_id);
    let Some(fields) = ctx
        .persist("loading a job", || {
            let mut conn = ctx.queue.conn();
            let key = job_key.clone();
            async move { conn.hgetall::<_, HashMap<String, String>>(key).await }
        })
        .await
    else {
        return;
    };
    if fields.is_empty() {
        // Completed by a worker that had lost its claim, or discarded: nothing left to run.
        ctx.complete(&entry).await;
        return;
    }
    let done_before = field_u32(&fields, "attempts");
    let max_attempts = field_u32(&fields, "max_attempts").max(1);
    let attempt = done_before.saturating_add(entry.deliveries);
    if attempt > max_attempts {
        let last = fields.get("last_error").cloned().unwrap_or_default();
        let lost = entry.deliveries.saturating_sub(1);
        let error = if lost > 0 {
            format!("delivered {lost} time(s) to workers that died or stalled past the visibility timeout; last error: {last:?}")
        } else {
            last
        };
        ctx.bury(&entry, attempt - 1, &error).await;
        return;
    }
    let payload = match fields.get("payload").map(|p| serde_json::from_str(p)) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            inc(&ctx.metrics.jobs_failed);
            ctx.bury(&entry, attempt, &format!("payload does not decode: {e}")).await;
            return;
        }
        None => serde_json::Value::Null,
    };
    let job = Job {
        id: JobId::from(entry.job_id.clone()),
        queue: ctx.queue_name.clone(),
        kind: fields.get("kind").cloned().unwrap_or_default(),
        payload,
        attempt,
        max_attempts,
    };

    let run = AssertUnwindSafe(handler.handle(job)).catch_unwind();
    let heartbeats = async {
        let period = (ctx.config.visibility_timeout / 3).max(Duration::from_millis(10));
        loop {
            tokio::time::sleep(period).await;
            match ctx.heartbeat(&entry).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(queue = %ctx.queue_name, job = %entry.job_id,
                    "claim lost to another worker (stalled past the visibility timeout); the job may run twice"),
                Err(e) => ctx.redis_error("extending a claim", &e),
            }
        }
    };
    let outcome = tokio::select! {
        r = run => r,
        () = heartbeats => return,
    };
    let error = match outcome {
        Ok(Ok(())) => {
            if ctx.complete(&entry).await.is_some() {
                inc(&ctx.metrics.jobs_completed);
            }
            return;
        }
        Ok(Err(JobError::Fatal(e))) => {
            inc(&ctx.metrics.jobs_failed);
            ctx.bury(&entry, attempt, &e).await;
            return;
        }
        Ok(Err(JobError::Retry(e))) => e,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!("handler panicked: {msg}")
        }
    };
    inc(&ctx.metrics.jobs_failed);
    if attempt >= max_attempts {
        ctx.bury(&entry, attempt, &error).await;
    } else {
        ctx.retry(&entry, attempt, &error).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_exponential_with_twenty_percent_jitter() {
        let b = Backoff { base: Duration::from_millis(100), cap: Duration::from_secs(1) };
        for _ in 0..200 {
            for (attempt, nominal) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (40, 1000)] {
                let d = b.delay(attempt).as_secs_f64() * 1000.0;
                let n = f64::from(nominal);
                assert!(d >= n * 0.8 - 1e-6 && d <= n * 1.2 + 1e-6, "attempt {attempt}: {d} ms");
            }
        }
        let huge = Backoff { base: Duration::MAX, cap: Duration::MAX };
        assert!(huge.delay(u32::MAX) > Duration::ZERO, "no overflow panic");
    }
}
