//! Duplicate groups as staff see and fix them: a canonical program and the programs pointing at it
//! (`canonical_id`, set by `store::group_duplicates`). Staff split a program out of its group or
//! merge one under another; either decision is kept in `program_group_decisions`, which the grouping
//! code respects on every later scrape. Revisions and undo of these decisions live in
//! `catalog::revisions`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

/// Where a program stands in its group: its canonical record, and whether staff decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub canonical_id: Option<i64>,
    pub decided: bool,
}

pub async fn placement<C: GenericClient>(client: &C, id: i64) -> Result<Option<Placement>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT canonical_id, EXISTS (SELECT 1 FROM program_group_decisions d WHERE d.program_id = p.id)
               FROM programs p WHERE id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    Ok(rows.first().map(|r| Placement { canonical_id: r.get(0), decided: r.get(1) }))
}

/// Why a program cannot be placed where asked, in Korean.
#[derive(Debug, PartialEq)]
pub struct Refused(pub String);

/// Puts program `id` under `placement.canonical_id` (or on its own) and records or forgets the
/// staff decision. A program goes only under a canonical record, and only when nothing is grouped
/// under it, so groups stay one level deep.
pub async fn place<C: GenericClient>(
    client: &C,
    id: i64,
    placement: &Placement,
    actor: i64,
) -> Result<Result<(), Refused>, tokio_postgres::Error> {
    if let Some(canonical) = placement.canonical_id {
        if canonical == id {
            return Ok(Err(Refused("공고를 자기 자신 아래에 묶을 수 없습니다.".into())));
        }
        let rows = client
            .query_typed("SELECT canonical_id FROM programs WHERE id = $1 FOR UPDATE", &[(&canonical, Type::INT8)])
            .await?;
        match rows.first().map(|r| r.get::<_, Option<i64>>(0)) {
            None => return Ok(Err(Refused(format!("공고 #{canonical}을(를) 찾을 수 없습니다.")))),
            Some(Some(other)) => {
                return Ok(Err(Refused(format!(
                    "공고 #{canonical}은(는) 이미 공고 #{other}의 중복으로 묶여 있습니다. #{other} 아래로 묶어 주세요."
                ))))
            }
            Some(None) => {}
        }
        let under: i64 = client
            .query_typed("SELECT count(*) FROM programs WHERE canonical_id = $1", &[(&id, Type::INT8)])
            .await?
            .first()
            .map_or(0, |r| r.get(0));
        if under > 0 {
            return Ok(Err(Refused(format!(
                "이 공고 아래에 중복 공고 {under}건이 묶여 있습니다. 그 공고들을 먼저 나누거나, 반대로 다른 공고를 이 공고 아래로 묶어 주세요."
            ))));
        }
    }
    client
        .execute_typed(
            "UPDATE programs SET canonical_id = $2 WHERE id = $1 AND canonical_id IS DISTINCT FROM $2",
            &[(&id, Type::INT8), (&placement.canonical_id, Type::INT8)],
        )
        .await?;
    if placement.decided {
        client
            .execute_typed(
                "INSERT INTO program_group_decisions (program_id, set_by) VALUES ($1, $2)
                 ON CONFLICT (program_id) DO UPDATE SET set_by = EXCLUDED.set_by, set_at = now()",
                &[(&id, Type::INT8), (&actor, Type::INT8)],
            )
            .await?;
    } else {
        client.execute_typed("DELETE FROM program_group_decisions WHERE program_id = $1", &[(&id, Type::INT8)]).await?;
    }
    Ok(Ok(()))
}

/// One program of a group as the duplicates page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub deadline: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub removed: bool,
    /// Staff placed it here (a merge), rather than the grouping code.
    pub decided: bool,
}

/// A canonical program with the programs grouped under it.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub canonical: Member,
    pub duplicates: Vec<Member>,
}

/// How the groups are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// The group whose latest member Connect saw most recently first.
    #[default]
    Newest,
    /// The group with the most members first.
    Largest,
}

const MEMBER_COLUMNS: &str = "p.id, p.source, p.title, p.period_end, p.source_url, p.removed_at IS NOT NULL,
    EXISTS (SELECT 1 FROM program_group_decisions d WHERE d.program_id = p.id)";

fn member(r: &tokio_postgres::Row) -> Member {
    Member {
        id: r.get(0),
        source: r.get(1),
        title: r.get(2),
        deadline: r.get(3),
        source_url: r.get(4),
        removed: r.get(5),
        decided: r.get(6),
    }
}

/// One page of duplicate groups and how many groups there are.
pub async fn list<C: GenericClient>(
    client: &C,
    order: Order,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Group>, i64), tokio_postgres::Error> {
    let order_by = match order {
        Order::Newest => "max(d.first_seen_at) DESC, c DESC",
        Order::Largest => "count(*) DESC, c DESC",
    };
    let sql = format!(
        "SELECT d.canonical_id AS c FROM programs d WHERE d.canonical_id IS NOT NULL
          GROUP BY d.canonical_id ORDER BY {order_by} LIMIT $1 OFFSET $2"
    );
    let heads = client.query_typed(&sql, &[(&limit, Type::INT8), (&offset, Type::INT8)]).await?;
    let total: i64 = client
        .query_typed("SELECT count(DISTINCT canonical_id) FROM programs WHERE canonical_id IS NOT NULL", &[])
        .await?
        .first()
        .map_or(0, |r| r.get(0));
    let ids: Vec<i64> = heads.iter().map(|r| r.get(0)).collect();
    let sql = format!(
        "SELECT {MEMBER_COLUMNS}, p.canonical_id FROM programs p
          WHERE p.id = ANY($1) OR p.canonical_id = ANY($1) ORDER BY p.id"
    );
    let rows = client.query_typed(&sql, &[(&ids, Type::INT8_ARRAY)]).await?;
    let mut groups: Vec<Group> = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(canonical) = rows.iter().find(|r| r.get::<_, i64>(0) == *id) else { continue };
        let duplicates = rows.iter().filter(|r| r.get::<_, Option<i64>>(7) == Some(*id)).map(member).collect();
        groups.push(Group { canonical: member(canonical), duplicates });
    }
    Ok((groups, total))
}

/// The group program `id` belongs to (as canonical or duplicate), if it has one.
pub async fn of<C: GenericClient>(client: &C, id: i64) -> Result<Option<Group>, tokio_postgres::Error> {
    let Some(place) = placement(client, id).await? else { return Ok(None) };
    let head = place.canonical_id.unwrap_or(id);
    let sql = format!(
        "SELECT {MEMBER_COLUMNS}, p.canonical_id FROM programs p WHERE p.id = $1 OR p.canonical_id = $1 ORDER BY p.id"
    );
    let rows = client.query_typed(&sql, &[(&head, Type::INT8)]).await?;
    let Some(canonical) = rows.iter().find(|r| r.get::<_, i64>(0) == head) else { return Ok(None) };
    let duplicates: Vec<Member> = rows.iter().filter(|r| r.get::<_, i64>(0) != head).map(member).collect();
    if duplicates.is_empty() {
        return Ok(None);
    }
    Ok(Some(Group { canonical: member(canonical), duplicates }))
}
