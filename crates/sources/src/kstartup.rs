//! K-Startup (k-startup.go.kr): the data.go.kr API `getAnnouncementInformation01` as JSON
//! (`{"data":[…], "totalCount":…}`, or a bare array of records) or XML (`<item><col
//! name="pbanc_sn">…</col>…</item>`), the data.go.kr error envelope (`OpenAPI_ServiceResponse`),
//! and the detail page `bizpbanc-ongoing.do?schM=view&pbancSn=…` (`#scrTitle`, `p.tit` labels).

use serde_json::{Map, Value};

use crate::html::{self, absolute_url, opt_text, query_param, selector, text};
use crate::xml::{self, Element};
use crate::{EligibilityCode, Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

use crate::json::{field, line, number};

const SITE: &str = "https://www.k-startup.go.kr";
const VIEW: &str = "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=";

fn view_url(sn: &str) -> String {
    format!("{VIEW}{sn}")
}

/// `20260807` → `2026-08-07`; anything else is kept as written.
fn date(raw: Option<String>) -> Option<String> {
    let raw = raw?;
    let d = raw.as_bytes();
    if d.len() == 8 && d.iter().all(u8::is_ascii_digit) {
        return Some(format!("{}-{}-{}", &raw[..4], &raw[4..6], &raw[6..]));
    }
    Some(raw)
}

/// `nextstep.io.kr/x` → `https://nextstep.io.kr/x`.
fn with_scheme(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    if url.contains("://") {
        return absolute_url(SITE, url);
    }
    absolute_url(SITE, &format!("https://{}", url.trim_start_matches('/')))
}

/// The data.go.kr error envelope (`OpenAPI_ServiceResponse.cmmMsgHeader`), in either field
/// arrangement: the code (e.g. `SERVICE_KEY_IS_NOT_REGISTERED_ERROR`) is whichever of
/// `errMsg`/`returnAuthMsg` is an upper-case identifier.
pub(crate) fn data_go_kr_error(value: &Value) -> Option<ParseError> {
    let header = value.get("OpenAPI_ServiceResponse").and_then(|r| r.get("cmmMsgHeader"))?;
    let err = field(header, "errMsg").unwrap_or_default();
    let auth = field(header, "returnAuthMsg").unwrap_or_default();
    let reason = field(header, "returnReasonCode").unwrap_or_default();
    Some(envelope_error(err, auth, reason))
}

fn envelope_error(err: String, auth: String, reason: String) -> ParseError {
    let is_code =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let (code, message) = if is_code(&err) {
        (err, auth)
    } else if is_code(&auth) {
        (auth, err)
    } else {
        (reason.clone(), format!("{err} {auth}").trim().to_string())
    };
    ParseError::ApiError { code, message: format!("{message} (returnReasonCode {reason})") }
}

fn split_list(raw: Option<String>, kind: &str, out: &mut Vec<EligibilityCode>) {
    for part in raw.iter().flat_map(|r| r.split(',')) {
        let v = normalize::clean_line(part);
        if !v.is_empty() {
            out.push(EligibilityCode { kind: kind.into(), code: v.clone(), label: Some(v) });
        }
    }
}

fn program(item: &Value, ctx: &ParseContext) -> Option<RawProgram> {
    let sn = line(item, "pbanc_sn")?;
    let title = line(item, "biz_pbanc_nm").or_else(|| line(item, "intg_pbanc_biz_nm"))?;
    let mut p = RawProgram::new(ctx, Kind::KstartupApi, sn.clone(), title);
    // `sprv_inst` is only a type (민간/공공기관); the announcing body is `pbanc_ntrp_nm`.
    p.agency = line(item, "pbanc_ntrp_nm");
    p.category = line(item, "supt_biz_clsfc");
    p.regions_raw = line(item, "supt_regin");
    let targets: Vec<String> =
        ["aply_trgt", "biz_enyy", "biz_trgt_age", "aply_trgt_ctnt"].iter().filter_map(|k| field(item, k)).collect();
    p.target_raw = (!targets.is_empty()).then(|| targets.join("\n"));
    let begin = date(line(item, "pbanc_rcpt_bgng_dt"));
    let end = date(line(item, "pbanc_rcpt_end_dt"));
    if begin.is_some() || end.is_some() {
        p.period_raw = Some(format!("{} ~ {}", begin.clone().unwrap_or_default(), end.unwrap_or_default()));
    }
    // The API has no posting date; reception start is the closest it publishes.
    p.published_raw = begin;
    let mut body = field(item, "pbanc_ctnt").unwrap_or_default();
    for (label, key) in
        [("사업 안내", "biz_gdnc_url"), ("신청 페이지", "biz_aply_url"), ("온라인 접수", "aply_mthd_onli_rcpt_istc")]
    {
        if let Some(url) = field(item, key).and_then(|u| with_scheme(&u)) {
            body.push_str(&format!("\n\n{label}: {url}"));
        }
    }
    p.body_html = Some(body.trim().to_string()).filter(|b| !b.is_empty());
    p.source_url = field(item, "detl_pg_url").and_then(|u| with_scheme(&u)).or_else(|| Some(view_url(&sn)));
    split_list(field(item, "aply_trgt"), "applicant_type", &mut p.eligibility);
    split_list(field(item, "biz_enyy"), "business_age", &mut p.eligibility);
    split_list(field(item, "biz_trgt_age"), "representative_age", &mut p.eligibility);
    // The free-text target and exclusion descriptions, read sentence by sentence by the matcher.
    for (key, kind) in [("aply_trgt_ctnt", "target_detail"), ("aply_excl_trgt_ctnt", "exclusion")] {
        if let Some(text) = field(item, key) {
            p.eligibility.push(EligibilityCode { kind: kind.into(), code: text.clone(), label: Some(text) });
        }
    }
    Some(p)
}

/// XML `<item><col name="k">v</col>…</item>` rows as JSON objects.
fn xml_rows(root: &Element) -> Vec<Value> {
    root.descendants_named("item")
        .into_iter()
        .map(|item| {
            let mut map = Map::new();
            for col in item.children_named("col") {
                if let Some(name) = col.attr("name") {
                    map.insert(name.to_string(), Value::String(col.text()));
                }
            }
            Value::Object(map)
        })
        .collect()
}

fn xml_count(root: &Element, name: &str) -> Option<Value> {
    let e = root.descendants_named(name).into_iter().next()?;
    Some(Value::String(e.text().trim().to_string()))
}

pub(crate) fn parse_api(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::KstartupApi;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let trimmed = text.trim();
    let (rows, meta): (Vec<Value>, Value) = if trimmed.starts_with('<') {
        let root = xml::parse(trimmed).map_err(|e| ParseError::malformed(kind, e))?;
        if let Some(header) = root.descendants_named("cmmMsgHeader").into_iter().next() {
            let get = |n: &str| header.child_text(n).unwrap_or_default();
            return Err(envelope_error(get("errMsg"), get("returnAuthMsg"), get("returnReasonCode")));
        }
        if root.descendants_named("data").is_empty() && root.descendants_named("item").is_empty() {
            return Err(ParseError::malformed(kind, "<data>/<item> 없음 / no <data> or <item>"));
        }
        let mut meta = Map::new();
        for k in ["totalCount", "matchCount", "page", "perPage", "currentCount"] {
            if let Some(v) = xml_count(&root, k) {
                meta.insert(k.into(), v);
            }
        }
        (xml_rows(&root), Value::Object(meta))
    } else {
        let value: Value = serde_json::from_str(trimmed).map_err(|e| ParseError::malformed(kind, e.to_string()))?;
        if let Some(err) = data_go_kr_error(&value) {
            return Err(err);
        }
        match value {
            Value::Array(rows) => (rows, Value::Null),
            Value::Object(ref o) => {
                let rows = o
                    .get("data")
                    .and_then(Value::as_array)
                    .cloned()
                    .ok_or_else(|| ParseError::malformed(kind, "data 배열 없음 / no data array"))?;
                (rows, value)
            }
            _ => return Err(ParseError::malformed(kind, "JSON 객체가 아님 / not a JSON object")),
        }
    };
    let mut page =
        Page { total: number(meta.get("totalCount")).or_else(|| number(meta.get("matchCount"))), ..Page::default() };
    for row in &rows {
        if let Some(p) = program(row, ctx) {
            if let Some(u) = &p.source_url {
                page.detail_urls.push(u.clone());
            }
            page.programs.push(p);
        }
    }
    let (cur, per) = (number(meta.get("page")), number(meta.get("perPage")));
    if let (Some(cur), Some(per), Some(total)) = (cur, per, page.total) {
        if !rows.is_empty() && cur.saturating_mul(per) < total {
            page.next_page = Some(next_url(&ctx.url, cur + 1));
        }
    }
    Ok(page)
}

/// The fetched URL with `page=n`, or the bare `page=n` token when no URL is known.
fn next_url(fetched: &str, n: u64) -> String {
    match url::Url::parse(fetched) {
        Ok(mut url) => {
            let pairs: Vec<(String, String)> =
                url.query_pairs().filter(|(k, _)| k != "page").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            url.query_pairs_mut().clear().extend_pairs(pairs).append_pair("page", &n.to_string());
            url.to_string()
        }
        Err(_) => format!("page={n}"),
    }
}

// ------------------------------------------------------------------ detail

pub(crate) fn parse_detail(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::KstartupDetail;
    let doc = html::document(body, ctx.content_type.as_deref())?;
    let root = doc.root_element();
    let title = html::first(root, &selector(kind, "#scrTitle")?)
        .and_then(opt_text)
        .ok_or_else(|| html::missing(kind, &doc, "#scrTitle 없음 / no #scrTitle"))?;
    let sn = query_param(&ctx.url, "pbancSn")
        .ok_or_else(|| html::missing(kind, &doc, "URL에 pbancSn 없음 / no pbancSn in the URL"))?;
    let mut fields: Vec<(String, String)> = Vec::new();
    for tit in root.select(&selector(kind, "p.tit")?) {
        let value = tit
            .next_siblings()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().classes().any(|c| c == "txt"))
            .map(text)
            .unwrap_or_default();
        fields.push((text(tit), value));
    }
    let get = |name: &str| fields.iter().find(|(l, v)| l == name && !v.is_empty()).map(|(_, v)| v.clone());
    let mut p = RawProgram::new(ctx, kind, sn.clone(), title);
    p.period_raw = get("신청기간");
    p.target_raw = get("신청대상");
    // The information sections, without 문의처 (contact details stay on the source site).
    let section_title = selector(kind, "p.title")?;
    let sections: Vec<String> = root
        .select(&selector(kind, ".information_list")?)
        .filter(|s| html::first(*s, &section_title).map(text).as_deref() != Some("문의처"))
        .map(|s| html::strip_scripts(&s.html()))
        .collect();
    p.body_html = Some(sections.join("\n")).filter(|b| !b.is_empty());
    p.source_url = Some(view_url(&sn));
    let base = if ctx.url.is_empty() { SITE } else { &ctx.url };
    let name_sel = selector(kind, "a.file_bg")?;
    let down_sel = selector(kind, "a.btn_down[href], a[href*='fileDownload']")?;
    for li in root.select(&selector(kind, ".board_file li.clear, .board_file > ul > li")?) {
        let Some(name) = html::first(li, &name_sel).and_then(opt_text) else {
            continue;
        };
        let url = html::first(li, &down_sel).and_then(|a| a.value().attr("href")).and_then(|h| absolute_url(base, h));
        if !p.attachments.iter().any(|a| a.name == name) {
            p.attachments.push(RawAttachment { name, url, size: None });
        }
    }
    Ok(Page { programs: vec![p], ..Page::default() })
}
