//! K-Startup: the data.go.kr API (real JSON samples, the real error envelope, a real
//! projection of 146 records; the XML `<col>` form is written from documentation) and the
//! detail page (real, abridged upstream).

mod common;

use common::{ctx, ok, run};
use sources::{Kind, ParseError};

fn api() -> sources::ParseContext {
    ctx(
        "kstartup",
        "https://apis.data.go.kr/B552735/kisedKstartupService01/getAnnouncementInformation01?page=1&perPage=5&returnType=json",
    )
}

#[test]
fn api_sample() {
    let page = ok(Kind::KstartupApi, "kstartup-api-announcement-list-sample.json", &api());
    assert_eq!(page.programs.len(), 5);
    assert_eq!(page.total, Some(29710));
    assert!(page.next_page.as_deref().unwrap_or_default().contains("page=2"));
    let p = &page.programs[0];
    assert_eq!(p.external_id, "178845");
    assert_eq!(p.agency.as_deref(), Some("(주)로우파트너스"));
    assert_eq!(p.regions_raw.as_deref(), Some("전국"));
    assert_eq!(p.period_raw.as_deref(), Some("2026-08-07 ~ 2026-08-18"));
    assert!(p.target_raw.as_deref().unwrap_or_default().contains("1인 창조기업"));
    assert!(p.eligibility.iter().any(|e| e.kind == "business_age" && e.code == "3년미만"));
    // biz_gdnc_url comes without a scheme.
    let guided = page.programs.iter().find(|p| p.external_id == "178816").expect("178816");
    assert!(guided.body_html.as_deref().unwrap_or_default().contains("https://bit.ly/3XSJDch"));
    assert_eq!(guided.regions_raw.as_deref(), Some("제주"));
    assert!(page.programs.iter().all(|p| p.title == normalize::clean_line(&p.title)));
}

#[test]
fn empty_page_has_no_programs() {
    let page = ok(Kind::KstartupApi, "kstartup-api-announcement-list-empty-page.json", &api());
    assert!(page.programs.is_empty());
    assert_eq!(page.next_page, None);
}

#[test]
fn service_key_error_is_an_api_error() {
    for file in ["kstartup-api-service-key-error.json", "written-kstartup-service-key-error.xml"] {
        match run(Kind::KstartupApi, file, &api()) {
            Err(ParseError::ApiError { code, message }) => {
                assert_eq!(code, "SERVICE_KEY_IS_NOT_REGISTERED_ERROR", "{file}");
                assert!(message.contains("30"), "{message}");
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    // The same envelope reaching the bizinfo data.go.kr parser.
    assert!(matches!(
        run(Kind::BizinfoApi, "kstartup-api-service-key-error.json", &api()),
        Err(ParseError::ApiError { .. })
    ));
}

#[test]
fn projection_of_146_records_with_dirty_titles() {
    let page = ok(Kind::KstartupApi, "kstartup-api-projection-previous-announcements.json", &api());
    assert_eq!(page.programs.len(), 146);
    for p in &page.programs {
        assert!(!p.title.contains("&apos;"), "{}", p.title);
        assert!(!p.title.contains('\t') && !p.title.contains("  "), "{:?}", p.title);
        assert_eq!(p.title.trim(), p.title);
        assert!(p.external_id.chars().all(|c| c.is_ascii_digit()));
    }
    assert!(page.programs.iter().any(|p| p.period_raw.as_deref().unwrap_or_default().starts_with("2025-03-14")));
}

#[test]
fn xml_col_form_written_from_documentation() {
    // No real XML sample was found: the fixture follows the documented <col name="…"> form.
    let page = ok(Kind::KstartupApi, "written-kstartup-api-col.xml", &api());
    assert_eq!(page.programs.len(), 2);
    assert_eq!(page.total, Some(29710));
    assert_eq!(page.programs[0].external_id, "178845");
    assert_eq!(page.programs[1].title, "제주 '스타트업' 멘토링 프로그램");
}

#[test]
fn detail_page() {
    let c = ctx("kstartup", "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=178335");
    let page = ok(Kind::KstartupDetail, "kstartup-detail-pbancSn-178335-abridged.html", &c);
    let p = &page.programs[0];
    assert_eq!(p.external_id, "178335");
    assert_eq!(p.title, "2026년 정부 첫 실증·구매 프로젝트(스마트도시) 창업기업 모집공고");
    assert_eq!(p.period_raw.as_deref(), Some("2026.07.01(수) 11:00 ~ 2026.07.22(수) 15:00 까지"));
    assert_eq!(p.target_raw.as_deref(), Some("공고일 기준 업력 10년 이내 신산업 분야 창업기업"));
    assert_eq!(p.attachments.len(), 6);
    let exts: Vec<_> = p.attachments.iter().filter_map(|a| a.name.rsplit('.').next()).collect();
    assert_eq!(exts, ["hwpx", "pdf", "hwp", "zip", "hwp", "hwpx"]);
    assert_eq!(p.attachments[0].url.as_deref(), Some("https://www.k-startup.go.kr/afile/fileDownload/9ybLn"));
    let body = p.body_html.as_deref().unwrap_or_default();
    assert!(body.contains("지원내용"));
    assert!(!body.contains("1357"), "the 문의처 section is left out");
}
