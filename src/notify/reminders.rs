//! Deadline reminders: on a KST day, for every saved or top-matched program (eligible, scoring at
//! least the person's threshold, not dismissed: [`super::top_matched_sql`]) whose application
//! period ends in 7, 3 or 1 days, one notification per person, program and day count. A program
//! both saved and matched is one reminder: the key (`deadline:D-3:<program>:<user>`) does not say
//! why.

use chrono::NaiveDate;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::{create, top_matched_sql, Kind, Notice};

/// Days before the deadline a reminder goes out.
pub const DAYS_BEFORE: [i32; 3] = [7, 3, 1];

/// Creates the reminders due on `today` (KST); returns how many this call created.
pub async fn queue_deadlines<C: GenericClient>(client: &C, today: NaiveDate) -> Result<usize, tokio_postgres::Error> {
    let mut created = 0;
    let sql = format!(
        "SELECT DISTINCT ON (x.user_id, p.id) x.user_id, p.id, p.title, p.period_end, p.period_end_time::text, x.saved
           FROM (SELECT user_id, program_id, true AS saved FROM saved_programs
                 UNION ALL
                 SELECT user_id, program_id, false FROM ({}) top) x
           JOIN programs p ON p.id = x.program_id
          WHERE p.period_end = $1::date + $2 AND p.removed_at IS NULL
          ORDER BY x.user_id, p.id, x.saved DESC",
        top_matched_sql()
    );
    for days in DAYS_BEFORE {
        let rows = client.query_typed(&sql, &[(&today, Type::DATE), (&days, Type::INT4)]).await?;
        for row in rows {
            let (user_id, program_id, title): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
            let end: NaiveDate = row.get(3);
            let time: Option<String> = row.get(4);
            let saved: bool = row.get(5);
            let when = match time {
                Some(t) => format!("{} {}", end.format("%Y년 %-m월 %-d일"), &t[..5.min(t.len())]),
                None => end.format("%Y년 %-m월 %-d일").to_string(),
            };
            let which = if saved { "저장한 공고" } else { "우리 기관에 맞는 공고" };
            let key = format!("deadline:D-{days}:{program_id}:{user_id}");
            let notice = Notice {
                user_id,
                kind: Kind::Deadline,
                key: &key,
                program_id: Some(program_id),
                title: &format!("[D-{days}] {title}"),
                body: &format!("{which}의 접수 마감이 {days}일 남았습니다. 마감: {when} (KST)"),
                link: Some(&format!("/programs/{program_id}")),
                html: None,
            };
            if create(client, &notice).await? {
                created += 1;
            }
        }
    }
    Ok(created)
}
