//! 기업마당: the native API (flat `jsonArray` real sample; `jsonArray.item` written by hand),
//! the data.go.kr mirror (real sample), RSS (written from documentation: no real sample), and
//! the EUC-KR 2012 pages through the generic HTML parser (real).

mod common;

use common::{bizinfo_2012_detail, bizinfo_2012_list, ctx, ok};
use sources::{parse, Kind, ParseError};

fn api_ctx() -> sources::ParseContext {
    ctx("bizinfo", "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do?dataType=json")
}

#[test]
fn native_flat_json_array() {
    let page = ok(Kind::BizinfoApi, "bizinfo-native-api-jsonArray-sample-5items.json", &api_ctx());
    assert_eq!(page.programs.len(), 5);
    assert_eq!(page.total, Some(1443));
    let p = &page.programs[0];
    assert_eq!(p.external_id, "PBLN_000000000127023");
    assert_eq!(p.ministry.as_deref(), Some("중소벤처기업부"));
    assert_eq!(p.agency.as_deref(), Some("경기지방중소벤처기업청"));
    assert_eq!(p.target_raw.as_deref(), Some("소상공인"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-10-02 ~ 2026-10-16"));
    assert!(p.regions_raw.as_deref().unwrap_or_default().contains("경기"));
    // Two @-joined files plus the print version.
    assert_eq!(p.attachments.len(), 3);
    assert!(p.attachments[1].url.as_deref().unwrap_or_default().ends_with("fileSn=1"));
    // One item has no fileNm/flpthNm at all.
    assert!(page
        .programs
        .iter()
        .any(|p| p.attachments.is_empty() || p.attachments.iter().all(|a| a.name.ends_with(".pdf"))));
}

#[test]
fn native_item_envelope_written_by_hand() {
    let page = ok(Kind::BizinfoApi, "written-bizinfo-jsonArray-item.json", &api_ctx());
    assert_eq!(page.programs.len(), 1);
    let p = &page.programs[0];
    assert_eq!(
        p.source_url.as_deref(),
        Some("https://www.bizinfo.go.kr/sii/siia/selectSIIA200Detail.do?pblancId=PBLN_000000000127100")
    );
    assert_eq!(p.attachments[1].name, "신청서 양식.hwp", "+ means a space");
}

#[test]
fn data_go_kr_mirror() {
    let page = ok(Kind::BizinfoApi, "bizinfo-datagokr-user-sample-10items-sanitized.json", &api_ctx());
    assert_eq!(page.programs.len(), 10);
    assert_eq!(page.total, Some(1518));
    assert!(page.programs.iter().any(|p| p.period_raw.as_deref() == Some("예산 소진시까지")));
    assert!(page.programs.iter().any(|p| p.agency.as_deref() == Some("기초자치단체")));
    for p in &page.programs {
        assert!(p.external_id.starts_with("PBLN_"));
        assert!(p.body_html.is_some());
    }
}

#[test]
fn invalid_json_is_malformed_so_the_caller_falls_back_to_rss() {
    let bad = br#"{"jsonArray":[{"pblancId":PBLN_1,"pblancNm":unquoted}]}"#;
    assert!(matches!(
        parse(Kind::BizinfoApi, bad, &api_ctx()),
        Err(ParseError::Malformed { kind: Kind::BizinfoApi, .. })
    ));
    assert!(matches!(parse(Kind::BizinfoApi, b"{\"other\":[]}", &api_ctx()), Err(ParseError::Malformed { .. })));
}

#[test]
fn rss_written_from_documentation() {
    // No real dataType=rss output was found: the fixture follows the documented format.
    let page = ok(Kind::BizinfoRss, "written-bizinfo-rss.xml", &api_ctx());
    assert_eq!(page.programs.len(), 2);
    assert_eq!(page.total, Some(1518));
    let p = &page.programs[0];
    assert_eq!(p.external_id, "PBLN_000000000126771");
    assert!(p.title.contains("R&D 제품"));
    assert_eq!(p.ministry.as_deref(), Some("전북특별자치도"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-09-23 ~ 2026-10-08"));
    assert!(p.body_html.as_deref().unwrap_or_default().starts_with("<p>"));
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(page.programs[1].title, "2026년 예산 소진형 경영개선 지원사업 공고 & 안내");
}

#[test]
fn legacy_2012_euc_kr_list_page() {
    let c = ctx("bizinfo", "http://www.bizinfo.go.kr/userPolicyInfoList.do").with_selectors(bizinfo_2012_list());
    let page = ok(Kind::GenericHtmlList, "bizinfo-2012-list-venture-euckr.html", &c);
    let titles: Vec<_> = page.programs.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "[대전] 대학생ㆍ청년창업 500 프로젝트사업",
            "[경북] 5차년도 창업후 보육사업",
            // Cut short on the page (`지원..`); the title attribute has it whole.
            "2012년 신사업 비즈니스모델 개발 및 사업화 지원사업 추가모집",
        ]
    );
    let dates: Vec<_> = page.programs.iter().filter_map(|p| p.published_raw.as_deref()).collect();
    assert_eq!(dates, ["2012.06.14", "2012.06.13", "2012.06.07"]);
    assert_eq!(page.programs[0].agency.as_deref(), Some("대전경제통.."));
    // All rows share one link in this saved page; ids stay distinct and stable.
    let ids: std::collections::BTreeSet<_> = page.programs.iter().map(|p| &p.external_id).collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn legacy_2012_euc_kr_detail_page() {
    let c = ctx("bizinfo", "http://www.bizinfo.go.kr/userPolicyInfoView.do?policyCodeId=PI000123")
        .with_selectors(bizinfo_2012_detail());
    let page = ok(Kind::GenericHtmlDetail, "bizinfo-2012-detail-venture-item-euckr.html", &c);
    let p = &page.programs[0];
    assert_eq!(p.external_id, "PI000123");
    assert_eq!(p.title, "2012년도 투자연계 멘토링 초기기업 기술개발사업 시행계획");
    assert_eq!(p.period_raw.as_deref(), Some("2012-06-12 ~ 2012-07-31"));
    assert_eq!(p.attachments.len(), 1);
    assert!(p.attachments[0].name.starts_with("(제2012-143호)"));
    assert!(p.attachments[0].url.as_deref().unwrap_or_default().starts_with("http://www.bizinfo.go.kr/download?"));
    assert!(p.body_html.as_deref().unwrap_or_default().contains("엔젤투자"));
    // Also when the charset only comes from the Content-Type header.
    let c2 = c.clone().with_content_type("text/html; charset=EUC-KR");
    let page2 = ok(Kind::GenericHtmlDetail, "bizinfo-2012-detail-venture-item-euckr.html", &c2);
    assert_eq!(page2.programs[0].title, p.title);
}
