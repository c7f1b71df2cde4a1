//! Writing verdicts to `matches` (multi-row statements over `unnest` arrays, unnamed like every
//! statement through PgBouncer), and telling people about new good matches.

use std::collections::HashMap;

use eligibility::{Gate, Verdict};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

/// A new eligible match at or above this score is announced to members who did not set their own
/// threshold (`notification_settings.min_score` of kind `new_match`), and counted in
/// `matching_state.matches_created`.
pub const ALERT_SCORE: u8 = 70;

fn gate_code(verdict: &Verdict) -> Option<&'static str> {
    match verdict.gate {
        Gate::Eligible => Some("eligible"),
        Gate::Conditional { .. } => Some("conditional"),
        Gate::Ineligible { .. } => None,
    }
}

/// A verdict ready to store: eligible or conditional, its JSON written once.
pub struct Stored {
    pub organization_id: i64,
    pub program_id: i64,
    pub gate: &'static str,
    pub score: i16,
    pub verdict: String,
}

impl Stored {
    /// `None` for an ineligible verdict, which is never stored.
    pub fn new(organization_id: i64, program_id: i64, verdict: &Verdict) -> Option<Stored> {
        Some(Stored {
            organization_id,
            program_id,
            gate: gate_code(verdict)?,
            score: i16::from(verdict.score),
            verdict: serde_json::to_string(verdict).expect("verdicts serialise"),
        })
    }
}

/// Rows per statement when writing matches.
const CHUNK: usize = 5_000;

/// Replaces every match of `organizations` with `rows` (already the best ones): multi-row upserts,
/// then one delete of the rest. A pair that stays keeps its `created_at`. Returns how many rows
/// were written.
pub async fn replace_for_organizations<C: GenericClient>(
    client: &C,
    organizations: &[i64],
    rows: &[Stored],
) -> Result<u64, tokio_postgres::Error> {
    upsert(client, rows).await?;
    remove_unkept(client, Of::Organizations(organizations), rows).await?;
    Ok(rows.len() as u64)
}

/// Inserts or updates `rows` in statements of [`CHUNK`] rows (an unchanged verdict is not written
/// again); returns the (organisation, program) pairs that did not exist before.
pub async fn upsert<C: GenericClient>(client: &C, rows: &[Stored]) -> Result<Vec<(i64, i64)>, tokio_postgres::Error> {
    let mut created = Vec::new();
    for chunk in rows.chunks(CHUNK) {
        let orgs: Vec<i64> = chunk.iter().map(|r| r.organization_id).collect();
        let programs: Vec<i64> = chunk.iter().map(|r| r.program_id).collect();
        let gates: Vec<&str> = chunk.iter().map(|r| r.gate).collect();
        let scores: Vec<i16> = chunk.iter().map(|r| r.score).collect();
        let verdicts: Vec<&str> = chunk.iter().map(|r| r.verdict.as_str()).collect();
        // `xmax = 0` marks a row this statement inserted rather than updated.
        let inserted = client
            .query_typed(
                "INSERT INTO matches (organization_id, program_id, gate, score, verdict, matcher_version)
                 SELECT o, p, g, s, v::jsonb, $6
                   FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int2[], $5::text[]) AS t(o, p, g, s, v)
                 ON CONFLICT (organization_id, program_id) DO UPDATE
                    SET gate = EXCLUDED.gate, score = EXCLUDED.score, verdict = EXCLUDED.verdict,
                        matcher_version = EXCLUDED.matcher_version, computed_at = now()
                  WHERE (matches.gate, matches.score, matches.verdict, matches.matcher_version)
                        IS DISTINCT FROM (EXCLUDED.gate, EXCLUDED.score, EXCLUDED.verdict, EXCLUDED.matcher_version)
                 RETURNING organization_id, program_id, xmax = 0",
                &[
                    (&orgs, Type::INT8_ARRAY),
                    (&programs, Type::INT8_ARRAY),
                    (&gates, Type::TEXT_ARRAY),
                    (&scores, Type::INT2_ARRAY),
                    (&verdicts, Type::TEXT_ARRAY),
                    (&eligibility::MATCHER_VERSION, Type::TEXT),
                ],
            )
            .await?;
        created.extend(inserted.iter().filter(|r| r.get::<_, bool>(2)).map(|r| (r.get(0), r.get(1))));
    }
    Ok(created)
}

/// Per organisation that has at least `keep` matches among programs other than `except`: the
/// `keep`-th best of them as (gate rank, score, program). A changed program enters the matches of
/// such an organisation only when it ranks before that one.
pub async fn thresholds<C: GenericClient>(
    client: &C,
    except: &[i64],
    keep: usize,
) -> Result<HashMap<i64, (u8, u8, i64)>, tokio_postgres::Error> {
    let keep = keep as i64;
    let rows = client
        .query_typed(
            "SELECT organization_id, gate, score, program_id FROM (
                 SELECT organization_id, gate, score, program_id,
                        row_number() OVER (PARTITION BY organization_id
                                           ORDER BY gate <> 'eligible', score DESC, program_id) AS rank
                   FROM matches WHERE NOT (program_id = ANY($1))) ranked
              WHERE rank = $2",
            &[(&except, Type::INT8_ARRAY), (&keep, Type::INT8)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let gate: &str = r.get(1);
            let score: i16 = r.get(2);
            (r.get(0), (u8::from(gate != "eligible"), score.clamp(0, 100) as u8, r.get(3)))
        })
        .collect())
}

/// Whose matches a removal looks at.
pub enum Of<'a> {
    Programs(&'a [i64]),
    Organizations(&'a [i64]),
}

/// Removes the matches of some programs or organisations that are not among `kept` pairs (they
/// became ineligible or fell out of their organisation's best).
pub async fn remove_unkept<C: GenericClient>(
    client: &C,
    of: Of<'_>,
    kept: &[Stored],
) -> Result<u64, tokio_postgres::Error> {
    let (column, ids) = match of {
        Of::Programs(ids) => ("program_id", ids),
        Of::Organizations(ids) => ("organization_id", ids),
    };
    let orgs: Vec<i64> = kept.iter().map(|r| r.organization_id).collect();
    let programs: Vec<i64> = kept.iter().map(|r| r.program_id).collect();
    client
        .execute_typed(
            &format!(
                "DELETE FROM matches m
                  WHERE m.{column} = ANY($1)
                    AND NOT EXISTS (SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS k(o, p)
                                     WHERE k.o = m.organization_id AND k.p = m.program_id)"
            ),
            &[(&ids, Type::INT8_ARRAY), (&orgs, Type::INT8_ARRAY), (&programs, Type::INT8_ARRAY)],
        )
        .await
}

/// Keeps the best `keep` matches of each of `organizations`; returns the pairs removed.
pub async fn trim<C: GenericClient>(
    client: &C,
    organizations: &[i64],
    keep: usize,
) -> Result<Vec<(i64, i64)>, tokio_postgres::Error> {
    let keep = keep as i64;
    let rows = client
        .query_typed(
            "DELETE FROM matches m USING (
                 SELECT organization_id, program_id,
                        row_number() OVER (PARTITION BY organization_id
                                           ORDER BY gate <> 'eligible', score DESC, program_id) AS rank
                   FROM matches WHERE organization_id = ANY($1)) ranked
              WHERE ranked.rank > $2 AND m.organization_id = ranked.organization_id
                AND m.program_id = ranked.program_id
              RETURNING m.organization_id, m.program_id",
            &[(&organizations, Type::INT8_ARRAY), (&keep, Type::INT8)],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A new eligible match: its organisation, program and score.
#[derive(Debug, Clone, Copy)]
pub struct NewMatch {
    pub organization_id: i64,
    pub program_id: i64,
    pub score: u8,
}

/// Tells each member of the organisation of each new eligible match, once, when the score reaches
/// the member's own threshold (`new_match` setting, default [`ALERT_SCORE`]). One statement for
/// all; a notification is skipped like [`crate::notify::create`] skips it (both channels off, no
/// such person) and exists once by its key. Returns how many were created.
pub async fn announce<C: GenericClient>(client: &C, matches: &[NewMatch]) -> Result<u64, tokio_postgres::Error> {
    let mut created = 0;
    for chunk in matches.chunks(CHUNK) {
        let orgs: Vec<i64> = chunk.iter().map(|m| m.organization_id).collect();
        let programs: Vec<i64> = chunk.iter().map(|m| m.program_id).collect();
        let scores: Vec<i16> = chunk.iter().map(|m| i16::from(m.score)).collect();
        let default = i16::from(ALERT_SCORE);
        created += client
            .execute_typed(
                "INSERT INTO notifications (user_id, kind, key, program_id, title, body, link, mail_wanted, read_at)
                 SELECT u.id, 'new_match', 'new_match:' || t.o || ':' || t.p || ':' || u.id, t.p,
                        '새 맞춤 공고: ' || p.title,
                        '기관 프로필에 맞는 새 공고가 올라왔습니다 (적합도 ' || t.s || '점).',
                        '/programs/' || t.p,
                        coalesce(s.mail, true) AND u.email IS NOT NULL,
                        CASE WHEN coalesce(s.in_app, true) THEN NULL ELSE now() END
                   FROM unnest($1::bigint[], $2::bigint[], $3::int2[]) AS t(o, p, s)
                   JOIN programs p ON p.id = t.p
                   JOIN memberships m ON m.organization_id = t.o
                   JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
                   LEFT JOIN notification_settings s ON s.user_id = u.id AND s.kind = 'new_match'
                  WHERE (coalesce(s.mail, true) OR coalesce(s.in_app, true))
                    AND t.s >= coalesce(s.min_score, $4)
                  ORDER BY t.o, t.p, u.id
                 ON CONFLICT (key) DO NOTHING",
                &[
                    (&orgs, Type::INT8_ARRAY),
                    (&programs, Type::INT8_ARRAY),
                    (&scores, Type::INT2_ARRAY),
                    (&default, Type::INT2),
                ],
            )
            .await?;
    }
    Ok(created)
}

/// Tells the people who saved a program that its deadline or documents changed (each change once);
/// returns the last change looked at. Runs under the matcher's lock on `matching_state`.
pub async fn announce_changes<C: GenericClient>(client: &C) -> Result<i64, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT c.id, c.program_id, c.field, c.old_value, c.new_value, p.title, s.user_id
               FROM program_changes c JOIN programs p ON p.id = c.program_id
               LEFT JOIN saved_programs s ON s.program_id = c.program_id
              WHERE c.id > (SELECT change_cursor FROM matching_state)
              ORDER BY c.id",
            &[],
        )
        .await?;
    let mut last = 0;
    for row in rows {
        let (change_id, program_id, field): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
        last = last.max(change_id);
        let Some(user_id) = row.get::<_, Option<i64>>(6) else { continue };
        let (old, new, title): (Option<String>, Option<String>, String) = (row.get(3), row.get(4), row.get(5));
        let body = match field.as_str() {
            "deadline" => format!(
                "마감일이 {}에서 {}(으)로 바뀌었습니다.",
                old.as_deref().unwrap_or("미정"),
                new.as_deref().unwrap_or("미정")
            ),
            "period" => format!("접수 기간이 바뀌었습니다: {}", new.as_deref().unwrap_or("미정")),
            "attachments" => "첨부 서류가 바뀌었습니다. 최신 공고문과 서식을 확인하세요.".to_string(),
            _ => continue,
        };
        let key = format!("program_changed:{change_id}:{user_id}");
        let notice = crate::notify::Notice {
            user_id,
            kind: crate::notify::Kind::ProgramChanged,
            key: &key,
            program_id: Some(program_id),
            title: &format!("공고 변경: {title}"),
            body: &body,
            link: Some(&format!("/programs/{program_id}")),
            html: None,
        };
        crate::notify::create(client, &notice).await?;
    }
    Ok(last)
}
