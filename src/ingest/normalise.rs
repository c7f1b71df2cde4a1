//! From what a source published ([`RawProgram`]: raw period, amount, HTML) to what we store
//! ([`ProgramInput`]): the one place where every importer and scraper normalises a record.

use eligibility::{Source, StructuredFields};
use normalize::{announcement_type, clean_line, html_to_text, parse_krw, parse_regions, period, Region};
use sources::RawProgram;

use crate::catalog::model::{Attachment, ProgramInput};
use crate::catalog::vocab;

/// Sources that only publish national programs: no region means 전국.
const NATIONAL_SOURCES: &[&str] = &["ntis", "iris"];

fn text(value: Option<&str>) -> Option<String> {
    value.map(clean_line).filter(|v| !v.is_empty())
}

/// Validates and normalises a record as a source published it; the error names the field at fault.
pub fn normalise(raw: &RawProgram) -> Result<ProgramInput, String> {
    let source = raw.source.trim();
    if !(2..=40).contains(&source.len())
        || !source.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!("source: '{source}'은(는) 영문 소문자·숫자·_ 2~40자여야 합니다"));
    }
    let external_id = raw.external_id.trim();
    if external_id.is_empty() {
        return Err("external_id: 비어 있습니다".into());
    }
    let title = clean_line(&raw.title);
    if title.is_empty() {
        return Err("title: 비어 있습니다".into());
    }
    let mut regions: Vec<String> = raw
        .regions_raw
        .as_deref()
        .map(parse_regions)
        .unwrap_or_default()
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    if regions.is_empty() && NATIONAL_SOURCES.contains(&source) {
        regions.push(Region::Nationwide.as_str().to_string());
    }
    let source_url = raw.source_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    if let Some(url) = source_url {
        match url::Url::parse(url) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            _ => return Err(format!("source_url: '{url}'은(는) http(s) 주소가 아닙니다")),
        }
    }
    Ok(ProgramInput {
        source: source.to_string(),
        external_id: external_id.to_string(),
        announcement_type: announcement_type(&title).as_str().to_string(),
        title,
        ministry: text(raw.ministry.as_deref()),
        agency: text(raw.agency.as_deref()),
        category: text(raw.category.as_deref()),
        regions,
        target_types: raw.target_raw.as_deref().map(vocab::target_types).unwrap_or_default(),
        period_raw: raw.period_raw.clone().filter(|p| !p.trim().is_empty()),
        period: period::parse(raw.period_raw.as_deref().unwrap_or("")),
        budget_krw: raw.budget_raw.as_deref().and_then(parse_krw),
        body: raw.body_html.as_deref().map(html_to_text).unwrap_or_default(),
        source_url: source_url.map(str::to_string),
        published_on: raw.published_raw.as_deref().and_then(period::parse_date),
        attachments: raw
            .attachments
            .iter()
            .map(|a| Attachment::new(clean_line(&a.name), a.url.clone().filter(|u| !u.trim().is_empty())))
            .filter(|a| !a.name.is_empty())
            .collect(),
        eligibility_fields: structured_fields(source, raw),
    })
}

/// The coded eligibility K-Startup and 중소벤처24 publish, as the matcher reads it
/// (`eligibility::from_structured`): labels joined the way each source writes its lists.
fn structured_fields(source: &str, raw: &RawProgram) -> Option<StructuredFields> {
    let codes = &raw.eligibility;
    let (source, separator) = match source {
        "kstartup" => (Source::Kstartup, ","),
        "sme24" => (Source::Sme24, "|"),
        _ => return None,
    };
    let join = |kind: &str| {
        let labels: Vec<&str> =
            codes.iter().filter(|c| c.kind == kind).map(|c| c.label.as_deref().unwrap_or(&c.code)).collect();
        (!labels.is_empty()).then(|| labels.join(separator))
    };
    let fields = StructuredFields {
        source,
        target_text: join("applicant_type").or_else(|| join("company_scale")),
        business_age_text: join("business_age"),
        age_text: join("representative_age"),
        target_detail_text: join("target_detail"),
        exclusion_text: join("exclusion"),
        // K-Startup's `supt_regin` is the record's region list.
        region_text: join("area").or_else(|| (source == Source::Kstartup).then(|| raw.regions_raw.clone()).flatten()),
        revenue_text: join("sales"),
        employees_text: join("employees"),
        certification_text: join("certification"),
    };
    (fields != StructuredFields { source, ..StructuredFields::default() }).then_some(fields)
}
