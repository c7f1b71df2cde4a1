//! `connect recover SERVICE`: the spec's §8.2 service recovery. Diagnose (process, port, protocol
//! answer); when it does not answer, restart it — checking nginx's configuration first — and verify
//! that it answers again. Without `--yes` only the plan is shown. A service that answers is left alone.

use std::time::{Duration, Instant};

use anyhow::Result;

use crate::cli::DeploySettings;
use crate::probe;
use crate::report::{duration, Report, Status, EXIT_FAILED, EXIT_OK};
use crate::service::{Service, Unit};
use crate::shell;

#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 the service answers (already, or after the recovery), 1 it does not, 3 it \
                        could not run.\nWithout systemd as PID 1 the rendered files and pid files are used; each \
                        step names the production systemctl command it stands for.")]
pub struct Args {
    #[arg(value_enum)]
    pub service: Service,
    /// Restart it if it does not answer; without it the plan is only shown.
    #[arg(long)]
    pub yes: bool,
    #[command(flatten)]
    pub deploy: DeploySettings,
}

pub fn run(args: &Args) -> Result<u8> {
    let settings = args.deploy.load()?;
    let unit = Unit::of(args.service, &settings);
    println!("{} (production: {})", unit.name, unit.systemctl);
    let mut report = Report::new();
    let answer = diagnose(&unit, &mut report);
    if answer {
        println!("{} answers: nothing to do", unit.name);
        return Ok(EXIT_OK);
    }
    if !args.yes {
        for step in plan(&unit) {
            report.step(Status::Plan, "would run", step);
        }
        println!("{} does not answer; add --yes to recover it", unit.name);
        return Ok(EXIT_FAILED);
    }
    let started = Instant::now();
    if recover(&unit, &mut report) && verify(&unit, &mut report) {
        println!("{} recovered in {}", unit.name, duration(started.elapsed()));
        Ok(EXIT_OK)
    } else {
        println!("{} is NOT recovered; production: {}", unit.name, unit.systemctl);
        Ok(EXIT_FAILED)
    }
}

/// Process, port and protocol; returns whether it answers.
fn diagnose(unit: &Unit, report: &mut Report) -> bool {
    let pids = unit.pids();
    let where_ = unit.pid_file.as_ref().map(|p| format!(" ({})", p.display())).unwrap_or_default();
    if pids.is_empty() {
        report.step(Status::Fail, "process", format!("not running{where_}"));
    } else {
        report.step(Status::Ok, "process", format!("pid {}{where_}", join(&pids)));
    }
    if let Some((host, port)) = &unit.port {
        let open = probe::tcp_open(host, *port);
        report.step(if open { Status::Ok } else { Status::Fail }, "port", format!("{host}:{port}"));
    }
    match unit.answers() {
        Ok(text) => {
            report.step(Status::Ok, "answers", text);
            true
        }
        Err(e) => {
            report.step(Status::Fail, "answers", format!("{e:#}"));
            false
        }
    }
}

fn join(pids: &[u32]) -> String {
    pids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn plan(unit: &Unit) -> Vec<String> {
    let mut steps = Vec::new();
    if let Some(check) = &unit.preflight {
        steps.push(shell::describe(check));
    }
    if !unit.pids().is_empty() {
        steps.extend(unit.stop_commands().iter().map(shell::describe));
    }
    for (dir, user) in &unit.runtime_dirs {
        if !dir.is_dir() {
            steps.push(format!("install -d -o {user} {}", dir.display()));
        }
    }
    steps.push(shell::describe(&unit.start));
    steps.push(format!("wait up to {}s for it to answer", unit.settle_secs));
    steps
}

fn recover(unit: &Unit, report: &mut Report) -> bool {
    if let Some(check) = &unit.preflight {
        let mut check = clone(check);
        match shell::run_captured(&mut check) {
            Ok(out) if out.status.success() => report.step(Status::Ok, "config check", shell::describe(&check)),
            Ok(out) => {
                report.step(Status::Fail, "config check", shell::failure_text(&out));
                return false;
            }
            Err(e) => {
                report.step(Status::Fail, "config check", format!("{e:#}"));
                return false;
            }
        }
    }
    if !unit.pids().is_empty() {
        for mut stop in unit.stop_commands() {
            let result = shell::run_captured(&mut stop);
            let ok = result.as_ref().is_ok_and(|o| o.status.success());
            report.step(if ok { Status::Ok } else { Status::Warn }, "stop", shell::describe(&stop));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while !unit.pids().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
        if !unit.pids().is_empty() {
            report.step(Status::Fail, "stop", format!("still running: pid {}", join(&unit.pids())));
            return false;
        }
    }
    for (dir, user) in &unit.runtime_dirs {
        if !dir.is_dir() {
            let mut c = std::process::Command::new("install");
            c.args(["-d", "-o", user]).arg(dir);
            if let Err(e) = shell::output(&mut c) {
                report.step(Status::Fail, "runtime directory", format!("{e:#}"));
                return false;
            }
            report.step(Status::Ok, "runtime directory", shell::describe(&c));
        }
    }
    let mut start = clone(&unit.start);
    match shell::run_captured(&mut start) {
        Ok(out) if out.status.success() => {
            report.step(Status::Ok, "start", shell::describe(&start));
            true
        }
        Ok(out) => {
            report.step(Status::Fail, "start", format!("{}\n{}", shell::describe(&start), shell::failure_text(&out)));
            false
        }
        Err(e) => {
            report.step(Status::Fail, "start", format!("{e:#}"));
            false
        }
    }
}

fn verify(unit: &Unit, report: &mut Report) -> bool {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(unit.settle_secs);
    loop {
        match unit.answers() {
            Ok(text) => {
                report.step(Status::Ok, "verify", format!("{text} (after {})", duration(started.elapsed())));
                return true;
            }
            Err(e) if Instant::now() > deadline => {
                report.step(Status::Fail, "verify", format!("{e:#}"));
                return false;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(300)),
        }
    }
}

fn clone(c: &std::process::Command) -> std::process::Command {
    let mut copy = std::process::Command::new(c.get_program());
    copy.args(c.get_args());
    copy
}
