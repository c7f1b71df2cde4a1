//! Chaos: two real worker processes (`queue-chaos-worker`) on a private AOF redis-server drain
//! 500 jobs (some delayed, some failing once, five always failing) while one worker is
//! SIGKILLed twice (and restarted) and Redis is SIGKILLed and restarted once mid-run.
//!
//! Asserts that every job completed (is in the `SADD` set) or, for the always-failing ones, is
//! dead with its last error; that nothing is lost or left pending, running, delayed or behind in
//! Redis; and that handler-level duplicates (work done, worker killed before the ack reached
//! Redis) stay within what the kills can explain. Prints the figures (`--nocapture`).

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{KillOnDrop, PrivateRedis, TestRedis};
use queue::{JobId, JobSpec, QueueStats};
use redis::AsyncCommands;
use serde_json::json;

const JOBS: usize = 500;
const CONCURRENCY: usize = 4;
const VISIBILITY_MS: u64 = 3000;
const QUEUE: &str = "chaos";

fn spawn_worker(url: &str, prefix: &str, results: &str, log: &std::path::Path) -> KillOnDrop {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("worker log");
    let child = Command::new(env!("CARGO_BIN_EXE_queue-chaos-worker"))
        .args([url, prefix, QUEUE, results])
        .arg(CONCURRENCY.to_string())
        .arg(VISIBILITY_MS.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start queue-chaos-worker");
    KillOnDrop(Some(child))
}

/// SCARD of the completion set; `None` while Redis is unreachable.
async fn done_count(t: &TestRedis) -> Option<u64> {
    let mut conn = t.conn.clone();
    conn.scard(format!("{}:chaos:done", t.prefix)).await.ok()
}

/// Lines in the results file so far.
fn result_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path).map(|s| s.lines().count()).unwrap_or(0)
}

/// Waits (bounded) until at least `n` jobs are done.
async fn wait_done(t: &TestRedis, n: u64, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if done_count(t).await.unwrap_or(0) >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {n} jobs done (at {:?})",
            done_count(t).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_two_workers_killed_and_redis_restarted() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let t = TestRedis::at(&url, "chaos").await;
    let results_path = redis.dir().join("results.txt");
    let results = results_path.to_str().expect("utf-8 path").to_owned();
    let log = redis.dir().join("workers.log");

    // The jobs: every 10th (from 3) delayed by 1–4 s, every 10th (from 7) failing once, five
    // failing always (3 attempts), work times 20–100 ms.
    let mut expected_done = HashSet::new();
    let mut always = HashSet::new();
    let mut delayed = 0;
    let mut fail_once = 0;
    for i in 0..JOBS {
        let mut spec = JobSpec::new("chaos", json!({"i": i, "sleep_ms": 20 + (i * 37) % 81}));
        if i % 100 == 50 {
            spec.payload["fail"] = json!("always");
            spec = spec.max_attempts(3);
        } else if i % 10 == 7 {
            spec.payload["fail"] = json!("once");
            fail_once += 1;
        } else if i % 10 == 3 {
            spec = spec.run_at(SystemTime::now() + Duration::from_millis(1000 + (i as u64 * 7) % 3000));
            delayed += 1;
        }
        let id = t.queue.enqueue(QUEUE, &spec).await.expect("enqueue");
        if spec.payload["fail"] == json!("always") {
            always.insert(id);
        } else {
            expected_done.insert(id);
        }
    }
    assert_eq!((always.len(), expected_done.len()), (5, JOBS - 5));

    let started = Instant::now();
    let mut a = spawn_worker(&url, &t.prefix, &results, &log);
    let _b = spawn_worker(&url, &t.prefix, &results, &log);
    let phase = Duration::from_secs(60);

    // Kill 1: worker A mid-run, restarted at once (a new process: a new consumer name).
    wait_done(&t, 80, phase).await;
    a.kill();
    let kill1_at = result_lines(&results_path);
    a = spawn_worker(&url, &t.prefix, &results, &log);

    // Redis SIGKILLed, down for a second, restarted from its AOF.
    wait_done(&t, 200, phase).await;
    redis.kill();
    let redis_kill_at = Instant::now();
    let redis_kill_line = result_lines(&results_path);
    tokio::time::sleep(Duration::from_secs(1)).await;
    redis.restart();
    let redis_down = redis_kill_at.elapsed();

    // Kill 2: worker A again.
    wait_done(&t, 320, phase).await;
    a.kill();
    let kill2_at = result_lines(&results_path);
    let _a = spawn_worker(&url, &t.prefix, &results, &log);

    // Drain: every job done or dead, nothing left anywhere.
    let want = QueueStats { dead: 5, ..QueueStats::default() };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let stats = t.queue.stats(QUEUE).await.ok();
        let done = done_count(&t).await;
        if stats == Some(want) && done == Some(expected_done.len() as u64) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not drained after 120 s: stats {stats:?}, done {done:?}; worker log: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drained = started.elapsed();
    if let Ok(dst) = std::env::var("CHAOS_KEEP_LOG") {
        let _ = std::fs::copy(&log, &dst);
        let _ = std::fs::copy(&results_path, format!("{dst}.results"));
    }
    // Let a late duplicate (if any) land before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut conn = t.conn.clone();
    let done: HashSet<JobId> = conn
        .smembers::<_, HashSet<String>>(format!("{}:chaos:done", t.prefix))
        .await
        .expect("smembers")
        .into_iter()
        .map(JobId::from)
        .collect();
    assert_eq!(done, expected_done, "the SADD set holds every job once");

    let dead = t.queue.dead(QUEUE, 100).await.expect("dead");
    let dead_ids: HashSet<JobId> = dead.iter().map(|d| d.id.clone()).collect();
    assert_eq!(dead_ids, always, "exactly the always-failing jobs are dead");
    for d in &dead {
        assert_eq!(d.last_error, "always fails", "{d:?}");
        assert_eq!(d.attempts, 3, "{d:?}");
    }

    let mut lines: HashMap<String, usize> = HashMap::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    for (n, line) in std::fs::read_to_string(&results_path).expect("results file").lines().enumerate() {
        *lines.entry(line.to_owned()).or_default() += 1;
        first_line.entry(line.to_owned()).or_insert(n + 1);
    }
    let mut dup_at: Vec<usize> =
        lines.iter().filter(|(_, n)| **n > 1).filter_map(|(id, _)| first_line.get(id).copied()).collect();
    dup_at.sort_unstable();
    let file_ids: HashSet<JobId> = lines.keys().map(|s| JobId::from(s.as_str())).collect();
    assert_eq!(file_ids, expected_done, "the results file names every job");
    let file_dups: usize = lines.values().map(|n| n - 1).sum();
    let redis_dups: u64 =
        conn.get::<_, Option<u64>>(format!("{}:chaos:dups", t.prefix)).await.expect("dups").unwrap_or(0);
    let redelivered: u64 =
        conn.get::<_, Option<u64>>(format!("{}:chaos:redelivered", t.prefix)).await.expect("redelivered").unwrap_or(0);

    // Nothing left behind but the five dead jobs' hashes.
    let mut it: redis::AsyncIter<String> = conn.scan_match(format!("{}:q:{QUEUE}:*", t.prefix)).await.expect("scan");
    let mut leftovers = Vec::new();
    while let Some(k) = futures::StreamExt::next(&mut it).await {
        leftovers.push(k.expect("key"));
    }
    drop(it);
    let job_hashes = leftovers.iter().filter(|k| k.contains(":job:")).count();
    let idem_keys = leftovers.iter().filter(|k| k.contains(":idem:")).count();
    assert_eq!((job_hashes, idem_keys), (5, 0), "leftovers: {leftovers:?}");

    println!(
        "CHAOS: {JOBS} jobs ({delayed} delayed, {fail_once} failing once, 5 always failing), \
         2 worker processes x {CONCURRENCY}, visibility {VISIBILITY_MS} ms; worker A SIGKILLed at \
         results line {kill1_at} and {kill2_at}, Redis SIGKILLed at line {redis_kill_line} and back \
         after {redis_down:?}; drained in {drained:?}: lost 0, completed {} (each in the SADD set \
         once), dead 5; \
         attempts beyond plan (redelivered after a kill, or retried after Redis went away): \
         {redelivered}; handler re-runs: {file_dups} in the results file (first written at lines \
         {dup_at:?}), {redis_dups} found by SADD (work done, ack lost)",
        done.len()
    );
    // At-least-once: a handler runs again only when its worker was killed after the work and
    // before the ack (each SIGKILL orphans at most CONCURRENCY jobs), or when the handler had
    // written its line and then failed because Redis went away under its own SADD (a retry; at
    // most the jobs in flight in both workers).
    let kills = 2;
    assert!(
        file_dups <= kills * CONCURRENCY + CONCURRENCY * 2,
        "{file_dups} duplicates: more than the kills can explain"
    );
    assert!(redis_dups as usize <= file_dups);
    assert!(redelivered >= 1, "the SIGKILLs should have caught jobs in flight");
}
