//! pgBackRest as the deployment runs it: the rendered configuration named explicitly with
//! `--config=` (Debian ships an example `/etc/pgbackrest.conf` that would otherwise be read), the
//! stanza from the settings, as the cluster's owner.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::settings::Settings;
use crate::shell::{self, RunAs};

#[derive(Debug, Clone)]
pub struct PgBackRest {
    pub binary: PathBuf,
    pub config: PathBuf,
    pub stanza: String,
    pub run_as: RunAs,
}

/// `full`, `diff` or `incr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackupType {
    Full,
    Diff,
    Incr,
}

impl BackupType {
    pub fn as_str(self) -> &'static str {
        match self {
            BackupType::Full => "full",
            BackupType::Diff => "diff",
            BackupType::Incr => "incr",
        }
    }
}

/// One stanza of `pgbackrest info --output=json`.
#[derive(Debug, Clone, Deserialize)]
pub struct StanzaInfo {
    pub name: String,
    pub status: StanzaStatus,
    #[serde(default)]
    pub backup: Vec<BackupSet>,
    #[serde(default)]
    pub archive: Vec<ArchiveRange>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StanzaStatus {
    /// 0 ok, 1 missing stanza path, 2 no valid backups, 3 missing stanza data, …
    pub code: i64,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArchiveRange {
    pub id: String,
    pub min: Option<String>,
    pub max: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupSet {
    pub label: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub prior: Option<String>,
    pub info: BackupSizes,
    pub timestamp: Span,
    #[serde(default)]
    pub error: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BackupSizes {
    /// The database's size at backup time.
    pub size: u64,
    /// What this backup copied (the changed files for diff/incr).
    pub delta: u64,
    pub repository: RepositorySizes,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepositorySizes {
    pub size: u64,
    pub delta: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Span {
    pub start: u64,
    pub stop: u64,
}

impl BackupSet {
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.timestamp.stop.saturating_sub(self.timestamp.start))
    }

    pub fn stopped(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.timestamp.stop)
    }

    pub fn age(&self, now: SystemTime) -> Duration {
        now.duration_since(self.stopped()).unwrap_or_default()
    }
}

impl StanzaInfo {
    /// The stanza does not exist yet in the repository: `stanza-create` is needed.
    pub fn needs_create(&self) -> bool {
        matches!(self.status.code, 1 | 3)
    }

    pub fn latest(&self) -> Option<&BackupSet> {
        self.backup.last()
    }

    pub fn latest_of(&self, kind: &str) -> Option<&BackupSet> {
        self.backup.iter().rev().find(|b| b.kind == kind)
    }
}

pub fn parse_info(json: &str) -> Result<Vec<StanzaInfo>> {
    serde_json::from_str(json).context("pgbackrest info --output=json")
}

impl PgBackRest {
    /// The deployment's pgBackRest; `config` overrides the settings' `backup.config_file`.
    pub fn from_settings(settings: &Settings, config: Option<&Path>) -> Self {
        PgBackRest {
            binary: settings.backup.binary.clone(),
            config: config.map_or_else(|| settings.backup.config_file.clone(), Path::to_path_buf),
            stanza: settings.backup.stanza.clone(),
            run_as: RunAs::user(&settings.backup.user),
        }
    }

    /// `pgbackrest --config=… --stanza=… COMMAND`, as the backup user.
    pub fn command(&self, command: &str) -> Command {
        let mut c = self.run_as.command(&self.binary);
        c.arg(format!("--config={}", self.config.display())).arg(format!("--stanza={}", self.stanza)).arg(command);
        c
    }

    pub fn ready(&self) -> Result<()> {
        if !shell::found(&self.binary.to_string_lossy()) {
            bail!("{} not found (apt-get install pgbackrest)", self.binary.display());
        }
        if !self.config.is_file() {
            bail!("{} not found (connect config render, then install it as MANIFEST says)", self.config.display());
        }
        Ok(())
    }

    pub fn info(&self) -> Result<StanzaInfo> {
        let mut c = self.command("info");
        c.arg("--output=json");
        let json = shell::output(&mut c)?;
        let stanzas = parse_info(&json)?;
        stanzas
            .into_iter()
            .find(|s| s.name == self.stanza)
            .with_context(|| format!("pgbackrest info has no stanza '{}'", self.stanza))
    }

    /// The human `pgbackrest info`.
    pub fn info_text(&self) -> Result<String> {
        shell::output(&mut self.command("info"))
    }

    pub fn stanza_create(&self) -> Result<()> {
        shell::output(&mut self.command("stanza-create")).map(drop)
    }

    /// `pgbackrest check`: the repository is reachable and `archive_command` archives WAL.
    pub fn check(&self) -> Result<()> {
        shell::output(&mut self.command("check")).map(drop)
    }

    pub fn backup_command(&self, kind: BackupType) -> Command {
        let mut c = self.command("backup");
        c.arg(format!("--type={}", kind.as_str()));
        c
    }

    /// Runs a backup, calling `progress` with pgBackRest's percentage as files are copied and
    /// `line` with each of its informational lines.
    pub fn backup(&self, kind: BackupType, progress: &mut dyn FnMut(f64), line: &mut dyn FnMut(&str)) -> Result<()> {
        let mut c = self.backup_command(kind);
        c.arg("--log-level-console=detail").arg("--log-level-stderr=off");
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let shown = shell::describe(&c);
        let mut child = c.spawn().with_context(|| format!("cannot run {shown}"))?;
        let stderr = child.stderr.take().map(|e| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = std::io::Read::read_to_string(&mut BufReader::new(e), &mut text);
                text
            })
        });
        let mut tail: Vec<String> = Vec::new();
        if let Some(out) = child.stdout.take() {
            for text in BufReader::new(out).lines() {
                let text = text?;
                if let Some(percent) = copied_percent(&text) {
                    progress(percent);
                } else if let Some(message) = info_message(&text) {
                    line(message);
                }
                tail.push(text);
                if tail.len() > 12 {
                    tail.remove(0);
                }
            }
        }
        let status = child.wait()?;
        let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if !status.success() {
            bail!("{shown} failed ({status}):\n{}\n{}", stderr.trim(), tail.join("\n"));
        }
        Ok(())
    }

    /// `pgbackrest restore` into another data directory, recovering to the backup's consistent point
    /// (`immediate`) or to the end of the archived WAL (`default`), then promoting. WAL archiving is
    /// switched off in the restored copy so that it never pushes into this repository.
    pub fn restore_command(&self, data_dir: &Path, set: Option<&str>, target: RecoveryTarget) -> Command {
        let mut c = self.command("restore");
        c.arg(format!("--pg1-path={}", data_dir.display()));
        c.arg(format!("--type={}", target.as_str()));
        if target == RecoveryTarget::Immediate {
            c.arg("--target-action=promote");
        }
        c.arg("--archive-mode=off");
        if let Some(parent) = data_dir.parent() {
            c.arg(format!("--tablespace-map-all={}", parent.join("tablespaces").display()));
        }
        if let Some(set) = set {
            c.arg(format!("--set={set}"));
        }
        c
    }
}

/// How far a restore replays WAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecoveryTarget {
    /// The backup's consistent point.
    Immediate,
    /// Every archived WAL segment: the most recent state the archive holds.
    Latest,
}

impl RecoveryTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryTarget::Immediate => "immediate",
            RecoveryTarget::Latest => "default",
        }
    }
}

/// `… DETAIL: backup file /path (13MB, 32.97%) checksum …` → 32.97.
fn copied_percent(line: &str) -> Option<f64> {
    let rest = &line[line.find("backup file ")?..];
    let open = rest.find(" (")?;
    let inner = &rest[open + 2..];
    let inner = &inner[..inner.find(')')?];
    inner.rsplit(", ").next()?.strip_suffix('%')?.parse().ok()
}

/// `2026-… P00   INFO: new backup label = …` → `new backup label = …`.
fn info_message(line: &str) -> Option<&str> {
    let (_, message) = line.split_once(" INFO: ")?;
    (!message.contains("command begin")).then_some(message)
}

/// Writes a one-line progress bar on a terminal, a line per 10% otherwise.
pub struct Progress {
    terminal: bool,
    last: f64,
}

impl Progress {
    pub fn new() -> Self {
        use std::io::IsTerminal;
        Progress { terminal: std::io::stderr().is_terminal(), last: -10.0 }
    }

    pub fn update(&mut self, percent: f64) {
        if self.terminal {
            let filled = (percent / 5.0).round().clamp(0.0, 20.0) as usize;
            eprint!("\r  [{}{}] {percent:5.1}%", "#".repeat(filled), ".".repeat(20 - filled));
            let _ = std::io::stderr().flush();
        } else if percent - self.last >= 10.0 || (percent >= 100.0 && self.last < 100.0) {
            eprintln!("  {percent:5.1}% copied");
            self.last = percent;
        }
    }

    pub fn clear(&mut self) {
        if self.terminal {
            eprint!("\r{:40}\r", "");
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = r#"[{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000010000000000000006","min":"000000010000000000000001"}],
    "backup":[
      {"archive":{"start":"000000010000000000000004","stop":"000000010000000000000004"},"backrest":{"format":5,"version":"2.45"},
       "database":{"id":1,"repo-key":1},"error":false,"info":{"delta":41416460,"repository":{"delta":8639795,"size":8639795},"size":41416460},
       "label":"20261126-132458F","lsn":{"start":"0/4000028","stop":"0/4000100"},"prior":null,"reference":null,
       "timestamp":{"start":1795699498,"stop":1795699504},"type":"full"},
      {"archive":{"start":"000000010000000000000006","stop":"000000010000000000000006"},"backrest":{"format":5,"version":"2.45"},
       "database":{"id":1,"repo-key":1},"error":false,"info":{"delta":1200000,"repository":{"delta":300000,"size":8700000},"size":41500000},
       "label":"20261126-132458F_20261126-140000D","lsn":{"start":"0/6000028","stop":"0/6000100"},"prior":"20261126-132458F","reference":["20261126-132458F"],
       "timestamp":{"start":1795701600,"stop":1795701603},"type":"diff"}],
    "cipher":"none","db":[{"id":1,"repo-key":1,"system-id":7712470590244683613,"version":"15"}],"name":"connect",
    "repo":[{"cipher":"none","key":1,"status":{"code":0,"message":"ok"}}],
    "status":{"code":0,"lock":{"backup":{"held":false}},"message":"ok"}}]"#;

    #[test]
    fn info_gives_the_latest_backup_and_its_figures() {
        let stanza = parse_info(INFO).unwrap().remove(0);
        assert!(!stanza.needs_create());
        let latest = stanza.latest().unwrap();
        assert_eq!(latest.kind, "diff");
        assert_eq!(latest.prior.as_deref(), Some("20261126-132458F"));
        assert_eq!(latest.duration(), Duration::from_secs(3));
        assert_eq!(stanza.latest_of("full").unwrap().info.size, 41_416_460);
        let an_hour_later = latest.stopped() + Duration::from_secs(3600);
        assert_eq!(latest.age(an_hour_later), Duration::from_secs(3600));
    }

    #[test]
    fn a_missing_stanza_needs_create() {
        let json = r#"[{"archive":[],"backup":[],"cipher":"none","db":[],"name":"connect","repo":[],
            "status":{"code":1,"lock":{"backup":{"held":false}},"message":"missing stanza path"}}]"#;
        let stanza = parse_info(json).unwrap().remove(0);
        assert!(stanza.needs_create());
        assert!(stanza.latest().is_none());
    }

    #[test]
    fn progress_and_messages_are_read_from_the_log() {
        let file =
            "2026-11-26 13:25:00.296 P01 DETAIL: backup file /tmp/x/data/base/5/16384 (13MB, 32.97%) checksum 06";
        assert_eq!(copied_percent(file), Some(32.97));
        let label = "2026-11-26 13:25:04.332 P00   INFO: new backup label = 20261126-132458F";
        assert_eq!(copied_percent(label), None);
        assert_eq!(info_message(label), Some("new backup label = 20261126-132458F"));
        assert_eq!(info_message("2026-11-26 13:24:58.310 P00   INFO: backup command begin 2.45: --x"), None);
    }

    #[test]
    fn a_restore_never_archives_into_the_repository() {
        let repo = PgBackRest {
            binary: "/usr/bin/pgbackrest".into(),
            config: "/etc/pgbackrest/pgbackrest.conf".into(),
            stanza: "connect".into(),
            run_as: RunAs::me(),
        };
        let c = repo.restore_command(Path::new("/tmp/drill/data"), None, RecoveryTarget::Immediate);
        assert_eq!(
            shell::describe(&c),
            "/usr/bin/pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=connect restore \
             --pg1-path=/tmp/drill/data --type=immediate --target-action=promote --archive-mode=off \
             --tablespace-map-all=/tmp/drill/tablespaces"
        );
    }
}
