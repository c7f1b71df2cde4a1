//! `connect health [--json]`: the spec's §7.2 health-check script. Resources (disk, memory, load),
//! every service of the chain reached the way the app reaches it (the configured URLs and ports,
//! not systemctl), PostgreSQL's connections and uptime, Redis memory, the app's own readiness, the
//! public API through nginx, log sizes and recent errors. One line per check, or one JSON object.
//!
//! Exit codes: 0 healthy (warnings allowed), 1 unhealthy (the failed checks are named), 3 it could
//! not run (bad settings).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::Result;
use serde::Serialize;
use serde_json::{json, Value};

use crate::cli::DeploySettings;
use crate::probe::{self, RedisTarget};
use crate::report::{bytes, duration, Report, Status, EXIT_FAILED, EXIT_OK};
use crate::settings::Settings;
use crate::{db, shell};

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 healthy (warnings allowed), 1 unhealthy (the failed checks are named), \
                        3 it could not run.\nThe services are reached through the app's environment: \
                        DATABASE_DIRECT_URL (PostgreSQL), DATABASE_URL (PgBouncer), REDIS_CACHE_URL, \
                        REDIS_QUEUE_URL; nginx and the app through the deployment settings.")]
pub struct Args {
    /// One JSON object: `healthy`, `failed` (names) and every check with its figures.
    #[arg(long)]
    pub json: bool,
    /// Errors logged within this many minutes count as recent.
    #[arg(long, default_value_t = 60)]
    pub since_minutes: u64,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

/// The app's connection settings (its environment), as `connect serve` reads them.
#[derive(Debug, Default, Clone)]
pub struct App {
    pub database_url: Option<String>,
    pub database_direct_url: Option<String>,
    pub redis_cache_url: Option<String>,
    pub redis_queue_url: Option<String>,
}

/// One line of the report.
#[derive(Debug, Serialize)]
pub struct Check {
    pub group: &'static str,
    pub name: &'static str,
    #[serde(serialize_with = "status_text")]
    pub status: Status,
    pub detail: String,
    /// Numbers for machines (bytes, percentages, counts, seconds).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub figures: Value,
}

fn status_text<S: serde::Serializer>(status: &Status, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&status.to_string().to_lowercase())
}

fn check(group: &'static str, name: &'static str, status: Status, detail: impl Into<String>, figures: Value) -> Check {
    Check { group, name, status, detail: detail.into(), figures }
}

pub async fn run(args: &Args, app: &App) -> Result<u8> {
    let settings = args.deploy.load()?;
    let checks = collect(&settings, app, Duration::from_secs(args.since_minutes * 60)).await;
    let failed: Vec<&str> = checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.name).collect();
    if args.json {
        let report = json!({
            "healthy": failed.is_empty(),
            "failed": failed,
            "checked_at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "checks": checks,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("Connect health check ({})", crate::cli::local_time(std::time::SystemTime::now()));
        let mut report = Report::new();
        let mut group = "";
        for c in &checks {
            if c.group != group {
                group = c.group;
                println!("{group}");
            }
            report.step(c.status, c.name, &c.detail);
        }
        if failed.is_empty() {
            println!("healthy ({} warnings)", report.warned());
        } else {
            println!("UNHEALTHY: {}", failed.join(", "));
        }
    }
    Ok(if failed.is_empty() { EXIT_OK } else { EXIT_FAILED })
}

/// Every check, in the spec's order.
pub async fn collect(s: &Settings, app: &App, since: Duration) -> Vec<Check> {
    let mut checks = resources(s);
    let (service, database) = postgres(app).await;
    checks.push(service);
    checks.push(pgbouncer(app).await);
    for (name, url) in [("redis-cache", &app.redis_cache_url), ("redis-queue", &app.redis_queue_url)] {
        checks.push(redis(name, url.as_deref()));
    }
    checks.push(nginx(s));
    checks.extend(database);
    checks.push(application(s));
    checks.push(api(s));
    checks.extend(logs(s, since));
    checks
}

fn percent(used: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (used as f64 * 1000.0 / total as f64).round() / 10.0
    }
}

fn level(value: f64, warn: f64, fail: f64) -> Status {
    if value >= fail {
        Status::Fail
    } else if value >= warn {
        Status::Warn
    } else {
        Status::Ok
    }
}

// --- resources ------------------------------------------------------------------------------------

fn resources(s: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut paths = vec![PathBuf::from("/"), s.app.root.clone(), s.pg_data_dir()];
    paths.retain(|p| p.exists());
    match disks(&paths) {
        Ok(disks) => {
            for d in disks {
                // HighDiskUsage fires above 85%; at 95% PostgreSQL is close to stopping on a full WAL disk.
                let used = percent(d.used, d.used + d.available);
                let status = level(used, 85.0, 95.0);
                let detail = format!("{} {used}% used, {} free", d.mount, bytes(d.available));
                let figures = json!({"mount": d.mount, "used_percent": used, "available_bytes": d.available});
                checks.push(check("resources", "disk", status, detail, figures));
            }
        }
        Err(e) => checks.push(check("resources", "disk", Status::Fail, format!("df: {e:#}"), Value::Null)),
    }
    match std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| memory(&m)) {
        Some((total, available)) => {
            let used = percent(total - available.min(total), total);
            let detail = format!("{used}% used, {} available of {}", bytes(available), bytes(total));
            let figures = json!({"used_percent": used, "available_bytes": available, "total_bytes": total});
            checks.push(check("resources", "memory", level(used, 90.0, 97.0), detail, figures));
        }
        None => checks.push(check("resources", "memory", Status::Skip, "/proc/meminfo unreadable", Value::Null)),
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    match std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| load(&l)) {
        Some([one, five, fifteen]) => {
            let status = if five > 2.0 * cpus as f64 { Status::Warn } else { Status::Ok };
            let detail = format!("{one:.2} {five:.2} {fifteen:.2} on {cpus} CPUs");
            let figures = json!({"load1": one, "load5": five, "load15": fifteen, "cpus": cpus});
            checks.push(check("resources", "load", status, detail, figures));
        }
        None => checks.push(check("resources", "load", Status::Skip, "/proc/loadavg unreadable", Value::Null)),
    }
    checks
}

struct Disk {
    mount: String,
    used: u64,
    available: u64,
}

/// `df -P -k`, one line per distinct file system.
fn disks(paths: &[PathBuf]) -> Result<Vec<Disk>> {
    let mut c = Command::new("df");
    c.args(["-P", "-k"]).args(paths);
    let text = shell::output(&mut c)?;
    let mut found: Vec<Disk> = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, _, used, available, _, mount] = fields[..] else { continue };
        let (Ok(used), Ok(available)) = (used.parse::<u64>(), available.parse::<u64>()) else { continue };
        if !found.iter().any(|d| d.mount == mount) {
            found.push(Disk { mount: mount.to_string(), used: used * 1024, available: available * 1024 });
        }
    }
    Ok(found)
}

/// (MemTotal, MemAvailable) in bytes.
fn memory(meminfo: &str) -> Option<(u64, u64)> {
    let field = |name: &str| -> Option<u64> {
        let line = meminfo.lines().find_map(|l| l.strip_prefix(name))?;
        Some(line.trim().trim_end_matches("kB").trim().parse::<u64>().ok()? * 1024)
    };
    Some((field("MemTotal:")?, field("MemAvailable:")?))
}

fn load(loadavg: &str) -> Option<[f64; 3]> {
    let mut parts = loadavg.split_whitespace().map(|p| p.parse::<f64>().ok());
    Some([parts.next()??, parts.next()??, parts.next()??])
}

// --- services -------------------------------------------------------------------------------------

/// The service line, and the database's connection count and uptime when it answers.
async fn postgres(app: &App) -> (Check, Vec<Check>) {
    let Some(url) = app.database_direct_url.as_deref() else {
        return (check("services", "postgresql", Status::Fail, "DATABASE_DIRECT_URL is not set", Value::Null), vec![]);
    };
    let client = match db::connect(url).await {
        Ok(client) => client,
        Err(e) => return (check("services", "postgresql", Status::Fail, format!("{e:#}"), Value::Null), vec![]),
    };
    let sql = "SELECT (SELECT count(*) FROM pg_stat_activity),
                      current_setting('max_connections')::bigint,
                      extract(epoch FROM now() - pg_postmaster_start_time())::bigint,
                      current_setting('server_version')";
    match client.query_one(sql, &[]).await {
        Ok(row) => {
            let (connections, max, uptime, version): (i64, i64, i64, String) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let used = percent(connections as u64, max as u64);
            let service = check(
                "services",
                "postgresql",
                Status::Ok,
                format!("{} answers (PostgreSQL {version})", db::redacted(url)),
                json!({"version": version}),
            );
            let figures = vec![
                check(
                    "database",
                    "connections",
                    level(used, 80.0, 95.0),
                    format!("{connections} of max_connections {max}"),
                    json!({"connections": connections, "max_connections": max}),
                ),
                check(
                    "database",
                    "uptime",
                    Status::Ok,
                    duration(Duration::from_secs(uptime.max(0) as u64)),
                    json!({"uptime_seconds": uptime}),
                ),
            ];
            (service, figures)
        }
        Err(e) => (check("services", "postgresql", Status::Fail, e.to_string(), Value::Null), vec![]),
    }
}

/// A query through the pool the app uses. The simple protocol: nothing is prepared, so nothing is
/// left on a server connection that transaction pooling hands to someone else.
async fn pgbouncer(app: &App) -> Check {
    let (Some(url), direct) = (app.database_url.as_deref(), app.database_direct_url.as_deref()) else {
        return check("services", "pgbouncer", Status::Fail, "DATABASE_URL is not set", Value::Null);
    };
    if Some(url) == direct {
        return check("services", "pgbouncer", Status::Skip, "DATABASE_URL is the direct URL", Value::Null);
    }
    match db::connect(url).await {
        Err(e) => check("services", "pgbouncer", Status::Fail, format!("{e:#}"), Value::Null),
        Ok(client) => match client.simple_query("SELECT 1").await {
            Ok(_) => check("services", "pgbouncer", Status::Ok, format!("{} answers", db::redacted(url)), Value::Null),
            Err(e) => {
                check("services", "pgbouncer", Status::Fail, format!("through {}: {e}", db::redacted(url)), Value::Null)
            }
        },
    }
}

fn redis(name: &'static str, url: Option<&str>) -> Check {
    let Some(url) = url else {
        let variable = if name == "redis-cache" { "REDIS_CACHE_URL" } else { "REDIS_QUEUE_URL" };
        return check("services", name, Status::Fail, format!("{variable} is not set"), Value::Null);
    };
    let info = RedisTarget::parse(url).and_then(|t| Ok((probe::redis_info(&t, "memory")?, t)));
    match info {
        Err(e) => check("services", name, Status::Fail, format!("{e:#}"), Value::Null),
        Ok((info, target)) => {
            let get = |key: &str| info.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("?");
            let number = |key: &str| get(key).parse::<u64>().unwrap_or(0);
            let (used, max) = (number("used_memory"), number("maxmemory"));
            let limit = if max == 0 { "no limit".to_string() } else { bytes(max) };
            // The queue refuses writes at maxmemory (noeviction): near it is trouble; the cache evicts.
            let status =
                if name == "redis-queue" && max > 0 { level(percent(used, max), 80.0, 95.0) } else { Status::Ok };
            let detail = format!(
                "{}:{} answers; memory {} of {limit}, {}",
                target.host,
                target.port,
                get("used_memory_human"),
                get("maxmemory_policy")
            );
            let figures =
                json!({"used_memory_bytes": used, "maxmemory_bytes": max, "maxmemory_policy": get("maxmemory_policy")});
            check("services", name, status, detail, figures)
        }
    }
}

fn nginx(s: &Settings) -> Check {
    let port = s.nginx.status_port;
    match probe::get_tcp("127.0.0.1", port, "/nginx_status") {
        Ok((200, body)) => {
            let active = body.lines().find_map(|l| l.strip_prefix("Active connections:")).map(str::trim);
            let active: u64 = active.and_then(|a| a.parse().ok()).unwrap_or(0);
            let detail = format!("status server 127.0.0.1:{port} answers; {active} active connections");
            check("services", "nginx", Status::Ok, detail, json!({"active_connections": active}))
        }
        Ok((code, _)) => check("services", "nginx", Status::Fail, format!("/nginx_status → {code}"), Value::Null),
        Err(e) => check("services", "nginx", Status::Fail, format!("127.0.0.1:{port}: {e:#}"), Value::Null),
    }
}

/// The app's readiness on its own socket: 200 with every dependency fine, 503 naming the one down.
fn application(s: &Settings) -> Check {
    let socket = &s.app.socket;
    match probe::get_unix(socket, "/api/health") {
        Err(e) => check("application", "app", Status::Fail, format!("{e:#}"), Value::Null),
        Ok((code, body)) => {
            let report: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let state = report["status"].as_str().unwrap_or("?").to_string();
            let down: Vec<&str> = ["postgres", "redis_cache", "redis_queue"]
                .into_iter()
                .filter(|name| report["checks"][name]["ok"] == Value::Bool(false))
                .collect();
            let documents = &report["search"]["indexed_documents"];
            let mut detail = format!("GET /api/health on {} → {code} {state}", socket.display());
            if !down.is_empty() {
                detail.push_str(&format!("; down: {}", down.join(", ")));
            }
            if let Some(n) = documents.as_u64() {
                detail.push_str(&format!("; {n} programs indexed"));
            }
            let status = match (code, state.as_str()) {
                (200, "ok") => Status::Ok,
                (200, _) => Status::Warn,
                _ => Status::Fail,
            };
            let figures = json!({"http_status": code, "status": state, "version": report["version"]});
            check("application", "app", status, detail, figures)
        }
    }
}

/// The public site as a client sees it: HTTPS through nginx to the app (curl, certificate not
/// checked here: `connect maintenance` watches its expiry).
fn api(s: &Settings) -> Check {
    let host = if s.nginx.listen == "*" { "127.0.0.1" } else { s.nginx.listen.as_str() };
    let url = format!("https://{}:{}/api/health", s.domain, s.nginx.https_port);
    if !shell::found("curl") {
        return check("api", "api", Status::Skip, "curl is not installed", Value::Null);
    }
    let mut c = Command::new("curl");
    c.args(["-sS", "-k", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--max-time", "5"])
        .arg("--resolve")
        .arg(format!("{}:{}:{host}", s.domain, s.nginx.https_port))
        .arg(&url);
    match shell::output(&mut c) {
        Err(e) => check("api", "api", Status::Fail, format!("{url}: {e:#}"), Value::Null),
        Ok(out) => {
            let mut parts = out.split_whitespace();
            let code: u16 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
            let seconds: f64 = parts.next().and_then(|t| t.parse().ok()).unwrap_or(0.0);
            let status = if code == 200 { Status::Ok } else { Status::Fail };
            let detail = format!("GET {url} → {code} in {:.0} ms", seconds * 1000.0);
            check("api", "api", status, detail, json!({"http_status": code, "seconds": seconds}))
        }
    }
}

// --- logs -----------------------------------------------------------------------------------------

/// Bigger than this, logrotate is not doing its job.
const LOG_WARN_BYTES: u64 = 1 << 30;
/// How much of the end of a log is read for recent errors.
const TAIL_BYTES: u64 = 8 << 20;

fn logs(s: &Settings, since: Duration) -> Vec<Check> {
    let app_logs = s.shared_dir().join("logs");
    let mut files = log_files(&app_logs);
    files.extend(log_files(&s.nginx.log_dir));
    files.push(s.pgbouncer.log_file.clone());
    files.push(s.redis.cache.log_file.clone());
    files.push(s.redis.queue.log_file.clone());
    files.retain(|f| f.is_file());
    files.dedup();
    let sizes: Vec<(PathBuf, u64)> =
        files.into_iter().map(|f| (f.clone(), f.metadata().map_or(0, |m| m.len()))).collect();
    let total: u64 = sizes.iter().map(|(_, n)| n).sum();
    let big: Vec<String> = sizes
        .iter()
        .filter(|(_, n)| *n > LOG_WARN_BYTES)
        .map(|(f, n)| format!("{} {}", f.display(), bytes(*n)))
        .collect();
    let largest = sizes.iter().max_by_key(|(_, n)| *n);
    let plural = if sizes.len() == 1 { "" } else { "s" };
    let mut detail = format!("{} file{plural}, {} in all", sizes.len(), bytes(total));
    if let Some((file, n)) = largest {
        detail.push_str(&format!("; largest {} {}", file.display(), bytes(*n)));
    }
    let figures: serde_json::Map<String, Value> =
        sizes.iter().map(|(f, n)| (f.display().to_string(), json!(n))).collect();
    let status = if big.is_empty() { Status::Ok } else { Status::Warn };
    if !big.is_empty() {
        detail = format!("over {}: {}", bytes(LOG_WARN_BYTES), big.join(", "));
    }
    let mut checks = vec![check("logs", "log sizes", status, detail, Value::Object(figures))];

    let now = chrono::Utc::now();
    let cutoff = now - chrono::Duration::from_std(since).unwrap_or_else(|_| chrono::Duration::hours(1));
    let minutes = since.as_secs() / 60;
    let app_errors = tail(&app_logs.join("connect.log")).map(|t| app_error_count(&t, cutoff));
    let nginx_errors = tail(&s.nginx.log_dir.join("error.log")).map(|t| nginx_error_count(&t, cutoff));
    let system_errors = journal_errors(minutes);
    let mut parts = Vec::new();
    let mut figures = serde_json::Map::new();
    for (name, count) in [("app", app_errors), ("nginx", nginx_errors), ("system", system_errors)] {
        if let Some(n) = count {
            parts.push(format!("{name} {n}"));
            figures.insert(name.to_string(), json!(n));
        }
    }
    let any = figures.values().any(|v| v.as_u64().unwrap_or(0) > 0);
    let detail = if parts.is_empty() {
        "no log to read".to_string()
    } else {
        format!("in the last {minutes} min: {}", parts.join(", "))
    };
    checks.push(check(
        "logs",
        "recent errors",
        if any { Status::Warn } else { Status::Ok },
        detail,
        Value::Object(figures),
    ));
    checks
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "log")).collect();
    files.sort();
    files
}

/// The last [`TAIL_BYTES`] of a file, from its first whole line.
fn tail(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut raw = Vec::new();
    file.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    Some(if start > 0 { text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string()) } else { text })
}

/// ERROR lines of the app's log (JSON lines, `LOG_FORMAT=json`, or tracing's text format) since `cutoff`.
fn app_error_count(text: &str, cutoff: chrono::DateTime<chrono::Utc>) -> usize {
    text.lines()
        .filter(|line| {
            let (level, at) = match serde_json::from_str::<Value>(line) {
                Ok(v) => (v["level"].as_str().unwrap_or("").to_string(), v["timestamp"].as_str().map(str::to_string)),
                Err(_) => {
                    let mut words = line.split_whitespace();
                    let at = words.next().map(str::to_string);
                    (words.next().unwrap_or("").to_string(), at)
                }
            };
            level == "ERROR"
                && at
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                    .is_some_and(|t| t.with_timezone(&chrono::Utc) >= cutoff)
        })
        .count()
}

/// nginx's `[error]` and worse since `cutoff` (its local time), leaving out the rate limiter's
/// refusals: those are clients over their limit (fail2ban reads them), not faults.
fn nginx_error_count(text: &str, cutoff: chrono::DateTime<chrono::Utc>) -> usize {
    let cutoff = cutoff.with_timezone(&chrono::Local).naive_local();
    text.lines()
        .filter(|line| ["[error]", "[crit]", "[alert]", "[emerg]"].iter().any(|l| line.contains(l)))
        .filter(|line| !line.contains("limiting requests"))
        .filter(|line| {
            line.get(..19)
                .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y/%m/%d %H:%M:%S").ok())
                .is_some_and(|t| t >= cutoff)
        })
        .count()
}

/// `journalctl --priority=err` entries; None where there is no journal to read.
fn journal_errors(minutes: u64) -> Option<usize> {
    if !shell::found("journalctl") || !Path::new("/run/systemd/journal").exists() {
        return None;
    }
    let mut c = Command::new("journalctl");
    c.args(["--quiet", "--no-pager", "--priority=err", "--output=cat"]).arg(format!("--since=-{minutes}min"));
    shell::output(&mut c).ok().map(|out| out.lines().filter(|l| !l.trim().is_empty()).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_read_from_proc() {
        let meminfo = "MemTotal:        2048000 kB\nMemFree:          100000 kB\nMemAvailable:     512000 kB\n";
        assert_eq!(memory(meminfo), Some((2_097_152_000, 524_288_000)));
        assert_eq!(load("0.50 1.25 2.00 3/400 1234\n"), Some([0.5, 1.25, 2.0]));
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(
            (level(84.9, 85.0, 95.0), level(85.0, 85.0, 95.0), level(99.0, 85.0, 95.0)),
            (Status::Ok, Status::Warn, Status::Fail)
        );
        let disks = disks(&[PathBuf::from("/"), PathBuf::from("/")]).unwrap();
        assert_eq!(disks.len(), 1, "one line per file system");
        assert!(disks[0].available > 0);
    }

    #[test]
    fn only_recent_errors_count() {
        let now = chrono::Utc::now();
        let at = |minutes: i64| (now - chrono::Duration::minutes(minutes)).to_rfc3339();
        let app = format!(
            "{{\"timestamp\":\"{}\",\"level\":\"ERROR\",\"fields\":{{\"message\":\"db down\"}}}}\n\
             {{\"timestamp\":\"{}\",\"level\":\"ERROR\",\"fields\":{{\"message\":\"old\"}}}}\n\
             {{\"timestamp\":\"{}\",\"level\":\"INFO\",\"fields\":{{\"message\":\"fine\"}}}}\n\
             {} ERROR connect::server: text format\nnot a log line\n",
            at(5),
            at(120),
            at(1),
            at(2)
        );
        assert_eq!(app_error_count(&app, now - chrono::Duration::hours(1)), 2);
        let local =
            |minutes: i64| (chrono::Local::now() - chrono::Duration::minutes(minutes)).format("%Y/%m/%d %H:%M:%S");
        let nginx = format!(
            "{} [error] 7#7: *1 connect() to unix:/run/connect/connect.sock failed (111: Connection refused)\n\
             {} [error] 7#7: *2 limiting requests, excess: 20.5 by zone \"login_limit\"\n\
             {} [warn] 7#7: *3 an upstream response is buffered\n\
             {} [crit] 7#7: *4 old\n",
            local(3),
            local(2),
            local(1),
            local(90)
        );
        assert_eq!(nginx_error_count(&nginx, now - chrono::Duration::hours(1)), 1);
    }

    #[test]
    fn json_names_the_status_in_lower_case() {
        let c = check("services", "pgbouncer", Status::Fail, "refused", Value::Null);
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v, json!({"group": "services", "name": "pgbouncer", "status": "fail", "detail": "refused"}));
    }

    #[test]
    fn logs_are_listed_with_their_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::default();
        s.app.root = dir.path().to_path_buf();
        s.nginx.log_dir = dir.path().join("nginx");
        s.pgbouncer.log_file = dir.path().join("pgbouncer.log");
        s.redis.cache.log_file = dir.path().join("redis-cache.log");
        s.redis.queue.log_file = dir.path().join("redis-queue.log");
        std::fs::create_dir_all(dir.path().join("shared/logs")).unwrap();
        std::fs::write(dir.path().join("shared/logs/connect.log"), "x".repeat(2000)).unwrap();
        std::fs::write(dir.path().join("shared/logs/notes.txt"), "not a log").unwrap();
        let checks = logs(&s, Duration::from_secs(3600));
        assert_eq!(checks[0].status, Status::Ok);
        assert!(checks[0].detail.starts_with("1 file, 2.0 KB in all"), "{}", checks[0].detail);
        assert_eq!((checks[1].name, checks[1].status), ("recent errors", Status::Ok));
        assert_eq!(checks[1].figures["app"], 0);
    }
}
