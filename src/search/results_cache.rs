//! Results of this node reused while neither the catalogue nor the minute has changed: the rendered
//! search and program responses of the API, and the computed searches the pages render. The key
//! holds the catalogue generation and the KST minute (statuses and D-days are computed at read time
//! and deadlines fall on whole minutes), so an entry can never be stale; the whole cache is dropped
//! when either moves on. Bounded in (estimated) bytes.

use std::collections::HashMap;
use std::sync::Mutex;

/// Upper bound of the API's rendered responses on one node.
pub const RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Upper bound of the computed searches on one node (their hits point at summaries kept anyway).
pub const SEARCH_BYTES: usize = 4 * 1024 * 1024;

pub struct ResultsCache<V> {
    max_bytes: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    /// (catalogue generation, minute) the entries belong to.
    epoch: (u64, i64),
    entries: HashMap<String, V>,
    bytes: usize,
}

impl<V> Default for Inner<V> {
    fn default() -> Self {
        Inner { epoch: (0, 0), entries: HashMap::new(), bytes: 0 }
    }
}

impl<V: Clone> ResultsCache<V> {
    pub fn new(max_bytes: usize) -> Self {
        ResultsCache { max_bytes, inner: Mutex::default() }
    }

    pub fn get(&self, epoch: (u64, i64), key: &str) -> Option<V> {
        let mut inner = self.inner.lock().ok()?;
        if inner.epoch != epoch {
            *inner = Inner { epoch, ..Inner::default() };
            return None;
        }
        inner.entries.get(key).cloned()
    }

    /// Keeps `value`, which takes about `bytes`, unless the cache is full or of another epoch.
    pub fn put(&self, epoch: (u64, i64), key: String, value: V, bytes: usize) {
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.epoch != epoch || inner.bytes + bytes > self.max_bytes {
            return;
        }
        inner.bytes += bytes;
        inner.entries.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_only_within_their_generation_and_minute() {
        let cache = ResultsCache::new(1024);
        assert!(cache.get((1, 10), "q=a").is_none());
        cache.put((1, 10), "q=a".into(), "A", 1);
        assert_eq!(cache.get((1, 10), "q=a"), Some("A"));
        assert!(cache.get((2, 10), "q=a").is_none(), "a catalogue change drops it");
        cache.put((2, 10), "q=a".into(), "B", 1);
        assert!(cache.get((2, 11), "q=a").is_none(), "the next minute drops it");
    }

    #[test]
    fn a_full_cache_keeps_what_it_has() {
        let cache = ResultsCache::new(10);
        assert_eq!(cache.get((1, 1), "a"), None, "a miss opens the epoch");
        cache.put((1, 1), "a".into(), 1, 8);
        cache.put((1, 1), "b".into(), 2, 8);
        assert_eq!((cache.get((1, 1), "a"), cache.get((1, 1), "b")), (Some(1), None));
    }
}
