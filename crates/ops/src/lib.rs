//! Connect's deployment files, rendered from one settings file (`config/deploy.toml`) and the
//! machine's hardware: nginx, PgBouncer, PostgreSQL, the two Redis instances, systemd units,
//! Prometheus rules and their tests, Alertmanager, Grafana provisioning and dashboard, pgBackRest and
//! its cron schedule, fail2ban, logrotate, sshd and ufw. `connect config render --out DIR` calls
//! [`render`]; `scripts/check-config.sh` checks every file with the tool that reads it.
//!
//! Templates live in `templates/` (embedded in the binary) and use plain `{{name}}` substitution
//! ([`template`]); the values come from [`Settings`], [`Sizing`] (derived from [`Hardware`]) and
//! [`Secrets`].
//!
//! The operations commands run against what was rendered: `connect backup` ([`backup`],
//! [`system_backup`]), `connect restore` ([`restore`], with [`cluster`] and [`tables`]),
//! `connect maintenance` ([`maintenance`]), `connect recover` ([`recover`], [`service`]) and
//! `connect health` ([`health`]). Releases: `connect deploy` ([`deploy`], with [`preflight`],
//! [`release`] and [`supervise`]), `connect rollback` and `connect releases` ([`rollback`]).
//! Their exit codes are in [`report`].

pub mod backup;
pub mod certificate;
pub mod cli;
pub mod cluster;
pub mod dashboard;
pub mod db;
pub mod deploy;
pub mod expiry;
pub mod freshness;
pub mod hardware;
pub mod health;
pub mod maintenance;
pub mod pgbackrest;
pub mod preflight;
pub mod probe;
pub mod recover;
pub mod release;
pub mod render;
pub mod report;
pub mod restore;
pub mod rollback;
pub mod secrets;
pub mod service;
pub mod settings;
pub mod shell;
pub mod sizing;
pub mod supervise;
pub mod system_backup;
pub mod tables;
pub mod template;
pub mod updates;
mod vars;

pub use hardware::Hardware;
pub use render::render;
pub use secrets::Secrets;
pub use settings::Settings;
pub use sizing::{Mib, Sizing};
