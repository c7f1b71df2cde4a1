//! Duplicate groups for staff: `GET /api/admin/duplicates?order=newest|largest&page=` lists the
//! groups (a canonical program and the programs grouped under it); `POST
//! /api/admin/programs/{id}/split` takes a program out of its group and `POST
//! /api/admin/programs/{id}/merge` (`{"into": 12}`) puts it under another program. Both decisions
//! survive re-scrapes (`catalog::groups`), are revisions with undo, and are audited.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::rules::program_id;
use super::{commit_edit, note};
use crate::accounts::caller::ClientIp;
use crate::accounts::Admin;
use crate::api::error::ApiError;
use crate::api::json::Body;
use crate::api::AppState;
use crate::catalog::groups::{self, Group, Order, Placement};
use crate::catalog::revisions::{Aspect, Edit};

pub const PER_PAGE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub order: Order,
    pub page: Option<i64>,
}

#[derive(Serialize)]
pub struct GroupPage {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub total_pages: i64,
    pub groups: Vec<Group>,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(query): Query<ListQuery>,
) -> Result<Json<GroupPage>, ApiError> {
    let page = query.page.unwrap_or(1).max(1);
    let client = state.db.get().await?;
    let (groups, total) = groups::list(&**client, query.order, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(Json(GroupPage { total, page, per_page: PER_PAGE, total_pages: (total + PER_PAGE - 1) / PER_PAGE, groups }))
}

#[derive(Deserialize)]
pub struct Split {
    pub note: Option<String>,
}

pub async fn split(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Split>,
) -> Result<Json<Value>, ApiError> {
    let id = program_id(&id)?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let place = groups::placement(&*tx, id).await?.ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))?;
    let Some(canonical) = place.canonical_id else {
        return Err(ApiError::Conflict(
            "이 공고는 다른 공고 아래에 묶여 있지 않습니다. 묶음에서 뺄 중복 공고 쪽에서 나누어 주세요.".into(),
        ));
    };
    let stay_apart = Placement { canonical_id: None, decided: true };
    let edit = Edit {
        program_id: id,
        related_id: Some(canonical),
        action: "split",
        note: note(&form.note),
        changes: vec![(Aspect::Group, json!(stay_apart))],
        undoes: None,
    };
    let detail = json!({ "program_id": id, "from": canonical });
    let revision = commit_edit(&state, tx, (caller.user_id, &ip), edit, "admin.program_split", detail).await?;
    Ok(Json(json!({ "program_id": id, "revision": revision, "message": "묶음에서 나누었습니다." })))
}

#[derive(Deserialize)]
pub struct Merge {
    /// The program to group this one under (or, if that is itself a duplicate, its canonical one).
    pub into: i64,
    pub note: Option<String>,
}

pub async fn merge(
    State(state): State<AppState>,
    Admin(caller): Admin,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Body(form): Body<Merge>,
) -> Result<Json<Value>, ApiError> {
    let id = program_id(&id)?;
    let mut client = state.db.get().await?;
    let tx = client.transaction().await?;
    let target = groups::placement(&*tx, form.into)
        .await?
        .ok_or_else(|| ApiError::bad("into", format!("공고 #{}을(를) 찾을 수 없습니다", form.into)))?;
    let canonical = target.canonical_id.unwrap_or(form.into);
    let current = groups::placement(&*tx, id).await?.ok_or(ApiError::NotFound("공고를 찾을 수 없습니다"))?;
    if current.canonical_id == Some(canonical) {
        return Err(ApiError::Conflict(format!("이미 공고 #{canonical}과(와) 같은 묶음입니다.")));
    }
    let under = Placement { canonical_id: Some(canonical), decided: true };
    let edit = Edit {
        program_id: id,
        related_id: Some(canonical),
        action: "merge",
        note: note(&form.note),
        changes: vec![(Aspect::Group, json!(under))],
        undoes: None,
    };
    let detail = json!({ "program_id": id, "into": canonical });
    let revision = commit_edit(&state, tx, (caller.user_id, &ip), edit, "admin.programs_merged", detail).await?;
    Ok(Json(
        json!({ "program_id": id, "into": canonical, "revision": revision, "message": "같은 사업으로 묶었습니다." }),
    ))
}
