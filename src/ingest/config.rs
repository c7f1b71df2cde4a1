//! The sources Connect scrapes, from a TOML file (`config/sources.toml`, or `CONNECT_SOURCES`).
//! Adding an agency site is a `[[source]]` entry with a parser kind, a URL and, for generic HTML
//! boards, CSS selectors: no code. `${NAME}` in a URL is replaced from the environment (API keys);
//! a missing variable fails the load naming it.

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
    pub url: String,
    /// Sent as an urlencoded POST when present (IRIS lists are POSTs).
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// Cron with seconds, in KST (`sec min hour day month weekday`). Default: every 2 hours at a
    /// minute derived from the name, so 500 sources do not all start at once.
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

    /// The cron expression this source runs on.
    pub fn schedule(&self) -> String {
        self.schedule.clone().unwrap_or_else(|| {
            let spread = self.name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
            format!("0 {} */2 * * *", spread % 60)
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
            url::Url::parse(&source.url).map_err(|e| at(format!("url: {e}")))?;
            cron::Schedule::from_str(&source.schedule()).map_err(|e| at(format!("schedule: {e}")))?;
            let needs_selectors = matches!(source.kind, Kind::GenericHtmlList | Kind::GenericHtmlDetail);
            if needs_selectors && source.selectors.is_none() {
                return Err(at("generic HTML에는 selectors가 필요합니다".into()));
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
}
