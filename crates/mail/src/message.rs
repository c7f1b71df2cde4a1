//! A mail to one recipient, and its MIME form.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Address;

use crate::MailError;

/// A mail to one recipient: plain text, with an optional HTML alternative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The recipient's address, e.g. `user@example.com` (no display name).
    pub to: String,
    pub subject: String,
    pub text: String,
    /// When present the mail is `multipart/alternative` with `text` first, as the RFC asks.
    pub html: Option<String>,
    /// A one-click unsubscribe URL (RFC 8058): sent as `List-Unsubscribe` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, so mail clients offer the button.
    pub unsubscribe: Option<String>,
}

impl Message {
    /// A plain-text mail.
    pub fn new(to: impl Into<String>, subject: impl Into<String>, text: impl Into<String>) -> Self {
        Self { to: to.into(), subject: subject.into(), text: text.into(), html: None, unsubscribe: None }
    }

    /// The same mail with an HTML alternative.
    pub fn with_html(mut self, html: impl Into<String>) -> Self {
        self.html = Some(html.into());
        self
    }

    /// The recipient as an address, or [`MailError::InvalidAddress`]. Surrounding spaces are ignored.
    pub fn recipient(&self) -> Result<Address, MailError> {
        self.to.trim().parse().map_err(|_| MailError::InvalidAddress { address: self.to.clone() })
    }

    /// The MIME message from `from`, with a fresh Message-ID in the sender's domain.
    pub(crate) fn compose(&self, from: &Mailbox) -> Result<lettre::Message, MailError> {
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .to(Mailbox::new(None, self.recipient()?))
            .subject(self.subject.as_str())
            .message_id(Some(format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.email.domain())));
        if let Some(url) = &self.unsubscribe {
            if url.contains(['\r', '\n', '>']) {
                return Err(MailError::config("수신 거부 주소에 쓸 수 없는 문자가 있습니다"));
            }
            let header =
                |name: &'static str, value: String| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
            builder = builder
                .raw_header(header("List-Unsubscribe", format!("<{url}>")))
                .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()));
        }
        let built = match &self.html {
            None => builder.singlepart(SinglePart::plain(self.text.clone())),
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(self.text.clone(), html.clone())),
        };
        built.map_err(|e| MailError::config(format!("메일을 만들 수 없습니다: {e}")))
    }
}
