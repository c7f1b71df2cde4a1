//! The deployment's services as `connect recover` sees them: how to tell each one works, its
//! process, and how to restart it without systemd (the rendered files and pid files), beside the
//! production `systemctl` command it stands for.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::probe;
use crate::settings::Settings;
use crate::shell::{self, RunAs};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Postgres,
    Pgbouncer,
    RedisCache,
    RedisQueue,
    Nginx,
    Connect,
}

/// How one service is checked and restarted.
pub struct Unit {
    pub name: &'static str,
    /// The production command (systemd as PID 1).
    pub systemctl: String,
    /// Where its pid is written, if anywhere.
    pub pid_file: Option<PathBuf>,
    /// Its main program and an argument that tells its processes apart (`connect serve`).
    pub process: Option<(PathBuf, &'static str)>,
    pub port: Option<(String, u16)>,
    /// Checked before a restart (nginx -t): a broken configuration is not restarted into.
    pub preflight: Option<Command>,
    pub stop: Option<Command>,
    pub start: Command,
    /// Directories the start needs (systemd's RuntimeDirectory), made as root: (path, user).
    pub runtime_dirs: Vec<(PathBuf, String)>,
    /// Seconds to wait for the service to answer after a start.
    pub settle_secs: u64,
    service: Service,
    settings: Settings,
}

impl Unit {
    pub fn of(service: Service, s: &Settings) -> Unit {
        let d = |p: &std::path::Path| p.display().to_string();
        let postgres = RunAs::user(&s.backup.user);
        let redis = RunAs::user(&s.redis.user);
        let unit = |name, systemctl: String, start: Command| Unit {
            name,
            systemctl,
            pid_file: None,
            process: None,
            port: None,
            preflight: None,
            stop: None,
            start,
            runtime_dirs: Vec::new(),
            settle_secs: 30,
            service,
            settings: s.clone(),
        };
        let pg_ctl = s.pg_bin_dir().join("pg_ctl");
        match service {
            Service::Postgres => {
                let mut start = postgres.command(&pg_ctl);
                let log = s.pg_data_dir().with_file_name("connect-recover.log");
                start.arg("-D").arg(s.pg_data_dir()).arg("-l").arg(log).args(["-w", "-t", "300", "-o"]);
                start.arg(format!("--config-file={}", d(&s.pg_conf_dir().join("postgresql.conf")))).arg("start");
                let mut stop = postgres.command(&pg_ctl);
                stop.arg("-D").arg(s.pg_data_dir()).args(["-m", "fast", "-w", "-t", "120", "stop"]);
                let mut u = unit(
                    "postgres",
                    format!("systemctl restart postgresql@{}-{}", s.postgres.version, s.postgres.cluster),
                    start,
                );
                u.pid_file = Some(s.pg_data_dir().join("postmaster.pid"));
                u.port = Some(("127.0.0.1".into(), s.postgres.port));
                u.stop = Some(stop);
                u.runtime_dirs.push((s.postgres.socket_dir.clone(), s.backup.user.clone()));
                u.settle_secs = 300;
                u
            }
            Service::Pgbouncer => {
                let mut start = postgres.command("pgbouncer");
                start.arg("-d").arg(s.pgbouncer.conf_dir.join("pgbouncer.ini"));
                let mut u = unit("pgbouncer", "systemctl restart pgbouncer".into(), start);
                u.pid_file = Some(s.pgbouncer.pid_file.clone());
                u.port = Some((s.pgbouncer.listen_addr.clone(), s.pgbouncer.port));
                u.runtime_dirs.push((s.pgbouncer.socket_dir.clone(), s.backup.user.clone()));
                u
            }
            Service::RedisCache | Service::RedisQueue => {
                let (role, instance) = if service == Service::RedisCache {
                    ("redis-cache", &s.redis.cache)
                } else {
                    ("redis-queue", &s.redis.queue)
                };
                let mut start = redis.command(&s.redis.server_binary);
                start.arg(s.redis.conf_dir.join(format!("{role}.conf"))).args([
                    "--daemonize",
                    "yes",
                    "--supervised",
                    "no",
                ]);
                let mut u = unit(role, format!("systemctl restart {role}"), start);
                u.pid_file = Some(instance.pid_file.clone());
                u.port = Some(("127.0.0.1".into(), instance.port));
                if let Some(dir) = instance.pid_file.parent() {
                    u.runtime_dirs.push((dir.to_path_buf(), s.redis.user.clone()));
                }
                u
            }
            Service::Nginx => {
                let conf = s.nginx.conf_dir.join("nginx.conf");
                let mut preflight = Command::new("nginx");
                preflight.arg("-t").arg("-c").arg(&conf);
                let mut stop = Command::new("nginx");
                stop.arg("-c").arg(&conf).args(["-s", "quit"]);
                let mut start = Command::new("nginx");
                start.arg("-c").arg(&conf);
                let mut u = unit("nginx", "nginx -t && systemctl restart nginx".into(), start);
                u.pid_file = Some(s.nginx.pid.clone());
                u.port = Some(("127.0.0.1".into(), s.nginx.status_port));
                u.preflight = Some(preflight);
                u.stop = Some(stop);
                u
            }
            Service::Connect => {
                let app = RunAs::user(&s.app.user);
                let log = s.shared_dir().join("logs/connect.log");
                let mut start = app.command("setsid");
                start.args(["-f", "sh", "-c"]).arg(format!(
                    "set -a && . '{}' && set +a && cd '{}' && exec '{}' serve >>'{}' 2>&1 </dev/null",
                    d(&s.app.env_file),
                    d(&s.app.root.join("current")),
                    d(&s.binary()),
                    d(&log)
                ));
                let mut u = unit("connect", "systemctl restart connect".into(), start);
                u.process = Some((s.binary(), "serve"));
                if let Some(dir) = s.app.socket.parent() {
                    u.runtime_dirs.push((dir.to_path_buf(), s.app.user.clone()));
                }
                u
            }
        }
    }

    /// The pids of its main process.
    pub fn pids(&self) -> Vec<u32> {
        if let Some((program, arg)) = &self.process {
            return probe::pids_running(program, arg);
        }
        self.pid_file.as_deref().and_then(probe::pid_from_file).into_iter().collect()
    }

    /// Does it answer its protocol? `Ok` with what it said, `Err` with why not.
    pub fn answers(&self) -> Result<String> {
        let s = &self.settings;
        match self.service {
            Service::Postgres | Service::Pgbouncer => {
                let (host, port) = if self.service == Service::Postgres {
                    (s.postgres.socket_dir.display().to_string(), s.postgres.port)
                } else {
                    (s.pgbouncer.listen_addr.clone(), s.pgbouncer.port)
                };
                let mut c = Command::new("pg_isready");
                c.args(["-h", &host, "-p", &port.to_string(), "-t", "3"]);
                let out = shell::run_captured(&mut c)?;
                let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
                // 0 accepting, 1 rejecting (starting up or shutting down), 2 no answer.
                match out.status.code() {
                    Some(0) => Ok(text),
                    _ => anyhow::bail!("{text}"),
                }
            }
            Service::RedisCache | Service::RedisQueue => {
                let (host, port) = self.port.clone().unwrap_or_default();
                probe::redis_ping(&host, port)
            }
            Service::Nginx => {
                let code = probe::http_tcp("127.0.0.1", s.nginx.status_port, "/nginx_status")?;
                if code == 200 {
                    Ok(format!("status server :{} answers 200", s.nginx.status_port))
                } else {
                    anyhow::bail!("status server :{} answers {code}", s.nginx.status_port)
                }
            }
            Service::Connect => {
                let code = probe::http_unix(&s.app.socket, "/api/health/live")?;
                if code == 200 {
                    Ok(format!("GET /api/health/live on {} → 200", s.app.socket.display()))
                } else {
                    anyhow::bail!("GET /api/health/live → {code}")
                }
            }
        }
    }

    /// Stops what is left of it: its stop command, else SIGTERM to its pids.
    pub fn stop_commands(&self) -> Vec<Command> {
        if let Some(stop) = &self.stop {
            let mut c = Command::new(stop.get_program());
            c.args(stop.get_args());
            return vec![c];
        }
        self.pids()
            .into_iter()
            .map(|pid| {
                let mut c = Command::new("kill");
                c.args(["-TERM", &pid.to_string()]);
                c
            })
            .collect()
    }
}
