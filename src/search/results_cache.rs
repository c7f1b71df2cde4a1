//! Rendered search responses of this node, reused while neither the catalogue nor the minute has
//! changed. The key holds the catalogue generation and the KST minute (statuses and D-days are
//! computed at read time and deadlines fall on whole minutes), so an entry can never be stale; the
//! whole cache is dropped when either moves on. Bounded in bytes.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// Upper bound of the cached response bodies on one node.
const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Default)]
pub struct ResultsCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (catalogue generation, minute) the entries belong to.
    epoch: (u64, i64),
    entries: HashMap<String, Bytes>,
    bytes: usize,
}

impl ResultsCache {
    pub fn get(&self, epoch: (u64, i64), query: &str) -> Option<Bytes> {
        let mut inner = self.inner.lock().ok()?;
        if inner.epoch != epoch {
            *inner = Inner { epoch, ..Inner::default() };
            return None;
        }
        inner.entries.get(query).cloned()
    }

    pub fn put(&self, epoch: (u64, i64), query: String, body: Bytes) {
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.epoch != epoch || inner.bytes + body.len() > MAX_BYTES {
            return;
        }
        inner.bytes += body.len();
        inner.entries.insert(query, body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_only_within_their_generation_and_minute() {
        let cache = ResultsCache::default();
        assert!(cache.get((1, 10), "q=a").is_none());
        cache.put((1, 10), "q=a".into(), Bytes::from_static(b"A"));
        assert_eq!(cache.get((1, 10), "q=a").as_deref(), Some(&b"A"[..]));
        assert!(cache.get((2, 10), "q=a").is_none(), "a catalogue change drops it");
        cache.put((2, 10), "q=a".into(), Bytes::from_static(b"B"));
        assert!(cache.get((2, 11), "q=a").is_none(), "the next minute drops it");
    }
}
