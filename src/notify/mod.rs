//! Notifications: deadline reminders (D-7, D-3, D-1 in the KST morning) for saved and top-matched
//! programs, new-match alerts above each person's threshold, program changes, and the weekly
//! digest (Monday 09:00 KST), in the app and by mail, each exactly once.
//!
//! *Exactly once* is a row: every notification has a `key` (e.g. `deadline:D-3:<program>:<user>`)
//! and is created with `ON CONFLICT (key) DO NOTHING`, so several workers, retries and restarts
//! create it once. Its mail is then claimed (`mail_claimed_at`), sent and marked (`mailed_at`); a
//! worker that dies between claim and send leaves a claim that expires and is retried. (A crash
//! after the SMTP server accepted the mail but before the mark can repeat that one mail: SMTP has no
//! idempotency; the window is one statement.)

pub mod calendar;
pub mod deliver;
pub mod digest;
pub mod jobs;
pub mod reminders;
pub mod unsubscribe;

use serde::{Deserialize, Serialize};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Deadline,
    Digest,
    NewMatch,
    ProgramChanged,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Deadline, Kind::Digest, Kind::NewMatch, Kind::ProgramChanged];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Deadline => "deadline",
            Kind::Digest => "digest",
            Kind::NewMatch => "new_match",
            Kind::ProgramChanged => "program_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_ko(self) -> &'static str {
        match self {
            Kind::Deadline => "마감 알림",
            Kind::Digest => "주간 요약",
            Kind::NewMatch => "새 맞춤 공고 알림",
            Kind::ProgramChanged => "공고 변경 알림",
        }
    }
}

/// What to tell one person.
pub struct Notice<'a> {
    pub user_id: i64,
    pub kind: Kind,
    pub key: &'a str,
    pub program_id: Option<i64>,
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
    /// The mail's HTML body (already escaped), when it is more than `body` in a paragraph.
    pub html: Option<&'a str>,
}

/// A person's new-match threshold when they set none (`notification_settings.min_score`).
pub const DEFAULT_MIN_SCORE: u8 = crate::matching::store::ALERT_SCORE;

/// The programs matched to each person's organisations well enough to tell them about: eligible,
/// scoring at least the person's threshold, not dismissed. Columns `user_id`, `program_id`,
/// `score`, `created_at` (when the match appeared); a person in several organisations can get a
/// program more than once.
pub fn top_matched_sql() -> String {
    format!(
        "SELECT mb.user_id, m.program_id, m.score, m.created_at
           FROM memberships mb
           JOIN matches m ON m.organization_id = mb.organization_id AND m.gate = 'eligible'
           LEFT JOIN notification_settings ns ON ns.user_id = mb.user_id AND ns.kind = 'new_match'
           LEFT JOIN match_status st ON st.organization_id = m.organization_id AND st.program_id = m.program_id
          WHERE m.score >= coalesce(ns.min_score, {DEFAULT_MIN_SCORE})
            AND st.status IS DISTINCT FROM 'dismissed'"
    )
}

/// Creates the notification unless its key exists or the person turned both channels of its kind
/// off. True when this call created it.
pub async fn create<C: GenericClient>(client: &C, notice: &Notice<'_>) -> Result<bool, tokio_postgres::Error> {
    let rows = client
        .query_typed(
            "INSERT INTO notifications (user_id, kind, key, program_id, title, body, link, body_html, mail_wanted,
                                        read_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8,
                    coalesce(s.mail, true) AND u.email IS NOT NULL,
                    CASE WHEN coalesce(s.in_app, true) THEN NULL ELSE now() END
               FROM users u LEFT JOIN notification_settings s ON s.user_id = u.id AND s.kind = $2
              WHERE u.id = $1 AND u.deleted_at IS NULL AND (coalesce(s.mail, true) OR coalesce(s.in_app, true))
             ON CONFLICT (key) DO NOTHING
             RETURNING id",
            &[
                (&notice.user_id, Type::INT8),
                (&notice.kind.as_str(), Type::TEXT),
                (&notice.key, Type::TEXT),
                (&notice.program_id, Type::INT8),
                (&notice.title, Type::TEXT),
                (&notice.body, Type::TEXT),
                (&notice.link, Type::TEXT),
                (&notice.html, Type::TEXT),
            ],
        )
        .await?;
    Ok(!rows.is_empty())
}
