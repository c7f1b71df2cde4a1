//! Any agency's board (NIPA, KOCCA, SMTECH, IITP, old 기업마당 pages …) read with
//! [`HtmlSelectors`] from the source's configuration: rows, title, link, the id's query
//! parameter, period, agency, posting date, next-page link, body and attachments. Links become
//! absolute with `;jsessionid=` removed; EUC-KR pages are decoded. A page that holds no
//! announcement (an error page served with 200, or a list whose row selector matches nothing)
//! is `NotAnAnnouncementPage`, never a silent empty result.

use std::collections::HashMap;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use crate::html::{self, absolute_url, opt_text, query_param, selector, text};
use crate::{HtmlSelectors, Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

/// Phrases of a board that is legitimately empty.
const EMPTY_BOARD: &[&str] = &[
    "등록된 게시물이 없습니다",
    "게시물이 없습니다",
    "검색된 결과가 없습니다",
    "검색결과가 없습니다",
    "검색 결과가 없습니다",
    "조회된 데이터가 없습니다",
    "데이터가 없습니다",
    "공고가 없습니다",
];

struct Compiled {
    item: Option<Selector>,
    title: Selector,
    link: Option<Selector>,
    period: Option<Selector>,
    agency: Option<Selector>,
    published: Option<Selector>,
    next_page: Option<Selector>,
    body: Option<Selector>,
    attachments: Option<Selector>,
    id_pattern: Option<Regex>,
}

fn optional(kind: Kind, css: Option<&str>) -> Result<Option<Selector>, ParseError> {
    match css.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => selector(kind, c).map(Some),
        None => Ok(None),
    }
}

fn compile(kind: Kind, ctx: &ParseContext) -> Result<(Compiled, &HtmlSelectors), ParseError> {
    let s = ctx.selectors.as_ref().ok_or_else(|| ParseError::Selectors {
        kind,
        reason: "선택자 설정이 없습니다 / no selectors configured".into(),
    })?;
    Ok((compile_selectors(kind, s)?, s))
}

pub(crate) fn check(kind: Kind, s: &HtmlSelectors) -> Result<(), ParseError> {
    compile_selectors(kind, s).map(|_| ())
}

fn compile_selectors(kind: Kind, s: &HtmlSelectors) -> Result<Compiled, ParseError> {
    let bad = |reason: String| ParseError::Selectors { kind, reason };
    let id_pattern = match s.id_pattern.as_deref() {
        Some(p) => {
            let re = Regex::new(p).map_err(|e| bad(format!("id_pattern: {e}")))?;
            if re.captures_len() < 2 {
                return Err(bad(
                    "id_pattern에 id를 담을 괄호 그룹이 없습니다 / id_pattern needs a capture group".into()
                ));
            }
            Some(re)
        }
        None => None,
    };
    if s.detail_url.as_deref().is_some_and(|t| !t.contains("{id}")) {
        return Err(bad("detail_url에 {id}가 없습니다 / detail_url needs {id}".into()));
    }
    let title = optional(kind, Some(&s.title))?.ok_or_else(|| ParseError::Selectors {
        kind,
        reason: "title 선택자가 비어 있습니다 / empty title selector".into(),
    })?;
    let item = optional(kind, Some(&s.item))?;
    if kind == Kind::GenericHtmlList && item.is_none() {
        return Err(ParseError::Selectors {
            kind, reason: "item 선택자가 비어 있습니다 / empty item selector".into()
        });
    }
    Ok(Compiled {
        item,
        title,
        link: optional(kind, Some(&s.link))?,
        period: optional(kind, s.period.as_deref())?,
        agency: optional(kind, s.agency.as_deref())?,
        published: optional(kind, s.published.as_deref())?,
        next_page: optional(kind, s.next_page.as_deref())?,
        body: optional(kind, s.body.as_deref())?,
        attachments: optional(kind, s.attachments.as_deref())?,
        id_pattern,
    })
}

fn text_at(el: ElementRef<'_>, sel: Option<&Selector>) -> Option<String> {
    html::first(el, sel?).and_then(opt_text)
}

/// A title as shown; when the board cut it short (`…사업화 지원..`), the `title`
/// attribute holds it whole.
fn title_of(el: ElementRef<'_>) -> Option<String> {
    let shown = opt_text(el);
    let attr = el.value().attr("title").map(normalize::clean_line).filter(|t| !t.is_empty() && !t.contains("새창"));
    match (shown, attr) {
        (Some(s), Some(a)) if (s.ends_with("..") || s.ends_with('…')) && a.len() > s.len() => Some(a),
        (Some(s), _) => Some(s),
        (None, a) => a,
    }
}

fn href_of(el: ElementRef<'_>) -> Option<&str> {
    el.value().attr("href")
}

/// The id in a script link: `id_pattern`'s first group, in `href` and then `onclick`.
fn script_id(el: ElementRef<'_>, pattern: &Regex) -> Option<String> {
    ["href", "onclick"]
        .iter()
        .filter_map(|attr| el.value().attr(attr))
        .find_map(|value| pattern.captures(value)?.get(1).map(|m| m.as_str().trim().to_string()))
        .filter(|id| !id.is_empty())
}

/// An error page: by its `<title>` always, by its body text when nothing else was found.
fn title_says_error(doc: &Html, kind: Kind) -> Option<ParseError> {
    let title_sel = selector(kind, "head title, title").ok()?;
    let title = html::first(doc.root_element(), &title_sel).map(text)?;
    let lower = title.to_lowercase();
    ["에러", "오류", "error", "404", "not found", "존재하지 않"]
        .iter()
        .any(|p| lower.contains(p))
        .then(|| html::missing(kind, doc, &format!("오류 페이지 제목 / error page title '{title}'")))
}

fn base(ctx: &ParseContext) -> &str {
    &ctx.url
}

pub(crate) fn parse_list(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::GenericHtmlList;
    let (sel, cfg) = compile(kind, ctx)?;
    let doc = html::document(body, ctx.content_type.as_deref())?;
    if let Some(err) = title_says_error(&doc, kind) {
        return Err(err);
    }
    let root = doc.root_element();
    let Some(item_sel) = sel.item.as_ref() else {
        return Err(ParseError::Selectors {
            kind, reason: "item 선택자가 비어 있습니다 / empty item selector".into()
        });
    };
    let mut rows: Vec<(String, RawProgram)> = Vec::new();
    for item in root.select(item_sel) {
        let Some(title) = html::first(item, &sel.title).and_then(title_of) else {
            continue;
        };
        let link_el = sel.link.as_ref().and_then(|l| html::first(item, l));
        let mut link = link_el.and_then(href_of).and_then(|h| absolute_url(base(ctx), h));
        let id = match (&sel.id_pattern, &cfg.id_param, &link) {
            (Some(re), _, _) => link_el.and_then(|a| script_id(a, re)),
            (None, Some(param), Some(l)) => query_param(l, param).or_else(|| Some(l.clone())),
            (None, None, Some(l)) => Some(l.clone()),
            _ => None,
        };
        let Some(id) = id else { continue };
        if let Some(template) = &cfg.detail_url {
            let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
            link = absolute_url(base(ctx), &template.replace("{id}", &encoded));
        }
        let mut p = RawProgram::new(ctx, kind, id.clone(), title);
        p.period_raw = text_at(item, sel.period.as_ref());
        p.agency = text_at(item, sel.agency.as_ref());
        p.published_raw = text_at(item, sel.published.as_ref());
        p.source_url = link;
        rows.push((id, p));
    }
    if rows.is_empty() {
        let page_text = normalize::html_to_text(&root.html());
        if EMPTY_BOARD.iter().any(|p| page_text.contains(p)) {
            return Ok(Page::default());
        }
        return Err(html::missing(kind, &doc, "목록 항목이 없습니다 / no element matches the item selector"));
    }
    // Rows sharing one link (a board whose links are all `#` or one script) are told apart
    // by their title, so each keeps a stable id.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (id, _) in &rows {
        *seen.entry(id.clone()).or_default() += 1;
    }
    let mut page = Page::default();
    for (id, mut p) in rows {
        if seen.get(&id).copied().unwrap_or(0) > 1 {
            p.external_id = format!("{id}#{}", p.title);
        }
        if let Some(u) = &p.source_url {
            if !page.detail_urls.contains(u) {
                page.detail_urls.push(u.clone());
            }
        }
        page.programs.push(p);
    }
    page.next_page = sel
        .next_page
        .as_ref()
        .and_then(|n| root.select(n).find_map(|a| href_of(a).and_then(|h| absolute_url(base(ctx), h))))
        .filter(|next| html::strip_jsessionid(&ctx.url) != *next);
    Ok(page)
}

pub(crate) fn parse_detail(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::GenericHtmlDetail;
    let (sel, cfg) = compile(kind, ctx)?;
    let doc = html::document(body, ctx.content_type.as_deref())?;
    if let Some(err) = title_says_error(&doc, kind) {
        return Err(err);
    }
    let root = doc.root_element();
    let container = match &sel.item {
        Some(item) => html::first(root, item)
            .ok_or_else(|| html::missing(kind, &doc, "본문 영역(item) 없음 / no element matches the item selector"))?,
        None => root,
    };
    let title = html::first(container, &sel.title)
        .and_then(title_of)
        .ok_or_else(|| html::missing(kind, &doc, "제목 없음 / no element matches the title selector"))?;
    let url = absolute_url(&ctx.url, &ctx.url);
    let id =
        cfg.id_param.as_deref().and_then(|p| query_param(&ctx.url, p)).or_else(|| url.clone()).ok_or_else(|| {
            ParseError::not_announcement(kind, "URL에서 id를 찾을 수 없음 / no id in the fetched URL")
        })?;
    let mut p = RawProgram::new(ctx, kind, id, title);
    p.period_raw = text_at(container, sel.period.as_ref());
    p.agency = text_at(container, sel.agency.as_ref());
    p.published_raw = text_at(container, sel.published.as_ref());
    if let Some(body_sel) = &sel.body {
        let parts: Vec<String> = container.select(body_sel).map(|e| html::strip_scripts(&e.html())).collect();
        p.body_html = Some(parts.join("\n")).filter(|b| !normalize::html_to_text(b).trim().is_empty());
    }
    p.source_url = url;
    if let Some(att) = &sel.attachments {
        for a in container.select(att) {
            let Some(name) = title_of(a) else { continue };
            let url = href_of(a).and_then(|h| absolute_url(base(ctx), h));
            if !p.attachments.iter().any(|x| x.name == name && x.url == url) {
                p.attachments.push(RawAttachment { name, url, size: None });
            }
        }
    }
    Ok(Page { programs: vec![p], ..Page::default() })
}
