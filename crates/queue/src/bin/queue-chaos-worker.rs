//! `queue-chaos-worker`: a worker process for the chaos test (`tests/chaos.rs`).
//!
//! `queue-chaos-worker REDIS_URL PREFIX QUEUE RESULTS_FILE [CONCURRENCY] [VISIBILITY_MS]`
//!
//! Runs the queue `QUEUE` until killed. Each job's payload may carry `sleep_ms` (work time) and
//! `fail` (`"once"`: the first attempt fails; `"always"`: every attempt fails). A successful job
//! appends `<job id>\n` to `RESULTS_FILE` and is recorded with `SADD {PREFIX}:chaos:done`; when
//! the SADD finds the id already there (the job ran again because a worker died before its
//! acknowledgement), `{PREFIX}:chaos:dups` is incremented. A job delivered again after its
//! worker died (an attempt beyond the failures it plans) increments `{PREFIX}:chaos:redelivered`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use queue::{Job, JobError, Queue, Worker};
use redis::aio::ConnectionManager;
use redis::AsyncCommands;

struct Chaos {
    conn: ConnectionManager,
    done: String,
    dups: String,
    redelivered: String,
    results: std::path::PathBuf,
}

impl Chaos {
    async fn run(&self, job: Job) -> Result<(), JobError> {
        let sleep_ms = job.payload.get("sleep_ms").and_then(serde_json::Value::as_u64).unwrap_or(0);
        let fail = job.payload.get("fail").and_then(serde_json::Value::as_str);
        let planned = if fail == Some("once") { 2 } else { 1 };
        if fail != Some("always") && job.attempt > planned {
            let mut conn = self.conn.clone();
            let _: Result<i64, _> = conn.incr(&self.redelivered, 1).await;
        }
        tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
        match fail {
            Some("always") => return Err(JobError::Retry("always fails".into())),
            Some("once") if job.attempt == 1 => return Err(JobError::Retry("fails once".into())),
            _ => {}
        }
        let line = format!("{}\n", job.id);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.results)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .map_err(|e| JobError::Retry(format!("results file: {e}")))?;
        let mut conn = self.conn.clone();
        let added: i64 =
            conn.sadd(&self.done, job.id.as_str()).await.map_err(|e| JobError::Retry(format!("sadd: {e}")))?;
        if added == 0 {
            let _: i64 = conn.incr(&self.dups, 1).await.map_err(|e| JobError::Retry(format!("incr: {e}")))?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(false).init();
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(prefix), Some(queue_name), Some(results)) =
        (args.get(1), args.get(2), args.get(3), args.get(4))
    else {
        eprintln!("usage: queue-chaos-worker REDIS_URL PREFIX QUEUE RESULTS_FILE [CONCURRENCY] [VISIBILITY_MS]");
        return ExitCode::from(2);
    };
    let concurrency = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(4);
    let visibility = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let client = match redis::Client::open(url.as_str()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bad redis url: {e}");
            return ExitCode::from(2);
        }
    };
    let block = Duration::from_millis(500);
    // Redis may be restarting while this process starts: keep trying.
    let (conn, reader) = loop {
        match queue::connect(&client, block).await {
            Ok(c) => break c,
            Err(e) => {
                eprintln!("connect: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    let q = Queue::new(conn.clone(), prefix);
    let handler = Chaos {
        conn,
        done: format!("{prefix}:chaos:done"),
        dups: format!("{prefix}:chaos:dups"),
        redelivered: format!("{prefix}:chaos:redelivered"),
        results: results.into(),
    };
    let handler = std::sync::Arc::new(handler);
    let mut worker = Worker::new(q, reader)
        .concurrency(concurrency)
        .visibility_timeout(Duration::from_millis(visibility))
        .backoff(Duration::from_millis(100), Duration::from_secs(1));
    let mut config = worker.settings().clone();
    config.block_interval = block;
    config.reclaim_interval = Duration::from_millis(500);
    config.mover_interval = Duration::from_millis(200);
    worker = worker.config(config);
    eprintln!("chaos worker {} on {queue_name}", worker.settings().name);
    let run = worker.run(
        queue_name,
        move |job: Job| {
            let h = handler.clone();
            async move { h.run(job).await }
        },
        std::future::pending(),
    );
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker: {e}");
            ExitCode::FAILURE
        }
    }
}
