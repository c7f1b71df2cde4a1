//! Keeping `matches` current, run by the worker every minute (and callable directly): saved profiles
//! first, then catalogue changes since the matcher's cursor. Safe with several workers: events are
//! taken with `SKIP LOCKED`, and the cursor row is locked while the catalogue part runs.
//!
//! Fast at scale: the catalogue (or the changed programs) is prepared once per run
//! ([`eligibility::Catalogue`]), organisations are judged on every core, Korean verdicts are written
//! only for the matches kept, and every write is a multi-row statement. A changed program enters an
//! organisation's matches only when it ranks among its best [`KEPT_PER_ORGANIZATION`], so a
//! catalogue refresh writes what changes, not every eligible pair.

use std::collections::HashSet;

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use eligibility::{Catalogue, OrgFacts};
use tokio_postgres::types::Type;

use super::store::{self, NewMatch, Stored};
use super::{candidates, organizations, KEPT_PER_ORGANIZATION};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rematch {
    pub organizations: usize,
    pub programs: usize,
    pub created: u64,
}

/// Organisations re-matched per transaction when their profiles were saved.
const PROFILE_BATCH: i64 = 100;

pub async fn rematch_pending(db: &Pool, today: NaiveDate) -> anyhow::Result<Rematch> {
    let mut done = Rematch::default();
    let mut client = db.get().await?;
    // Saved profiles: the organisation against the whole open catalogue, prepared once per run.
    let pending: bool = client
        .query_typed(
            "SELECT EXISTS (SELECT 1 FROM events WHERE kind = 'organization.profile_saved' AND handled_at IS NULL)",
            &[],
        )
        .await?[0]
        .get(0);
    if pending {
        let programs = candidates(&**client, today, None).await?;
        let ids: Vec<i64> = programs.iter().map(|c| c.id).collect();
        let catalogue = cpu(|| Catalogue::new(programs.iter().map(|c| &c.facts)));
        loop {
            let tx = client.transaction().await?;
            let events = tx
                .query_typed(
                    "SELECT id, subject_id FROM events
                      WHERE kind = 'organization.profile_saved' AND handled_at IS NULL
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                    &[(&PROFILE_BATCH, Type::INT8)],
                )
                .await?;
            if events.is_empty() {
                break;
            }
            let event_ids: Vec<i64> = events.iter().map(|r| r.get(0)).collect();
            let mut org_ids: Vec<i64> = events.iter().map(|r| r.get(1)).collect();
            org_ids.sort_unstable();
            org_ids.dedup();
            let orgs = organizations(&*tx, Some(&org_ids)).await?;
            let rows = cpu(|| best_for(&catalogue, &ids, &orgs, today, |_| None));
            done.created += store::replace_for_organizations(&*tx, &org_ids, &rows).await?;
            done.organizations += orgs.len();
            tx.execute_typed(
                "UPDATE events SET handled_at = now() WHERE id = ANY($1)",
                &[(&event_ids, Type::INT8_ARRAY)],
            )
            .await?;
            tx.commit().await?;
        }
    }

    // Catalogue changes: the changed programs against every organisation.
    let tx = client.transaction().await?;
    let cursor: i64 = tx.query_typed("SELECT program_cursor FROM matching_state FOR UPDATE", &[]).await?[0].get(0);
    let horizon = crate::catalog::store::horizon(&*tx).await?;
    let changed: Vec<i64> = tx
        .query_typed("SELECT id FROM programs WHERE change_xid >= $1", &[(&cursor, Type::INT8)])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !changed.is_empty() {
        let open = candidates(&*tx, today, Some(&changed)).await?;
        let orgs = organizations(&*tx, None).await?;
        // The rank each organisation's last kept match has among programs that did not change.
        let limits = store::thresholds(&*tx, &changed, KEPT_PER_ORGANIZATION).await?;
        let ids: Vec<i64> = open.iter().map(|c| c.id).collect();
        let rows = cpu(|| {
            let catalogue = Catalogue::new(open.iter().map(|c| &c.facts));
            best_for(&catalogue, &ids, &orgs, today, |org| limits.get(&org).copied())
        });
        // Written first, so that `upsert` tells which pairs are new; then what is no longer kept
        // goes: changed programs that closed or fell out, and whatever the new ones pushed past
        // the limit.
        let inserted = store::upsert(&*tx, &rows).await?;
        store::remove_unkept(&*tx, store::Of::Programs(&changed), &rows).await?;
        let mut touched: Vec<i64> = inserted.iter().map(|(o, _)| *o).collect();
        touched.sort_unstable();
        touched.dedup();
        let trimmed: HashSet<(i64, i64)> =
            store::trim(&*tx, &touched, KEPT_PER_ORGANIZATION).await?.into_iter().collect();
        let inserted: HashSet<(i64, i64)> = inserted.into_iter().filter(|pair| !trimmed.contains(pair)).collect();
        let new: Vec<NewMatch> = rows
            .iter()
            .filter(|r| r.gate == "eligible" && inserted.contains(&(r.organization_id, r.program_id)))
            .map(|r| NewMatch { organization_id: r.organization_id, program_id: r.program_id, score: r.score as u8 })
            .collect();
        store::announce(&*tx, &new).await?;
        done.created += new.iter().filter(|m| m.score >= store::ALERT_SCORE).count() as u64;
        done.programs = changed.len();
    }
    let change_cursor = store::announce_changes(&*tx).await?;
    tx.execute_typed(
        "UPDATE matching_state SET program_cursor = $1, matches_created = matches_created + $2,
                                   change_cursor = greatest(change_cursor, $3)",
        &[(&horizon, Type::INT8), (&(done.created as i64), Type::INT8), (&change_cursor, Type::INT8)],
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// For each organisation, its best [`KEPT_PER_ORGANIZATION`] eligible or conditional programs of
/// `catalogue` (whose program ids are `ids`) that rank before `limit(org)` (gate rank, score,
/// program id) when it has one, as rows to store. Organisations are shared out over the machine's
/// cores.
fn best_for(
    catalogue: &Catalogue,
    ids: &[i64],
    orgs: &[(i64, OrgFacts)],
    today: NaiveDate,
    limit: impl Fn(i64) -> Option<(u8, u8, i64)> + Sync,
) -> Vec<Stored> {
    let per_org = parallel(orgs, |(org_id, facts)| {
        let limit = limit(*org_id);
        catalogue
            .best_where(facts, today, KEPT_PER_ORGANIZATION, |j| {
                limit.is_none_or(|(gate, score, program)| {
                    (j.gate_rank, std::cmp::Reverse(j.score), ids[j.index]) < (gate, std::cmp::Reverse(score), program)
                })
            })
            .into_iter()
            .filter_map(|(i, verdict)| Stored::new(*org_id, ids[i], &verdict))
            .collect::<Vec<_>>()
    });
    per_org.into_iter().flatten().collect()
}

/// `f` over `items`, in order, on as many threads as the machine has cores.
fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a matcher thread panicked")).collect()
    })
}

/// Runs CPU-bound work without stalling the other tasks of a multi-threaded runtime.
fn cpu<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
