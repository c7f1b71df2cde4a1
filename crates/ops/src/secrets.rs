//! Passwords and keys that some rendered files must contain (PgBouncer's userlist, the app's
//! environment file, Redis's `requirepass`). They never live in the committed settings: they come
//! from a separate TOML file, and whatever that file lacks is generated once and written back to it
//! (mode 0600), so that rendering again gives the same values.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Secrets {
    /// The application role's PostgreSQL password (PgBouncer passes it on).
    pub database_password: String,
    pub redis_cache_password: String,
    pub redis_queue_password: String,
    /// At least 32 characters.
    pub jwt_secret: String,
    /// 64 hex digits: the app's AES-256 key.
    pub encryption_key: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

impl Secrets {
    /// Reads `path` if it exists, generates what is missing, and writes the file back (0600) when
    /// anything was generated. Returns the secrets and whether the file was written.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool)> {
        let mut secrets: Secrets = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).with_context(|| format!("{}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Secrets::default(),
            Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
        };
        let mut generated = false;
        for (value, bytes) in [
            (&mut secrets.database_password, 16),
            (&mut secrets.redis_cache_password, 16),
            (&mut secrets.redis_queue_password, 16),
            (&mut secrets.jwt_secret, 32),
            (&mut secrets.encryption_key, 32),
        ] {
            if value.is_empty() {
                *value = random_hex(bytes)?;
                generated = true;
            }
        }
        secrets.validate().with_context(|| format!("{}", path.display()))?;
        if generated {
            write_private(path, &toml::to_string(&secrets)?)?;
        }
        Ok((secrets, generated))
    }

    /// Fixed values for tests.
    pub fn for_tests() -> Self {
        Secrets {
            database_password: "db-password-0123456789".into(),
            redis_cache_password: "cache-password-0123456789".into(),
            redis_queue_password: "queue-password-0123456789".into(),
            jwt_secret: "jwt-secret-0123456789abcdef0123456789abcdef".into(),
            encryption_key: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff".into(),
        }
    }

    /// The values go into URLs, INI, Redis and systemd environment files unquoted, so they are kept
    /// to characters that need no quoting anywhere (URL "unreserved": letters, digits, `-._~`).
    pub fn validate(&self) -> Result<()> {
        for (name, value, min) in [
            ("database_password", &self.database_password, 16),
            ("redis_cache_password", &self.redis_cache_password, 16),
            ("redis_queue_password", &self.redis_queue_password, 16),
            ("jwt_secret", &self.jwt_secret, 32),
        ] {
            if value.len() < min {
                bail!("{name}: at least {min} characters (e.g. openssl rand -hex 32)");
            }
            if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
                bail!("{name}: only letters, digits and - . _ ~ (e.g. openssl rand -hex 32)");
            }
        }
        if self.encryption_key.len() != 64 || !self.encryption_key.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("encryption_key: 64 hex digits (openssl rand -hex 32)");
        }
        Ok(())
    }
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf)).context("/dev/urandom")?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Creates or replaces a file readable by its owner only.
pub(crate) fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("{}", path.display()))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(text.as_bytes()).with_context(|| format!("{}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn missing_secrets_are_generated_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "jwt_secret = \"my-own-jwt-secret-0123456789abcdef0123\"\n").unwrap();
        let (first, written) = Secrets::load_or_create(&path).unwrap();
        assert!(written);
        assert_eq!(first.jwt_secret, "my-own-jwt-secret-0123456789abcdef0123");
        assert_eq!(first.encryption_key.len(), 64);
        assert_ne!(first.redis_cache_password, first.redis_queue_password);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let (second, written) = Secrets::load_or_create(&path).unwrap();
        assert!(!written);
        assert!(first == second);
    }

    #[test]
    fn values_that_would_need_quoting_are_refused() {
        let mut s = Secrets::for_tests();
        s.validate().unwrap();
        s.database_password = "has a space and @ 0123456789".into();
        assert!(s.validate().unwrap_err().to_string().contains("database_password"));
        assert_eq!(format!("{s:?}"), "Secrets { .. }");
    }
}
