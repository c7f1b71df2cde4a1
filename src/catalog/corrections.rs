//! Staff corrections of a program's published fields (`program_field_overrides`): the one place
//! that writes them over a program row. The store calls [`apply`] whenever a scrape rewrites a
//! program, so a correction survives re-scrapes; the editor calls [`set`]. Every write goes through
//! the `programs` row, so search, the program page (its cache) and matching follow it as they follow
//! a scrape (see `search::sync`). Revisions and undo live in `catalog::revisions`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use normalize::period::PeriodKind;
use normalize::{AnnouncementType, Region};
use serde_json::Value;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::vocab::target_label;

/// The fields staff may correct (column names) with their Korean labels, in the editor's order.
pub const FIELDS: [(&str, &str); 11] = [
    ("title", "공고명"),
    ("ministry", "소관부처"),
    ("agency", "전문기관"),
    ("announcement_type", "공고 유형"),
    ("period_start", "접수 시작일"),
    ("period_end", "마감일"),
    ("period_kind", "접수 방식"),
    ("budget_krw", "예산 (원)"),
    ("regions", "지역"),
    ("target_types", "지원대상"),
    ("source_url", "원문 주소"),
];

/// The period kinds staff may choose, by code (the program's status follows from them and the dates).
pub const PERIOD_KINDS: [&str; 6] =
    ["range", "deadline_only", "always", "until_budget_exhausted", "varies_by_agency", "unknown"];

pub fn label(field: &str) -> &'static str {
    FIELDS.iter().find(|(name, _)| *name == field).map_or("기타", |(_, label)| *label)
}

/// A correction that cannot be stored: the field and why, in Korean.
#[derive(Debug, PartialEq)]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid { field: field.to_string(), message: message.into() }
}

/// Checks a corrected value and returns it as the column's JSON (text trimmed, empty text null).
pub fn validate(field: &str, value: &Value) -> Result<Value, Invalid> {
    let text = || match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s.trim().to_string())),
        _ => Err(invalid(field, "글자로 입력해 주세요")),
    };
    let codes = || match value {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| invalid(field, "코드 목록이어야 합니다")))
            .collect::<Result<Vec<_>, _>>(),
        Value::Null => Ok(Vec::new()),
        _ => Err(invalid(field, "코드 목록이어야 합니다")),
    };
    match field {
        "title" => match text()? {
            Some(title) => Ok(Value::String(title)),
            None => Err(invalid(field, "공고명은 비워 둘 수 없습니다")),
        },
        "ministry" | "agency" => Ok(text()?.map_or(Value::Null, Value::String)),
        "source_url" => match text()? {
            None => Ok(Value::Null),
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => Ok(Value::String(url)),
            Some(_) => Err(invalid(field, "원문 주소는 http:// 또는 https://로 시작해야 합니다")),
        },
        "announcement_type" => match text()? {
            Some(code) if AnnouncementType::from_code(&code).is_some() => Ok(Value::String(code)),
            _ => Err(invalid(field, "공고 유형을 목록에서 골라 주세요")),
        },
        "period_kind" => match text()? {
            Some(code) if PeriodKind::from_code(&code).is_some() => Ok(Value::String(code)),
            _ => Err(invalid(field, "접수 방식을 목록에서 골라 주세요")),
        },
        "period_start" | "period_end" => match text()? {
            None => Ok(Value::Null),
            Some(date) => date
                .parse::<NaiveDate>()
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| invalid(field, "날짜는 2026-03-31 꼴로 입력해 주세요")),
        },
        "budget_krw" => match value {
            Value::Null => Ok(Value::Null),
            Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
            _ => {
                let won =
                    value.as_i64().or_else(|| value.as_str().and_then(|s| s.replace(',', "").trim().parse().ok()));
                match won {
                    Some(won) if won > 0 => Ok(Value::from(won)),
                    _ => Err(invalid(field, "예산은 원 단위의 양의 정수로 입력해 주세요")),
                }
            }
        },
        "regions" => {
            let codes = codes()?;
            if let Some(bad) = codes.iter().find(|c| Region::from_code(c).is_none()) {
                return Err(invalid(field, format!("알 수 없는 지역 코드입니다: {bad}")));
            }
            Ok(Value::from(codes))
        }
        "target_types" => {
            let codes = codes()?;
            if let Some(bad) = codes.iter().find(|c| target_label(c).is_none()) {
                return Err(invalid(field, format!("알 수 없는 지원대상 코드입니다: {bad}")));
            }
            Ok(Value::from(codes))
        }
        _ => Err(invalid(field, "고칠 수 없는 항목입니다")),
    }
}

/// One stored correction.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Correction {
    pub value: Value,
    /// What the source last published for the field.
    pub source_value: Value,
    pub set_by: Option<i64>,
    pub set_at: chrono::DateTime<chrono::Utc>,
}

/// The corrections of a program, by field.
pub async fn of<C: GenericClient>(client: &C, id: i64) -> Result<BTreeMap<String, Correction>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT field, value, source_value, set_by, set_at FROM program_field_overrides WHERE program_id = $1",
            &[(&id, Type::INT8)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), Correction { value: r.get(1), source_value: r.get(2), set_by: r.get(3), set_at: r.get(4) }))
        .collect())
}

/// The fields of a program as stored now, as the columns' JSON.
pub async fn current<C: GenericClient>(
    client: &C,
    id: i64,
) -> Result<Option<BTreeMap<String, Value>>, tokio_postgres::Error> {
    let rows = client.query_typed("SELECT to_jsonb(p) FROM programs p WHERE id = $1", &[(&id, Type::INT8)]).await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let Value::Object(all) = row.get::<_, Value>(0) else { return Ok(None) };
    Ok(Some(
        FIELDS.iter().map(|(name, _)| (name.to_string(), all.get(*name).cloned().unwrap_or(Value::Null))).collect(),
    ))
}

/// Writes the program's corrections over what a scrape just wrote, first keeping what the source
/// published as each correction's `source_value`. Returns whether the program has corrections.
/// Call in the scrape's transaction, right after the program row was rewritten.
pub async fn apply<C: GenericClient>(client: &C, id: i64) -> Result<bool, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "UPDATE program_field_overrides o SET source_value = coalesce(to_jsonb(p) -> o.field, 'null')
               FROM programs p WHERE p.id = o.program_id AND o.program_id = $1
             RETURNING o.field, o.value",
            &[(&id, Type::INT8)],
        )
        .await?;
    if rows.is_empty() {
        return Ok(false);
    }
    let patch: serde_json::Map<String, Value> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    write(client, id, &Value::Object(patch)).await?;
    Ok(true)
}

/// Corrects one field (`Some`, already [`validate`]d), or removes its correction (`None`), putting
/// back what the source published. Writes the program row, which re-indexes and re-matches it.
pub async fn set<C: GenericClient>(
    client: &C,
    id: i64,
    field: &str,
    value: Option<&Value>,
    actor: i64,
) -> Result<(), tokio_postgres::Error> {
    let restored = match value {
        Some(value) => {
            client
                .execute_typed(
                    "INSERT INTO program_field_overrides (program_id, field, value, source_value, set_by)
                     SELECT id, $2, $3, coalesce(to_jsonb(p) -> $2, 'null'), $4 FROM programs p WHERE id = $1
                     ON CONFLICT (program_id, field) DO UPDATE
                        SET value = EXCLUDED.value, set_by = EXCLUDED.set_by, set_at = now()",
                    &[(&id, Type::INT8), (&field, Type::TEXT), (value, Type::JSONB), (&actor, Type::INT8)],
                )
                .await?;
            value.clone()
        }
        None => {
            let rows = client
                .query_typed(
                    "DELETE FROM program_field_overrides WHERE program_id = $1 AND field = $2 RETURNING source_value",
                    &[(&id, Type::INT8), (&field, Type::TEXT)],
                )
                .await?;
            match rows.first() {
                Some(row) => row.get(0),
                None => return Ok(()),
            }
        }
    };
    let mut patch = serde_json::Map::new();
    patch.insert(field.to_string(), restored);
    write(client, id, &Value::Object(patch)).await
}

/// Writes `patch` (column name → JSON value, typed by PostgreSQL through the row type) over the
/// program's row; columns it does not name keep their value.
async fn write<C: GenericClient>(client: &C, id: i64, patch: &Value) -> Result<(), tokio_postgres::Error> {
    client
        .execute_typed(
            "UPDATE programs p SET
                title = CASE WHEN $2 ? 'title' THEN r.title ELSE p.title END,
                ministry = CASE WHEN $2 ? 'ministry' THEN r.ministry ELSE p.ministry END,
                agency = CASE WHEN $2 ? 'agency' THEN r.agency ELSE p.agency END,
                announcement_type = CASE WHEN $2 ? 'announcement_type' THEN r.announcement_type ELSE p.announcement_type END,
                regions = CASE WHEN $2 ? 'regions' THEN coalesce(r.regions, '{}') ELSE p.regions END,
                target_types = CASE WHEN $2 ? 'target_types' THEN coalesce(r.target_types, '{}') ELSE p.target_types END,
                period_start = CASE WHEN $2 ? 'period_start' THEN r.period_start ELSE p.period_start END,
                period_end = CASE WHEN $2 ? 'period_end' THEN r.period_end ELSE p.period_end END,
                period_kind = CASE WHEN $2 ? 'period_kind' THEN r.period_kind ELSE p.period_kind END,
                budget_krw = CASE WHEN $2 ? 'budget_krw' THEN r.budget_krw ELSE p.budget_krw END,
                source_url = CASE WHEN $2 ? 'source_url' THEN r.source_url ELSE p.source_url END,
                last_changed_at = now()
               FROM jsonb_populate_record(NULL::programs, $2) r
              WHERE p.id = $1",
            &[(&id, Type::INT8), (patch, Type::JSONB)],
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn corrections_are_checked_and_normalised() {
        assert_eq!(validate("title", &json!("  새 제목 ")), Ok(json!("새 제목")));
        assert!(validate("title", &json!("")).is_err());
        assert_eq!(validate("ministry", &json!("")), Ok(Value::Null));
        assert_eq!(validate("budget_krw", &json!("300,000,000")), Ok(json!(300_000_000)));
        assert!(validate("budget_krw", &json!(-5)).is_err());
        assert_eq!(validate("period_end", &json!("2026-03-31")), Ok(json!("2026-03-31")));
        assert!(validate("period_end", &json!("3월 31일")).is_err());
        assert_eq!(validate("regions", &json!(["seoul", "busan"])), Ok(json!(["seoul", "busan"])));
        assert_eq!(validate("regions", &json!(["atlantis"])).unwrap_err().field, "regions");
        assert!(validate("source_url", &json!("javascript:alert(1)")).is_err());
        assert!(validate("period_kind", &json!("always")).is_ok());
        assert!(validate("body", &json!("x")).is_err());
        assert_eq!(label("period_end"), "마감일");
    }
}
