//! A restored PostgreSQL cluster started beside the live one: its own configuration file (never the
//! restored one alone, which names the live cluster's port, paths and archive command), started with
//! `pg_ctl`, and awaited until recovery has ended and it is promoted (`pg_ctl -w` returns earlier).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::shell::{self, RunAs};

#[derive(Debug)]
pub struct Cluster {
    pub data: PathBuf,
    pub port: u16,
    /// The configuration file it is started with.
    pub config: PathBuf,
    pub log: PathBuf,
    pg_bin: PathBuf,
    run_as: RunAs,
}

impl Cluster {
    pub fn new(data: PathBuf, port: u16, config: PathBuf, log: PathBuf, pg_bin: PathBuf, run_as: RunAs) -> Self {
        Cluster { data, port, config, log, pg_bin, run_as }
    }

    /// `pg_ctl start` with the cluster's configuration file; the port, and WAL archiving switched
    /// off, are also given on the command line, which wins over `postgresql.auto.conf`.
    pub fn start_command(&self, wait: Duration) -> Command {
        let mut c = self.run_as.command(self.pg_bin.join("pg_ctl"));
        c.arg("-D").arg(&self.data).arg("-l").arg(&self.log).args(["-w", "-t", &wait.as_secs().max(1).to_string()]);
        c.arg("-o").arg(format!(
            "--config-file={} -p {} -c archive_mode=off -c hot_standby=off",
            self.config.display(),
            self.port
        ));
        c.arg("start");
        c
    }

    pub fn start(&self, wait: Duration) -> Result<()> {
        let out = shell::run_captured(&mut self.start_command(wait))?;
        if !out.status.success() {
            bail!("pg_ctl start failed: {}\n{}", shell::failure_text(&out), self.log_tail());
        }
        Ok(())
    }

    /// Waits until recovery has ended and the cluster is promoted, which `pg_ctl -w` does not wait
    /// for: the server has removed `recovery.signal` and `pg_controldata` says "in production" (a
    /// restored `pg_control` says so too before recovery starts, hence both).
    pub fn wait_promoted(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.state()?;
            if state == "in production" && !self.exists(&self.data.join("recovery.signal")) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("still '{state}' after {}s\n{}", timeout.as_secs(), self.log_tail());
            }
            if !self.running() {
                bail!("the server stopped during recovery ('{state}')\n{}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `Database cluster state` of `pg_controldata`.
    pub fn state(&self) -> Result<String> {
        let mut c = self.run_as.command(self.pg_bin.join("pg_controldata"));
        c.arg("-D").arg(&self.data).env("LC_ALL", "C");
        let text = shell::output(&mut c)?;
        text.lines()
            .find_map(|l| l.strip_prefix("Database cluster state:").map(|s| s.trim().to_string()))
            .context("pg_controldata printed no cluster state")
    }

    fn exists(&self, path: &Path) -> bool {
        let mut c = self.run_as.command("test");
        c.arg("-e").arg(path);
        shell::run_captured(&mut c).is_ok_and(|o| o.status.success())
    }

    pub fn running(&self) -> bool {
        let mut c = self.run_as.command(self.pg_bin.join("pg_ctl"));
        c.arg("-D").arg(&self.data).arg("status");
        shell::run_captured(&mut c).is_ok_and(|o| o.status.success())
    }

    pub fn stop(&self) -> Result<()> {
        let mut c = self.run_as.command(self.pg_bin.join("pg_ctl"));
        c.arg("-D").arg(&self.data).args(["-m", "fast", "-w", "-t", "120", "stop"]);
        shell::output(&mut c).map(drop)
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n");
        format!("{}:\n{tail}", self.log.display())
    }
}

/// Writes a file as `run_as` (the directory may be theirs alone).
pub fn write_as(run_as: &RunAs, path: &Path, text: &str) -> Result<()> {
    let mut c = run_as.command("tee");
    c.arg(path).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = c.spawn().with_context(|| format!("cannot run {}", shell::describe(&c)))?;
    child.stdin.take().context("tee has no stdin")?.write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("cannot write {}: {}", path.display(), shell::failure_text(&out));
    }
    Ok(())
}

/// A port nothing listens on now, other than `avoid`.
pub fn free_port(avoid: u16) -> Result<u16> {
    for _ in 0..20 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        if port != avoid {
            return Ok(port);
        }
    }
    bail!("no free port")
}

fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The configuration of a drill's scratch cluster: reachable only through a socket in its own private
/// directory, trusting local connections there, small memory, nothing archived.
pub fn drill_config(dir: &Path, data: &Path) -> String {
    let d = |p: &Path| quoted(&p.display().to_string());
    format!(
        "# connect restore --drill: a throw-away copy, reachable only through the socket in this directory\n\
         data_directory = {}\nhba_file = {}\nident_file = {}\nexternal_pid_file = ''\n\
         listen_addresses = ''\nunix_socket_directories = {}\n\
         archive_mode = off\nhot_standby = off\nshared_buffers = '128MB'\nmax_connections = 20\n\
         shared_preload_libraries = ''\nlogging_collector = off\n",
        d(data),
        d(&dir.join("pg_hba.conf")),
        d(&dir.join("pg_ident.conf")),
        d(dir)
    )
}

pub const DRILL_HBA: &str = "# connect restore --drill\nlocal all all trust\n";

/// The configuration of a real restore elsewhere: the restored or live settings, then overrides that
/// keep it off the live cluster's data directory, pid file and port.
pub fn restore_config(data: &Path, base: Option<&Path>, hba: &Path, ident: Option<&Path>, port: u16) -> String {
    let d = |p: &Path| quoted(&p.display().to_string());
    let mut text = String::from("# connect restore --to: the restored cluster's own settings, then what must differ\n");
    if let Some(base) = base {
        text.push_str(&format!("include_if_exists {}\n", d(base)));
    }
    text.push_str(&format!(
        "data_directory = {}\nhba_file = {}\nexternal_pid_file = ''\nport = {port}\narchive_mode = off\nhot_standby = off\n",
        d(data),
        d(hba)
    ));
    if let Some(ident) = ident {
        text.push_str(&format!("ident_file = {}\n", d(ident)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drill_cluster_listens_on_its_socket_only_and_never_archives() {
        let text = drill_config(Path::new("/tmp/connect-drill.x"), Path::new("/tmp/connect-drill.x/data"));
        for want in [
            "listen_addresses = ''",
            "unix_socket_directories = '/tmp/connect-drill.x'",
            "archive_mode = off",
            "data_directory = '/tmp/connect-drill.x/data'",
            "external_pid_file = ''",
        ] {
            assert!(text.contains(want), "{want} missing in:\n{text}");
        }
        let cluster = Cluster::new(
            "/tmp/d/data".into(),
            5499,
            "/tmp/d/postgresql.conf".into(),
            "/tmp/d/server.log".into(),
            "/usr/lib/postgresql/15/bin".into(),
            RunAs::me(),
        );
        assert_eq!(
            shell::describe(&cluster.start_command(Duration::from_secs(600))),
            "/usr/lib/postgresql/15/bin/pg_ctl -D /tmp/d/data -l /tmp/d/server.log -w -t 600 -o \
             '--config-file=/tmp/d/postgresql.conf -p 5499 -c archive_mode=off -c hot_standby=off' start"
        );
    }

    #[test]
    fn a_real_restore_overrides_the_live_paths_after_the_included_settings() {
        let text = restore_config(
            Path::new("/srv/pg-restored"),
            Some(Path::new("/etc/postgresql/15/main/postgresql.conf")),
            Path::new("/etc/postgresql/15/main/pg_hba.conf"),
            None,
            5433,
        );
        let include = text.find("include_if_exists '/etc/postgresql/15/main/postgresql.conf'").unwrap();
        let data = text.find("data_directory = '/srv/pg-restored'").unwrap();
        assert!(include < data, "{text}");
        assert!(text.contains("port = 5433\n") && text.contains("external_pid_file = ''"), "{text}");
    }

    #[test]
    fn free_ports_avoid_the_live_one() {
        assert_ne!(free_port(5432).unwrap(), 5432);
    }
}
