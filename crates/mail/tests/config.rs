//! `MailConfig::from_url`, validation, and keeping the password out of every text.

use std::time::Duration;

use mail::{MailConfig, MailError, Mailer, Security, DEFAULT_FROM, DEFAULT_TIMEOUT};
use secrecy::ExposeSecret;

fn parse(url: &str) -> MailConfig {
    MailConfig::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn config_error(url: &str) -> String {
    match MailConfig::from_url(url) {
        Err(MailError::Config(detail)) => detail,
        other => panic!("{url}: expected a Config error, got {other:?}"),
    }
}

fn password(config: &MailConfig) -> Option<&str> {
    config.password.as_ref().map(ExposeSecret::expose_secret)
}

#[test]
fn plain_local_sink() {
    let config = parse("smtp://127.0.0.1:2525");
    assert_eq!(config.host, "127.0.0.1");
    assert_eq!(config.port, 2525);
    assert_eq!(config.security, Security::None);
    assert_eq!(config.username, None);
    assert!(config.password.is_none());
    assert_eq!(config.from.to_string(), DEFAULT_FROM);
    assert_eq!(config.timeout, DEFAULT_TIMEOUT);
}

#[test]
fn starttls_with_credentials() {
    let config = parse("smtp://user:pass@smtp.example.com:587?starttls");
    assert_eq!(config.host, "smtp.example.com");
    assert_eq!(config.port, 587);
    assert_eq!(config.security, Security::StartTls);
    assert_eq!(config.username.as_deref(), Some("user"));
    assert_eq!(password(&config), Some("pass"));
}

#[test]
fn default_ports_follow_the_security() {
    assert_eq!(parse("smtp://localhost").port, 25);
    assert_eq!(parse("smtp://smtp.example.com?starttls").port, 587);
    assert_eq!(parse("smtp://smtp.example.com?starttls=true").security, Security::StartTls);
    let implicit = parse("smtps://smtp.example.com");
    assert_eq!((implicit.security, implicit.port), (Security::Tls, 465));
    assert_eq!(parse("smtps://u:p@smtp.example.com:2465").port, 2465);
}

#[test]
fn ipv6_host_without_brackets() {
    let config = parse("smtp://[::1]:2525");
    assert_eq!(config.host, "::1");
    assert_eq!(config.port, 2525);
}

#[test]
fn credentials_are_percent_decoded() {
    let config = parse("smtps://no-reply%40connect.kr:p%40ss%3Aw%2Fo%20rd%ED%95%9C@smtp.example.com");
    assert_eq!(config.username.as_deref(), Some("no-reply@connect.kr"));
    assert_eq!(password(&config), Some("p@ss:w/o rd한"));
}

#[test]
fn sender_and_timeout_from_the_query() {
    let config = parse("smtp://127.0.0.1:2525?from=%EC%BB%A4%EB%84%A5%ED%8A%B8%20%3Chello%40connect.kr%3E&timeout=5");
    assert_eq!(config.from.email.to_string(), "hello@connect.kr");
    assert_eq!(config.from.name.as_deref(), Some("커넥트"));
    assert_eq!(config.timeout, Duration::from_secs(5));
}

#[test]
fn bad_urls_are_config_errors() {
    for url in [
        "not a url",
        "http://smtp.example.com",
        "smtp://",
        "smtp://smtp.example.com/inbox",
        "smtp://smtp.example.com#frag",
        "smtps://smtp.example.com?starttls",
        "smtp://smtp.example.com?startls",
        "smtp://smtp.example.com?starttls=false",
        "smtp://smtp.example.com?timeout=0",
        "smtp://smtp.example.com?timeout=ten",
        "smtp://smtp.example.com?from=nobody",
        "smtp://smtp.example.com:0",
    ] {
        let detail = config_error(url);
        assert!(!detail.is_empty(), "{url}");
    }
}

#[test]
fn credentials_over_plain_text_only_to_loopback() {
    let detail = config_error("smtp://user:hunter2@smtp.example.com:25");
    assert!(detail.contains("starttls"), "{detail}");
    assert!(!detail.contains("hunter2"));
    assert_eq!(parse("smtp://user:hunter2@127.0.0.1:2525").username.as_deref(), Some("user"));
    assert_eq!(parse("smtp://user:hunter2@localhost:2525").username.as_deref(), Some("user"));
    assert_eq!(parse("smtp://user:hunter2@[::1]:2525").username.as_deref(), Some("user"));
}

#[test]
fn password_without_user_is_refused() {
    config_error("smtps://:hunter2@smtp.example.com");
}

#[test]
fn debug_and_errors_never_show_the_password() {
    let config = parse("smtp://user:hunter2@smtp.example.com?starttls");
    let debug = format!("{config:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("REDACTED"), "{debug}");
    assert!(debug.contains("smtp.example.com"), "{debug}");

    let mailer = Mailer::new(config).unwrap();
    assert!(!format!("{mailer:?}").contains("hunter2"));

    for url in [
        "smtp://user:hunter2@smtp.example.com",
        "smtp://user:hunter2@smtp.example.com?nope",
        "smtp://user:hunter2@smtp.example.com/path",
        "smtps://user:hunter2@smtp.example.com?starttls",
        "smtp://user:hunter2@smtp.example.com?timeout=x",
        "ftp://user:hunter2@smtp.example.com",
        "smtp://user:hunter2@smtp.example.com:99999",
    ] {
        let err = MailConfig::from_url(url).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{url}: {err}");
        assert!(!format!("{err:?}").contains("hunter2"), "{url}: {err:?}");
    }
}

#[test]
fn mailer_checks_a_hand_made_config() {
    let mut config = parse("smtp://127.0.0.1:2525");
    config.host = " ".into();
    assert!(matches!(Mailer::new(config), Err(MailError::Config(_))));

    let mut config = parse("smtp://127.0.0.1:2525");
    config.timeout = Duration::ZERO;
    assert!(matches!(Mailer::new(config), Err(MailError::Config(_))));

    let mut config = parse("smtp://127.0.0.1:2525");
    config.host = "smtp.example.com".into();
    config.username = Some("user".into());
    config.password = Some("hunter2".into());
    assert!(matches!(Mailer::new(config), Err(MailError::Config(_))));
}

#[test]
fn tls_mailers_are_built_without_connecting() {
    Mailer::new(parse("smtp://user:pass@smtp.example.com?starttls")).unwrap();
    Mailer::new(parse("smtps://user:pass@smtp.example.com")).unwrap();
    Mailer::new(parse("smtps://127.0.0.1:2465")).unwrap();
}
