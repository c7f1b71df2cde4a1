//! Helpers shared by the request builders and response parsers.

use serde::{Deserialize, Deserializer};
use url::Url;

/// `base` with `segments` appended as path segments (each percent-encoded, so a billing key
/// with `/` or `=` stays one segment), keeping any path prefix `base` already has.
pub(crate) fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// Where a body failed to parse, without quoting any of it (it may hold keys).
pub(crate) fn json_error(error: &serde_json::Error) -> String {
    format!("{:?} JSON error at line {} column {}", error.classify(), error.line(), error.column())
}

/// Equality of two secrets in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A JSON array that Toss sends as `null` when empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_base_prefix_and_encode_segments() {
        let base = Url::parse("http://127.0.0.1:8080/proxy/toss/").unwrap();
        assert_eq!(
            endpoint(&base, &["v1", "billing", "ab/c+d="]).as_str(),
            "http://127.0.0.1:8080/proxy/toss/v1/billing/ab%2Fc+d="
        );
        let bare = Url::parse("https://api.tosspayments.com").unwrap();
        assert_eq!(endpoint(&bare, &["v1", "payments", "k"]).as_str(), "https://api.tosspayments.com/v1/payments/k");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
