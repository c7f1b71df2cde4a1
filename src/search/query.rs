//! A catalogue search as the search engine understands it, already validated, and its result.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalog::ProgramSummary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Title matches first, then BM25; without a query the same as `Newest`.
    #[default]
    Relevance,
    /// Soonest upcoming deadline first; programs without a deadline next; closed ones last.
    Deadline,
    Newest,
    /// Largest budget first; unknown budgets last.
    Budget,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        Some(match s {
            "relevance" => Sort::Relevance,
            "deadline" => Sort::Deadline,
            "newest" => Sort::Newest,
            "budget" => Sort::Budget,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Open,
    Upcoming,
    Closed,
    Unknown,
    /// Open, with the deadline within this many days (0 = today).
    Closing {
        within_days: u32,
    },
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    /// Every word must occur in the program's title, ministry, agency or body text.
    pub words: Vec<String>,
    pub status: Option<StatusFilter>,
    pub ministries: Vec<String>,
    pub agencies: Vec<String>,
    pub categories: Vec<String>,
    /// Region codes; a nationwide program matches every region.
    pub regions: Vec<String>,
    pub target_types: Vec<String>,
    pub announcement_types: Vec<String>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub program: Arc<ProgramSummary>,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: usize,
}

/// For each filter, how many results each of its values would give with all *other* filters applied.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub status: Vec<FacetCount>,
    pub ministry: Vec<FacetCount>,
    pub agency: Vec<FacetCount>,
    pub category: Vec<FacetCount>,
    pub region: Vec<FacetCount>,
    pub target_type: Vec<FacetCount>,
    pub announcement_type: Vec<FacetCount>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}
