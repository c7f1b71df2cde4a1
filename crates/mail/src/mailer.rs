//! [`Mailer`]: sends [`Message`]s over SMTP.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::{MailConfig, MailError, Message, Security};

/// An SMTP client. Cloning is cheap (one `Arc`); clones share the configuration.
///
/// Each [`Mailer::send`] opens its own connection (EHLO, STARTTLS or TLS, AUTH, one mail,
/// QUIT), so one broken connection never spoils the next send. The whole of it must finish
/// within [`MailConfig::timeout`].
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
    timeout: Duration,
}

impl Mailer {
    /// Checks the configuration and prepares the transport; connects to nothing yet.
    pub fn new(config: MailConfig) -> Result<Self, MailError> {
        config.validate()?;
        let server = config.server();
        let tls = match config.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters(&config.host)?),
            Security::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(username) = &config.username {
            let password = config.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        let inner = Inner { transport: builder.build(), from: config.from, server, timeout: config.timeout };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The `From:` of the mails.
    pub fn from(&self) -> &Mailbox {
        &self.inner.from
    }

    /// Sends one mail. A bad recipient fails with [`MailError::InvalidAddress`] before any
    /// network traffic; see [`MailError`] for the rest.
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        let email = message.compose(&self.inner.from)?;
        let inner = &*self.inner;
        // lettre bounds only the TCP connect: the whole conversation gets the deadline here.
        match tokio::time::timeout(inner.timeout, inner.transport.send(email)).await {
            Ok(sent) => sent.map(drop).map_err(|e| MailError::from_smtp(&e, &inner.server)),
            Err(_) => Err(MailError::Unavailable {
                server: inner.server.clone(),
                code: None,
                detail: format!("{}초 안에 보내기를 마치지 못했습니다", inner.timeout.as_secs_f64()),
            }),
        }
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer").field("server", &self.inner.server).field("from", &self.inner.from).finish()
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned())
        .map_err(|e| MailError::config(format!("TLS를 준비할 수 없습니다 ({host}): {e}")))
}
