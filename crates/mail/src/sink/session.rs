//! One SMTP conversation of the sink (RFC 5321 §4.1, the parts lettre uses, and AUTH PLAIN).

use std::io;
use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;

use super::{Received, Reply, Shared};

/// Longest command line, CRLF included (RFC 5321 asks for 512; some room for parameters).
const MAX_COMMAND_LINE: usize = 4096;
/// Longest line of mail content (RFC 5321 asks for 1000; lenient for sloppy clients).
const MAX_TEXT_LINE: usize = 64 * 1024;
/// Largest mail kept.
const MAX_MESSAGE: usize = 16 * 1024 * 1024;

const SERVER_NAME: &str = "sink.connect.test";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Ehlo,
    Helo,
    Mail(String),
    Rcpt(String),
    Data,
    Rset,
    Noop,
    Quit,
    Auth(String),
    Unknown,
    /// A known verb with arguments that do not parse; the text says what is wrong.
    Malformed(&'static str),
}

/// State of one connection.
#[derive(Default)]
struct Session {
    greeted: bool,
    user: Option<String>,
    /// Reverse path of the open transaction, `Some` between MAIL and the end of DATA or RSET.
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }
}

/// Talks SMTP on `stream` until QUIT, end of input, or an I/O error.
pub(super) async fn run(stream: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let (read, mut out) = stream.into_split();
    let mut input = BufReader::new(read);
    let mut session = Session::default();
    reply(&mut out, 220, &format!("{SERVER_NAME} ESMTP Connect test sink")).await?;

    loop {
        let Some(line) = read_line(&mut input, MAX_COMMAND_LINE).await? else { return Ok(()) };
        let Some(line) = command_text(&line) else {
            reply(&mut out, 500, "5.5.6 command line too long or not ASCII").await?;
            return Ok(());
        };
        match parse(line) {
            Command::Ehlo => {
                session.reset();
                session.greeted = true;
                let lines = [SERVER_NAME, "8BITMIME", "SMTPUTF8", "AUTH PLAIN"];
                reply_lines(&mut out, 250, &lines).await?;
            }
            Command::Helo => {
                session.reset();
                session.greeted = true;
                reply(&mut out, 250, SERVER_NAME).await?;
            }
            Command::Mail(_) if !session.greeted => reply(&mut out, 503, "5.5.1 send EHLO or HELO first").await?,
            Command::Mail(_) if session.from.is_some() => reply(&mut out, 503, "5.5.1 nested MAIL command").await?,
            Command::Mail(from) => {
                session.from = Some(from);
                reply(&mut out, 250, "2.1.0 sender ok").await?;
            }
            Command::Rcpt(_) if session.from.is_none() => reply(&mut out, 503, "5.5.1 need MAIL first").await?,
            Command::Rcpt(to) => match shared.take_command_rejection() {
                Some(rejection) => send_reply(&mut out, &rejection).await?,
                None => {
                    session.to.push(to);
                    reply(&mut out, 250, "2.1.5 recipient ok").await?;
                }
            },
            Command::Data if session.to.is_empty() => reply(&mut out, 503, "5.5.1 need RCPT first").await?,
            Command::Data => match shared.take_command_rejection() {
                Some(rejection) => send_reply(&mut out, &rejection).await?,
                None => {
                    reply(&mut out, 354, "end data with <CR><LF>.<CR><LF>").await?;
                    let Some(content) = read_content(&mut input).await? else { return Ok(()) };
                    let from = session.from.take().unwrap_or_default();
                    let to = std::mem::take(&mut session.to);
                    match (content, shared.take_data_rejection()) {
                        (Content::TooLarge, _) => reply(&mut out, 552, "5.3.4 message too big").await?,
                        (Content::Complete(_), Some(rejection)) => send_reply(&mut out, &rejection).await?,
                        (Content::Complete(raw), None) => {
                            let raw = String::from_utf8_lossy(&raw).into_owned();
                            shared.keep(Received { from, to, raw, user: session.user.clone() });
                            reply(&mut out, 250, "2.0.0 queued").await?;
                        }
                    }
                }
            },
            Command::Rset => {
                session.reset();
                reply(&mut out, 250, "2.0.0 ok").await?;
            }
            Command::Noop => reply(&mut out, 250, "2.0.0 ok").await?,
            Command::Quit => {
                reply(&mut out, 221, "2.0.0 bye").await?;
                return out.shutdown().await;
            }
            Command::Auth(_) if !session.greeted => reply(&mut out, 503, "5.5.1 send EHLO first").await?,
            Command::Auth(_) if session.user.is_some() => reply(&mut out, 503, "5.5.1 already authenticated").await?,
            Command::Auth(_) if session.from.is_some() => {
                reply(&mut out, 503, "5.5.1 AUTH not allowed during a mail transaction").await?
            }
            Command::Auth(arguments) => {
                let Some(user) = authenticate(&arguments, &mut input, &mut out).await? else { continue };
                session.user = Some(user);
                reply(&mut out, 235, "2.7.0 authentication successful").await?;
            }
            Command::Unknown => reply(&mut out, 502, "5.5.2 command not implemented").await?,
            Command::Malformed(why) => reply(&mut out, 501, why).await?,
        }
    }
}

/// Parses one command line (without CRLF). Verbs are case-insensitive.
fn parse(line: &str) -> Command {
    let (verb, arguments) = line.split_once(' ').unwrap_or((line, ""));
    let arguments = arguments.trim();
    match verb.to_ascii_uppercase().as_str() {
        "EHLO" | "HELO" if arguments.is_empty() => Command::Malformed("5.5.4 a domain or address literal is required"),
        "EHLO" => Command::Ehlo,
        "HELO" => Command::Helo,
        "MAIL" => match path_after(arguments, "FROM:") {
            Some(from) => Command::Mail(from.to_owned()),
            None => Command::Malformed("5.5.4 syntax: MAIL FROM:<address> [parameters]"),
        },
        "RCPT" => match path_after(arguments, "TO:") {
            Some(to) if !to.is_empty() => Command::Rcpt(to.to_owned()),
            _ => Command::Malformed("5.5.4 syntax: RCPT TO:<address> [parameters]"),
        },
        "DATA" => Command::Data,
        "RSET" => Command::Rset,
        "NOOP" => Command::Noop,
        "QUIT" => Command::Quit,
        "AUTH" => Command::Auth(arguments.to_owned()),
        _ => Command::Unknown,
    }
}

/// The address in `FROM:<address> PARAMS` (prefix case-insensitive, space after the colon
/// tolerated); `<>` gives the empty address.
fn path_after<'a>(arguments: &'a str, prefix: &str) -> Option<&'a str> {
    let head = arguments.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let path = arguments[prefix.len()..].trim_start().strip_prefix('<')?;
    let end = path.find('>')?;
    Some(&path[..end])
}

/// The command without its line end, or `None` for a line cut at the limit or not UTF-8.
fn command_text(line: &[u8]) -> Option<&str> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    std::str::from_utf8(line).ok()
}

/// Mail content as read after 354.
enum Content {
    Complete(Vec<u8>),
    TooLarge,
}

/// Reads mail content up to the line holding a lone dot, removing the dot that the client
/// doubled at the start of lines (RFC 5321 §4.5.2). `None` when the client went away first.
async fn read_content<R: AsyncBufRead + Unpin>(input: &mut R) -> io::Result<Option<Content>> {
    let mut raw = Vec::new();
    let mut too_large = false;
    loop {
        let Some(line) = read_line(input, MAX_TEXT_LINE).await? else { return Ok(None) };
        if line == b".\r\n" || line == b".\n" {
            return Ok(Some(if too_large { Content::TooLarge } else { Content::Complete(raw) }));
        }
        let line = line.strip_prefix(b".").unwrap_or(&line);
        if raw.len() + line.len() > MAX_MESSAGE {
            too_large = true;
            raw = Vec::new();
        }
        if !too_large {
            raw.extend_from_slice(line);
        }
    }
}

/// AUTH PLAIN with the credentials on the command line or after a 334 prompt. Any password
/// is accepted; returns the user name, or `None` after having answered a failure.
async fn authenticate<R: AsyncBufRead + Unpin>(
    arguments: &str,
    input: &mut R,
    out: &mut OwnedWriteHalf,
) -> io::Result<Option<String>> {
    let (mechanism, initial) = arguments.split_once(' ').unwrap_or((arguments, ""));
    if !mechanism.eq_ignore_ascii_case("PLAIN") {
        reply(out, 504, "5.5.4 only AUTH PLAIN is supported").await?;
        return Ok(None);
    }
    let response = if initial.is_empty() {
        reply(out, 334, "").await?;
        let Some(line) = read_line(input, MAX_COMMAND_LINE).await? else { return Ok(None) };
        command_text(&line).unwrap_or_default().to_owned()
    } else {
        initial.trim().to_owned()
    };
    if response == "*" {
        reply(out, 501, "5.7.0 authentication cancelled").await?;
        return Ok(None);
    }
    let user =
        base64::engine::general_purpose::STANDARD.decode(response.trim()).ok().and_then(|decoded| plain_user(&decoded));
    if user.is_none() {
        reply(out, 501, "5.5.2 cannot decode the AUTH PLAIN response").await?;
    }
    Ok(user)
}

/// The authentication identity of `authzid NUL authcid NUL passwd` (RFC 4616).
fn plain_user(decoded: &[u8]) -> Option<String> {
    let mut fields = decoded.split(|b| *b == 0);
    let (_authzid, authcid, _passwd) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || authcid.is_empty() {
        return None;
    }
    String::from_utf8(authcid.to_vec()).ok()
}

/// One line up to and including `\n`, at most `limit` bytes; `None` at end of input, also when
/// the input ended in the middle of a line.
async fn read_line<R: AsyncBufRead + Unpin>(input: &mut R, limit: usize) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let limit = u64::try_from(limit).unwrap_or(u64::MAX);
    (&mut *input).take(limit).read_until(b'\n', &mut line).await?;
    let cut_short = !line.ends_with(b"\n") && line.len() < usize::try_from(limit).unwrap_or(usize::MAX);
    Ok(if line.is_empty() || cut_short { None } else { Some(line) })
}

async fn send_reply(out: &mut OwnedWriteHalf, rejection: &Reply) -> io::Result<()> {
    reply(out, rejection.code, &rejection.text).await
}

async fn reply(out: &mut OwnedWriteHalf, code: u16, text: &str) -> io::Result<()> {
    out.write_all(format!("{code} {text}\r\n").as_bytes()).await
}

/// A multiline reply: `code-line` for all but the last line, `code line` for the last.
async fn reply_lines(out: &mut OwnedWriteHalf, code: u16, lines: &[&str]) -> io::Result<()> {
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let separator = if i + 1 == lines.len() { ' ' } else { '-' };
        text.push_str(&format!("{code}{separator}{line}\r\n"));
    }
    out.write_all(text.as_bytes()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths_with_parameters_and_any_case() {
        assert_eq!(parse("MAIL FROM:<a@b.kr> BODY=8BITMIME"), Command::Mail("a@b.kr".into()));
        assert_eq!(parse("mail from: <>"), Command::Mail(String::new()));
        assert_eq!(parse("RCPT TO:<x@y.kr>"), Command::Rcpt("x@y.kr".into()));
        assert!(matches!(parse("RCPT TO:<>"), Command::Malformed(_)));
        assert!(matches!(parse("MAIL TO:<a@b.kr>"), Command::Malformed(_)));
        assert!(matches!(parse("EHLO"), Command::Malformed(_)));
        assert_eq!(parse("VRFY someone"), Command::Unknown);
    }

    #[test]
    fn reads_the_user_of_auth_plain() {
        assert_eq!(plain_user(b"\0me\0secret"), Some("me".into()));
        assert_eq!(plain_user(b"me\0secret"), None);
    }
}
