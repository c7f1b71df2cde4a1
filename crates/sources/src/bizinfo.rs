//! 기업마당 (bizinfo.go.kr): the native API `bizinfoApi.do?dataType=json` — `{"jsonArray":[…]}`
//! or `{"jsonArray":{"item":[…]}}` — and its data.go.kr mirror (`response.body.items.item[]`),
//! plus the same API with `dataType=rss`. Items carry `pblancId`, `@`-joined parallel
//! `fileNm`/`flpthNm` lists, `reqstBeginEndDe`, `hashtags` (regions among them) and `trgetNm`.
//! A payload that is not JSON is `Malformed`, so the caller can fall back to RSS.

use serde_json::Value;

use crate::html::{self, absolute_url, query_param};
use crate::xml::{self, Element};
use crate::{Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

use crate::json::{field, line, number};

const SITE: &str = "https://www.bizinfo.go.kr";
const VIEW: &str = "https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=";

/// `a@b` names with `u1@u2` URLs, position by position; names use `+` for spaces.
fn attachments(names: Option<String>, urls: Option<String>, out: &mut Vec<RawAttachment>) {
    let split = |s: Option<String>| -> Vec<String> {
        s.map(|s| s.split('@').map(|p| p.trim().to_string()).collect()).unwrap_or_default()
    };
    let (names, urls) = (split(names), split(urls));
    for i in 0..names.len().max(urls.len()) {
        let url = urls.get(i).filter(|u| !u.is_empty()).and_then(|u| absolute_url(SITE, u));
        let name = names.get(i).map(|n| normalize::clean_line(&n.replace('+', " "))).filter(|n| !n.is_empty());
        let Some(name) = name.or_else(|| url.clone()) else {
            continue;
        };
        if url.is_some() && out.iter().any(|a| a.url == url) {
            continue;
        }
        out.push(RawAttachment { name, url, size: None });
    }
}

fn program(item: &Value, kind: Kind, ctx: &ParseContext) -> Option<RawProgram> {
    let id = line(item, "pblancId")?;
    let title = line(item, "pblancNm")?;
    let mut p = RawProgram::new(ctx, kind, id.clone(), title);
    p.ministry = line(item, "jrsdInsttNm");
    p.agency = line(item, "excInsttNm");
    p.category = line(item, "pldirSportRealmLclasCodeNm");
    p.regions_raw = line(item, "hashtags");
    p.target_raw = line(item, "trgetNm");
    p.period_raw = line(item, "reqstBeginEndDe").or_else(|| line(item, "reqstDt"));
    p.published_raw = line(item, "creatPnttm");
    p.body_html = field(item, "bsnsSumryCn");
    p.source_url =
        field(item, "pblancUrl").and_then(|u| absolute_url(SITE, &u)).or_else(|| Some(format!("{VIEW}{id}")));
    attachments(field(item, "fileNm"), field(item, "flpthNm"), &mut p.attachments);
    attachments(field(item, "printFileNm"), field(item, "printFlpthNm"), &mut p.attachments);
    Some(p)
}

/// One object or an array of them, as both envelopes use for `item`.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => match o.get("item") {
            Some(inner) => items(inner),
            None if o.contains_key("pblancId") => vec![v],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

pub(crate) fn parse_api(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::BizinfoApi;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| ParseError::malformed(kind, e.to_string()))?;
    let mut page = Page::default();
    let list = if let Some(arr) = value.get("jsonArray") {
        items(arr)
    } else if let Some(resp) = value.get("response") {
        let header = resp.get("header");
        let code = header.and_then(|h| field(h, "resultCode"));
        if let Some(code) = code.filter(|c| c != "00" && c != "0") {
            return Err(ParseError::ApiError {
                message: header.and_then(|h| field(h, "resultMsg")).unwrap_or_default(),
                code,
            });
        }
        let body =
            resp.get("body").ok_or_else(|| ParseError::malformed(kind, "response.body 없음 / no response.body"))?;
        page.total = number(body.get("totalCount"));
        body.get("items").map(items).unwrap_or_default()
    } else if let Some(err) = crate::kstartup::data_go_kr_error(&value) {
        return Err(err);
    } else {
        return Err(ParseError::malformed(
            kind,
            "jsonArray 또는 response.body.items 없음 / neither jsonArray nor response.body.items",
        ));
    };
    for item in list {
        if page.total.is_none() {
            page.total = number(item.get("totCnt"));
        }
        if let Some(p) = program(item, kind, ctx) {
            page.programs.push(p);
        }
    }
    Ok(page)
}

// ------------------------------------------------------------------ RSS

fn rss_text(item: &Element, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| item.child_text(n))
}

/// `dataType=rss`: RSS 2.0 items whose `link` carries `pblancId`, with the API's own fields
/// (`author` = 소관기관, `category` = 지원분야, `reqstDt`, `trgetNm`, `hashTags`,
/// `excInsttNm`, `description` = summary HTML) beside the standard ones.
pub(crate) fn parse_rss(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::BizinfoRss;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let root = xml::parse(&text).map_err(|e| ParseError::malformed(kind, e))?;
    let channel = root
        .descendants_named("channel")
        .into_iter()
        .next()
        .ok_or_else(|| ParseError::malformed(kind, "RSS <channel> 없음 / no <channel>"))?;
    let mut page = Page::default();
    for item in channel.children_named("item") {
        let link = rss_text(item, &["link"]).and_then(|l| absolute_url(SITE, &l));
        let id = link
            .as_deref()
            .and_then(|l| query_param(l, "pblancId"))
            .or_else(|| rss_text(item, &["pblancId", "seq", "guid"]));
        let (Some(id), Some(title)) = (id, rss_text(item, &["title", "pblancNm"])) else {
            continue;
        };
        if page.total.is_none() {
            page.total = rss_text(item, &["totCnt"]).and_then(|t| t.parse().ok());
        }
        let mut p = RawProgram::new(ctx, kind, id.clone(), title);
        p.ministry = rss_text(item, &["author", "jrsdInsttNm"]);
        p.agency = rss_text(item, &["excInsttNm"]);
        p.category = rss_text(item, &["lcategory", "category", "pldirSportRealmLclasCodeNm"]);
        p.regions_raw = rss_text(item, &["hashTags", "hashtags"]);
        p.target_raw = rss_text(item, &["trgetNm"]);
        p.period_raw = rss_text(item, &["reqstDt", "reqstBeginEndDe"]);
        p.published_raw = rss_text(item, &["pubDate", "creatPnttm"]);
        p.body_html = item.child("description").map(|d| d.text().trim().to_string()).filter(|d| !d.is_empty());
        p.source_url = link.or_else(|| Some(format!("{VIEW}{id}")));
        attachments(rss_text(item, &["fileNm"]), rss_text(item, &["flpthNm"]), &mut p.attachments);
        page.programs.push(p);
    }
    Ok(page)
}
