//! `GET /api/me/export?format=json|csv`: everything Connect holds about the caller and the
//! organisations they belong to — and nothing about anyone else (other members appear by role only).

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::orgs::{Access, MemberRole};

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub format: Format,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

/// Rows of a query as JSON objects (column name → value), through PostgreSQL's own `row_to_json`.
async fn rows_as_json<C: tokio_postgres::GenericClient>(client: &C, sql: &str, id: i64) -> Result<Value, ApiError> {
    let rows = client
        .query_typed(&format!("SELECT coalesce(json_agg(t), '[]')::jsonb FROM ({sql}) t"), &[(&id, Type::INT8)])
        .await?;
    Ok(rows[0].get(0))
}

pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let client = state.db.get().await?;
    let id = caller.user_id;
    let user = rows_as_json(
        &**client,
        "SELECT id, email, email_verified_at, name, role, created_at FROM users WHERE id = $1",
        id,
    )
    .await?;
    let identities =
        rows_as_json(&**client, "SELECT provider, subject, email, created_at FROM identities WHERE user_id = $1", id)
            .await?;
    let consents =
        rows_as_json(&**client, "SELECT kind, version, accepted_at, ip FROM consents WHERE user_id = $1", id).await?;
    let sessions = rows_as_json(
        &**client,
        "SELECT created_at, last_seen_at, expires_at, ip, user_agent FROM sessions WHERE user_id = $1",
        id,
    )
    .await?;
    let activity = rows_as_json(
        &**client,
        "SELECT at, action, organization_id, ip, detail FROM audit_log WHERE user_id = $1 OR actor_id = $1 ORDER BY at",
        id,
    )
    .await?;
    let memberships = client
        .query_typed("SELECT organization_id, role FROM memberships WHERE user_id = $1", &[(&id, Type::INT8)])
        .await?;
    let mut organizations = Vec::new();
    for row in memberships {
        let access = Access { organization_id: row.get(0), role: MemberRole::parse(row.get(1)), staff: false };
        let view = crate::api::orgs::view(&**client, &state.accounts.keyring, &access).await?;
        let documents = rows_as_json(
            &**client,
            "SELECT id, kind, file_name, content_type, size_bytes, sha256, created_at FROM documents
              WHERE organization_id = $1",
            access.organization_id,
        )
        .await?;
        let members = rows_as_json(
            &**client,
            "SELECT role, joined_at FROM memberships WHERE organization_id = $1 ORDER BY joined_at",
            access.organization_id,
        )
        .await?;
        organizations.push(json!({ "organization": view, "documents": documents, "members": members }));
    }
    crate::audit::record(&**client, Some(id), "user.data_exported", Some(id), None, &ip, json!({})).await?;
    let data = json!({
        "exported_at": chrono::Utc::now(),
        "user": user.get(0),
        "identities": identities,
        "consents": consents,
        "sessions": sessions,
        "organizations": organizations,
        "activity": activity,
    });
    let (body, content_type, extension) = match query.format {
        Format::Json => (serde_json::to_vec_pretty(&data).map_err(anyhow::Error::from)?, "application/json", "json"),
        Format::Csv => (csv(&data).into_bytes(), "text/csv; charset=utf-8", "csv"),
    };
    let disposition = format!("attachment; filename=\"connect-my-data.{extension}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        ],
        body,
    )
        .into_response())
}

/// The same data as `path,value` rows (one per leaf), with a BOM so that Excel reads Korean as UTF-8.
fn csv(data: &Value) -> String {
    let mut out = String::from("\u{feff}path,value\r\n");
    flatten(data, String::new(), &mut out);
    out
}

fn flatten(value: &Value, path: String, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                flatten(v, if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, format!("{path}[{i}]"), out);
            }
        }
        Value::Null => {}
        Value::String(s) => push_row(out, &path, s),
        other => push_row(out, &path, &other.to_string()),
    }
}

fn push_row(out: &mut String, path: &str, value: &str) {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    // A leading =, +, - or @ would be a formula in a spreadsheet.
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_string() };
    out.push_str(&format!("{},{}\r\n", quote(path), quote(&value)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_flattens_and_quotes() {
        let data = json!({"user": {"name": "김 \"철수\"", "id": 3}, "list": [{"a": "=1+1"}], "none": null});
        let text = csv(&data);
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"user.name\",\"김 \"\"철수\"\"\"\r\n"), "{text}");
        assert!(text.contains("\"user.id\",\"3\""));
        assert!(text.contains("\"list[0].a\",\"'=1+1\""));
        assert!(!text.contains("none"));
    }
}
