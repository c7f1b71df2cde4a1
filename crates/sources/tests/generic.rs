//! Generic agency HTML read with configured selectors: an SMTECH-style board (written by
//! hand: no real KOCCA/NIPA/SMTECH list page exists), the real IITP error page, and selector
//! configuration from TOML.

mod common;

use common::{ctx, ok, run, smtech_list};
use sources::{parse, HtmlSelectors, Kind, ParseError};

#[test]
fn board_with_jsessionid_and_next_page() {
    let c = ctx("smtech", "https://www.smtech.go.kr/front/ifg/no/notice02_list.do;jsessionid=XYZ")
        .with_selectors(smtech_list());
    let page = ok(Kind::GenericHtmlList, "written-agency-smtech-list.html", &c);
    assert_eq!(page.programs.len(), 2);
    let p = &page.programs[0];
    assert_eq!(p.external_id, "S01234");
    assert_eq!(
        p.source_url.as_deref(),
        Some("https://www.smtech.go.kr/front/ifg/no/notice02_detail.do?ancmId=S01234&pageIndex=1")
    );
    // A relative link without a leading slash resolves against the list URL.
    assert_eq!(
        page.programs[1].source_url.as_deref(),
        Some("https://www.smtech.go.kr/front/ifg/no/notice02_detail.do?ancmId=S01200&pageIndex=1")
    );
    assert_eq!(p.period_raw.as_deref(), Some("2026.02.09 ~ 2026.03.09"));
    assert_eq!(p.agency.as_deref(), Some("중소벤처기업부"));
    assert_eq!(page.next_page.as_deref(), Some("https://www.smtech.go.kr/front/ifg/no/notice02_list.do?pageIndex=2"));
    assert!(page.detail_urls.iter().all(|u| !u.contains("jsessionid")));
}

#[test]
fn iitp_404_page_is_not_an_announcement_page() {
    let c = ctx("iitp", "https://www.iitp.kr/kr/1/business/businessNotice/list.it").with_selectors(smtech_list());
    for kind in [Kind::GenericHtmlList, Kind::GenericHtmlDetail] {
        match run(kind, "iitp-error-page-404-connect.html", &c) {
            Err(ParseError::NotAnAnnouncementPage { reason, .. }) => {
                assert!(reason.contains("존재하지 않는 페이지"), "{reason}");
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
}

#[test]
fn no_matching_rows_is_an_error_but_an_empty_board_is_not() {
    let c = ctx("nipa", "https://www.nipa.kr/home/2-2").with_selectors(smtech_list());
    let drifted = "<html><head><title>사업공고</title></head><body><ul class=new-layout><li>x</li></ul></body></html>";
    assert!(matches!(
        parse(Kind::GenericHtmlList, drifted.as_bytes(), &c),
        Err(ParseError::NotAnAnnouncementPage { .. })
    ));
    let empty = "<html><body><table class=tbl_base><tbody><tr><td>등록된 게시물이 없습니다.</td></tr></tbody></table></body></html>";
    let page = parse(Kind::GenericHtmlList, empty.as_bytes(), &c).expect("empty board");
    assert!(page.programs.is_empty());
}

#[test]
fn selectors_are_configuration() {
    let cfg: HtmlSelectors = toml::from_str(
        r#"
        item = "table.tbl_base tbody tr"
        title = "td.subject a"
        link = "td.subject a"
        id_param = "ancmId"
        period = "td.period"
        next_page = "div.paging a.next"
        "#,
    )
    .expect("toml");
    assert_eq!(cfg.id_param.as_deref(), Some("ancmId"));
    let c = ctx("smtech", "https://www.smtech.go.kr/front/ifg/no/notice02_list.do").with_selectors(cfg);
    assert_eq!(ok(Kind::GenericHtmlList, "written-agency-smtech-list.html", &c).programs.len(), 2);

    let missing = ctx("x", "https://x.kr/");
    assert!(matches!(parse(Kind::GenericHtmlList, b"<html></html>", &missing), Err(ParseError::Selectors { .. })));
    let bad = ctx("x", "https://x.kr/").with_selectors(HtmlSelectors {
        item: "tr[".into(),
        title: "a".into(),
        link: "a".into(),
        ..HtmlSelectors::default()
    });
    assert!(matches!(parse(Kind::GenericHtmlList, b"<html></html>", &bad), Err(ParseError::Selectors { .. })));
}
