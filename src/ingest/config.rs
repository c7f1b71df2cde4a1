//! The sources Connect scrapes, from a TOML file (`config/sources.toml`, or `CONNECT_SOURCES`).
//! Adding an agency site is a `[[source]]` entry with a parser kind, a URL and, for generic HTML
//! boards, CSS selectors: no code. `${NAME}` in a URL is replaced from the environment (API keys);
//! a missing variable fails the load naming it. `{today}` and `{today-90d}` (any number of days,
//! `+` or `-`) become that KST date as `YYYYMMDD` at each run, for APIs that take a date range.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;
use sources::{HtmlSelectors, Kind};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name of this scrape (`ntis-rss`, `nipa-board`); names schedules, runs and metrics.
    pub name: String,
    /// The catalogue source code its programs are stored under (default: `name` with `-` → `_`);
    /// several scrapes of one site (RSS and list) share it, so they update the same programs.
    #[serde(default)]
    pub source: Option<String>,
    pub kind: Kind,
    /// The first page; may hold `{today}` / `{today-Nd}` (see the module's documentation).
    pub url: String,
    /// Sent as an urlencoded POST when present (IRIS lists are POSTs).
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// Cron with seconds, in KST (`sec min hour day month weekday`). Default: every 30 minutes at
    /// minutes derived from the name, so 500 sources do not all start at once.
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// True when the list shows every live announcement: a program missing from a complete,
    /// successful run is marked removed (never deleted).
    #[serde(default)]
    pub complete_listing: bool,
    #[serde(default)]
    pub selectors: Option<HtmlSelectors>,
    /// Fetch each program's detail page with this parser and merge what it adds.
    #[serde(default)]
    pub detail: Option<DetailConfig>,
    /// Where to go when the primary payload is malformed (기업마당 JSON → its RSS).
    #[serde(default)]
    pub fallback: Option<FallbackConfig>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailConfig {
    pub kind: Kind,
    #[serde(default)]
    pub selectors: Option<HtmlSelectors>,
    /// At most this many detail pages per run (politeness).
    #[serde(default = "default_detail_limit")]
    pub limit: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackConfig {
    pub kind: Kind,
    pub url: String,
}

fn default_max_pages() -> u32 {
    5
}

fn default_detail_limit() -> usize {
    50
}

fn enabled() -> bool {
    true
}

impl SourceConfig {
    pub fn source_code(&self) -> String {
        self.source.clone().unwrap_or_else(|| self.name.replace('-', "_"))
    }

    /// The first page's URL for a run on `today` (KST), with its date placeholders filled in.
    pub fn url_on(&self, today: chrono::NaiveDate) -> String {
        expand_dates(&self.url, today)
    }

    /// The cron expression this source runs on.
    pub fn schedule(&self) -> String {
        self.schedule.clone().unwrap_or_else(|| {
            let spread = self.name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            let minute = spread % 30;
            format!("0 {},{} * * * *", minute, minute + 30)
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub sources: Vec<SourceConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default, rename = "source")]
    sources: Vec<SourceConfig>,
}

impl Sources {
    pub fn load(path: &Path) -> anyhow::Result<Sources> {
        let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Self::parse(&text, |name| std::env::var(name).ok()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses and checks a sources file; `env` resolves `${NAME}` in URLs.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Sources, String> {
        let file: SourcesFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut sources = Vec::new();
        for mut source in file.sources {
            let at = |what: String| format!("source '{}': {what}", source.name);
            if source.name.is_empty()
                || !source.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            {
                return Err(at("name은 영문 소문자·숫자·-·_ 로 쓰세요".into()));
            }
            if sources.iter().any(|s: &SourceConfig| s.name == source.name) {
                return Err(at("이름이 중복됩니다".into()));
            }
            source.url = substitute(&source.url, &env).map_err(&at)?;
            if let Some(fallback) = &mut source.fallback {
                fallback.url = substitute(&fallback.url, &env).map_err(&at)?;
            }
            let url = source.url_on(chrono::NaiveDate::default());
            if url.contains(['{', '}']) {
                return Err(at("url: 날짜는 {today} 또는 {today-90d} 형식으로 쓰세요".into()));
            }
            url::Url::parse(&url).map_err(|e| at(format!("url: {e}")))?;
            cron::Schedule::from_str(&source.schedule()).map_err(|e| at(format!("schedule: {e}")))?;
            check_selectors(source.kind, source.selectors.as_ref()).map_err(&at)?;
            if let Some(detail) = &source.detail {
                check_selectors(detail.kind, detail.selectors.as_ref()).map_err(|e| at(format!("detail: {e}")))?;
            }
            sources.push(source);
        }
        Ok(Sources { sources })
    }

    pub fn get(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn enabled(&self) -> impl Iterator<Item = &SourceConfig> {
        self.sources.iter().filter(|s| s.enabled)
    }
}

fn check_selectors(kind: Kind, selectors: Option<&HtmlSelectors>) -> Result<(), String> {
    match selectors {
        Some(s) => s.check(kind).map_err(|e| e.to_string()),
        None if matches!(kind, Kind::GenericHtmlList | Kind::GenericHtmlDetail) => {
            Err("generic HTML에는 selectors가 필요합니다".into())
        }
        None => Ok(()),
    }
}

/// Fills `{today}` and `{today±Nd}` with KST dates as `YYYYMMDD`; anything else is left as is.
fn expand_dates(url: &str, today: chrono::NaiveDate) -> String {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("{today") {
        let Some(len) = rest[start..].find('}') else { break };
        let offset = &rest[start + "{today".len()..start + len];
        let days = match offset.strip_suffix('d') {
            _ if offset.is_empty() => Some(0),
            Some(n) => n.parse::<i64>().ok(),
            None => None,
        };
        out.push_str(&rest[..start]);
        match days.and_then(|d| today.checked_add_signed(chrono::Duration::days(d))) {
            Some(date) => out.push_str(&date.format("%Y%m%d").to_string()),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn substitute(url: &str, env: &impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        let end = rest[start..].find('}').ok_or_else(|| "url: '${' 뒤에 '}'가 없습니다".to_string())? + start;
        let name = &rest[start + 2..end];
        let value = env(name).ok_or_else(|| format!("url: 환경 변수 {name}이(가) 없습니다"))?;
        out.push_str(&rest[..start]);
        out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[source]]
name = "bizinfo-api"
source = "bizinfo"
kind = "bizinfo-api"
url = "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do?crtfcKey=${BIZINFO_API_KEY}&dataType=json"
fallback = { kind = "bizinfo-rss", url = "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do?crtfcKey=${BIZINFO_API_KEY}&dataType=rss" }

[[source]]
name = "nipa-board"
kind = "generic-html-list"
url = "https://www.nipa.kr/home/2-2"
schedule = "0 30 9 * * *"
selectors = { item = "table tbody tr", title = "td.subject a", link = "td.subject a" }
"#;

    #[test]
    fn a_sources_file_loads_with_secrets_from_the_environment() {
        let sources = Sources::parse(FILE, |name| (name == "BIZINFO_API_KEY").then(|| "k 1".to_string())).unwrap();
        let bizinfo = sources.get("bizinfo-api").unwrap();
        assert!(bizinfo.url.contains("crtfcKey=k+1&"), "{}", bizinfo.url);
        assert_eq!(bizinfo.source_code(), "bizinfo");
        assert_eq!(sources.get("nipa-board").unwrap().source_code(), "nipa_board");
        assert!(bizinfo.schedule().starts_with("0 "));
    }

    #[test]
    fn mistakes_are_named() {
        let err = Sources::parse(FILE, |_| None).unwrap_err();
        assert!(err.contains("BIZINFO_API_KEY"), "{err}");
        let err = Sources::parse(&FILE.replace("0 30 9 * * *", "every day"), |_| Some("k".into())).unwrap_err();
        assert!(err.contains("nipa-board") && err.contains("schedule"), "{err}");
        let err = Sources::parse(&FILE.replace("selectors = {", "# {"), |_| Some("k".into())).unwrap_err();
        assert!(err.contains("selectors"), "{err}");
        let err =
            Sources::parse("[[source]]\nname = \"x\"\nkind = \"ntis-rss\"\nurl = \"https://x\"\ncolour = 1\n", |_| {
                None
            })
            .unwrap_err();
        assert!(err.contains("colour"), "{err}");
    }

    fn shipped() -> Sources {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/sources.toml");
        let text = std::fs::read_to_string(path).unwrap();
        Sources::parse(&text, |_| Some("key".into())).unwrap()
    }

    #[test]
    fn the_shipped_schedules_come_to_more_than_500_scrapes_a_day() {
        let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T00:00:00+09:00").unwrap();
        let end = start + chrono::Duration::days(1);
        let runs: usize = shipped()
            .enabled()
            .map(|s| cron::Schedule::from_str(&s.schedule()).unwrap().after(&start).take_while(|t| *t < end).count())
            .sum();
        assert!(runs >= 500, "{runs} scrapes a day");
    }

    /// Every agency board in the shipped file reads its page in crates/sources/tests/data
    /// (`written-agency-<source>-list.html`, written by hand: no real pages were recorded).
    #[test]
    fn every_shipped_agency_board_reads_its_page() {
        let sources = shipped();
        let boards: Vec<&SourceConfig> = sources.enabled().filter(|s| s.kind == Kind::GenericHtmlList).collect();
        assert!(boards.len() >= 6, "{} boards", boards.len());
        for board in boards {
            let file = format!(
                "{}/crates/sources/tests/data/written-agency-{}-list.html",
                env!("CARGO_MANIFEST_DIR"),
                board.source_code()
            );
            let body = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            let mut ctx = sources::ParseContext::new(board.source_code(), board.url.as_str());
            ctx.selectors = board.selectors.clone();
            let page = sources::parse(board.kind, &body, &ctx).unwrap_or_else(|e| panic!("{}: {e}", board.name));
            assert!(page.programs.len() >= 2, "{}: {page:?}", board.name);
            for p in &page.programs {
                let url = p.source_url.as_deref().unwrap_or_default();
                assert!(url.starts_with("https://") && !url.contains("jsessionid"), "{}: {url}", board.name);
                assert!(!p.external_id.contains("javascript") && !p.external_id.is_empty(), "{}: {p:?}", board.name);
                assert!(p.period_raw.is_some(), "{}: {p:?}", board.name);
            }
        }
    }

    #[test]
    fn dates_in_urls_are_filled_in_per_run() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(expand_dates("x?s={today-30d}&e={today}&f={today+7d}", day), "x?s=20260131&e=20260302&f=20260309");
        let file = "[[source]]\nname = \"x\"\nkind = \"sme24-api\"\nurl = \"https://x/?d={yesterday}\"\n";
        assert!(Sources::parse(file, |_| None).unwrap_err().contains("today"));
        let bad_pattern = FILE.replace("link = \"td.subject a\" }", "link = \"td.subject a\", id_pattern = \"view\" }");
        let err = Sources::parse(&bad_pattern, |_| Some("k".into())).unwrap_err();
        assert!(err.contains("nipa-board") && err.contains("id_pattern"), "{err}");
    }
}
