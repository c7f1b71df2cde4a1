//! `connect worker`: runs scrape jobs from the durable queue (Redis Streams, the spec's queue
//! instance) and fires each source's schedule exactly once across all worker processes. Outcomes
//! are counted in the queue Redis, so `/api/metrics` of any app node exports them for every worker.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deadpool_postgres::Pool;
use fetch::Fetcher;
use queue::{Handler, Job, JobError, JobSpec, Queue, Scheduler, Worker};
use redis::aio::ConnectionManager;

use super::config::Sources;
use super::scrape::{scrape, ScrapeError, ScrapeReport};

pub const SCRAPE_QUEUE: &str = "scrape";
/// Attachment downloads and text extraction: heavier, so on their own queue and concurrency.
pub const ATTACHMENT_QUEUE: &str = "attachments";

/// The job that extracts the text of a program's attachments.
pub fn attachment_job(program_id: i64) -> JobSpec {
    JobSpec::new("attachments", serde_json::json!({ "program_id": program_id }))
        .idempotency_key(format!("attachments:{program_id}"))
        .max_attempts(3)
}

/// The job that scrapes `source` now. Its idempotency key keeps one source from being queued twice
/// while a scrape of it is pending or running.
pub fn scrape_job(source: &str) -> JobSpec {
    JobSpec::new("scrape", serde_json::json!({ "source": source }))
        .idempotency_key(format!("scrape:{source}"))
        .max_attempts(4)
}

/// Scrape outcomes per source, counted in Redis (HINCRBY is atomic across workers).
#[derive(Clone)]
pub struct ScrapeStats {
    conn: ConnectionManager,
    key: String,
}

impl ScrapeStats {
    pub fn new(conn: ConnectionManager, prefix: &str) -> Self {
        ScrapeStats { conn, key: format!("{prefix}:metrics:scrape") }
    }

    async fn add(&self, fields: &[(String, i64)]) {
        let mut pipe = redis::pipe();
        for (field, by) in fields {
            pipe.hincr(&self.key, field, *by).ignore();
        }
        let mut conn = self.conn.clone();
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, "scrape metrics not recorded");
        }
    }

    pub async fn succeeded(&self, source: &str, report: &ScrapeReport, took: Duration) {
        let status = if report.not_modified { "not_modified" } else { "succeeded" };
        let mut fields = vec![
            (format!("runs|{source}|{status}"), 1),
            (format!("items|{source}|new"), report.new as i64),
            (format!("items|{source}|changed"), report.changed as i64),
            (format!("items|{source}|unchanged"), report.unchanged as i64),
            (format!("items|{source}|rejected"), report.rejected.len() as i64),
        ];
        fields.extend(duration_fields(source, took));
        self.add(&fields).await;
    }

    pub async fn failed(&self, source: &str, error: &ScrapeError, took: Duration) {
        let mut fields = vec![(format!("runs|{source}|failed"), 1)];
        fields.extend(duration_fields(source, took));
        if matches!(error, ScrapeError::Fetch(fetch::FetchError::RobotsDisallowed { .. })) {
            fields.push((format!("robots_denied|{source}|"), 1));
        }
        self.add(&fields).await;
    }

    /// Prometheus text for the counters: `scraping_failures_total{source}` (the spec's
    /// ScrapingFailure alert), `scrape_runs_total{source,status}`, `scrape_items_total{source,outcome}`,
    /// `scrape_duration_seconds_total{source}`, `scrape_robots_denied_total{source}`.
    pub async fn render(&self) -> String {
        let mut conn = self.conn.clone();
        let counts: Vec<(String, i64)> = match redis::cmd("HGETALL").arg(&self.key).query_async(&mut conn).await {
            Ok(counts) => counts,
            Err(_) => return String::new(),
        };
        let mut out = String::new();
        let mut series = |name: &str, help: &str, lines: Vec<String>| {
            if !lines.is_empty() {
                out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} counter\n"));
                for line in lines {
                    out.push_str(&line);
                }
            }
        };
        let parts = |field: &str| -> Option<(String, String, String)> {
            let mut it = field.splitn(3, '|');
            Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.to_string()))
        };
        let pick = |what: &str, f: &dyn Fn(&str, &str, i64) -> String| -> Vec<String> {
            let mut lines: Vec<String> = counts
                .iter()
                .filter_map(|(field, n)| {
                    parts(field).filter(|(w, _, _)| w == what).map(|(_, source, label)| f(&source, &label, *n))
                })
                .collect();
            lines.sort();
            lines
        };
        series(
            "scraping_failures_total",
            "Scrapes that failed, by source",
            pick("runs", &|s, status, n| {
                if status == "failed" {
                    format!("scraping_failures_total{{source=\"{s}\"}} {n}\n")
                } else {
                    String::new()
                }
            })
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect(),
        );
        series(
            "scrape_runs_total",
            "Scrape runs by source and outcome",
            pick("runs", &|s, status, n| format!("scrape_runs_total{{source=\"{s}\",status=\"{status}\"}} {n}\n")),
        );
        series(
            "scrape_items_total",
            "Programs seen by scrapes, by outcome",
            pick("items", &|s, outcome, n| format!("scrape_items_total{{source=\"{s}\",outcome=\"{outcome}\"}} {n}\n")),
        );
        series(
            "scrape_duration_seconds_total",
            "Time spent scraping, by source",
            pick("seconds_ms", &|s, _, n| {
                format!("scrape_duration_seconds_total{{source=\"{s}\"}} {}\n", n as f64 / 1000.0)
            }),
        );
        series(
            "scrape_robots_denied_total",
            "Scrapes refused by robots.txt",
            pick("robots_denied", &|s, _, n| format!("scrape_robots_denied_total{{source=\"{s}\"}} {n}\n")),
        );
        out.push_str(&histogram(&counts));
        out
    }
}

/// Upper bounds (seconds) of the scrape duration histogram: a list page is seconds, a source with
/// many detail pages at a polite pace is minutes.
const DURATION_BUCKETS: &[u64] = &[1, 5, 15, 30, 60, 120, 300, 600, 1800];

/// The counter fields one scrape adds: its source's total time, and the (source-less) histogram.
fn duration_fields(source: &str, took: Duration) -> Vec<(String, i64)> {
    let ms = took.as_millis() as i64;
    let mut fields =
        vec![(format!("seconds_ms|{source}|"), ms), ("hist|count|".into(), 1), ("hist|sum_ms|".into(), ms)];
    for le in DURATION_BUCKETS.iter().filter(|le| took.as_secs_f64() <= **le as f64) {
        fields.push((format!("hist|le|{le}"), 1));
    }
    fields
}

/// `scrape_duration_seconds` as a Prometheus histogram (cumulative buckets, `_sum`, `_count`).
fn histogram(counts: &[(String, i64)]) -> String {
    let get = |field: &str| counts.iter().find(|(f, _)| f == field).map(|(_, n)| *n).unwrap_or(0);
    let count = get("hist|count|");
    if count == 0 {
        return String::new();
    }
    let mut out = String::from(
        "# HELP scrape_duration_seconds How long one scrape of one source took\n# TYPE scrape_duration_seconds histogram\n",
    );
    for le in DURATION_BUCKETS {
        out.push_str(&format!("scrape_duration_seconds_bucket{{le=\"{le}\"}} {}\n", get(&format!("hist|le|{le}"))));
    }
    out.push_str(&format!("scrape_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"));
    out.push_str(&format!("scrape_duration_seconds_sum {}\n", get("hist|sum_ms|") as f64 / 1000.0));
    out.push_str(&format!("scrape_duration_seconds_count {count}\n"));
    out
}

/// Runs scrape and attachment jobs.
#[derive(Clone)]
pub struct ScrapeJobs {
    pub sources: Arc<Sources>,
    pub fetcher: Fetcher,
    pub db: Pool,
    pub stats: ScrapeStats,
    pub queue: Queue,
    /// This binary, run as the extraction child (`connect extract --json`).
    pub exe: std::path::PathBuf,
}

impl Handler for ScrapeJobs {
    async fn handle(&self, job: Job) -> Result<(), JobError> {
        match job.kind.as_str() {
            "scrape" => self.scrape(job).await,
            "attachments" => {
                let Some(id) = job.payload.get("program_id").and_then(|v| v.as_i64()) else {
                    return Err(JobError::Fatal(format!("attachments job without a program: {}", job.payload)));
                };
                super::attachments::extract_program(id, &self.fetcher, &self.db, &self.exe)
                    .await
                    .map(|read| tracing::info!(program_id = id, read, "attachments extracted"))
                    .map_err(|e| JobError::Retry(format!("{e:#}")))
            }
            other => Err(JobError::Fatal(format!("unknown job kind {other}"))),
        }
    }
}

impl ScrapeJobs {
    async fn scrape(&self, job: Job) -> Result<(), JobError> {
        let Some(name) = job.payload.get("source").and_then(|s| s.as_str()) else {
            return Err(JobError::Fatal(format!("scrape job without a source: {}", job.payload)));
        };
        let Some(source) = self.sources.get(name) else {
            return Err(JobError::Fatal(format!("알 수 없는 소스: {name}")));
        };
        let started = Instant::now();
        match scrape(source, &self.fetcher, &self.db, &|step| tracing::debug!(source = name, step)).await {
            Ok(report) => {
                tracing::info!(source = name, %report, "scrape finished");
                self.stats.succeeded(name, &report, started.elapsed()).await;
                for id in &report.attachments_to_extract {
                    if let Err(e) = self.queue.enqueue(ATTACHMENT_QUEUE, &attachment_job(*id)).await {
                        // The next change of the program queues it again; the scrape itself succeeded.
                        tracing::warn!(program_id = id, error = %e, "attachment job not queued");
                    }
                }
                Ok(())
            }
            Err(e) => {
                tracing::warn!(source = name, error = %e, attempt = job.attempt, "scrape failed");
                self.stats.failed(name, &e, started.elapsed()).await;
                Err(if e.is_permanent() { JobError::Fatal(e.to_string()) } else { JobError::Retry(e.to_string()) })
            }
        }
    }
}

/// The scheduler for every enabled source.
pub fn scheduler(queue: Queue, sources: &Sources) -> anyhow::Result<Scheduler> {
    let mut scheduler = Scheduler::new(queue);
    for source in sources.enabled() {
        scheduler = scheduler.add(&source.name, &source.schedule(), SCRAPE_QUEUE, scrape_job(&source.name))?;
    }
    Ok(scheduler)
}

/// Runs scrape and attachment jobs and the schedules until `stop` resolves. Attachments are
/// extracted one at a time per process: each extraction is a child process that may use a lot of
/// memory.
pub async fn run(
    jobs: ScrapeJobs,
    notify: crate::notify::jobs::NotifyJobs,
    redis: &crate::config::RedisConfig,
    concurrency: usize,
    visibility_timeout: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let (queue, scrape_reader) = connect(redis).await?;
    let (_, attachment_reader) = connect(redis).await?;
    let (_, notify_reader) = connect(redis).await?;
    let scheduler = crate::notify::jobs::schedule(scheduler(queue.clone(), &jobs.sources)?)?;
    let scrapes =
        Worker::new(queue.clone(), scrape_reader).concurrency(concurrency).visibility_timeout(visibility_timeout);
    let attachments =
        Worker::new(queue.clone(), attachment_reader).concurrency(1).visibility_timeout(visibility_timeout);
    let notifications = Worker::new(queue, notify_reader).concurrency(1).visibility_timeout(visibility_timeout);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let (scraped, extracted, notified, scheduled) = tokio::join!(
        scrapes.run(SCRAPE_QUEUE, jobs.clone(), stopped(stop.clone())),
        attachments.run(ATTACHMENT_QUEUE, jobs, stopped(stop.clone())),
        notifications.run(crate::notify::jobs::NOTIFY_QUEUE, notify, stopped(stop.clone())),
        scheduler.run(stopped(stop))
    );
    scraped?;
    extracted?;
    notified?;
    scheduled?;
    Ok(())
}

/// The queue on `REDIS_QUEUE_URL`, and a second connection for blocking reads.
pub async fn connect(redis: &crate::config::RedisConfig) -> anyhow::Result<(Queue, ConnectionManager)> {
    let client = redis::Client::open(redis.queue_url.expose())
        .map_err(|e| anyhow::anyhow!("REDIS_QUEUE_URL ({}): {e}", redis.queue_url.redacted()))?;
    let (commands, reader) = queue::connect(&client, Duration::from_secs(1))
        .await
        .map_err(|e| anyhow::anyhow!("큐 Redis에 연결할 수 없습니다 ({}): {e}", redis.queue_url.redacted()))?;
    Ok((Queue::new(commands, &redis.key_prefix), reader))
}

impl ScrapeJobs {
    pub fn new(
        sources: Sources,
        database: &crate::config::DatabaseConfig,
        queue: &Queue,
        redis: &crate::config::RedisConfig,
    ) -> anyhow::Result<Self> {
        Ok(ScrapeJobs {
            sources: Arc::new(sources),
            fetcher: Fetcher::new(fetch::FetchConfig::default())?,
            db: crate::db::pool(database)?,
            stats: ScrapeStats::new(queue.connection().clone(), &redis.key_prefix),
            queue: queue.clone(),
            exe: std::env::current_exe()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrape_durations_form_a_cumulative_histogram() {
        let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
        for secs in [0.5, 20.0, 700.0] {
            for (field, n) in duration_fields("ntis-rss", Duration::from_secs_f64(secs)) {
                *counts.entry(field).or_default() += n;
            }
        }
        let counts: Vec<(String, i64)> = counts.into_iter().collect();
        let text = histogram(&counts);
        assert!(text.contains("# TYPE scrape_duration_seconds histogram"));
        assert!(text.contains("scrape_duration_seconds_bucket{le=\"1\"} 1\n"), "{text}");
        assert!(text.contains("scrape_duration_seconds_bucket{le=\"30\"} 2\n"));
        assert!(text.contains("scrape_duration_seconds_bucket{le=\"600\"} 2\n"));
        assert!(text.contains("scrape_duration_seconds_bucket{le=\"1800\"} 3\n"));
        assert!(text.contains("scrape_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(text.contains("scrape_duration_seconds_sum 720.5\n"));
        assert!(text.contains("scrape_duration_seconds_count 3\n"));
    }
}
