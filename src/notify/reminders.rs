//! Deadline reminders: on a KST day, for every saved program whose application period ends in 7, 3
//! or 1 days, one notification per person and day count.

use chrono::NaiveDate;
use tokio_postgres::types::Type;
use tokio_postgres::GenericClient;

use super::{create, Kind, Notice};

/// Days before the deadline a reminder goes out.
pub const DAYS_BEFORE: [i32; 3] = [7, 3, 1];

/// Creates the reminders due on `today` (KST); returns how many this call created.
pub async fn queue_deadlines<C: GenericClient>(client: &C, today: NaiveDate) -> Result<usize, tokio_postgres::Error> {
    let mut created = 0;
    for days in DAYS_BEFORE {
        let rows = client
            .query_typed(
                "SELECT s.user_id, p.id, p.title, p.period_end, p.period_end_time::text
                   FROM saved_programs s JOIN programs p ON p.id = s.program_id
                  WHERE p.period_end = $1::date + $2 AND p.removed_at IS NULL",
                &[(&today, Type::DATE), (&days, Type::INT4)],
            )
            .await?;
        for row in rows {
            let (user_id, program_id, title): (i64, i64, String) = (row.get(0), row.get(1), row.get(2));
            let end: NaiveDate = row.get(3);
            let time: Option<String> = row.get(4);
            let when = match time {
                Some(t) => format!("{} {}", end.format("%Y년 %-m월 %-d일"), &t[..5.min(t.len())]),
                None => end.format("%Y년 %-m월 %-d일").to_string(),
            };
            let key = format!("deadline:D-{days}:{program_id}:{user_id}");
            let notice = Notice {
                user_id,
                kind: Kind::Deadline,
                key: &key,
                program_id: Some(program_id),
                title: &format!("[D-{days}] {title}"),
                body: &format!("저장한 공고의 접수 마감이 {days}일 남았습니다. 마감: {when} (KST)"),
                link: Some(&format!("/programs/{program_id}")),
            };
            if create(client, &notice).await? {
                created += 1;
            }
        }
    }
    Ok(created)
}
