//! NTIS: RSS feed, detail page, extracted list rows (real fixtures) and the list HTML (a
//! fixture written from the documented `mng.do` structure, since no real list page exists).

mod common;

use common::{ctx, ok};
use sources::Kind;

#[test]
fn rss_feed() {
    let page = ok(
        Kind::NtisRss,
        "ntis-rss-unRndRss-2026-08-21.xml",
        &ctx("ntis", "https://www.ntis.go.kr/rndgate/unRndRss.xml"),
    );
    assert_eq!(page.programs.len(), 10);
    assert_eq!(page.total, Some(10230));
    let first = &page.programs[0];
    assert_eq!(first.source, "ntis");
    assert_eq!(first.external_id, "1276553");
    assert_eq!(first.title, "2026년 사회문제해결형 R&BD 지원사업 시행 공고");
    assert_eq!(first.ministry.as_deref(), Some("과학기술정보통신부"));
    assert_eq!(first.agency.as_deref(), Some("연구개발특구진흥재단"));
    assert_eq!(first.period_raw.as_deref(), Some("2026-08-21 ~ 2026-09-21"));
    assert_eq!(first.budget_raw.as_deref(), Some("510000000"));
    assert_eq!(first.published_raw.as_deref(), Some("2026.08.21"));
    assert_eq!(first.source_url.as_deref(), Some("https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=1276553"));
    // budget 0 means "not published".
    assert_eq!(page.programs[1].budget_raw, None);
    assert_eq!(page.programs[1].title, "2027년 소방안전R&D 통합 기술수요조사");
    assert!(page.programs.iter().all(|p| !p.title.contains("&amp;")));
    assert_eq!(page.detail_urls.len(), 10);
}

#[test]
fn detail_page() {
    // The file name says 1206594; the page's own hidden input and form say 1243873.
    let page = ok(
        Kind::NtisDetail,
        "ntis-detail-roRndUid-1206594-connect.html",
        &ctx("ntis", "https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=1206594"),
    );
    assert_eq!(page.programs.len(), 1);
    let p = &page.programs[0];
    assert_eq!(p.external_id, "1243873");
    assert!(p.title.starts_with("2025년도 농업기계 디지털전환향"));
    assert!(p.title.contains("공고_(2025)2025년도"), "title kept whole: {}", p.title);
    assert_eq!(p.ministry.as_deref(), Some("산업통상자원부"));
    assert_eq!(p.agency.as_deref(), Some("한국산업기술기획평가원"));
    assert_eq!(p.period_raw.as_deref(), Some("2025.07.21 ~ 2025.08.13 18:00"));
    assert_eq!(p.published_raw.as_deref(), Some("2025.07.14"));
    assert_eq!(p.budget_raw, None, "공고금액 0 억원 = not published");
    // The fixtures README says 9: those are 붙임1–9; the page also links the 공고문 itself.
    assert_eq!(p.attachments.len(), 10, "{:#?}", p.attachments);
    for a in &p.attachments {
        let stem = a.name.rsplit_once('.').map(|(s, _)| s).unwrap_or_default();
        let suffix = stem.rsplit_once('_').map(|(_, d)| d).unwrap_or_default();
        assert_eq!(suffix.len(), 17, "{}", a.name);
        assert!(suffix.chars().all(|c| c.is_ascii_digit()), "{}", a.name);
        assert!(a.url.as_deref().unwrap_or_default().contains("wfUid="));
    }
    assert!(p.attachments[5].name.contains("R&D 자율성트랙"));
    let body = p.body_html.as_deref().unwrap_or_default();
    assert!(body.contains("산업통상자원부 공고 제2025"));
    assert!(!body.to_ascii_lowercase().contains("<script"));
    let text = normalize::html_to_text(body);
    assert!(!text.contains("function"), "no script text in the body");
    // The IRIS announcement this call comes from.
    assert!(page.detail_urls[0].contains("ancmId=014954"));
}

#[test]
fn scraped_list_rows() {
    let page = ok(
        Kind::NtisList,
        "ntis-list-rows-scraped-2025-09.json",
        &ctx("ntis", "https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do"),
    );
    assert_eq!(page.programs.len(), 30);
    let first = &page.programs[0];
    assert_eq!(first.external_id, "1247708");
    assert_eq!(first.period_raw.as_deref(), Some("2025.09.08 ~ 2025.09.23"));
    assert_eq!(first.source_url.as_deref(), Some("https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=1247708"));
    let suffixed = page.programs.iter().find(|p| p.external_id == "1246516").expect("row 1246516");
    assert_eq!(
        suffixed.title,
        "(재공고) 2025년도 최고급AI해외인재유치지원 사업 공고_(2025)최고급AI해외인재유치지원(최초공고 선정기관 접수용)"
    );
    let ministries: std::collections::BTreeSet<_> =
        page.programs.iter().filter_map(|p| p.ministry.as_deref()).collect();
    assert!(ministries.contains("산업통상자원부") && ministries.contains("과학기술정보통신부"));
}

#[test]
fn list_html_written_from_documentation() {
    // No real mng.do HTML was found: this fixture is written from the documented structure.
    let page = ok(
        Kind::NtisList,
        "written-ntis-list-mng.html",
        &ctx("ntis", "https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do"),
    );
    let ids: Vec<_> = page.programs.iter().map(|p| p.external_id.as_str()).collect();
    assert_eq!(ids, ["1276553", "1246516", "1247264"]);
    assert_eq!(page.programs[0].title, "2026년 사회문제해결형 R&BD 지원사업 시행 공고");
    assert!(page.programs[1].title.ends_with("_(2025)최고급AI해외인재유치지원(최초공고 선정기관 접수용)"));
    assert_eq!(page.programs[2].ministry.as_deref(), Some("산업통상자원부"));
    assert_eq!(page.programs[2].period_raw.as_deref(), Some("2025.09.01 ~ 2025.09.03"));
    assert_eq!(page.total, Some(10230));
    assert_eq!(page.next_page.as_deref(), Some("https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do?pageIndex=2"));
}

#[test]
fn garbage_is_malformed_not_empty() {
    let c = ctx("ntis", "https://www.ntis.go.kr/rndgate/unRndRss.xml");
    assert!(matches!(
        sources::parse(Kind::NtisRss, b"<html><body>maintenance</body>", &c),
        Err(sources::ParseError::Malformed { .. })
    ));
    assert!(sources::parse(Kind::NtisList, b"[{", &c).is_err());
}
