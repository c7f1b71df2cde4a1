//! The queue's contract on the machine's Redis (unique prefix per test): enqueue → handle → ack,
//! delayed jobs, retries with backoff, Fatal and max-attempts dead-lettering, the dead-letter
//! API, idempotency keys.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::{wait_until, TestRedis};
use queue::{Job, JobError, JobSpec, QueueStats};
use redis::AsyncCommands;
use serde_json::json;
use tokio::sync::oneshot;

const LIMIT: Duration = Duration::from_secs(15);

/// Starts `worker` on queue `q` in a task; the returned sender stops it.
fn spawn_worker<H: queue::Handler>(
    worker: queue::Worker,
    q: &str,
    handler: H,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<queue::Result<()>>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let q = q.to_owned();
    let task = tokio::spawn(async move {
        worker
            .run(&q, handler, async move {
                let _ = stopped.await;
            })
            .await
    });
    (stop, task)
}

async fn stop(s: (oneshot::Sender<()>, tokio::task::JoinHandle<queue::Result<()>>)) {
    let _ = s.0.send(());
    tokio::time::timeout(Duration::from_secs(10), s.1)
        .await
        .expect("worker stops within 10 s")
        .expect("worker task")
        .expect("worker result");
}

async fn wait_stats(t: &TestRedis, q: &str, want: QueueStats) {
    wait_until(&format!("stats {want:?}"), LIMIT, || async { t.queue.stats(q).await.expect("stats") == want }).await;
}

type Seen = Arc<Mutex<Vec<(Job, Instant, SystemTime)>>>;

fn recorder(seen: &Seen, outcome: fn(&Job) -> Result<(), JobError>) -> impl queue::Handler {
    let seen = seen.clone();
    move |job: Job| {
        let seen = seen.clone();
        async move {
            let r = outcome(&job);
            seen.lock().expect("lock").push((job, Instant::now(), SystemTime::now()));
            r
        }
    }
}

fn count(seen: &Seen) -> usize {
    seen.lock().expect("lock").len()
}

#[tokio::test]
async fn enqueue_handle_ack() {
    let t = TestRedis::shared("basic").await;
    let id = t.queue.enqueue("mail", &JobSpec::new("send", json!({"to": "a@b"}))).await.expect("enqueue");
    assert_eq!(t.queue.stats("mail").await.expect("stats"), QueueStats { pending: 1, ..QueueStats::default() });
    let seen: Seen = Arc::default();
    let worker = t.worker().await;
    let metrics = worker.metrics();
    let w = spawn_worker(worker, "mail", recorder(&seen, |_| Ok(())));
    wait_until("the job to run", LIMIT, || async { count(&seen) == 1 }).await;
    wait_stats(&t, "mail", QueueStats::default()).await;
    stop(w).await;
    {
        let seen = seen.lock().expect("lock").clone();
        let job = &seen[0].0;
        assert_eq!(job.id, id);
        assert_eq!(job.kind, "send");
        assert_eq!(job.payload, json!({"to": "a@b"}));
        assert_eq!((job.attempt, job.max_attempts), (1, 5));
        assert_eq!(job.queue, "mail");
    }
    assert_eq!(metrics.snapshot().jobs_completed, 1);
    // Acked and deleted: no stream entry, no job hash left behind.
    let mut conn = t.conn.clone();
    let len: u64 = conn.xlen(format!("{}:q:mail:stream", t.prefix)).await.expect("xlen");
    let exists: bool = conn.exists(format!("{}:q:mail:job:{id}", t.prefix)).await.expect("exists");
    assert_eq!((len, exists), (0, false));
    t.cleanup().await;
}

#[tokio::test]
async fn delayed_job_runs_after_its_time_not_before() {
    let t = TestRedis::shared("delayed").await;
    let run_at = SystemTime::now() + Duration::from_millis(1500);
    let id = t.queue.enqueue("d", &JobSpec::new("later", json!(null)).run_at(run_at)).await.expect("enqueue");
    let now_id = t.queue.enqueue("d", &JobSpec::new("now", json!(null))).await.expect("enqueue");
    let seen: Seen = Arc::default();
    let w = spawn_worker(t.worker().await, "d", recorder(&seen, |_| Ok(())));
    wait_until("the immediate job", LIMIT, || async { count(&seen) == 1 }).await;
    let s = t.queue.stats("d").await.expect("stats");
    assert_eq!(s.delayed, 1, "the delayed job waits in the ZSET: {s:?}");
    wait_until("the delayed job", LIMIT, || async { count(&seen) == 2 }).await;
    stop(w).await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[0].0.id, now_id);
    assert_eq!(seen[1].0.id, id);
    let ran = seen[1].2;
    assert!(ran >= run_at, "ran {ran:?} before its time {run_at:?}");
    let late = ran.duration_since(run_at).unwrap_or_default();
    assert!(late < Duration::from_secs(2), "ran {late:?} late");
    t.cleanup().await;
}

#[tokio::test]
async fn retry_with_backoff_then_success() {
    let t = TestRedis::shared("retry").await;
    t.queue.enqueue("r", &JobSpec::new("flaky", json!(null))).await.expect("enqueue");
    let seen: Seen = Arc::default();
    let worker = t.worker().await.backoff(Duration::from_millis(300), Duration::from_secs(10));
    let metrics = worker.metrics();
    let w =
        spawn_worker(
            worker,
            "r",
            recorder(&seen, |job| {
                if job.attempt < 3 {
                    Err(JobError::Retry(format!("flake {}", job.attempt)))
                } else {
                    Ok(())
                }
            }),
        );
    wait_until("three attempts", LIMIT, || async { count(&seen) == 3 }).await;
    wait_stats(&t, "r", QueueStats::default()).await;
    stop(w).await;
    let seen = seen.lock().expect("lock").clone();
    let attempts: Vec<u32> = seen.iter().map(|s| s.0.attempt).collect();
    assert_eq!(attempts, [1, 2, 3]);
    // Backoff 300 ms then 600 ms, each -20 % at worst.
    let gap1 = seen[1].1 - seen[0].1;
    let gap2 = seen[2].1 - seen[1].1;
    assert!(gap1 >= Duration::from_millis(240), "first backoff {gap1:?}");
    assert!(gap2 >= Duration::from_millis(480), "second backoff {gap2:?}");
    assert!(gap2 < Duration::from_secs(3), "second backoff {gap2:?}");
    let m = metrics.snapshot();
    assert_eq!((m.jobs_failed, m.jobs_retried, m.jobs_completed, m.jobs_dead), (2, 2, 1, 0));
    t.cleanup().await;
}

#[tokio::test]
async fn fatal_goes_dead_immediately() {
    let t = TestRedis::shared("fatal").await;
    let id = t.queue.enqueue("f", &JobSpec::new("bad", json!({"x": 1}))).await.expect("enqueue");
    let seen: Seen = Arc::default();
    let w = spawn_worker(t.worker().await, "f", recorder(&seen, |_| Err(JobError::Fatal("malformed".into()))));
    wait_stats(&t, "f", QueueStats { dead: 1, ..QueueStats::default() }).await;
    // Give a wrong retry a chance to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop(w).await;
    assert_eq!(count(&seen), 1, "a fatal job runs once");
    let dead = t.queue.dead("f", 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id);
    assert_eq!(dead[0].attempts, 1);
    assert_eq!(dead[0].last_error, "malformed");
    assert_eq!(dead[0].payload, json!({"x": 1}));
    let age = SystemTime::now().duration_since(dead[0].failed_at).expect("failed_at in the past");
    assert!(age < Duration::from_secs(30));
    t.cleanup().await;
}

#[tokio::test]
async fn max_attempts_then_dead_with_last_error() {
    let t = TestRedis::shared("maxatt").await;
    let id = t.queue.enqueue("m", &JobSpec::new("doomed", json!(null)).max_attempts(3)).await.expect("enqueue");
    let seen: Seen = Arc::default();
    let worker = t.worker().await.backoff(Duration::from_millis(50), Duration::from_millis(100));
    let metrics = worker.metrics();
    let w = spawn_worker(worker, "m", recorder(&seen, |job| Err(JobError::Retry(format!("boom {}", job.attempt)))));
    wait_stats(&t, "m", QueueStats { dead: 1, ..QueueStats::default() }).await;
    stop(w).await;
    assert_eq!(count(&seen), 3);
    let dead = t.queue.dead("m", 10).await.expect("dead");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, id);
    assert_eq!((dead[0].attempts, dead[0].max_attempts), (3, 3));
    assert_eq!(dead[0].last_error, "boom 3");
    let m = metrics.snapshot();
    assert_eq!((m.jobs_failed, m.jobs_retried, m.jobs_dead), (3, 2, 1));
    t.cleanup().await;
}

#[tokio::test]
async fn retry_dead_and_discard_dead() {
    let t = TestRedis::shared("deadapi").await;
    let a = t.queue.enqueue("x", &JobSpec::new("a", json!({"fail": true}))).await.expect("enqueue");
    let b = t.queue.enqueue("x", &JobSpec::new("b", json!({"fail": true}))).await.expect("enqueue");
    let seen: Seen = Arc::default();
    // Fails fatally until `fails` is cleared.
    let fails = Arc::new(Mutex::new(true));
    let handler = {
        let seen = seen.clone();
        let fails = fails.clone();
        move |job: Job| {
            let seen = seen.clone();
            let fail = *fails.lock().expect("lock");
            async move {
                seen.lock().expect("lock").push((job, Instant::now(), SystemTime::now()));
                if fail {
                    Err(JobError::Fatal("nope".into()))
                } else {
                    Ok(())
                }
            }
        }
    };
    let w = spawn_worker(t.worker().await, "x", handler);
    wait_stats(&t, "x", QueueStats { dead: 2, ..QueueStats::default() }).await;
    *fails.lock().expect("lock") = false;
    let ids: Vec<_> = t.queue.dead("x", 10).await.expect("dead").into_iter().map(|d| d.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&a) && ids.contains(&b));
    assert_eq!(t.queue.dead("x", 1).await.expect("dead").len(), 1, "limit");

    assert!(t.queue.retry_dead("x", &a).await.expect("retry_dead"));
    assert!(!t.queue.retry_dead("x", &a).await.expect("retry_dead"), "no longer dead");
    assert!(t.queue.discard_dead("x", &b).await.expect("discard_dead"));
    assert!(!t.queue.discard_dead("x", &b).await.expect("discard_dead"));
    assert!(!t.queue.retry_dead("x", &queue::JobId::from("nonexistent")).await.expect("retry_dead"));
    wait_until("the retried job to complete", LIMIT, || async { count(&seen) == 3 }).await;
    wait_stats(&t, "x", QueueStats::default()).await;
    stop(w).await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[2].0.id, a);
    assert_eq!(seen[2].0.attempt, 1, "retry_dead resets the attempts");
    let mut conn = t.conn.clone();
    for id in [&a, &b] {
        let exists: bool = conn.exists(format!("{}:q:x:job:{id}", t.prefix)).await.expect("exists");
        assert!(!exists, "job {id} left behind");
    }
    t.cleanup().await;
}

#[tokio::test]
async fn idempotency_key_dedupes_while_pending() {
    let t = TestRedis::shared("idem").await;
    let spec = JobSpec::new("charge", json!({"order": 7})).idempotency_key("order-7");
    let first = t.queue.enqueue("i", &spec).await.expect("enqueue");
    let second = t.queue.enqueue("i", &spec).await.expect("enqueue");
    assert_eq!(first, second);
    // Delayed jobs hold their key too.
    let later = JobSpec::new("charge", json!({"order": 8})).idempotency_key("order-8").delay(Duration::from_secs(3600));
    let l1 = t.queue.enqueue("i", &later).await.expect("enqueue");
    assert_eq!(t.queue.enqueue("i", &later).await.expect("enqueue"), l1);
    let s = t.queue.stats("i").await.expect("stats");
    assert_eq!((s.pending, s.delayed), (1, 1));

    let seen: Seen = Arc::default();
    let w = spawn_worker(t.worker().await, "i", recorder(&seen, |_| Ok(())));
    wait_until("the job to run", LIMIT, || async { count(&seen) == 1 }).await;
    wait_stats(&t, "i", QueueStats { delayed: 1, ..QueueStats::default() }).await;
    // Completed: the key is released, the same key enqueues a new job.
    let third = t.queue.enqueue("i", &spec).await.expect("enqueue");
    assert_ne!(third, first);
    wait_until("the new job to run", LIMIT, || async { count(&seen) == 2 }).await;
    stop(w).await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen[0].0.id, first);
    assert_eq!(seen[1].0.id, third);
    t.cleanup().await;
}
