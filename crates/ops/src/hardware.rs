//! The machine the files are rendered for: CPU count and memory, detected or given.

use anyhow::{bail, Context, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardware {
    pub cpus: u32,
    pub memory_mib: u64,
}

impl Hardware {
    pub fn new(cpus: u32, memory_mib: u64) -> Result<Self> {
        if cpus == 0 {
            bail!("--cpus: at least 1");
        }
        if memory_mib < 1024 {
            bail!("--memory-mib: at least 1024 (1 GiB)");
        }
        Ok(Hardware { cpus, memory_mib })
    }

    /// This machine, with either figure replaced when given (for rendering another machine's files).
    pub fn detect(cpus: Option<u32>, memory_mib: Option<u64>) -> Result<Self> {
        let cpus = match cpus {
            Some(n) => n,
            None => std::thread::available_parallelism().map(|n| n.get() as u32).context("CPU count")?,
        };
        let memory_mib = match memory_mib {
            Some(m) => m,
            None => {
                let text = std::fs::read_to_string("/proc/meminfo").context("/proc/meminfo (or give --memory-mib)")?;
                mem_total_mib(&text).context("/proc/meminfo has no MemTotal line")?
            }
        };
        Hardware::new(cpus, memory_mib)
    }
}

/// `MemTotal:       24731636 kB` → MiB.
fn mem_total_mib(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut fields = line.split_whitespace().skip(1);
    let value: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") | None => Some(value / 1024),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_mib() {
        let text = "MemTotal:       24731636 kB\nMemFree:        22863000 kB\n";
        assert_eq!(mem_total_mib(text), Some(24151));
        assert_eq!(mem_total_mib("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn overrides_win_and_nonsense_is_refused() {
        assert_eq!(Hardware::detect(Some(32), Some(131072)).unwrap(), Hardware { cpus: 32, memory_mib: 131072 });
        assert!(Hardware::detect(None, None).unwrap().cpus >= 1);
        assert!(Hardware::new(0, 4096).is_err());
        assert!(Hardware::new(2, 512).is_err());
    }
}
