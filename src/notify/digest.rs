//! The weekly digest, Monday 09:00 KST: per person, the week's new matches at or above their
//! threshold and the coming deadlines of their saved and top-matched programs, in Korean, as one
//! notification (in the app, and a text + HTML mail with its own one-click unsubscribe). People
//! with nothing to read get nothing.
//!
//! Exactly once per person and ISO week like every notification: its key
//! (`digest:2026-W49:<user>`) is unique, so workers running the job at once, retries and restarts
//! create one; the mail is then claimed and sent once by [`super::deliver`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::{create, top_matched_sql, Kind, Notice};

/// Deadlines within this many days (today included) are listed.
pub const DEADLINE_DAYS: i32 = 14;
/// Items listed per section; the rest are counted.
pub const ITEMS: usize = 10;

#[derive(Debug, Default)]
struct Digest {
    /// (program, title, score, deadline), best first.
    matches: Vec<(i64, String, i16, Option<NaiveDate>)>,
    /// (program, title, deadline, saved), soonest first.
    deadlines: Vec<(i64, String, NaiveDate, bool)>,
}

/// The digest key of `user_id` for the ISO week of `today` (KST).
pub fn key(today: NaiveDate, user_id: i64) -> String {
    let week = today.iso_week();
    format!("digest:{}-W{:02}:{user_id}", week.year(), week.week())
}

/// Creates this week's digests (as of `now`; `link` makes a path absolute for the mail); returns
/// how many this call created.
pub async fn queue_digests<C: GenericClient>(
    client: &C,
    now: DateTime<Utc>,
    link: impl Fn(&str) -> String,
) -> Result<usize, tokio_postgres::Error> {
    let today = now.with_timezone(&queue::kst()).date_naive();
    let since = now - Duration::days(7);
    let mut digests: BTreeMap<i64, Digest> = BTreeMap::new();
    let matches = client
        .query_typed(
            &format!(
                "SELECT DISTINCT ON (t.user_id, t.program_id) t.user_id, t.program_id, p.title, t.score, p.period_end
                   FROM ({}) t JOIN programs p ON p.id = t.program_id
                   JOIN users u ON u.id = t.user_id AND u.deleted_at IS NULL
                  WHERE t.created_at >= $1 AND p.removed_at IS NULL
                    AND (p.period_end IS NULL OR p.period_end >= $2)
                  ORDER BY t.user_id, t.program_id, t.score DESC",
                top_matched_sql()
            ),
            &[(&since, Type::TIMESTAMPTZ), (&today, Type::DATE)],
        )
        .await?;
    for r in &matches {
        digests.entry(r.get(0)).or_default().matches.push((r.get(1), r.get(2), r.get(3), r.get(4)));
    }
    let deadlines = client
        .query_typed(
            &format!(
                "SELECT DISTINCT ON (x.user_id, p.id) x.user_id, p.id, p.title, p.period_end, x.saved
                   FROM (SELECT user_id, program_id, true AS saved FROM saved_programs
                         UNION ALL
                         SELECT user_id, program_id, false FROM ({}) top) x
                   JOIN programs p ON p.id = x.program_id
                   JOIN users u ON u.id = x.user_id AND u.deleted_at IS NULL
                  WHERE p.period_end BETWEEN $1 AND $1::date + $2 AND p.removed_at IS NULL
                  ORDER BY x.user_id, p.id, x.saved DESC",
                top_matched_sql()
            ),
            &[(&today, Type::DATE), (&(DEADLINE_DAYS - 1), Type::INT4)],
        )
        .await?;
    for r in &deadlines {
        digests.entry(r.get(0)).or_default().deadlines.push((r.get(1), r.get(2), r.get(3), r.get(4)));
    }

    let mut created = 0;
    for (user_id, mut digest) in digests {
        digest.matches.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        digest.deadlines.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)));
        let (title, body, html) = render(&digest, &link);
        let key = key(today, user_id);
        let notice = Notice {
            user_id,
            kind: Kind::Digest,
            key: &key,
            program_id: None,
            title: &title,
            body: &body,
            link: None,
            html: Some(&html),
        };
        if create(client, &notice).await? {
            created += 1;
        }
    }
    Ok(created)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn date(d: NaiveDate) -> String {
    d.format("%-m월 %-d일").to_string()
}

/// The title, the text and the HTML of one digest.
fn render(digest: &Digest, link: &impl Fn(&str) -> String) -> (String, String, String) {
    let mut parts = Vec::new();
    if !digest.matches.is_empty() {
        parts.push(format!("새 맞춤 공고 {}건", digest.matches.len()));
    }
    if !digest.deadlines.is_empty() {
        parts.push(format!("마감 임박 {}건", digest.deadlines.len()));
    }
    let title = format!("주간 요약: {}", parts.join(", "));
    let mut text = String::from("이번 주 Connect 요약입니다.\n");
    let mut html = String::new();
    let more = |n: usize| if n > ITEMS { format!("외 {}건", n - ITEMS) } else { String::new() };
    if !digest.matches.is_empty() {
        text.push_str(&format!("\n■ 이번 주 새 맞춤 공고 ({}건)\n", digest.matches.len()));
        html.push_str(&format!(
            r#"<h2 style="font-size:16px">이번 주 새 맞춤 공고 ({}건)</h2><ul>"#,
            digest.matches.len()
        ));
        for (id, name, score, end) in digest.matches.iter().take(ITEMS) {
            let url = link(&format!("/programs/{id}"));
            let end = end.map(|d| format!(", 마감 {}", date(d))).unwrap_or_default();
            text.push_str(&format!("- {name} (적합도 {score}점{end})\n  {url}\n"));
            html.push_str(&format!(
                r#"<li><a href="{}" style="color:#1a56db">{}</a> — 적합도 {score}점{}</li>"#,
                escape(&url),
                escape(name),
                escape(&end)
            ));
        }
        html.push_str("</ul>");
        let rest = more(digest.matches.len());
        if !rest.is_empty() {
            text.push_str(&format!("  {rest}\n"));
            html.push_str(&format!("<p>{rest}</p>"));
        }
    }
    if !digest.deadlines.is_empty() {
        text.push_str(&format!("\n■ {DEADLINE_DAYS}일 안에 마감 ({}건)\n", digest.deadlines.len()));
        html.push_str(&format!(
            r#"<h2 style="font-size:16px">{DEADLINE_DAYS}일 안에 마감 ({}건)</h2><ul>"#,
            digest.deadlines.len()
        ));
        for (id, name, end, saved) in digest.deadlines.iter().take(ITEMS) {
            let url = link(&format!("/programs/{id}"));
            let why = if *saved { "저장한 공고" } else { "맞춤 공고" };
            text.push_str(&format!("- {name} (마감 {}, {why})\n  {url}\n", date(*end)));
            html.push_str(&format!(
                r#"<li><a href="{}" style="color:#1a56db">{}</a> — 마감 {}, {why}</li>"#,
                escape(&url),
                escape(name),
                date(*end)
            ));
        }
        html.push_str("</ul>");
        let rest = more(digest.deadlines.len());
        if !rest.is_empty() {
            text.push_str(&format!("  {rest}\n"));
            html.push_str(&format!("<p>{rest}</p>"));
        }
    }
    (title, text, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_iso_week() {
        // 2026-12-28 is a Monday of ISO week 53 of 2026; 2027-01-03 (Sunday) is still in it.
        let monday = NaiveDate::from_ymd_opt(2026, 12, 28).unwrap();
        assert_eq!(key(monday, 7), "digest:2026-W53:7");
        assert_eq!(key(NaiveDate::from_ymd_opt(2027, 1, 3).unwrap(), 7), "digest:2026-W53:7");
        assert_eq!(key(NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(), 7), "digest:2027-W01:7");
    }

    #[test]
    fn renders_escaped_lists_with_counts() {
        let digest = Digest {
            matches: (0..12)
                .map(|i| (i, format!("<AI> 바우처 {i}"), 90 - i as i16, NaiveDate::from_ymd_opt(2026, 12, 3)))
                .collect(),
            deadlines: vec![(3, "수출 & 판로".into(), NaiveDate::from_ymd_opt(2026, 12, 9).unwrap(), true)],
        };
        let (title, text, html) = render(&digest, &|p| format!("https://connect.test{p}"));
        assert_eq!(title, "주간 요약: 새 맞춤 공고 12건, 마감 임박 1건");
        assert!(text.contains("- <AI> 바우처 0 (적합도 90점, 마감 12월 3일)\n  https://connect.test/programs/0\n"));
        assert!(text.contains("외 2건") && text.contains("수출 & 판로 (마감 12월 9일, 저장한 공고)"), "{text}");
        assert!(html.contains("&lt;AI&gt; 바우처 0") && !html.contains("<AI>"), "{html}");
        assert!(html.contains("수출 &amp; 판로"));
        assert_eq!(html.matches("<li>").count(), 11);
    }
}
