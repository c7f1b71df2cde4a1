//! Cron: entries evaluated in KST, and three schedulers of the same entry firing each tick
//! exactly once (machine's Redis, unique prefix per test).

mod common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::TestRedis;
use queue::{kst, JobSpec, Scheduler};
use redis::AsyncCommands;
use serde_json::json;

#[tokio::test]
async fn three_schedulers_fire_each_tick_exactly_once() {
    let t = TestRedis::shared("cron").await;
    let window = Duration::from_millis(4500);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let s = Scheduler::new(t.queue.clone())
            .add("every-second", "* * * * * *", "cron", JobSpec::new("tick", json!({})))
            .expect("valid entry");
        tasks.push(tokio::spawn(s.run(tokio::time::sleep(window))));
    }
    for task in tasks {
        tokio::time::timeout(window + Duration::from_secs(5), task)
            .await
            .expect("scheduler stops at its shutdown")
            .expect("task")
            .expect("run");
    }
    let mut conn = t.conn.clone();
    let mut ticks: Vec<i64> = {
        let mut it: redis::AsyncIter<String> =
            conn.scan_match(format!("{}:cron:every-second:*", t.prefix)).await.expect("scan");
        let mut v = Vec::new();
        while let Some(k) = futures::StreamExt::next(&mut it).await {
            let k = k.expect("key");
            let tick = k.rsplit(':').next().and_then(|s| s.parse().ok());
            v.push(tick.expect("tick key ends in unix seconds"));
        }
        v
    };
    ticks.sort_unstable();
    let jobs: u64 = conn.xlen(format!("{}:q:cron:stream", t.prefix)).await.expect("xlen");
    assert!((4..=5).contains(&ticks.len()), "a 4.5 s window holds 4 or 5 ticks, got {ticks:?}");
    assert!(ticks.windows(2).all(|w| w[1] - w[0] == 1), "consecutive seconds: {ticks:?}");
    assert_eq!(jobs, ticks.len() as u64, "one job per tick across 3 schedulers");
    t.cleanup().await;
}

#[tokio::test]
async fn fire_enqueues_once_per_tick() {
    let t = TestRedis::shared("fire").await;
    let s = Scheduler::new(t.queue.clone())
        .add("nightly", "0 0 3 * * *", "n", JobSpec::new("report", json!({"a": 1})))
        .expect("valid entry");
    let tick = kst().with_ymd_and_hms(2026, 1, 2, 3, 0, 0).single().expect("tick");
    assert!(s.fire("nightly", tick).await.expect("fire").is_some());
    assert!(s.fire("nightly", tick).await.expect("fire").is_none());
    let next = tick + chrono::Duration::days(1);
    assert!(s.fire("nightly", next).await.expect("fire").is_some());
    assert_eq!(t.queue.stats("n").await.expect("stats").pending, 2);
    assert!(s.fire("missing", tick).await.is_err());
    t.cleanup().await;
}

#[test]
fn cron_is_evaluated_in_kst() {
    let schedule: cron::Schedule = "0 0 9 * * *".parse().expect("cron");
    // 2026-03-01 23:30 UTC is 08:30 KST on the 2nd: the next 09:00 KST is 00:00 UTC on the 2nd.
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 23, 30, 0).single().expect("time").with_timezone(&kst());
    let next = schedule.after(&at).next().expect("next");
    assert_eq!(next.with_timezone(&Utc), Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).single().expect("time"));
}

#[tokio::test]
async fn bad_cron_and_duplicate_names_are_refused() {
    let t = TestRedis::shared("badcron").await;
    let spec = JobSpec::new("x", json!(null));
    let bad = Scheduler::new(t.queue.clone()).add("x", "not a cron", "q", spec.clone());
    assert!(matches!(bad, Err(queue::Error::Cron { .. })));
    let dup = Scheduler::new(t.queue.clone())
        .add("x", "* * * * * *", "q", spec.clone())
        .and_then(|s| s.add("x", "* * * * * *", "q", spec));
    assert!(matches!(dup, Err(queue::Error::Invalid(_))));
}
