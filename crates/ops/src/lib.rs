//! Connect's deployment files, rendered from one settings file (`config/deploy.toml`) and the
//! machine's hardware: nginx, PgBouncer, PostgreSQL, the two Redis instances, systemd units,
//! Prometheus rules and their tests, Alertmanager, Grafana provisioning and dashboard, pgBackRest and
//! its cron schedule, fail2ban, logrotate, sshd and ufw. `connect config render --out DIR` calls
//! [`render`]; `scripts/check-config.sh` checks every file with the tool that reads it.
//!
//! Templates live in `templates/` (embedded in the binary) and use plain `{{name}}` substitution
//! ([`template`]); the values come from [`Settings`], [`Sizing`] (derived from [`Hardware`]) and
//! [`Secrets`].

pub mod dashboard;
pub mod hardware;
pub mod render;
pub mod secrets;
pub mod settings;
pub mod sizing;
pub mod template;
mod vars;

pub use hardware::Hardware;
pub use render::render;
pub use secrets::Secrets;
pub use settings::Settings;
pub use sizing::{Mib, Sizing};
