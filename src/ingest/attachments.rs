//! Attachment text for search and eligibility: download each attachment politely, then extract its
//! text in a child process with memory and time limits (`connect extract --json`): a parser that
//! loops or blows up takes the child down, never the worker. Never on a request path.

use std::path::Path;
use std::time::Duration;

use deadpool_postgres::Pool;
use fetch::{Fetched, Fetcher, Url};

use crate::catalog::store;

const EXTRACT_TIMEOUT: Duration = Duration::from_secs(60);

/// Extracts the text of every not-yet-read attachment of `program_id`; returns how many were read.
/// A download or extraction failure is stored with its reason (DRM, damaged, …) and not retried
/// by itself; a database error fails the job so that it is retried.
pub async fn extract_program(program_id: i64, fetcher: &Fetcher, db: &Pool, exe: &Path) -> anyhow::Result<usize> {
    let pending = {
        let client = db.get().await?;
        store::attachments_to_extract(&**client, program_id).await?
    };
    let mut read = 0;
    for (position, name, url) in pending {
        let outcome = download_and_extract(&url, fetcher, exe).await;
        if let Err(reason) = &outcome {
            tracing::info!(program_id, attachment = %name, %reason, "attachment not readable");
        }
        read += outcome.is_ok() as usize;
        let client = db.get().await?;
        store::save_attachment_text(&**client, program_id, position, &outcome).await?;
    }
    Ok(read)
}

async fn download_and_extract(url: &str, fetcher: &Fetcher, exe: &Path) -> Result<String, String> {
    let url = Url::parse(url).map_err(|e| format!("잘못된 첨부파일 주소 ({url}): {e}"))?;
    let body = match fetcher.get(&url, None).await.map_err(|e| e.to_string())? {
        Fetched::Body { body, .. } => body,
        Fetched::NotModified { .. } => return Err("304 without a request validator".into()),
    };
    let file = tempfile::NamedTempFile::new().map_err(|e| format!("임시 파일: {e}"))?;
    std::fs::write(file.path(), &body).map_err(|e| format!("임시 파일: {e}"))?;
    let exe = exe.to_path_buf();
    let path = file.path().to_path_buf();
    let extracted = tokio::task::spawn_blocking(move || {
        extract::extract_in_child(&exe, &path, &extract::Limits::default(), EXTRACT_TIMEOUT)
    })
    .await
    .map_err(|e| e.to_string())?;
    extracted.map(|e| e.text).map_err(|e| e.to_string())
}
