//! Shared helpers for the integration tests: reading `tests/data` files and parsing them.

#![allow(dead_code)]

use sources::{parse, HtmlSelectors, Kind, Page, ParseContext, ParseError};

pub fn data(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn run(kind: Kind, file: &str, ctx: &ParseContext) -> Result<Page, ParseError> {
    parse(kind, &data(file), ctx)
}

pub fn ok(kind: Kind, file: &str, ctx: &ParseContext) -> Page {
    run(kind, file, ctx).unwrap_or_else(|e| panic!("{file}: {e}"))
}

pub fn ctx(source: &str, url: &str) -> ParseContext {
    ParseContext::new(source, url)
}

/// Selectors for the 2012 기업마당 list page (EUC-KR).
pub fn bizinfo_2012_list() -> HtmlSelectors {
    HtmlSelectors {
        item: "table.tbl tbody tr".into(),
        title: "td.subject a".into(),
        link: "td.subject a".into(),
        agency: Some("td:nth-child(3) a".into()),
        published: Some("td:nth-child(4)".into()),
        next_page: Some("div.paging a.next".into()),
        ..HtmlSelectors::default()
    }
}

/// Selectors for the 2012 기업마당 detail page (EUC-KR).
pub fn bizinfo_2012_detail() -> HtmlSelectors {
    HtmlSelectors {
        item: "body".into(),
        title: "dl.a_bg dd.w550".into(),
        link: String::new(),
        id_param: Some("policyCodeId".into()),
        period: Some("dl.a_bg dd.w217".into()),
        body: Some("div.a_area3_bg".into()),
        attachments: Some("table[summary^='첨부문서'] a".into()),
        ..HtmlSelectors::default()
    }
}

/// Selectors for an SMTECH-style board.
pub fn smtech_list() -> HtmlSelectors {
    HtmlSelectors {
        item: "table.tbl_base tbody tr".into(),
        title: "td.subject a".into(),
        link: "td.subject a".into(),
        id_param: Some("ancmId".into()),
        period: Some("td.period".into()),
        agency: Some("td.agency".into()),
        next_page: Some("div.paging a.next".into()),
        ..HtmlSelectors::default()
    }
}

/// Every fixture with the kind that reads it and a context for it.
pub fn all_fixtures() -> Vec<(&'static str, Kind, ParseContext)> {
    let ntis = ctx("ntis", "https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do");
    let ntis_view = ctx("ntis", "https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=1243873");
    let iris = ctx("iris", "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId=022737");
    let biz = ctx("bizinfo", "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do");
    let ks = ctx(
        "kstartup",
        "https://apis.data.go.kr/B552735/kisedKstartupService01/getAnnouncementInformation01?page=1&perPage=5",
    );
    let ks_view =
        ctx("kstartup", "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=178335");
    let sme = ctx("sme24", "https://www.smes.go.kr/fnct/apiReqst/extPblancInfo");
    let old_list = ctx("bizinfo", "http://www.bizinfo.go.kr/userPolicyInfoList.do").with_selectors(bizinfo_2012_list());
    let old_detail = ctx("bizinfo", "http://www.bizinfo.go.kr/userPolicyInfoView.do?policyCodeId=PI000123")
        .with_selectors(bizinfo_2012_detail());
    let smtech = ctx("smtech", "https://www.smtech.go.kr/front/ifg/no/notice02_list.do").with_selectors(smtech_list());
    let iitp = ctx("iitp", "https://www.iitp.kr/kr/1/business/businessNotice/list.it").with_selectors(smtech_list());
    vec![
        ("ntis-rss-unRndRss-2026-08-21.xml", Kind::NtisRss, ntis.clone()),
        ("ntis-detail-roRndUid-1206594-connect.html", Kind::NtisDetail, ntis_view),
        ("ntis-list-rows-scraped-2025-09.json", Kind::NtisList, ntis.clone()),
        ("written-ntis-list-mng.html", Kind::NtisList, ntis),
        ("iris-detail-ancmId-022737-abridged.html", Kind::IrisDetail, iris.clone()),
        ("written-iris-list-retrieveBsnsAncmBtinSituList.json", Kind::IrisList, iris),
        ("bizinfo-native-api-jsonArray-sample-5items.json", Kind::BizinfoApi, biz.clone()),
        ("bizinfo-datagokr-user-sample-10items-sanitized.json", Kind::BizinfoApi, biz.clone()),
        ("written-bizinfo-jsonArray-item.json", Kind::BizinfoApi, biz.clone()),
        ("written-bizinfo-rss.xml", Kind::BizinfoRss, biz),
        ("bizinfo-2012-list-venture-euckr.html", Kind::GenericHtmlList, old_list),
        ("bizinfo-2012-detail-venture-item-euckr.html", Kind::GenericHtmlDetail, old_detail),
        ("kstartup-api-announcement-list-sample.json", Kind::KstartupApi, ks.clone()),
        ("kstartup-api-announcement-list-empty-page.json", Kind::KstartupApi, ks.clone()),
        ("kstartup-api-service-key-error.json", Kind::KstartupApi, ks.clone()),
        ("kstartup-api-projection-previous-announcements.json", Kind::KstartupApi, ks.clone()),
        ("written-kstartup-api-col.xml", Kind::KstartupApi, ks.clone()),
        ("written-kstartup-service-key-error.xml", Kind::KstartupApi, ks),
        ("kstartup-detail-pbancSn-178335-abridged.html", Kind::KstartupDetail, ks_view),
        ("written-sme24-extPblancInfo.json", Kind::Sme24Api, sme.clone()),
        ("written-sme24-error.json", Kind::Sme24Api, sme),
        ("written-agency-smtech-list.html", Kind::GenericHtmlList, smtech),
        ("iitp-error-page-404-connect.html", Kind::GenericHtmlList, iitp),
    ]
}
