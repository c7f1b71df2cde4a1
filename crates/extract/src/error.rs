//! Errors of text extraction, with Korean messages for people and English in parentheses for logs.
//!
//! Every variant is serialisable so that a child process can hand it back to its parent as JSON
//! (see [`crate::child`]).

use serde::{Deserialize, Serialize};

/// Why no text (or no usable text) could be extracted from an attachment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ExtractError {
    /// The file is wrapped by a DRM product (e.g. starts with `SCDSA004`); nothing can read it.
    #[error("DRM으로 보호된 문서입니다 (DRM-protected, {0})")]
    Drm(String),
    /// The document is encrypted with a password the service does not know.
    #[error("암호가 걸린 문서입니다 (password-protected)")]
    PasswordProtected,
    /// The file is damaged so badly that no text could be recovered.
    #[error("손상된 문서입니다 (damaged: {0})")]
    Damaged(String),
    /// The file is of a kind this crate does not read; the string says what it is.
    #[error("지원하지 않는 형식입니다 (unsupported: {0})")]
    Unsupported(String),
    /// The input, or one of its decompressed parts, exceeds a [`crate::Limits`] bound.
    #[error("허용 크기를 넘었습니다 (too large: {what} exceeds {limit} bytes)")]
    TooLarge {
        /// What was too large, e.g. `input` or `BodyText/Section0 decompressed`.
        what: String,
        /// The limit it exceeded, in bytes.
        limit: usize,
    },
    /// The extraction child process did not finish in time and was killed.
    #[error("추출 시간이 초과되었습니다 (timed out after {0} ms)")]
    TimedOut(u64),
    /// The extraction child process could not be started, crashed, or printed no valid answer.
    #[error("추출 프로세스가 실패했습니다 (extraction child failed: {0})")]
    ChildFailed(String),
}
