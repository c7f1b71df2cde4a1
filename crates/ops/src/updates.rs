//! Pending package upgrades, from a simulated `apt-get upgrade` (no lock, nothing installed).

use std::process::Command;

use anyhow::{bail, Result};

use crate::shell;

#[derive(Debug, PartialEq, Eq)]
pub struct Pending {
    pub total: usize,
    pub security: Vec<String>,
}

/// `None` when apt is not usable here.
pub fn pending() -> Result<Option<Pending>> {
    if !shell::found("apt-get") {
        return Ok(None);
    }
    let mut c = Command::new("apt-get");
    c.args(["-s", "-o", "Debug::NoLocking=1", "upgrade"]).env("LC_ALL", "C");
    let out = shell::run_captured(&mut c)?;
    if !out.status.success() {
        bail!("{}", shell::failure_text(&out));
    }
    Ok(Some(parse(&String::from_utf8_lossy(&out.stdout))))
}

/// `Inst openssl [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])`.
pub fn parse(simulation: &str) -> Pending {
    let installs: Vec<&str> = simulation.lines().filter(|l| l.starts_with("Inst ")).collect();
    let security = installs
        .iter()
        .filter(|l| l.contains("-security") || l.contains("Debian-Security"))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    Pending { total: installs.len(), security }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_upgrades_are_told_apart() {
        let text = "Reading package lists...\n\
            Inst openssl [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\n\
            Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])\n\
            Conf openssl (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\n";
        assert_eq!(parse(text), Pending { total: 2, security: vec!["openssl".into()] });
        assert_eq!(parse("0 upgraded, 0 newly installed.\n"), Pending { total: 0, security: vec![] });
    }
}
