//! Catalogue search on one app node: a full-text index ([`text_index`]) for "which programs contain
//! these words", and in-memory summaries ([`summaries`]) for filters, facets, sorting and paging.
//! Both are copies of PostgreSQL kept current by [`sync`], within about a second of a change.

pub mod query;
pub mod results_cache;
pub mod summaries;
pub mod sync;
pub mod text_index;
pub mod tokenizer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{OnceLock, RwLock};
use std::time::Instant;

use crate::catalog::{Clock, ProgramSummary};
use query::{SearchQuery, SearchResult};
use results_cache::ResultsCache;
use summaries::Summaries;
use text_index::TextIndex;
use tokenizer::fold_word;

/// This node's search state. Empty until the first catch-up with PostgreSQL succeeds.
pub struct Search {
    dir: PathBuf,
    loaded: OnceLock<Loaded>,
    started: Instant,
    /// Bumped whenever the searchable catalogue changes: cached results of an older generation are
    /// stale.
    generation: std::sync::atomic::AtomicU64,
    /// Searches computed in this generation and minute (a page view repeats its search's work only
    /// once a minute).
    recent: ResultsCache<SearchResult>,
}

struct Loaded {
    catalogue: String,
    text: TextIndex,
    summaries: RwLock<Summaries>,
    cursor: AtomicI64,
    /// Milliseconds since `started` of the last successful catch-up.
    synced_at_ms: AtomicI64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("검색 색인을 준비하고 있습니다")]
    NotReady,
    #[error(transparent)]
    Index(#[from] anyhow::Error),
}

/// What the health endpoint reports about search on this node.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SearchHealth {
    pub ready: bool,
    pub programs: usize,
    pub indexed_documents: u64,
    /// Seconds since this node last caught up with PostgreSQL.
    pub seconds_since_sync: Option<f64>,
}

impl Search {
    pub fn new(dir: PathBuf) -> Self {
        Search {
            dir,
            loaded: OnceLock::new(),
            started: Instant::now(),
            generation: Default::default(),
            recent: ResultsCache::new(results_cache::SEARCH_BYTES),
        }
    }

    pub fn search(&self, query: &SearchQuery, clock: &Clock) -> Result<SearchResult, SearchError> {
        let loaded = self.loaded.get().ok_or(SearchError::NotReady)?;
        // The query's every field, in one deterministic string.
        let key = format!("{query:?}");
        let epoch = (self.generation(), clock.minute());
        if let Some(result) = self.recent.get(epoch, &key) {
            return Ok(result);
        }
        let result = Self::compute(loaded, query, clock)?;
        let bytes = 512 + 64 * result.hits.len() + 2 * key.len();
        self.recent.put(epoch, key, result.clone(), bytes);
        Ok(result)
    }

    fn compute(loaded: &Loaded, query: &SearchQuery, clock: &Clock) -> Result<SearchResult, SearchError> {
        let words: Vec<Vec<char>> = query.words.iter().map(|w| fold_word(w)).filter(|w| !w.is_empty()).collect();
        let matches = if words.is_empty() {
            None
        } else {
            Some(loaded.text.matches(&words, query.sort == query::Sort::Relevance)?)
        };
        let summaries = loaded.summaries.read().map_err(|_| anyhow::anyhow!("summaries lock poisoned"))?;
        Ok(summaries.search(query, matches.as_deref(), clock))
    }

    pub fn summary(&self, id: i64) -> Option<std::sync::Arc<ProgramSummary>> {
        let summaries = self.loaded.get()?.summaries.read().ok()?;
        summaries.get(id).cloned()
    }

    /// Runs `f` over every program this node knows, e.g. to count them by status for metrics.
    pub fn for_each_summary(&self, mut f: impl FnMut(&ProgramSummary)) {
        if let Some(Ok(summaries)) = self.loaded.get().map(|l| l.summaries.read()) {
            summaries.for_each(|p| f(p));
        }
    }

    /// Which version of the catalogue searches see on this node (0 until loaded).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Moves the generation on without a change of its own: responses rendered from a copy that was
    /// current a moment ago (the Redis one of a program, before its invalidation) are not reused.
    pub fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub fn health(&self) -> SearchHealth {
        match self.loaded.get() {
            None => SearchHealth { ready: false, programs: 0, indexed_documents: 0, seconds_since_sync: None },
            Some(l) => SearchHealth {
                ready: true,
                programs: l.summaries.read().map(|s| s.len()).unwrap_or(0),
                indexed_documents: l.text.num_docs(),
                seconds_since_sync: Some(
                    (self.started.elapsed().as_millis() as i64 - l.synced_at_ms.load(Ordering::Relaxed)) as f64
                        / 1000.0,
                ),
            },
        }
    }
}
