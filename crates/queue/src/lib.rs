//! Durable job queue of Connect on Redis Streams.
//!
//! The design is the one that lost and duplicated nothing in the chaos test of FINDINGS §3:
//!
//! * one stream per queue (`{prefix}:q:{queue}:stream`) read by the consumer group `workers`
//!   with `XREADGROUP … BLOCK`; each entry carries only the job id, the job itself lives in the
//!   hash `{prefix}:q:{queue}:job:{id}`;
//! * a reclaimer in every worker runs `XAUTOCLAIM` with min-idle = visibility timeout, so the
//!   jobs of a worker that died are delivered again; a running job extends its claim with
//!   `XCLAIM … JUSTID` every visibility_timeout / 3 (only while it still owns the entry);
//! * attempts = retries already recorded in the job hash + the delivery count of the current
//!   entry; past `max_attempts` (including deliveries lost to crashed workers) the job goes to the
//!   dead-letter ZSET `{prefix}:q:{queue}:dead` with its last error;
//! * retries and delayed jobs wait in the ZSET `{prefix}:q:{queue}:delayed` (score = due ms);
//!   moving between the stream and the ZSETs is always one Lua script, so a job is at every moment
//!   in exactly one place: the stream, the delayed ZSET, the dead ZSET, or gone (completed);
//! * cron ticks fire once across processes with `SET {prefix}:cron:{name}:{tick} NX PX` and the
//!   enqueue in the same Lua call.
//!
//! Delivery is at-least-once: a worker killed after its handler did the work but before the
//! acknowledgement reached Redis makes the job run again. Handlers must be idempotent.
//!
//! Production runs this against a dedicated Redis with `appendonly yes`, `appendfsync everysec`
//! and `maxmemory-policy noeviction` (an evicted job would be a lost job).

mod queue;
mod scheduler;
mod scripts;
mod worker;

use std::fmt;
use std::time::SystemTime;

pub use queue::{DeadJob, Queue, QueueStats};
pub use scheduler::{kst, Scheduler};
pub use worker::{connect, Backoff, Handler, Metrics, MetricsSnapshot, Worker, WorkerConfig};

/// The consumer group every worker of every queue reads with.
pub const GROUP: &str = "workers";

/// Errors of the queue API. A worker's run loop never returns on a Redis error: it logs it,
/// backs off and goes on; only invalid arguments end it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Redis refused or could not be reached.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A payload could not be encoded or a stored job could not be decoded.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A cron expression did not parse.
    #[error("invalid cron expression {expr:?}: {reason}")]
    Cron {
        /// The expression as given.
        expr: String,
        /// What the parser said.
        reason: String,
    },
    /// An argument was not acceptable (empty queue name, …).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

/// Result of the queue API.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Identifier of a job: a UUID v4 made at enqueue, stable across retries and dead-lettering.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for JobId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for JobId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Default for [`JobSpec::max_attempts`].
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// What to enqueue.
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    /// Which handler branch runs it (free text, handed to the handler).
    pub kind: String,
    /// The job's data.
    pub payload: serde_json::Value,
    /// Dedupe: while a job enqueued with this key is pending, delayed or running, enqueueing
    /// another one with the same key (on the same queue) returns the existing id. The key is
    /// released when the job completes or is dead-lettered.
    pub idempotency_key: Option<String>,
    /// Attempts before the job is dead-lettered (a delivery lost to a crashed worker counts).
    /// 0 is taken as 1.
    pub max_attempts: u32,
    /// Run no earlier than this (delayed job); `None` or a past time runs now.
    pub run_at: Option<SystemTime>,
}

impl JobSpec {
    /// A job of `kind` with `payload`, run now, 5 attempts, no idempotency key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), payload, idempotency_key: None, max_attempts: DEFAULT_MAX_ATTEMPTS, run_at: None }
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Sets the attempts before dead-lettering.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Runs the job no earlier than `at`.
    pub fn run_at(mut self, at: SystemTime) -> Self {
        self.run_at = Some(at);
        self
    }

    /// Runs the job no earlier than `delay` from now.
    pub fn delay(self, delay: std::time::Duration) -> Self {
        self.run_at(SystemTime::now() + delay)
    }
}

/// A job as handed to a [`Handler`].
#[derive(Clone, Debug)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// The queue it came from.
    pub queue: String,
    /// [`JobSpec::kind`].
    pub kind: String,
    /// [`JobSpec::payload`].
    pub payload: serde_json::Value,
    /// This attempt, from 1: earlier failed attempts plus deliveries lost to dead workers.
    pub attempt: u32,
    /// [`JobSpec::max_attempts`].
    pub max_attempts: u32,
}

/// How a handler fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Try again after a backoff (capped exponential with ±20 % jitter), or dead-letter once
    /// `max_attempts` is reached.
    #[error("retry: {0}")]
    Retry(String),
    /// Dead-letter now.
    #[error("fatal: {0}")]
    Fatal(String),
}

pub(crate) fn ms_since_epoch(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or(0)
}

pub(crate) fn from_ms(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms)
}
