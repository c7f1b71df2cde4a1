//! The mails billing sends, in Korean (as `crate::accounts::mails`): a declined renewal that will be
//! tried again, and a subscription past due. They go to the person who subscribed and to the
//! organisation's owner. A mail that cannot be sent is logged; it never undoes the billing step.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio_postgres::types::Type;

use super::Billing;
use crate::plans::format_won;

/// The organisation a mail is about.
pub struct Org {
    pub id: i64,
    pub name: String,
}

/// What failed.
pub struct Failure<'a> {
    pub order_name: &'a str,
    pub amount: i64,
    pub reason: &'a str,
}

/// `2026년 5월 3일`, the KST date of `at`.
pub fn kst_date(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::catalog::status::kst()).format("%Y년 %-m월 %-d일").to_string()
}

fn billing_link(billing: &Billing, org: &Org) -> String {
    billing.link(&format!("/orgs/{}/billing", org.id))
}

pub fn payment_failed(
    billing: &Billing,
    to: &str,
    org: &Org,
    failure: &Failure<'_>,
    retry_at: DateTime<Utc>,
) -> mail::Message {
    mail::Message::new(
        to,
        "[Connect] 정기결제가 승인되지 않았습니다",
        format!(
            "안녕하세요, Connect입니다.\n\n{org}의 {item} 정기결제 {amount}이 승인되지 않았습니다.\n사유: {reason}\n\n\
             {date}에 다시 결제를 시도합니다. 그 전에 결제 카드를 바꾸시려면 아래 주소에서 카드를 다시 등록해 주세요. \
             등록하는 즉시 다시 결제합니다.\n\n{link}\n\n요금제는 재시도 기간 동안 그대로 이용하실 수 있습니다.",
            org = org.name,
            item = failure.order_name,
            amount = format_won(failure.amount),
            reason = failure.reason,
            date = kst_date(retry_at),
            link = billing_link(billing, org),
        ),
    )
}

pub fn past_due(
    billing: &Billing,
    to: &str,
    org: &Org,
    failure: &Failure<'_>,
    grace_until: DateTime<Utc>,
) -> mail::Message {
    mail::Message::new(
        to,
        "[Connect] 요금이 미납되었습니다",
        format!(
            "안녕하세요, Connect입니다.\n\n{org}의 {item} 정기결제 {amount}을 여러 차례 시도했지만 승인되지 않아 \
             구독이 미납 상태가 되었습니다.\n마지막 사유: {reason}\n\n\
             {date}까지 아래 주소에서 결제 카드를 다시 등록하시면 바로 결제되어 요금제가 이어집니다. \
             그때까지 결제되지 않으면 무료 요금제로 바뀝니다.\n\n{link}",
            org = org.name,
            item = failure.order_name,
            amount = format_won(failure.amount),
            reason = failure.reason,
            date = kst_date(grace_until),
            link = billing_link(billing, org),
        ),
    )
}

/// Sends `make(address, organisation)` to the subscriber and the owner of the subscription's
/// organisation (once each); how many were sent.
pub async fn notify(
    billing: &Billing,
    db: &Pool,
    subscription_id: i64,
    make: impl Fn(&str, &Org) -> mail::Message,
) -> usize {
    let recipients = match recipients(db, subscription_id).await {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), subscription_id, "billing mail recipients unknown");
            return 0;
        }
    };
    let Some((org, addresses)) = recipients else { return 0 };
    let mut sent = 0;
    for address in addresses {
        if crate::accounts::mails::deliver(billing.mailer.as_ref(), make(&address, &org)).await {
            sent += 1;
        }
    }
    sent
}

async fn recipients(db: &Pool, subscription_id: i64) -> anyhow::Result<Option<(Org, Vec<String>)>> {
    let client = db.get().await?;
    let rows = client
        .query_typed(
            "SELECT o.id, o.name,
                    (SELECT u.email FROM users u WHERE u.id = s.user_id AND u.deleted_at IS NULL),
                    (SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE m.organization_id = o.id AND m.role = 'owner' AND u.deleted_at IS NULL)
               FROM subscriptions s JOIN organizations o ON o.id = s.organization_id WHERE s.id = $1",
            &[(&subscription_id, Type::INT8)],
        )
        .await?;
    let Some(row) = rows.first() else { return Ok(None) };
    let mut addresses: Vec<String> = [row.get::<_, Option<String>>(2), row.get(3)].into_iter().flatten().collect();
    addresses.dedup();
    Ok(Some((Org { id: row.get(0), name: row.get(1) }, addresses)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn dates_are_kst() {
        // 15:30 UTC on 2 May is already 3 May in Korea.
        assert_eq!(kst_date(Utc.with_ymd_and_hms(2026, 5, 2, 15, 30, 0).unwrap()), "2026년 5월 3일");
    }
}
