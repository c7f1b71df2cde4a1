//! IRIS: the detail page (real, abridged upstream) and the list JSON (written from
//! documentation: no real `retrieveBsnsAncmBtinSituList.do` response exists).

mod common;

use common::{ctx, ok};
use sources::Kind;

#[test]
fn detail_page() {
    let page = ok(
        Kind::IrisDetail,
        "iris-detail-ancmId-022737-abridged.html",
        &ctx("iris", "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId=022737"),
    );
    let p = &page.programs[0];
    assert_eq!(p.external_id, "022737");
    assert_eq!(p.title, "2026년 휴먼프론티어과학프로그램(HFSP) 협력사업(사전지원) 신규과제 공고");
    assert_eq!(p.ministry.as_deref(), Some("과학기술정보통신부"));
    assert_eq!(p.agency.as_deref(), Some("한국연구재단"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-06-30 ~ 2026-07-31"));
    assert_eq!(p.published_raw.as_deref(), Some("2026-06-30"));
    assert_eq!(p.attachments.len(), 2);
    assert_eq!(p.attachments[0].name, "[붙임1] 2026년 HFSP 협력사업 공고문.hwpx");
    assert_eq!(p.attachments[0].size, Some(360_999));
    assert_eq!(p.attachments[1].size, Some(265_917));
    assert!(p.body_html.as_deref().unwrap_or_default().contains("지원기간 : 1년"));
}

#[test]
fn list_json_written_from_documentation() {
    // Written from the documented list format: paginationInfo + listBsnsAncmBtinSitu[].
    let page = ok(
        Kind::IrisList,
        "written-iris-list-retrieveBsnsAncmBtinSituList.json",
        &ctx("iris", "https://www.iris.go.kr/contents/retrieveBsnsAncmBtinSituList.do"),
    );
    assert_eq!(page.programs.len(), 3);
    assert_eq!(page.total, Some(32));
    assert_eq!(page.next_page.as_deref(), Some("pageIndex=2"));
    let p = &page.programs[0];
    assert_eq!(p.external_id, "022837");
    assert_eq!(p.ministry.as_deref(), Some("과학기술정보통신부"));
    assert_eq!(p.agency.as_deref(), Some("한국연구재단"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-07-02 ~ 2026-07-31"));
    assert_eq!(p.published_raw.as_deref(), Some("2026-07-02"));
    assert_eq!(page.programs[2].title, "2026년도 산업기술R&D 기술수요조사");
    assert!(page.detail_urls[1].ends_with("ancmId=022737"));
}

#[test]
fn a_page_without_fields_is_not_an_announcement() {
    let c = ctx("iris", "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId=1");
    let err = sources::parse(Kind::IrisDetail, b"<html><body><p>hello</p></body></html>", &c).unwrap_err();
    assert!(matches!(err, sources::ParseError::NotAnAnnouncementPage { .. }), "{err}");
    assert!(sources::parse(Kind::IrisList, b"{\"x\":1}", &c).is_err());
}
