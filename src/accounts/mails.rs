//! The mails accounts send, in Korean, and their delivery. A mail that cannot be sent is logged and
//! reported to the caller as "not sent" so it can offer to resend; it never fails the request that
//! asked for it.

use super::Accounts;

pub fn verify_email(accounts: &Accounts, to: &str, token: &str) -> mail::Message {
    let link = accounts.config.link(&format!("/verify-email?token={token}"));
    mail::Message {
        to: to.to_string(),
        subject: "[Connect] 이메일 주소를 확인해 주세요".into(),
        text: format!(
            "안녕하세요, Connect입니다.\n\n아래 주소를 열어 이메일 주소 확인을 마쳐 주세요. 이 링크는 24시간 동안 유효합니다.\n\n{link}\n\n\
             직접 가입하지 않으셨다면 이 메일을 무시하셔도 됩니다."
        ),
        html: None,
        unsubscribe: None,
    }
}

pub fn reset_password(accounts: &Accounts, to: &str, token: &str) -> mail::Message {
    let link = accounts.config.link(&format!("/reset-password?token={token}"));
    mail::Message {
        to: to.to_string(),
        subject: "[Connect] 비밀번호 재설정 안내".into(),
        text: format!(
            "비밀번호 재설정을 요청하셨습니다. 아래 주소에서 새 비밀번호를 정해 주세요. 이 링크는 1시간 동안 유효하며 한 번만 쓸 수 있습니다.\n\n{link}\n\n\
             요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다."
        ),
        html: None,
        unsubscribe: None,
    }
}

pub fn delete_account(to: &str, code: &str) -> mail::Message {
    mail::Message {
        to: to.to_string(),
        subject: "[Connect] 회원 탈퇴 확인 코드".into(),
        text: format!(
            "회원 탈퇴 확인 코드는 {code} 입니다. 15분 안에 입력해 주세요.\n\n\
             탈퇴하면 개인정보는 지워지며 되돌릴 수 없습니다. 법령이 보관을 요구하는 결제 기록은 개인과 분리해 보관합니다.\n\
             요청하지 않으셨다면 비밀번호를 바꾸고 이 메일을 무시하세요."
        ),
        html: None,
        unsubscribe: None,
    }
}

/// The SMTP client of `SMTP_URL` and `MAIL_FROM`; `None` without `SMTP_URL`.
pub fn mailer(config: &crate::config::AccountsConfig) -> anyhow::Result<Option<mail::Mailer>> {
    let Some(url) = &config.smtp_url else {
        return Ok(None);
    };
    let mut mail_config = mail::MailConfig::from_url(url.expose())
        .map_err(|e| anyhow::anyhow!("SMTP_URL을 해석할 수 없습니다 ({}): {e}", url.redacted()))?;
    mail_config.from = config
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("MAIL_FROM이 올바른 주소가 아닙니다 ({}): {e}", config.mail_from))?;
    Ok(Some(mail::Mailer::new(mail_config).map_err(|e| anyhow::anyhow!("메일 설정 오류: {e}"))?))
}

/// Sends `message`; false when it could not be sent now (no SMTP configured, or the server refused).
pub async fn send(accounts: &Accounts, message: mail::Message) -> bool {
    deliver(accounts.mailer.as_ref(), message).await
}

/// Sends `message` with `mailer`; false when it could not be sent now.
pub async fn deliver(mailer: Option<&mail::Mailer>, message: mail::Message) -> bool {
    let Some(mailer) = mailer else {
        tracing::warn!(subject = %message.subject, "SMTP_URL is not set; mail not sent");
        return false;
    };
    match mailer.send(&message).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, subject = %message.subject, "mail not sent");
            false
        }
    }
}
