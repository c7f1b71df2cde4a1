//! IRIS 범부처통합연구지원시스템 (iris.go.kr): the list JSON that
//! `POST /contents/retrieveBsnsAncmBtinSituList.do` returns (`listBsnsAncmBtinSitu[]` with
//! `ancmId`, `ancmTl`, `blngGovdSeNm` = 소관부처, `sorgnNm` = 전문기관, `rcveStrDe`/`rcveEndDe`,
//! `ancmDe`, and `paginationInfo`), and the detail page `retrieveBsnsAncmView.do`, whose
//! fields are `<strong>label</strong><span>value</span>` pairs and whose attachments are
//! `f_bsnsAncm_downloadAtchFile(docId, fileId, name, size)` links.

use serde_json::Value;

use crate::html::{self, opt_text, query_param, selector, text};
use crate::{Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

use crate::json::{line, number};

const VIEW: &str = "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId=";
const CATEGORY: &str = "R&D";

fn view_url(id: &str) -> String {
    format!("{VIEW}{id}")
}

pub(crate) fn parse_list(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::IrisList;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| ParseError::malformed(kind, e.to_string()))?;
    let rows = ["listBsnsAncmBtinSitu", "listBsnsAncm", "list"]
        .iter()
        .find_map(|k| value.get(k).and_then(Value::as_array))
        .ok_or_else(|| ParseError::malformed(kind, "listBsnsAncmBtinSitu 배열 없음 / no listBsnsAncmBtinSitu array"))?;
    let mut page = Page::default();
    for row in rows {
        let (Some(id), Some(title)) = (line(row, "ancmId"), line(row, "ancmTl")) else {
            continue;
        };
        let mut p = RawProgram::new(ctx, kind, id.clone(), title);
        let ministry = line(row, "blngGovdSeNm");
        let agency = line(row, "sorgnNm");
        p.ministry = ministry.or_else(|| agency.clone());
        p.agency = agency;
        p.category = Some(CATEGORY.into());
        p.period_raw = match (line(row, "rcveStrDe"), line(row, "rcveEndDe")) {
            (None, None) => None,
            (b, e) => Some(format!("{} ~ {}", b.unwrap_or_default(), e.unwrap_or_default())),
        };
        p.published_raw = line(row, "ancmDe");
        p.target_raw = line(row, "pbofrTpSeNmLst");
        p.source_url = Some(view_url(&id));
        page.detail_urls.push(view_url(&id));
        page.programs.push(p);
    }
    if let Some(info) = value.get("paginationInfo") {
        page.total = number(info.get("totalRecordCount"));
        let current = number(info.get("currentPageNo"));
        let last = number(info.get("totalPageCount")).or_else(|| number(info.get("lastPageNo")));
        if let (Some(c), Some(l)) = (current, last) {
            if c < l {
                // The list is a form POST: the token is the field to send.
                page.next_page = Some(format!("pageIndex={}", c + 1));
            }
        }
    }
    Ok(page)
}

pub(crate) fn parse_detail(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::IrisDetail;
    let doc = html::document(body, ctx.content_type.as_deref())?;
    let root = doc.root_element();
    let strong = selector(kind, ".tstyle_view strong, .list_dot strong, li strong")?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for label in root.select(&strong) {
        let value = label
            .next_siblings()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "span")
            .map(text)
            .unwrap_or_default();
        fields.push((text(label), value));
    }
    let get = |name: &str| fields.iter().find(|(l, v)| l == name && !v.is_empty()).map(|(_, v)| v.clone());
    let title = get("공고명").ok_or_else(|| html::missing(kind, &doc, "공고명 없음 / no 공고명 field"))?;
    let id = query_param(&ctx.url, "ancmId")
        .or_else(|| {
            let input = selector(kind, "input[name=ancmId]").ok()?;
            html::first(root, &input)?
                .value()
                .attr("value")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        })
        .or_else(|| get("공고번호"))
        .ok_or_else(|| html::missing(kind, &doc, "ancmId 없음 / no ancmId in the URL or page"))?;
    let mut p = RawProgram::new(ctx, kind, id.clone(), title);
    p.ministry = get("소관부처");
    p.agency = get("전문기관");
    p.category = Some(CATEGORY.into());
    p.period_raw = get("접수기간");
    p.published_raw = get("공고일자");
    p.body_html =
        html::first(root, &selector(kind, ".tb_contents .se-contents, .se-contents")?).and_then(html::body_html);
    p.source_url = Some(view_url(&id));
    let files = selector(kind, "ul.add_file a, a[href*='downloadAtchFile']")?;
    let name_sel = selector(kind, ".text")?;
    for a in root.select(&files) {
        let href = a.value().attr("href").unwrap_or_default();
        let name = html::first(a, &name_sel).and_then(opt_text).or_else(|| js_arg(href, 2)).or_else(|| opt_text(a));
        let Some(name) = name else { continue };
        // The byte size is the call's 4th argument; `(352.5KB)` is only its display.
        let size = js_arg(href, 3).and_then(|s| s.parse().ok());
        if !p.attachments.iter().any(|x| x.name == name) {
            // Downloads are a JS call with document/file ids, not a link.
            p.attachments.push(RawAttachment { name, url: None, size });
        }
    }
    Ok(Page { programs: vec![p], ..Page::default() })
}

/// The `n`th quoted argument of a JS call like `f('a','b','c' ,'360999')`.
fn js_arg(call: &str, n: usize) -> Option<String> {
    let args = call.split_once('(')?.1;
    args.split('\'').skip(1).step_by(2).nth(n).map(normalize::clean_line).filter(|s| !s.is_empty())
}
