//! Sending through the client to the real SMTP sink, and reading back what arrived.

use std::time::Duration;

use mail::sink::{Received, Sink};
use mail::{MailConfig, MailError, Mailer, Message};

const WAIT: Duration = Duration::from_secs(10);
const SUBJECT: &str = "[Connect] 이메일 주소를 확인해 주세요";
const TEXT: &str = "안녕하세요, 김민지 님.\n\
    Connect 가입을 마치려면 아래 링크를 눌러 이메일 주소를 확인해 주세요:\n\
    https://connect.kr/verify?token=Zx8_k-31&lang=ko\n\
    \n\
    링크는 24시간 동안 유효합니다. 요청하지 않으셨다면 이 메일을 무시해 주세요.\n";

fn mailer_for(sink: &Sink) -> Mailer {
    Mailer::new(MailConfig::from_url(&sink.url()).expect("sink URL")).expect("mailer")
}

async fn send_one(sink: &Sink, message: &Message) -> Received {
    mailer_for(sink).send(message).await.expect("send");
    sink.wait_for(1, WAIT).await.remove(0)
}

#[tokio::test]
async fn korean_mail_arrives_encoded_and_decodes_exactly() {
    let sink = Sink::start().await;
    let received = send_one(&sink, &Message::new("minji@example.com", SUBJECT, TEXT)).await;

    assert_eq!(received.subject().as_deref(), Some(SUBJECT));
    assert_eq!(received.text_body().as_deref(), Some(TEXT));

    // On the wire it is 7-bit: an RFC 2047 subject and an encoded UTF-8 body.
    assert!(received.raw.is_ascii(), "raw mail has non-ASCII bytes:\n{}", received.raw);
    let subject = received.header("Subject").expect("Subject header");
    assert!(subject.to_ascii_lowercase().contains("=?utf-8?b?"), "subject not RFC 2047: {subject}");
    let content_type = received.header("Content-Type").expect("Content-Type").to_ascii_lowercase();
    assert!(content_type.starts_with("text/plain") && content_type.contains("utf-8"), "{content_type}");
    let encoding = received.header("Content-Transfer-Encoding").expect("Content-Transfer-Encoding");
    assert!(["base64", "quoted-printable"].contains(&encoding.as_str()), "{encoding}");

    assert_eq!(received.from, "no-reply@connect.kr");
    assert_eq!(received.to, ["minji@example.com"]);
    assert_eq!(received.header("From").as_deref(), Some("Connect <no-reply@connect.kr>"));
    assert_eq!(received.header("To").as_deref(), Some("minji@example.com"));
    let message_id = received.header("Message-ID").expect("Message-ID");
    assert!(message_id.starts_with('<') && message_id.ends_with("@connect.kr>"), "{message_id}");
    assert!(received.header("Date").is_some());
    assert_eq!(received.user, None);
}

#[tokio::test]
async fn long_korean_subject_survives_folding() {
    let sink = Sink::start().await;
    let subject = "[Connect] 청년 창업 지원금 신청 마감이 다가왔습니다".repeat(6);
    let received = send_one(&sink, &Message::new("minji@example.com", subject.as_str(), "본문")).await;
    assert_eq!(received.subject(), Some(subject));
    assert_eq!(received.text_body().as_deref(), Some("본문"));
}

#[tokio::test]
async fn html_alternative_comes_after_the_text() {
    let sink = Sink::start().await;
    let html = "<p>안녕하세요, 김민지 님.</p>\n<p><a href=\"https://connect.kr/verify?token=Zx8_k-31&amp;lang=ko\">이메일 주소 확인</a></p>\n";
    let received = send_one(&sink, &Message::new("minji@example.com", SUBJECT, TEXT).with_html(html)).await;

    assert_eq!(received.subject().as_deref(), Some(SUBJECT));
    assert_eq!(received.text_body().as_deref(), Some(TEXT));
    assert_eq!(received.html_body().as_deref(), Some(html));
    let content_type = received.header("Content-Type").expect("Content-Type");
    assert!(content_type.starts_with("multipart/alternative"), "{content_type}");
    let text_at = received.raw.find("text/plain").expect("text part");
    let html_at = received.raw.find("text/html").expect("html part");
    assert!(text_at < html_at, "text/plain must come first");
    assert!(received.raw.is_ascii());
}

#[tokio::test]
async fn lines_starting_with_a_dot_are_kept() {
    let sink = Sink::start().await;
    let text = "first\n.\n..two dots\n.hidden\nlast\n";
    let received = send_one(&sink, &Message::new("minji@example.com", "dots", text)).await;
    assert_eq!(received.header("Content-Transfer-Encoding").as_deref(), Some("7bit"));
    // A 7bit part ends where the mail ends, so the blank lines of the SMTP framing come along.
    assert_eq!(received.text_body().as_deref().map(str::trim_end), Some(text.trim_end()));
    assert!(received.raw.contains("\r\n.\r\n..two dots\r\n.hidden\r\n"), "{:?}", received.raw);
}

#[tokio::test]
async fn mostly_ascii_text_with_korean_is_quoted_printable() {
    let sink = Sink::start().await;
    let text = "Hello 민지, your Connect code is 482913. It expires in 10 minutes; if you did not ask for it, ignore this mail.\n";
    let received = send_one(&sink, &Message::new("minji@example.com", "Your code", text)).await;
    assert_eq!(received.header("Content-Transfer-Encoding").as_deref(), Some("quoted-printable"));
    assert!(received.raw.is_ascii());
    assert_eq!(received.text_body().as_deref().map(str::trim_end), Some(text.trim_end()));
}

#[tokio::test]
async fn newlines_in_the_subject_add_no_header() {
    let sink = Sink::start().await;
    let subject = "안내\r\nBcc: attacker@example.com";
    let received = send_one(&sink, &Message::new("minji@example.com", subject, "본문")).await;
    assert_eq!(received.header("Bcc"), None);
    assert_eq!(received.to, ["minji@example.com"]);
}

#[tokio::test]
async fn a_mailer_sends_many_and_its_clones_share_it() {
    let sink = Sink::start().await;
    let mailer = mailer_for(&sink);
    let clone = mailer.clone();
    let other = tokio::spawn(async move { clone.send(&Message::new("b@example.com", "둘", "둘째")).await });
    mailer.send(&Message::new("a@example.com", "하나", "첫째")).await.expect("first");
    other.await.expect("task").expect("second");
    let mut subjects: Vec<_> = sink.wait_for(2, WAIT).await.iter().filter_map(Received::subject).collect();
    subjects.sort();
    assert_eq!(subjects, ["둘", "하나"]);
}

#[tokio::test]
async fn credentials_are_sent_with_auth_plain() {
    let sink = Sink::start().await;
    let url = format!("smtp://connect%40mail:p%40ss%3Aw0rd@127.0.0.1:{}", sink.port());
    let mailer = Mailer::new(MailConfig::from_url(&url).unwrap()).unwrap();
    mailer.send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.expect("send");
    let received = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(received.user.as_deref(), Some("connect@mail"));
}

#[tokio::test]
async fn custom_sender_from_the_url() {
    let sink = Sink::start().await;
    let url = format!("{}?from=%EC%BB%A4%EB%84%A5%ED%8A%B8%20%3Chello%40connect.kr%3E", sink.url());
    let mailer = Mailer::new(MailConfig::from_url(&url).unwrap()).unwrap();
    assert_eq!(mailer.from().email.to_string(), "hello@connect.kr");
    mailer.send(&Message::new("minji@example.com", "안녕", "본문")).await.expect("send");
    let received = sink.wait_for(1, WAIT).await.remove(0);
    assert_eq!(received.from, "hello@connect.kr");
    let from = received.header("From").expect("From");
    assert!(from.ends_with("<hello@connect.kr>") && from.is_ascii(), "{from}");
}

#[tokio::test]
async fn invalid_recipients_fail_before_any_network_traffic() {
    // Nothing listens on port 9 of this machine; reaching the network would be Unavailable.
    let mailer = Mailer::new(MailConfig::from_url("smtp://127.0.0.1:9").unwrap()).unwrap();
    for to in ["", "   ", "minji", "minji@", "@example.com", "minji@@example.com", "민지 <minji@example.com>"] {
        let err = mailer.send(&Message::new(to, SUBJECT, TEXT)).await.unwrap_err();
        assert!(matches!(&err, MailError::InvalidAddress { address } if address == to), "{to:?}: {err:?}");
        assert!(err.to_string().starts_with("이메일 주소가 올바르지 않습니다: "), "{err}");
        assert!(!err.is_temporary());
    }
    let err = mailer.send(&Message::new("minji@example.com\r\nBcc: x@example.com", "s", "t")).await.unwrap_err();
    assert!(matches!(err, MailError::InvalidAddress { .. }), "{err:?}");
}

#[tokio::test]
async fn stopped_sink_is_unavailable() {
    let sink = Sink::start().await;
    let mailer = mailer_for(&sink);
    sink.stop().await;
    let err = mailer.send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.unwrap_err();
    assert!(matches!(&err, MailError::Unavailable { code: None, .. }), "{err:?}");
    assert!(err.is_temporary());
    assert!(err.to_string().contains(&format!("127.0.0.1:{}", sink.port())), "{err}");
}

#[tokio::test]
async fn silent_server_times_out_as_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and never greets.
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mailer = Mailer::new(MailConfig::from_url(&format!("smtp://127.0.0.1:{port}?timeout=1")).unwrap()).unwrap();
    let err = mailer.send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.unwrap_err();
    assert!(matches!(&err, MailError::Unavailable { code: None, .. }), "{err:?}");
    holder.abort();
}

#[tokio::test]
async fn permanent_refusal_is_rejected_with_the_reply() {
    let sink = Sink::start().await;
    sink.reject_next(550, "5.1.1 mailbox unavailable");
    let err = mailer_for(&sink).send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.unwrap_err();
    match &err {
        MailError::Rejected { code, reply, .. } => {
            assert_eq!(*code, 550);
            assert!(reply.contains("5.1.1 mailbox unavailable"), "{reply}");
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(!err.is_temporary());
    assert!(err.to_string().contains("550"), "{err}");
    assert!(sink.messages().is_empty());

    // One-shot: the next mail goes through.
    mailer_for(&sink).send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.expect("second send");
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn temporary_refusal_is_unavailable_with_the_code() {
    let sink = Sink::start().await;
    sink.reject_next(451, "4.3.0 try again later");
    let err = mailer_for(&sink).send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.unwrap_err();
    match &err {
        MailError::Unavailable { code, detail, .. } => {
            assert_eq!(*code, Some(451));
            assert!(detail.contains("try again later"), "{detail}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(err.is_temporary());
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn refusal_after_the_content_is_rejected_and_nothing_is_kept() {
    let sink = Sink::start().await;
    sink.reject_next_data(554, "5.7.1 message refused by content filter");
    let err = mailer_for(&sink).send(&Message::new("minji@example.com", SUBJECT, TEXT)).await.unwrap_err();
    assert!(matches!(&err, MailError::Rejected { code: 554, .. }), "{err:?}");
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn one_click_unsubscribe_headers_are_sent() {
    let sink = mail::sink::Sink::start().await;
    let mailer = mail::Mailer::new(mail::MailConfig::from_url(&sink.url()).unwrap()).unwrap();
    let mut message = mail::Message::new("kim@example.com", "[Connect] 마감 3일 전", "본문");
    message.unsubscribe = Some("https://connect.test/api/unsubscribe?t=abc".into());
    mailer.send(&message).await.unwrap();
    let received = sink.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(received[0].header("List-Unsubscribe").as_deref(), Some("<https://connect.test/api/unsubscribe?t=abc>"));
    assert_eq!(received[0].header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    message.unsubscribe = Some("https://x\r\nBcc: evil@example.com".into());
    assert!(mailer.send(&message).await.is_err());
}
