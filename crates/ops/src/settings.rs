//! The one settings file of a deployment (`config/deploy.toml`).
//!
//! Every key has the default of a stock Debian server laid out the way the deployment spec lays it
//! out, so a settings file only names what differs. Every path the rendered files mention is a
//! setting, which is how the configuration check relocates a whole deployment into a temporary folder.
//! Unknown keys are refused, so a typo fails instead of being ignored.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::secrets::Secrets;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The public host name; the TLS certificate is Let's Encrypt's for this name.
    pub domain: String,
    /// More names served by the same site (e.g. `www.` + domain).
    pub server_aliases: Vec<String>,
    /// Where alerts (and cron's mail) go.
    pub alert_email: String,
    pub app: App,
    pub nginx: Nginx,
    pub postgres: Postgres,
    pub pgbouncer: PgBouncer,
    pub redis: Redis,
    pub monitoring: Monitoring,
    pub backup: Backup,
    pub security: Security,
    /// Passwords and keys: never in the settings file, see [`Secrets::load_or_create`].
    #[serde(skip)]
    pub secrets: Secrets,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct App {
    /// Releases live in `root/releases/…`, the active one is `root/current`, state in `root/shared`.
    pub root: PathBuf,
    /// Defaults to `root/current/connect`.
    pub binary: Option<PathBuf>,
    pub user: String,
    pub group: String,
    /// The unix socket nginx proxies to. Below `root/current` (the default), so that `connect deploy`
    /// switches traffic by renaming `current`: each release's server listens on
    /// `releases/NAME/run/connect.sock`.
    pub socket: PathBuf,
    /// The environment file of both units (contains secrets).
    pub env_file: PathBuf,
    /// systemd watchdog interval; `connect serve` pings at half of it.
    pub watchdog_sec: u32,
    /// How long `connect serve` drains in-flight requests on SIGTERM.
    pub shutdown_timeout_sec: u32,
    /// Scrapes one `connect worker` runs at once.
    pub worker_concurrency: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Nginx {
    pub user: String,
    /// Where nginx's own `mime.types` is.
    pub conf_dir: PathBuf,
    /// What the main configuration includes to load sites.
    pub sites_include: String,
    pub pid: PathBuf,
    pub log_dir: PathBuf,
    /// The address nginx listens on: `*` for all, or e.g. `127.0.0.1`.
    pub listen: String,
    /// Also listen on IPv6 (`[::]`).
    pub ipv6: bool,
    pub http_port: u16,
    pub https_port: u16,
    /// A loopback-only server: the app's `/api/metrics` for Prometheus and nginx's `stub_status`.
    pub status_port: u16,
    pub worker_connections: u32,
    /// Root of the ACME http-01 challenge files (certbot `--webroot`).
    pub acme_root: PathBuf,
    /// Defaults to `/etc/letsencrypt/live/DOMAIN/fullchain.pem`.
    pub tls_certificate: Option<PathBuf>,
    /// Defaults to `/etc/letsencrypt/live/DOMAIN/privkey.pem`.
    pub tls_certificate_key: Option<PathBuf>,
    /// Sent only on responses without a `Content-Security-Policy` of their own (the app's pages
    /// have theirs): the JSON API and nginx's own pages.
    pub content_security_policy: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Postgres {
    pub version: u32,
    pub cluster: String,
    /// Defaults to `/var/lib/postgresql/VERSION/CLUSTER`.
    pub data_dir: Option<PathBuf>,
    /// Where `pg_hba.conf` and `pg_ident.conf` are; defaults to `/etc/postgresql/VERSION/CLUSTER`.
    pub conf_dir: Option<PathBuf>,
    /// Defaults to `/var/run/postgresql/VERSION-CLUSTER.pid`.
    pub pid_file: Option<PathBuf>,
    pub listen_addresses: String,
    pub port: u16,
    pub socket_dir: PathBuf,
    pub database: String,
    pub user: String,
    pub max_connections: u32,
    /// `none`, `ddl`, `mod` (the spec) or `all`.
    pub log_statement: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PgBouncer {
    pub listen_addr: String,
    pub port: u16,
    /// Where `pgbouncer.ini` and `userlist.txt` are installed.
    pub conf_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub log_file: PathBuf,
    pub pid_file: PathBuf,
    pub max_client_conn: u32,
    pub default_pool_size: u32,
    pub reserve_pool_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Redis {
    pub server_binary: PathBuf,
    pub conf_dir: PathBuf,
    pub user: String,
    pub group: String,
    pub cache: RedisInstance,
    pub queue: RedisInstance,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisInstance {
    pub port: u16,
    /// Working directory (the queue's AOF lives here).
    pub dir: PathBuf,
    pub log_file: PathBuf,
    pub pid_file: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Monitoring {
    pub scrape_interval: String,
    pub prometheus_port: u16,
    pub alertmanager_port: u16,
    pub node_exporter_port: u16,
    pub postgres_exporter_port: u16,
    pub redis_cache_exporter_port: u16,
    pub redis_queue_exporter_port: u16,
    pub nginx_exporter_port: u16,
    pub smtp_smarthost: String,
    /// Defaults to `alertmanager@DOMAIN`.
    pub smtp_from: Option<String>,
    pub smtp_require_tls: bool,
    /// Where Grafana's file provider finds the dashboards.
    pub grafana_dashboards_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Backup {
    pub stanza: String,
    /// Defaults to `APP_ROOT/backup/pgbackrest`, as the spec lays it out.
    pub repo_path: Option<PathBuf>,
    /// Full backups kept (weekly fulls: seven weeks).
    pub retention_full: u32,
    pub retention_diff: u32,
    pub retention_archive: u32,
    pub config_file: PathBuf,
    pub binary: PathBuf,
    pub log_dir: PathBuf,
    pub lock_dir: PathBuf,
    /// The user backups run as (the cluster's owner).
    pub user: String,
    /// Cron schedules (minute hour day month weekday).
    pub full_schedule: String,
    pub diff_schedule: String,
    /// Where `connect backup --system` writes its tarballs; defaults to `APP_ROOT/backup/system`.
    pub system_dir: Option<PathBuf>,
    /// System tarballs older than this are deleted after each new one.
    pub system_retention_days: u32,
    /// Monitoring configuration saved in the system tarball (missing ones are skipped).
    pub monitoring_dirs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    pub ssh_port: u16,
    pub ssh_allow_users: Vec<String>,
    pub ban_seconds: u32,
    pub find_seconds: u32,
    pub max_retry: u32,
    /// Clients rate-limited on the auth routes this often within `find_seconds` are banned…
    pub auth_limit_max_retry: u32,
    /// …for this long.
    pub auth_limit_ban_seconds: u32,
    pub ignore_ip: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            domain: "connect.example.kr".into(),
            server_aliases: vec!["www.connect.example.kr".into()],
            alert_email: "ops@connect.example.kr".into(),
            app: App::default(),
            nginx: Nginx::default(),
            postgres: Postgres::default(),
            pgbouncer: PgBouncer::default(),
            redis: Redis::default(),
            monitoring: Monitoring::default(),
            backup: Backup::default(),
            security: Security::default(),
            secrets: Secrets::default(),
        }
    }
}

impl Default for App {
    fn default() -> Self {
        App {
            root: "/var/www/connect".into(),
            binary: None,
            user: "connect".into(),
            group: "connect".into(),
            socket: "/var/www/connect/current/run/connect.sock".into(),
            env_file: "/etc/connect/connect.env".into(),
            watchdog_sec: 30,
            shutdown_timeout_sec: 10,
            worker_concurrency: 4,
        }
    }
}

/// For the responses that carry no policy of their own: JSON, and nginx's own error and redirect
/// pages. The app's HTML pages send their own, stricter than the spec's (`src/web/security.rs`).
const FALLBACK_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

impl Default for Nginx {
    fn default() -> Self {
        Nginx {
            user: "www-data".into(),
            conf_dir: "/etc/nginx".into(),
            sites_include: "/etc/nginx/sites-enabled/*".into(),
            pid: "/run/nginx.pid".into(),
            log_dir: "/var/log/nginx".into(),
            listen: "*".into(),
            ipv6: true,
            http_port: 80,
            https_port: 443,
            status_port: 9180,
            worker_connections: 8192,
            acme_root: "/var/www/certbot".into(),
            tls_certificate: None,
            tls_certificate_key: None,
            content_security_policy: FALLBACK_CSP.into(),
        }
    }
}

impl Default for Postgres {
    fn default() -> Self {
        Postgres {
            version: 15,
            cluster: "main".into(),
            data_dir: None,
            conf_dir: None,
            pid_file: None,
            listen_addresses: "localhost".into(),
            port: 5432,
            socket_dir: "/var/run/postgresql".into(),
            database: "connect".into(),
            user: "connect".into(),
            max_connections: 200,
            log_statement: "mod".into(),
        }
    }
}

impl Default for PgBouncer {
    fn default() -> Self {
        PgBouncer {
            listen_addr: "127.0.0.1".into(),
            port: 6432,
            conf_dir: "/etc/pgbouncer".into(),
            socket_dir: "/var/run/postgresql".into(),
            log_file: "/var/log/postgresql/pgbouncer.log".into(),
            pid_file: "/var/run/postgresql/pgbouncer.pid".into(),
            max_client_conn: 500,
            default_pool_size: 50,
            reserve_pool_size: 10,
        }
    }
}

impl Default for Redis {
    fn default() -> Self {
        let instance = |role: &str, port| RedisInstance {
            port,
            dir: format!("/var/lib/redis-{role}").into(),
            log_file: format!("/var/log/redis/redis-{role}.log").into(),
            pid_file: format!("/run/redis-{role}/redis-server.pid").into(),
        };
        Redis {
            server_binary: "/usr/bin/redis-server".into(),
            conf_dir: "/etc/redis".into(),
            user: "redis".into(),
            group: "redis".into(),
            cache: instance("cache", 6379),
            queue: instance("queue", 6380),
        }
    }
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            scrape_interval: "15s".into(),
            prometheus_port: 9090,
            alertmanager_port: 9093,
            node_exporter_port: 9100,
            postgres_exporter_port: 9187,
            redis_cache_exporter_port: 9121,
            redis_queue_exporter_port: 9122,
            nginx_exporter_port: 9113,
            smtp_smarthost: "localhost:25".into(),
            smtp_from: None,
            smtp_require_tls: false,
            grafana_dashboards_dir: "/var/lib/grafana/dashboards/connect".into(),
        }
    }
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            stanza: "connect".into(),
            repo_path: None,
            retention_full: 7,
            retention_diff: 4,
            retention_archive: 7,
            config_file: "/etc/pgbackrest/pgbackrest.conf".into(),
            binary: "/usr/bin/pgbackrest".into(),
            log_dir: "/var/log/pgbackrest".into(),
            lock_dir: "/tmp/pgbackrest".into(),
            user: "postgres".into(),
            full_schedule: "0 2 * * 0".into(),
            diff_schedule: "0 2 * * 1-6".into(),
            system_dir: None,
            system_retention_days: 30,
            monitoring_dirs: vec!["/etc/prometheus".into(), "/etc/grafana/provisioning".into()],
        }
    }
}

impl Default for Security {
    fn default() -> Self {
        Security {
            ssh_port: 22,
            ssh_allow_users: vec!["connect".into()],
            ban_seconds: 3600,
            find_seconds: 600,
            max_retry: 3,
            auth_limit_max_retry: 10,
            auth_limit_ban_seconds: 7200,
            ignore_ip: vec!["127.0.0.1/8".into(), "::1".into()],
        }
    }
}

impl Settings {
    /// Reads a settings file; keys it leaves out keep their defaults.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
        Self::parse(&text).with_context(|| format!("{}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let settings: Settings = toml::from_str(text)?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<()> {
        if self.domain.is_empty() || self.domain.contains(char::is_whitespace) {
            bail!("domain: a host name is required");
        }
        if !self.app.socket.is_absolute() {
            bail!("app.socket: an absolute path is required");
        }
        if self.app.watchdog_sec < 2 {
            bail!("app.watchdog_sec: at least 2 seconds (the app pings at half of it)");
        }
        if !["none", "ddl", "mod", "all"].contains(&self.postgres.log_statement.as_str()) {
            bail!("postgres.log_statement: one of none, ddl, mod, all");
        }
        if self.pgbouncer.default_pool_size + self.pgbouncer.reserve_pool_size >= self.postgres.max_connections {
            bail!("pgbouncer.default_pool_size + reserve_pool_size must stay below postgres.max_connections");
        }
        for (name, schedule) in
            [("full_schedule", &self.backup.full_schedule), ("diff_schedule", &self.backup.diff_schedule)]
        {
            if schedule.split_whitespace().count() != 5 {
                bail!("backup.{name}: five cron fields (minute hour day month weekday)");
            }
        }
        if self.security.ssh_allow_users.is_empty() {
            bail!("security.ssh_allow_users: at least one user, or nobody can log in");
        }
        Ok(())
    }

    pub fn binary(&self) -> PathBuf {
        self.app.binary.clone().unwrap_or_else(|| self.app.root.join("current/connect"))
    }

    pub fn shared_dir(&self) -> PathBuf {
        self.app.root.join("shared")
    }

    pub fn tls_certificate(&self) -> PathBuf {
        let live = Path::new("/etc/letsencrypt/live").join(&self.domain);
        self.nginx.tls_certificate.clone().unwrap_or_else(|| live.join("fullchain.pem"))
    }

    pub fn tls_certificate_key(&self) -> PathBuf {
        let live = Path::new("/etc/letsencrypt/live").join(&self.domain);
        self.nginx.tls_certificate_key.clone().unwrap_or_else(|| live.join("privkey.pem"))
    }

    pub fn pg_data_dir(&self) -> PathBuf {
        let pg = &self.postgres;
        pg.data_dir.clone().unwrap_or_else(|| format!("/var/lib/postgresql/{}/{}", pg.version, pg.cluster).into())
    }

    pub fn pg_conf_dir(&self) -> PathBuf {
        let pg = &self.postgres;
        pg.conf_dir.clone().unwrap_or_else(|| format!("/etc/postgresql/{}/{}", pg.version, pg.cluster).into())
    }

    pub fn pg_pid_file(&self) -> PathBuf {
        let pg = &self.postgres;
        pg.pid_file.clone().unwrap_or_else(|| format!("/var/run/postgresql/{}-{}.pid", pg.version, pg.cluster).into())
    }

    pub fn backup_repo_path(&self) -> PathBuf {
        self.backup.repo_path.clone().unwrap_or_else(|| self.app.root.join("backup/pgbackrest"))
    }

    pub fn backup_system_dir(&self) -> PathBuf {
        self.backup.system_dir.clone().unwrap_or_else(|| self.app.root.join("backup/system"))
    }

    /// Where `connect serve` keeps uploaded documents (`CONNECT_UPLOAD_DIR` in the rendered environment).
    pub fn uploads_dir(&self) -> PathBuf {
        self.shared_dir().join("uploads")
    }

    pub fn pg_bin_dir(&self) -> PathBuf {
        format!("/usr/lib/postgresql/{}/bin", self.postgres.version).into()
    }

    pub fn smtp_from(&self) -> String {
        self.monitoring.smtp_from.clone().unwrap_or_else(|| format!("alertmanager@{}", self.domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/deploy.toml")
    }

    #[test]
    fn the_committed_settings_file_is_the_defaults() {
        let loaded = Settings::load(&committed_file()).unwrap();
        assert_eq!(format!("{loaded:?}"), format!("{:?}", Settings::default()));
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let s = Settings::parse("domain = \"x.kr\"\n[nginx]\nhttps_port = 8443\n").unwrap();
        assert_eq!(s.nginx.https_port, 8443);
        assert_eq!(s.nginx.http_port, 80);
        assert_eq!(s.tls_certificate(), Path::new("/etc/letsencrypt/live/x.kr/fullchain.pem"));
        assert_eq!(s.binary(), Path::new("/var/www/connect/current/connect"));
        assert_eq!(s.pg_data_dir(), Path::new("/var/lib/postgresql/15/main"));
    }

    #[test]
    fn typos_and_bad_values_are_refused() {
        let err = Settings::parse("[nginx]\nhttps_prot = 8443\n").unwrap_err().to_string();
        assert!(err.contains("https_prot"), "{err}");
        let err = Settings::parse("[backup]\nfull_schedule = \"0 2 * *\"\n").unwrap_err().to_string();
        assert!(err.contains("full_schedule"), "{err}");
        assert!(Settings::parse("[postgres]\nmax_connections = 40\n").is_err());
    }
}
