//! Saved programs (`/api/me/saved`, `?format=csv` to download) and saved searches
//! (`/api/me/searches`, the query string of `GET /api/programs`).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;

use crate::accounts::Caller;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;

#[derive(Serialize)]
pub struct SavedProgram {
    pub program_id: i64,
    pub title: String,
    pub agency: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub saved_at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub struct Format {
    pub format: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(format): Query<Format>,
) -> Result<Response, ApiError> {
    let client = state.db.get().await?;
    let saved = saved_programs(&**client, caller.user_id).await?;
    match format.format.as_deref() {
        None | Some("json") => Ok(Json(saved).into_response()),
        Some("csv") => {
            let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let mut csv = String::from("\u{feff}공고번호,공고명,전문기관,마감일,저장일\r\n");
            for s in &saved {
                csv.push_str(&format!(
                    "{},{},{},{},{}\r\n",
                    s.program_id,
                    quote(&s.title),
                    quote(s.agency.as_deref().unwrap_or("")),
                    s.deadline.map(|d| d.to_string()).unwrap_or_default(),
                    s.saved_at.with_timezone(&crate::catalog::status::kst()).format("%Y-%m-%d %H:%M")
                ));
            }
            Ok((
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_static("attachment; filename=\"connect-saved.csv\""),
                    ),
                ],
                csv,
            )
                .into_response())
        }
        Some(_) => Err(ApiError::bad("format", "format은 json 또는 csv여야 합니다")),
    }
}

fn program_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().ok().filter(|id| *id > 0).ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))
}

/// A person's saved programs, the nearest deadline first.
pub async fn saved_programs<C: tokio_postgres::GenericClient>(
    client: &C,
    user_id: i64,
) -> Result<Vec<SavedProgram>, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "SELECT p.id, p.title, p.agency, p.period_end, s.created_at
               FROM saved_programs s JOIN programs p ON p.id = s.program_id
              WHERE s.user_id = $1 ORDER BY p.period_end NULLS LAST, p.id",
            &[(&user_id, Type::INT8)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| SavedProgram {
            program_id: r.get(0),
            title: r.get(1),
            agency: r.get(2),
            deadline: r.get(3),
            saved_at: r.get(4),
        })
        .collect())
}

pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = program_id(&id)?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "INSERT INTO saved_programs (user_id, program_id)
             SELECT $1, id FROM programs WHERE id = $2
             ON CONFLICT DO NOTHING RETURNING 1",
            &[(&caller.user_id, Type::INT8), (&id, Type::INT8)],
        )
        .await?;
    if rows.is_empty() {
        let exists = client.query_typed("SELECT 1 FROM programs WHERE id = $1", &[(&id, Type::INT8)]).await?;
        if exists.is_empty() {
            return Err(ApiError::NotFound("공고를 찾을 수 없습니다"));
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn unsave(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = program_id(&id)?;
    let client = state.db.get().await?;
    client
        .execute_typed(
            "DELETE FROM saved_programs WHERE user_id = $1 AND program_id = $2",
            &[(&caller.user_id, Type::INT8), (&id, Type::INT8)],
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSearch {
    pub name: String,
    pub query: String,
}

pub async fn searches(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<SavedSearch>>, ApiError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT id, name, query, created_at FROM saved_searches WHERE user_id = $1 ORDER BY id",
            &[(&caller.user_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| SavedSearch { id: r.get(0), name: r.get(1), query: r.get(2), created_at: r.get(3) })
            .collect(),
    ))
}

pub async fn save_search(
    State(state): State<AppState>,
    caller: Caller,
    Body(form): Body<NewSearch>,
) -> Result<(StatusCode, Json<SavedSearch>), ApiError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad("name", "검색 이름은 1자 이상 100자 이하여야 합니다"));
    }
    let query = form.query.trim().trim_start_matches('?').to_string();
    // The same rules as the search itself: a saved search that cannot run is refused now.
    crate::api::programs::search::parse(&query).map_err(|e| match e {
        ApiError::BadParameter { parameter, message } => ApiError::bad(&format!("query.{parameter}"), message),
        other => other,
    })?;
    let client = state.db.get().await?;
    let count: i64 = client
        .query_typed("SELECT count(*) FROM saved_searches WHERE user_id = $1", &[(&caller.user_id, Type::INT8)])
        .await?[0]
        .get(0);
    if count >= 50 {
        return Err(ApiError::Conflict("저장한 검색은 50개까지입니다".into()));
    }
    let rows = client
        .query_typed(
            "INSERT INTO saved_searches (user_id, name, query) VALUES ($1, $2, $3) RETURNING id, created_at",
            &[(&caller.user_id, Type::INT8), (&name, Type::TEXT), (&query, Type::TEXT)],
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SavedSearch { id: rows[0].get(0), name: name.to_string(), query, created_at: rows[0].get(1) }),
    ))
}

pub async fn delete_search(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::NotFound("저장한 검색을 찾을 수 없습니다"))?;
    let client = state.db.get().await?;
    let deleted = client
        .execute_typed(
            "DELETE FROM saved_searches WHERE id = $1 AND user_id = $2",
            &[(&id, Type::INT8), (&caller.user_id, Type::INT8)],
        )
        .await?;
    if deleted == 0 {
        return Err(ApiError::NotFound("저장한 검색을 찾을 수 없습니다"));
    }
    Ok(StatusCode::NO_CONTENT)
}
