//! `connect import FILE`: loads programs from JSON lines, one announcement per line as a source
//! published it (raw period, budget and HTML), normalising each on the way in. Idempotent: a
//! record whose content did not change writes nothing. A bad line is reported with its number and
//! reason and skipped; the others are still loaded, and the command then fails.

use std::io::BufRead;

use futures::future::try_join_all;
use sources::RawProgram;

use crate::catalog::model::ProgramInput;
use crate::catalog::store::{self, Upsert};
use crate::ingest::normalise;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// (line number, reason) of every line that was not loaded.
    pub rejected: Vec<(usize, String)>,
}

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "새로 추가 {}건, 변경 {}건, 변경 없음 {}건, 거부 {}건",
            self.inserted,
            self.changed,
            self.unchanged,
            self.rejected.len()
        )
    }
}

/// Programs are written in transactions of this many, pipelined on one connection.
const BATCH: usize = 500;

/// Reads JSON lines from `reader` and writes them; bad lines are collected in the report.
pub async fn import(client: &mut tokio_postgres::Client, reader: impl BufRead) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| anyhow::anyhow!("{number}번째 줄을 읽을 수 없습니다: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RawProgram>(&line)
            .map_err(|e| format!("JSON 오류: {e}"))
            .and_then(|r| normalise(&r))
        {
            Ok(program) => batch.push(program),
            Err(reason) => report.rejected.push((number, reason)),
        }
        if batch.len() == BATCH {
            write(client, &batch, &mut report).await?;
            batch.clear();
        }
    }
    write(client, &batch, &mut report).await?;
    Ok(report)
}

/// Writes programs in one transaction with pipelined statements.
pub async fn write(
    client: &mut tokio_postgres::Client,
    programs: &[ProgramInput],
    report: &mut ImportReport,
) -> anyhow::Result<()> {
    if programs.is_empty() {
        return Ok(());
    }
    let tx = client.transaction().await?;
    let outcomes = try_join_all(programs.iter().map(|p| store::upsert(&tx, p))).await?;
    tx.commit().await?;
    for outcome in outcomes {
        match outcome {
            Upsert::Inserted(_) => report.inserted += 1,
            Upsert::Changed(_) => report.changed += 1,
            Upsert::Unchanged => report.unchanged += 1,
        }
    }
    Ok(())
}
