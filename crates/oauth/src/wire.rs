//! Helpers shared by the parsers of provider responses.

use serde::Deserialize;

/// A number of seconds sent as a JSON number (Kakao) or a numeric string (Naver's `"3600"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Seconds {
    Number(u64),
    Text(String),
}

impl Seconds {
    pub(crate) fn get(&self) -> Option<u64> {
        match self {
            Seconds::Number(n) => Some(*n),
            Seconds::Text(text) => text.trim().parse().ok(),
        }
    }
}

/// A user id sent as a JSON number (Kakao) or a string (Naver).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Id {
    Number(u64),
    Text(String),
}

impl Id {
    pub(crate) fn into_subject(self) -> Option<String> {
        match self {
            Id::Number(n) => Some(n.to_string()),
            Id::Text(text) => Some(text).filter(|t| !t.trim().is_empty()),
        }
    }
}

/// Where a body failed to parse, without quoting any of it (it may hold tokens).
pub(crate) fn json_error(error: &serde_json::Error) -> String {
    format!("{:?} JSON error at line {} column {}", error.classify(), error.line(), error.column())
}

/// `Some(text)` for a non-blank string.
pub(crate) fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}
