//! The child-process path: same answer as in-process, errors carried back as JSON, a hanging
//! child killed at the timeout, a crashing one reported as such.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{fixtures_dir, read_fixture};
use extract::{extract, extract_in_child, ExtractError, Format, Limits};

fn child_exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_extract-child"))
}

/// Writes an executable shell script standing in for a misbehaving child.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[test]
fn child_answers_like_in_process() {
    let limits = Limits::default();
    for name in ["hwp_10.hwp", "edge_distrib2.hwp", "hwpx_10.hwpx"] {
        let file = fixtures_dir().join(name);
        let started = Instant::now();
        let out = extract_in_child(child_exe(), &file, &limits, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        println!("{name}: {} chars in child, {:?}", out.text.chars().count(), started.elapsed());
        assert_eq!(out, extract(&read_fixture(name), &limits).expect(name));
        assert_ne!(out.format, Format::Unknown);
    }
}

#[test]
fn child_carries_errors_back() {
    let limits = Limits::default();
    let drm = fixtures_dir().join("hwp_drm_scdsa004.hwp");
    assert_eq!(
        extract_in_child(child_exe(), &drm, &limits, Duration::from_secs(60)),
        Err(ExtractError::Drm("SCDSA004".into()))
    );
    let small = Limits { max_input_bytes: 1000, ..limits };
    let big = fixtures_dir().join("hwp_10.hwp");
    assert!(matches!(
        extract_in_child(child_exe(), &big, &small, Duration::from_secs(60)),
        Err(ExtractError::TooLarge { .. })
    ));
    let missing = fixtures_dir().join("no-such-file.hwp");
    assert!(matches!(
        extract_in_child(child_exe(), &missing, &limits, Duration::from_secs(60)),
        Err(ExtractError::ChildFailed(_))
    ));
}

#[test]
fn hanging_child_is_killed_at_the_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = script(dir.path(), "hang.sh", "exec sleep 30");
    let started = Instant::now();
    let err = extract_in_child(&exe, Path::new("x.hwp"), &Limits::default(), Duration::from_millis(300))
        .expect_err("timeout");
    assert_eq!(err, ExtractError::TimedOut(300));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn crashing_or_babbling_child_is_a_child_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, body) in
        [("crash.sh", "echo 'thread main panicked' >&2; kill -9 $$"), ("babble.sh", "echo not json; exit 0")]
    {
        let exe = script(dir.path(), name, body);
        let err =
            extract_in_child(&exe, Path::new("x.hwp"), &Limits::default(), Duration::from_secs(10)).expect_err(name);
        assert!(matches!(err, ExtractError::ChildFailed(_)), "{name}: {err:?}");
        println!("{name}: {err}");
    }
    let err = extract_in_child(
        &dir.path().join("missing-exe"),
        Path::new("x.hwp"),
        &Limits::default(),
        Duration::from_secs(10),
    )
    .expect_err("spawn");
    assert!(matches!(err, ExtractError::ChildFailed(_)));
}

#[test]
fn memory_limit_stops_a_child_cleanly() {
    // 16 MiB of address space cannot hold a 1.6 MB PDF's parse: the child must fail (an error
    // reply or death), never answer with text.
    let out = std::process::Command::new(child_exe())
        .args(["extract", "--json", "--max-memory-bytes", "16777216", "--"])
        .arg(fixtures_dir().join("pdf_12.pdf"))
        .output()
        .expect("run child");
    let reply = serde_json::from_slice::<serde_json::Value>(&out.stdout).ok();
    println!("pdf_12 under 16 MiB: status {}, reply {reply:?}", out.status);
    assert!(reply.is_none_or(|r| r.get("ok").is_none()), "text despite the limit");
}
