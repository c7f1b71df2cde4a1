//! One scrape of one source: fetch its list pages politely (conditional GET on the first page),
//! parse them, optionally enrich from detail pages, normalise, and write the programs with their
//! change history. Every step is idempotent, so a job retried after a crash writes nothing twice.
//! Each run is recorded in `scrape_runs` with its counts or its error.

use deadpool_postgres::Pool;
use fetch::{FetchError, Fetched, Fetcher, Url, Validators};
use sources::{Kind, ParseContext, ParseError, RawProgram};
use tokio_postgres::types::Type;

use super::config::SourceConfig;
use super::normalise;
use crate::catalog::store::{self, Upsert};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScrapeReport {
    pub pages: u32,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
    /// Records the source published that could not be normalised, with the reason.
    pub rejected: Vec<String>,
    /// The first page had not changed since the last run (304): nothing else was fetched.
    pub not_modified: bool,
    /// New or changed programs with attachments to extract.
    pub attachments_to_extract: Vec<i64>,
    /// Stored programs whose detail pages wait for a later run (over the source's `detail.limit`):
    /// left as stored, not overwritten with the list's fewer fields.
    pub deferred: usize,
}

impl std::fmt::Display for ScrapeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.not_modified {
            return write!(f, "변경 없음 (304)");
        }
        write!(
            f,
            "{}쪽: 신규 {}, 변경 {}, 그대로 {}, 삭제 표시 {}, 거부 {}",
            self.pages,
            self.new,
            self.changed,
            self.unchanged,
            self.removed,
            self.rejected.len()
        )?;
        if self.deferred > 0 {
            write!(f, ", 상세 확인 대기 {}", self.deferred)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("데이터베이스 오류: {0}")]
    Database(#[from] tokio_postgres::Error),
    #[error("데이터베이스 연결 오류: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
}

impl ScrapeError {
    /// Errors that a retry cannot fix: the job goes to the dead-letter set at once.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ScrapeError::Fetch(FetchError::RobotsDisallowed { .. } | FetchError::InvalidUrl(_))
                | ScrapeError::Fetch(FetchError::Http { status: 400..=499, .. })
                | ScrapeError::Parse(ParseError::ApiError { .. } | ParseError::NotAnAnnouncementPage { .. })
        )
    }
}

/// Programs are written in transactions of this many.
const WRITE_BATCH: usize = 200;

/// Runs one scrape of `source` and records it in `scrape_runs`.
pub async fn scrape(
    source: &SourceConfig,
    fetcher: &Fetcher,
    db: &Pool,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ScrapeReport, ScrapeError> {
    let run_id: i64 = {
        let client = db.get().await?;
        let name = source.name.as_str();
        // One scrape per source runs at a time (the job's idempotency key), so a run still marked
        // running was left by a worker that died mid-scrape.
        client
            .execute_typed(
                "UPDATE scrape_runs SET status = 'failed', finished_at = now(), error = '작업자가 중단되어 다시 실행했습니다 (abandoned)'
                 WHERE source = $1 AND status = 'running'",
                &[(&name, Type::TEXT)],
            )
            .await?;
        client.query_typed("INSERT INTO scrape_runs (source) VALUES ($1) RETURNING id", &[(&name, Type::TEXT)]).await?
            [0]
        .get(0)
    };
    let outcome = run(source, fetcher, db, progress).await;
    let client = db.get().await?;
    let (status, error) = match &outcome {
        Ok(r) if r.not_modified => ("not_modified", None),
        Ok(_) => ("succeeded", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    let report = outcome.as_ref().cloned().unwrap_or_default();
    let counts = [
        report.pages as i32,
        report.new as i32,
        report.changed as i32,
        report.unchanged as i32,
        report.removed as i32,
        report.rejected.len() as i32,
    ];
    client
        .execute_typed(
            "UPDATE scrape_runs SET finished_at = now(), status = $2, error = $3, pages = $4, new_items = $5,
                    changed_items = $6, unchanged_items = $7, removed_items = $8, rejected_items = $9
             WHERE id = $1",
            &[
                (&run_id, Type::INT8),
                (&status, Type::TEXT),
                (&error, Type::TEXT),
                (&counts[0], Type::INT4),
                (&counts[1], Type::INT4),
                (&counts[2], Type::INT4),
                (&counts[3], Type::INT4),
                (&counts[4], Type::INT4),
                (&counts[5], Type::INT4),
            ],
        )
        .await?;
    outcome
}

async fn run(
    source: &SourceConfig,
    fetcher: &Fetcher,
    db: &Pool,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<ScrapeReport, ScrapeError> {
    let mut report = ScrapeReport::default();
    let code = source.source_code();
    let stored = validators(db, &source.name).await?;
    let mut url = parse_url(&source.url_on(crate::catalog::status::Clock::now().today()))?;
    let mut raw: Vec<RawProgram> = Vec::new();
    let mut first_validators = None;
    let mut complete = false;
    for page_number in 0..source.max_pages {
        // A source read with detail pages re-checks some of them every run, so its list is read
        // even when unchanged.
        let conditional = (page_number == 0 && source.detail.is_none()).then_some(stored.as_ref()).flatten();
        let (body, content_type, validators) = match fetch(fetcher, source, &url, conditional).await? {
            Fetched::NotModified { .. } => {
                report.not_modified = true;
                return Ok(report);
            }
            Fetched::Body { body, content_type, validators, .. } => (body, content_type, validators),
        };
        if page_number == 0 {
            first_validators = Some(validators);
        }
        let mut ctx = ParseContext::new(code.clone(), url.as_str());
        ctx.content_type = content_type;
        ctx.selectors = source.selectors.clone();
        let page = match sources::parse(source.kind, &body, &ctx) {
            Err(ParseError::Malformed { .. }) if source.fallback.is_some() => fallback(source, fetcher, &code).await?,
            other => other?,
        };
        report.pages += 1;
        progress(&format!("{}쪽: 공고 {}건", page_number + 1, page.programs.len()));
        raw.extend(page.programs);
        match page.next_page.and_then(|next| url.join(&next).ok()) {
            Some(next) if next != url => url = next,
            _ => {
                complete = true;
                break;
            }
        }
    }
    let mut details = DetailChecks::default();
    if let Some(detail) = &source.detail {
        dedupe_keeping_last(&mut raw);
        details = enrich_from_details(source, detail, fetcher, db, &code, &mut raw, progress).await?;
    }

    let mut seen = Vec::with_capacity(raw.len());
    let mut programs: Vec<crate::catalog::ProgramInput> = Vec::with_capacity(raw.len());
    for record in &raw {
        if details.deferred.contains(&record.external_id) {
            // Stored from an earlier detail page; the list alone would overwrite that with less.
            seen.push(record.external_id.clone());
            report.deferred += 1;
            continue;
        }
        match normalise(record) {
            // A payload that lists one announcement twice (NTIS lists do) keeps its last copy.
            Ok(program) if seen.contains(&program.external_id) => {
                if let Some(earlier) = programs.iter_mut().find(|p| p.external_id == program.external_id) {
                    *earlier = program;
                }
            }
            Ok(program) => {
                seen.push(program.external_id.clone());
                programs.push(program);
            }
            Err(reason) => report.rejected.push(format!("{} {}: {reason}", record.source, record.external_id)),
        }
    }
    let mut client = db.get().await?;
    let mut written = Vec::new();
    for batch in programs.chunks(WRITE_BATCH) {
        let tx = client.transaction().await?;
        for program in batch {
            match store::upsert(&*tx, program).await? {
                Upsert::Inserted(id) => {
                    report.new += 1;
                    written.extend(program.attachments.iter().any(|a| a.url.is_some()).then_some(id));
                }
                Upsert::Changed(id) => {
                    report.changed += 1;
                    written.extend(program.attachments.iter().any(|a| a.url.is_some()).then_some(id));
                }
                Upsert::Unchanged => report.unchanged += 1,
            }
        }
        tx.commit().await?;
        progress(&format!("저장 {}/{}", report.new + report.changed + report.unchanged, programs.len()));
    }
    report.attachments_to_extract = written;
    store::mark_seen(&**client, &code, &seen).await?;
    client
        .execute_typed(
            "UPDATE programs SET detail_checked_at = now() WHERE source = $1 AND external_id = ANY($2)",
            &[(&code, Type::TEXT), (&details.checked, Type::TEXT_ARRAY)],
        )
        .await?;
    store::group_duplicates(&**client, &code).await?;
    if source.complete_listing && complete && !seen.is_empty() {
        report.removed = store::mark_removed_except(&**client, &code, &seen).await? as usize;
    }
    if let Some(v) = first_validators {
        save_validators(&client, &source.name, &v).await?;
    }
    Ok(report)
}

fn parse_url(raw: &str) -> Result<Url, ScrapeError> {
    Url::parse(raw).map_err(|e| ScrapeError::Fetch(FetchError::InvalidUrl(format!("{raw}: {e}"))))
}

async fn fetch(
    fetcher: &Fetcher,
    source: &SourceConfig,
    url: &Url,
    validators: Option<&Validators>,
) -> Result<Fetched, FetchError> {
    match &source.form {
        Some(form) => {
            let pairs: Vec<(String, String)> = form.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            fetcher.post_form(url, &pairs).await
        }
        None => fetcher.get(url, validators).await,
    }
}

/// The source's alternative payload (e.g. 기업마당 RSS when its JSON is broken).
async fn fallback(source: &SourceConfig, fetcher: &Fetcher, code: &str) -> Result<sources::Page, ScrapeError> {
    let Some(fallback) = &source.fallback else { unreachable!("checked by the caller") };
    tracing::warn!(source = %source.name, "primary payload malformed; using the fallback");
    let url = parse_url(&fallback.url)?;
    match fetcher.get(&url, None).await? {
        Fetched::Body { body, content_type, .. } => {
            let mut ctx = ParseContext::new(code, url.as_str());
            ctx.content_type = content_type;
            Ok(sources::parse(fallback.kind, &body, &ctx)?)
        }
        Fetched::NotModified { .. } => Ok(sources::Page::default()),
    }
}

/// What a run did with detail pages, by external id.
#[derive(Default)]
struct DetailChecks {
    /// Stored programs whose detail page was fetched (or tried) this run.
    checked: Vec<String>,
    /// Stored programs whose detail page was not merged this run: kept as stored.
    deferred: std::collections::HashSet<String>,
}

/// A list that names one announcement twice (NTIS lists do) keeps its last copy.
fn dedupe_keeping_last(raw: &mut Vec<RawProgram>) {
    let mut seen = std::collections::HashSet::new();
    raw.reverse();
    raw.retain(|r| seen.insert(r.external_id.clone()));
    raw.reverse();
}

/// Fetches up to `detail.limit` detail pages and fills in what the list did not say: programs new
/// to the catalogue first, then those whose detail page was checked longest ago, so a list longer
/// than the limit is re-checked in turn. A failed detail page is logged and skipped; a new program
/// is then stored from its list row, a stored one is left as it was.
async fn enrich_from_details(
    source: &SourceConfig,
    detail: &super::config::DetailConfig,
    fetcher: &Fetcher,
    db: &Pool,
    code: &str,
    raw: &mut [RawProgram],
    progress: &(dyn Fn(&str) + Sync),
) -> Result<DetailChecks, ScrapeError> {
    let ids: Vec<String> = raw.iter().map(|r| r.external_id.clone()).collect();
    let code_param = code.to_string();
    let stored: std::collections::HashMap<String, Option<chrono::DateTime<chrono::Utc>>> = db
        .get()
        .await?
        .query_typed(
            "SELECT external_id, detail_checked_at FROM programs WHERE source = $1 AND external_id = ANY($2)",
            &[(&code_param, Type::TEXT), (&ids, Type::TEXT_ARRAY)],
        )
        .await?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut order: Vec<usize> =
        (0..raw.len()).filter(|&i| raw[i].source_url.as_deref().is_some_and(|u| Url::parse(u).is_ok())).collect();
    // New first (None < Some), then never checked (Some(None)), then the oldest check; stable.
    order.sort_by_key(|&i| stored.get(&raw[i].external_id));
    let mut checks = DetailChecks {
        checked: Vec::new(),
        deferred: order.iter().map(|&i| &raw[i].external_id).filter(|id| stored.contains_key(*id)).cloned().collect(),
    };
    for (n, &i) in order.iter().take(detail.limit).enumerate() {
        let record = &mut raw[i];
        // A stored program's turn is used up even when its page fails, so one broken page cannot
        // hold the queue; a new program whose page failed comes first again next run.
        if stored.contains_key(&record.external_id) {
            checks.checked.push(record.external_id.clone());
        }
        let Some(url) = record.source_url.as_deref().and_then(|u| Url::parse(u).ok()) else {
            continue;
        };
        let page = match fetcher.get(&url, None).await {
            Ok(Fetched::Body { body, content_type, .. }) => {
                let mut ctx = ParseContext::new(code, url.as_str());
                ctx.content_type = content_type;
                ctx.selectors = detail.selectors.clone();
                sources::parse(detail.kind, &body, &ctx)
            }
            Ok(Fetched::NotModified { .. }) => continue,
            Err(e) => {
                tracing::warn!(source = %source.name, %url, error = %e, "detail page skipped");
                continue;
            }
        };
        match page {
            Ok(page) => {
                if let Some(found) = page.programs.into_iter().next() {
                    merge(record, found);
                    checks.deferred.remove(&record.external_id);
                    if !stored.contains_key(&record.external_id) {
                        checks.checked.push(record.external_id.clone());
                    }
                }
            }
            Err(e) => tracing::warn!(source = %source.name, %url, error = %e, "detail page not understood"),
        }
        if (n + 1) % 10 == 0 {
            progress(&format!("상세 {}건", n + 1));
        }
    }
    Ok(checks)
}

/// The detail page wins where it says something; the list keeps the identity.
fn merge(list: &mut RawProgram, detail: RawProgram) {
    fn take(into: &mut Option<String>, from: Option<String>) {
        if from.as_deref().is_some_and(|v| !v.trim().is_empty()) {
            *into = from;
        }
    }
    take(&mut list.ministry, detail.ministry);
    take(&mut list.agency, detail.agency);
    take(&mut list.category, detail.category);
    take(&mut list.regions_raw, detail.regions_raw);
    take(&mut list.target_raw, detail.target_raw);
    take(&mut list.period_raw, detail.period_raw);
    take(&mut list.budget_raw, detail.budget_raw);
    take(&mut list.published_raw, detail.published_raw);
    take(&mut list.body_html, detail.body_html);
    if !detail.attachments.is_empty() {
        list.attachments = detail.attachments;
    }
    list.eligibility.extend(detail.eligibility);
}

async fn validators(db: &Pool, source: &str) -> Result<Option<Validators>, ScrapeError> {
    let client = db.get().await?;
    let rows = client
        .query_typed("SELECT etag, last_modified FROM source_state WHERE source = $1", &[(&source, Type::TEXT)])
        .await?;
    Ok(rows.first().map(|r| Validators { etag: r.get(0), last_modified: r.get(1) }))
}

async fn save_validators(client: &deadpool_postgres::Client, source: &str, v: &Validators) -> Result<(), ScrapeError> {
    client
        .execute_typed(
            "INSERT INTO source_state (source, etag, last_modified) VALUES ($1, $2, $3)
             ON CONFLICT (source) DO UPDATE SET etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified, updated_at = now()",
            &[(&source, Type::TEXT), (&v.etag, Type::TEXT), (&v.last_modified, Type::TEXT)],
        )
        .await?;
    Ok(())
}

/// A kind's parser and normaliser over a saved payload, for `connect parse`: no network, no database.
pub fn parse_saved(
    kind: Kind,
    body: &[u8],
    source: &str,
    url: &str,
    selectors: Option<sources::HtmlSelectors>,
) -> Result<Vec<Result<crate::catalog::ProgramInput, String>>, ParseError> {
    let mut ctx = ParseContext::new(source, url);
    ctx.selectors = selectors;
    let page = sources::parse(kind, body, &ctx)?;
    Ok(page.programs.iter().map(normalise).collect())
}
