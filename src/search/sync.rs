//! Keeping this node's search copy current: pull the rows written since the last cursor and apply
//! them. Polling through the pool works through PgBouncer (LISTEN would not) and the cursor is a
//! transaction horizon, not a timestamp, so a slow transaction that commits late is never skipped
//! (see `catalog::store::horizon`).

use std::sync::atomic::Ordering;
use std::sync::RwLock;

use deadpool_postgres::Pool;

use super::summaries::Summaries;
use super::text_index::TextIndex;
use super::{Loaded, Search};
use crate::catalog::store;

/// Rows fetched per round trip while catching up.
const PAGE: i64 = 2_000;

impl Search {
    /// Brings this node up to date with PostgreSQL; returns the ids of programs that changed (none on
    /// the first load, which reads everything).
    pub async fn catch_up(&self, pool: &Pool) -> anyhow::Result<Vec<i64>> {
        let client = pool.get().await?;
        let Some(loaded) = self.loaded.get() else {
            self.load(&client).await?;
            return Ok(Vec::new());
        };
        let horizon = store::horizon(&**client).await?;
        let cursor = loaded.cursor.load(Ordering::Acquire);
        let mut changed = Vec::new();
        let mut after_id = 0;
        loop {
            let page = store::changed_since(&**client, cursor, after_id, PAGE).await?;
            let Some(last) = page.last() else { break };
            after_id = last.summary.id;
            loaded.text.apply(&page, false)?;
            let mut summaries = loaded.summaries.write().map_err(|_| anyhow::anyhow!("summaries lock poisoned"))?;
            for row in page {
                changed.push(row.summary.id);
                summaries.upsert(row.summary);
            }
        }
        if !changed.is_empty() {
            loaded.text.commit(&loaded.catalogue, horizon)?;
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        loaded.cursor.store(horizon, Ordering::Release);
        loaded.synced_at_ms.store(self.started.elapsed().as_millis() as i64, Ordering::Relaxed);
        Ok(changed)
    }

    async fn load(&self, client: &tokio_postgres::Client) -> anyhow::Result<()> {
        let catalogue = store::catalogue_id(client).await?;
        let (text, indexed_to) = TextIndex::open(&self.dir, &catalogue)?;
        let horizon = store::horizon(client).await?;
        let mut summaries = Summaries::default();
        let mut after_id = 0;
        loop {
            let page = store::changed_since(client, i64::MIN, after_id, PAGE).await?;
            let Some(last) = page.last() else { break };
            after_id = last.summary.id;
            let (to_index, known): (Vec<_>, Vec<_>) =
                page.into_iter().partition(|row| indexed_to.is_none_or(|cursor| row.change_xid >= cursor));
            text.apply(&to_index, indexed_to.is_none())?;
            for row in to_index.into_iter().chain(known) {
                summaries.upsert(row.summary);
            }
        }
        text.commit(&catalogue, horizon)?;
        tracing::info!(programs = summaries.len(), documents = text.num_docs(), "search index loaded");
        let loaded = Loaded {
            catalogue,
            text,
            summaries: RwLock::new(summaries),
            cursor: horizon.into(),
            synced_at_ms: (self.started.elapsed().as_millis() as i64).into(),
        };
        // Only the sync task loads; a lost race would mean two tasks, and the first one wins.
        let _ = self.loaded.set(loaded);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}
