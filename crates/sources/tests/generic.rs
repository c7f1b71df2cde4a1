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

/// Boards whose rows open by a script call: the id comes from `id_pattern` (in `href`, then
/// `onclick`) and the detail address from `detail_url`. KEIT- and KIAT-style pages written by hand.
#[test]
fn script_links_give_ids_and_detail_urls_by_configuration() {
    let keit = HtmlSelectors {
        item: "table.table_list tbody tr".into(),
        title: "td.subject a".into(),
        link: "td.subject a".into(),
        period: Some("td.period".into()),
        id_pattern: Some(r"f_detail\('([^']+)'".into()),
        detail_url: Some("retrieveTaskAnncmView.do?ancmId={id}".into()),
        ..HtmlSelectors::default()
    };
    let c = ctx("keit", "https://srome.keit.re.kr/srome/biz/perform/opnnPrpsl/retrieveTaskAnncmListView.do")
        .with_selectors(keit.clone());
    let page = ok(Kind::GenericHtmlList, "written-agency-keit-list.html", &c);
    let ids: Vec<&str> = page.programs.iter().map(|p| p.external_id.as_str()).collect();
    assert_eq!(ids, ["I13715", "I13702"], "from onclick, then from a javascript: href");
    assert_eq!(
        page.programs[0].source_url.as_deref(),
        Some("https://srome.keit.re.kr/srome/biz/perform/opnnPrpsl/retrieveTaskAnncmView.do?ancmId=I13715")
    );
    assert_eq!(page.programs[1].period_raw.as_deref(), Some("2026-01-20 ~ 2026-02-24 16:00"));

    for (pattern, template, complaint) in [
        (Some("f_detail\\("), None, "id_pattern"),
        (Some("f_detail\\(("), None, "id_pattern"),
        (None, Some("view.do?id=1"), "detail_url"),
    ] {
        let bad =
            HtmlSelectors { id_pattern: pattern.map(Into::into), detail_url: template.map(Into::into), ..keit.clone() };
        match bad.check(Kind::GenericHtmlList) {
            Err(ParseError::Selectors { reason, .. }) => assert!(reason.contains(complaint), "{reason}"),
            other => panic!("{pattern:?} {template:?}: {other:?}"),
        }
    }
    assert!(keit.check(Kind::GenericHtmlList).is_ok());
}
