//! Source parsers for Connect: a fetched payload (bytes + what was fetched) in, raw program
//! records out. Every parser is pure — no network, no files — and never panics on any input:
//! a payload it cannot read is a [`ParseError`], never a silent empty page.
//!
//! [`RawProgram`] has the fields and meaning of the app's `ImportRecord` (`src/import.rs`), so a
//! record can be written as one JSON line and loaded with `connect import`. Dates, periods,
//! amounts and regions stay as the source wrote them; `normalize` turns them into typed values.

mod bizinfo;
mod error;
mod generic;
mod html;
mod iris;
mod json;
mod kstartup;
mod ntis;
mod sme24;
mod xml;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::ParseError;

/// One announcement as a source published it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawProgram {
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
    /// Where the record came from (parser kind and URL); informational.
    pub provenance: Option<String>,
    /// Structured eligibility codes the source publishes (중소벤처24 code lists, K-Startup
    /// target fields). Empty for most sources, and then left out of the JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligibility: Vec<EligibilityCode>,
}

/// An attached document: its name as shown, and a download URL when the source gives one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAttachment {
    pub name: String,
    pub url: Option<String>,
    /// Size in bytes, when the source states it (IRIS does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// One eligibility condition as a source codes it, e.g. kind `company_scale`, code `CC10`,
/// label `중소기업`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityCode {
    pub kind: String,
    pub code: String,
    pub label: Option<String>,
}

/// Which parser reads a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// NTIS 국가R&D통합공고 list: the `mng.do` HTML table, or rows already extracted as JSON.
    NtisList,
    /// NTIS detail page (`view.do?roRndUid=…`).
    NtisDetail,
    /// NTIS RSS feed (`unRndRss.xml`).
    NtisRss,
    /// IRIS list JSON (`retrieveBsnsAncmBtinSituList.do`).
    IrisList,
    /// IRIS detail page (`retrieveBsnsAncmView.do`).
    IrisDetail,
    /// 기업마당 API JSON (native `bizinfoApi.do` or the data.go.kr mirror).
    BizinfoApi,
    /// 기업마당 API with `dataType=rss`.
    BizinfoRss,
    /// K-Startup data.go.kr API (JSON or XML).
    KstartupApi,
    /// K-Startup detail page (`bizpbanc-ongoing.do?schM=view&pbancSn=…`).
    KstartupDetail,
    /// 중소벤처24 `extPblancInfo` JSON.
    Sme24Api,
    /// Any agency list page, read with [`HtmlSelectors`].
    GenericHtmlList,
    /// Any agency detail page, read with [`HtmlSelectors`].
    GenericHtmlDetail,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 12] = [
        Kind::NtisList,
        Kind::NtisDetail,
        Kind::NtisRss,
        Kind::IrisList,
        Kind::IrisDetail,
        Kind::BizinfoApi,
        Kind::BizinfoRss,
        Kind::KstartupApi,
        Kind::KstartupDetail,
        Kind::Sme24Api,
        Kind::GenericHtmlList,
        Kind::GenericHtmlDetail,
    ];

    /// The kebab-case code used in configuration, e.g. `ntis-rss`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::NtisList => "ntis-list",
            Kind::NtisDetail => "ntis-detail",
            Kind::NtisRss => "ntis-rss",
            Kind::IrisList => "iris-list",
            Kind::IrisDetail => "iris-detail",
            Kind::BizinfoApi => "bizinfo-api",
            Kind::BizinfoRss => "bizinfo-rss",
            Kind::KstartupApi => "kstartup-api",
            Kind::KstartupDetail => "kstartup-detail",
            Kind::Sme24Api => "sme24-api",
            Kind::GenericHtmlList => "generic-html-list",
            Kind::GenericHtmlDetail => "generic-html-detail",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseError::UnknownKind(s.to_string()))
    }
}

/// What one payload yielded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub programs: Vec<RawProgram>,
    /// The next page's URL (or page token) when the source says there is more.
    pub next_page: Option<String>,
    /// Detail pages worth fetching for the full record (absolute URLs).
    pub detail_urls: Vec<String>,
    /// The source's total count of announcements, when it publishes one.
    pub total: Option<u64>,
}

/// What the caller knows about the payload.
#[derive(Debug, Clone, Default)]
pub struct ParseContext {
    /// Connect's source code, e.g. `ntis`, `nipa` (becomes [`RawProgram::source`]).
    pub source: String,
    /// The URL fetched; relative links are made absolute against it.
    pub url: String,
    /// The response's `Content-Type`, whose charset wins over the page's own.
    pub content_type: Option<String>,
    /// Selectors for the generic HTML kinds.
    pub selectors: Option<HtmlSelectors>,
}

impl ParseContext {
    pub fn new(source: impl Into<String>, url: impl Into<String>) -> Self {
        ParseContext { source: source.into(), url: url.into(), ..ParseContext::default() }
    }

    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    pub fn with_selectors(mut self, selectors: HtmlSelectors) -> Self {
        self.selectors = Some(selectors);
        self
    }
}

/// CSS selectors that describe an agency site, so adding one is configuration, not code.
///
/// For a list page, `item` selects one row and the other selectors are relative to it. For a
/// detail page, `item` selects the announcement's container (use `body` for the whole page),
/// `title`/`period`/`agency`/`body`/`attachments` are relative to it, and `id_param` names the
/// query parameter of the fetched URL that is the external id.
///
/// Boards whose links are script calls (`javascript:fn_view('1234')`, `onclick="goView(1234)"`)
/// set `id_pattern` (a regular expression whose first group is the id, searched in the link's
/// `href`, then its `onclick`) and `detail_url` (the detail page's address with `{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlSelectors {
    pub item: String,
    pub title: String,
    pub link: String,
    /// Query parameter of the link that is the external id (else the whole link is).
    #[serde(default)]
    pub id_param: Option<String>,
    #[serde(default)]
    pub period: Option<String>,
    #[serde(default)]
    pub agency: Option<String>,
    /// The posting date (등록일), when the list shows one.
    #[serde(default)]
    pub published: Option<String>,
    /// A link to the next page, searched in the whole document.
    #[serde(default)]
    pub next_page: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub attachments: Option<String>,
    #[serde(default)]
    pub id_pattern: Option<String>,
    #[serde(default)]
    pub detail_url: Option<String>,
}

impl HtmlSelectors {
    /// Checks that every selector and pattern compiles, so a mistake in a sources file stops the
    /// worker at start with the source's name instead of failing its first scrape.
    pub fn check(&self, kind: Kind) -> Result<(), ParseError> {
        generic::check(kind, self)
    }
}

/// Parses one fetched payload with the parser for `kind`.
pub fn parse(kind: Kind, body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    match kind {
        Kind::NtisList => ntis::parse_list(body, ctx),
        Kind::NtisDetail => ntis::parse_detail(body, ctx),
        Kind::NtisRss => ntis::parse_rss(body, ctx),
        Kind::IrisList => iris::parse_list(body, ctx),
        Kind::IrisDetail => iris::parse_detail(body, ctx),
        Kind::BizinfoApi => bizinfo::parse_api(body, ctx),
        Kind::BizinfoRss => bizinfo::parse_rss(body, ctx),
        Kind::KstartupApi => kstartup::parse_api(body, ctx),
        Kind::KstartupDetail => kstartup::parse_detail(body, ctx),
        Kind::Sme24Api => sme24::parse_api(body, ctx),
        Kind::GenericHtmlList => generic::parse_list(body, ctx),
        Kind::GenericHtmlDetail => generic::parse_detail(body, ctx),
    }
}

impl RawProgram {
    /// A record with the required fields set and everything else empty.
    pub(crate) fn new(ctx: &ParseContext, kind: Kind, external_id: String, title: String) -> Self {
        RawProgram {
            source: ctx.source.clone(),
            external_id,
            title,
            provenance: Some(if ctx.url.is_empty() {
                kind.as_str().to_string()
            } else {
                format!("{} {}", kind.as_str(), ctx.url)
            }),
            ..RawProgram::default()
        }
    }
}
