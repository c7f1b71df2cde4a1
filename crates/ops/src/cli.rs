//! Options every operations command shares.

use std::path::PathBuf;

use anyhow::Result;

use crate::settings::Settings;

/// The deployment settings file the servers were rendered from.
#[derive(Debug, Clone, clap::Args)]
pub struct DeploySettings {
    /// The deployment settings (`connect config render` used the same file).
    #[arg(
        long = "settings",
        value_name = "FILE",
        env = "CONNECT_DEPLOY_SETTINGS",
        default_value = "config/deploy.toml"
    )]
    pub path: PathBuf,
}

impl DeploySettings {
    pub fn load(&self) -> Result<Settings> {
        Settings::load(&self.path)
    }
}

/// A local time for people: `2026-11-26 13:25:04`.
pub fn local_time(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(t).format("%Y-%m-%d %H:%M:%S").to_string()
}
