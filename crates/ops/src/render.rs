//! Which file comes from which template, where it is installed, and the rendering itself.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::dashboard::Dashboard;
use crate::hardware::Hardware;
use crate::secrets::write_private;
use crate::settings::Settings;
use crate::template::{self, Vars};
use crate::vars;

/// Where a rendered file's text comes from.
enum Source {
    /// A `{{name}}` template.
    Template(&'static str),
    /// A panel table turned into Grafana dashboard JSON.
    Dashboard(&'static str),
}

/// One rendered file.
struct Output {
    /// Relative to the output folder; also the template's path under `templates/`.
    path: &'static str,
    source: Source,
    /// Where it belongs on the server (listed in MANIFEST).
    install: String,
    owner: String,
    mode: u32,
    /// Holds a password or key: written 0600.
    secret: bool,
    /// Values only this file uses (one template, two Redis units).
    extra: Vec<(&'static str, String)>,
}

macro_rules! template {
    ($path:literal) => {
        Source::Template(include_str!(concat!("../templates/", $path)))
    };
}

const REDIS_UNIT: &str = include_str!("../templates/systemd/redis.service");
const OVERVIEW: &str = include_str!("../templates/grafana/dashboards/connect-overview.toml");

fn outputs(s: &Settings) -> Vec<Output> {
    let d = |p: &Path| p.display().to_string();
    let file = |path: &'static str, source: Source, install: String, owner: &str, mode: u32| Output {
        path,
        source,
        install,
        owner: owner.to_string(),
        mode,
        secret: false,
        extra: Vec::new(),
    };
    let secret = |mut o: Output| {
        o.secret = true;
        o
    };
    let root = "root:root";
    let postgres = format!("{0}:{0}", s.backup.user);
    let redis = format!("{}:{}", s.redis.user, s.redis.group);
    let nginx = &s.nginx.conf_dir;
    let pgb = &s.pgbouncer.conf_dir;
    let mut list = vec![
        file("nginx/nginx.conf", template!("nginx/nginx.conf"), d(&nginx.join("nginx.conf")), root, 0o644),
        file(
            "nginx/sites/connect.conf",
            template!("nginx/sites/connect.conf"),
            d(&nginx.join("sites-available/connect")),
            root,
            0o644,
        ),
        file(
            "pgbouncer/pgbouncer.ini",
            template!("pgbouncer/pgbouncer.ini"),
            d(&pgb.join("pgbouncer.ini")),
            &postgres,
            0o640,
        ),
        secret(file(
            "pgbouncer/userlist.txt",
            template!("pgbouncer/userlist.txt"),
            d(&pgb.join("userlist.txt")),
            &postgres,
            0o600,
        )),
        file(
            "postgresql/postgresql.conf",
            template!("postgresql/postgresql.conf"),
            d(&s.pg_conf_dir().join("postgresql.conf")),
            &postgres,
            0o644,
        ),
        secret(file(
            "redis/redis-cache.conf",
            template!("redis/redis-cache.conf"),
            d(&s.redis.conf_dir.join("redis-cache.conf")),
            &redis,
            0o640,
        )),
        secret(file(
            "redis/redis-queue.conf",
            template!("redis/redis-queue.conf"),
            d(&s.redis.conf_dir.join("redis-queue.conf")),
            &redis,
            0o640,
        )),
        file(
            "systemd/connect.service",
            template!("systemd/connect.service"),
            "/etc/systemd/system/connect.service".into(),
            root,
            0o644,
        ),
        file(
            "systemd/connect@.service",
            template!("systemd/connect@.service"),
            "/etc/systemd/system/connect@.service".into(),
            root,
            0o644,
        ),
        file(
            "systemd/connect-worker.service",
            template!("systemd/connect-worker.service"),
            "/etc/systemd/system/connect-worker.service".into(),
            root,
            0o644,
        ),
        secret(file(
            "connect/connect.env",
            template!("connect/connect.env"),
            d(&s.app.env_file),
            &format!("root:{}", s.app.group),
            0o640,
        )),
        file(
            "prometheus/prometheus.yml",
            template!("prometheus/prometheus.yml"),
            "/etc/prometheus/prometheus.yml".into(),
            root,
            0o644,
        ),
        file(
            "prometheus/rules/connect.yml",
            template!("prometheus/rules/connect.yml"),
            "/etc/prometheus/rules/connect.yml".into(),
            root,
            0o644,
        ),
        file(
            "prometheus/rules/connect.test.yml",
            template!("prometheus/rules/connect.test.yml"),
            "/etc/prometheus/rules/connect.test.yml".into(),
            root,
            0o644,
        ),
        file(
            "alertmanager/alertmanager.yml",
            template!("alertmanager/alertmanager.yml"),
            "/etc/prometheus/alertmanager.yml".into(),
            root,
            0o644,
        ),
        file(
            "grafana/provisioning/datasources/connect.yaml",
            template!("grafana/provisioning/datasources/connect.yaml"),
            "/etc/grafana/provisioning/datasources/connect.yaml".into(),
            "root:grafana",
            0o640,
        ),
        file(
            "grafana/provisioning/dashboards/connect.yaml",
            template!("grafana/provisioning/dashboards/connect.yaml"),
            "/etc/grafana/provisioning/dashboards/connect.yaml".into(),
            "root:grafana",
            0o640,
        ),
        file(
            "grafana/dashboards/connect-overview.json",
            Source::Dashboard(OVERVIEW),
            d(&s.monitoring.grafana_dashboards_dir.join("connect-overview.json")),
            "root:grafana",
            0o644,
        ),
        file(
            "pgbackrest/pgbackrest.conf",
            template!("pgbackrest/pgbackrest.conf"),
            d(&s.backup.config_file),
            &postgres,
            0o640,
        ),
        file("cron/connect-backup", template!("cron/connect-backup"), "/etc/cron.d/connect-backup".into(), root, 0o644),
        file("fail2ban/jail.local", template!("fail2ban/jail.local"), "/etc/fail2ban/jail.local".into(), root, 0o644),
        file(
            "fail2ban/filter.d/nginx-req-limit.conf",
            template!("fail2ban/filter.d/nginx-req-limit.conf"),
            "/etc/fail2ban/filter.d/nginx-req-limit.conf".into(),
            root,
            0o644,
        ),
        file(
            "fail2ban/filter.d/nginx-noscript.conf",
            template!("fail2ban/filter.d/nginx-noscript.conf"),
            "/etc/fail2ban/filter.d/nginx-noscript.conf".into(),
            root,
            0o644,
        ),
        file(
            "fail2ban/filter.d/nginx-badbots.conf",
            template!("fail2ban/filter.d/nginx-badbots.conf"),
            "/etc/fail2ban/filter.d/nginx-badbots.conf".into(),
            root,
            0o644,
        ),
        file("logrotate/connect", template!("logrotate/connect"), "/etc/logrotate.d/connect".into(), root, 0o644),
        file(
            "ssh/sshd_config.d/connect.conf",
            template!("ssh/sshd_config.d/connect.conf"),
            "/etc/ssh/sshd_config.d/connect.conf".into(),
            root,
            0o644,
        ),
        file(
            "ufw/ufw-rules.sh",
            template!("ufw/ufw-rules.sh"),
            "/usr/local/sbin/connect-ufw-rules".into(),
            root,
            0o755,
        ),
    ];
    for (role, path, instance) in [
        ("cache", "systemd/redis-cache.service", &s.redis.cache),
        ("queue", "systemd/redis-queue.service", &s.redis.queue),
    ] {
        let mut unit =
            file(path, Source::Template(REDIS_UNIT), format!("/etc/systemd/system/redis-{role}.service"), root, 0o644);
        unit.extra = vars::redis_unit(role, instance);
        list.push(unit);
    }
    list
}

/// Renders every deployment file into `out` (created if needed) and a `MANIFEST` saying where each
/// one is installed, with which owner and mode. Returns the files written.
pub fn render(settings: &Settings, hw: &Hardware, out: &Path) -> Result<Vec<PathBuf>> {
    let vars = vars::build(settings, hw)?;
    let mut written = Vec::new();
    let mut manifest = String::from("# file\tinstall as\towner\tmode\n");
    for output in outputs(settings) {
        let text = match output.source {
            Source::Template(text) => fill(output.path, text, &vars, &output.extra)?,
            Source::Dashboard(text) => {
                let json = Dashboard::parse(output.path, text)?.to_json();
                serde_json::to_string_pretty(&json)? + "\n"
            }
        };
        let path = out.join(output.path);
        write(&path, &text, output.secret, output.mode)?;
        manifest.push_str(&format!("{}\t{}\t{}\t{:04o}\n", output.path, output.install, output.owner, output.mode));
        written.push(path);
    }
    let path = out.join("MANIFEST");
    write(&path, &manifest, false, 0o644)?;
    written.push(path);
    Ok(written)
}

fn fill(name: &str, text: &str, vars: &Vars, extra: &[(&'static str, String)]) -> Result<String> {
    if extra.is_empty() {
        return template::fill(name, text, vars);
    }
    let mut vars = vars.clone();
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    template::fill(name, text, &vars)
}

fn write(path: &Path, text: &str, secret: bool, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if secret {
        return write_private(path, text);
    }
    let dir = path.parent().context("output path without a folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    std::fs::write(path, text).with_context(|| format!("{}", path.display()))?;
    // In the output folder: readable by all (so checks can run tools as other users), executable
    // when installed executable. The install mode is in MANIFEST.
    let local = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(local))
        .with_context(|| format!("{}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secrets;
    use std::collections::BTreeSet;
    use std::os::unix::fs::PermissionsExt;

    fn settings() -> Settings {
        Settings { secrets: Secrets::for_tests(), ..Settings::default() }
    }

    fn render_to(hw: Hardware) -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let files = render(&settings(), &hw, dir.path()).unwrap();
        (dir, files)
    }

    fn read(dir: &tempfile::TempDir, path: &str) -> String {
        std::fs::read_to_string(dir.path().join(path)).unwrap()
    }

    #[test]
    fn every_file_is_rendered_non_empty_without_placeholders() {
        for hw in [Hardware::new(2, 24 * 1024).unwrap(), Hardware::new(32, 128 * 1024).unwrap()] {
            let (_dir, files) = render_to(hw);
            assert_eq!(files.len(), outputs(&settings()).len() + 1);
            for file in &files {
                let text = std::fs::read_to_string(file).unwrap();
                assert!(!text.trim().is_empty(), "{} is empty", file.display());
                // Ours are `{{name}}`; Prometheus's and Grafana's (`{{ $value }}`, `{{ route }}`) have a space.
                for (at, _) in text.match_indices("{{") {
                    let next = text[at + 2..].chars().next();
                    assert_eq!(next, Some(' '), "{}: unreplaced {{{{ at byte {at}", file.display());
                }
            }
        }
    }

    #[test]
    fn every_value_is_used_by_some_template() {
        let s = settings();
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for output in outputs(&s) {
            if let Source::Template(text) = output.source {
                used.extend(template::names(text));
            }
        }
        used.extend(template::names(include_str!("../templates/nginx/security-headers.inc")));
        let vars = vars::build(&s, &Hardware::new(2, 4096).unwrap()).unwrap();
        let unused: Vec<_> = vars.keys().filter(|k| !used.contains(k.as_str())).collect();
        assert!(unused.is_empty(), "values no template uses: {unused:?}");
    }

    #[test]
    fn the_spec_server_gets_the_spec_tuning() {
        let (dir, _) = render_to(Hardware::new(16, 128 * 1024).unwrap());
        let pg = read(&dir, "postgresql/postgresql.conf");
        for line in [
            "shared_buffers = 24GB",
            "effective_cache_size = 80GB",
            "work_mem = 64MB",
            "maintenance_work_mem = 2GB",
            "max_wal_size = 64GB",
            "max_connections = 200",
            "max_worker_processes = 16",
            "archive_command = '/usr/bin/pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=connect archive-push %p'",
        ] {
            assert!(pg.lines().any(|l| l == line), "postgresql.conf lacks {line}");
        }
        let cache = read(&dir, "redis/redis-cache.conf");
        assert!(cache.contains("\nmaxmemory 15gb\n") && cache.contains("\nmaxmemory-policy allkeys-lru\n"));
        assert!(cache.contains("\nappendonly no\n") && cache.contains("\nsave \"\"\n"));
        let queue = read(&dir, "redis/redis-queue.conf");
        assert!(queue.contains("\nmaxmemory 4gb\n") && queue.contains("\nmaxmemory-policy noeviction\n"));
        assert!(queue.contains("\nappendonly yes\n") && queue.contains("\nappendfsync everysec\n"));
        let pgbouncer = read(&dir, "pgbouncer/pgbouncer.ini");
        for line in ["pool_mode = transaction", "max_client_conn = 500", "default_pool_size = 50"] {
            assert!(pgbouncer.lines().any(|l| l == line), "pgbouncer.ini lacks {line}");
        }
        assert!(read(&dir, "connect/connect.env").contains("\nDATABASE_POOL_SIZE=50\n"));
    }

    #[test]
    fn nginx_gets_tls_redirect_limits_and_the_socket() {
        let (dir, _) = render_to(Hardware::new(2, 4096).unwrap());
        let main = read(&dir, "nginx/nginx.conf");
        assert!(main.contains("zone=api_limit:10m rate=100r/s;") && main.contains("zone=login_limit:10m rate=10r/m;"));
        assert!(main.contains("server unix:/var/www/connect/current/run/connect.sock;"));
        let site = read(&dir, "nginx/sites/connect.conf");
        assert!(site.contains("    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n"));
        assert!(site.contains("ssl_certificate /etc/letsencrypt/live/connect.example.kr/fullchain.pem;"));
        assert!(site.contains("location /.well-known/acme-challenge/ {"));
        assert!(site.contains("return 301 https://$host$request_uri;"));
        // Each security header once per response: nginx adds one only when the app sent none, and
        // repeats them in the one location that adds a header of its own. No X-XSS-Protection.
        assert!(site.contains("map $upstream_http_content_security_policy $connect_csp {"));
        assert!(site.contains("\"\"      \"default-src 'none'; frame-ancestors 'none';"));
        assert_eq!(site.matches("add_header Strict-Transport-Security $connect_hsts always;").count(), 2);
        assert!(!site.contains("add_header X-XSS-Protection"), "{site}");
        // The app's assets carry their own Cache-Control: no second one from a /static/ location.
        assert!(!site.contains("location /static/"), "{site}");
    }

    #[test]
    fn units_run_the_binary_with_notify_and_watchdog() {
        let (dir, _) = render_to(Hardware::new(2, 4096).unwrap());
        let unit = read(&dir, "systemd/connect.service");
        for line in [
            "Type=notify",
            "WatchdogSec=30",
            "Restart=always",
            "ExecStart=/var/www/connect/current/connect serve",
            "ReadWritePaths=/var/www/connect/current/run",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/www/connect/shared",
        ] {
            assert!(unit.lines().any(|l| l == line), "connect.service lacks {line}");
        }
        let release = read(&dir, "systemd/connect@.service");
        assert!(release.contains(
            "\nExecStart=/usr/bin/env CONNECT_INDEX_DIR=/var/www/connect/releases/%i/var/search-index \
             /var/www/connect/releases/%i/connect serve --listen unix:/var/www/connect/releases/%i/run/connect.sock\n"
        ));
        assert!(
            release.contains("\nType=notify\n")
                && release.contains("\nWorkingDirectory=/var/www/connect/releases/%i\n")
        );
        let worker = read(&dir, "systemd/connect-worker.service");
        assert!(worker.contains("\nKillSignal=SIGINT\n"));
        let cache = read(&dir, "systemd/redis-cache.service");
        assert!(
            cache.contains("\nConflicts=redis-server.service\n") && cache.contains("\nStateDirectory=redis-cache\n")
        );
        let queue = read(&dir, "systemd/redis-queue.service");
        assert!(!queue.contains("Conflicts=") && queue.contains("/etc/redis/redis-queue.conf --supervised systemd"));
    }

    #[test]
    fn secret_files_are_private_and_listed_in_the_manifest() {
        let (dir, _) = render_to(Hardware::new(2, 4096).unwrap());
        for path in
            ["connect/connect.env", "pgbouncer/userlist.txt", "redis/redis-cache.conf", "redis/redis-queue.conf"]
        {
            let mode = std::fs::metadata(dir.path().join(path)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{path}");
        }
        assert!(read(&dir, "pgbouncer/userlist.txt").contains("\"connect\" \"db-password-0123456789\""));
        let manifest = read(&dir, "MANIFEST");
        assert!(manifest.contains("nginx/sites/connect.conf\t/etc/nginx/sites-available/connect\troot:root\t0644\n"));
        assert!(manifest.contains("connect/connect.env\t/etc/connect/connect.env\troot:connect\t0640\n"));
        assert_eq!(manifest.lines().count(), outputs(&settings()).len() + 1);
    }

    #[test]
    fn rendering_without_secrets_fails_and_names_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = render(&Settings::default(), &Hardware::new(2, 4096).unwrap(), dir.path()).unwrap_err();
        assert!(format!("{err:#}").contains("database_password"), "{err:#}");
    }
}
