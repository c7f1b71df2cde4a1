//! Reading and writing programs in PostgreSQL. Every function takes a client or a transaction so
//! that callers compose them; every statement is `*_typed` (see `db`).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use normalize::period::Period;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{GenericClient, Row};

use super::model::{period_kind, Attachment, ProgramDetail, ProgramInput, ProgramSummary};

/// What an upsert did to the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Inserted(i64),
    Changed(i64),
    Unchanged,
}

/// Inserts a program or updates it when its content changed; an identical record writes nothing.
/// Call inside a transaction: the program row and its attachments change together.
pub async fn upsert<C: GenericClient>(client: &C, p: &ProgramInput) -> Result<Upsert, tokio_postgres::Error> {
    let before = tracked_fields(client, &p.source, &p.external_id).await?;
    let hash = p.content_hash();
    let kind = p.period.kind.as_str();
    let fields = p.eligibility_fields.as_ref().map(|f| serde_json::to_value(f).expect("fields serialise"));
    let params: [(&(dyn ToSql + Sync), Type); 20] = [
        (&p.source, Type::TEXT),
        (&p.external_id, Type::TEXT),
        (&p.title, Type::TEXT),
        (&p.ministry, Type::TEXT),
        (&p.agency, Type::TEXT),
        (&p.announcement_type, Type::TEXT),
        (&p.category, Type::TEXT),
        (&p.regions, Type::TEXT_ARRAY),
        (&p.target_types, Type::TEXT_ARRAY),
        (&p.period_raw, Type::TEXT),
        (&p.period.start, Type::DATE),
        (&p.period.end, Type::DATE),
        (&p.period.end_time, Type::TIME),
        (&kind, Type::TEXT),
        (&p.budget_krw, Type::INT8),
        (&p.body, Type::TEXT),
        (&p.source_url, Type::TEXT),
        (&p.published_on, Type::DATE),
        (&hash, Type::TEXT),
        (&fields, Type::JSONB),
    ];
    let row = client
        .query_typed(
            "INSERT INTO programs (source, external_id, title, ministry, agency, announcement_type, category,
                                   regions, target_types, period_raw, period_start, period_end, period_end_time,
                                   period_kind, budget_krw, body, source_url, published_on, content_hash,
                                   eligibility_fields)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
             ON CONFLICT (source, external_id) DO UPDATE SET
                title = EXCLUDED.title, ministry = EXCLUDED.ministry, agency = EXCLUDED.agency,
                announcement_type = EXCLUDED.announcement_type, category = EXCLUDED.category,
                regions = EXCLUDED.regions, target_types = EXCLUDED.target_types,
                period_raw = EXCLUDED.period_raw, period_start = EXCLUDED.period_start,
                period_end = EXCLUDED.period_end, period_end_time = EXCLUDED.period_end_time,
                period_kind = EXCLUDED.period_kind, budget_krw = EXCLUDED.budget_krw, body = EXCLUDED.body,
                source_url = EXCLUDED.source_url, published_on = EXCLUDED.published_on,
                content_hash = EXCLUDED.content_hash, eligibility_fields = EXCLUDED.eligibility_fields,
                last_changed_at = now(), removed_at = NULL
             WHERE programs.content_hash <> EXCLUDED.content_hash OR programs.removed_at IS NOT NULL
             RETURNING id, (xmax = 0) AS inserted",
            &params,
        )
        .await?;
    let Some(row) = row.first() else {
        return Ok(Upsert::Unchanged);
    };
    let id: i64 = row.get(0);
    let inserted: bool = row.get(1);
    if !inserted {
        client.execute_typed("DELETE FROM program_attachments WHERE program_id = $1", &[(&id, Type::INT8)]).await?;
    }
    for (position, a) in p.attachments.iter().enumerate() {
        let position = position as i32;
        client
            .execute_typed(
                "INSERT INTO program_attachments (program_id, position, name, url, kind) VALUES ($1, $2, $3, $4, $5)",
                &[
                    (&id, Type::INT8),
                    (&position, Type::INT4),
                    (&a.name, Type::TEXT),
                    (&a.url, Type::TEXT),
                    (&a.kind, Type::TEXT),
                ],
            )
            .await?;
    }
    if let (false, Some(before)) = (inserted, before) {
        // Staff corrections win over what the source published; the history records what readers
        // see change, so it compares against the corrected row.
        let after = if super::corrections::apply(client, id).await? {
            tracked_fields(client, &p.source, &p.external_id).await?
        } else {
            None
        };
        record_changes(client, id, &before, &after.unwrap_or_else(|| TrackedFields::of(p))).await?;
    }
    Ok(if inserted { Upsert::Inserted(id) } else { Upsert::Changed(id) })
}

/// The fields whose changes are kept as history, as text.
#[derive(Debug, PartialEq)]
pub struct TrackedFields([(&'static str, Option<String>); 10]);

impl TrackedFields {
    fn of(p: &ProgramInput) -> Self {
        TrackedFields([
            ("title", Some(p.title.clone())),
            ("ministry", p.ministry.clone()),
            ("agency", p.agency.clone()),
            ("period", p.period_raw.clone()),
            ("deadline", p.period.end.map(|d| d.to_string())),
            ("budget_krw", p.budget_krw.map(|b| b.to_string())),
            ("source_url", p.source_url.clone()),
            ("regions", Some(p.regions.join(","))),
            ("body", Some(p.body.clone())),
            ("attachments", Some(p.attachments.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join("\n"))),
        ])
    }
}

const TRACKED_COLUMNS: &str = "title, ministry, agency, period_raw, period_end::text, budget_krw::text, source_url,
    array_to_string(regions, ','), body,
    (SELECT string_agg(name, E'\\n' ORDER BY position) FROM program_attachments a WHERE a.program_id = p.id)";

/// The tracked fields of a stored program, locked for the upsert that follows.
async fn tracked_fields<C: GenericClient>(
    client: &C,
    source: &str,
    external_id: &str,
) -> Result<Option<TrackedFields>, tokio_postgres::Error> {
    let sql = format!("SELECT {TRACKED_COLUMNS} FROM programs p WHERE source = $1 AND external_id = $2 FOR UPDATE");
    let rows = client.query_typed(&sql, &[(&source, Type::TEXT), (&external_id, Type::TEXT)]).await?;
    Ok(rows.first().map(tracked_row))
}

/// The tracked fields of program `id`, locked for the staff edit that follows.
pub async fn tracked_by_id<C: GenericClient>(
    client: &C,
    id: i64,
) -> Result<Option<TrackedFields>, tokio_postgres::Error> {
    let sql = format!("SELECT {TRACKED_COLUMNS} FROM programs p WHERE id = $1 FOR UPDATE");
    let rows = client.query_typed(&sql, &[(&id, Type::INT8)]).await?;
    Ok(rows.first().map(tracked_row))
}

fn tracked_row(r: &Row) -> TrackedFields {
    let text = |i: usize| r.get::<_, Option<String>>(i);
    TrackedFields([
        ("title", text(0)),
        ("ministry", text(1)),
        ("agency", text(2)),
        ("period", text(3)),
        ("deadline", text(4)),
        ("budget_krw", text(5)),
        ("source_url", text(6)),
        ("regions", Some(text(7).unwrap_or_default())),
        ("body", text(8)),
        ("attachments", Some(text(9).unwrap_or_default())),
    ])
}

/// Records what changed in the tracked fields as the program's history (`program_changes`).
pub async fn record_changes<C: GenericClient>(
    client: &C,
    id: i64,
    before: &TrackedFields,
    after: &TrackedFields,
) -> Result<(), tokio_postgres::Error> {
    for ((field, old), (_, new)) in before.0.iter().zip(after.0.iter()) {
        if old != new {
            client
                .execute_typed(
                    "INSERT INTO program_changes (program_id, field, old_value, new_value) VALUES ($1, $2, $3, $4)",
                    &[(&id, Type::INT8), (field, Type::TEXT), (old, Type::TEXT), (new, Type::TEXT)],
                )
                .await?;
        }
    }
    Ok(())
}

/// Notes that a scrape saw these programs, without touching their content (no re-index).
pub async fn mark_seen<C: GenericClient>(
    client: &C,
    source: &str,
    external_ids: &[String],
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute_typed(
            "UPDATE programs SET last_seen_at = now() WHERE source = $1 AND external_id = ANY($2)",
            &[(&source, Type::TEXT), (&external_ids, Type::TEXT_ARRAY)],
        )
        .await
}

/// Marks the programs of `source` that a complete listing no longer shows as removed.
pub async fn mark_removed_except<C: GenericClient>(
    client: &C,
    source: &str,
    seen: &[String],
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute_typed(
            "UPDATE programs SET removed_at = now()
             WHERE source = $1 AND removed_at IS NULL AND NOT (external_id = ANY($2))",
            &[(&source, Type::TEXT), (&seen, Type::TEXT_ARRAY)],
        )
        .await
}

const SUMMARY_COLUMNS: &str = "id, source, external_id, title, ministry, agency, announcement_type, category,
    regions, target_types, period_start, period_end, period_end_time, period_kind, budget_krw, published_on,
    source_url, first_seen_at, last_changed_at, removed_at IS NOT NULL, canonical_id";

fn summary(row: &Row) -> ProgramSummary {
    ProgramSummary {
        id: row.get(0),
        source: row.get(1),
        external_id: row.get(2),
        title: row.get(3),
        ministry: row.get(4),
        agency: row.get(5),
        announcement_type: row.get(6),
        category: row.get(7),
        regions: row.get(8),
        target_types: row.get(9),
        period: Period {
            start: row.get::<_, Option<NaiveDate>>(10),
            end: row.get::<_, Option<NaiveDate>>(11),
            end_time: row.get::<_, Option<NaiveTime>>(12),
            kind: period_kind(row.get(13)),
        },
        budget_krw: row.get(14),
        published_on: row.get(15),
        source_url: row.get(16),
        first_seen_at: row.get::<_, DateTime<Utc>>(17),
        last_changed_at: row.get::<_, DateTime<Utc>>(18),
        removed: row.get(19),
        duplicate_of: row.get(20),
    }
}

/// A program as the search index needs it: the summary plus the text to index (body and
/// attachment text).
pub struct Changed {
    pub summary: ProgramSummary,
    pub body: String,
    /// The transaction that last wrote the row.
    pub change_xid: i64,
}

/// The transaction horizon: every transaction with an id below it has finished. A follower that has
/// read all rows with `change_xid >= cursor` may move its cursor to a horizon taken before the read.
pub async fn horizon<C: GenericClient>(client: &C) -> Result<i64, tokio_postgres::Error> {
    let rows = client.query_typed("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", &[]).await?;
    Ok(rows.first().map(|r| r.get(0)).unwrap_or(0))
}

/// One page, in id order, of the programs written by transactions at or after `since_xid`.
pub async fn changed_since<C: GenericClient>(
    client: &C,
    since_xid: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Changed>, tokio_postgres::Error> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, body || CASE WHEN attachment_text = '' THEN '' ELSE E'\\n' || attachment_text END,
                change_xid FROM programs
         WHERE change_xid >= $1 AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows =
        client.query_typed(&sql, &[(&since_xid, Type::INT8), (&after_id, Type::INT8), (&limit, Type::INT8)]).await?;
    Ok(rows.iter().map(|row| Changed { summary: summary(row), body: row.get(21), change_xid: row.get(22) }).collect())
}

pub async fn detail<C: GenericClient>(client: &C, id: i64) -> Result<Option<ProgramDetail>, tokio_postgres::Error> {
    let sql = format!("SELECT {SUMMARY_COLUMNS}, period_raw, body FROM programs WHERE id = $1");
    let rows = client.query_typed(&sql, &[(&id, Type::INT8)]).await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let attachments = client
        .query_typed(
            "SELECT name, url, kind FROM program_attachments WHERE program_id = $1 ORDER BY position",
            &[(&id, Type::INT8)],
        )
        .await?
        .iter()
        .map(|a| Attachment { name: a.get(0), url: a.get(1), kind: a.get(2) })
        .collect();
    Ok(Some(ProgramDetail { summary: summary(row), period_raw: row.get(21), body: row.get(22), attachments }))
}

/// The identity of the catalogue this database holds (see `catalogue_instance`).
pub async fn catalogue_id<C: GenericClient>(client: &C) -> Result<String, tokio_postgres::Error> {
    let rows = client.query_typed("SELECT id::text FROM catalogue_instance ORDER BY created_at LIMIT 1", &[]).await?;
    Ok(rows.first().map(|r| r.get(0)).unwrap_or_default())
}

/// Groups the programs of `source` under an identical program another source published earlier
/// (same title once case, spaces and punctuation are ignored, same deadline). Distinct programs are
/// never merged: each keeps its row; a duplicate only points at its canonical record. A program
/// staff split out or merged (`program_group_decisions`) stays where staff put it.
pub async fn group_duplicates<C: GenericClient>(client: &C, source: &str) -> Result<u64, tokio_postgres::Error> {
    client
        .execute_typed(
            "WITH groups AS (
                SELECT p.id, min(c.id) AS canonical
                FROM programs p
                JOIN programs c ON c.title_key = p.title_key AND c.period_end IS NOT DISTINCT FROM p.period_end
                 AND c.source <> p.source AND c.canonical_id IS NULL AND c.removed_at IS NULL AND c.id < p.id
                WHERE p.source = $1 AND p.canonical_id IS NULL AND p.removed_at IS NULL AND p.title_key <> ''
                  AND NOT EXISTS (SELECT 1 FROM program_group_decisions d WHERE d.program_id = p.id)
                GROUP BY p.id)
             UPDATE programs SET canonical_id = groups.canonical FROM groups WHERE programs.id = groups.id",
            &[(&source, Type::TEXT)],
        )
        .await
}

/// Attachments of a program that have a URL and were neither extracted nor failed yet.
pub async fn attachments_to_extract<C: GenericClient>(
    client: &C,
    program_id: i64,
) -> Result<Vec<(i32, String, String)>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT position, name, url FROM program_attachments
             WHERE program_id = $1 AND url IS NOT NULL AND text IS NULL AND extract_error IS NULL ORDER BY position",
            &[(&program_id, Type::INT8)],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

/// Stores one attachment's text or why it could not be read, then refreshes the program's
/// searchable attachment text (which re-indexes it).
pub async fn save_attachment_text<C: GenericClient>(
    client: &C,
    program_id: i64,
    position: i32,
    outcome: &Result<String, String>,
) -> Result<(), tokio_postgres::Error> {
    let (text, error) = match outcome {
        Ok(text) => (Some(text.as_str()), None),
        Err(e) => (None, Some(e.as_str())),
    };
    client
        .execute_typed(
            "UPDATE program_attachments SET text = $3, extract_error = $4, extracted_at = now()
             WHERE program_id = $1 AND position = $2",
            &[(&program_id, Type::INT8), (&position, Type::INT4), (&text, Type::TEXT), (&error, Type::TEXT)],
        )
        .await?;
    client
        .execute_typed(
            "UPDATE programs SET attachment_text = coalesce(
                (SELECT string_agg(text, E'\\n' ORDER BY position) FROM program_attachments
                 WHERE program_id = $1 AND text IS NOT NULL), '')
             WHERE id = $1",
            &[(&program_id, Type::INT8)],
        )
        .await?;
    Ok(())
}
