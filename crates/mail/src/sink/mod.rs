//! A small real SMTP server for tests (feature `sink`).
//!
//! [`Sink::start`] listens on `127.0.0.1:0` and speaks enough RFC 5321 for lettre and for a
//! person with a TCP socket: greeting 220; EHLO (advertising 8BITMIME, SMTPUTF8 and AUTH PLAIN)
//! or HELO; MAIL FROM, RCPT TO, DATA (dot-unstuffed, up to `<CRLF>.<CRLF>`), RSET, NOOP, QUIT and
//! AUTH PLAIN (any password is accepted, the user name is recorded). Unknown commands get 502,
//! commands out of order 503, malformed arguments 501.
//!
//! Every accepted mail is kept as a [`Received`]; [`Sink::wait_for`] waits for them. To test
//! failures, [`Sink::reject_next`] answers the next RCPT TO or DATA command with a chosen reply,
//! [`Sink::reject_next_data`] refuses the next mail after its content, and [`Sink::stop`] closes
//! the port and every open connection.

mod received;
mod session;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub use received::Received;

/// A running SMTP sink. Dropping it stops it too.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    server: Mutex<Option<JoinHandle<()>>>,
}

/// What the sessions and the test share.
#[derive(Debug)]
struct Shared {
    messages: watch::Sender<Vec<Received>>,
    rejections: Mutex<Rejections>,
}

/// One-shot replies that replace the normal answer.
#[derive(Debug, Default)]
struct Rejections {
    /// For the next RCPT TO or DATA command.
    command: Option<Reply>,
    /// For the next mail, after its content.
    data: Option<Reply>,
}

#[derive(Clone, Debug)]
struct Reply {
    code: u16,
    text: String,
}

impl Sink {
    /// Starts a sink on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound, which a test cannot do without anyway.
    pub async fn start() -> Sink {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("sink: bind 127.0.0.1:0 for the SMTP sink");
        let addr = listener.local_addr().expect("sink: local address of the listener");
        let shared = Arc::new(Shared { messages: watch::Sender::new(Vec::new()), rejections: Mutex::default() });
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
        Sink { addr, shared, stop, server: Mutex::new(Some(server)) }
    }

    /// The port the sink listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `smtp://127.0.0.1:PORT`, ready for [`crate::MailConfig::from_url`].
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The mails accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.borrow().clone()
    }

    /// Waits until at least `count` mails were accepted and returns all of them.
    ///
    /// # Panics
    /// When fewer than `count` arrived within `timeout`, with the number that did.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let mut messages = self.shared.messages.subscribe();
        let arrived = tokio::time::timeout(timeout, messages.wait_for(|m| m.len() >= count))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|messages| messages.clone());
        arrived.unwrap_or_else(|| {
            panic!("sink: {count} mail(s) expected within {timeout:?}, {} arrived", self.messages().len())
        })
    }

    /// Answers the next RCPT TO or DATA command (whichever comes first, on any connection) with
    /// `code text` instead of accepting it: 550 for a permanent refusal, 451 for a temporary one.
    ///
    /// # Panics
    /// When `code` is not a 4xx or 5xx reply code.
    pub fn reject_next(&self, code: u16, text: impl Into<String>) {
        self.rejections().command = Some(Reply::failure(code, text.into()));
    }

    /// Refuses the next mail after its content was sent (the reply to the final `.`), as a
    /// content filter would; the mail is not kept.
    ///
    /// # Panics
    /// When `code` is not a 4xx or 5xx reply code.
    pub fn reject_next_data(&self, code: u16, text: impl Into<String>) {
        self.rejections().data = Some(Reply::failure(code, text.into()));
    }

    /// Closes the port and every open connection; returns once they are closed. The mails
    /// received so far stay readable.
    pub async fn stop(&self) {
        self.stop.send_replace(true);
        let server = self.server.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(server) = server {
            // A panic in the server task was a bug of the sink: let the test see it.
            if let Err(e) = server.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
    }

    fn rejections(&self) -> std::sync::MutexGuard<'_, Rejections> {
        self.shared.rejections.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl Shared {
    fn take_command_rejection(&self) -> Option<Reply> {
        self.rejections.lock().unwrap_or_else(PoisonError::into_inner).command.take()
    }

    fn take_data_rejection(&self) -> Option<Reply> {
        self.rejections.lock().unwrap_or_else(PoisonError::into_inner).data.take()
    }

    fn keep(&self, message: Received) {
        self.messages.send_modify(|messages| messages.push(message));
    }
}

impl Reply {
    fn failure(code: u16, text: String) -> Reply {
        assert!((400..600).contains(&code), "sink: {code} is not a 4xx or 5xx reply code");
        // One line: a CR or LF would end the reply early.
        Reply { code, text: text.replace(['\r', '\n'], " ") }
    }
}

/// Accepts connections until told to stop, then closes the listener and every session.
async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            // Stop asked, or the Sink dropped.
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    sessions.spawn(session::run(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors and the like: breathe, then accept again.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    drop(listener);
    sessions.shutdown().await;
}
