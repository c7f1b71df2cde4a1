//! Running the deployment's tools (pgBackRest, pg_ctl, redis-server, …), as the user that owns
//! their files: directly when we are that user, through `runuser` when we are root, through
//! `sudo -n` otherwise.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};

/// Who a command runs as.
#[derive(Debug, Clone)]
pub struct RunAs {
    user: String,
    wrap: Wrap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Direct,
    Runuser,
    Sudo,
}

impl RunAs {
    pub fn user(user: &str) -> Self {
        let me = current_uid();
        let wrap = match uid_of(user) {
            Some(uid) if uid == me => Wrap::Direct,
            _ if me == 0 => Wrap::Runuser,
            _ => Wrap::Sudo,
        };
        RunAs { user: user.to_string(), wrap }
    }

    /// The current user, unchanged.
    pub fn me() -> Self {
        RunAs { user: String::new(), wrap: Wrap::Direct }
    }

    pub fn name(&self) -> &str {
        &self.user
    }

    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        match self.wrap {
            Wrap::Direct => Command::new(program),
            Wrap::Runuser => {
                let mut c = Command::new("runuser");
                c.args(["-u", &self.user, "--"]).arg(program);
                c
            }
            Wrap::Sudo => {
                let mut c = Command::new("sudo");
                c.args(["-n", "-u", &self.user, "--"]).arg(program);
                c
            }
        }
    }
}

/// The effective user id of this process (the owner of `/proc/self`).
pub fn current_uid() -> u32 {
    std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX)
}

pub fn is_root() -> bool {
    current_uid() == 0
}

/// A user's id from `/etc/passwd`.
pub fn uid_of(user: &str) -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == user).then_some(())?;
        fields.nth(1)?.parse().ok()
    })
}

/// The command line, quoted enough for a person to copy it.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|arg| {
            let arg = arg.to_string_lossy();
            if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
                arg.into_owned()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a command to completion and returns its standard output; a failure carries its output.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = run_captured(cmd)?;
    if !out.status.success() {
        bail!("{} failed ({}): {}", describe(cmd), out.status, failure_text(&out));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command, capturing both outputs, whatever its exit status.
pub fn run_captured(cmd: &mut Command) -> Result<Output> {
    cmd.stdin(Stdio::null()).output().with_context(|| format!("cannot run {}", describe(cmd)))
}

/// The end of a failed command's output, stderr first.
pub fn failure_text(out: &Output) -> String {
    let text = [&out.stderr, &out.stdout]
        .iter()
        .map(|b| String::from_utf8_lossy(b).trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n")
}

/// Whether `program` is an executable path or found on `PATH`.
pub fn found(program: &str) -> bool {
    let executable = |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0);
    if program.contains('/') {
        return executable(Path::new(program));
    }
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| executable(&dir.join(program))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_quoted() {
        let mut c = Command::new("pg_ctl");
        c.args(["-D", "/tmp/x", "-o", "-p 5433 -c listen_addresses=", "it's"]);
        assert_eq!(describe(&c), r"pg_ctl -D /tmp/x -o '-p 5433 -c listen_addresses=' 'it'\''s'");
    }

    #[test]
    fn root_is_known() {
        assert_eq!(uid_of("root"), Some(0));
        assert_eq!(uid_of("no-such-user-here"), None);
        assert!(found("sh"));
        assert!(!found("no-such-program-here"));
    }

    #[test]
    fn the_current_user_runs_directly() {
        let me = RunAs::me();
        assert_eq!(me.command("true").get_program(), "true");
        if is_root() {
            let postgres = RunAs::user("nobody");
            assert_eq!(postgres.command("true").get_program(), "runuser");
        }
    }
}
