//! Where and how to send: [`MailConfig`] and its URL form.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::Mailbox;
use percent_encoding::percent_decode_str;
use secrecy::SecretString;
use url::{Host, Url};

use crate::MailError;

/// Sender used when the URL names none.
pub const DEFAULT_FROM: &str = "Connect <no-reply@connect.kr>";

/// Time allowed for one whole send (connect, TLS, AUTH, the mail) when the URL names none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain text. Only for a relay on the same machine or the test sink; credentials are refused
    /// over it unless the host is a loopback address.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (usually port 587).
    StartTls,
    /// TLS from the first byte, "implicit TLS" (usually port 465).
    Tls,
}

impl Security {
    /// The port customary for this kind of connection.
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

/// Settings of the SMTP client. `Debug` shows the password as `[REDACTED]`.
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The `From:` of every mail, also the envelope sender.
    pub from: Mailbox,
    /// Limit for one whole send: connect, TLS, AUTH and the mail. When it runs out the send is
    /// [`MailError::Unavailable`]; if that happened after the final `.` the server may still
    /// deliver the mail, so a retry can duplicate it.
    pub timeout: Duration,
}

impl MailConfig {
    /// Reads a configuration from a URL:
    ///
    /// * `smtp://127.0.0.1:2525`: plain text (a local relay or the test sink), port 25 by default;
    /// * `smtp://user:pass@host:587?starttls`: STARTTLS required, port 587 by default;
    /// * `smtps://user:pass@host`: implicit TLS, port 465 by default.
    ///
    /// User and password are percent-decoded (`p%40ss` is `p@ss`). Optional query parameters:
    /// `from` (a mailbox such as `Connect <no-reply@connect.kr>`, percent-encoded, default
    /// [`DEFAULT_FROM`]) and `timeout` (whole seconds, default [`DEFAULT_TIMEOUT`]). Any other
    /// parameter is an error, so a misspelt `starttls` does not silently send in plain text.
    ///
    /// Error messages never repeat the URL, which may hold the password.
    pub fn from_url(url: &str) -> Result<Self, MailError> {
        let url =
            Url::parse(url).map_err(|e| MailError::config(format!("메일 서버 URL을 해석할 수 없습니다 ({e})")))?;
        let mut security = match url.scheme() {
            "smtp" => Security::None,
            "smtps" => Security::Tls,
            other => {
                return Err(MailError::config(format!(
                    "메일 서버 URL은 smtp:// 또는 smtps:// 여야 합니다 ({other}://)"
                )))
            }
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(MailError::config("메일 서버 URL에는 경로나 #부분을 둘 수 없습니다"));
        }
        let host = match url.host() {
            Some(Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(MailError::config("메일 서버 URL에 호스트가 없습니다")),
        };

        let mut from = DEFAULT_FROM.to_owned();
        let mut timeout = DEFAULT_TIMEOUT;
        for (key, value) in url.query_pairs() {
            match key.as_ref() {
                "starttls" => {
                    if !(value.is_empty() || value == "true") {
                        return Err(MailError::config(format!("starttls에는 값을 쓰지 않습니다: {value:?}")));
                    }
                    if security == Security::Tls {
                        return Err(MailError::config("smtps:// 에는 starttls를 함께 쓸 수 없습니다"));
                    }
                    security = Security::StartTls;
                }
                "from" => from = value.into_owned(),
                "timeout" => timeout = parse_timeout(&value)?,
                other => return Err(MailError::config(format!("알 수 없는 메일 서버 URL 매개변수입니다: {other}"))),
            }
        }

        let username = decode_userinfo(url.username(), "사용자 이름")?.filter(|name| !name.is_empty());
        let password = url.password().map(|raw| decode_userinfo(raw, "비밀번호")).transpose()?.flatten();
        let config = Self {
            host,
            port: url.port().unwrap_or(security.default_port()),
            security,
            username,
            password: password.map(SecretString::from),
            from: parse_from(&from)?,
            timeout,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks what the fields cannot express by their types; [`crate::Mailer::new`] calls it too.
    pub fn validate(&self) -> Result<(), MailError> {
        if self.host.trim().is_empty() {
            return Err(MailError::config("메일 서버 호스트가 비어 있습니다"));
        }
        if self.port == 0 {
            return Err(MailError::config("메일 서버 포트는 0일 수 없습니다"));
        }
        if self.timeout.is_zero() {
            return Err(MailError::config("메일 서버 제한 시간은 0보다 커야 합니다"));
        }
        if self.password.is_some() && self.username.is_none() {
            return Err(MailError::config("비밀번호만 있고 사용자 이름이 없습니다"));
        }
        if self.username.is_some() && self.security == Security::None && !is_loopback(&self.host) {
            return Err(MailError::config(format!(
                "암호화하지 않은 연결로 {}에 로그인할 수 없습니다 (starttls 또는 smtps://를 쓰세요)",
                self.host
            )));
        }
        Ok(())
    }

    /// `host:port`, as errors name the server.
    pub(crate) fn server(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn decode_userinfo(raw: &str, what: &str) -> Result<Option<String>, MailError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|decoded| Some(decoded.into_owned()))
        .map_err(|_| MailError::config(format!("메일 서버 URL의 {what}이(가) 올바른 UTF-8이 아닙니다")))
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse().map_err(|_| MailError::config(format!("보내는 사람 주소가 올바르지 않습니다: {from:?}")))
}

fn parse_timeout(value: &str) -> Result<Duration, MailError> {
    match value.parse::<u64>() {
        Ok(seconds) if seconds > 0 => Ok(Duration::from_secs(seconds)),
        _ => Err(MailError::config(format!("timeout은 1 이상의 초 단위 정수여야 합니다: {value:?}"))),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
