//! Writing verdicts to `matches`, and telling people about new good matches.

use eligibility::{Gate, Verdict};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

/// A new eligible match at or above this score is announced to the organisation's members.
pub const ALERT_SCORE: u8 = 70;

fn gate_code(verdict: &Verdict) -> Option<&'static str> {
    match verdict.gate {
        Gate::Eligible => Some("eligible"),
        Gate::Conditional { .. } => Some("conditional"),
        Gate::Ineligible { .. } => None,
    }
}

/// Replaces every match of `organization_id` with `verdicts` (already the best ones).
pub async fn replace_for_organization<C: GenericClient>(
    client: &C,
    organization_id: i64,
    verdicts: &[(i64, Verdict)],
) -> Result<u64, tokio_postgres::Error> {
    client.execute_typed("DELETE FROM matches WHERE organization_id = $1", &[(&organization_id, Type::INT8)]).await?;
    insert(client, organization_id, verdicts).await
}

async fn insert<C: GenericClient>(
    client: &C,
    organization_id: i64,
    verdicts: &[(i64, Verdict)],
) -> Result<u64, tokio_postgres::Error> {
    let kept: Vec<&(i64, Verdict)> = verdicts.iter().filter(|(_, v)| gate_code(v).is_some()).collect();
    if kept.is_empty() {
        return Ok(0);
    }
    let programs: Vec<i64> = kept.iter().map(|(id, _)| *id).collect();
    let gates: Vec<&str> = kept.iter().map(|(_, v)| gate_code(v).unwrap_or("conditional")).collect();
    let scores: Vec<i16> = kept.iter().map(|(_, v)| i16::from(v.score)).collect();
    let json: Vec<serde_json::Value> =
        kept.iter().map(|(_, v)| serde_json::to_value(v).expect("verdicts serialise")).collect();
    client
        .execute_typed(
            "INSERT INTO matches (organization_id, program_id, gate, score, verdict, matcher_version)
             SELECT $1, p, g, s, v, $6 FROM unnest($2::bigint[], $3::text[], $4::int2[], $5::jsonb[]) AS t(p, g, s, v)
             ON CONFLICT (organization_id, program_id) DO UPDATE
                SET gate = EXCLUDED.gate, score = EXCLUDED.score, verdict = EXCLUDED.verdict,
                    matcher_version = EXCLUDED.matcher_version, computed_at = now()",
            &[
                (&organization_id, Type::INT8),
                (&programs, Type::INT8_ARRAY),
                (&gates, Type::TEXT_ARRAY),
                (&scores, Type::INT2_ARRAY),
                (&json, Type::JSONB_ARRAY),
                (&eligibility::MATCHER_VERSION, Type::TEXT),
            ],
        )
        .await
}

/// Sets the match of one (organisation, program) pair: stored when eligible or conditional, removed
/// otherwise. True when the pair is a new good match (eligible, score ≥ [`ALERT_SCORE`]).
pub async fn set_pair<C: GenericClient>(
    client: &C,
    organization_id: i64,
    program_id: i64,
    verdict: Option<&Verdict>,
) -> Result<bool, tokio_postgres::Error> {
    let existed = !client
        .query_typed(
            "DELETE FROM matches WHERE organization_id = $1 AND program_id = $2 RETURNING 1",
            &[(&organization_id, Type::INT8), (&program_id, Type::INT8)],
        )
        .await?
        .is_empty();
    let Some(verdict) = verdict.filter(|v| gate_code(v).is_some()) else {
        return Ok(false);
    };
    insert(client, organization_id, &[(program_id, verdict.clone())]).await?;
    Ok(!existed && matches!(verdict.gate, Gate::Eligible) && verdict.score >= ALERT_SCORE)
}

/// Tells each member of the organisation about a new good match, once.
pub async fn announce<C: GenericClient>(
    client: &C,
    organization_id: i64,
    program_id: i64,
    score: u8,
) -> Result<(), tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT m.user_id, p.title FROM memberships m, programs p
              WHERE m.organization_id = $1 AND p.id = $2",
            &[(&organization_id, Type::INT8), (&program_id, Type::INT8)],
        )
        .await?;
    for row in rows {
        let (user_id, title): (i64, String) = (row.get(0), row.get(1));
        let key = format!("new_match:{organization_id}:{program_id}:{user_id}");
        let notice = crate::notify::Notice {
            user_id,
            kind: crate::notify::Kind::NewMatch,
            key: &key,
            program_id: Some(program_id),
            title: &format!("새 맞춤 공고: {title}"),
            body: &format!("기관 프로필에 맞는 새 공고가 올라왔습니다 (적합도 {score}점)."),
            link: Some(&format!("/programs/{program_id}")),
        };
        crate::notify::create(client, &notice).await?;
    }
    Ok(())
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
        };
        crate::notify::create(client, &notice).await?;
    }
    Ok(last)
}
