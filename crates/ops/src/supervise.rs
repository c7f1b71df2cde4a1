//! How a release's `connect serve` runs, beside the live one during a deploy, on its own socket
//! (`releases/NAME/run/connect.sock`) with its own search index (the index writer locks its folder).
//!
//! - `--supervise none` (the default, and what the proof uses): the deploy starts the server itself,
//!   detached (`setsid`, as the app user through `setpriv` when run as root), with the app's
//!   environment file, output appended to `shared/logs/connect.log` and its pid in
//!   `releases/NAME/run/connect.pid`. Stopping is SIGTERM (the server drains), SIGKILL after the
//!   drain deadline.
//! - `--supervise systemd`: `systemctl start|stop connect@NAME`, the rendered template unit
//!   `connect@.service` (`Type=notify`, so `start` returns once the socket accepts connections).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::release::Releases;
use crate::settings::Settings;
use crate::shell;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Supervise {
    /// The deploy starts and stops the servers itself (pid files in the release folders).
    None,
    /// `systemctl start|stop connect@RELEASE` (the rendered `connect@.service`).
    Systemd,
}

/// Starts, finds and stops the server of one release.
pub struct Supervisor {
    pub mode: Supervise,
    pub releases: Releases,
    pub app_socket: PathBuf,
    pub env_file: PathBuf,
    pub log_file: PathBuf,
    pub user: String,
    pub group: String,
    /// How long a stopping server may drain before it is killed.
    pub stop_timeout: Duration,
}

impl Supervisor {
    pub fn new(mode: Supervise, settings: &Settings, releases: Releases, app_socket: PathBuf) -> Self {
        Supervisor {
            mode,
            log_file: releases.root.join("shared/logs/connect.log"),
            releases,
            app_socket,
            env_file: settings.app.env_file.clone(),
            user: settings.app.user.clone(),
            group: settings.app.group.clone(),
            stop_timeout: Duration::from_secs(u64::from(settings.app.shutdown_timeout_sec) + 5),
        }
    }

    pub fn socket(&self, name: &str) -> Result<PathBuf> {
        self.releases.socket(&self.app_socket, name)
    }

    pub fn pid_file(&self, name: &str) -> Result<PathBuf> {
        Ok(self.socket(name)?.with_file_name("connect.pid"))
    }

    pub fn unit(name: &str) -> String {
        format!("connect@{name}.service")
    }

    fn binary(&self, name: &str) -> PathBuf {
        self.releases.path(name).join("connect")
    }

    /// A command of release `name`'s binary with the app's environment, run as the app user.
    pub fn app_command(&self, name: &str) -> Result<Command> {
        let mut c = Command::new("setsid");
        if shell::is_root() && self.user != "root" && shell::uid_of(&self.user).is_some() {
            c.args(["setpriv", "--reuid", &self.user, "--regid", &self.group, "--init-groups", "--"]);
        }
        c.arg(self.binary(name));
        c.env_clear().env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (key, value) in read_env_file(&self.env_file)? {
            c.env(key, value);
        }
        let dir = self.releases.path(name);
        c.env("CONNECT_INDEX_DIR", dir.join("var/search-index"));
        c.current_dir(&dir).stdin(Stdio::null());
        Ok(c)
    }

    /// What [`Supervisor::start`] runs, for `--dry-run`.
    pub fn start_description(&self, name: &str) -> Result<String> {
        Ok(match self.mode {
            Supervise::None => {
                let mut c = self.app_command(name)?;
                c.arg("serve").arg("--listen").arg(format!("unix:{}", self.socket(name)?.display()));
                format!("{} >>{} 2>&1 &", shell::describe(&c), self.log_file.display())
            }
            Supervise::Systemd => format!("systemctl start {}", Self::unit(name)),
        })
    }

    /// Starts release `name`'s server; returns once it runs (not yet once it answers).
    pub fn start(&self, name: &str) -> Result<()> {
        let socket = self.socket(name)?;
        let run_dir = socket.parent().context("socket without a folder")?;
        std::fs::create_dir_all(run_dir).with_context(|| format!("mkdir {}", run_dir.display()))?;
        std::fs::create_dir_all(self.releases.path(name).join("var"))?;
        if shell::is_root() && self.user != "root" && shell::uid_of(&self.user).is_some() {
            let owner = format!("{}:{}", self.user, self.group);
            for dir in [run_dir.to_path_buf(), self.releases.path(name).join("var")] {
                shell::output(Command::new("chown").arg(&owner).arg(&dir))?;
            }
        }
        match self.mode {
            Supervise::Systemd => {
                shell::output(Command::new("systemctl").args(["start", &Self::unit(name)]))?;
            }
            Supervise::None => {
                if let Some(dir) = self.log_file.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let log = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.log_file)
                    .with_context(|| format!("{}", self.log_file.display()))?;
                let mut c = self.app_command(name)?;
                c.arg("serve").arg("--listen").arg(format!("unix:{}", socket.display()));
                c.stdout(log.try_clone()?).stderr(log);
                let child = c.spawn().with_context(|| format!("cannot run {}", shell::describe(&c)))?;
                std::fs::write(self.pid_file(name)?, format!("{}\n", child.id()))?;
                // Not waited for: the server outlives this command (setsid put it in its own session).
                drop(child);
            }
        }
        Ok(())
    }

    /// The pid of release `name`'s server, when it runs.
    pub fn pid(&self, name: &str) -> Option<u32> {
        match self.mode {
            Supervise::None => {
                let text = std::fs::read_to_string(self.pid_file(name).ok()?).ok()?;
                let pid: u32 = text.trim().parse().ok()?;
                (alive(pid) && runs(pid, &self.binary(name))).then_some(pid)
            }
            Supervise::Systemd => {
                let mut c = Command::new("systemctl");
                c.args(["show", "--property=MainPID", "--value", &Self::unit(name)]);
                let out = shell::output(&mut c).ok()?;
                out.trim().parse().ok().filter(|pid| *pid != 0)
            }
        }
    }

    pub fn running(&self, name: &str) -> bool {
        self.pid(name).is_some()
    }

    /// Stops release `name`'s server: SIGTERM and wait for the drain, SIGKILL after the deadline.
    /// Returns how long it took and whether it ended by itself.
    pub fn stop(&self, name: &str) -> Result<(Duration, bool)> {
        let started = Instant::now();
        if self.mode == Supervise::Systemd {
            shell::output(Command::new("systemctl").args(["stop", &Self::unit(name)]))?;
            return Ok((started.elapsed(), true));
        }
        let Some(pid) = self.pid(name) else {
            return Ok((started.elapsed(), true));
        };
        let by_itself = terminate(pid, "TERM", self.stop_timeout).with_context(|| format!("{name}'s server"))?;
        let _ = std::fs::remove_file(self.pid_file(name)?);
        Ok((started.elapsed(), by_itself))
    }

    fn worker_pid_file(&self) -> PathBuf {
        self.releases.root.join("shared/run/connect-worker.pid")
    }

    /// The worker started by [`Supervisor::restart_worker`], when it runs.
    pub fn worker_pid(&self) -> Option<u32> {
        let pid = std::fs::read_to_string(self.worker_pid_file()).ok()?.trim().parse().ok()?;
        let releases = self.releases.dir();
        let ours = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe.starts_with(&releases));
        (alive(pid) && ours).then_some(pid)
    }

    /// What [`Supervisor::restart_worker`] would do, for `--dry-run`.
    pub fn worker_plan(&self, name: &str, start: bool) -> String {
        match (self.mode, self.worker_pid()) {
            (Supervise::Systemd, _) => format!("systemctl try-restart {WORKER_UNIT}"),
            (Supervise::None, Some(pid)) => format!("SIGINT worker {pid}, start `connect worker` of {name}"),
            (Supervise::None, None) if start => format!("start `connect worker` of {name}"),
            (Supervise::None, None) => "no worker runs: nothing".into(),
        }
    }

    /// Keeps `connect worker` on the live release `name` after a switch: under systemd,
    /// `systemctl try-restart connect-worker.service` (its binary is `current/connect`); otherwise
    /// the worker this command started (`shared/run/connect-worker.pid`) is stopped — SIGINT, so it
    /// finishes its running jobs — and started again from `name`, as is one when `start` asks for
    /// it. Says what it did.
    pub fn restart_worker(&self, name: &str, start: bool) -> Result<String> {
        if self.mode == Supervise::Systemd {
            shell::output(Command::new("systemctl").args(["try-restart", WORKER_UNIT]))?;
            return Ok(format!("systemctl try-restart {WORKER_UNIT} (runs current → {name} if it was running)"));
        }
        let old = self.worker_pid();
        if old.is_none() && !start {
            return Ok("no worker started by `connect deploy --worker` runs: none restarted".into());
        }
        if let Some(pid) = old {
            terminate(pid, "INT", WORKER_STOP_TIMEOUT).context("the old worker")?;
        }
        let log_file = self.log_file.with_file_name("connect-worker.log");
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_file)
            .with_context(|| format!("{}", log_file.display()))?;
        let mut c = self.app_command(name)?;
        c.arg("worker").stdout(log.try_clone()?).stderr(log);
        let child = c.spawn().with_context(|| format!("cannot run {}", shell::describe(&c)))?;
        let pid_file = self.worker_pid_file();
        std::fs::create_dir_all(pid_file.parent().context("pid file without a folder")?)?;
        std::fs::write(&pid_file, format!("{}\n", child.id()))?;
        let pid = child.id();
        drop(child);
        Ok(match old {
            Some(old) => format!("worker {old} stopped; worker {pid} runs {name}"),
            None => format!("worker {pid} runs {name}"),
        })
    }

    /// systemd mode: the live release's unit starts at boot, no other.
    pub fn enable_only(&self, name: &str, others: &[String]) -> Result<()> {
        if self.mode != Supervise::Systemd {
            return Ok(());
        }
        shell::output(Command::new("systemctl").args(["enable", &Self::unit(name)]))?;
        for other in others.iter().filter(|o| *o != name) {
            let _ = shell::run_captured(Command::new("systemctl").args(["disable", &Self::unit(other)]));
        }
        Ok(())
    }
}

/// The rendered unit of `connect worker`.
const WORKER_UNIT: &str = "connect-worker.service";
/// The worker unit's `TimeoutStopSec`: running jobs may take this long to finish.
const WORKER_STOP_TIMEOUT: Duration = Duration::from_secs(90);

/// Sends `signal`, waits up to `timeout` for the process to end, then SIGKILL. Whether it ended by
/// itself.
fn terminate(pid: u32, first: &str, timeout: Duration) -> Result<bool> {
    let started = Instant::now();
    signal(pid, first)?;
    while alive(pid) && started.elapsed() < timeout {
        std::thread::sleep(Duration::from_millis(20));
    }
    if !alive(pid) {
        return Ok(true);
    }
    signal(pid, "KILL")?;
    while alive(pid) && started.elapsed() < timeout + Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    if alive(pid) {
        bail!("pid {pid} does not stop even after SIGKILL");
    }
    Ok(false)
}

fn signal(pid: u32, name: &str) -> Result<()> {
    shell::output(Command::new("kill").arg(format!("-{name}")).arg(pid.to_string())).map(drop)
}

/// A process that exists and is not a zombie (a server this command started and that exited stays
/// a zombie until this command ends).
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z" | "X") | None)
}

/// Whether `pid` runs `binary` (a pid file may outlive its process and the pid be reused).
fn runs(pid: u32, binary: &Path) -> bool {
    // While a process is in execve (setsid → setpriv → connect right after a start) its cmdline
    // reads empty for a moment: ask again rather than call a starting server gone.
    let mut cmdline = Vec::new();
    for _ in 0..50 {
        cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !cmdline.is_empty() || !alive(pid) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let wanted = binary.as_os_str().as_encoded_bytes();
    cmdline.split(|b| *b == 0).any(|arg| arg == wanted)
}

/// The `KEY=VALUE` lines of an environment file (systemd's `EnvironmentFile=` and `set -a; .`
/// both read the rendered one): comments and blank lines skipped, one level of quotes removed.
pub fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("환경 파일을 읽을 수 없습니다 / cannot read the environment file {}", path.display())
    })?;
    Ok(parse_env(&text))
}

pub fn parse_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (key, value) = l.split_once('=')?;
            let value = value.trim();
            let unquoted = [('"', '"'), ('\'', '\'')]
                .iter()
                .find_map(|(a, b)| value.strip_prefix(*a)?.strip_suffix(*b))
                .unwrap_or(value);
            Some((key.trim().to_string(), unquoted.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_files_are_read_like_systemd_does() {
        let env = parse_env("# comment\n\nDATABASE_URL=postgresql://a:b@h:1/d\nexport X='y z'\nQ=\"q\"\nbroken\n");
        assert_eq!(
            env,
            [("DATABASE_URL", "postgresql://a:b@h:1/d"), ("X", "y z"), ("Q", "q")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn a_release_server_is_started_detached_and_stopped_with_sigterm() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let name = "20261206T081500Z";
        let releases = Releases::new(root);
        std::fs::create_dir_all(releases.path(name)).unwrap();
        // A stand-in server: records its environment and arguments, leaves on SIGTERM.
        let fake = releases.path(name).join("connect");
        std::fs::write(&fake, "#!/bin/sh\necho \"$CONNECT_INDEX_DIR $APP_VALUE $*\" >\"$PWD/args\"\ntrap 'exit 0' TERM\nwhile :; do sleep 0.05; done\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(root.join("app.env"), "APP_VALUE=from-env-file\n").unwrap();
        let settings = Settings::parse(&format!(
            "[app]\nroot = \"{0}\"\nsocket = \"{0}/current/run/connect.sock\"\nenv_file = \"{0}/app.env\"\nuser = \"root\"\ngroup = \"root\"\nshutdown_timeout_sec = 1\n",
            root.display()
        ))
        .unwrap();
        let supervisor = Supervisor::new(Supervise::None, &settings, releases.clone(), settings.app.socket.clone());
        assert!(!supervisor.running(name));
        supervisor.start(name).unwrap();
        let pid = supervisor.pid(name).expect("running after start");
        let args = releases.path(name).join("args");
        for _ in 0..100 {
            if args.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let dir_text = releases.path(name).display().to_string();
        assert_eq!(
            std::fs::read_to_string(&args).unwrap().trim(),
            format!("{dir_text}/var/search-index from-env-file serve --listen unix:{dir_text}/run/connect.sock")
        );
        let (_, graceful) = supervisor.stop(name).unwrap();
        assert!(graceful, "the server left on SIGTERM");
        assert!(!alive(pid) && !supervisor.running(name));
        assert!(!supervisor.pid_file(name).unwrap().exists());
    }

    #[test]
    fn this_process_is_alive_and_runs_its_binary() {
        assert!(alive(std::process::id()));
        assert!(!alive(u32::MAX - 1));
        let me = std::env::current_exe().unwrap();
        assert!(runs(std::process::id(), &me));
        assert!(!runs(std::process::id(), Path::new("/nonexistent/connect")));
    }
}
