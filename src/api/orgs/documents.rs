//! An organisation's documents (verification papers, logo): `POST /api/orgs/{id}/documents?kind=…`
//! as multipart (field `file`, up to `CONNECT_UPLOAD_MAX_MB`, the spec's 100 MB), listed, downloaded
//! and deleted by its members; Connect staff may download (audited).
//!
//! The content type is sniffed from the first bytes, never taken from the client; only documents and
//! images we can name are kept (no HTML, SVG or executables). Files live under the uploads directory,
//! outside any web root, and reach a browser only through this handler, as attachments with
//! `nosniff`. A file is written to `tmp/` first and moved into place only when complete: a failed or
//! oversized upload leaves nothing behind.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body as HttpBody;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio_postgres::types::Type;

use crate::accounts::caller::ClientIp;
use crate::accounts::{secret, Caller};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::orgs::{access, parse_id};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Verification,
    Logo,
    Other,
}

impl DocumentKind {
    fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Verification => "verification",
            DocumentKind::Logo => "logo",
            DocumentKind::Other => "other",
        }
    }
}

#[derive(Deserialize)]
pub struct UploadQuery {
    pub kind: DocumentKind,
}

#[derive(Serialize)]
pub struct Document {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// The content type of a file by its first bytes, if it is one we accept.
pub fn sniff(head: &[u8], file_name: &str) -> Option<&'static str> {
    let name = file_name.to_lowercase();
    if head.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else if head.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // Compound File: HWP 5.0 (or an old Office file, kept as such).
        Some(if name.ends_with(".hwp") { "application/x-hwp" } else { "application/x-ole-storage" })
    } else if head.starts_with(b"PK\x03\x04") {
        let hwpx = head.windows(20).any(|w| w == b"application/hwp+zip");
        Some(if hwpx { "application/hwp+zip" } else { "application/zip" })
    } else {
        None
    }
}

fn allowed(kind: DocumentKind, content_type: &str) -> bool {
    match kind {
        DocumentKind::Logo => matches!(content_type, "image/png" | "image/jpeg" | "image/webp"),
        _ => true,
    }
}

fn clean_file_name(raw: Option<&str>) -> String {
    let base = raw.unwrap_or("file").rsplit(['/', '\\']).next().unwrap_or("file");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Query(query): Query<UploadQuery>,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<Document>), ApiError> {
    let organization_id = {
        let client = state.db.get().await?;
        let access = access(&**client, parse_id(&id)?, &caller).await?;
        access.require_manager()?;
        access.organization_id
    };
    let root = &state.accounts.config.upload_dir;
    let max = state.accounts.config.upload_max_bytes;
    let bad_form = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(max)
        } else {
            ApiError::bad("file", format!("업로드 형식이 올바르지 않습니다: {}", e.body_text()))
        }
    };
    let mut field = loop {
        match multipart.next_field().await.map_err(bad_form)? {
            Some(field) if field.name() == Some("file") => break field,
            Some(_) => continue,
            None => return Err(ApiError::bad("file", "file 필드에 파일을 담아 보내 주세요")),
        }
    };
    let file_name = clean_file_name(field.file_name());
    tokio::fs::create_dir_all(root.join("tmp")).await.map_err(anyhow::Error::from)?;
    let temp = tempfile::NamedTempFile::new_in(root.join("tmp")).map_err(anyhow::Error::from)?;
    let mut out = tokio::fs::File::from_std(temp.reopen().map_err(anyhow::Error::from)?);
    let (mut size, mut hasher, mut head) = (0u64, Sha256::new(), Vec::with_capacity(512));
    while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
        size += chunk.len() as u64;
        if size > max {
            return Err(too_large(max));
        }
        if head.len() < 512 {
            head.extend_from_slice(&chunk[..chunk.len().min(512 - head.len())]);
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(anyhow::Error::from)?;
    }
    out.flush().await.map_err(anyhow::Error::from)?;
    if size == 0 {
        return Err(ApiError::bad("file", "빈 파일은 올릴 수 없습니다"));
    }
    let content_type = sniff(&head, &file_name).ok_or_else(|| {
        ApiError::UnsupportedMedia("PDF, HWP, HWPX, ZIP, PNG, JPEG, WebP 파일만 올릴 수 있습니다".into())
    })?;
    if !allowed(query.kind, content_type) {
        return Err(ApiError::UnsupportedMedia("로고는 PNG, JPEG, WebP 이미지만 올릴 수 있습니다".into()));
    }
    let relative = format!("orgs/{organization_id}/{}", secret::token());
    let destination = root.join(&relative);
    tokio::fs::create_dir_all(destination.parent().expect("has a parent")).await.map_err(anyhow::Error::from)?;
    temp.persist(&destination).map_err(|e| anyhow::Error::from(e.error))?;

    let sha256 = hex(&hasher.finalize());
    let saved = async {
        let client = state.db.get().await?;
        let rows = client
            .query_typed(
                "INSERT INTO documents (organization_id, kind, file_name, content_type, size_bytes, sha256, storage_path, uploaded_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at",
                &[
                    (&organization_id, Type::INT8),
                    (&query.kind.as_str(), Type::TEXT),
                    (&file_name, Type::TEXT),
                    (&content_type, Type::TEXT),
                    (&(size as i64), Type::INT8),
                    (&sha256, Type::TEXT),
                    (&relative, Type::TEXT),
                    (&caller.user_id, Type::INT8),
                ],
            )
            .await?;
        crate::audit::record(
            &**client,
            Some(caller.user_id),
            "organization.document_uploaded",
            None,
            Some(organization_id),
            &ip,
            serde_json::json!({ "kind": query.kind.as_str(), "size_bytes": size }),
        )
        .await?;
        Ok::<_, ApiError>(rows)
    }
    .await;
    let rows = match saved {
        Ok(rows) => rows,
        Err(e) => {
            let _ = tokio::fs::remove_file(&destination).await;
            return Err(e);
        }
    };
    Ok((
        StatusCode::CREATED,
        Json(Document {
            id: rows[0].get(0),
            kind: query.kind.as_str().into(),
            file_name,
            content_type: content_type.into(),
            size_bytes: size as i64,
            sha256,
            created_at: rows[0].get(1),
        }),
    ))
}

fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!("파일은 {}MB까지 올릴 수 있습니다", max / 1024 / 1024))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Document>>, ApiError> {
    let client = state.db.get().await?;
    let access = access(&**client, parse_id(&id)?, &caller).await?;
    let rows = client
        .query_typed(
            "SELECT id, kind, file_name, content_type, size_bytes, sha256, created_at FROM documents
              WHERE organization_id = $1 ORDER BY created_at DESC",
            &[(&access.organization_id, Type::INT8)],
        )
        .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Document {
                id: r.get(0),
                kind: r.get(1),
                file_name: r.get(2),
                content_type: r.get(3),
                size_bytes: r.get(4),
                sha256: r.get(5),
                created_at: r.get(6),
            })
            .collect(),
    ))
}

const DOCUMENT_NOT_FOUND: ApiError = ApiError::NotFound("문서를 찾을 수 없습니다");

async fn stored(state: &AppState, organization_id: i64, document: &str) -> Result<(String, String, PathBuf), ApiError> {
    let document: i64 = document.parse().map_err(|_| DOCUMENT_NOT_FOUND)?;
    let client = state.db.get().await?;
    let rows = client
        .query_typed(
            "SELECT file_name, content_type, storage_path FROM documents WHERE id = $1 AND organization_id = $2",
            &[(&document, Type::INT8), (&organization_id, Type::INT8)],
        )
        .await?;
    let row = rows.first().ok_or(DOCUMENT_NOT_FOUND)?;
    let path: String = row.get(2);
    Ok((row.get(0), row.get(1), state.accounts.config.upload_dir.join(FsPath::new(&path))))
}

pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((id, document)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let access = {
        let client = state.db.get().await?;
        access(&**client, parse_id(&id)?, &caller).await?
    };
    let (file_name, content_type, path) = stored(&state, access.organization_id, &document).await?;
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "stored document missing");
        DOCUMENT_NOT_FOUND
    })?;
    if !access.is_member() {
        let client = state.db.get().await?;
        crate::audit::record(
            &**client,
            Some(caller.user_id),
            "organization.document_read_by_staff",
            None,
            Some(access.organization_id),
            &ip,
            serde_json::json!({ "document": document }),
        )
        .await?;
    }
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&file_name));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(anyhow::Error::from)?),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(anyhow::Error::from)?),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    let body = HttpBody::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((headers, body).into_response())
}

fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ClientIp(ip): ClientIp,
    Path((id, document)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let access = {
        let client = state.db.get().await?;
        access(&**client, parse_id(&id)?, &caller).await?
    };
    access.require_manager()?;
    let (_, _, path) = stored(&state, access.organization_id, &document).await?;
    let document: i64 = document.parse().map_err(|_| DOCUMENT_NOT_FOUND)?;
    let client = state.db.get().await?;
    client
        .execute_typed(
            "DELETE FROM documents WHERE id = $1 AND organization_id = $2",
            &[(&document, Type::INT8), (&access.organization_id, Type::INT8)],
        )
        .await?;
    crate::audit::record(
        &**client,
        Some(caller.user_id),
        "organization.document_deleted",
        None,
        Some(access.organization_id),
        &ip,
        serde_json::json!({ "document": document }),
    )
    .await?;
    if let Err(e) = tokio::fs::remove_file(&path).await {
        tracing::warn!(path = %path.display(), error = %e, "document file already gone");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes upload leftovers older than an hour from `tmp/` (a crash mid-upload); run at start-up and
/// by `connect maintenance`.
pub fn clean_temporary(upload_dir: &FsPath) -> usize {
    let Ok(entries) = std::fs::read_dir(upload_dir.join("tmp")) else {
        return 0;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    entries
        .flatten()
        .filter(|e| e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < hour_ago))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_comes_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "a.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "logo.pdf"), Some("image/png"));
        assert_eq!(sniff(b"<html><script>", "doc.pdf"), None);
        assert_eq!(sniff(b"<svg xmlns=", "logo.svg"), None);
        assert_eq!(sniff(b"MZ\x90\x00", "setup.pdf"), None);
        assert_eq!(sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "공고.hwp"), Some("application/x-hwp"));
    }

    #[test]
    fn file_names_lose_paths_and_controls() {
        assert_eq!(clean_file_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(clean_file_name(Some("C:\\x\\사업자등록증.pdf")), "사업자등록증.pdf");
        assert_eq!(clean_file_name(Some("a\r\nb\".pdf")), "ab.pdf");
        assert_eq!(clean_file_name(None), "file");
        assert_eq!(percent_encode("증명 1.pdf"), "%EC%A6%9D%EB%AA%85%201.pdf");
    }
}
