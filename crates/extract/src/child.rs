//! Extraction in a child process: the only way to bound memory and stop a parser that loops.
//!
//! The parent runs `EXE extract --json [--max-… N]… FILE` ([`extract_in_child`]); the child side
//! is [`child_main`], which the service's own binary calls for its `extract` subcommand (this
//! crate's `extract-child` binary does the same for tests). The child caps its own address
//! space and CPU time with `setrlimit` before reading the file, extracts, and prints one JSON
//! object: `{"ok": Extracted}` or `{"err": ExtractError}`. The parent kills it at the timeout.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{extract, ExtractError, Extracted, Limits};

/// The one JSON object a child prints.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Ok(Extracted),
    Err(ExtractError),
}

/// The address-space limit a child gets for `limits`: room for the input, a few decompressed
/// streams and the parsers' own structures (1 GiB + 2 × input + 4 × one stream; 1.5 GiB by
/// default).
pub fn child_memory_limit(limits: &Limits) -> u64 {
    (1u64 << 30)
        .saturating_add((limits.max_input_bytes as u64).saturating_mul(2))
        .saturating_add((limits.max_decompressed_bytes as u64).saturating_mul(4))
}

/// Runs `exe extract --json … file` with `limits`, kills it after `timeout`, and returns what
/// it printed. A crash, a kill by the memory limit or garbage output is
/// [`ExtractError::ChildFailed`]; the timeout is [`ExtractError::TimedOut`].
pub fn extract_in_child(
    exe: &Path,
    file: &Path,
    limits: &Limits,
    timeout: Duration,
) -> Result<Extracted, ExtractError> {
    let cpu_seconds = timeout.as_secs().saturating_add(1);
    let mut child = Command::new(exe)
        .arg("extract")
        .arg("--json")
        .arg("--max-input-bytes")
        .arg(limits.max_input_bytes.to_string())
        .arg("--max-decompressed-bytes")
        .arg(limits.max_decompressed_bytes.to_string())
        .arg("--max-output-chars")
        .arg(limits.max_output_chars.to_string())
        .arg("--max-memory-bytes")
        .arg(child_memory_limit(limits).to_string())
        .arg("--max-cpu-seconds")
        .arg(cpu_seconds.to_string())
        .arg("--")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ExtractError::ChildFailed(format!("spawn {}: {e}", exe.display())))?;

    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let out_cap = (limits.max_output_chars as u64).saturating_mul(8) + (1 << 20);
    let stdout = child.stdout.take().map(|s| drain(s, out_cap));
    let stderr = child.stderr.take().map(|s| drain(s, 64 * 1024));

    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                // The child may exit on its own between the check and the kill; both are fine.
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExtractError::TimedOut(timeout.as_millis() as u64));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExtractError::ChildFailed(format!("wait: {e}")));
            }
        }
    };
    let out = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    match serde_json::from_slice::<Reply>(&out) {
        Ok(Reply::Ok(extracted)) => Ok(extracted),
        Ok(Reply::Err(e)) => Err(e),
        Err(parse) => {
            let err = String::from_utf8_lossy(&err);
            let tail: String = err.chars().rev().take(500).collect::<Vec<_>>().into_iter().rev().collect();
            Err(ExtractError::ChildFailed(format!("{status}; no valid answer ({parse}); stderr: {}", tail.trim())))
        }
    }
}

/// Reads a pipe to its end on a thread, keeping at most `cap` bytes.
fn drain(mut pipe: impl Read + Send + 'static, cap: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = (&mut pipe).take(cap).read_to_end(&mut buf);
        // Keep reading past the cap so the child never blocks on a full pipe.
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        buf
    })
}

/// Options of the child command line.
#[derive(Debug)]
struct ChildArgs {
    file: PathBuf,
    limits: Limits,
    max_memory_bytes: Option<u64>,
    max_cpu_seconds: Option<u64>,
}

/// Parses `extract --json [--max-… N]… [--] FILE` (the program name already removed).
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<ChildArgs, String> {
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("extract".as_ref()) {
        return Err("usage: extract --json [--max-input-bytes N] [--max-decompressed-bytes N] [--max-output-chars N] [--max-memory-bytes N] [--max-cpu-seconds N] [--] FILE".into());
    }
    let mut limits = Limits::default();
    let mut json = false;
    let mut file = None;
    let (mut max_memory_bytes, mut max_cpu_seconds) = (None, None);
    let mut options_done = false;
    while let Some(arg) = args.next() {
        let name = arg.to_string_lossy().into_owned();
        if options_done || !name.starts_with("--") {
            if file.replace(PathBuf::from(arg)).is_some() {
                return Err("more than one FILE".into());
            }
            continue;
        }
        if name == "--" {
            options_done = true;
            continue;
        }
        if name == "--json" {
            json = true;
            continue;
        }
        let value: u64 =
            args.next().and_then(|v| v.to_str()?.parse().ok()).ok_or_else(|| format!("{name} needs a number"))?;
        let as_usize = usize::try_from(value).unwrap_or(usize::MAX);
        match name.as_str() {
            "--max-input-bytes" => limits.max_input_bytes = as_usize,
            "--max-decompressed-bytes" => limits.max_decompressed_bytes = as_usize,
            "--max-output-chars" => limits.max_output_chars = as_usize,
            "--max-memory-bytes" => max_memory_bytes = Some(value),
            "--max-cpu-seconds" => max_cpu_seconds = Some(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    if !json {
        return Err("only --json output is supported".into());
    }
    Ok(ChildArgs { file: file.ok_or("missing FILE")?, limits, max_memory_bytes, max_cpu_seconds })
}

/// The child side: call it with the arguments after the program name, e.g.
/// `std::process::exit(extract::child_main(std::env::args_os().skip(1)))` when the first one is
/// `extract`. Prints one JSON reply on stdout and returns the exit code: 0 when a reply was
/// printed (also for an [`ExtractError`]), 2 for bad arguments.
pub fn child_main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    if let Some(bytes) = args.max_memory_bytes {
        if let Err(e) = rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes) {
            eprintln!("setrlimit(AS) failed: {e}");
        }
    }
    if let Some(secs) = args.max_cpu_seconds {
        if let Err(e) = rlimit::setrlimit(rlimit::Resource::CPU, secs, secs.saturating_add(1)) {
            eprintln!("setrlimit(CPU) failed: {e}");
        }
    }
    let reply = match read_capped(&args.file, args.limits.max_input_bytes) {
        Ok(bytes) => match extract(&bytes, &args.limits) {
            Ok(x) => Reply::Ok(x),
            Err(e) => Reply::Err(e),
        },
        Err(e) => Reply::Err(e),
    };
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut stdout, &reply)
        .map_err(std::io::Error::from)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("writing the reply failed: {e}");
            1
        }
    }
}

/// Reads a file, refusing one larger than `cap` bytes without reading it all.
fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>, ExtractError> {
    let file = std::fs::File::open(path).map_err(|e| {
        ExtractError::ChildFailed(format!("파일을 열 수 없습니다 (cannot open {}: {e})", path.display()))
    })?;
    let mut bytes = Vec::new();
    file.take(cap as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ExtractError::ChildFailed(format!("read {}: {e}", path.display())))?;
    if bytes.len() > cap {
        return Err(ExtractError::TooLarge { what: "input".into(), limit: cap });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_child_arguments() {
        let a = parse_args(os(&[
            "extract",
            "--json",
            "--max-output-chars",
            "10",
            "--max-memory-bytes",
            "1000",
            "--",
            "--odd-name.hwp",
        ]))
        .expect("valid arguments");
        assert_eq!(a.file, PathBuf::from("--odd-name.hwp"));
        assert_eq!(a.limits.max_output_chars, 10);
        assert_eq!(a.max_memory_bytes, Some(1000));
        assert!(parse_args(os(&["extract", "x.hwp"])).is_err());
        assert!(parse_args(os(&["other", "--json", "x.hwp"])).is_err());
        assert!(parse_args(os(&["extract", "--json", "--max-output-chars"])).is_err());
    }
}
