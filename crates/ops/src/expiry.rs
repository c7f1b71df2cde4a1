//! Rows that have outlived their use in the account tables (migrations/0005_accounts.sql): sessions
//! and OAuth flows past `expires_at`, mail tokens used or expired, revoked bearer tokens past their
//! own expiry (a token past it is refused anyway).

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// Table and the condition of a row that can go.
pub const EXPIRED: [(&str, &str); 4] = [
    ("sessions", "expires_at < now()"),
    ("oauth_flows", "expires_at < now()"),
    ("mail_tokens", "used_at IS NOT NULL OR expires_at < now()"),
    ("revoked_tokens", "expires_at < now()"),
];

/// Deletes (or with `dry_run` counts) the expired rows of each table.
pub async fn clean(client: &Client, dry_run: bool) -> Result<Vec<(&'static str, u64)>> {
    let mut counts = Vec::new();
    for (table, condition) in EXPIRED {
        let n = if dry_run {
            let row = client.query_one(&format!("SELECT count(*) FROM {table} WHERE {condition}"), &[]).await;
            row.map(|r| r.get::<_, i64>(0) as u64)
        } else {
            client.execute(&format!("DELETE FROM {table} WHERE {condition}"), &[]).await
        };
        counts.push((table, n.context(table)?));
    }
    Ok(counts)
}

pub fn summary(counts: &[(&str, u64)]) -> String {
    counts.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
}
