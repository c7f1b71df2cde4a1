//! Shared helpers: turning bytes into text in the right charset (UTF-8, EUC-KR/CP949 as old
//! government pages use), the visible text of an HTML node, absolute and session-free URLs,
//! query parameters, and telling an error page from an announcement page.

use encoding_rs::{Encoding, EUC_KR, UTF_8};
use normalize::{clean_line, html_to_text};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::{Kind, ParseError};

/// How many leading bytes are searched for a `<meta charset>` or XML `encoding=`.
const SNIFF_BYTES: usize = 4096;

/// Decodes a payload. The charset comes from, in order: a BOM, the `Content-Type` header, the
/// document's own `<meta charset>` / `<?xml encoding?>`, else UTF-8 with EUC-KR as fallback.
/// A page whose bytes fit neither its declared charset nor the other common one is refused
/// when more than 1% of it would be replacement characters.
pub(crate) fn decode(body: &[u8], content_type: Option<&str>) -> Result<String, ParseError> {
    if let Some((enc, bom)) = Encoding::for_bom(body) {
        let rest = body.get(bom..).unwrap_or_default();
        return finish(enc, enc.decode_without_bom_handling(rest).0.into_owned());
    }
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| sniff_charset(body))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()));
    let primary = declared.unwrap_or(UTF_8);
    if let Some(text) = primary.decode_without_bom_handling_and_without_replacement(body) {
        return Ok(text.into_owned());
    }
    let other = if primary == UTF_8 { EUC_KR } else { UTF_8 };
    if let Some(text) = other.decode_without_bom_handling_and_without_replacement(body) {
        return Ok(text.into_owned());
    }
    finish(primary, primary.decode_without_bom_handling(body).0.into_owned())
}

fn finish(enc: &'static Encoding, text: String) -> Result<String, ParseError> {
    let total = text.chars().count().max(1);
    let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
    if bad > 8 && bad * 100 > total {
        return Err(ParseError::Encoding {
            charset: enc.name().to_string(),
            reason: format!("{bad}/{total} 문자를 해석할 수 없음 / {bad} of {total} characters undecodable"),
        });
    }
    Ok(text)
}

/// The `charset=` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// A charset declared in the document head: `charset=euc-kr` in a meta tag, or
/// `encoding="EUC-KR"` in an XML declaration.
fn sniff_charset(body: &[u8]) -> Option<String> {
    let head = body.get(..SNIFF_BYTES.min(body.len())).unwrap_or_default();
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let after = ["charset=", "encoding="].iter().find_map(|key| {
        let pos = lower.find(key)?;
        Some(lower[pos + key.len()..].to_string())
    })?;
    let label: String = after
        .trim_start_matches(['"', '\'', ' '])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    (!label.is_empty()).then_some(label)
}

/// Decodes and parses an HTML document.
pub(crate) fn document(body: &[u8], ctx_content_type: Option<&str>) -> Result<Html, ParseError> {
    let text = decode(body, ctx_content_type)?;
    Ok(Html::parse_document(&text))
}

/// Parses a CSS selector from code or configuration.
pub(crate) fn selector(kind: Kind, css: &str) -> Result<Selector, ParseError> {
    Selector::parse(css).map_err(|e| ParseError::Selectors { kind, reason: format!("'{css}': {e}") })
}

fn is_hidden(name: &str) -> bool {
    matches!(name, "script" | "style" | "noscript" | "template" | "head" | "title")
}

/// Visible text of an element on one line: text nodes joined by spaces, scripts skipped,
/// entities decoded, whitespace collapsed.
pub(crate) fn text(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in el.descendants() {
        let Node::Text(t) = node.value() else {
            continue;
        };
        let hidden = node
            .ancestors()
            .take_while(|a| a.id() != el.id())
            .any(|a| a.value().as_element().is_some_and(|e| is_hidden(e.name())));
        if !hidden {
            out.push_str(t);
            out.push(' ');
        }
    }
    clean_line(&out)
}

/// Text of an element, `None` when blank.
pub(crate) fn opt_text(el: ElementRef<'_>) -> Option<String> {
    Some(text(el)).filter(|t| !t.is_empty())
}

/// The first match of `sel` under `el`.
pub(crate) fn first<'a>(el: ElementRef<'a>, sel: &Selector) -> Option<ElementRef<'a>> {
    el.select(sel).next()
}

/// Outer HTML of an element with script-like elements removed.
pub(crate) fn body_html(el: ElementRef<'_>) -> Option<String> {
    let html = strip_scripts(&el.html());
    (!html_to_text(&html).trim().is_empty()).then_some(html)
}

/// Removes `<script>`, `<style>` and `<noscript>` elements (with their content) from HTML.
pub(crate) fn strip_scripts(html: &str) -> String {
    let mut out = html.to_string();
    for name in ["script", "style", "noscript"] {
        loop {
            let lower = out.to_ascii_lowercase();
            let Some(start) = lower.find(&format!("<{name}")) else {
                break;
            };
            let close = format!("</{name}");
            let end = lower[start..]
                .find(&close)
                .and_then(|p| lower[start + p..].find('>').map(|q| start + p + q + 1))
                .unwrap_or(out.len());
            out.replace_range(start..end, "");
        }
    }
    out
}

/// An absolute http(s) URL for `href` found on the page at `base`: `javascript:`, `#` and
/// `mailto:` links give `None`; `;jsessionid=…` is removed.
pub(crate) fn absolute_url(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if href.is_empty()
        || href.starts_with('#')
        || ["javascript:", "mailto:", "tel:", "data:"].iter().any(|s| lower.starts_with(s))
    {
        return None;
    }
    let url = match Url::parse(href) {
        Ok(u) => u,
        Err(_) => Url::parse(base.trim()).ok()?.join(href).ok()?,
    };
    if url.scheme() != "http" && url.scheme() != "https" {
        return None;
    }
    Some(strip_jsessionid(url.as_str()))
}

/// Removes a `;jsessionid=…` path parameter (SMTECH and other Java sites put it in links).
pub(crate) fn strip_jsessionid(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    match lower.find(";jsessionid=") {
        Some(start) => {
            let end = url[start..].find(['?', '#']).map_or(url.len(), |p| start + p);
            format!("{}{}", &url[..start], &url[end..])
        }
        None => url.to_string(),
    }
}

/// The value of query parameter `name` in a (possibly relative) URL or query string.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?').map_or(url, |(_, q)| q);
    let query = query.split('#').next().unwrap_or_default();
    let query = query.replace("&amp;", "&");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Phrases that error pages (and 200 pages standing in for a 404) show.
const ERROR_PHRASES: &[&str] = &[
    "존재하지 않는 페이지",
    "페이지를 찾을 수 없",
    "요청하신 페이지",
    "삭제되었거나 존재하지 않는",
    "잘못된 접근",
    "잘못된 요청",
    "시스템 오류",
    "에러페이지",
    "page not found",
    "404 not found",
];

/// Why the document looks like an error page, if it does.
pub(crate) fn error_page_reason(doc: &Html) -> Option<String> {
    let root = doc.root_element();
    let title =
        selector(Kind::GenericHtmlDetail, "title").ok().and_then(|s| first(root, &s).map(text)).unwrap_or_default();
    let body =
        selector(Kind::GenericHtmlDetail, "body").ok().and_then(|s| first(root, &s).map(text)).unwrap_or_default();
    let haystack = format!("{title} {body}").to_lowercase();
    ERROR_PHRASES
        .iter()
        .find(|p| haystack.contains(*p))
        .map(|p| format!("오류 페이지 문구 '{p}' / error-page phrase '{p}' (title: '{title}')"))
}

/// `NotAnAnnouncementPage` for a page lacking what `kind` needs, naming an error phrase if any.
pub(crate) fn missing(kind: Kind, doc: &Html, what: &str) -> ParseError {
    let reason = match error_page_reason(doc) {
        Some(r) => format!("{what}; {r}"),
        None => what.to_string(),
    };
    ParseError::not_announcement(kind, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            absolute_url(
                "https://www.smtech.go.kr/front/ifg/no/notice02_list.do",
                "notice02_detail.do;jsessionid=ABC123.node1?ancmId=S01&x=1"
            )
            .as_deref(),
            Some("https://www.smtech.go.kr/front/ifg/no/notice02_detail.do?ancmId=S01&x=1")
        );
        assert_eq!(absolute_url("https://a.kr/", "javascript:go(1)"), None);
        assert_eq!(absolute_url("https://a.kr/", "#"), None);
        assert_eq!(query_param("view.do?roRndUid=1243873&amp;flag=rndList", "roRndUid").as_deref(), Some("1243873"));
        assert_eq!(query_param("view.do?a=1", "b"), None);
    }

    #[test]
    fn charsets() {
        let (euc, _, _) = EUC_KR.encode("<meta charset=euc-kr>지원사업");
        assert!(decode(&euc, None).unwrap().contains("지원사업"));
        assert!(decode(&euc, Some("text/html; charset=EUC-KR")).unwrap().contains("지원사업"));
        // Undeclared EUC-KR is still recognised.
        let (plain, _, _) = EUC_KR.encode("지원사업 공고");
        assert_eq!(decode(&plain, None).unwrap(), "지원사업 공고");
        assert_eq!(charset_param("text/html;charset=\"cp949\"").as_deref(), Some("cp949"));
    }
}
