//! `connect restore --drill`: the latest backup restored into a scratch cluster on another port,
//! promoted, and compared table by table with the live database, then removed.
//! `connect restore --to DIR --port N`: a real restore into another directory (a plan unless `--yes`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::cli::{local_time, DeploySettings};
use crate::cluster::{self, Cluster};
use crate::pgbackrest::{BackupSet, PgBackRest, RecoveryTarget};
use crate::report::{self, bytes, duration};
use crate::settings::Settings;
use crate::shell::{self, RunAs};
use crate::{db, tables};

#[derive(Debug, clap::Args)]
#[command(
    group(clap::ArgGroup::new("mode").required(true).args(["drill", "to"])),
    after_help = "Exit codes: 0 the restore matches the live database (drill) or was made; 1 a table differs; \
                  3 the restore could not be made.\nThe live database is DATABASE_DIRECT_URL (or DATABASE_URL)."
)]
pub struct Args {
    /// Restore the latest backup into a scratch cluster, compare every public table with the live
    /// database (row count and checksum), then remove the scratch cluster.
    #[arg(long)]
    pub drill: bool,
    /// Restore into this directory (created; must be empty) for a real recovery elsewhere.
    #[arg(long, value_name = "DIR", requires = "port")]
    pub to: Option<PathBuf>,
    /// The port the restored cluster starts on (with --to); the drill picks a free one.
    #[arg(long)]
    pub port: Option<u16>,
    /// immediate: the backup's consistent point (the drill's default). latest: every archived WAL
    /// segment after it (--to's default; the drill first archives the current WAL with `pgbackrest check`).
    #[arg(long, value_enum)]
    pub target: Option<RecoveryTarget>,
    /// A backup label instead of the latest.
    #[arg(long, value_name = "LABEL")]
    pub set: Option<String>,
    /// Really restore (--to); without it the commands are only shown.
    #[arg(long)]
    pub yes: bool,
    /// Where the drill's scratch cluster goes (it needs the database's size free).
    #[arg(long, value_name = "DIR", default_value_os_t = std::env::temp_dir())]
    pub scratch_dir: PathBuf,
    /// Keep the drill's scratch cluster running for inspection (its path and port are printed).
    #[arg(long)]
    pub keep: bool,
    /// Give up waiting for the restored cluster to finish recovery after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    /// pgBackRest's configuration; default: the settings' backup.config_file.
    #[arg(long, value_name = "FILE")]
    pub pgbackrest_config: Option<PathBuf>,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

pub async fn run(args: &Args, live_url: Option<&str>) -> Result<u8> {
    let settings = args.deploy.load()?;
    let repo = PgBackRest::from_settings(&settings, args.pgbackrest_config.as_deref());
    repo.ready()?;
    let info = repo.info()?;
    let set = match &args.set {
        Some(label) => info.backup.iter().find(|b| &b.label == label).with_context(|| format!("no backup {label}"))?,
        None => info.latest().context("the repository has no backup yet (connect backup --type full)")?,
    };
    match &args.to {
        Some(dir) => to_directory(args, &settings, &repo, set, dir),
        None => {
            let url = live_url.context("DATABASE_DIRECT_URL (or DATABASE_URL) must name the live database")?;
            drill(args, &settings, &repo, set, url).await
        }
    }
}

fn describe_set(set: &BackupSet) -> String {
    format!("{} backup {} of {} ({})", set.kind, set.label, local_time(set.stopped()), bytes(set.info.size))
}

async fn drill(args: &Args, settings: &Settings, repo: &PgBackRest, set: &BackupSet, live_url: &str) -> Result<u8> {
    let started = Instant::now();
    let target = args.target.unwrap_or(RecoveryTarget::Immediate);
    let port = cluster::free_port(settings.postgres.port)?;
    let run_as = repo.run_as.clone();
    let scratch = Scratch::create(&run_as, &args.scratch_dir, args.keep)?;
    let data = scratch.dir.join("data");
    println!("drill: {} → scratch cluster {} (socket only, port {port})", describe_set(set), scratch.dir.display());
    if target == RecoveryTarget::Latest {
        repo.check().context("pgbackrest check (archiving the current WAL before the drill)")?;
    }

    let step = Instant::now();
    let mut restore = repo.restore_command(&data, args.set.as_deref(), target);
    let out = shell::run_captured(&mut restore)?;
    if !out.status.success() {
        bail!("{} failed: {}", shell::describe(&restore), shell::failure_text(&out));
    }
    let restore_took = step.elapsed();
    println!("  restored in {}", duration(restore_took));

    let config = scratch.dir.join("postgresql.conf");
    cluster::write_as(&run_as, &config, &cluster::drill_config(&scratch.dir, &data))?;
    cluster::write_as(&run_as, &scratch.dir.join("pg_hba.conf"), cluster::DRILL_HBA)?;
    cluster::write_as(&run_as, &scratch.dir.join("pg_ident.conf"), "")?;
    let restored = Cluster::new(data, port, config, scratch.dir.join("server.log"), settings.pg_bin_dir(), run_as);
    let step = Instant::now();
    let timeout = Duration::from_secs(args.timeout);
    let guard = Running(&restored, args.keep);
    restored.start(timeout)?;
    restored.wait_promoted(timeout)?;
    let recovery_took = step.elapsed();
    println!("  started, recovered and promoted in {}", duration(recovery_took));

    let step = Instant::now();
    let dbname: tokio_postgres::Config = live_url.parse().context("DATABASE_DIRECT_URL")?;
    let dbname = dbname.get_dbname().unwrap_or(&settings.postgres.database).to_string();
    let restored_info = format!("host={} port={port} user=postgres dbname={dbname}", scratch.dir.display());
    let mut live = db::connect(live_url).await?;
    let mut copy = db::connect(&restored_info).await?;
    let (live_sums, copy_sums) = tokio::try_join!(tables::sums(&mut live), tables::sums(&mut copy))?;
    let lines = tables::compare(&live_sums, &copy_sums);
    let compare_took = step.elapsed();
    drop(copy);
    print!("{}", tables::render(&lines));
    let differing = lines.iter().filter(|d| !d.same()).count();
    println!(
        "timings: restore {}, recovery {}, compare {}, total {}",
        duration(restore_took),
        duration(recovery_took),
        duration(compare_took),
        duration(started.elapsed())
    );
    drop(guard);
    if args.keep {
        println!("kept: {} — psql -h {} -p {port} -U postgres {dbname}", scratch.dir.display(), scratch.dir.display());
    }
    if differing == 0 {
        println!("drill passed: {} tables identical to the live database", lines.len());
        Ok(report::EXIT_OK)
    } else {
        println!("drill FAILED: {differing} of {} tables differ from the live database", lines.len());
        Ok(report::EXIT_FAILED)
    }
}

fn to_directory(args: &Args, settings: &Settings, repo: &PgBackRest, set: &BackupSet, dir: &Path) -> Result<u8> {
    let port = args.port.context("--port is required with --to")?;
    if port == settings.postgres.port {
        bail!("port {port} is the live cluster's");
    }
    if dir == settings.pg_data_dir() {
        bail!("{} is the live cluster's data directory", dir.display());
    }
    if dir.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        bail!("{} is not empty", dir.display());
    }
    let target = args.target.unwrap_or(RecoveryTarget::Latest);
    let run_as = repo.run_as.clone();
    let restored_conf = dir.join("postgresql.conf");
    let live_conf = settings.pg_conf_dir().join("postgresql.conf");
    let hba = settings.pg_conf_dir().join("pg_hba.conf");
    let ident = settings.pg_conf_dir().join("pg_ident.conf");
    let config = dir.join("connect-restore.conf");
    let restored = Cluster::new(
        dir.to_path_buf(),
        port,
        config.clone(),
        dir.join("restore-start.log"),
        settings.pg_bin_dir(),
        run_as.clone(),
    );
    let timeout = Duration::from_secs(args.timeout);
    // As root the parent may be root's: make the directory and give it to the cluster's owner.
    let mut mkdir = if shell::is_root() && !run_as.name().is_empty() {
        let mut c = std::process::Command::new("install");
        c.args(["-d", "-m", "0700", "-o", run_as.name()]).arg(dir);
        c
    } else {
        let mut c = run_as.command("mkdir");
        c.args(["-p", "-m", "0700"]).arg(dir);
        c
    };
    let mut restore = repo.restore_command(dir, args.set.as_deref(), target);
    println!("restore: {} → {} on port {port} (target {})", describe_set(set), dir.display(), target.as_str());
    if !args.yes {
        println!("plan (add --yes to run it):");
        println!("  {}", shell::describe(&mkdir));
        println!("  {}", shell::describe(&restore));
        println!(
            "  write {}: the restored postgresql.conf (or {}) with data_directory, port {port}, archive_mode=off",
            config.display(),
            live_conf.display()
        );
        println!("  {}", shell::describe(&restored.start_command(timeout)));
        println!("  wait until recovery ends and the cluster is promoted");
        return Ok(report::EXIT_OK);
    }
    let started = Instant::now();
    shell::output(&mut mkdir)?;
    let out = shell::run_captured(&mut restore)?;
    if !out.status.success() {
        bail!("{} failed: {}", shell::describe(&restore), shell::failure_text(&out));
    }
    println!("  restored in {}", duration(started.elapsed()));
    // The restored directory has the cluster's own postgresql.conf only when it kept it there (not
    // Debian's layout); otherwise the live settings are the base.
    let own = run_as_test(&run_as, &restored_conf);
    let base = if own { restored_conf } else { live_conf };
    let own_hba = run_as_test(&run_as, &dir.join("pg_hba.conf"));
    let hba = if own_hba { dir.join("pg_hba.conf") } else { hba };
    let ident = if own_hba { dir.join("pg_ident.conf") } else { ident };
    cluster::write_as(&run_as, &config, &cluster::restore_config(dir, Some(&base), &hba, Some(&ident), port))?;
    restored.start(timeout)?;
    restored.wait_promoted(timeout)?;
    println!("  started on port {port}, recovered and promoted; total {}", duration(started.elapsed()));
    println!("  start it again later with: {}", shell::describe(&restored.start_command(timeout)));
    Ok(report::EXIT_OK)
}

fn run_as_test(run_as: &RunAs, path: &Path) -> bool {
    let mut c = run_as.command("test");
    c.arg("-e").arg(path);
    shell::run_captured(&mut c).is_ok_and(|o| o.status.success())
}

/// The drill's private directory (owned by the backup user, mode 0700), removed on drop.
struct Scratch {
    dir: PathBuf,
    run_as: RunAs,
    keep: bool,
}

impl Scratch {
    fn create(run_as: &RunAs, parent: &Path, keep: bool) -> Result<Self> {
        let mut c = run_as.command("mktemp");
        c.arg("-d").arg(parent.join("connect-drill.XXXXXX"));
        let dir = PathBuf::from(shell::output(&mut c)?.trim());
        Ok(Scratch { dir, run_as: run_as.clone(), keep })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.keep {
            let mut c = self.run_as.command("rm");
            c.arg("-rf").arg(&self.dir);
            let _ = shell::run_captured(&mut c);
        }
    }
}

/// Stops the scratch cluster when the drill ends, however it ends.
struct Running<'a>(&'a Cluster, bool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.1 && self.0.running() {
            if let Err(e) = self.0.stop() {
                eprintln!("stopping the scratch cluster: {e:#}");
            }
        }
    }
}
