//! The in-memory half of search: one compact entry per program on this node, against which filters,
//! facet counts, sorting and pagination run. Text matching hands it (id, score) pairs; without a query
//! it scans every entry (100,000 entries take a few milliseconds).
//!
//! Values that are filtered and counted are interned (ministry, agency, category) or kept as bit sets
//! (regions, target types), so a facet count is an array increment, not a hash lookup.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use normalize::{AnnouncementType, Region};

use super::query::{FacetCount, Facets, Hit, SearchQuery, SearchResult, Sort, StatusFilter};
use crate::catalog::status::{Clock, Status, Timing};
use crate::catalog::vocab::TARGET_TYPES;
use crate::catalog::ProgramSummary;

/// How many values a facet over free-text names (ministry, agency, category) lists at most.
const FACET_LIMIT: usize = 30;

const ANNOUNCEMENT_TYPES: [AnnouncementType; 6] = AnnouncementType::ALL;

/// Regions in bit order: the 17 시도, then 전국.
fn regions() -> impl Iterator<Item = Region> {
    Region::all_sido().iter().copied().chain(std::iter::once(Region::Nationwide))
}

fn region_bit(code: &str) -> u32 {
    regions().position(|r| r.as_str() == code).map_or(0, |i| 1 << i)
}

/// 전국 is the last region bit; a test checks this against `regions()`.
const NATIONWIDE: u32 = 1 << 17;

fn target_bit(code: &str) -> u32 {
    TARGET_TYPES.iter().position(|(c, _)| *c == code).map_or(0, |i| 1 << i)
}

/// Strings numbered in order of first appearance; 0 stands for "none".
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn intern(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return 0;
        };
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        self.names.push(name.to_string());
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        id
    }

    fn lookup(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize - 1]
    }

    fn len(&self) -> usize {
        self.names.len() + 1
    }
}

/// What a search reads of each program, kept inline so that a scan of the whole catalogue walks one
/// contiguous array instead of chasing a pointer per program.
struct Entry {
    program: Arc<ProgramSummary>,
    id: i64,
    timing: Timing,
    budget: Option<i64>,
    published: NaiveDate,
    /// Removed from its source, or a duplicate of another record: not listed.
    removed: bool,
    ministry: u32,
    agency: u32,
    category: u32,
    announcement_type: u8,
    regions: u32,
    targets: u32,
}

#[derive(Default)]
pub struct Summaries {
    /// Indexed by program id (ids are dense), so text matches map to entries without hashing.
    entries: Vec<Option<Entry>>,
    live: usize,
    ministries: Interner,
    agencies: Interner,
    categories: Interner,
}

// Facet dimensions, as bit numbers in an entry's "failed filters" mask.
const STATUS: u32 = 0;
const MINISTRY: u32 = 1;
const AGENCY: u32 = 2;
const CATEGORY: u32 = 3;
const REGION: u32 = 4;
const TARGET: u32 = 5;
const TYPE: u32 = 6;
const OTHER: u32 = 7;

/// A query with its names resolved to this node's interned ids.
struct Compiled<'q> {
    query: &'q SearchQuery,
    ministries: Option<Vec<u32>>,
    agencies: Option<Vec<u32>>,
    categories: Option<Vec<u32>>,
    regions: Option<u32>,
    targets: Option<u32>,
    types: Option<Vec<u8>>,
}

fn resolve(interner: &Interner, names: &[String]) -> Option<Vec<u32>> {
    (!names.is_empty()).then(|| names.iter().filter_map(|n| interner.lookup(n)).collect())
}

impl Summaries {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    pub fn get(&self, id: i64) -> Option<&Arc<ProgramSummary>> {
        let index = usize::try_from(id).ok()?;
        self.entries.get(index)?.as_ref().map(|e| &e.program)
    }

    /// Adds or replaces a program; a removed program leaves search but stays readable by id.
    pub fn upsert(&mut self, program: ProgramSummary) {
        let Ok(index) = usize::try_from(program.id) else {
            return;
        };
        if index >= self.entries.len() {
            self.entries.resize_with(index + 1, || None);
        }
        let entry = Entry {
            id: program.id,
            timing: Timing::of(&program.period),
            budget: program.budget_krw,
            published: program.published_on.unwrap_or_else(|| program.first_seen_at.date_naive()),
            removed: program.removed || program.duplicate_of.is_some(),
            ministry: self.ministries.intern(program.ministry.as_deref()),
            agency: self.agencies.intern(program.agency.as_deref()),
            category: self.categories.intern(program.category.as_deref()),
            announcement_type: AnnouncementType::from_code(&program.announcement_type)
                .and_then(|t| ANNOUNCEMENT_TYPES.iter().position(|a| *a == t))
                .unwrap_or(ANNOUNCEMENT_TYPES.len() - 1) as u8,
            regions: program.regions.iter().fold(0, |mask, r| mask | region_bit(r)),
            targets: program.target_types.iter().fold(0, |mask, t| mask | target_bit(t)),
            program: Arc::new(program),
        };
        if self.entries[index].replace(entry).is_none() {
            self.live += 1;
        }
    }

    /// Runs `query` over `matches` (from the text index), or over every program when there is no
    /// text query.
    pub fn search(&self, query: &SearchQuery, matches: Option<&[(i64, f32)]>, clock: &Clock) -> SearchResult {
        let compiled = Compiled {
            query,
            ministries: resolve(&self.ministries, &query.ministries),
            agencies: resolve(&self.agencies, &query.agencies),
            categories: resolve(&self.categories, &query.categories),
            regions: (!query.regions.is_empty()).then(|| query.regions.iter().fold(0, |m, r| m | region_bit(r))),
            targets: (!query.target_types.is_empty())
                .then(|| query.target_types.iter().fold(0, |m, t| m | target_bit(t))),
            types: (!query.announcement_types.is_empty()).then(|| {
                query
                    .announcement_types
                    .iter()
                    .filter_map(|t| AnnouncementType::from_code(t))
                    .filter_map(|t| ANNOUNCEMENT_TYPES.iter().position(|a| *a == t).map(|i| i as u8))
                    .collect()
            }),
        };
        let mut counts = Counts::new(self);
        let mut hits: Vec<(&Entry, f32, Status)> = Vec::new();
        let candidates: Box<dyn Iterator<Item = (&Entry, f32)>> = match matches {
            Some(matches) => Box::new(matches.iter().filter_map(|&(id, score)| {
                let entry = self.entries.get(usize::try_from(id).ok()?)?.as_ref()?;
                Some((entry, score))
            })),
            None => Box::new(self.entries.iter().flatten().map(|entry| (entry, 0.0))),
        };
        for (entry, score) in candidates {
            let status = entry.timing.status(clock);
            let failed = self.failed_filters(&compiled, entry, status, clock);
            counts.add(entry, status, failed, clock);
            if failed == 0 {
                hits.push((entry, score, status));
            }
        }
        let total = hits.len();
        let start = (query.page - 1) * query.per_page;
        let end = (start + query.per_page).min(total);
        let order =
            |a: &(&Entry, f32, Status), b: &(&Entry, f32, Status)| compare(query.sort, matches.is_some(), a, b, clock);
        let page = if start < total {
            if end < total {
                hits.select_nth_unstable_by(end, order);
            }
            let top = &mut hits[..end];
            top.sort_unstable_by(order);
            top[start..].iter().map(|(e, score, _)| Hit { program: e.program.clone(), score: *score }).collect()
        } else {
            Vec::new()
        };
        SearchResult { total, hits: page, facets: counts.into_facets(self) }
    }

    /// The set of filters `entry` fails, one bit per facet dimension.
    fn failed_filters(&self, c: &Compiled, e: &Entry, status: Status, clock: &Clock) -> u32 {
        let q = c.query;
        let mut failed = 0;
        if let Some(filter) = q.status {
            let ok = match filter {
                StatusFilter::Open => status == Status::Open,
                StatusFilter::Upcoming => status == Status::Upcoming,
                StatusFilter::Closed => status == Status::Closed,
                StatusFilter::Unknown => status == Status::Unknown,
                StatusFilter::Closing { within_days } => is_closing(e, status, within_days, clock),
            };
            failed |= (!ok as u32) << STATUS;
        }
        let one_of = |wanted: &Option<Vec<u32>>, value: u32| wanted.as_ref().is_none_or(|w| w.contains(&value));
        failed |= (!one_of(&c.ministries, e.ministry) as u32) << MINISTRY;
        failed |= (!one_of(&c.agencies, e.agency) as u32) << AGENCY;
        failed |= (!one_of(&c.categories, e.category) as u32) << CATEGORY;
        if let Some(mask) = c.regions {
            failed |= ((e.regions & (mask | NATIONWIDE)) == 0) as u32 * (1 << REGION);
        }
        if let Some(mask) = c.targets {
            failed |= ((e.targets & mask) == 0) as u32 * (1 << TARGET);
        }
        if let Some(types) = &c.types {
            failed |= (!types.contains(&e.announcement_type) as u32) << TYPE;
        }
        let deadline_ok = match (q.deadline_from, q.deadline_to, e.timing.end()) {
            (None, None, _) => true,
            (_, _, None) => false,
            (from, to, Some(end)) => from.is_none_or(|f| end >= f) && to.is_none_or(|t| end <= t),
        };
        let budget_ok = match (q.budget_min, q.budget_max, e.budget) {
            (None, None, _) => true,
            (_, _, None) => false,
            (min, max, Some(b)) => min.is_none_or(|m| b >= m) && max.is_none_or(|m| b <= m),
        };
        failed |= (!(deadline_ok && budget_ok && !e.removed) as u32) << OTHER;
        failed
    }
}

fn is_closing(e: &Entry, status: Status, within_days: u32, clock: &Clock) -> bool {
    status == Status::Open && e.timing.days_left(clock).is_some_and(|d| (0..=i64::from(within_days)).contains(&d))
}

/// The default window of the "closing soon" facet value.
pub const CLOSING_DAYS: u32 = 7;

struct Counts {
    status: [usize; 4],
    closing: usize,
    ministry: Vec<usize>,
    agency: Vec<usize>,
    category: Vec<usize>,
    region: [usize; 18],
    target: Vec<usize>,
    announcement_type: [usize; 6],
}

impl Counts {
    fn new(s: &Summaries) -> Self {
        Counts {
            status: [0; 4],
            closing: 0,
            ministry: vec![0; s.ministries.len()],
            agency: vec![0; s.agencies.len()],
            category: vec![0; s.categories.len()],
            region: [0; 18],
            target: vec![0; TARGET_TYPES.len()],
            announcement_type: [0; 6],
        }
    }

    /// Counts `e` in every dimension whose own filter is the only one it fails, or when it fails none.
    fn add(&mut self, e: &Entry, status: Status, failed: u32, clock: &Clock) {
        let counts_in = |dim: u32| failed & !(1 << dim) == 0;
        if counts_in(STATUS) {
            self.status[Status::ALL.iter().position(|s| *s == status).unwrap_or(3)] += 1;
            self.closing += is_closing(e, status, CLOSING_DAYS, clock) as usize;
        }
        if counts_in(MINISTRY) {
            self.ministry[e.ministry as usize] += 1;
        }
        if counts_in(AGENCY) {
            self.agency[e.agency as usize] += 1;
        }
        if counts_in(CATEGORY) {
            self.category[e.category as usize] += 1;
        }
        if counts_in(REGION) {
            let nationwide = e.regions & NATIONWIDE != 0;
            for (bit, count) in self.region.iter_mut().enumerate() {
                *count += (nationwide || e.regions & (1 << bit) != 0) as usize;
            }
        }
        if counts_in(TARGET) {
            for (bit, count) in self.target.iter_mut().enumerate() {
                *count += (e.targets & (1 << bit) != 0) as usize;
            }
        }
        if counts_in(TYPE) {
            self.announcement_type[e.announcement_type as usize] += 1;
        }
    }

    fn into_facets(self, s: &Summaries) -> Facets {
        let fixed = |values: Vec<(&str, &str, usize)>| {
            values.into_iter().map(|(v, l, count)| FacetCount { value: v.into(), label: l.into(), count }).collect()
        };
        let named = |counts: Vec<usize>, interner: &Interner| {
            let mut values: Vec<FacetCount> = counts
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, &count)| count > 0)
                .map(|(id, &count)| {
                    let name = interner.name(id as u32);
                    FacetCount { value: name.into(), label: name.into(), count }
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values.truncate(FACET_LIMIT);
            values
        };
        let mut status: Vec<(&str, &str, usize)> =
            Status::ALL.iter().zip(self.status).map(|(s, count)| (s.as_str(), s.label_ko(), count)).collect();
        status.insert(1, ("closing", "마감임박 (7일 이내)", self.closing));
        Facets {
            status: fixed(status),
            ministry: named(self.ministry, &s.ministries),
            agency: named(self.agency, &s.agencies),
            category: named(self.category, &s.categories),
            region: fixed(regions().zip(self.region).map(|(r, count)| (r.as_str(), r.label_ko(), count)).collect()),
            target_type: fixed(TARGET_TYPES.iter().zip(self.target).map(|((c, l), count)| (*c, *l, count)).collect()),
            announcement_type: fixed(
                ANNOUNCEMENT_TYPES
                    .iter()
                    .zip(self.announcement_type)
                    .map(|(t, count)| (t.as_str(), t.label_ko(), count))
                    .collect(),
            ),
        }
    }
}

fn compare(
    sort: Sort,
    has_text: bool,
    a: &(&Entry, f32, Status),
    b: &(&Entry, f32, Status),
    clock: &Clock,
) -> Ordering {
    let (pa, pb) = (a.0, b.0);
    let newest = || pb.published.cmp(&pa.published).then(pb.id.cmp(&pa.id));
    match sort {
        Sort::Relevance if has_text => b.1.total_cmp(&a.1).then_with(newest),
        Sort::Relevance | Sort::Newest => newest(),
        Sort::Deadline => deadline_key(pa, clock).cmp(&deadline_key(pb, clock)).then_with(newest),
        Sort::Budget => match (pa.budget, pb.budget) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
        .then_with(newest),
    }
}

/// Upcoming deadlines soonest first, then programs without one, then past deadlines, latest first.
fn deadline_key(e: &Entry, clock: &Clock) -> (u8, i64) {
    match e.timing.end() {
        Some(end) if end >= clock.today() => (0, end.num_days_from_ce() as i64),
        None => (1, 0),
        Some(end) => (2, -(end.num_days_from_ce() as i64)),
    }
}

impl Summaries {
    pub fn for_each(&self, mut f: impl FnMut(&ProgramSummary)) {
        self.entries.iter().flatten().for_each(|e| f(&e.program));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nationwide_is_the_last_region_bit() {
        assert_eq!(region_bit(Region::Nationwide.as_str()), NATIONWIDE);
        assert_eq!(regions().count(), 18);
    }
}
