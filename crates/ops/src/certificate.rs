//! The TLS certificate's expiry, read with `openssl x509 -enddate`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::shell;

/// When the first certificate in the file expires.
pub fn not_after(path: &Path) -> Result<DateTime<Utc>> {
    let mut c = Command::new("openssl");
    c.args(["x509", "-enddate", "-noout", "-in"]).arg(path);
    let out = shell::output(&mut c)?;
    parse_enddate(&out).with_context(|| format!("openssl printed '{}'", out.trim()))
}

/// `notAfter=Jan  5 09:30:00 2027 GMT`.
pub fn parse_enddate(line: &str) -> Option<DateTime<Utc>> {
    let value = line.trim().strip_prefix("notAfter=")?;
    let value = value.strip_suffix(" GMT")?;
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&value, "%b %d %H:%M:%S %Y").ok().map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_dates_are_read() {
        let t = parse_enddate("notAfter=Jan  5 09:30:00 2027 GMT\n").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-05T09:30:00+00:00");
        let t = parse_enddate("notAfter=Nov 26 13:25:04 2026 GMT").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-26T13:25:04+00:00");
        assert!(parse_enddate("unable to load certificate").is_none());
    }
}
