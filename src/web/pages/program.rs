//! `/programs/{id}`: one program, read through the same cached path as `GET /api/programs/{id}`,
//! with its period, organisations, budget, target types in plain Korean, attachments, the link to
//! the source and the changes recorded since Connect first saw it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use normalize::Region;
use tokio_postgres::types::Type;

use super::organisations;
use crate::api::programs::show::{self, ProgramView};
use crate::api::AppState;
use crate::catalog::model::Attachment;
use crate::web::error::PageError;
use crate::web::format::{self, Badge};
use crate::web::page::{self, Chrome};
use crate::web::viewer::MaybeViewer;

/// Recorded changes shown, newest first.
const CHANGES_SHOWN: i64 = 20;

#[derive(Template)]
#[template(path = "program.html")]
pub struct ProgramPage {
    pub page: Chrome,
    pub p: ProgramView,
    pub badge: Badge,
    pub organisations: String,
    pub period: String,
    pub budget: Option<String>,
    pub regions: String,
    pub targets: String,
    pub published_on: Option<String>,
    pub first_seen: String,
    pub last_changed: String,
    pub paragraphs: Vec<String>,
    pub attachments: Vec<AttachmentLink>,
    pub changes: Vec<Change>,
    pub source_name: &'static str,
    pub source_url: Option<String>,
}

pub struct AttachmentLink {
    pub name: String,
    pub url: Option<String>,
    pub kind: &'static str,
}

pub struct Change {
    pub at: String,
    pub field: &'static str,
    /// `old → new` in words, or only that it changed for long text.
    pub summary: String,
}

/// Only web links become `href`s: a scraped `javascript:` URL stays text.
fn web_link(url: Option<&String>) -> Option<String> {
    url.filter(|u| {
        let lower = u.trim_start().to_ascii_lowercase();
        lower.starts_with("https://") || lower.starts_with("http://")
    })
    .cloned()
}

fn attachment_kind(kind: &str) -> &'static str {
    match kind {
        "hwp" | "hwpx" => "한글",
        "pdf" => "PDF",
        "doc" => "워드",
        "xls" => "엑셀",
        "zip" => "압축파일",
        "image" => "그림",
        _ => "파일",
    }
}

/// What sources are called on the page; unknown codes read as a plain "기관 누리집".
pub(crate) fn source_name(source: &str) -> &'static str {
    match source {
        "ntis" => "국가R&D통합공고(NTIS)",
        "iris" => "범부처통합연구지원시스템(IRIS)",
        "bizinfo" => "기업마당",
        "kstartup" => "K-Startup",
        "smes" => "중소벤처24",
        _ => "기관 누리집",
    }
}

fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "공고명",
        "ministry" => "소관부처",
        "agency" => "전문기관",
        "period" => "접수기간",
        "deadline" => "마감일",
        "budget_krw" => "예산",
        "source_url" => "원문 주소",
        "regions" => "지역",
        "body" => "공고 내용",
        "attachments" => "첨부파일",
        _ => "기타",
    }
}

fn shown_value(field: &str, value: Option<&str>) -> String {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return "없음".into();
    };
    match field {
        "budget_krw" => value.parse().map(format::amount).unwrap_or_else(|_| value.into()),
        "deadline" => value.parse().map(format::date).unwrap_or_else(|_| value.into()),
        "regions" => value
            .split(',')
            .map(|code| Region::from_code(code).map(|r| r.label_ko()).unwrap_or(code))
            .collect::<Vec<_>>()
            .join(", "),
        _ if value.chars().count() > 80 => format!("{}…", value.chars().take(80).collect::<String>()),
        _ => value.into(),
    }
}

fn describe(field: &str, old: Option<&str>, new: Option<&str>) -> String {
    if matches!(field, "body" | "attachments") {
        return "내용이 바뀌었습니다".into();
    }
    format!("{} → {}", shown_value(field, old), shown_value(field, new))
}

async fn changes(state: &AppState, id: i64) -> Result<Vec<Change>, PageError> {
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT field, old_value, new_value, changed_at FROM program_changes
              WHERE program_id = $1 ORDER BY changed_at DESC, id DESC LIMIT $2",
            &[(&id, Type::INT8), (&CHANGES_SHOWN, Type::INT8)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let field: String = row.get(0);
            let (old, new): (Option<String>, Option<String>) = (row.get(1), row.get(2));
            let at: DateTime<Utc> = row.get(3);
            Change {
                at: format::datetime(at),
                field: field_label(&field),
                summary: describe(&field, old.as_deref(), new.as_deref()),
            }
        })
        .collect())
}

pub async fn show(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let p = show::view(&state, &id, &crate::catalog::Clock::now()).await?;
    let item = &p.program;
    let changes = changes(&state, item.id).await?;
    let organisations = organisations(item);
    let period = format::period(&item.period);
    let summary: String = p.body.chars().take(140).collect();
    let description = if summary.trim().is_empty() {
        format!("{organisations} 지원사업 공고. 접수기간 {period}.")
    } else {
        summary.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    // A duplicate points search engines at the record the program was first published as.
    let canonical_path = format!("/programs/{}", p.duplicate_of.unwrap_or(item.id));
    let mut chrome =
        Chrome::public(&state, item.title.clone(), &canonical_path, viewer).section("programs").describe(description);
    chrome.og_type = "article";
    if p.removed {
        chrome.canonical = None;
    }
    let mut ld = chrome
        .web_page_ld(&state, &[("홈", "/"), ("지원사업", "/programs"), (item.title.as_str(), canonical_path.as_str())]);
    ld["dateModified"] = serde_json::json!(format::iso(item.last_changed_at));
    if let Some(published) = item.published_on {
        ld["datePublished"] = serde_json::json!(published.to_string());
    }
    let chrome = chrome.with_json_ld(&ld);
    let view = ProgramPage {
        badge: Badge::of(item),
        organisations,
        period,
        budget: item.budget_krw.map(format::amount),
        regions: item.regions.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(", "),
        targets: item.target_types.iter().map(|t| t.label.as_str()).collect::<Vec<_>>().join(", "),
        published_on: item.published_on.map(format::date),
        first_seen: format::datetime(p.first_seen_at),
        last_changed: format::datetime(item.last_changed_at),
        paragraphs: p.body.split('\n').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        attachments: p
            .attachments
            .iter()
            .map(|Attachment { name, url, kind }| AttachmentLink {
                name: name.clone(),
                url: web_link(url.as_ref()),
                kind: attachment_kind(kind),
            })
            .collect(),
        changes,
        source_name: source_name(&item.source),
        source_url: web_link(item.source_url.as_ref()),
        page: chrome,
        p,
    };
    Ok(page::render(StatusCode::OK, &view, &view.page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_in_words() {
        assert_eq!(describe("budget_krw", Some("300000000"), Some("500000000")), "3억 원 → 5억 원");
        assert_eq!(describe("deadline", None, Some("2026-12-01")), "없음 → 2026. 12. 01.(화)");
        assert_eq!(describe("regions", Some("seoul"), Some("seoul,busan")), "서울 → 서울, 부산");
        assert_eq!(describe("body", Some("a"), Some("b")), "내용이 바뀌었습니다");
        assert_eq!(web_link(Some(&"javascript:alert(1)".to_string())), None);
        assert!(web_link(Some(&"https://www.ntis.go.kr/x".to_string())).is_some());
    }
}
