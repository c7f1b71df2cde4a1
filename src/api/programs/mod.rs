//! `/api/programs`: catalogue search and program detail, and the JSON shape of a program.

pub mod search;
pub mod show;

use chrono::{DateTime, NaiveDate, Utc};
use normalize::{format_krw, AnnouncementType, Region};
use serde::Serialize;

use crate::catalog::model::PeriodView;
use crate::catalog::status::{days_left, Clock, Status};
use crate::catalog::vocab::target_label;
use crate::catalog::ProgramSummary;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CodeLabel {
    pub code: String,
    pub label: String,
}

/// A program as lists and search results show it. Status and D-day are computed now, in KST.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgramItem {
    pub id: i64,
    /// `ntis`, `iris`, `bizinfo`, `kstartup`, …
    pub source: String,
    /// The id the source publishes (roRndUid, ancmId, pblancId, pbanc_sn, …).
    pub external_id: String,
    pub title: String,
    /// 소관부처
    pub ministry: Option<String>,
    /// 전문기관 / 수행기관
    pub agency: Option<String>,
    pub announcement_type: CodeLabel,
    pub category: Option<String>,
    pub regions: Vec<CodeLabel>,
    pub target_types: Vec<CodeLabel>,
    pub period: PeriodView,
    /// `open`, `upcoming`, `closed` or `unknown`.
    pub status: Status,
    pub status_label: String,
    /// Days until the deadline (0 = today), negative once past; absent without a deadline.
    pub days_left: Option<i64>,
    /// `D-3`, `D-day`, `마감`, `상시`, … for a badge.
    pub deadline_label: String,
    pub budget_krw: Option<i64>,
    /// e.g. `3억 원`
    pub budget_label: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub last_changed_at: DateTime<Utc>,
    /// Relevance, only for a text search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

impl ProgramItem {
    pub fn new(p: &ProgramSummary, clock: &Clock, score: Option<f32>) -> Self {
        let status = Status::of(&p.period, clock);
        let days_left = days_left(&p.period, clock);
        ProgramItem {
            id: p.id,
            source: p.source.clone(),
            external_id: p.external_id.clone(),
            title: p.title.clone(),
            ministry: p.ministry.clone(),
            agency: p.agency.clone(),
            announcement_type: {
                let t = AnnouncementType::from_code(&p.announcement_type).unwrap_or(AnnouncementType::Other);
                CodeLabel { code: t.as_str().into(), label: t.label_ko().into() }
            },
            category: p.category.clone(),
            regions: p
                .regions
                .iter()
                .filter_map(|code| Region::from_code(code))
                .map(|r| CodeLabel { code: r.as_str().into(), label: r.label_ko().into() })
                .collect(),
            target_types: p
                .target_types
                .iter()
                .filter_map(|code| {
                    target_label(code).map(|label| CodeLabel { code: code.clone(), label: label.into() })
                })
                .collect(),
            period: PeriodView::from(&p.period),
            status,
            status_label: status.label_ko().into(),
            days_left,
            deadline_label: deadline_label(status, days_left, &p.period),
            budget_krw: p.budget_krw,
            budget_label: p.budget_krw.map(format_krw),
            published_on: p.published_on,
            source_url: p.source_url.clone(),
            last_changed_at: p.last_changed_at,
            score,
        }
    }
}

fn deadline_label(status: Status, days_left: Option<i64>, period: &normalize::Period) -> String {
    match (status, days_left) {
        (Status::Closed, _) => "마감".into(),
        (Status::Upcoming, _) => "접수예정".into(),
        (_, Some(0)) => "D-day".into(),
        (_, Some(d)) if d > 0 => format!("D-{d}"),
        _ => period.kind.label_ko().into(),
    }
}
