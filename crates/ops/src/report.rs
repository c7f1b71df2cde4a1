//! One line per step (`ok`, `warn`, `fail`, `skip`, `plan`) and the exit code they add up to.
//!
//! Exit codes of the operations commands: 0 everything passed (warnings allowed), 1 a check failed
//! or a difference was found, 2 bad usage (clap), 3 the command could not run at all.

use std::fmt;

pub const EXIT_OK: u8 = 0;
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_ERROR: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// Not applicable here (a tool or file is missing).
    Skip,
    /// Dry run: what would be done.
    Plan,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
            Status::Plan => "plan",
        })
    }
}

/// The steps of one command, printed as they finish.
#[derive(Debug, Default)]
pub struct Report {
    failed: usize,
    warned: usize,
}

impl Report {
    pub fn new() -> Self {
        Report::default()
    }

    pub fn step(&mut self, status: Status, name: &str, detail: impl fmt::Display) {
        match status {
            Status::Fail => self.failed += 1,
            Status::Warn => self.warned += 1,
            _ => {}
        }
        let detail = detail.to_string();
        let mut lines = detail.lines();
        println!("  {:<4}  {name:<22} {}", status.to_string(), lines.next().unwrap_or(""));
        for line in lines {
            println!("        {:<22} {line}", "");
        }
    }

    pub fn failed(&self) -> usize {
        self.failed
    }

    pub fn warned(&self) -> usize {
        self.warned
    }

    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            EXIT_FAILED
        } else {
            EXIT_OK
        }
    }
}

/// `12.3 MB`-style sizes (decimal units, as pgBackRest prints them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `1h 02m 03s`, `4.2s`.
pub fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h {:02}m", secs / 3600, secs % 3600 / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_decide_the_exit_code() {
        let mut r = Report::new();
        r.step(Status::Ok, "a", "");
        r.step(Status::Warn, "b", "two\nlines");
        assert_eq!(r.exit_code(), EXIT_OK);
        r.step(Status::Fail, "c", "");
        assert_eq!((r.exit_code(), r.failed(), r.warned()), (EXIT_FAILED, 1, 1));
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(41_416_460), "41.4 MB");
        assert_eq!(duration(std::time::Duration::from_millis(4200)), "4.2s");
        assert_eq!(duration(std::time::Duration::from_secs(125)), "2m 05s");
        assert_eq!(duration(std::time::Duration::from_secs(3725)), "1h 02m");
    }
}
