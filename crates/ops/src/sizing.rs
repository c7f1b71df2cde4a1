//! How memory and CPUs are shared out. The reference is the spec's server (16 cores, 128 GiB, NVMe):
//! each memory figure it gives is kept as the same share of RAM, so a 128 GiB machine gets exactly the
//! spec's values and a smaller one the same proportions. CPU-bound settings follow the CPU count.
//!
//! | at 128 GiB (spec)                | share      |
//! |----------------------------------|------------|
//! | shared_buffers 24GB              | 3/16       |
//! | effective_cache_size 80GB        | 5/8        |
//! | work_mem 64MB                    | 1/2048     |
//! | maintenance_work_mem 2GB         | 1/64, ≤ 2GB|
//! | max_wal_size 64GB                | 1/2, ≤ 64GB|
//! | Redis cache maxmemory 15gb       | 15/128     |
//! | Redis queue maxmemory 4gb        | 1/32       |

use crate::hardware::Hardware;
use crate::settings::Settings;

/// A size in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mib(pub u64);

impl Mib {
    /// PostgreSQL's units: `24GB`, `4608MB`.
    pub fn postgres(self) -> String {
        if self.0 % 1024 == 0 {
            format!("{}GB", self.0 / 1024)
        } else {
            format!("{}MB", self.0)
        }
    }

    /// Redis's units: `15gb`, `2880mb` (binary multiples, like PostgreSQL's).
    pub fn redis(self) -> String {
        self.postgres().to_lowercase()
    }

    fn share(ram: u64, numerator: u64, denominator: u64) -> Mib {
        Mib(ram * numerator / denominator)
    }

    fn clamp(self, low: u64, high: u64) -> Mib {
        Mib(self.0.clamp(low, high))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sizing {
    pub shared_buffers: Mib,
    pub effective_cache_size: Mib,
    pub work_mem: Mib,
    pub maintenance_work_mem: Mib,
    pub max_wal_size: Mib,
    pub max_worker_processes: u32,
    pub max_parallel_workers: u32,
    pub max_parallel_workers_per_gather: u32,
    pub max_parallel_maintenance_workers: u32,
    pub redis_cache_maxmemory: Mib,
    pub redis_queue_maxmemory: Mib,
    /// `DATABASE_POOL_SIZE` of each app process (client connections to PgBouncer).
    pub app_pool_size: u32,
    /// pgBackRest's parallel compression processes.
    pub backup_processes: u32,
}

impl Sizing {
    pub fn new(hw: &Hardware, settings: &Settings) -> Sizing {
        let ram = hw.memory_mib;
        let cpus = hw.cpus;
        Sizing {
            shared_buffers: Mib::share(ram, 3, 16).clamp(128, u64::MAX),
            effective_cache_size: Mib::share(ram, 5, 8),
            work_mem: Mib::share(ram, 1, 2048).clamp(4, u64::MAX),
            maintenance_work_mem: Mib::share(ram, 1, 64).clamp(64, 2048),
            max_wal_size: Mib::share(ram, 1, 2).clamp(1024, 64 * 1024),
            // PostgreSQL's default of 8 background workers is the floor (logical replication,
            // parallel queries and extensions share them).
            max_worker_processes: cpus.max(8),
            max_parallel_workers: cpus,
            max_parallel_workers_per_gather: (cpus / 4).clamp(1, 4),
            max_parallel_maintenance_workers: (cpus / 4).clamp(1, 4),
            redis_cache_maxmemory: Mib::share(ram, 15, 128).clamp(64, u64::MAX),
            redis_queue_maxmemory: Mib::share(ram, 1, 32).clamp(64, u64::MAX),
            // Four client connections per core, never more than PgBouncer's server pool.
            app_pool_size: (cpus * 4).clamp(16, settings.pgbouncer.default_pool_size.max(16)),
            backup_processes: (cpus / 4).clamp(1, 4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizing(cpus: u32, gib: u64) -> Sizing {
        Sizing::new(&Hardware::new(cpus, gib * 1024).unwrap(), &Settings::default())
    }

    #[test]
    fn the_spec_server_gets_the_spec_values() {
        let s = sizing(32, 128);
        assert_eq!(s.shared_buffers.postgres(), "24GB");
        assert_eq!(s.effective_cache_size.postgres(), "80GB");
        assert_eq!(s.work_mem.postgres(), "64MB");
        assert_eq!(s.maintenance_work_mem.postgres(), "2GB");
        assert_eq!(s.max_wal_size.postgres(), "64GB");
        assert_eq!(s.redis_cache_maxmemory.redis(), "15gb");
        assert_eq!(s.redis_queue_maxmemory.redis(), "4gb");
        assert_eq!((s.max_worker_processes, s.max_parallel_workers), (32, 32));
        assert_eq!((s.max_parallel_workers_per_gather, s.max_parallel_maintenance_workers), (4, 4));
        assert_eq!(s.app_pool_size, 50);
        assert_eq!(s.backup_processes, 4);
        // 16 cores: the spec's own CPU.
        let s = sizing(16, 128);
        assert_eq!((s.max_worker_processes, s.max_parallel_workers_per_gather), (16, 4));
    }

    #[test]
    fn a_small_machine_keeps_the_proportions() {
        let s = sizing(2, 24);
        assert_eq!(s.shared_buffers.postgres(), "4608MB");
        assert_eq!(s.effective_cache_size.postgres(), "15GB");
        assert_eq!(s.work_mem.postgres(), "12MB");
        assert_eq!(s.maintenance_work_mem.postgres(), "384MB");
        assert_eq!(s.max_wal_size.postgres(), "12GB");
        assert_eq!(s.redis_cache_maxmemory.redis(), "2880mb");
        assert_eq!(s.redis_queue_maxmemory.redis(), "768mb");
        assert_eq!((s.max_worker_processes, s.max_parallel_workers), (8, 2));
        assert_eq!((s.max_parallel_workers_per_gather, s.max_parallel_maintenance_workers), (1, 1));
        assert_eq!((s.app_pool_size, s.backup_processes), (16, 1));
    }

    #[test]
    fn floors_and_caps_hold_at_the_extremes() {
        let tiny = sizing(1, 1);
        assert_eq!(tiny.shared_buffers, Mib(192));
        assert_eq!(tiny.work_mem, Mib(4));
        assert_eq!(tiny.maintenance_work_mem, Mib(64));
        assert_eq!(tiny.max_wal_size, Mib(1024));
        assert_eq!(tiny.redis_queue_maxmemory, Mib(64));
        let huge = sizing(128, 1024);
        assert_eq!(huge.maintenance_work_mem.postgres(), "2GB");
        assert_eq!(huge.max_wal_size.postgres(), "64GB");
        assert_eq!(huge.shared_buffers.postgres(), "192GB");
        assert_eq!(huge.app_pool_size, 50);
    }
}
