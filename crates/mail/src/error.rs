//! The errors of sending mail, with Korean messages for people.

use std::error::Error as _;

use lettre::transport::smtp;

/// Why a mail was not sent.
///
/// None of the messages contains the SMTP password.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient is not an e-mail address; nothing was sent.
    #[error("이메일 주소가 올바르지 않습니다: {address:?}")]
    InvalidAddress { address: String },
    /// The server could not be reached, timed out, or answered with a temporary 4xx reply.
    /// Sending the same mail later may succeed.
    #[error("메일 서버({server})에 지금은 메일을 보낼 수 없습니다: {detail}")]
    Unavailable {
        server: String,
        /// The 4xx reply code, when the server answered.
        code: Option<u16>,
        detail: String,
    },
    /// The server refused the mail for good with a 5xx reply; retrying will not help.
    #[error("메일 서버({server})가 메일을 거부했습니다: {code} {reply}")]
    Rejected { server: String, code: u16, reply: String },
    /// The configuration is unusable (bad URL, sender, TLS setup, no common AUTH mechanism…).
    #[error("메일 설정이 올바르지 않습니다: {0}")]
    Config(String),
}

impl MailError {
    /// True when sending the same mail again later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    pub(crate) fn config(detail: impl Into<String>) -> Self {
        Self::Config(detail.into())
    }

    /// Sorts a lettre SMTP error into temporary, permanent and configuration failures.
    pub(crate) fn from_smtp(err: &smtp::Error, server: &str) -> Self {
        let server = server.to_owned();
        let reply = || err.source().map(ToString::to_string).unwrap_or_default();
        match err.status().map(u16::from) {
            Some(code) if err.is_permanent() => Self::Rejected { server, code, reply: reply() },
            Some(code) => Self::Unavailable { server, code: Some(code), detail: reply() },
            // lettre's own refusals: no AUTH mechanism in common, non-ASCII without SMTPUTF8.
            None if err.is_client() => Self::Config(format!("{server}: {err}")),
            None => Self::Unavailable { server, code: None, detail: err.to_string() },
        }
    }
}
