//! Worker behaviour on the machine's Redis (unique prefix per test): redelivery after the
//! visibility timeout when a worker stops heartbeating, long jobs kept by their heartbeat, the
//! per-queue concurrency limit, graceful shutdown leaving unfinished jobs pending, pruning of
//! consumers left by dead processes.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{wait_until, TestRedis};
use queue::{Job, JobError, JobSpec, QueueStats};
use serde_json::json;

const LIMIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn job_of_a_worker_that_stops_heartbeating_is_redelivered() {
    let t = TestRedis::shared("vis").await;
    let id = t.queue.enqueue("v", &JobSpec::new("slow", json!(null))).await.expect("enqueue");
    let vt = Duration::from_secs(1);

    // Worker A takes the job and hangs in it; then its future is dropped (as if the process
    // died): no heartbeat, no ack.
    let started = Arc::new(AtomicUsize::new(0));
    let a = t.worker().await.name("worker-a").visibility_timeout(vt);
    let a_started = started.clone();
    let task_a = tokio::spawn(async move {
        a.run(
            "v",
            move |_job: Job| {
                a_started.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok::<(), JobError>(())
                }
            },
            std::future::pending(),
        )
        .await
    });
    wait_until("worker A to start the job", LIMIT, || async { started.load(Ordering::SeqCst) == 1 }).await;
    task_a.abort();
    let killed_at = Instant::now();
    let s = t.queue.stats("v").await.expect("stats");
    assert_eq!(s.running, 1, "the job stays delivered to A: {s:?}");

    // Worker B finds it once it has been idle for the visibility timeout.
    let got: Arc<Mutex<Vec<(Job, Instant)>>> = Arc::default();
    let b = t.worker().await.name("worker-b").visibility_timeout(vt);
    let metrics = b.metrics();
    let b_got = got.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task_b = tokio::spawn(async move {
        b.run(
            "v",
            move |job: Job| {
                b_got.lock().expect("lock").push((job, Instant::now()));
                async { Ok::<(), JobError>(()) }
            },
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    wait_until("worker B to get the job", LIMIT, || async { got.lock().expect("lock").len() == 1 }).await;
    wait_until("the queue to drain", LIMIT, || async {
        t.queue.stats("v").await.expect("stats") == QueueStats::default()
    })
    .await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task_b).await.expect("B stops").expect("B task").expect("B result");
    let (job, at) = got.lock().expect("lock")[0].clone();
    assert_eq!(job.id, id);
    assert_eq!(job.attempt, 2, "the lost delivery counts as an attempt");
    let after = at - killed_at;
    assert!(
        after >= Duration::from_millis(500),
        "redelivered only {after:?} after A died: before the visibility timeout"
    );
    assert_eq!(metrics.snapshot().jobs_reclaimed, 1);
    t.cleanup().await;
}

#[tokio::test]
async fn a_long_job_is_not_stolen_while_its_worker_heartbeats() {
    let t = TestRedis::shared("long").await;
    t.queue.enqueue("l", &JobSpec::new("long", json!(null))).await.expect("enqueue");
    let vt = Duration::from_millis(600);
    let runs = Arc::new(AtomicUsize::new(0));
    let mut stops = Vec::new();
    let mut tasks = Vec::new();
    let mut metrics = Vec::new();
    for name in ["w1", "w2"] {
        let w = t.worker().await.name(name).visibility_timeout(vt);
        metrics.push(w.metrics());
        let runs = runs.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        tasks.push(tokio::spawn(async move {
            w.run(
                "l",
                move |_job: Job| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    async {
                        // Five visibility timeouts.
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        Ok::<(), JobError>(())
                    }
                },
                async move {
                    let _ = stopped.await;
                },
            )
            .await
        }));
    }
    wait_until("the long job to finish", LIMIT, || async {
        metrics.iter().map(|m| m.snapshot().jobs_completed).sum::<u64>() == 1
    })
    .await;
    // A steal would show within another reclaim interval.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for s in stops {
        let _ = s.send(());
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(10), task).await.expect("stops").expect("task").expect("result");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the job ran more than once");
    let reclaimed: u64 = metrics.iter().map(|m| m.snapshot().jobs_reclaimed).sum();
    assert_eq!(reclaimed, 0);
    assert_eq!(t.queue.stats("l").await.expect("stats"), QueueStats::default());
    t.cleanup().await;
}

#[tokio::test]
async fn per_queue_concurrency_is_honoured() {
    let t = TestRedis::shared("conc").await;
    for i in 0..12 {
        t.queue.enqueue("c", &JobSpec::new("n", json!(i))).await.expect("enqueue");
    }
    let now = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let w = t.worker().await.concurrency(3);
    let (n, m, d) = (now.clone(), max.clone(), done.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        w.run(
            "c",
            move |_job: Job| {
                let (n, m, d) = (n.clone(), m.clone(), d.clone());
                async move {
                    let cur = n.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(cur, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    n.fetch_sub(1, Ordering::SeqCst);
                    d.fetch_add(1, Ordering::SeqCst);
                    Ok::<(), JobError>(())
                }
            },
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    wait_until("12 jobs", LIMIT, || async { done.load(Ordering::SeqCst) == 12 }).await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("stops").expect("task").expect("result");
    assert_eq!(max.load(Ordering::SeqCst), 3, "at most 3 at once, and 3 reached");
    t.cleanup().await;
}

#[tokio::test]
async fn shutdown_waits_up_to_its_deadline_and_leaves_the_rest_pending() {
    let t = TestRedis::shared("shut").await;
    for kind in ["quick", "stuck"] {
        t.queue.enqueue("s", &JobSpec::new(kind, json!(null))).await.expect("enqueue");
    }
    let finished = Arc::new(Mutex::new(Vec::<String>::new()));
    let started = Arc::new(AtomicUsize::new(0));
    let mut config = t.worker().await.settings().clone();
    config.shutdown_timeout = Duration::from_millis(700);
    let w = t.worker().await.config(config).concurrency(2);
    let (f, s) = (finished.clone(), started.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        w.run(
            "s",
            move |job: Job| {
                let f = f.clone();
                s.fetch_add(1, Ordering::SeqCst);
                async move {
                    let t = if job.kind == "quick" { 300 } else { 60_000 };
                    tokio::time::sleep(Duration::from_millis(t)).await;
                    f.lock().expect("lock").push(job.kind);
                    Ok::<(), JobError>(())
                }
            },
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    wait_until("both jobs to start", LIMIT, || async { started.load(Ordering::SeqCst) == 2 }).await;
    let asked = Instant::now();
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("stops").expect("task").expect("result");
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
    assert_eq!(*finished.lock().expect("lock"), ["quick"]);
    let s = t.queue.stats("s").await.expect("stats");
    assert_eq!(
        s,
        QueueStats { running: 1, ..QueueStats::default() },
        "the unfinished job stays delivered, for the reclaimer of another worker"
    );
    t.cleanup().await;
}

#[tokio::test]
async fn idle_consumers_without_pending_jobs_are_pruned() {
    let t = TestRedis::shared("prune").await;
    t.queue.ensure_group("p").await.expect("group");
    let stream = format!("{}:q:p:stream", t.prefix);
    let mut conn = t.conn.clone();
    let job = t.queue.enqueue("p", &JobSpec::new("held", json!(null))).await.expect("enqueue");
    // "ghost-busy" holds the job (as a process that died mid-job); "ghost-idle" holds nothing.
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&["GROUP", "workers", "ghost-busy", "COUNT", "1", "STREAMS", &stream, ">"])
        .query_async(&mut conn)
        .await
        .expect("xreadgroup");
    let _: i64 = redis::cmd("XGROUP")
        .arg(&["CREATECONSUMER", &stream, "workers", "ghost-idle"])
        .query_async(&mut conn)
        .await
        .expect("createconsumer");
    tokio::time::sleep(Duration::from_millis(400)).await;

    let mut config = t.worker().await.settings().clone();
    config.prune_idle = Duration::from_millis(300);
    let w = t.worker().await.config(config).name("live");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        w.run("p", |_job: Job| async { Ok::<(), JobError>(()) }, async move {
            let _ = stopped.await;
        })
        .await
    });
    let names = || {
        let mut conn = t.conn.clone();
        let stream = stream.clone();
        async move {
            let info: Vec<HashMap<String, redis::Value>> = redis::cmd("XINFO")
                .arg(&["CONSUMERS", &stream, "workers"])
                .query_async(&mut conn)
                .await
                .expect("xinfo");
            let mut names: Vec<String> = info
                .iter()
                .filter_map(|c| c.get("name"))
                .filter_map(|v| redis::from_redis_value_ref::<String>(v).ok())
                .collect();
            names.sort();
            names
        }
    };
    wait_until("ghost-idle to be pruned", LIMIT, || async {
        // (Redis 7.0 creates the consumer "live" only once it is handed an entry.)
        let mut n = names().await;
        n.retain(|c| c != "live");
        n == ["ghost-busy"]
    })
    .await;
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("stops").expect("task").expect("result");
    let s = t.queue.stats("p").await.expect("stats");
    assert_eq!(s.running, 1, "{job}: the busy ghost keeps its job until it is reclaimed");
    t.cleanup().await;
}
