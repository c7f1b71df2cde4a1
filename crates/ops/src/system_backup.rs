//! The system tarball of the spec's §4.2: application releases (the current one and the one before),
//! the configuration (the app's environment file, the deployment settings, pgBackRest's file,
//! `shared/config`), uploaded documents and the monitoring configuration, as
//! `connect_system_YYYYmmdd_HHMMSS.tar.gz` with a `MANIFEST` inside (sha256, size and path of every
//! file) and a `.sha256` beside it (`sha256sum -c` reads it). Tarballs older than the retention are
//! deleted afterwards. The tarball holds secrets: it is written mode 0600.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::report::{bytes, duration};
use crate::settings::Settings;

const PREFIX: &str = "connect_system_";

/// What goes into the tarball: a name inside it and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    pub entries: Vec<(String, PathBuf)>,
    /// Where `APP_ROOT/current` points, noted in the manifest.
    pub current: Option<String>,
}

impl Sources {
    pub fn from_settings(settings: &Settings, settings_file: &Path, uploads: &Path) -> Self {
        let mut entries = Vec::new();
        let releases = settings.app.root.join("releases");
        let current = fs::read_link(settings.app.root.join("current"))
            .ok()
            .and_then(|target| target.file_name().map(|n| n.to_string_lossy().into_owned()));
        for name in kept_releases(&releases, current.as_deref()) {
            entries.push((format!("releases/{name}"), releases.join(&name)));
        }
        entries.push(("config/connect.env".into(), settings.app.env_file.clone()));
        entries.push(("config/deploy.toml".into(), settings_file.to_path_buf()));
        entries.push(("config/pgbackrest.conf".into(), settings.backup.config_file.clone()));
        entries.push(("config/shared".into(), settings.shared_dir().join("config")));
        entries.push(("uploads".into(), uploads.to_path_buf()));
        let mut monitoring = settings.backup.monitoring_dirs.clone();
        monitoring.push(settings.monitoring.grafana_dashboards_dir.clone());
        for dir in monitoring {
            let inside = dir.strip_prefix("/").unwrap_or(&dir).display().to_string();
            entries.push((format!("monitoring/{inside}"), dir));
        }
        Sources { entries, current }
    }
}

/// The current release and the newest other one (release names sort by time).
fn kept_releases(releases: &Path, current: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(releases)
        .map(|dir| {
            dir.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut kept: Vec<String> =
        current.filter(|c| names.iter().any(|n| n == c)).map(str::to_string).into_iter().collect();
    if let Some(previous) = names.iter().rev().find(|n| Some(n.as_str()) != current) {
        kept.push(previous.clone());
    }
    kept
}

/// One file of the manifest.
struct Entry {
    path: String,
    sha256: String,
    size: u64,
}

pub fn run(sources: &Sources, dir: &Path, retention_days: u32, dry_run: bool) -> Result<()> {
    let stamp = chrono::Local::now().format("%Y%m%d_%H%M%S").to_string();
    let name = format!("{PREFIX}{stamp}");
    let tarball = dir.join(format!("{name}.tar.gz"));
    let retention = Duration::from_secs(u64::from(retention_days) * 86_400);
    println!("system backup → {}", tarball.display());
    for (inside, path) in &sources.entries {
        let state = if path.exists() { "" } else { "  (missing: skipped)" };
        println!("  {inside:<32} {}{state}", path.display());
    }
    if dry_run {
        for old in expired(dir, retention, SystemTime::now()) {
            println!("  would delete {} (older than {retention_days} days)", old.display());
        }
        return Ok(());
    }
    let started = Instant::now();
    fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let partial = dir.join(format!("{name}.tar.gz.partial"));
    let (files, total) = write_tarball(sources, &name, &partial).inspect_err(|_| {
        let _ = fs::remove_file(&partial);
    })?;
    fs::rename(&partial, &tarball)?;
    let digest = sha256_file(&tarball)?;
    let file_name = tarball.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    write_private(&dir.join(format!("{file_name}.sha256")), format!("{digest}  {file_name}\n").as_bytes())?;
    let size = fs::metadata(&tarball)?.len();
    println!(
        "{file_name}: {files} files, {} → {} compressed, sha256 {digest}, {}",
        bytes(total),
        bytes(size),
        duration(started.elapsed())
    );
    for old in expired(dir, retention, SystemTime::now()) {
        fs::remove_file(&old)?;
        let _ = fs::remove_file(old.with_extension("gz.sha256"));
        println!("  deleted {} (older than {retention_days} days)", old.display());
    }
    Ok(())
}

fn write_tarball(sources: &Sources, name: &str, path: &Path) -> Result<(usize, u64)> {
    let file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    let mut manifest = Vec::new();
    for (inside, source) in &sources.entries {
        if source.exists() {
            add(&mut tar, source, &format!("{name}/{inside}"), &mut manifest)
                .with_context(|| format!("{}", source.display()))?;
        }
    }
    let total = manifest.iter().map(|e| e.size).sum();
    let mut text = format!("# Connect system backup {name}\n# sha256  size  path\n");
    if let Some(current) = &sources.current {
        text.push_str(&format!("# current -> releases/{current}\n"));
    }
    for e in &manifest {
        text.push_str(&format!("{}  {}  {}\n", e.sha256, e.size, e.path));
    }
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs());
    tar.append_data(&mut header, format!("{name}/MANIFEST"), text.as_bytes())?;
    let gz = tar.into_inner()?;
    gz.finish()?.sync_all()?;
    Ok((manifest.len(), total))
}

/// Adds a file, symlink or directory tree; regular files are hashed as they are archived.
fn add<W: Write>(tar: &mut tar::Builder<W>, source: &Path, inside: &str, manifest: &mut Vec<Entry>) -> Result<()> {
    let meta = fs::symlink_metadata(source)?;
    if meta.is_dir() {
        tar.append_dir(inside, source)?;
        let mut children: Vec<_> = fs::read_dir(source)?.flatten().map(|e| e.path()).collect();
        children.sort();
        for child in children {
            let child_name = child.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            add(tar, &child, &format!("{inside}/{child_name}"), manifest)?;
        }
    } else if meta.is_file() {
        let mut header = tar::Header::new_gnu();
        header.set_metadata(&meta);
        let mut reader = Hashing { inner: File::open(source)?.take(meta.len()), hasher: Sha256::new() };
        tar.append_data(&mut header, inside, &mut reader)?;
        manifest.push(Entry { path: inside.to_string(), sha256: hex(&reader.hasher.finalize()), size: meta.len() });
    } else if meta.file_type().is_symlink() {
        tar.append_path_with_name(source, inside)?;
    }
    Ok(())
}

struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    io::copy(&mut File::open(path)?, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

fn write_private(path: &Path, data: &[u8]) -> Result<()> {
    let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(data)?;
    Ok(())
}

/// Tarballs in `dir` last modified more than `retention` before `now`.
fn expired(dir: &Path, retention: Duration, now: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut old: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(PREFIX) && name.ends_with(".tar.gz")
        })
        .filter(|e| {
            e.metadata().and_then(|m| m.modified()).is_ok_and(|t| now.duration_since(t).unwrap_or_default() > retention)
        })
        .map(|e| e.path())
        .collect();
    old.sort();
    old
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_release_and_the_previous_one_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["20260101T000000Z", "20260201T000000Z", "20260301T000000Z"] {
            fs::create_dir(dir.path().join(name)).unwrap();
        }
        assert_eq!(kept_releases(dir.path(), Some("20260301T000000Z")), ["20260301T000000Z", "20260201T000000Z"]);
        // After a rollback `current` is older than the newest release.
        assert_eq!(kept_releases(dir.path(), Some("20260201T000000Z")), ["20260201T000000Z", "20260301T000000Z"]);
        assert_eq!(kept_releases(dir.path(), None), ["20260301T000000Z"]);
        assert!(kept_releases(&dir.path().join("none"), None).is_empty());
    }

    #[test]
    fn the_tarball_holds_every_file_with_its_hash() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = dir.path().join("uploads");
        fs::create_dir_all(uploads.join("org/1")).unwrap();
        fs::write(uploads.join("org/1/a.pdf"), b"%PDF-1.7").unwrap();
        fs::write(dir.path().join("connect.env"), b"JWT_SECRET=x\n").unwrap();
        std::os::unix::fs::symlink("a.pdf", uploads.join("org/1/link")).unwrap();
        let sources = Sources {
            entries: vec![
                ("uploads".into(), uploads.clone()),
                ("config/connect.env".into(), dir.path().join("connect.env")),
                ("monitoring/etc/none".into(), dir.path().join("none")),
            ],
            current: Some("20260301T000000Z".into()),
        };
        let out = dir.path().join("backup");
        run(&sources, &out, 30, false).unwrap();
        let tarball = fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&tarball).unwrap().permissions().mode() & 0o777, 0o600);
        let sums = fs::read_to_string(tarball.with_extension("gz.sha256")).unwrap();
        assert_eq!(sums.split_whitespace().next().unwrap(), sha256_file(&tarball).unwrap());

        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(File::open(&tarball).unwrap()));
        let mut names = Vec::new();
        let mut manifest = String::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().display().to_string();
            if path.ends_with("/MANIFEST") {
                entry.read_to_string(&mut manifest).unwrap();
            }
            names.push(path.split_once('/').unwrap().1.to_string());
        }
        assert_eq!(
            names,
            [
                "uploads",
                "uploads/org",
                "uploads/org/1",
                "uploads/org/1/a.pdf",
                "uploads/org/1/link",
                "config/connect.env",
                "MANIFEST"
            ]
        );
        let pdf_hash = hex(&Sha256::digest(b"%PDF-1.7"));
        assert!(manifest.contains(&format!("{pdf_hash}  8  connect_system_")), "{manifest}");
        assert!(manifest.contains("# current -> releases/20260301T000000Z"), "{manifest}");
        assert_eq!(manifest.lines().filter(|l| !l.starts_with('#')).count(), 2, "{manifest}");
    }

    #[test]
    fn only_old_tarballs_expire() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("connect_system_20260101_020000.tar.gz");
        fs::write(&old, b"").unwrap();
        fs::write(dir.path().join("other.tar.gz"), b"").unwrap();
        let now = SystemTime::now();
        assert!(expired(dir.path(), Duration::from_secs(86_400), now).is_empty());
        let later = now + Duration::from_secs(2 * 86_400);
        assert_eq!(expired(dir.path(), Duration::from_secs(86_400), later), [old]);
    }
}
