//! The release folders of a deployment (the spec's §2.2): `ROOT/releases/<UTC timestamp>/`, one per
//! deploy, and `ROOT/current`, a relative symlink to the live one. What lives here: naming and
//! listing releases, which one is live and which one came before it, which ones pruning deletes,
//! and the switch itself — a new symlink renamed over `current` with rename(2), so that `current`
//! always exists and always names a whole release (`ln -sfn` unlinks first and leaves a moment with
//! no `current`).
//!
//! nginx proxies to `ROOT/current/run/connect.sock` (the settings' `app.socket`), a path through the
//! `current` symlink, so the same rename also moves new connections to the new release's socket.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};

/// Releases kept by pruning, besides the live one (the spec keeps five).
pub const KEEP: usize = 5;

/// The release folders under one application root.
#[derive(Debug, Clone)]
pub struct Releases {
    pub root: PathBuf,
}

/// One release folder and what its manifest says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub name: String,
    pub dir: PathBuf,
    pub version: String,
    pub commit: String,
}

impl Releases {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Releases { root: root.into() }
    }

    pub fn dir(&self) -> PathBuf {
        self.root.join("releases")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    pub fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    /// A name for a release made at `now`: `20261206T081500Z`, with `-2`, `-3`, … when a release of
    /// that second already exists. Names sort in the order releases were made.
    pub fn new_name(&self, now: SystemTime) -> String {
        let base = chrono::DateTime::<chrono::Utc>::from(now).format("%Y%m%dT%H%M%SZ").to_string();
        let mut name = base.clone();
        let mut n = 1;
        while self.path(&name).exists() {
            n += 1;
            name = format!("{base}-{n}");
        }
        name
    }

    /// Release names, oldest first. Anything else in `releases/` (an unpacking `.tmp` folder) is
    /// not a release.
    pub fn names(&self) -> Result<Vec<String>> {
        let dir = self.dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).with_context(|| format!("{}", dir.display())),
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| is_release_name(n))
            .collect();
        names.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        Ok(names)
    }

    pub fn list(&self) -> Result<Vec<Release>> {
        self.names()?.into_iter().map(|n| Ok(self.load(&n))).collect()
    }

    pub fn load(&self, name: &str) -> Release {
        let dir = self.path(name);
        let manifest = std::fs::read_to_string(dir.join("MANIFEST")).unwrap_or_default();
        let field = |key: &str| {
            manifest
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('=').map(|v| v.trim().to_string()))
                .unwrap_or_else(|| "?".into())
        };
        Release { name: name.to_string(), version: field("version"), commit: field("commit"), dir }
    }

    /// The live release: where `current` points, when that is a release of this root.
    pub fn live(&self) -> Result<Option<String>> {
        let link = self.current_link();
        let target = match std::fs::read_link(&link) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                bail!("{} is not a symlink: move it away before deploying (it must point to a release)", link.display())
            }
            Err(e) => return Err(e).with_context(|| format!("{}", link.display())),
        };
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if !is_release_name(&name) || !self.path(&name).is_dir() {
            bail!(
                "{} points to {}, which is not a release of {}",
                link.display(),
                target.display(),
                self.dir().display()
            );
        }
        Ok(Some(name))
    }

    /// The release before `live` (the newest older one): what `connect rollback` goes back to.
    pub fn previous(&self, live: &str) -> Result<Option<String>> {
        let names = self.names()?;
        Ok(names.iter().rfind(|n| order_key(n) < order_key(live)).cloned())
    }

    /// Points `current` at `name` in one rename(2): a new relative symlink is made beside it and
    /// renamed over it. Readers (nginx connecting, systemd starting) see the old or the new target,
    /// never none. The directory is synced so the switch survives a crash.
    pub fn switch(&self, name: &str) -> Result<()> {
        if !self.path(name).is_dir() {
            bail!("release {name} does not exist in {}", self.dir().display());
        }
        let link = self.current_link();
        let temporary = self.root.join(format!(".current.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        std::os::unix::fs::symlink(Path::new("releases").join(name), &temporary)
            .with_context(|| format!("symlink {}", temporary.display()))?;
        if let Err(e) = std::fs::rename(&temporary, &link) {
            let _ = std::fs::remove_file(&temporary);
            return Err(e).with_context(|| format!("rename {} → {}", temporary.display(), link.display()));
        }
        std::fs::File::open(&self.root)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("sync {}", self.root.display()))
    }

    /// The releases pruning would delete: all but the newest `keep`, never the live one nor any in
    /// `protect` (the release being deployed).
    pub fn prunable(&self, keep: usize, live: Option<&str>, protect: &[&str]) -> Result<Vec<String>> {
        Ok(prunable(&self.names()?, keep, live, protect))
    }

    /// Deletes what [`Releases::prunable`] names; returns the deleted names.
    pub fn prune(&self, keep: usize, live: Option<&str>, protect: &[&str]) -> Result<Vec<String>> {
        let doomed = self.prunable(keep, live, protect)?;
        for name in &doomed {
            // Checked again right before the delete: the live release is never removed.
            if self.live()?.as_deref() == Some(name.as_str()) {
                continue;
            }
            std::fs::remove_dir_all(self.path(name)).with_context(|| format!("rm -r {}", self.path(name).display()))?;
        }
        Ok(doomed)
    }

    /// Where release `name`'s server listens: `app.socket` (`ROOT/current/REST`) with `current`
    /// replaced by `releases/NAME`.
    pub fn socket(&self, app_socket: &Path, name: &str) -> Result<PathBuf> {
        Ok(self.path(name).join(socket_in_release(&self.root, app_socket)?))
    }
}

/// The part of `app.socket` below `ROOT/current`, e.g. `run/connect.sock`. Deploys need nginx's
/// socket to be reached through `current`: that is what makes the rename switch traffic.
pub fn socket_in_release(root: &Path, app_socket: &Path) -> Result<PathBuf> {
    match app_socket.strip_prefix(root.join("current")) {
        Ok(rest) if !rest.as_os_str().is_empty() => Ok(rest.to_path_buf()),
        _ => bail!(
            "app.socket ({}) must be under {}/current/ (e.g. {}/current/run/connect.sock): nginx reaches the \
             live release through the `current` symlink, which the deploy switches",
            app_socket.display(),
            root.display(),
            root.display()
        ),
    }
}

/// `20261206T081500Z` or `20261206T081500Z-2`.
pub fn is_release_name(name: &str) -> bool {
    let (stamp, suffix) = name.split_once('-').unwrap_or((name, ""));
    let b = stamp.as_bytes();
    b.len() == 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'T'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'Z'
        && (suffix.is_empty() || suffix.parse::<u32>().is_ok())
}

/// Sorts `…Z` before `…Z-2` before `…Z-10`.
fn order_key(name: &str) -> (&str, u32) {
    let (stamp, suffix) = name.split_once('-').unwrap_or((name, "1"));
    (stamp, suffix.parse().unwrap_or(1))
}

/// The releases to delete from `names` (oldest first): all but the newest `keep`, minus the live
/// one and the protected ones.
pub fn prunable(names: &[String], keep: usize, live: Option<&str>, protect: &[&str]) -> Vec<String> {
    let mut sorted: Vec<&String> = names.iter().collect();
    sorted.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    let kept: BTreeSet<&str> =
        sorted.iter().rev().take(keep).map(|n| n.as_str()).chain(live).chain(protect.iter().copied()).collect();
    sorted.into_iter().filter(|n| !kept.contains(n.as_str())).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("202612{:02}T080000Z", i + 1)).collect()
    }

    fn root_with(n: usize) -> (tempfile::TempDir, Releases) {
        let dir = tempfile::tempdir().unwrap();
        let releases = Releases::new(dir.path());
        for name in names(n) {
            std::fs::create_dir_all(releases.path(&name)).unwrap();
            std::fs::write(releases.path(&name).join("MANIFEST"), format!("version=v-{name}\ncommit=abc\n")).unwrap();
        }
        (dir, releases)
    }

    #[test]
    fn release_names_are_utc_stamps_in_order() {
        assert!(is_release_name("20261206T081500Z"));
        assert!(is_release_name("20261206T081500Z-2"));
        for bad in ["20261206T081500", "2026-12-06", ".20261206T081500Z.tmp", "20261206T081500Z-x", "current"] {
            assert!(!is_release_name(bad), "{bad}");
        }
        let mut v = vec!["20261206T081500Z-10".to_string(), "20261206T081500Z-2".into(), "20261206T081500Z".into()];
        v.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        assert_eq!(v, ["20261206T081500Z", "20261206T081500Z-2", "20261206T081500Z-10"]);
    }

    #[test]
    fn pruning_keeps_five_and_never_the_live_one() {
        let all = names(8);
        // Live is the newest: the three oldest go.
        assert_eq!(prunable(&all, KEEP, Some(&all[7]), &[]), all[..3].to_vec());
        // Rolled back to the oldest: it stays, besides the newest five.
        assert_eq!(prunable(&all, KEEP, Some(&all[0]), &[]), all[1..3].to_vec());
        // The release being deployed is protected even when not yet live.
        assert_eq!(prunable(&all, 1, Some(&all[2]), &[&all[5]]), [&all[..2], &all[3..5], &all[6..7]].concat());
        // Fewer than five: nothing goes; keep 0 still spares the live one.
        assert!(prunable(&names(4), KEEP, None, &[]).is_empty());
        assert_eq!(prunable(&names(3), 0, Some(&names(3)[1]), &[]), vec![names(3)[0].clone(), names(3)[2].clone()]);
    }

    #[test]
    fn prune_deletes_folders_but_not_the_live_release() {
        let (_dir, releases) = root_with(8);
        let all = names(8);
        releases.switch(&all[1]).unwrap();
        let deleted = releases.prune(KEEP, releases.live().unwrap().as_deref(), &[]).unwrap();
        assert_eq!(deleted, vec![all[0].clone(), all[2].clone()]);
        assert_eq!(releases.names().unwrap(), [&all[1..2], &all[3..]].concat());
        assert!(releases.path(&all[1]).is_dir());
    }

    #[test]
    fn the_switch_renames_a_relative_link_over_current() {
        let (dir, releases) = root_with(2);
        let all = names(2);
        assert_eq!(releases.live().unwrap(), None);
        releases.switch(&all[0]).unwrap();
        assert_eq!(std::fs::read_link(dir.path().join("current")).unwrap(), Path::new("releases").join(&all[0]));
        assert_eq!(releases.live().unwrap().as_deref(), Some(all[0].as_str()));
        std::fs::create_dir(releases.path(&all[1]).join("run")).unwrap();
        std::fs::write(releases.path(&all[1]).join("run/marker"), "new").unwrap();
        releases.switch(&all[1]).unwrap();
        assert_eq!(releases.live().unwrap().as_deref(), Some(all[1].as_str()));
        // Paths through `current` now resolve into the new release.
        assert_eq!(std::fs::read_to_string(dir.path().join("current/run/marker")).unwrap(), "new");
        assert_eq!(releases.previous(&all[1]).unwrap().as_deref(), Some(all[0].as_str()));
        assert_eq!(releases.previous(&all[0]).unwrap(), None);
        // No temporary link is left behind, and a missing release is refused without touching current.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(releases.switch("20991231T000000Z").is_err());
        assert_eq!(releases.live().unwrap().as_deref(), Some(all[1].as_str()));
        assert_eq!(releases.load(&all[1]).version, format!("v-{}", all[1]));
    }

    #[test]
    fn the_switch_never_leaves_current_missing() {
        let (dir, releases) = root_with(2);
        let all = names(2);
        releases.switch(&all[0]).unwrap();
        let link = dir.path().join("current");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let (link, stop) = (link.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut looks = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert!(std::fs::read_link(&link).is_ok(), "current was missing");
                    looks += 1;
                }
                looks
            })
        };
        for i in 0..500 {
            releases.switch(&all[i % 2]).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(watcher.join().unwrap() > 0);
    }

    #[test]
    fn sockets_are_found_below_current() {
        let root = Path::new("/var/www/connect");
        let releases = Releases::new(root);
        let socket =
            releases.socket(Path::new("/var/www/connect/current/run/connect.sock"), "20261206T081500Z").unwrap();
        assert_eq!(socket, Path::new("/var/www/connect/releases/20261206T081500Z/run/connect.sock"));
        let err = socket_in_release(root, Path::new("/run/connect/connect.sock")).unwrap_err().to_string();
        assert!(err.contains("must be under /var/www/connect/current/"), "{err}");
    }

    #[test]
    fn a_plain_current_folder_is_refused() {
        let (dir, releases) = root_with(1);
        std::fs::create_dir(dir.path().join("current")).unwrap();
        assert!(releases.live().unwrap_err().to_string().contains("not a symlink"));
    }
}
