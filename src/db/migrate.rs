//! Forward-only, plain-SQL migrations from `migrations/`, embedded in the binary.
//!
//! Each file runs once, in name order, in its own transaction, and is recorded with its checksum in
//! `schema_migrations`. A recorded file whose text changed is an error: migrations are never edited,
//! only added. Files must be expand/contract safe (the previous release keeps running against the new
//! schema during a deploy): add columns with defaults, never drop or rename in the same release.
//! Runs over a direct connection, holding a session advisory lock so two deploys cannot race.

use sha2::{Digest, Sha256};

use crate::config::SecretUrl;

struct Migration {
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_catalogue.sql", sql: include_str!("../../migrations/0001_catalogue.sql") },
    Migration { name: "0002_ingestion.sql", sql: include_str!("../../migrations/0002_ingestion.sql") },
    Migration { name: "0003_duplicate_groups.sql", sql: include_str!("../../migrations/0003_duplicate_groups.sql") },
    Migration { name: "0004_attachment_text.sql", sql: include_str!("../../migrations/0004_attachment_text.sql") },
    Migration { name: "0005_accounts.sql", sql: include_str!("../../migrations/0005_accounts.sql") },
    Migration { name: "0006_billing.sql", sql: include_str!("../../migrations/0006_billing.sql") },
    Migration { name: "0007_notifications.sql", sql: include_str!("../../migrations/0007_notifications.sql") },
    Migration { name: "0008_matching.sql", sql: include_str!("../../migrations/0008_matching.sql") },
    Migration { name: "0009_detail_checks.sql", sql: include_str!("../../migrations/0009_detail_checks.sql") },
    Migration {
        name: "0010_notification_threshold_digest.sql",
        sql: include_str!("../../migrations/0010_notification_threshold_digest.sql"),
    },
    Migration {
        name: "0011_program_eligibility_fields.sql",
        sql: include_str!("../../migrations/0011_program_eligibility_fields.sql"),
    },
    Migration { name: "0012_program_editor.sql", sql: include_str!("../../migrations/0012_program_editor.sql") },
];

/// An arbitrary constant shared by every Connect process: the advisory lock key for migrations.
const LOCK_KEY: i64 = 0x636f_6e6e_6563_7401;

#[derive(Debug, Default)]
pub struct Report {
    pub applied: Vec<&'static str>,
    pub already: usize,
}

pub async fn run(url: &SecretUrl) -> anyhow::Result<Report> {
    let mut client = super::connect_direct(url).await?;
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_KEY]).await?;
    let result = apply_all(&mut client).await;
    client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_KEY]).await?;
    result
}

async fn apply_all(client: &mut tokio_postgres::Client) -> anyhow::Result<Report> {
    client
        .batch_execute(
            "SET client_min_messages = warning;
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .await?;
    let mut report = Report::default();
    for migration in MIGRATIONS {
        let checksum = hex(&Sha256::digest(migration.sql.as_bytes()));
        let recorded =
            client.query_opt("SELECT checksum FROM schema_migrations WHERE name = $1", &[&migration.name]).await?;
        match recorded {
            Some(row) if row.get::<_, String>(0) == checksum => report.already += 1,
            Some(_) => anyhow::bail!(
                "migration {} was changed after it was applied; add a new migration instead",
                migration.name
            ),
            None => {
                let tx = client.transaction().await?;
                tx.batch_execute(migration.sql)
                    .await
                    .map_err(|e| anyhow::anyhow!("migration {} failed: {}", migration.name, db_error(&e)))?;
                tx.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                    &[&migration.name, &checksum],
                )
                .await?;
                tx.commit().await?;
                report.applied.push(migration.name);
            }
        }
    }
    Ok(report)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn db_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}
