//! The spec's pre-deployment checks (§7.1 `pre-deployment-check.sh`), run on the server by
//! `connect deploy` before anything changes: the disk holding the releases is under 80 % full, the
//! services the app's environment file names answer (PostgreSQL direct and pooled, both Redis), and
//! the newest pgBackRest backup is sound and recent (within the limit the cron schedules give, as
//! `connect maintenance` checks it). Each failure says what is wrong and what to do, in Korean and
//! English.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{bail, Context, Result};

use crate::pgbackrest::PgBackRest;
use crate::report::{duration, Report, Status};
use crate::settings::Settings;
use crate::supervise::read_env_file;
use crate::{freshness, probe, shell};

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Refuse to deploy when the disk holding the releases is this full or more (percent).
    #[arg(long, value_name = "PERCENT", default_value_t = 80)]
    pub max_disk_percent: u8,
    /// Skip the backup check. Only for a first deploy before any backup exists, or a test machine
    /// without pgBackRest; never to get past a failing backup on a live server.
    #[arg(long)]
    pub skip_backup_check: bool,
    /// pgBackRest's configuration; default: the settings' backup.config_file.
    #[arg(long, value_name = "FILE")]
    pub pgbackrest_config: Option<PathBuf>,
}

pub struct Preflight<'a> {
    pub settings: &'a Settings,
    pub root: &'a Path,
    pub options: &'a Options,
}

impl Preflight<'_> {
    /// One step per check; failures are counted in the report.
    pub fn run(&self, report: &mut Report) {
        match disk_percent(self.root) {
            Ok(used) if used < self.options.max_disk_percent => {
                report.step(Status::Ok, "disk", format!("{used}% used (limit {}%)", self.options.max_disk_percent))
            }
            Ok(used) => report.step(
                Status::Fail,
                "disk",
                format!(
                    "디스크 사용률 {used}% (한도 {limit}%): 오래된 로그·백업을 정리한 뒤 다시 배포하세요\n\
                     disk {used}% used (limit {limit}%): free space (old logs, backups) and deploy again",
                    limit = self.options.max_disk_percent
                ),
            ),
            Err(e) => report.step(
                Status::Fail,
                "disk",
                format!("디스크 사용률을 알 수 없습니다 / cannot read disk usage: {e:#}"),
            ),
        }
        self.services(report);
        if self.options.skip_backup_check {
            report.step(Status::Warn, "backup", "skipped (--skip-backup-check)");
        } else {
            match self.backup() {
                Ok(text) => report.step(Status::Ok, "backup", text),
                Err(e) => report.step(Status::Fail, "backup", format!("{e:#}")),
            }
        }
    }

    fn services(&self, report: &mut Report) {
        let env = match read_env_file(&self.settings.app.env_file) {
            Ok(env) => env,
            Err(e) => {
                report.step(Status::Fail, "services", format!("{e:#}"));
                return;
            }
        };
        let get = |key: &str| env.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let wanted = [
            ("PostgreSQL", "DATABASE_DIRECT_URL", 5432),
            ("PgBouncer/PostgreSQL", "DATABASE_URL", 5432),
            ("Redis cache", "REDIS_CACHE_URL", 6379),
            ("Redis queue", "REDIS_QUEUE_URL", 6379),
        ];
        for (service, key, default_port) in wanted {
            let Some(url) = get(key) else {
                if key != "DATABASE_DIRECT_URL" {
                    report.step(
                        Status::Fail,
                        service,
                        format!("{key}가 환경 파일에 없습니다 / {key} is not in the environment file"),
                    );
                }
                continue;
            };
            let Some((host, port)) = host_port(&url, default_port) else {
                report.step(Status::Warn, service, format!("{key}: no TCP host to check"));
                continue;
            };
            let answer = if key.starts_with("REDIS") {
                probe::redis_ping(&host, port).map(|a| format!("{host}:{port} answers PING ({a})"))
            } else if probe::tcp_open(&host, port) {
                Ok(format!("{host}:{port} accepts connections ({key})"))
            } else {
                Err(anyhow::anyhow!("connection refused"))
            };
            match answer {
                Ok(text) => report.step(Status::Ok, service, text),
                Err(e) => report.step(
                    Status::Fail,
                    service,
                    format!(
                        "{service}({host}:{port}, {key})에 연결할 수 없습니다: 서비스를 먼저 살리세요 (connect recover)\n\
                         cannot reach {service} at {host}:{port} ({key}): {e:#}; bring it back first (connect recover)"
                    ),
                ),
            }
        }
    }

    fn backup(&self) -> Result<String> {
        let repo = PgBackRest::from_settings(self.settings, self.options.pgbackrest_config.as_deref());
        repo.ready().map_err(|e| anyhow::anyhow!("백업을 확인할 수 없습니다 / cannot check backups: {e:#}"))?;
        let info = repo.info().map_err(|e| anyhow::anyhow!("pgbackrest info 실패 / failed: {e:#}"))?;
        if info.status.code != 0 && info.status.code != 2 {
            bail!("백업 저장소 상태 이상 / backup repository: {} (code {})", info.status.message, info.status.code);
        }
        let Some(latest) = info.latest() else {
            bail!("백업이 하나도 없습니다: `connect backup --type full` 후 다시 배포하세요\nno backup at all: run `connect backup --type full`, then deploy");
        };
        if latest.error == Some(true) {
            bail!(
                "최근 백업 {}에 오류(페이지 체크섬)가 있습니다 / the newest backup {} has errors (page checksums): make a new one",
                latest.label,
                latest.label
            );
        }
        let (limit, _) = freshness::limits(&self.settings.backup);
        let age = latest.age(SystemTime::now());
        if age > limit {
            bail!(
                "최근 백업 {}이 {} 전으로 한도 {}를 넘었습니다: `connect backup` 후 다시 배포하세요\n\
                 the newest backup {} is {} old, over the {} limit: run `connect backup`, then deploy",
                latest.label,
                duration(age),
                duration(limit),
                latest.label,
                duration(age),
                duration(limit)
            );
        }
        Ok(format!(
            "{} ({}) finished {} ago, verified by pgBackRest, limit {}",
            latest.label,
            latest.kind,
            duration(age),
            duration(limit)
        ))
    }
}

/// Percent used of the filesystem holding `path` (or its nearest existing parent), as `df` says.
pub fn disk_percent(path: &Path) -> Result<u8> {
    let mut at = path;
    while !at.exists() {
        at = at.parent().context("no existing parent folder")?;
    }
    let out = shell::output(Command::new("df").arg("-P").arg(at))?;
    parse_df(&out)
}

fn parse_df(out: &str) -> Result<u8> {
    let line = out.lines().nth(1).context("df printed no filesystem")?;
    let field = line.split_whitespace().find(|f| f.ends_with('%')).context("df: no capacity column")?;
    field.trim_end_matches('%').parse().context("df: bad capacity")
}

/// `host` and `port` of a `postgresql://…` or `redis://…` URL (user and password skipped).
pub fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host.to_string(), after.strip_prefix(':').map(str::to_string))
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.to_string())),
            None => (host_port.to_string(), None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default_port,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_addresses_come_from_the_urls() {
        assert_eq!(host_port("postgresql://connect:pw@127.0.0.1:6432/connect", 5432), Some(("127.0.0.1".into(), 6432)));
        assert_eq!(host_port("redis://:secret@localhost", 6379), Some(("localhost".into(), 6379)));
        assert_eq!(host_port("redis://[::1]:6380/2", 6379), Some(("::1".into(), 6380)));
        assert_eq!(host_port("postgresql:///connect?host=/run/postgresql", 5432), None);
    }

    #[test]
    fn df_capacity_is_read() {
        let out =
            "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 264212084 14893856 80392032 16% /\n";
        assert_eq!(parse_df(out).unwrap(), 16);
        assert!(disk_percent(Path::new("/nonexistent/deeper/still")).unwrap() <= 100);
    }
}
