//! The values templates are filled with: settings, sizes derived from the hardware, secrets, and a
//! few lines computed here because they depend on a choice (IPv6 or not, a socket under /run or not).

use std::path::Path;

use anyhow::Result;

use crate::dashboard::DATASOURCE_UID;
use crate::hardware::Hardware;
use crate::settings::{RedisInstance, Settings};
use crate::sizing::Sizing;
use crate::template::{self, Vars};

const SECURITY_HEADERS: &str = include_str!("../templates/nginx/security-headers.inc");

pub fn build(s: &Settings, hw: &Hardware) -> Result<Vars> {
    let size = Sizing::new(hw, s);
    let mut v = Vars::new();
    let mut set = |name: &str, value: String| {
        v.insert(name.to_string(), value);
    };
    let path = |p: &Path| p.display().to_string();

    set(
        "rendered_notice",
        "Rendered by `connect config render` from the deployment settings: change those, not this file.".into(),
    );
    set("hardware", format!("{} CPUs, {} MiB RAM", hw.cpus, hw.memory_mib));
    set("hardware_cpus", format!("{} CPUs", hw.cpus));
    set("domain", s.domain.clone());
    set("alert_email", s.alert_email.clone());

    // The app
    let app = &s.app;
    set("app_root", path(&app.root));
    set("app_binary", path(&s.binary()));
    set("app_user", app.user.clone());
    set("app_group", app.group.clone());
    set("app_socket", path(&app.socket));
    // Where a release's own server listens, below its folder (connect@.service); deploys need
    // app.socket under ROOT/current, and `connect deploy` says so when it is not.
    let in_release = crate::release::socket_in_release(&app.root, &app.socket)
        .unwrap_or_else(|_| Path::new("run").join(app.socket.file_name().unwrap_or("connect.sock".as_ref())));
    set("app_socket_in_release", path(&in_release));
    set("app_env_file", path(&app.env_file));
    set("app_shared_dir", path(&s.shared_dir()));
    set("app_log_dir", path(&s.shared_dir().join("logs")));
    set("app_sources_file", path(&app.root.join("current/config/sources.toml")));
    set("app_watchdog_sec", app.watchdog_sec.to_string());
    set("app_shutdown_timeout_sec", app.shutdown_timeout_sec.to_string());
    set("app_stop_timeout_sec", (app.shutdown_timeout_sec + 20).to_string());
    // Below the shutdown deadline, so that a stopping server outlasts nginx's idle connections.
    set("app_upstream_idle_sec", (app.shutdown_timeout_sec / 2).clamp(1, 5).to_string());
    set("app_worker_concurrency", app.worker_concurrency.to_string());
    set("app_pool_size", size.app_pool_size.to_string());
    let socket_dir = app.socket.parent().unwrap_or(Path::new("/"));
    set(
        "app_runtime_directory",
        directory_directive(socket_dir, "/run/", "RuntimeDirectory").map_or_else(
            || format!("ReadWritePaths={}", path(socket_dir)),
            |d| format!("{d}\nRuntimeDirectoryMode=0750"),
        ),
    );

    // nginx
    let nginx = &s.nginx;
    set("nginx_user", nginx.user.clone());
    set("nginx_conf_dir", path(&nginx.conf_dir));
    set("nginx_sites_include", nginx.sites_include.clone());
    set("nginx_pid", path(&nginx.pid));
    set("nginx_log_dir", path(&nginx.log_dir));
    set("nginx_worker_connections", nginx.worker_connections.to_string());
    set("nginx_rlimit_nofile", (nginx.worker_connections * 4).to_string());
    set("nginx_http_port", nginx.http_port.to_string());
    set("nginx_https_port", nginx.https_port.to_string());
    set("nginx_status_port", nginx.status_port.to_string());
    set("nginx_http_listen", listen_lines(&nginx.listen, nginx.ipv6, nginx.http_port, ""));
    set("nginx_https_listen", listen_lines(&nginx.listen, nginx.ipv6, nginx.https_port, " ssl http2"));
    set(
        "nginx_https_port_suffix",
        if nginx.https_port == 443 { String::new() } else { format!(":{}", nginx.https_port) },
    );
    let names: Vec<&str> =
        std::iter::once(s.domain.as_str()).chain(s.server_aliases.iter().map(String::as_str)).collect();
    set("nginx_server_names", names.join(" "));
    set("nginx_acme_root", path(&nginx.acme_root));
    set("tls_certificate", path(&s.tls_certificate()));
    set("tls_certificate_key", path(&s.tls_certificate_key()));
    set("nginx_csp", nginx.content_security_policy.replace('"', "'"));
    set("nginx_security_headers", template::fill("nginx/security-headers.inc", SECURITY_HEADERS, &Vars::new())?);

    // PostgreSQL
    let pg = &s.postgres;
    set("pg_data_dir", path(&s.pg_data_dir()));
    set("pg_conf_dir", path(&s.pg_conf_dir()));
    set("pg_pid_file", path(&s.pg_pid_file()));
    set("pg_cluster_name", format!("{}/{}", pg.version, pg.cluster));
    set("pg_listen_addresses", pg.listen_addresses.clone());
    set("pg_host", "127.0.0.1".into());
    set("pg_port", pg.port.to_string());
    set("pg_socket_dir", path(&pg.socket_dir));
    set("pg_database", pg.database.clone());
    set("pg_user", pg.user.clone());
    set("pg_max_connections", pg.max_connections.to_string());
    set("pg_log_statement", pg.log_statement.clone());
    set("pg_shared_buffers", size.shared_buffers.postgres());
    set("pg_effective_cache_size", size.effective_cache_size.postgres());
    set("pg_work_mem", size.work_mem.postgres());
    set("pg_maintenance_work_mem", size.maintenance_work_mem.postgres());
    set("pg_max_wal_size", size.max_wal_size.postgres());
    set("pg_max_worker_processes", size.max_worker_processes.to_string());
    set("pg_max_parallel_workers", size.max_parallel_workers.to_string());
    set("pg_max_parallel_workers_per_gather", size.max_parallel_workers_per_gather.to_string());
    set("pg_max_parallel_maintenance_workers", size.max_parallel_maintenance_workers.to_string());

    // PgBouncer
    let pgb = &s.pgbouncer;
    set("pgbouncer_listen_addr", pgb.listen_addr.clone());
    set("pgbouncer_port", pgb.port.to_string());
    set("pgbouncer_conf_dir", path(&pgb.conf_dir));
    set("pgbouncer_socket_dir", path(&pgb.socket_dir));
    set("pgbouncer_log_file", path(&pgb.log_file));
    set("pgbouncer_pid_file", path(&pgb.pid_file));
    set("pgbouncer_max_client_conn", pgb.max_client_conn.to_string());
    set("pgbouncer_default_pool_size", pgb.default_pool_size.to_string());
    set("pgbouncer_reserve_pool_size", pgb.reserve_pool_size.to_string());

    // Redis
    let redis = &s.redis;
    set("redis_server_binary", path(&redis.server_binary));
    set("redis_conf_dir", path(&redis.conf_dir));
    set("redis_user", redis.user.clone());
    set("redis_group", redis.group.clone());
    for (role, instance, maxmemory) in
        [("cache", &redis.cache, size.redis_cache_maxmemory), ("queue", &redis.queue, size.redis_queue_maxmemory)]
    {
        set(&format!("redis_{role}_port"), instance.port.to_string());
        set(&format!("redis_{role}_dir"), path(&instance.dir));
        set(&format!("redis_{role}_log_file"), path(&instance.log_file));
        set(&format!("redis_{role}_pid_file"), path(&instance.pid_file));
        set(&format!("redis_{role}_maxmemory"), maxmemory.redis());
    }

    // Secrets
    let secrets = &s.secrets;
    secrets.validate().map_err(|e| anyhow::anyhow!("secrets: {e}"))?;
    set("database_password", secrets.database_password.clone());
    set("redis_cache_password", secrets.redis_cache_password.clone());
    set("redis_queue_password", secrets.redis_queue_password.clone());
    set("jwt_secret", secrets.jwt_secret.clone());
    set("encryption_key", secrets.encryption_key.clone());

    // Monitoring
    let m = &s.monitoring;
    set("monitoring_scrape_interval", m.scrape_interval.clone());
    set("prometheus_port", m.prometheus_port.to_string());
    set("alertmanager_port", m.alertmanager_port.to_string());
    set("node_exporter_port", m.node_exporter_port.to_string());
    set("postgres_exporter_port", m.postgres_exporter_port.to_string());
    set("redis_cache_exporter_port", m.redis_cache_exporter_port.to_string());
    set("redis_queue_exporter_port", m.redis_queue_exporter_port.to_string());
    set("nginx_exporter_port", m.nginx_exporter_port.to_string());
    set("smtp_smarthost", m.smtp_smarthost.clone());
    set("smtp_from", s.smtp_from());
    set("smtp_require_tls", m.smtp_require_tls.to_string());
    set("grafana_dashboards_dir", path(&m.grafana_dashboards_dir));
    set("grafana_datasource_uid", DATASOURCE_UID.into());

    // Backups
    let b = &s.backup;
    set("backup_stanza", b.stanza.clone());
    set("backup_repo_path", path(&s.backup_repo_path()));
    set("backup_retention_full", b.retention_full.to_string());
    set("backup_retention_diff", b.retention_diff.to_string());
    set("backup_retention_archive", b.retention_archive.to_string());
    set("backup_config_file", path(&b.config_file));
    set("backup_binary", path(&b.binary));
    set("backup_log_dir", path(&b.log_dir));
    set("backup_lock_dir", path(&b.lock_dir));
    set("backup_user", b.user.clone());
    set("backup_full_schedule", b.full_schedule.clone());
    set("backup_diff_schedule", b.diff_schedule.clone());
    set("backup_processes", size.backup_processes.to_string());

    // Security
    let sec = &s.security;
    set("ssh_port", sec.ssh_port.to_string());
    set("ssh_allow_users", sec.ssh_allow_users.join(" "));
    set("ban_seconds", sec.ban_seconds.to_string());
    set("find_seconds", sec.find_seconds.to_string());
    set("max_retry", sec.max_retry.to_string());
    set("auth_limit_max_retry", sec.auth_limit_max_retry.to_string());
    set("auth_limit_ban_seconds", sec.auth_limit_ban_seconds.to_string());
    set("ignore_ip", sec.ignore_ip.join(" "));
    let mut local_ports = vec![pg.port, pgb.port, redis.cache.port, redis.queue.port, nginx.status_port];
    local_ports.extend([
        m.prometheus_port,
        m.alertmanager_port,
        m.node_exporter_port,
        m.postgres_exporter_port,
        m.redis_cache_exporter_port,
        m.redis_queue_exporter_port,
        m.nginx_exporter_port,
        3000, // Grafana
    ]);
    set("local_service_ports", local_ports.iter().map(u16::to_string).collect::<Vec<_>>().join(" "));
    Ok(v)
}

/// The values of the Redis unit template for one instance.
pub fn redis_unit(role: &'static str, instance: &RedisInstance) -> Vec<(&'static str, String)> {
    let (purpose, conflicts) = match role {
        "cache" => ("LRU cache, no persistence", "Conflicts=redis-server.service"),
        _ => ("durable job queue, AOF", ""),
    };
    let runtime = instance.pid_file.parent().and_then(|d| directory_directive(d, "/run/", "RuntimeDirectory"));
    let state = directory_directive(&instance.dir, "/var/lib/", "StateDirectory")
        .unwrap_or_else(|| format!("ReadWritePaths={}", instance.dir.display()));
    let log_dir = instance.log_file.parent().unwrap_or(Path::new("/var/log")).display().to_string();
    vec![
        ("redis_role", role.to_string()),
        ("redis_purpose", purpose.to_string()),
        ("redis_conflicts", conflicts.to_string()),
        ("redis_runtime_directory", runtime.map(|d| format!("{d}\nRuntimeDirectoryMode=0755")).unwrap_or_default()),
        ("redis_state_directory", state),
        ("redis_log_dir", log_dir),
    ]
}

/// `RuntimeDirectory=connect` for `/run/connect` (systemd creates and owns such folders), or None
/// when the folder is elsewhere.
fn directory_directive(dir: &Path, base: &str, directive: &str) -> Option<String> {
    let name = dir.to_str()?.strip_prefix(base)?;
    (!name.is_empty() && !name.contains("..")).then(|| format!("{directive}={name}"))
}

/// `listen 80;` and `listen [::]:80;`, or `listen 127.0.0.1:8080;` alone.
fn listen_lines(address: &str, ipv6: bool, port: u16, options: &str) -> String {
    let mut lines = vec![if address == "*" {
        format!("listen {port}{options};")
    } else {
        format!("listen {address}:{port}{options};")
    }];
    if ipv6 {
        lines.push(format!("listen [::]:{port}{options};"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_lines_follow_the_address_and_ipv6_choice() {
        assert_eq!(listen_lines("*", true, 443, " ssl http2"), "listen 443 ssl http2;\nlisten [::]:443 ssl http2;");
        assert_eq!(listen_lines("127.0.0.1", false, 8080, ""), "listen 127.0.0.1:8080;");
    }

    #[test]
    fn systemd_manages_folders_under_its_own_bases_only() {
        assert_eq!(
            directory_directive(Path::new("/run/connect"), "/run/", "RuntimeDirectory").as_deref(),
            Some("RuntimeDirectory=connect")
        );
        assert_eq!(directory_directive(Path::new("/tmp/x"), "/run/", "RuntimeDirectory"), None);
        assert_eq!(directory_directive(Path::new("/run/"), "/run/", "RuntimeDirectory"), None);
    }
}
