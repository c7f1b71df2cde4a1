//! 중소벤처24 `extPblancInfo`: no real response was found, so these fixtures are written from
//! the documented field list (code lists CC/SI/EI/OI/EC, 10-digit 법정동 `areaCd`).

mod common;

use common::{ctx, ok, run};
use sources::{Kind, ParseError};

fn c() -> sources::ParseContext {
    ctx("sme24", "https://www.smes.go.kr/fnct/apiReqst/extPblancInfo?strDt=20260301&endDt=20260331")
}

#[test]
fn programs_with_eligibility_codes() {
    let page = ok(Kind::Sme24Api, "written-sme24-extPblancInfo.json", &c());
    assert_eq!(page.programs.len(), 2);
    let p = &page.programs[0];
    assert_eq!(p.external_id, "261234694");
    assert_eq!(p.agency.as_deref(), Some("정보통신산업진흥원"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-03-03 ~ 2026-03-31"));
    assert_eq!(p.attachments.len(), 3);
    let codes: Vec<_> = p.eligibility.iter().map(|e| e.code.as_str()).collect();
    for code in ["CC10", "CC20", "SI01", "SI02", "EI02", "OI01", "OI02", "EC01", "EC02", "1100000000"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let cc = p.eligibility.iter().find(|e| e.code == "CC20").expect("CC20");
    assert_eq!((cc.kind.as_str(), cc.label.as_deref()), ("company_scale", Some("중견기업")));
    // Regions: the names plus what the area codes say, without repeating a 시도.
    let regions = normalize::parse_regions(p.regions_raw.as_deref().unwrap_or_default());
    assert_eq!(regions, [normalize::Region::Seoul, normalize::Region::Busan]);

    // Only a code: the 시도 comes from the 법정동 prefix (51 = 강원특별자치도).
    let q = &page.programs[1];
    assert_eq!(normalize::parse_regions(q.regions_raw.as_deref().unwrap_or_default()), [normalize::Region::Gangwon]);
    let area = q.eligibility.iter().find(|e| e.kind == "area").expect("area");
    assert!(area.label.is_some());
    assert!(q.source_url.as_deref().unwrap_or_default().ends_with("261234700"));
}

#[test]
fn result_code_error() {
    assert!(matches!(
        run(Kind::Sme24Api, "written-sme24-error.json", &c()),
        Err(ParseError::ApiError { code, .. }) if code == "9"
    ));
}
