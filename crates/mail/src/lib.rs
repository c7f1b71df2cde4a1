//! Outgoing mail of Connect: an SMTP client on lettre (tokio, rustls with webpki roots).
//!
//! * [`MailConfig`] says where to send: host, port, [`Security`], credentials and sender; it is
//!   usually read from one URL ([`MailConfig::from_url`]) such as `smtp://user:pass@host:587?starttls`.
//! * [`Mailer`] sends a [`Message`] (plain text, optionally with an HTML alternative). Korean
//!   subjects and bodies are encoded by lettre: RFC 2047 `=?utf-8?b?…?=` headers and
//!   quoted-printable or base64 bodies, so the message itself is 7-bit ASCII.
//! * Every failure is a [`MailError`]: a bad recipient is caught before any network traffic,
//!   4xx replies and network trouble are [`MailError::Unavailable`] (try again later), 5xx replies
//!   are [`MailError::Rejected`] (do not retry).
//!
//! The password lives in a [`secrecy::SecretString`]: the `Debug` output of the configuration
//! and every error message leave it out.
//!
//! With the `sink` feature, [`sink::Sink`] is a real SMTP server on 127.0.0.1 that keeps what it
//! receives, for tests.

mod config;
mod error;
mod mailer;
mod message;
#[cfg(feature = "sink")]
pub mod sink;

pub use config::{MailConfig, Security, DEFAULT_FROM, DEFAULT_TIMEOUT};
pub use error::MailError;
pub use lettre::message::Mailbox;
pub use mailer::Mailer;
pub use message::Message;
