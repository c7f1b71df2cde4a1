//! Why a payload could not be read. Every message is Korean first, then English, and names
//! the parser kind so an operator can tell which source config to look at.

use crate::Kind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The payload is not what the kind expects (bad JSON/XML, missing envelope or fields).
    #[error("{kind} 응답 형식이 올바르지 않습니다 / malformed {kind} payload: {reason}")]
    Malformed { kind: Kind, reason: String },

    /// The API answered with its own error envelope (e.g. data.go.kr
    /// `SERVICE_KEY_IS_NOT_REGISTERED_ERROR`).
    #[error("API 오류 응답 / API error {code}: {message}")]
    ApiError { code: String, message: String },

    /// A page that answers 200 but holds no announcement (an error or "not found" page, or a
    /// list whose item selector matches nothing).
    #[error("공고 페이지가 아닙니다 / not an announcement page ({kind}): {reason}")]
    NotAnAnnouncementPage { kind: Kind, reason: String },

    /// The bytes cannot be decoded as text in any charset the page or header names.
    #[error("문자 인코딩을 해석할 수 없습니다 / cannot decode text ({charset}): {reason}")]
    Encoding { charset: String, reason: String },

    /// A generic HTML kind was called without selectors, or with one that does not parse.
    #[error("HTML 선택자 설정 오류 / bad selector configuration ({kind}): {reason}")]
    Selectors { kind: Kind, reason: String },

    /// `Kind::from_str` got a code it does not know.
    #[error("알 수 없는 파서 종류 / unknown parser kind: '{0}'")]
    UnknownKind(String),
}

impl ParseError {
    pub(crate) fn malformed(kind: Kind, reason: impl Into<String>) -> Self {
        ParseError::Malformed { kind, reason: reason.into() }
    }

    pub(crate) fn not_announcement(kind: Kind, reason: impl Into<String>) -> Self {
        ParseError::NotAnAnnouncementPage { kind, reason: reason.into() }
    }
}
