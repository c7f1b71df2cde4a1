//! How old the newest backups may be, from the cron schedules of the settings: with the spec's full
//! on Sundays and diff on the other days, some backup runs every day and a full every week. Two hours
//! of grace cover a backup still running at its usual time.

use std::time::Duration;

use crate::settings::Backup;

pub const GRACE: Duration = Duration::from_secs(2 * 3600);
const DAY: Duration = Duration::from_secs(86_400);

/// The longest gaps between (any backup, full backups) the schedules allow, grace included.
pub fn limits(backup: &Backup) -> (Duration, Duration) {
    let full = weekdays(&backup.full_schedule);
    let mut any = full;
    for (day, on) in weekdays(&backup.diff_schedule).iter().enumerate() {
        any[day] |= on;
    }
    (longest_gap(&any) + GRACE, longest_gap(&full) + GRACE)
}

/// The days of the week (0 = Sunday) a five-field cron schedule runs on. A schedule restricted by
/// day of month counts as weekly at best.
fn weekdays(schedule: &str) -> [bool; 7] {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let mut days = [false; 7];
    let Some(dow) = fields.get(4) else { return days };
    if fields.get(2).is_some_and(|dom| *dom != "*") {
        days[0] = true;
        return days;
    }
    for part in dow.split(',') {
        let (range, step) = part.split_once('/').map_or((part, 1), |(r, s)| (r, s.parse().unwrap_or(1).max(1)));
        let (from, to) = match range {
            "*" => (0, 6),
            r => match r.split_once('-') {
                Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(6)),
                None => {
                    let d = r.parse().unwrap_or(0);
                    (d, d)
                }
            },
        };
        for d in (from..=to.min(7)).step_by(step) {
            days[d % 7] = true;
        }
    }
    days
}

fn longest_gap(days: &[bool; 7]) -> Duration {
    let on: Vec<usize> = (0..7).filter(|d| days[*d]).collect();
    if on.is_empty() {
        return 7 * DAY;
    }
    let gap = on.iter().enumerate().map(|(i, d)| (on[(i + 1) % on.len()] + 7 - d - 1) % 7 + 1).max().unwrap_or(7);
    DAY * gap as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup(full: &str, diff: &str) -> Backup {
        Backup { full_schedule: full.into(), diff_schedule: diff.into(), ..Backup::default() }
    }

    #[test]
    fn the_spec_schedule_means_daily_backups_and_weekly_fulls() {
        let (any, full) = limits(&Backup::default());
        assert_eq!(any, DAY + GRACE);
        assert_eq!(full, 7 * DAY + GRACE);
    }

    #[test]
    fn sparser_schedules_allow_longer_gaps() {
        assert_eq!(limits(&backup("0 2 * * 0", "0 2 * * 3")).0, 4 * DAY + GRACE);
        assert_eq!(limits(&backup("0 2 * * 0,3", "0 2 * * 1-6/2")).1, 4 * DAY + GRACE);
        assert_eq!(limits(&backup("0 2 * * *", "0 2 * * 1-6")).1, DAY + GRACE);
        assert_eq!(limits(&backup("0 2 1 * *", "0 2 * * 7")).0, 7 * DAY + GRACE);
    }
}
