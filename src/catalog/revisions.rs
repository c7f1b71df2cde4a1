//! Every staff edit of a program is a revision (`program_revisions`): who, when, why, and the state
//! before and after of each aspect it touched — a corrected field, the rule correction, or the
//! program's place in its duplicate group. [`apply`] makes an edit and records it; [`undo`] writes an
//! earlier revision's `before` back as a new revision (so an undo can itself be undone), and refuses
//! when an aspect no longer holds what that revision wrote, rather than silently overwrite a later
//! edit. Field changes also reach the program's public history (`program_changes`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::groups::{self, Placement};
use super::status::kst;
use super::{corrections, store};

/// What an edit touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    /// A corrected field; its state is `null` (the source's value) or `{"value": …}`.
    Field(&'static str),
    /// The rule correction; `null` or `{"rules": […], "dropped_kinds": […]}`.
    Rules,
    /// The program's place among duplicates; `{"canonical_id": …, "decided": …}`.
    Group,
}

impl Aspect {
    pub fn key(&self) -> &'static str {
        match self {
            Aspect::Field(name) => name,
            Aspect::Rules => "rules",
            Aspect::Group => "group",
        }
    }

    pub fn parse(key: &str) -> Option<Aspect> {
        match key {
            "rules" => Some(Aspect::Rules),
            "group" => Some(Aspect::Group),
            _ => corrections::FIELDS.iter().find(|(name, _)| *name == key).map(|&(name, _)| Aspect::Field(name)),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Aspect::Field(name) => corrections::label(name),
            Aspect::Rules => "자격 조건",
            Aspect::Group => "중복 묶음",
        }
    }
}

/// An edit of one program, before it is made.
pub struct Edit<'a> {
    pub program_id: i64,
    /// The other program of a split or a merge.
    pub related_id: Option<i64>,
    /// `fields`, `rules`, `split`, `merge` or `undo`.
    pub action: &'static str,
    pub note: Option<&'a str>,
    /// Each aspect with the state it should have.
    pub changes: Vec<(Aspect, Value)>,
    pub undoes: Option<i64>,
}

#[derive(Debug)]
pub enum EditError {
    NotFound,
    /// The edit cannot be made as asked; the message says why, in Korean.
    Refused(String),
    Db(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for EditError {
    fn from(e: tokio_postgres::Error) -> Self {
        EditError::Db(e)
    }
}

/// The state of one aspect of a program now.
pub async fn read<C: GenericClient>(client: &C, id: i64, aspect: Aspect) -> Result<Value, tokio_postgres::Error> {
    Ok(match aspect {
        Aspect::Field(name) => {
            let rows = client
                .query_typed(
                    "SELECT value FROM program_field_overrides WHERE program_id = $1 AND field = $2",
                    &[(&id, Type::INT8), (&name, Type::TEXT)],
                )
                .await?;
            rows.first().map_or(Value::Null, |r| json!({ "value": r.get::<_, Value>(0) }))
        }
        Aspect::Rules => {
            let rows = client
                .query_typed(
                    "SELECT rules, dropped_kinds FROM program_rule_overrides WHERE program_id = $1",
                    &[(&id, Type::INT8)],
                )
                .await?;
            rows.first().map_or(
                Value::Null,
                |r| json!({ "rules": r.get::<_, Value>(0), "dropped_kinds": r.get::<_, Vec<String>>(1) }),
            )
        }
        Aspect::Group => json!(groups::placement(client, id).await?),
    })
}

async fn write<C: GenericClient>(
    client: &C,
    id: i64,
    aspect: Aspect,
    state: &Value,
    actor: i64,
    note: Option<&str>,
) -> Result<(), EditError> {
    match aspect {
        Aspect::Field(name) => corrections::set(client, id, name, state.get("value"), actor).await?,
        Aspect::Rules if state.is_null() => {
            client
                .execute_typed("DELETE FROM program_rule_overrides WHERE program_id = $1", &[(&id, Type::INT8)])
                .await?;
        }
        Aspect::Rules => {
            let rules = state.get("rules").cloned().unwrap_or_else(|| json!([]));
            let dropped: Vec<String> = state
                .get("dropped_kinds")
                .and_then(Value::as_array)
                .map(|kinds| kinds.iter().filter_map(|k| k.as_str().map(String::from)).collect())
                .unwrap_or_default();
            client
                .execute_typed(
                    "INSERT INTO program_rule_overrides (program_id, rules, dropped_kinds, note, set_by)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (program_id) DO UPDATE
                        SET rules = EXCLUDED.rules, dropped_kinds = EXCLUDED.dropped_kinds, note = EXCLUDED.note,
                            set_by = EXCLUDED.set_by, set_at = now()",
                    &[
                        (&id, Type::INT8),
                        (&rules, Type::JSONB),
                        (&dropped, Type::TEXT_ARRAY),
                        (&note, Type::TEXT),
                        (&actor, Type::INT8),
                    ],
                )
                .await?;
        }
        Aspect::Group => {
            let placement: Placement = serde_json::from_value(state.clone())
                .map_err(|_| EditError::Refused("중복 묶음 상태를 읽을 수 없습니다.".into()))?;
            groups::place(client, id, &placement, actor).await?.map_err(|refused| EditError::Refused(refused.0))?;
        }
    }
    Ok(())
}

/// Makes an edit and records it as a revision; returns its id, or `None` when nothing changed (no
/// revision is written then). Call in a transaction: a refused part leaves it to be rolled back.
pub async fn apply<C: GenericClient>(client: &C, actor: i64, edit: Edit<'_>) -> Result<Option<i64>, EditError> {
    let id = edit.program_id;
    // Locks the program: edits of one program are made one at a time.
    let history_before = store::tracked_by_id(client, id).await?.ok_or(EditError::NotFound)?;
    let (mut before, mut after) = (serde_json::Map::new(), serde_json::Map::new());
    for (aspect, state) in &edit.changes {
        let now = read(client, id, *aspect).await?;
        if now == *state {
            continue;
        }
        write(client, id, *aspect, state, actor, edit.note).await?;
        before.insert(aspect.key().into(), now);
        after.insert(aspect.key().into(), state.clone());
    }
    if after.is_empty() {
        return Ok(None);
    }
    // The write moves the program past every follower's cursor: search re-indexes it, the program
    // page's cache is dropped, and the matcher re-matches it (a rules-only edit writes no column).
    client
        .execute_typed(
            "UPDATE programs SET change_xid = pg_current_xact_id()::text::bigint WHERE id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    if let Some(history_after) = store::tracked_by_id(client, id).await? {
        store::record_changes(client, id, &history_before, &history_after).await?;
    }
    let rows = client
        .query_typed(
            "INSERT INTO program_revisions (program_id, related_id, action, actor_id, note, before, after, undoes)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                (&id, Type::INT8),
                (&edit.related_id, Type::INT8),
                (&edit.action, Type::TEXT),
                (&actor, Type::INT8),
                (&edit.note, Type::TEXT),
                (&Value::Object(before), Type::JSONB),
                (&Value::Object(after), Type::JSONB),
                (&edit.undoes, Type::INT8),
            ],
        )
        .await?;
    Ok(rows.first().map(|r| r.get(0)))
}

/// Undoes revision `revision`: writes back the state before it, as a new revision. Refused when an
/// aspect it touched was changed again since (by a later edit of the same field), naming that edit.
/// Returns the new revision and the program it belongs to.
pub async fn undo<C: GenericClient>(
    client: &C,
    actor: i64,
    revision: i64,
    note: Option<&str>,
) -> Result<(i64, i64), EditError> {
    let rows = client
        .query_typed(
            "SELECT program_id, related_id, before, after FROM program_revisions WHERE id = $1",
            &[(&revision, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(EditError::NotFound)?;
    let (program_id, related_id): (i64, Option<i64>) = (row.get(0), row.get(1));
    let (before, after): (Value, Value) = (row.get(2), row.get(3));
    store::tracked_by_id(client, program_id).await?.ok_or(EditError::NotFound)?;
    let mut changes = Vec::new();
    for (key, written) in after.as_object().into_iter().flatten() {
        let aspect = Aspect::parse(key).ok_or_else(|| EditError::Refused(format!("알 수 없는 항목입니다: {key}")))?;
        if read(client, program_id, aspect).await? != *written {
            return Err(EditError::Refused(overwritten(client, program_id, revision, aspect).await?));
        }
        changes.push((aspect, before.get(key).cloned().unwrap_or(Value::Null)));
    }
    let edit = Edit { program_id, related_id, action: "undo", note, changes, undoes: Some(revision) };
    match apply(client, actor, edit).await? {
        Some(id) => Ok((id, program_id)),
        None => Err(EditError::Refused("되돌릴 내용이 없습니다.".into())),
    }
}

/// Why an undo would overwrite a later edit, naming it.
async fn overwritten<C: GenericClient>(
    client: &C,
    program_id: i64,
    revision: i64,
    aspect: Aspect,
) -> Result<String, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT r.id, r.at, coalesce(u.name, u.email, '알 수 없는 사용자') FROM program_revisions r
               LEFT JOIN users u ON u.id = r.actor_id
              WHERE r.program_id = $1 AND r.id > $2 AND r.after ? $3 ORDER BY r.id DESC LIMIT 1",
            &[(&program_id, Type::INT8), (&revision, Type::INT8), (&aspect.key(), Type::TEXT)],
        )
        .await?;
    Ok(match rows.first() {
        Some(r) => {
            let at: DateTime<Utc> = r.get(1);
            format!(
                "「{}」은(는) 이 수정 뒤에 #{} 수정({}, {} KST)으로 다시 바뀌었습니다. 되돌리면 그 수정을 덮어쓰게 되므로 되돌리지 않았습니다. 나중 수정부터 되돌려 주세요.",
                aspect.label(),
                r.get::<_, i64>(0),
                r.get::<_, String>(2),
                at.with_timezone(&kst()).format("%Y-%m-%d %H:%M"),
            )
        }
        None => format!("「{}」이(가) 이 수정 뒤에 다시 바뀌어 되돌릴 수 없습니다.", aspect.label()),
    })
}

/// One revision as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub id: i64,
    pub program_id: i64,
    pub related_id: Option<i64>,
    pub action: String,
    pub actor_id: Option<i64>,
    /// The actor's name, or e-mail without one.
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub before: BTreeMap<String, Value>,
    pub after: BTreeMap<String, Value>,
    /// The revision this one undid.
    pub undoes: Option<i64>,
    /// The latest revision that undid this one.
    pub undone_by: Option<i64>,
}

/// The revisions of a program (including splits and merges it was the other side of), newest first.
pub async fn history<C: GenericClient>(
    client: &C,
    id: i64,
    limit: i64,
) -> Result<Vec<Revision>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT r.id, r.program_id, r.related_id, r.action, r.actor_id, coalesce(u.name, u.email), r.at, r.note,
                    r.before, r.after, r.undoes, (SELECT max(x.id) FROM program_revisions x WHERE x.undoes = r.id)
               FROM program_revisions r LEFT JOIN users u ON u.id = r.actor_id
              WHERE r.program_id = $1 OR r.related_id = $1 ORDER BY r.id DESC LIMIT $2",
            &[(&id, Type::INT8), (&limit, Type::INT8)],
        )
        .await?;
    let map = |v: Value| match v {
        Value::Object(m) => m.into_iter().collect(),
        _ => BTreeMap::new(),
    };
    Ok(rows
        .iter()
        .map(|r| Revision {
            id: r.get(0),
            program_id: r.get(1),
            related_id: r.get(2),
            action: r.get(3),
            actor_id: r.get(4),
            actor: r.get(5),
            at: r.get(6),
            note: r.get(7),
            before: map(r.get(8)),
            after: map(r.get(9)),
            undoes: r.get(10),
            undone_by: r.get(11),
        })
        .collect())
}
