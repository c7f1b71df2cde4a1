//! `connect maintenance`: the spec's §7.2 maintenance run, one `ok`/`warn`/`fail` line per step —
//! log rotation, `VACUUM (ANALYZE)`, leftover uploads, expired account rows, the TLS certificate,
//! pending security updates, and the backups (age and `pgbackrest check`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;

use crate::cli::DeploySettings;
use crate::pgbackrest::PgBackRest;
use crate::report::{duration, Report, Status};
use crate::settings::Settings;
use crate::{certificate, db, expiry, freshness, shell, updates};

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 no step failed (warnings allowed), 1 a step failed, 3 it could not run.\n\
    The database is DATABASE_DIRECT_URL (or DATABASE_URL); uploads are CONNECT_UPLOAD_DIR.")]
pub struct Args {
    /// Show what each step would do; change nothing (the checks still run).
    #[arg(long)]
    pub dry_run: bool,
    /// The installed logrotate file of the app (rendered as logrotate/connect).
    #[arg(long, value_name = "FILE", default_value = "/etc/logrotate.d/connect")]
    pub logrotate_conf: PathBuf,
    /// logrotate's state file (default: logrotate's own).
    #[arg(long, value_name = "FILE")]
    pub logrotate_state: Option<PathBuf>,
    /// The certificate to check; default: the settings' nginx.tls_certificate.
    #[arg(long, value_name = "FILE")]
    pub certificate: Option<PathBuf>,
    /// Warn when the certificate expires within this many days.
    #[arg(long, default_value_t = 30)]
    pub certificate_days: i64,
    /// Where uploaded documents are; default: CONNECT_UPLOAD_DIR, else shared/uploads.
    #[arg(long, value_name = "DIR")]
    pub uploads: Option<PathBuf>,
    /// pgBackRest's configuration; default: the settings' backup.config_file.
    #[arg(long, value_name = "FILE")]
    pub pgbackrest_config: Option<PathBuf>,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

/// What the app provides: its database, its upload directory and its own clean-up of uploads.
pub struct App<'a> {
    pub database_url: Option<String>,
    pub upload_dir: Option<PathBuf>,
    /// Removes upload leftovers older than an hour from `DIR/tmp`; returns how many.
    pub clean_temporary: &'a dyn Fn(&Path) -> usize,
}

pub async fn run(args: &Args, app: &App<'_>) -> Result<u8> {
    let settings = args.deploy.load()?;
    let started = Instant::now();
    let mut report = Report::new();
    println!("maintenance{}", if args.dry_run { " (dry run: nothing is changed)" } else { "" });

    let (status, detail) = logs(args);
    report.step(status, "log rotation", detail);

    match &app.database_url {
        None => report.step(Status::Fail, "database", "DATABASE_DIRECT_URL is not set"),
        Some(url) => match db::connect(url).await {
            Err(e) => report.step(Status::Fail, "database", format!("{e:#}")),
            Ok(client) => {
                let (status, detail) = vacuum(&client, args.dry_run).await;
                report.step(status, "VACUUM (ANALYZE)", detail);
                let (status, detail) = match expiry::clean(&client, args.dry_run).await {
                    Ok(counts) if args.dry_run => (Status::Plan, format!("would delete: {}", expiry::summary(&counts))),
                    Ok(counts) => (Status::Ok, format!("deleted: {}", expiry::summary(&counts))),
                    Err(e) => (Status::Fail, format!("{e:#}")),
                };
                report.step(status, "expired rows", detail);
            }
        },
    }

    let uploads = args.uploads.clone().or(app.upload_dir.clone()).unwrap_or_else(|| settings.uploads_dir());
    let (status, detail) = uploads_step(&uploads, args.dry_run, app.clean_temporary);
    report.step(status, "upload leftovers", detail);

    let certificate = args.certificate.clone().unwrap_or_else(|| settings.tls_certificate());
    let (status, detail) = certificate_step(&certificate, args.certificate_days);
    report.step(status, "TLS certificate", detail);

    let (status, detail) = match updates::pending() {
        Ok(None) => (Status::Skip, "apt-get is not available".to_string()),
        Err(e) => (Status::Skip, format!("apt-get -s upgrade failed: {e:#}")),
        Ok(Some(p)) if p.security.is_empty() => {
            (Status::Ok, format!("no security update pending ({} upgrades)", p.total))
        }
        Ok(Some(p)) => {
            let shown = p.security.iter().take(8).cloned().collect::<Vec<_>>().join(" ");
            let more = if p.security.len() > 8 { " …" } else { "" };
            (Status::Warn, format!("{} security updates pending of {}: {shown}{more}", p.security.len(), p.total))
        }
    };
    report.step(status, "security updates", detail);

    for (status, name, detail) in backups(&settings, args.pgbackrest_config.as_deref()) {
        report.step(status, name, detail);
    }
    println!(
        "maintenance done in {}: {} failed, {} warnings",
        duration(started.elapsed()),
        report.failed(),
        report.warned()
    );
    Ok(report.exit_code())
}

fn logs(args: &Args) -> (Status, String) {
    if !args.logrotate_conf.is_file() {
        return (Status::Skip, format!("{} is not installed", args.logrotate_conf.display()));
    }
    if !shell::found("logrotate") {
        return (Status::Skip, "logrotate is not installed".into());
    }
    let mut c = Command::new("logrotate");
    c.arg(if args.dry_run { "-d" } else { "-f" });
    if let Some(state) = &args.logrotate_state {
        c.arg("-s").arg(state);
    }
    c.arg(&args.logrotate_conf);
    match shell::run_captured(&mut c) {
        Ok(out) if out.status.success() && args.dry_run => {
            (Status::Plan, format!("would run logrotate -f (checked: {})", shell::describe(&c)))
        }
        Ok(out) if out.status.success() => (Status::Ok, shell::describe(&c)),
        Ok(out) => (Status::Fail, shell::failure_text(&out)),
        Err(e) => (Status::Fail, format!("{e:#}")),
    }
}

/// `VACUUM (ANALYZE)` of the tables the app's role owns: the whole database would only add a warning
/// per system catalogue it may not vacuum.
async fn vacuum(client: &tokio_postgres::Client, dry_run: bool) -> (Status, String) {
    let owned = "SELECT current_database()::text, \
                 coalesce(string_agg(format('%I.%I', schemaname, tablename), ', ' ORDER BY tablename), '') \
                 FROM pg_tables WHERE tableowner = current_user AND schemaname NOT IN ('pg_catalog', 'information_schema')";
    let (name, tables) = match client.query_one(owned, &[]).await {
        Ok(row) => (row.get::<_, String>(0), row.get::<_, String>(1)),
        Err(e) => return (Status::Fail, e.to_string()),
    };
    let count = if tables.is_empty() { 0 } else { tables.split(", ").count() };
    if dry_run {
        return (Status::Plan, format!("would run VACUUM (ANALYZE) on the {count} tables of {name}"));
    }
    if count == 0 {
        return (Status::Warn, format!("the role owns no table in {name}"));
    }
    let started = Instant::now();
    match client.batch_execute(&format!("VACUUM (ANALYZE) {tables}")).await {
        Ok(()) => (Status::Ok, format!("{count} tables of {name} in {}", duration(started.elapsed()))),
        Err(e) => (Status::Fail, e.to_string()),
    }
}

fn uploads_step(dir: &Path, dry_run: bool, clean: &dyn Fn(&Path) -> usize) -> (Status, String) {
    let tmp = dir.join("tmp");
    if !dir.is_dir() {
        return (Status::Skip, format!("{} does not exist", dir.display()));
    }
    if dry_run {
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let stale = std::fs::read_dir(&tmp)
            .map(|d| {
                d.flatten().filter(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago)).count()
            })
            .unwrap_or(0);
        return (Status::Plan, format!("would remove {stale} leftovers older than an hour from {}", tmp.display()));
    }
    (Status::Ok, format!("removed {} leftovers from {}", clean(dir), tmp.display()))
}

fn certificate_step(path: &Path, warn_days: i64) -> (Status, String) {
    if !path.exists() {
        return (Status::Warn, format!("{} not found", path.display()));
    }
    match certificate::not_after(path) {
        Err(e) => (Status::Fail, format!("{e:#}")),
        Ok(end) => {
            let days = (end - chrono::Utc::now()).num_days();
            let text = format!("{} expires {} ({days} days)", path.display(), end.format("%Y-%m-%d %H:%M UTC"));
            let status = if end < chrono::Utc::now() {
                Status::Fail
            } else if days < warn_days {
                Status::Warn
            } else {
                Status::Ok
            };
            (status, text)
        }
    }
}

fn backups(settings: &Settings, config: Option<&Path>) -> Vec<(Status, &'static str, String)> {
    let repo = PgBackRest::from_settings(settings, config);
    if let Err(e) = repo.ready() {
        return vec![(Status::Fail, "backups", format!("{e:#}"))];
    }
    let mut steps = Vec::new();
    let (any_limit, full_limit) = freshness::limits(&settings.backup);
    match repo.info() {
        Err(e) => steps.push((Status::Fail, "backups", format!("{e:#}"))),
        Ok(info) => {
            let now = SystemTime::now();
            for (name, latest, limit) in [
                ("latest backup", info.latest(), any_limit),
                ("latest full backup", info.latest_of("full"), full_limit),
            ] {
                let step = match latest {
                    None => (Status::Fail, name, "none in the repository".to_string()),
                    Some(b) => {
                        let age = b.age(now);
                        let text =
                            format!("{} ({}) is {} old, limit {}", b.label, b.kind, duration(age), duration(limit));
                        (if age <= limit { Status::Ok } else { Status::Fail }, name, text)
                    }
                };
                steps.push(step);
            }
        }
    }
    let started = Instant::now();
    steps.push(match repo.check() {
        Ok(()) => (Status::Ok, "pgbackrest check", format!("WAL archiving works ({})", duration(started.elapsed()))),
        Err(e) => (Status::Fail, "pgbackrest check", format!("{e:#}")),
    });
    steps
}
