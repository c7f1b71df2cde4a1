//! `connect rollback [RELEASE]` and `connect releases`. A rollback is the deploy's switch without
//! the unpacking and the migrations: the earlier release starts beside the live one, must answer
//! `GET /api/health` with 200 on its own socket, and only then is `current` renamed to it. No
//! migration is undone: migrations are expand/contract, so an earlier release runs on the newer
//! schema. The spec's `ls -t | head -n2 | tail -n1` picks by modification time; here "previous" is
//! the newest release older than the live one, by name.

use std::time::Instant;

use anyhow::{bail, Result};

use crate::deploy::{activate, Common, Lock};
use crate::release::Releases;
use crate::report::{duration, Report, Status, EXIT_FAILED, EXIT_OK};

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 rolled back, 1 the release was not healthy (the live one stays live), \
    2 bad usage, 3 it could not run, 4 a failed switch could not be undone (act now).")]
pub struct Args {
    /// The release to go back to (a name from `connect releases`); default: the one before the live one.
    pub release: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: &Args) -> Result<u8> {
    let started = Instant::now();
    let cx = args.common.context()?;
    let dry = args.common.dry_run;
    let _lock = if dry { None } else { Some(Lock::take(&cx.releases.root)?) };
    let Some(live) = cx.releases.live()? else {
        bail!(
            "{}에 라이브 릴리스가 없습니다 / no live release (current) in {}",
            cx.releases.root.display(),
            cx.releases.root.display()
        );
    };
    let target = match &args.release {
        Some(name) => {
            if !cx.releases.names()?.contains(name) {
                bail!("{name}: 그런 릴리스가 없습니다 / no such release (see `connect releases`)");
            }
            name.clone()
        }
        None => match cx.releases.previous(&live)? {
            Some(name) => name,
            None => bail!("{live} 이전 릴리스가 없습니다 / no release before {live}"),
        },
    };
    println!("rollback {live} → {target}{}", if dry { " (dry run: nothing is changed)" } else { "" });
    let mut report = Report::new();
    if target == live {
        report.step(Status::Ok, "live release", format!("{target} is already live: nothing to do"));
        return Ok(EXIT_OK);
    }
    if dry {
        report.step(Status::Plan, "start", cx.supervisor.start_description(&target)?);
        report.step(
            Status::Plan,
            "health",
            format!("GET /api/health on {} until 200", cx.supervisor.socket(&target)?.display()),
        );
        report.step(
            Status::Plan,
            "switch",
            format!("rename a new link over {}/current → releases/{target}", cx.releases.root.display()),
        );
        report.step(Status::Plan, "stop old", format!("SIGTERM {live} (hands its connections over)"));
        report.step(Status::Plan, "worker", cx.supervisor.worker_plan(&target, cx.start_worker));
        return Ok(EXIT_OK);
    }
    let code = activate(&cx, &target, Some(&live), &mut report)?;
    if code == EXIT_OK {
        println!("rolled back to {target} in {}", duration(started.elapsed()));
    } else {
        println!("롤백 실패 / rollback FAILED; live: {}", cx.releases.live()?.unwrap_or_else(|| "none".into()));
    }
    Ok(code.max(if report.failed() > 0 { EXIT_FAILED } else { EXIT_OK }))
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 listed, 3 it could not run.")]
pub struct ListArgs {
    #[command(flatten)]
    pub common: Common,
}

pub fn list(args: &ListArgs) -> Result<u8> {
    let cx = args.common.context()?;
    print!("{}", render_list(&cx.releases, |name| cx.supervisor.pid(name))?);
    Ok(EXIT_OK)
}

/// The table of `connect releases`: newest first, the live one marked with `*`.
pub fn render_list(releases: &Releases, pid: impl Fn(&str) -> Option<u32>) -> Result<String> {
    let live = releases.live()?;
    let mut rows = vec![[
        "".to_string(),
        "release".into(),
        "deployed (UTC)".into(),
        "version".into(),
        "commit".into(),
        "server".into(),
    ]];
    for r in releases.list()?.into_iter().rev() {
        let mark = if live.as_deref() == Some(r.name.as_str()) { "*" } else { "" };
        let when = chrono::NaiveDateTime::parse_from_str(&r.name[..16], "%Y%m%dT%H%M%SZ")
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        let server = pid(&r.name).map_or_else(|| "-".to_string(), |p| format!("pid {p}"));
        rows.push([mark.into(), r.name.clone(), when, r.version.clone(), r.commit.clone(), server]);
    }
    if rows.len() == 1 {
        return Ok(format!("{}: no releases\n", releases.dir().display()));
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str("* live (current)\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_newest_first_with_the_live_one_marked() {
        let dir = tempfile::tempdir().unwrap();
        let releases = Releases::new(dir.path());
        for (name, commit) in [("20261205T100000Z", "aaaa111"), ("20261206T081500Z", "bbbb222")] {
            std::fs::create_dir_all(releases.path(name)).unwrap();
            std::fs::write(releases.path(name).join("MANIFEST"), format!("version=0.1.0+{commit}\ncommit={commit}\n"))
                .unwrap();
        }
        releases.switch("20261205T100000Z").unwrap();
        let text = render_list(&releases, |n| (n == "20261205T100000Z").then_some(42)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("   20261206T081500Z  2026-12-06 08:15:00  0.1.0+bbbb222  bbbb222  -"), "{text}");
        assert!(
            lines[2].starts_with("*  20261205T100000Z  2026-12-05 10:00:00  0.1.0+aaaa111  aaaa111  pid 42"),
            "{text}"
        );
    }
}
