//! 중소벤처24 (smes.go.kr) `extPblancInfo`: `{"resultCd":"0","resultMsg":…,"data":[…]}` with
//! `pblancSeq`, `pblancNm`, `sportInsttNm`, `pblancBgnDt`/`pblancEndDt`, `pblancDtlUrl`, `|`-joined
//! attachments, and eligibility as parallel `|`-joined code/name lists (`cmpScaleCd`
//! `CC10|CC20` with `cmpScale` `중소기업|중견기업`, `salsAmtCd` SI…, `emplyCntCd` EI…, `ablbizCd`
//! OI…, `needCrtfnCd` EC…, `areaCd` 10-digit 법정동 codes such as `1100000000`).

use serde_json::Value;

use crate::html::{self, absolute_url};
use crate::{EligibilityCode, Kind, Page, ParseContext, ParseError, RawAttachment, RawProgram};

use crate::json::{field, line};

const SITE: &str = "https://www.smes.go.kr";
const VIEW: &str = "https://www.smes.go.kr/main/sportsBsnsPolicy/view?viewPblancSeq=";

/// (code field, name field, eligibility kind).
const CODE_LISTS: &[(&str, &str, &str)] = &[
    ("cmpScaleCd", "cmpScale", "company_scale"),
    ("salsAmtCd", "salsAmt", "sales"),
    ("emplyCntCd", "emplyCnt", "employees"),
    ("ablbizCd", "ablbiz", "business_age"),
    ("needCrtfnCd", "needCrtfn", "certification"),
    ("lifeCyclDvsnCd", "lifeCyclDvsn", "life_cycle"),
    ("bizTypeCd", "bizType", "business_type"),
    ("sportTypeCd", "sportType", "support_type"),
    ("areaCd", "areaNm", "area"),
];

fn pipes(s: Option<String>) -> Vec<String> {
    s.map(|s| s.split('|').map(normalize::clean_line).collect()).unwrap_or_default()
}

fn eligibility(item: &Value) -> Vec<EligibilityCode> {
    let mut out = Vec::new();
    for (code_key, name_key, kind) in CODE_LISTS {
        let codes = pipes(field(item, code_key));
        let names = pipes(field(item, name_key));
        for (i, code) in codes.iter().enumerate() {
            if code.is_empty() {
                continue;
            }
            let label = names.get(i).filter(|n| !n.is_empty()).cloned().or_else(|| {
                (*kind == "area")
                    .then(|| normalize::region_from_bjd_code(code))
                    .flatten()
                    .map(|r| r.label_ko().to_string())
            });
            out.push(EligibilityCode { kind: (*kind).into(), code: code.clone(), label });
        }
    }
    out
}

/// Region names as published plus the 시도 of every area code, comma-joined.
fn regions(item: &Value) -> Option<String> {
    let mut parts: Vec<String> = pipes(field(item, "areaNm")).into_iter().filter(|p| !p.is_empty()).collect();
    for code in pipes(field(item, "areaCd")) {
        if let Some(region) = normalize::region_from_bjd_code(&code) {
            if !normalize::parse_regions(&parts.join(",")).contains(&region) {
                parts.push(region.label_ko().to_string());
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

fn attachments(item: &Value, out: &mut Vec<RawAttachment>) {
    let pairs = [("pblancFileNm", "pblancFileUrl"), ("pblancAttachNm", "pblancAttach")];
    for (name_key, url_key) in pairs {
        let names = pipes(field(item, name_key));
        let urls = pipes(field(item, url_key));
        for i in 0..names.len().max(urls.len()) {
            let url = urls.get(i).and_then(|u| absolute_url(SITE, u));
            let name = names.get(i).filter(|n| !n.is_empty()).cloned();
            let Some(name) = name.or_else(|| url.clone()) else {
                continue;
            };
            if url.is_some() && out.iter().any(|a| a.url == url) {
                continue;
            }
            out.push(RawAttachment { name, url, size: None });
        }
    }
}

fn program(item: &Value, ctx: &ParseContext) -> Option<RawProgram> {
    let id = line(item, "pblancSeq")?;
    let title = line(item, "pblancNm")?;
    let mut p = RawProgram::new(ctx, Kind::Sme24Api, id.clone(), title);
    p.ministry = line(item, "mnstryNm");
    p.agency = line(item, "sportInsttNm");
    p.category = line(item, "sportType").or_else(|| line(item, "bizType"));
    p.regions_raw = regions(item);
    p.target_raw = field(item, "sportTrget");
    p.period_raw = match (line(item, "pblancBgnDt"), line(item, "pblancEndDt")) {
        (None, None) => None,
        (b, e) => Some(format!("{} ~ {}", b.unwrap_or_default(), e.unwrap_or_default())),
    };
    p.budget_raw = line(item, "sportMg").or_else(|| line(item, "maxSportAmt"));
    p.published_raw = line(item, "creatDt");
    let body: Vec<String> = ["policyCnts", "sportCnts"].iter().filter_map(|k| field(item, k)).collect();
    p.body_html = (!body.is_empty()).then(|| body.join("\n\n"));
    p.source_url =
        field(item, "pblancDtlUrl").and_then(|u| absolute_url(SITE, &u)).or_else(|| Some(format!("{VIEW}{id}")));
    attachments(item, &mut p.attachments);
    p.eligibility = eligibility(item);
    Some(p)
}

pub(crate) fn parse_api(body: &[u8], ctx: &ParseContext) -> Result<Page, ParseError> {
    let kind = Kind::Sme24Api;
    let text = html::decode(body, ctx.content_type.as_deref())?;
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| ParseError::malformed(kind, e.to_string()))?;
    if let Some(code) = field(&value, "resultCd").filter(|c| c != "0" && c != "00") {
        return Err(ParseError::ApiError { code, message: field(&value, "resultMsg").unwrap_or_default() });
    }
    let rows = value
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ParseError::malformed(kind, "data 배열 없음 / no data array"))?;
    let mut page = Page::default();
    for row in rows {
        if let Some(p) = program(row, ctx) {
            if let Some(u) = &p.source_url {
                page.detail_urls.push(u.clone());
            }
            page.programs.push(p);
        }
    }
    Ok(page)
}
