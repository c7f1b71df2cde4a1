//! Keeping `matches` current, run by the worker every minute (and callable directly): saved profiles
//! first, then catalogue changes since the matcher's cursor. Safe with several workers: events are
//! taken with `SKIP LOCKED`, and the cursor row is locked while the catalogue part runs.

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use tokio_postgres::types::Type;

use super::{best, candidates, organizations, store, KEPT_PER_ORGANIZATION};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rematch {
    pub organizations: usize,
    pub programs: usize,
    pub created: u64,
}

pub async fn rematch_pending(db: &Pool, today: NaiveDate) -> anyhow::Result<Rematch> {
    let mut done = Rematch::default();
    let mut client = db.get().await?;
    // Saved profiles: the organisation against the whole open catalogue.
    let mut catalogue = None;
    loop {
        let tx = client.transaction().await?;
        let events = tx
            .query_typed(
                "SELECT id, subject_id FROM events
                  WHERE kind = 'organization.profile_saved' AND handled_at IS NULL
                  ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED",
                &[],
            )
            .await?;
        if events.is_empty() {
            break;
        }
        let event_ids: Vec<i64> = events.iter().map(|r| r.get(0)).collect();
        let mut org_ids: Vec<i64> = events.iter().map(|r| r.get(1)).collect();
        org_ids.sort_unstable();
        org_ids.dedup();
        if catalogue.is_none() {
            catalogue = Some(candidates(&*tx, today, None).await?);
        }
        let programs = catalogue.as_ref().expect("loaded above");
        for (org_id, facts) in organizations(&*tx, Some(&org_ids)).await? {
            let verdicts = best(&facts, programs, today, KEPT_PER_ORGANIZATION);
            done.created += store::replace_for_organization(&*tx, org_id, &verdicts).await?;
            done.organizations += 1;
        }
        tx.execute_typed("UPDATE events SET handled_at = now() WHERE id = ANY($1)", &[(&event_ids, Type::INT8_ARRAY)])
            .await?;
        tx.commit().await?;
    }

    // Catalogue changes: each changed program against every organisation.
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
        // Changed programs that are no longer candidates (closed, removed, grouped) lose their matches.
        let open_ids: Vec<i64> = open.iter().map(|c| c.id).collect();
        tx.execute_typed(
            "DELETE FROM matches WHERE program_id = ANY($1) AND NOT (program_id = ANY($2))",
            &[(&changed, Type::INT8_ARRAY), (&open_ids, Type::INT8_ARRAY)],
        )
        .await?;
        for (org_id, facts) in organizations(&*tx, None).await? {
            for program in &open {
                let verdict = eligibility::evaluate(&facts, &program.facts, today);
                if store::set_pair(&*tx, org_id, program.id, Some(&verdict)).await? {
                    store::announce(&*tx, org_id, program.id, verdict.score).await?;
                    done.created += 1;
                }
            }
        }
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
