//! Matching: which programs each organisation can win, stored so that pages only read.
//!
//! The worker keeps `matches` current ([`jobs`]): a saved profile (an `organization.profile_saved`
//! event) re-matches that organisation against the open catalogue; programs changed since the
//! matcher's cursor are re-matched against every organisation. Each program's rules are extracted
//! from its title, text and attachment text once per content (`program_rules`, keyed by
//! `content_hash`); an administrator's correction (`program_rule_overrides`) replaces the extracted
//! rules of its kinds, drops the kinds it names, and survives re-scrapes. The verdicts come from crate `eligibility`
//! (deterministic and versioned).

pub mod facts;
pub mod jobs;
pub mod store;

use chrono::NaiveDate;
use eligibility::{AnnouncementKind, Gate, OrgFacts, ProgramFacts, Rule};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use crate::orgs::profile::Profile;
use crate::orgs::Kind;

/// Matches kept per organisation (eligible first, then conditional, by score).
pub const KEPT_PER_ORGANIZATION: usize = 300;

/// Characters of attachment text read for rules (the first pages hold the eligibility section).
const ATTACHMENT_CHARS: i32 = 20_000;

/// A program as the matcher needs it.
pub struct Candidate {
    pub id: i64,
    pub facts: ProgramFacts,
}

fn kind_code(kind: AnnouncementKind) -> &'static str {
    match kind {
        AnnouncementKind::Call => "call",
        AnnouncementKind::Survey => "survey",
        AnnouncementKind::Designated => "designated",
        AnnouncementKind::TrainingOnly => "training_only",
    }
}

fn kind_from_code(code: &str) -> AnnouncementKind {
    match code {
        "survey" => AnnouncementKind::Survey,
        "designated" => AnnouncementKind::Designated,
        "training_only" => AnnouncementKind::TrainingOnly,
        _ => AnnouncementKind::Call,
    }
}

/// Open and upcoming canonical programs (or only `ids`), with their rules; rules of programs whose
/// content changed since extraction are extracted again and stored.
pub async fn candidates<C: GenericClient>(
    client: &C,
    today: NaiveDate,
    ids: Option<&[i64]>,
) -> Result<Vec<Candidate>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT p.id, p.title, p.body, p.category, p.regions, p.target_types, p.period_end, p.budget_krw,
                    p.content_hash || ':' || md5(p.attachment_text), r.content_hash, r.rules, r.kind, o.rules,
                    left(p.attachment_text, $3), p.eligibility_fields, o.dropped_kinds
               FROM programs p
               LEFT JOIN program_rules r ON r.program_id = p.id
               LEFT JOIN program_rule_overrides o ON o.program_id = p.id
              WHERE p.removed_at IS NULL AND p.canonical_id IS NULL
                AND (p.period_end IS NULL OR p.period_end >= $1)
                AND ($2::bigint[] IS NULL OR p.id = ANY($2))
              ORDER BY p.id",
            &[(&today, Type::DATE), (&ids, Type::INT8_ARRAY), (&ATTACHMENT_CHARS, Type::INT4)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.get(0);
        let (title, body): (String, String) = (row.get(1), row.get(2));
        let attachments: String = row.get(13);
        let content_hash: String = row.get(8);
        let stored_hash: Option<String> = row.get(9);
        let (mut rules, kind) = match (stored_hash, row.get::<_, Option<serde_json::Value>>(10)) {
            (Some(hash), Some(rules)) if hash == content_hash => {
                let rules: Vec<Rule> = serde_json::from_value(rules).unwrap_or_default();
                (rules, kind_from_code(row.get::<_, Option<&str>>(11).unwrap_or("call")))
            }
            _ => {
                let text = if attachments.is_empty() { body.clone() } else { format!("{body}\n{attachments}") };
                let fields: Option<eligibility::StructuredFields> =
                    row.get::<_, Option<serde_json::Value>>(14).and_then(|v| serde_json::from_value(v).ok());
                let mut rules = fields.as_ref().map(eligibility::from_structured).unwrap_or_default();
                rules.extend(eligibility::from_text(&text));
                let kind = eligibility::classify_kind(&title, &body);
                let json = serde_json::to_value(&rules).expect("rules serialise");
                client
                    .execute_typed(
                        "INSERT INTO program_rules (program_id, content_hash, rules, kind) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (program_id) DO UPDATE
                            SET content_hash = EXCLUDED.content_hash, rules = EXCLUDED.rules, kind = EXCLUDED.kind,
                                extracted_at = now()",
                        &[
                            (&id, Type::INT8),
                            (&content_hash, Type::TEXT),
                            (&json, Type::JSONB),
                            (&kind_code(kind), Type::TEXT),
                        ],
                    )
                    .await?;
                (rules, kind)
            }
        };
        if let Some(overrides) = row.get::<_, Option<serde_json::Value>>(12) {
            let overrides: Vec<Rule> = serde_json::from_value(overrides).unwrap_or_default();
            let dropped: Vec<String> = row.get::<_, Option<Vec<String>>>(15).unwrap_or_default();
            rules = corrected(rules, overrides, &dropped);
        }
        let regions: Vec<String> = row.get(4);
        let targets: Vec<String> = row.get(5);
        out.push(Candidate {
            id,
            facts: ProgramFacts {
                title,
                body,
                classification: row.get::<_, Option<String>>(3).into_iter().collect(),
                rules,
                target_types: targets.iter().filter_map(|t| facts::org_type(t)).collect(),
                regions: regions.iter().filter_map(|r| normalize::region::Region::from_code(r)).collect(),
                deadline: row.get(6),
                kind,
                budget: row.get(7),
            },
        });
    }
    Ok(out)
}

/// The rules the matcher uses once staff corrected them: a corrected rule replaces the extracted
/// rules of its kind, and dropped kinds go altogether.
pub fn corrected(mut extracted: Vec<Rule>, overrides: Vec<Rule>, dropped: &[String]) -> Vec<Rule> {
    let replaced: Vec<&str> = overrides.iter().map(|r| r.constraint.kind()).collect();
    extracted.retain(|r| !replaced.contains(&r.constraint.kind()) && !dropped.iter().any(|d| d == r.constraint.kind()));
    extracted.extend(overrides);
    extracted
}

/// Organisations (or only `ids`) as the matcher sees them.
pub async fn organizations<C: GenericClient>(
    client: &C,
    ids: Option<&[i64]>,
) -> Result<Vec<(i64, OrgFacts)>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT id, kind, profile FROM organizations WHERE $1::bigint[] IS NULL OR id = ANY($1) ORDER BY id",
            &[(&ids, Type::INT8_ARRAY)],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let kind = Kind::parse(r.get(1))?;
            let profile: Profile = serde_json::from_value(r.get(2)).ok()?;
            Some((r.get(0), facts::org_facts(kind, &profile)))
        })
        .collect())
}

/// The organisation shape `connect match` reads (the API's: kind and profile).
#[derive(serde::Deserialize)]
struct ProfileFile {
    kind: Kind,
    #[serde(default)]
    profile: Profile,
}

/// `connect match`: every verdict of one profile against the open catalogue, as text.
pub async fn explain<C: GenericClient>(client: &C, json: &str, limit: usize, all: bool) -> anyhow::Result<String> {
    use std::fmt::Write;
    let file: ProfileFile =
        serde_json::from_str(json).map_err(|e| anyhow::anyhow!("프로필 JSON을 읽을 수 없습니다: {e}"))?;
    let today = crate::catalog::Clock::now().today();
    let profile = file.profile.validate(today).map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    let org = facts::org_facts(file.kind, &profile);
    let programs = candidates(client, today, None).await?;
    let catalogue = eligibility::Catalogue::new(programs.iter().map(|c| &c.facts));
    let mut out = String::new();
    writeln!(
        out,
        "{} ({}개 공고, {} 기준, {})",
        file.kind.as_str(),
        programs.len(),
        today,
        eligibility::MATCHER_VERSION
    )?;
    let mut shown = 0;
    for judged in catalogue.rank(&org, today) {
        if judged.gate_rank == 2 && !all {
            continue;
        }
        if shown == limit {
            break;
        }
        let i = judged.index;
        let verdict = catalogue.explain(&org, i, today);
        let gate = match &verdict.gate {
            Gate::Eligible => "지원 가능".to_string(),
            Gate::Conditional { missing } => {
                format!("조건부 ({})", missing.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join("; "))
            }
            Gate::Ineligible { failed } => {
                format!("지원 불가 ({})", failed.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; "))
            }
        };
        shown += 1;
        writeln!(out, "\n#{} {} [{}점] {}", programs[i].id, programs[i].facts.title, verdict.score, gate)?;
        for reason in &verdict.reasons {
            writeln!(out, "  + {reason}")?;
        }
        for warning in &verdict.warnings {
            writeln!(out, "  ! {warning}")?;
        }
    }
    if shown == 0 {
        writeln!(out, "\n맞는 공고가 없습니다. --all로 지원할 수 없는 이유까지 볼 수 있습니다.")?;
    }
    Ok(out)
}
