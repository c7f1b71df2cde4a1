//! Sends the mails of pending notifications: claim a batch (`FOR UPDATE SKIP LOCKED`, so several
//! workers never take the same row), send each in Korean (text + HTML) with a one-click unsubscribe
//! link, mark it sent. A failed send releases its claim for a later attempt (at most 5).

use deadpool_postgres::Pool;
use tokio_postgres::types::Type;

use super::{unsubscribe, Kind};
use crate::accounts::Accounts;

const MAX_ATTEMPTS: i32 = 5;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub sent: usize,
    pub failed: usize,
}

pub async fn send_pending(db: &Pool, accounts: &Accounts, batch: i64) -> anyhow::Result<Delivery> {
    let client = db.get().await?;
    let rows = client
        .query_typed(
            "UPDATE notifications n SET mail_claimed_at = now(), mail_attempts = mail_attempts + 1
              WHERE id IN (SELECT id FROM notifications
                            WHERE mail_wanted AND mailed_at IS NULL AND mail_attempts < $2
                              AND (mail_claimed_at IS NULL OR mail_claimed_at < now() - interval '10 minutes')
                            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
              RETURNING n.id, n.user_id, n.kind, n.title, n.body, n.link,
                        (SELECT email FROM users u WHERE u.id = n.user_id), n.body_html",
            &[(&batch, Type::INT8), (&MAX_ATTEMPTS, Type::INT4)],
        )
        .await?;
    let mut delivery = Delivery::default();
    for row in rows {
        let (id, user_id, kind): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
        let (title, body, link, email): (String, String, Option<String>, Option<String>) =
            (row.get(3), row.get(4), row.get(5), row.get(6));
        let html: Option<String> = row.get(7);
        let kind = Kind::parse(&kind).unwrap_or(Kind::Deadline);
        let Some(email) = email else {
            // The person left or has no address: nothing to send, ever.
            client
                .execute_typed("UPDATE notifications SET mail_wanted = false WHERE id = $1", &[(&id, Type::INT8)])
                .await?;
            continue;
        };
        let content = Content { title: &title, body: &body, link: link.as_deref(), html: html.as_deref() };
        let message = compose(accounts, user_id, kind, &email, &content);
        let sent = match &accounts.mailer {
            Some(mailer) => mailer.send(&message).await.map_err(|e| e.to_string()),
            None => Err("SMTP_URL is not set".into()),
        };
        match sent {
            Ok(()) => {
                client
                    .execute_typed("UPDATE notifications SET mailed_at = now() WHERE id = $1", &[(&id, Type::INT8)])
                    .await?;
                delivery.sent += 1;
            }
            Err(e) => {
                tracing::warn!(notification = id, error = %e, "notification mail not sent; will retry");
                client
                    .execute_typed(
                        "UPDATE notifications SET mail_claimed_at = NULL WHERE id = $1",
                        &[(&id, Type::INT8)],
                    )
                    .await?;
                delivery.failed += 1;
            }
        }
    }
    Ok(delivery)
}

/// What a notification says.
struct Content<'a> {
    title: &'a str,
    body: &'a str,
    link: Option<&'a str>,
    /// The HTML body, escaped already; `None`: `body` in one paragraph.
    html: Option<&'a str>,
}

fn compose(accounts: &Accounts, user_id: i64, kind: Kind, to: &str, content: &Content) -> mail::Message {
    let Content { title, body, link, html: body_html } = *content;
    let config = &accounts.config;
    let link = link.map(|l| config.link(l));
    let token = unsubscribe::token(&accounts.jwt_secret, user_id, kind);
    let unsubscribe = config.link(&format!("/api/unsubscribe?token={token}"));
    let mut text = format!("{body}\n");
    if let Some(link) = &link {
        text.push_str(&format!("\n자세히 보기: {link}\n"));
    }
    text.push_str(&format!("\n이 메일은 Connect {}입니다. 더 받지 않으려면: {unsubscribe}\n", kind.label_ko()));
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let button = link
        .as_deref()
        .map(|l| format!(r#"<p><a href="{}" style="color:#1a56db">자세히 보기</a></p>"#, escape(l)))
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html><html lang="ko"><body style="font-family:sans-serif;line-height:1.6">
<h1 style="font-size:18px">{}</h1>{}{button}
<hr><p style="font-size:12px;color:#555">Connect {} · <a href="{}">수신 거부</a></p></body></html>"#,
        escape(title),
        body_html.map_or_else(|| format!("<p>{}</p>", escape(body)), str::to_string),
        kind.label_ko(),
        escape(&unsubscribe)
    );
    mail::Message {
        to: to.to_string(),
        subject: format!("[Connect] {title}"),
        text,
        html: Some(html),
        unsubscribe: Some(unsubscribe),
    }
}
