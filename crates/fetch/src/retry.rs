//! Retry policy: which outcomes are retried, capped exponential backoff with full jitter, and
//! `Retry-After` parsing (delta-seconds or HTTP-date, RFC 9110 §10.2.3).

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Whether an HTTP status is worth another attempt: 429 and every 5xx.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// Whether `Retry-After` is honoured for this status (429 and 503).
pub fn honours_retry_after(status: u16) -> bool {
    status == 429 || status == 503
}

/// The ceiling of the backoff before attempt `retry` (1 for the first retry):
/// `min(cap, base × 2^(retry-1))`.
pub fn backoff_ceiling(base: Duration, cap: Duration, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(30));
    base.saturating_mul(factor).min(cap)
}

/// Full jitter: a uniformly random wait in `[0, ceiling]`.
pub fn backoff(base: Duration, cap: Duration, retry: u32) -> Duration {
    let ceiling = backoff_ceiling(base, cap, retry);
    let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::rng().random_range(0..=ms))
}

/// Parses a `Retry-After` value relative to `now`. A date in the past means "now" (zero).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert!(retryable_status(429));
        assert!(retryable_status(500));
        assert!(retryable_status(503));
        assert!(!retryable_status(404));
        assert!(!retryable_status(200));
        assert!(honours_retry_after(503) && honours_retry_after(429));
        assert!(!honours_retry_after(500));
    }

    #[test]
    fn backoff_is_capped_exponential_with_jitter() {
        let base = Duration::from_millis(500);
        let cap = Duration::from_secs(60);
        assert_eq!(backoff_ceiling(base, cap, 1), Duration::from_millis(500));
        assert_eq!(backoff_ceiling(base, cap, 2), Duration::from_secs(1));
        assert_eq!(backoff_ceiling(base, cap, 4), Duration::from_secs(4));
        assert_eq!(backoff_ceiling(base, cap, 10), cap);
        assert_eq!(backoff_ceiling(base, cap, u32::MAX), cap);
        for retry in 1..20 {
            assert!(backoff(base, cap, retry) <= backoff_ceiling(base, cap, retry));
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("date");
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 1 ", now), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
