//! The sink's SMTP, spoken by hand over TCP.

use std::time::Duration;

use mail::sink::Sink;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

const WAIT: Duration = Duration::from_secs(10);

/// A hand-driven SMTP client.
struct Client {
    input: BufReader<OwnedReadHalf>,
    output: OwnedWriteHalf,
}

impl Client {
    /// Connects and returns the greeting.
    async fn connect(sink: &Sink) -> (Client, String) {
        let stream = TcpStream::connect(("127.0.0.1", sink.port())).await.unwrap();
        let (read, output) = stream.into_split();
        let mut client = Client { input: BufReader::new(read), output };
        let greeting = client.reply().await;
        (client, greeting)
    }

    /// Sends one line (CRLF added) and returns the whole reply, lines joined with `\n`.
    async fn say(&mut self, line: &str) -> String {
        self.write(line).await;
        self.reply().await
    }

    async fn write(&mut self, line: &str) {
        self.output.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
    }

    async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            assert!(self.input.read_line(&mut line).await.unwrap() > 0, "connection closed; got {lines:?}");
            let line = line.trim_end().to_owned();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    /// True when the server closed the connection.
    async fn closed(&mut self) -> bool {
        let mut rest = String::new();
        matches!(self.input.read_line(&mut rest).await, Ok(0) | Err(_))
    }
}

fn code(reply: &str) -> &str {
    &reply[..3]
}

#[tokio::test]
async fn a_whole_conversation_with_dot_unstuffing() {
    let sink = Sink::start().await;
    let (mut c, greeting) = Client::connect(&sink).await;
    assert_eq!(code(&greeting), "220");

    let ehlo = c.say("EHLO client.example").await;
    assert!(ehlo.starts_with("250-"), "{ehlo}");
    let last = ehlo.lines().last().unwrap();
    assert!(last.starts_with("250 "), "{ehlo}");
    for extension in ["8BITMIME", "SMTPUTF8"] {
        assert!(ehlo.lines().any(|l| &l[4..] == extension), "{extension} missing in {ehlo}");
    }
    assert!(!ehlo.contains("PIPELINING"));

    assert_eq!(code(&c.say("MAIL FROM:<sender@connect.kr> BODY=8BITMIME").await), "250");
    assert_eq!(code(&c.say("RCPT TO:<one@example.com>").await), "250");
    assert_eq!(code(&c.say("rcpt to:<two@example.com>").await), "250");
    assert_eq!(code(&c.say("NOOP").await), "250");
    assert_eq!(code(&c.say("DATA").await), "354");
    for line in ["Subject: =?utf-8?b?7JWI64WV?=", "", "..leading dot", "..", "...", "body"] {
        c.write(line).await;
    }
    assert_eq!(code(&c.say(".").await), "250");
    assert_eq!(code(&c.say("QUIT").await), "221");
    assert!(c.closed().await);

    let received = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(received.from, "sender@connect.kr");
    assert_eq!(received.to, ["one@example.com", "two@example.com"]);
    assert_eq!(received.raw, "Subject: =?utf-8?b?7JWI64WV?=\r\n\r\n.leading dot\r\n.\r\n..\r\nbody\r\n");
    assert_eq!(received.subject().as_deref(), Some("안녕"));
    assert_eq!(received.user, None);
}

#[tokio::test]
async fn commands_out_of_order_get_503() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    assert_eq!(code(&c.say("MAIL FROM:<a@connect.kr>").await), "503", "MAIL before EHLO");
    assert_eq!(code(&c.say("HELO client.example").await), "250");
    assert_eq!(code(&c.say("RCPT TO:<b@example.com>").await), "503", "RCPT before MAIL");
    assert_eq!(code(&c.say("DATA").await), "503", "DATA before MAIL");
    assert_eq!(code(&c.say("MAIL FROM:<>").await), "250", "null sender");
    assert_eq!(code(&c.say("MAIL FROM:<a@connect.kr>").await), "503", "nested MAIL");
    assert_eq!(code(&c.say("DATA").await), "503", "DATA before RCPT");
    assert_eq!(code(&c.say("RCPT TO:<b@example.com>").await), "250");
    assert_eq!(code(&c.say("RSET").await), "250");
    assert_eq!(code(&c.say("DATA").await), "503", "RSET ended the transaction");
    assert_eq!(code(&c.say("RCPT TO:<b@example.com>").await), "503", "RSET ended the transaction");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn unknown_commands_get_502_and_bad_arguments_501() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    assert_eq!(code(&c.say("VRFY someone").await), "502");
    assert_eq!(code(&c.say("STARTTLS").await), "502");
    assert_eq!(code(&c.say("HELLO").await), "502");
    assert_eq!(code(&c.say("EHLO").await), "501");
    assert_eq!(code(&c.say("ehlo client.example").await), "250");
    assert_eq!(code(&c.say("MAIL FROM:sender@connect.kr").await), "501");
    assert_eq!(code(&c.say("MAIL TO:<sender@connect.kr>").await), "501");
    assert_eq!(code(&c.say("MAIL FROM: <sender@connect.kr>").await), "250");
    assert_eq!(code(&c.say("RCPT TO:<>").await), "501");
    assert_eq!(code(&c.say("AUTH LOGIN").await), "503", "AUTH inside a transaction");
}

#[tokio::test]
async fn eight_bit_content_is_kept_as_utf8() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    c.say("EHLO client.example").await;
    c.say("MAIL FROM:<보내는이@connect.kr> SMTPUTF8 BODY=8BITMIME").await;
    assert_eq!(code(&c.say("RCPT TO:<민지@example.com>").await), "250");
    c.say("DATA").await;
    c.write("Subject: 한글 제목").await;
    c.write("").await;
    c.write("본문").await;
    assert_eq!(code(&c.say(".").await), "250");
    let received = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(received.from, "보내는이@connect.kr");
    assert_eq!(received.to, ["민지@example.com"]);
    assert_eq!(received.subject().as_deref(), Some("한글 제목"));
    assert_eq!(received.text_body().as_deref(), Some("본문\n"));
}

#[tokio::test]
async fn auth_plain_after_a_prompt() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    assert_eq!(code(&c.say("AUTH PLAIN").await), "503", "AUTH before EHLO");
    c.say("EHLO client.example").await;
    assert_eq!(code(&c.say("AUTH CRAM-MD5").await), "504");
    assert_eq!(code(&c.say("AUTH PLAIN").await), "334");
    assert_eq!(code(&c.say("*").await), "501", "cancelled");
    assert_eq!(code(&c.say("AUTH PLAIN").await), "334");
    // "\0me@connect.kr\0secret"
    assert_eq!(code(&c.say("AG1lQGNvbm5lY3Qua3IAc2VjcmV0").await), "235");
    assert_eq!(code(&c.say("AUTH PLAIN AG1lAHNlY3JldA==").await), "503", "already authenticated");
    c.say("MAIL FROM:<me@connect.kr>").await;
    c.say("RCPT TO:<you@example.com>").await;
    c.say("DATA").await;
    c.write("Subject: hi").await;
    assert_eq!(code(&c.say(".").await), "250");
    assert_eq!(sink.wait_for(1, WAIT).await[0].user.as_deref(), Some("me@connect.kr"));
}

#[tokio::test]
async fn rejections_are_one_shot() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    c.say("EHLO client.example").await;
    c.say("MAIL FROM:<a@connect.kr>").await;

    sink.reject_next(452, "4.5.3 too many recipients");
    assert_eq!(c.say("RCPT TO:<b@example.com>").await, "452 4.5.3 too many recipients");
    assert_eq!(code(&c.say("RCPT TO:<b@example.com>").await), "250");

    sink.reject_next(554, "5.5.0 no\r\nway");
    assert_eq!(c.say("DATA").await, "554 5.5.0 no  way", "one line even with CRLF in the text");
    assert_eq!(code(&c.say("DATA").await), "354");
    sink.reject_next_data(550, "5.7.1 spam");
    c.write("Subject: x").await;
    assert_eq!(c.say(".").await, "550 5.7.1 spam");

    assert_eq!(code(&c.say("MAIL FROM:<a@connect.kr>").await), "250", "the refused mail ended its transaction");
    c.say("RCPT TO:<b@example.com>").await;
    c.say("DATA").await;
    c.write("Subject: y").await;
    assert_eq!(code(&c.say(".").await), "250");
    let messages = sink.wait_for(1, WAIT).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].subject().as_deref(), Some("y"));
}

#[tokio::test]
async fn stop_closes_the_port_and_open_connections() {
    let sink = Sink::start().await;
    let (mut c, _) = Client::connect(&sink).await;
    c.say("EHLO client.example").await;
    sink.stop().await;
    assert!(c.closed().await);
    assert!(TcpStream::connect(("127.0.0.1", sink.port())).await.is_err());
    sink.stop().await; // twice is fine
    assert!(sink.messages().is_empty());
}

#[tokio::test]
#[should_panic(expected = "1 mail(s) expected")]
async fn wait_for_panics_when_too_few_arrive() {
    let sink = Sink::start().await;
    sink.wait_for(1, Duration::from_millis(50)).await;
}

#[tokio::test]
#[should_panic(expected = "not a 4xx or 5xx")]
async fn reject_next_wants_a_failure_code() {
    Sink::start().await.reject_next(250, "ok");
}
