//! What a program is: the record we write, the summary every app node keeps in memory for search and
//! lists, and the full detail read from PostgreSQL.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use normalize::period::{Period, PeriodKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A normalised program ready to be written: the output of an importer or a scraper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramInput {
    pub source: String,
    pub external_id: String,
    pub title: String,
    pub ministry: Option<String>,
    pub agency: Option<String>,
    /// `call`, `survey`, `designated`, `education`, `event` or `other`.
    pub announcement_type: String,
    pub category: Option<String>,
    pub regions: Vec<String>,
    pub target_types: Vec<String>,
    pub period_raw: Option<String>,
    pub period: Period,
    pub budget_krw: Option<i64>,
    pub body: String,
    pub source_url: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub attachments: Vec<Attachment>,
    /// Coded eligibility the source published (K-Startup, 중소벤처24); part of the content hash
    /// only when present, so other programs hash as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligibility_fields: Option<eligibility::StructuredFields>,
}

impl ProgramInput {
    /// A digest of every published field: a re-import of an unchanged program writes nothing.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Attachment {
    pub name: String,
    pub url: Option<String>,
    /// `hwp`, `hwpx`, `pdf`, `doc`, `xls`, `zip`, `image` or `other`, from the file name.
    pub kind: String,
}

impl Attachment {
    pub fn new(name: String, url: Option<String>) -> Self {
        let kind = attachment_kind(&name).to_string();
        Attachment { name, url, kind }
    }
}

fn attachment_kind(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "hwp" => "hwp",
        "hwpx" => "hwpx",
        "pdf" => "pdf",
        "doc" | "docx" => "doc",
        "xls" | "xlsx" | "csv" => "xls",
        "zip" | "7z" | "egg" | "alz" => "zip",
        "png" | "jpg" | "jpeg" | "gif" | "webp" => "image",
        _ => "other",
    }
}

/// The parsed application period as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    #[schema(value_type = Option<String>, example = "18:00:00")]
    pub end_time: Option<NaiveTime>,
    /// `range`, `deadline_only`, `always`, `until_budget_exhausted`, `varies_by_agency`, `unknown`.
    pub kind: String,
    pub kind_label: String,
}

impl From<&Period> for PeriodView {
    fn from(p: &Period) -> Self {
        PeriodView {
            start: p.start,
            end: p.end,
            end_time: p.end_time,
            kind: p.kind.as_str().to_string(),
            kind_label: p.kind.label_ko().to_string(),
        }
    }
}

/// The fields a list or a search result needs; every app node keeps one per program in memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramSummary {
    pub id: i64,
    pub source: String,
    pub external_id: String,
    pub title: String,
    pub ministry: Option<String>,
    pub agency: Option<String>,
    pub announcement_type: String,
    pub category: Option<String>,
    pub regions: Vec<String>,
    pub target_types: Vec<String>,
    pub period: Period,
    pub budget_krw: Option<i64>,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_changed_at: DateTime<Utc>,
    pub removed: bool,
    /// The canonical record of the same program published by another source; a duplicate leaves
    /// search (its canonical record is found instead) but stays readable by id.
    pub duplicate_of: Option<i64>,
}

/// Everything about one program, read from PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgramDetail {
    pub summary: ProgramSummary,
    pub period_raw: Option<String>,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

pub fn period_kind(code: &str) -> PeriodKind {
    PeriodKind::from_code(code).unwrap_or(PeriodKind::Unknown)
}
