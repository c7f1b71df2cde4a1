//! `connect deploy ARTIFACT`: the spec's §7.1 deployment on the server, without a moment of
//! downtime. The steps, each printed as it finishes:
//!
//! 1. Pre-deployment checks ([`preflight`]): disk under 80 %, the services of the app's
//!    environment file answer, a recent verified backup exists.
//! 2. Unpack the artifact (`scripts/package.sh`) into `releases/<UTC timestamp>`, check its
//!    `SHA256SUMS`, link the shared environment file, uploads and logs into it.
//! 3. `connect migrate` of the new release (migrations are expand/contract: the old release keeps
//!    working on the new schema).
//! 4. Start the new release beside the live one on its own socket; wait until `GET /api/health`
//!    answers 200 there, before any traffic reaches it.
//! 5. Switch ([`activate`]): rename a new `current` symlink over the old one. nginx proxies to
//!    `current/run/connect.sock`, so new connections go to the new release from that instant.
//!    Check health through the switch, then SIGTERM the old server, which stops listening, answers
//!    on the connections nginx still has with `Connection: close` and leaves idle ones for nginx to
//!    close (so not even a POST meets a closing connection). Check again. Then the worker follows
//!    ([`Supervisor::restart_worker`]).
//! 6. A failure after the switch switches back (restarting the old release if it already stopped).
//! 7. Prune to five releases, never the live one.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::cli::DeploySettings;
use crate::preflight::{self, Preflight};
use crate::release::{self, Releases};
use crate::report::{bytes, duration, Report, Status, EXIT_FAILED, EXIT_OK};
use crate::settings::Settings;
use crate::supervise::{Supervise, Supervisor};
use crate::{probe, shell};

/// Exit code when a failed switch could not be undone either: the site may be down.
pub const EXIT_ROLLBACK_FAILED: u8 = 4;

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 deployed, 1 a check failed or the new release was not healthy (the old one \
    stays live; after a failed switch it was switched back), 2 bad usage, 3 it could not run, 4 a failed \
    switch could not be undone (act now).\n\
    The artifact is what scripts/package.sh writes. nginx must proxy to APP_ROOT/current/run/connect.sock \
    (app.socket, the default).")]
pub struct Args {
    /// The release tarball (scripts/package.sh OUT.tar.gz).
    pub artifact: PathBuf,
    #[command(flatten)]
    pub common: Common,
    #[command(flatten)]
    pub checks: preflight::Options,
}

/// Options `deploy` and `rollback` share.
#[derive(Debug, Clone, clap::Args)]
pub struct Common {
    /// The application root (releases/, current, shared/); default: the settings' app.root.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Who runs the servers: `none` (this command, detached, pid files) or `systemd` (connect@RELEASE).
    #[arg(long, value_enum, default_value = "none")]
    pub supervise: Supervise,
    /// How long a new server may take to answer GET /api/health with 200.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub health_timeout: u64,
    /// Show what would be done; change nothing (the checks still run).
    #[arg(long)]
    pub dry_run: bool,
    /// With `--supervise none`: start `connect worker` on the live release if none runs. A worker
    /// started so is restarted on the new release by every later deploy and rollback (under
    /// systemd, connect-worker.service is always try-restarted).
    #[arg(long)]
    pub worker: bool,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

/// What a deploy or rollback works on.
pub struct Deployment {
    pub settings: Settings,
    pub releases: Releases,
    pub supervisor: Supervisor,
    /// The path nginx proxies to, through `current`.
    pub app_socket: PathBuf,
    pub health_timeout: Duration,
    /// `--worker`.
    pub start_worker: bool,
}

impl Common {
    pub fn context(&self) -> Result<Deployment> {
        let settings = self.deploy.load()?;
        let root = self.root.clone().unwrap_or_else(|| settings.app.root.clone());
        // --root moves the whole deployment; app.socket keeps its place below `current`.
        let below = release::socket_in_release(&settings.app.root, &settings.app.socket)?;
        let app_socket = root.join("current").join(below);
        if app_socket.as_os_str().len() + 24 > 107 {
            bail!("{}: too long for a unix socket path (108 bytes)", app_socket.display());
        }
        let releases = Releases::new(&root);
        let supervisor = Supervisor::new(self.supervise, &settings, releases.clone(), app_socket.clone());
        Ok(Deployment {
            settings,
            releases,
            supervisor,
            app_socket,
            health_timeout: Duration::from_secs(self.health_timeout),
            start_worker: self.worker,
        })
    }
}

pub fn run(args: &Args) -> Result<u8> {
    let started = Instant::now();
    let cx = args.common.context()?;
    let dry = args.common.dry_run;
    if !args.artifact.is_file() {
        bail!("{}: 배포 파일이 없습니다 / no such artifact", args.artifact.display());
    }
    println!(
        "deploy {} → {}{}",
        args.artifact.display(),
        cx.releases.dir().display(),
        if dry { " (dry run: nothing is changed)" } else { "" }
    );
    let mut report = Report::new();
    let _lock = if dry { None } else { Some(Lock::take(&cx.releases.root)?) };
    let live = cx.releases.live()?;
    match &live {
        Some(name) => report.step(Status::Ok, "live release", describe(&cx.releases, name)),
        None => report.step(Status::Ok, "live release", "none yet (first deploy)"),
    }

    // 1. Pre-deployment checks.
    let checks = Preflight { settings: &cx.settings, root: &cx.releases.root, options: &args.checks };
    checks.run(&mut report);
    if report.failed() > 0 {
        println!("배포하지 않았습니다: 사전 점검 실패 / not deployed: a pre-deployment check failed");
        return Ok(EXIT_FAILED);
    }

    // 2. Unpack.
    let name = cx.releases.new_name(SystemTime::now());
    let dir = cx.releases.path(&name);
    if dry {
        report.step(Status::Plan, "unpack", format!("{} → {}", args.artifact.display(), dir.display()));
        report.step(
            Status::Plan,
            "link shared",
            shared_links(&cx, &name)
                .iter()
                .map(|(l, t)| format!("{} → {}", l.display(), t.display()))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let mut migrate = cx.supervisor.app_command(&name)?;
        migrate.arg("migrate");
        report.step(Status::Plan, "migrate", shell::describe(&migrate));
        report.step(Status::Plan, "start", cx.supervisor.start_description(&name)?);
        plan_switch(&cx, &name, live.as_deref(), &mut report)?;
        return Ok(report.exit_code());
    }
    let took = Instant::now();
    let (files, size) = unpack(&args.artifact, &cx.releases, &name)?;
    let manifest = cx.releases.load(&name);
    report.step(
        Status::Ok,
        "unpack",
        format!(
            "{name}: {files} files, {} checked against SHA256SUMS, version {} commit {} ({})",
            bytes(size),
            manifest.version,
            manifest.commit,
            duration(took.elapsed())
        ),
    );
    for (link, target) in shared_links(&cx, &name) {
        std::os::unix::fs::symlink(&target, &link).with_context(|| format!("symlink {}", link.display()))?;
    }
    report.step(
        Status::Ok,
        "link shared",
        format!("connect.env, uploads, logs → {}", cx.releases.root.join("shared").display()),
    );

    // 3. Migrations, by the new release's binary.
    let took = Instant::now();
    let mut migrate = cx.supervisor.app_command(&name)?;
    migrate.arg("migrate");
    match shell::run_captured(&mut migrate) {
        Ok(out) if out.status.success() => {
            let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
            report.step(Status::Ok, "migrate", format!("{said} ({})", duration(took.elapsed())));
        }
        Ok(out) => {
            report.step(Status::Fail, "migrate", shell::failure_text(&out));
            discard(&cx, &name, &mut report);
            println!("배포 실패: 마이그레이션 오류, 기존 릴리스가 계속 서비스합니다 / deploy failed in migrations; the live release is unchanged");
            return Ok(EXIT_FAILED);
        }
        Err(e) => {
            discard(&cx, &name, &mut report);
            return Err(e);
        }
    }

    // 4–6. Start beside the live one, health-gate, switch, hand over.
    let code = activate(&cx, &name, live.as_deref(), &mut report)?;
    if code != EXIT_OK {
        if cx.releases.live()?.as_deref() != Some(name.as_str()) {
            discard(&cx, &name, &mut report);
        }
        println!(
            "배포 실패 / deploy FAILED ({}); live: {}",
            duration(started.elapsed()),
            cx.releases.live()?.unwrap_or_else(|| "none".into())
        );
        return Ok(code);
    }

    // 7. Prune.
    prune(&cx, &name, &mut report)?;
    println!("deployed {name} in {}", duration(started.elapsed()));
    Ok(report.exit_code())
}

fn describe(releases: &Releases, name: &str) -> String {
    let r = releases.load(name);
    format!("{name} (version {}, commit {})", r.version, r.commit)
}

/// The shared state linked into a release: `connect.env`, `uploads`, `logs` (link, target).
fn shared_links(cx: &Deployment, name: &str) -> Vec<(PathBuf, PathBuf)> {
    let shared = cx.releases.root.join("shared");
    let dir = cx.releases.path(name);
    vec![
        (dir.join("connect.env"), cx.settings.app.env_file.clone()),
        (dir.join("uploads"), shared.join("uploads")),
        (dir.join("logs"), shared.join("logs")),
    ]
}

/// Unpacks the artifact into `releases/.NAME.tmp`, checks every file against its `SHA256SUMS`,
/// then renames the folder to `releases/NAME`: a release folder is always whole. Returns the number
/// of files and their size.
fn unpack(artifact: &Path, releases: &Releases, name: &str) -> Result<(usize, u64)> {
    std::fs::create_dir_all(releases.dir()).with_context(|| format!("mkdir {}", releases.dir().display()))?;
    let partial = releases.dir().join(format!(".{name}.tmp"));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir(&partial)?;
    let result = (|| {
        let file = std::fs::File::open(artifact).with_context(|| format!("{}", artifact.display()))?;
        let total = file.metadata()?.len();
        let reader = Counting { inner: file, read: 0, total, shown: 0 };
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(reader));
        archive.set_preserve_permissions(true);
        archive.unpack(&partial).with_context(|| format!("unpacking {}", artifact.display()))?;
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprint!("\r{:60}\r", "");
        }
        verify_sums(&partial)
    })();
    match result {
        Ok(counts) => {
            std::fs::rename(&partial, releases.path(name))?;
            Ok(counts)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            Err(e)
        }
    }
}

/// A reader that shows how much of the artifact is unpacked, on a terminal.
struct Counting {
    inner: std::fs::File,
    read: u64,
    total: u64,
    shown: u64,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::io::IsTerminal;
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let percent = self.read * 100 / self.total.max(1);
        if percent >= self.shown + 5 && std::io::stderr().is_terminal() {
            self.shown = percent;
            eprint!("\r  unpacking {percent:3}% of {}", bytes(self.total));
        }
        Ok(n)
    }
}

/// Every file listed in `SHA256SUMS` has its sum, and the binary is there and executable.
pub fn verify_sums(dir: &Path) -> Result<(usize, u64)> {
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS"))
        .context("SHA256SUMS가 없습니다: scripts/package.sh로 만든 파일이 아닙니다 / no SHA256SUMS: not a scripts/package.sh artifact")?;
    let (mut files, mut size) = (0, 0);
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (want, path) = line.split_once("  ").with_context(|| format!("SHA256SUMS: bad line '{line}'"))?;
        if path.starts_with('/') || path.split('/').any(|p| p == "..") {
            bail!("SHA256SUMS: path outside the release: {path}");
        }
        let mut file = std::fs::File::open(dir.join(path)).with_context(|| format!("{path} is listed but missing"))?;
        let mut hasher = Sha256::new();
        size += std::io::copy(&mut file, &mut hasher)?;
        let got: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if got != want {
            bail!("{path}: sha256 {got}, SHA256SUMS says {want}: 손상된 배포 파일 / damaged artifact");
        }
        files += 1;
    }
    use std::os::unix::fs::PermissionsExt;
    let binary = dir.join("connect");
    if !binary.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0) {
        bail!("the artifact has no executable `connect`");
    }
    Ok((files, size))
}

/// Removes a release that never went live (its server stopped first).
fn discard(cx: &Deployment, name: &str, report: &mut Report) {
    if cx.supervisor.running(name) {
        let _ = cx.supervisor.stop(name);
    }
    match std::fs::remove_dir_all(cx.releases.path(name)) {
        Ok(()) => report.step(Status::Ok, "discard", format!("removed {name} (its log is in shared/logs)")),
        Err(e) => report.step(Status::Warn, "discard", format!("{name}: {e}")),
    }
}

fn prune(cx: &Deployment, name: &str, report: &mut Report) -> Result<()> {
    let live = cx.releases.live()?;
    let doomed = cx.releases.prunable(release::KEEP, live.as_deref(), &[name])?;
    for old in &doomed {
        if cx.supervisor.running(old) {
            let _ = cx.supervisor.stop(old);
        }
    }
    let deleted = cx.releases.prune(release::KEEP, live.as_deref(), &[name])?;
    let kept = cx.releases.names()?.len();
    let detail = if deleted.is_empty() {
        format!("{kept} kept")
    } else {
        format!("{kept} kept, deleted {}", deleted.join(", "))
    };
    report.step(Status::Ok, "prune", detail);
    Ok(())
}

fn plan_switch(cx: &Deployment, name: &str, live: Option<&str>, report: &mut Report) -> Result<()> {
    report.step(
        Status::Plan,
        "health",
        format!("GET /api/health on {} until 200", cx.supervisor.socket(name)?.display()),
    );
    report.step(
        Status::Plan,
        "switch",
        format!("rename {0}/.current.PID.tmp (→ releases/{name}) over {0}/current", cx.releases.root.display()),
    );
    report.step(Status::Plan, "verify", format!("GET /api/health on {} (through current)", cx.app_socket.display()));
    if let Some(live) = live {
        report.step(Status::Plan, "stop old", format!("SIGTERM {live} (hands its connections over)"));
    }
    report.step(Status::Plan, "worker", cx.supervisor.worker_plan(name, cx.start_worker));
    let prunable = cx.releases.prunable(release::KEEP, live, &[name])?;
    report.step(Status::Plan, "prune", if prunable.is_empty() { "nothing".into() } else { prunable.join(", ") });
    Ok(())
}

/// Makes release `target` live while `live` serves: start it on its own socket (unless it already
/// runs), wait for health, switch `current`, check through the switch, stop every other running
/// release. Any failure before the switch leaves `live` serving; a failure after it switches back.
pub fn activate(cx: &Deployment, target: &str, live: Option<&str>, report: &mut Report) -> Result<u8> {
    let socket = cx.supervisor.socket(target)?;
    let took = Instant::now();
    if cx.supervisor.running(target) {
        report.step(
            Status::Ok,
            "start",
            format!("{target} already runs (pid {})", cx.supervisor.pid(target).unwrap_or(0)),
        );
    } else if let Err(e) = cx.supervisor.start(target) {
        report.step(Status::Fail, "start", format!("{e:#}"));
        return Ok(EXIT_FAILED);
    }
    match wait_healthy(cx, target, &socket) {
        Ok(()) => report.step(
            Status::Ok,
            "health (before traffic)",
            format!("GET /api/health on {} → 200 after {}", socket.display(), duration(took.elapsed())),
        ),
        Err(e) => {
            report.step(Status::Fail, "health (before traffic)", format!("{e:#}\n{}", log_tail(cx)));
            if live != Some(target) {
                let _ = cx.supervisor.stop(target);
            }
            println!(
                "새 릴리스가 정상 응답하지 않아 전환하지 않았습니다 / the new release is not healthy: not switched"
            );
            return Ok(EXIT_FAILED);
        }
    }

    let switched = Instant::now();
    cx.releases.switch(target)?;
    let rename = switched.elapsed();
    report.step(
        Status::Ok,
        "switch",
        format!("current → releases/{target} (rename(2) in {:.3} ms)", rename.as_secs_f64() * 1000.0),
    );
    if let Err(e) = verify_live(cx) {
        report.step(Status::Fail, "verify (through current)", format!("{e:#}"));
        return switch_back(cx, target, live, report);
    }
    report.step(Status::Ok, "verify (through current)", verified_text(cx));

    // Connections nginx opened before the rename may still sit in the old listener's queue: let the
    // old server accept them before it stops listening.
    std::thread::sleep(HANDOVER_PAUSE);
    for other in cx.releases.names()? {
        if other != target && cx.supervisor.running(&other) {
            match cx.supervisor.stop(&other) {
                Ok((took, true)) => {
                    report.step(Status::Ok, "stop old", format!("{other} drained and exited in {}", duration(took)))
                }
                Ok((took, false)) => report.step(
                    Status::Warn,
                    "stop old",
                    format!("{other} killed after {} (still draining)", duration(took)),
                ),
                Err(e) => report.step(Status::Warn, "stop old", format!("{other}: {e:#}")),
            }
        }
    }
    let handover = switched.elapsed();
    if let Err(e) = verify_live(cx) {
        report.step(Status::Fail, "verify (after handover)", format!("{e:#}"));
        return switch_back(cx, target, live, report);
    }
    report.step(Status::Ok, "verify (after handover)", verified_text(cx));
    match cx.supervisor.restart_worker(target, cx.start_worker) {
        Ok(done) => report.step(Status::Ok, "worker", done),
        Err(e) => report.step(Status::Warn, "worker", format!("{e:#}")),
    }
    if let Err(e) = cx.supervisor.enable_only(target, &cx.releases.names()?) {
        report.step(Status::Warn, "enable at boot", format!("{e:#}"));
    }
    println!(
        "switch: rename {:.3} ms; handover (rename → old server drained and gone) {}",
        rename.as_secs_f64() * 1000.0,
        duration(handover)
    );
    Ok(EXIT_OK)
}

/// Pause between the switch and SIGTERM to the old server.
const HANDOVER_PAUSE: Duration = Duration::from_millis(1000);

/// After a failed check through the switch: `current` back to `live` (started again if it already
/// stopped), and `target` stopped.
fn switch_back(cx: &Deployment, target: &str, live: Option<&str>, report: &mut Report) -> Result<u8> {
    let Some(live) = live.filter(|l| *l != target) else {
        println!("되돌릴 이전 릴리스가 없습니다 / no earlier release to go back to");
        return Ok(EXIT_ROLLBACK_FAILED);
    };
    println!("자동 롤백 / automatic rollback to {live}");
    let back = (|| -> Result<()> {
        if !cx.supervisor.running(live) {
            cx.supervisor.start(live)?;
        }
        wait_healthy(cx, live, &cx.supervisor.socket(live)?)?;
        cx.releases.switch(live)?;
        verify_live(cx)
    })();
    let _ = cx.supervisor.stop(target);
    match back {
        Ok(()) => {
            report.step(Status::Ok, "rollback", format!("current → releases/{live} again, {target} stopped"));
            Ok(EXIT_FAILED)
        }
        Err(e) => {
            report.step(Status::Fail, "rollback", format!("{e:#}"));
            Ok(EXIT_ROLLBACK_FAILED)
        }
    }
}

fn wait_healthy(cx: &Deployment, name: &str, socket: &Path) -> Result<()> {
    use std::io::IsTerminal;
    let started = Instant::now();
    let terminal = std::io::stderr().is_terminal();
    loop {
        let last = match probe::http_unix(socket, "/api/health") {
            Ok(200) => {
                if terminal {
                    eprint!("\r{:70}\r", "");
                }
                return Ok(());
            }
            Ok(code) => format!("GET /api/health → {code}"),
            Err(e) => format!("{e:#}"),
        };
        if !cx.supervisor.running(name) {
            bail!("{name}의 서버가 종료되었습니다 / the server of {name} exited ({last})");
        }
        if started.elapsed() > cx.health_timeout {
            bail!(
                "{}초 안에 정상 응답이 없습니다 / not healthy within {} s: {last}",
                cx.health_timeout.as_secs(),
                cx.health_timeout.as_secs()
            );
        }
        if terminal {
            eprint!("\r  waiting for {name} to be healthy: {:>4.0}s ({last:.40})", started.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// GET /api/health through `current` (the path nginx proxies to) and, when nginx's status server
/// answers, through nginx too.
fn verify_live(cx: &Deployment) -> Result<()> {
    let code = probe::http_unix(&cx.app_socket, "/api/health")?;
    if code != 200 {
        bail!("GET /api/health on {} → {code}", cx.app_socket.display());
    }
    let port = cx.settings.nginx.status_port;
    if probe::tcp_open("127.0.0.1", port) {
        let code = probe::http_tcp("127.0.0.1", port, "/api/health")?;
        if code != 200 {
            bail!("GET /api/health through nginx (127.0.0.1:{port}) → {code}");
        }
    }
    Ok(())
}

fn verified_text(cx: &Deployment) -> String {
    let port = cx.settings.nginx.status_port;
    let through_nginx =
        if probe::tcp_open("127.0.0.1", port) { format!(" and nginx 127.0.0.1:{port}") } else { String::new() };
    format!("GET /api/health on {}{through_nginx} → 200", cx.app_socket.display())
}

/// The last lines of the app's log, to show why a server did not come up.
fn log_tail(cx: &Deployment) -> String {
    let text = std::fs::read_to_string(&cx.supervisor.log_file).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

/// One deploy or rollback at a time per root: `ROOT/.deploy.lock` holds the pid.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    pub fn take(root: &Path) -> Result<Lock> {
        std::fs::create_dir_all(root).with_context(|| format!("mkdir {}", root.display()))?;
        let path = root.join(".deploy.lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    use std::io::Write;
                    writeln!(f, "{}", std::process::id())?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u32>().ok());
                    if let Some(pid) = holder.filter(|p| crate::supervise::alive(*p)) {
                        bail!(
                            "다른 배포가 진행 중입니다 / another deploy or rollback runs (pid {pid}, {})",
                            path.display()
                        );
                    }
                    std::fs::remove_file(&path)?;
                }
                Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
            }
        }
        bail!("cannot take {}", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_are_checked_against_their_sums() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("connect"), b"#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("connect"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(d.join("VERSION"), b"1\n").unwrap();
        let sum = |b: &[u8]| Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>();
        let sums = format!("{}  connect\n{}  VERSION\n", sum(b"#!/bin/sh\n"), sum(b"1\n"));
        std::fs::write(d.join("SHA256SUMS"), &sums).unwrap();
        assert_eq!(verify_sums(d).unwrap(), (2, 12));
        std::fs::write(d.join("VERSION"), b"2\n").unwrap();
        assert!(verify_sums(d).unwrap_err().to_string().contains("damaged artifact"));
        std::fs::write(d.join("SHA256SUMS"), format!("{}  ../etc/passwd\n", sum(b"x"))).unwrap();
        assert!(verify_sums(d).unwrap_err().to_string().contains("outside the release"));
    }

    #[test]
    fn a_second_deploy_waits_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::take(dir.path()).unwrap();
        assert!(Lock::take(dir.path()).unwrap_err().to_string().contains("another deploy"));
        drop(lock);
        // A lock left by a process that is gone is taken over.
        std::fs::write(dir.path().join(".deploy.lock"), "4294967294\n").unwrap();
        drop(Lock::take(dir.path()).unwrap());
        assert!(!dir.path().join(".deploy.lock").exists());
    }
}
