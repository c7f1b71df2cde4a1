//! [`Queue`]: enqueueing, statistics and the dead-letter API.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use redis::aio::ConnectionManager;
use redis::AsyncCommands;

use crate::{from_ms, ms_since_epoch, scripts, Error, JobId, JobSpec, Result, GROUP};

/// Handle on the queues under one key prefix. Cheap to clone (the connection is multiplexed).
#[derive(Clone)]
pub struct Queue {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

/// Counts of one queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueStats {
    /// In the stream and not yet delivered to a worker.
    pub pending: u64,
    /// Delivered and not yet acknowledged (XPENDING), including those of dead workers not yet
    /// reclaimed.
    pub running: u64,
    /// Waiting for their time: delayed jobs and retries in backoff.
    pub delayed: u64,
    /// Dead-lettered.
    pub dead: u64,
}

/// A dead-lettered job.
#[derive(Clone, Debug)]
pub struct DeadJob {
    /// The job's id (for [`Queue::retry_dead`] and [`Queue::discard_dead`]).
    pub id: JobId,
    /// [`crate::JobSpec::kind`].
    pub kind: String,
    /// [`crate::JobSpec::payload`] (`Null` if it no longer decodes).
    pub payload: serde_json::Value,
    /// Attempts made.
    pub attempts: u32,
    /// [`crate::JobSpec::max_attempts`].
    pub max_attempts: u32,
    /// The error of the last attempt.
    pub last_error: String,
    /// When it was dead-lettered.
    pub failed_at: SystemTime,
}

/// The Redis keys of one queue.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    pub stream: String,
    pub delayed: String,
    pub dead: String,
    pub job_prefix: String,
    pub idem_prefix: String,
}

impl Keys {
    pub fn job(&self, id: &str) -> String {
        format!("{}{id}", self.job_prefix)
    }
}

pub(crate) fn field_u64(fields: &HashMap<String, String>, name: &str) -> u64 {
    fields.get(name).and_then(|v| v.parse().ok()).unwrap_or_default()
}

pub(crate) fn field_u32(fields: &HashMap<String, String>, name: &str) -> u32 {
    u32::try_from(field_u64(fields, name)).unwrap_or(u32::MAX)
}

impl Queue {
    /// A queue handle on `conn` whose keys all start with `prefix` (e.g. `connect`).
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        Self { conn, prefix: Arc::from(prefix) }
    }

    /// The key prefix.
    /// The command connection, for callers that keep their own keys on the queue Redis.
    pub fn connection(&self) -> &ConnectionManager {
        &self.conn
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub(crate) fn keys(&self, queue: &str) -> Result<Keys> {
        if queue.is_empty() || queue.contains(char::is_whitespace) {
            return Err(Error::Invalid(format!("queue name {queue:?}")));
        }
        let base = format!("{}:q:{queue}", self.prefix);
        Ok(Keys {
            stream: format!("{base}:stream"),
            delayed: format!("{base}:delayed"),
            dead: format!("{base}:dead"),
            job_prefix: format!("{base}:job:"),
            idem_prefix: format!("{base}:idem:"),
        })
    }

    pub(crate) fn cron_key(&self, name: &str, tick: i64) -> String {
        format!("{}:cron:{name}:{tick}", self.prefix)
    }

    /// Enqueues `job` on `queue`. With an idempotency key already held by a pending, delayed or
    /// running job, returns that job's id and enqueues nothing.
    pub async fn enqueue(&self, queue: &str, job: &JobSpec) -> Result<JobId> {
        let keys = self.keys(queue)?;
        let id = JobId::random();
        let idem = job.idempotency_key.clone().unwrap_or_default();
        let payload = serde_json::to_string(&job.payload)?;
        let run_at = job.run_at.map(ms_since_epoch).map(|ms| ms.to_string());
        let (got, _created): (String, i64) = scripts::ENQUEUE
            .key(&keys.stream)
            .key(&keys.delayed)
            .key(format!("{}{idem}", keys.idem_prefix))
            .arg(&keys.job_prefix)
            .arg(id.as_str())
            .arg(&job.kind)
            .arg(payload)
            .arg(job.max_attempts.max(1))
            .arg(idem)
            .arg(run_at.unwrap_or_default())
            .invoke_async(&mut self.conn())
            .await?;
        Ok(JobId::from(got))
    }

    /// Counts of `queue`.
    pub async fn stats(&self, queue: &str) -> Result<QueueStats> {
        let keys = self.keys(queue)?;
        let (pending, running, delayed, dead): (u64, u64, u64, u64) =
            scripts::STATS.key(&keys.stream).key(&keys.delayed).key(&keys.dead).invoke_async(&mut self.conn()).await?;
        Ok(QueueStats { pending, running, delayed, dead })
    }

    /// The `limit` most recently dead-lettered jobs of `queue`, newest first.
    pub async fn dead(&self, queue: &str, limit: usize) -> Result<Vec<DeadJob>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let keys = self.keys(queue)?;
        let mut conn = self.conn();
        let stop = isize::try_from(limit).unwrap_or(isize::MAX) - 1;
        let ids: Vec<(String, f64)> = conn.zrevrange_withscores(&keys.dead, 0, stop).await?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, score) in ids {
            let fields: HashMap<String, String> = conn.hgetall(keys.job(&id)).await?;
            if fields.is_empty() {
                continue; // discarded meanwhile
            }
            let payload =
                fields.get("payload").and_then(|p| serde_json::from_str(p).ok()).unwrap_or(serde_json::Value::Null);
            let failed_at = match field_u64(&fields, "failed_at") {
                0 => score.max(0.0) as u64,
                ms => ms,
            };
            out.push(DeadJob {
                id: JobId::from(id),
                kind: fields.get("kind").cloned().unwrap_or_default(),
                payload,
                attempts: field_u32(&fields, "attempts"),
                max_attempts: field_u32(&fields, "max_attempts"),
                last_error: fields.get("last_error").cloned().unwrap_or_default(),
                failed_at: from_ms(failed_at),
            });
        }
        Ok(out)
    }

    /// Puts a dead job back on its queue with its attempts reset. `false` if it is not dead.
    pub async fn retry_dead(&self, queue: &str, id: &JobId) -> Result<bool> {
        let keys = self.keys(queue)?;
        let n: i64 = scripts::RETRY_DEAD
            .key(&keys.stream)
            .key(&keys.dead)
            .arg(id.as_str())
            .arg(&keys.job_prefix)
            .arg(&keys.idem_prefix)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(n == 1)
    }

    /// Deletes a dead job for good. `false` if it is not dead.
    pub async fn discard_dead(&self, queue: &str, id: &JobId) -> Result<bool> {
        let keys = self.keys(queue)?;
        let n: i64 = scripts::DISCARD_DEAD
            .key(&keys.dead)
            .arg(id.as_str())
            .arg(&keys.job_prefix)
            .invoke_async(&mut self.conn())
            .await?;
        Ok(n == 1)
    }

    /// Creates the stream and its consumer group if missing (from id 0, so jobs enqueued before
    /// the first worker started are delivered). Workers call this themselves.
    pub async fn ensure_group(&self, queue: &str) -> Result<()> {
        let keys = self.keys(queue)?;
        let res: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&keys.stream)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut self.conn())
            .await;
        match res {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
