//! `connect import FILE`: loads programs from JSON lines, one announcement per line as a source
//! published it (raw period, budget and HTML), normalising each on the way in. Idempotent: a
//! record whose content did not change writes nothing. A bad line is reported with its number and
//! reason and skipped; the others are still loaded, and the command then fails.

use std::io::BufRead;

use futures::future::try_join_all;
use normalize::{
    announcement_type, clean_line, html_to_text, parse_krw, parse_regions, period, Region,
};
use serde::Deserialize;

use crate::catalog::model::{Attachment, ProgramInput};
use crate::catalog::store::{self, Upsert};
use crate::catalog::vocab;

/// One line of an import file (the shape of `data/sample/programs.jsonl`).
#[derive(Debug, Deserialize)]
pub struct ImportRecord {
    pub source: String,
    pub external_id: String,
    pub title: String,
    pub ministry: Option<String>,
    pub agency: Option<String>,
    pub category: Option<String>,
    pub regions_raw: Option<String>,
    pub target_raw: Option<String>,
    pub period_raw: Option<String>,
    pub budget_raw: Option<String>,
    pub published_raw: Option<String>,
    pub body_html: Option<String>,
    pub source_url: Option<String>,
    #[serde(default)]
    pub attachments: Vec<RawAttachment>,
    /// Where the record came from; informational.
    pub provenance: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawAttachment {
    pub name: String,
    pub url: Option<String>,
}

/// Sources that only publish national programs: no region means 전국.
const NATIONAL_SOURCES: &[&str] = &["ntis", "iris"];

fn text(value: Option<&str>) -> Option<String> {
    value.map(clean_line).filter(|v| !v.is_empty())
}

impl ImportRecord {
    /// Validates and normalises the record; the error names the field at fault.
    pub fn normalise(&self) -> Result<ProgramInput, String> {
        let source = self.source.trim();
        if !(2..=40).contains(&source.len())
            || !source
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "source: '{source}'은(는) 영문 소문자·숫자·_ 2~40자여야 합니다"
            ));
        }
        let external_id = self.external_id.trim();
        if external_id.is_empty() {
            return Err("external_id: 비어 있습니다".into());
        }
        let title = clean_line(&self.title);
        if title.is_empty() {
            return Err("title: 비어 있습니다".into());
        }
        let mut regions: Vec<String> = self
            .regions_raw
            .as_deref()
            .map(parse_regions)
            .unwrap_or_default()
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        if regions.is_empty() && NATIONAL_SOURCES.contains(&source) {
            regions.push(Region::Nationwide.as_str().to_string());
        }
        let source_url = self
            .source_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        if let Some(url) = source_url {
            match url::Url::parse(url) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
                _ => return Err(format!("source_url: '{url}'은(는) http(s) 주소가 아닙니다")),
            }
        }
        Ok(ProgramInput {
            source: source.to_string(),
            external_id: external_id.to_string(),
            announcement_type: announcement_type(&title).as_str().to_string(),
            title,
            ministry: text(self.ministry.as_deref()),
            agency: text(self.agency.as_deref()),
            category: text(self.category.as_deref()),
            regions,
            target_types: self
                .target_raw
                .as_deref()
                .map(vocab::target_types)
                .unwrap_or_default(),
            period_raw: self.period_raw.clone().filter(|p| !p.trim().is_empty()),
            period: period::parse(self.period_raw.as_deref().unwrap_or("")),
            budget_krw: self.budget_raw.as_deref().and_then(parse_krw),
            body: self
                .body_html
                .as_deref()
                .map(html_to_text)
                .unwrap_or_default(),
            source_url: source_url.map(str::to_string),
            published_on: self.published_raw.as_deref().and_then(period::parse_date),
            attachments: self
                .attachments
                .iter()
                .map(|a| {
                    Attachment::new(
                        clean_line(&a.name),
                        a.url.clone().filter(|u| !u.trim().is_empty()),
                    )
                })
                .filter(|a| !a.name.is_empty())
                .collect(),
        })
    }
}

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
pub async fn import(
    client: &mut tokio_postgres::Client,
    reader: impl BufRead,
) -> anyhow::Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| anyhow::anyhow!("{number}번째 줄을 읽을 수 없습니다: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ImportRecord>(&line)
            .map_err(|e| format!("JSON 오류: {e}"))
            .and_then(|r| r.normalise())
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
