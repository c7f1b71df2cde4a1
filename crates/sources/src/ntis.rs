//! NTIS 국가R&D통합공고 (ntis.go.kr): the RSS feed `unRndRss.xml`, the detail page
//! `/rndgate/eg/un/ra/view.do?roRndUid=…`, and the list — the `mng.do` HTML table or rows that
//! a scraper already extracted as JSON (Korean keys `공고명`, `상세_URL`, `부처명`, `접수일`,
//! `마감일`). The id is always `roRndUid`. Titles like `<사업명>_(2025)<세부과제>` are distinct
//! programs and are kept whole.

use scraper::{ElementRef, Html};
use serde_json::Value;

use crate::html::{self, absolute_url, opt_text, query_param, selector, text};
use crate::{xml, Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

const VIEW: &str = "https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=";
const SITE: &str = "https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do";
const CATEGORY: &str = "R&D";

/// `roRndUid` of a link, digits only (a stray `;jsessionid=…` or `#…` is not part of it).
fn uid_of(link: &str) -> Option<String> {
    let v = query_param(&html::strip_jsessionid(link), "roRndUid")?;
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then_some(digits)
}

fn view_url(uid: &str) -> String {
    format!("{VIEW}{uid}")
}

fn base(ctx: &ParseContext) -> &str {
    if ctx.url.is_empty() {
        SITE
    } else {
        &ctx.url
    }
}

/// `None` for amounts NTIS publishes as zero ("not published"): `0`, `0 억원`.
fn budget(raw: Option<String>) -> Option<String> {
    raw.filter(|b| b.chars().any(|c| c.is_ascii_digit() && c != '0') || !b.chars().any(|c| c.is_ascii_digit()))
}

fn period(begin: Option<&str>, end: Option<&str>) -> Option<String> {
    match (begin, end) {
        (None, None) => None,
        (b, e) => Some(format!("{} ~ {}", b.unwrap_or(""), e.unwrap_or("")).trim().to_string()),
    }
}

// ------------------------------------------------------------------ RSS

pub(crate) fn parse_rss(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::NtisRss;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let root = xml::parse(&text).map_err(|e| ParseError::malformed(kind, e))?;
    let channel = root
        .descendants_named("channel")
        .into_iter()
        .next()
        .ok_or_else(|| ParseError::malformed(kind, "RSS <channel> 없음 / no <channel>"))?;
    let mut page = Page::default();
    for item in channel.children_named("item") {
        let link = item.child_text("link");
        let Some(uid) = link.as_deref().and_then(uid_of) else {
            continue;
        };
        let Some(title) = item.child_text("title") else {
            continue;
        };
        if page.total.is_none() {
            page.total = item.child_text("totCnt").and_then(|t| t.parse().ok());
        }
        let mut p = RawProgram::new(ctx, kind, uid.clone(), title);
        p.ministry = item.child_text("author");
        p.agency = item.child_text("category");
        p.category = Some(CATEGORY.into());
        p.period_raw = period(item.child_text("appbegin").as_deref(), item.child_text("appdue").as_deref());
        p.budget_raw = budget(item.child_text("budget"));
        p.published_raw = item.child_text("pubDate");
        p.source_url = link.as_deref().and_then(|l| absolute_url(base(ctx), l)).or_else(|| Some(view_url(&uid)));
        page.detail_urls.push(view_url(&uid));
        page.programs.push(p);
    }
    Ok(page)
}

// ------------------------------------------------------------------ detail

/// The announcement's own id: the hidden `roRndUid` input, the form action or the canonical
/// link (a saved file's name can carry another number), then the fetched URL.
fn detail_uid(doc: &Html, ctx: &ParseContext) -> Option<String> {
    let root = doc.root_element();
    let from = |css: &str, attr: &str, param: bool| -> Option<String> {
        let sel = selector(Kind::NtisDetail, css).ok()?;
        root.select(&sel).find_map(|e| {
            let v = e.value().attr(attr)?;
            if param {
                uid_of(v)
            } else {
                Some(v.trim().to_string()).filter(|v| v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty())
            }
        })
    };
    from("input#roRndUid, input[name=roRndUid]", "value", false)
        .or_else(|| from("form[action*=roRndUid]", "action", true))
        .or_else(|| from("link[rel=canonical]", "href", true))
        .or_else(|| from("meta[property='og:url']", "content", true))
        .or_else(|| uid_of(&ctx.url))
}

/// `label : value` pairs of the summary boxes (`<li><span>부처명 : </span>산업통상자원부</li>`).
fn labels(doc: &Html) -> Vec<(String, String)> {
    let Ok(li) = selector(Kind::NtisDetail, "li") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in doc.root_element().select(&li) {
        let Some(label_el) = item.children().filter_map(ElementRef::wrap).find(|c| c.value().name() == "span") else {
            continue;
        };
        let label = text(label_el);
        let Some(label) = label.strip_suffix(':').or_else(|| label.split_once(':').map(|(l, _)| l)) else {
            continue;
        };
        let value: Vec<String> = item
            .children()
            .filter(|c| c.id() != label_el.id())
            .filter_map(|c| match c.value() {
                scraper::Node::Text(t) => Some(t.to_string()),
                scraper::Node::Element(_) => ElementRef::wrap(c).map(text),
                _ => None,
            })
            .collect();
        let value = normalize::clean_line(&value.join(" "));
        out.push((label.trim().to_string(), value));
    }
    out
}

pub(crate) fn parse_detail(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::NtisDetail;
    let doc = html::document(body, ctx.content_type.as_deref())?;
    let root = doc.root_element();
    let title = html::first(root, &selector(kind, "h1.ditail_tit, .ditail_tit, .notice_view h1")?)
        .and_then(opt_text)
        .ok_or_else(|| html::missing(kind, &doc, "공고 제목(h1.ditail_tit) 없음 / no title"))?;
    let uid = detail_uid(&doc, ctx)
        .ok_or_else(|| html::missing(kind, &doc, "roRndUid 없음 / no roRndUid on the page or URL"))?;
    let fields = labels(&doc);
    let get = |names: &[&str]| {
        fields.iter().find(|(l, v)| names.contains(&l.as_str()) && !v.is_empty()).map(|(_, v)| v.clone())
    };
    let mut p = RawProgram::new(ctx, kind, uid.clone(), title);
    p.ministry = get(&["부처명", "소관부처"]);
    p.agency = get(&["공고기관명", "전문기관", "전문기관명"]);
    p.category = Some(CATEGORY.into());
    let deadline_time = get(&["접수마감시간"]);
    p.period_raw =
        period(get(&["접수일", "접수시작일"]).as_deref(), get(&["마감일", "접수마감일"]).as_deref()).map(|per| {
            match &deadline_time {
                Some(t) => format!("{per} {t}"),
                None => per,
            }
        });
    p.budget_raw = budget(get(&["공고금액"]));
    p.published_raw = get(&["공고일"]);
    // First the editor's content, else the whole 공고내용 box.
    for css in [".notice_cont .se-contents", ".se-contents", ".notice_cont"] {
        if let Some(body) = html::first(root, &selector(kind, css)?).and_then(html::body_html) {
            p.body_html = Some(body);
            break;
        }
    }
    p.source_url = Some(view_url(&uid));
    // Downloads are a POST of the `download` form with field `wfUid`; the URL names that file.
    let download = html::first(root, &selector(kind, "form#download")?)
        .and_then(|f| f.value().attr("action"))
        .and_then(|a| absolute_url(base(ctx), a));
    let file_sel = selector(kind, ".summary_file li a, .summary_file a")?;
    for a in root.select(&file_sel) {
        let Some(name) = opt_text(a) else { continue };
        let sn = a.value().attr("onclick").and_then(|o| {
            let inner = o.split("fn_fileDownload(").nth(1)?;
            let id: String =
                inner.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).take(20).collect();
            (!id.is_empty()).then_some(id)
        });
        let url = match (&download, sn) {
            (Some(d), Some(sn)) => Some(format!("{d}?wfUid={sn}")),
            _ => None,
        };
        if !p.attachments.iter().any(|x| x.name == name) {
            p.attachments.push(RawAttachment { name, url, size: None });
        }
    }
    let mut page = Page::default();
    // The IRIS announcement this call is published from, for the fuller record.
    let link_sel = selector(kind, "a[href*='retrieveBsnsAncmView']")?;
    if let Some(iris) =
        root.select(&link_sel).find_map(|a| a.value().attr("href").and_then(|h| absolute_url(base(ctx), h)))
    {
        page.detail_urls.push(iris);
    }
    page.programs.push(p);
    Ok(page)
}

// ------------------------------------------------------------------ list

pub(crate) fn parse_list(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') || trimmed.starts_with('{') {
        parse_list_json(trimmed, ctx)
    } else {
        parse_list_html(&text, ctx)
    }
}

fn json_str(row: &Value, key: &str) -> Option<String> {
    match row.get(key)? {
        Value::String(s) => Some(normalize::clean_line(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Rows a scraper extracted from the list (`[{"공고명": …, "상세_URL": …}, …]`).
fn parse_list_json(text: &str, ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::NtisList;
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError::malformed(kind, e.to_string()))?;
    let rows = match &value {
        Value::Array(rows) => rows,
        Value::Object(o) => o
            .values()
            .find_map(Value::as_array)
            .ok_or_else(|| ParseError::malformed(kind, "행 배열 없음 / no array of rows"))?,
        _ => return Err(ParseError::malformed(kind, "행 배열 없음 / no array of rows")),
    };
    let mut page = Page::default();
    for row in rows {
        let url = json_str(row, "상세_URL").or_else(|| json_str(row, "url"));
        let Some(uid) = url.as_deref().and_then(uid_of) else {
            continue;
        };
        let Some(title) = json_str(row, "공고명") else {
            continue;
        };
        let mut p = RawProgram::new(ctx, kind, uid.clone(), title);
        p.ministry = json_str(row, "부처명");
        p.category = Some(CATEGORY.into());
        p.period_raw = period(json_str(row, "접수일").as_deref(), json_str(row, "마감일").as_deref());
        p.source_url = Some(view_url(&uid));
        page.detail_urls.push(view_url(&uid));
        page.programs.push(p);
    }
    Ok(page)
}

/// The `mng.do` table: each row links to `view.do?roRndUid=…` (in `href` or `onclick`); the
/// header names the columns (현황, 공고명, 부처명, 접수일, 마감일).
fn parse_list_html(text: &str, ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::NtisList;
    let doc = Html::parse_document(text);
    let root = doc.root_element();
    let th = selector(kind, "thead th, tr th")?;
    let headers: Vec<String> = root.select(&th).map(text_of).collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.contains(n)));
    let col_ministry = column(&["부처"]);
    let col_begin = column(&["접수일", "접수시작"]);
    let col_end = column(&["마감일", "접수마감"]);
    let col_agency = column(&["전문기관", "공고기관"]);

    let tr = selector(kind, "tr")?;
    let td = selector(kind, "td")?;
    let link = selector(kind, "a")?;
    let mut page = Page::default();
    for row in root.select(&tr) {
        let cells: Vec<ElementRef<'_>> = row.select(&td).collect();
        let Some((a, uid)) = row.select(&link).find_map(|a| {
            let v = a.value();
            let uid = v.attr("href").and_then(uid_of).or_else(|| v.attr("onclick").and_then(onclick_uid))?;
            Some((a, uid))
        }) else {
            continue;
        };
        let title = a
            .value()
            .attr("title")
            .map(normalize::clean_line)
            .filter(|t| !t.is_empty() && !t.contains("새창"))
            .or_else(|| opt_text(a));
        let Some(title) = title else { continue };
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).and_then(|c| opt_text(*c));
        let mut p = RawProgram::new(ctx, kind, uid.clone(), title);
        p.ministry = cell(col_ministry);
        p.agency = cell(col_agency);
        p.category = Some(CATEGORY.into());
        p.period_raw = period(cell(col_begin).as_deref(), cell(col_end).as_deref());
        p.source_url = Some(view_url(&uid));
        page.detail_urls.push(view_url(&uid));
        if !page.programs.iter().any(|x: &RawProgram| x.external_id == uid) {
            page.programs.push(p);
        }
    }
    if page.programs.is_empty() && root.select(&tr).next().is_none() {
        return Err(html::missing(kind, &doc, "목록 표(tr) 없음 / no list table"));
    }
    page.total = total_count(&doc);
    page.next_page = next_page_index(&doc, ctx);
    Ok(page)
}

fn text_of(el: ElementRef<'_>) -> String {
    text(el)
}

/// `fn_view('1247708')`-style handlers: the first run of 5+ digits.
fn onclick_uid(onclick: &str) -> Option<String> {
    if let Some(uid) = uid_of(onclick) {
        return Some(uid);
    }
    onclick.split(|c: char| !c.is_ascii_digit()).find(|run| run.len() >= 5).map(str::to_string)
}

/// `전체 10,230건`-style counters.
fn total_count(doc: &Html) -> Option<u64> {
    let sel = selector(Kind::NtisList, ".total, .board_total, .count, .list_total").ok()?;
    doc.root_element().select(&sel).find_map(|e| {
        let t = text(e);
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        (t.contains('건') || t.contains("전체")).then(|| digits.parse().ok()).flatten()
    })
}

/// The paging box marks the current page (`<strong>`, `.on`, `.active`); when a link to the
/// following number exists, the next page is the fetched URL with `pageIndex` set to it.
fn next_page_index(doc: &Html, ctx: &ParseContext) -> Option<String> {
    let root = doc.root_element();
    let paging = html::first(root, &selector(Kind::NtisList, ".paging, .pagination, .page").ok()?)?;
    let current: u64 = html::first(paging, &selector(Kind::NtisList, "strong, .on, .active, [aria-current]").ok()?)
        .map(text)?
        .parse()
        .ok()?;
    let next = current + 1;
    let a = selector(Kind::NtisList, "a").ok()?;
    let has_next = paging.select(&a).any(|l| text(l) == next.to_string());
    if !has_next {
        return None;
    }
    let mut url = url::Url::parse(base(ctx)).ok()?;
    let pairs: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != "pageIndex").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    url.query_pairs_mut().clear().extend_pairs(pairs).append_pair("pageIndex", &next.to_string());
    Some(url.to_string())
}
