//! `connect backup`: a pgBackRest backup of the database (creating the stanza the first time), the
//! system tarball (`--system`), or the list of backups in the repository (`--list`).

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result};

use crate::cli::{local_time, DeploySettings};
use crate::pgbackrest::{BackupType, PgBackRest, Progress, StanzaInfo};
use crate::report::{self, bytes, duration};
use crate::shell;
use crate::system_backup;

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 done, 3 the backup could not be made.\n\
    Cron runs `--type full` on Sundays and `--type diff` on the other days (the rendered cron file).")]
pub struct Args {
    /// full (weekly), diff (daily: changes since the last full) or incr (since the last backup).
    /// pgBackRest makes a full backup when there is none yet.
    #[arg(long = "type", value_enum, default_value = "diff")]
    pub kind: BackupType,
    /// Write the system tarball instead (releases, configuration, uploads, monitoring) with its
    /// manifest and sha256, and delete tarballs older than the retention.
    #[arg(long, conflicts_with = "list")]
    pub system: bool,
    /// List the backups in the repository.
    #[arg(long)]
    pub list: bool,
    /// With --list: pgBackRest's JSON.
    #[arg(long, requires = "list")]
    pub json: bool,
    /// Show what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// pgBackRest's configuration; default: the settings' backup.config_file.
    #[arg(long, value_name = "FILE")]
    pub pgbackrest_config: Option<PathBuf>,
    /// Where uploaded documents are (for --system); default: CONNECT_UPLOAD_DIR, else shared/uploads.
    #[arg(long, value_name = "DIR")]
    pub uploads: Option<PathBuf>,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

/// Runs `connect backup`; `uploads` is the app's upload directory when `--uploads` is not given.
pub fn run(args: &Args, uploads: Option<PathBuf>) -> Result<u8> {
    let settings = args.deploy.load()?;
    if args.system {
        let uploads = args.uploads.clone().or(uploads).unwrap_or_else(|| settings.uploads_dir());
        let sources = system_backup::Sources::from_settings(&settings, &args.deploy.path, &uploads);
        system_backup::run(
            &sources,
            &settings.backup_system_dir(),
            settings.backup.system_retention_days,
            args.dry_run,
        )?;
        return Ok(report::EXIT_OK);
    }
    let repo = PgBackRest::from_settings(&settings, args.pgbackrest_config.as_deref());
    repo.ready()?;
    if args.list {
        return list(&repo, args.json);
    }
    database(&repo, args.kind, args.dry_run)
}

fn database(repo: &PgBackRest, kind: BackupType, dry_run: bool) -> Result<u8> {
    println!(
        "pgBackRest: stanza '{}', {} (as {})",
        repo.stanza,
        repo.config.display(),
        if repo.run_as.name().is_empty() { "this user" } else { repo.run_as.name() }
    );
    let info = repo.info()?;
    if dry_run {
        if info.needs_create() {
            println!("  would run: {}", shell::describe(&repo.command("stanza-create")));
        }
        println!("  would run: {}", shell::describe(&repo.backup_command(kind)));
        return Ok(report::EXIT_OK);
    }
    if info.needs_create() {
        let started = Instant::now();
        repo.stanza_create()?;
        println!("  stanza '{}' created ({})", repo.stanza, duration(started.elapsed()));
    }
    let started = Instant::now();
    let mut progress = Progress::new();
    let result = repo.backup(kind, &mut |p| progress.update(p), &mut |_| {});
    progress.clear();
    result?;
    let elapsed = started.elapsed();
    let info = repo.info()?;
    let set = info.latest().context("pgBackRest reports no backup after a successful backup")?;
    println!(
        "{} backup {}: database {}, copied {} (repository +{}), {}",
        set.kind,
        set.label,
        bytes(set.info.size),
        bytes(set.info.delta),
        bytes(set.info.repository.delta),
        duration(elapsed)
    );
    Ok(report::EXIT_OK)
}

fn list(repo: &PgBackRest, json: bool) -> Result<u8> {
    if json {
        let mut c = repo.command("info");
        c.arg("--output=json");
        print!("{}", shell::output(&mut c)?);
        return Ok(report::EXIT_OK);
    }
    let info = repo.info()?;
    print!("{}", render_list(&info, SystemTime::now()));
    Ok(report::EXIT_OK)
}

/// The human list: one line per backup, oldest first, and the WAL archive's range.
pub fn render_list(info: &StanzaInfo, now: SystemTime) -> String {
    let mut out = format!("stanza {}: {}\n", info.name, info.status.message);
    if !info.backup.is_empty() {
        out.push_str(&format!(
            "{:<36} {:<5} {:<19} {:>8} {:>10} {:>10} {:>10}\n",
            "label", "type", "finished", "took", "database", "copied", "age"
        ));
    }
    for b in &info.backup {
        out.push_str(&format!(
            "{:<36} {:<5} {:<19} {:>8} {:>10} {:>10} {:>10}\n",
            b.label,
            b.kind,
            local_time(b.stopped()),
            duration(b.duration()),
            bytes(b.info.size),
            bytes(b.info.delta),
            duration(b.age(now))
        ));
    }
    for a in &info.archive {
        out.push_str(&format!(
            "WAL archive {}: {} … {}\n",
            a.id,
            a.min.as_deref().unwrap_or("none"),
            a.max.as_deref().unwrap_or("none")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pgbackrest::parse_info;

    #[test]
    fn the_list_has_a_line_per_backup() {
        let json = r#"[{"archive":[{"id":"15-1","min":"000000010000000000000001","max":"000000010000000000000004"}],
          "backup":[{"label":"20261126-132458F","type":"full","prior":null,"error":false,
            "info":{"delta":41416460,"repository":{"delta":8639795,"size":8639795},"size":41416460},
            "timestamp":{"start":1795699498,"stop":1795699504}}],
          "name":"connect","status":{"code":0,"message":"ok"}}]"#;
        let info = parse_info(json).unwrap().remove(0);
        let now = info.backup[0].stopped() + std::time::Duration::from_secs(7200);
        let text = render_list(&info, now);
        assert!(text.starts_with("stanza connect: ok\n"), "{text}");
        assert!(text.contains("20261126-132458F"), "{text}");
        assert!(text.contains("41.4 MB"), "{text}");
        assert!(text.contains("2h 00m"), "{text}");
        assert!(text.ends_with("WAL archive 15-1: 000000010000000000000001 … 000000010000000000000004\n"), "{text}");
    }
}
