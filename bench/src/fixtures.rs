//! The real (and hand-written) source payloads of `crates/sources/tests/data/`, each with the
//! parser kind and the context (source code, URL, selectors) that read it — the same table as the
//! sources crate's own tests (`crates/sources/tests/common/mod.rs`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sources::{HtmlSelectors, Kind, ParseContext};

/// One payload and how to read it.
pub struct Fixture {
    pub file: &'static str,
    pub kind: Kind,
    pub source: &'static str,
    pub url: &'static str,
    pub selectors: Option<HtmlSelectors>,
    pub body: Vec<u8>,
}

impl Fixture {
    /// The context this payload is parsed with.
    pub fn context(&self) -> ParseContext {
        let mut ctx = ParseContext::new(self.source, self.url);
        ctx.selectors = self.selectors.clone();
        ctx
    }
}

/// The fixture folder of this checkout.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/sources/tests/data")
}

fn bizinfo_2012_list() -> HtmlSelectors {
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

fn bizinfo_2012_detail() -> HtmlSelectors {
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

fn smtech_list() -> HtmlSelectors {
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

const NTIS: &str = "https://www.ntis.go.kr/rndgate/eg/un/ra/mng.do";
const NTIS_VIEW: &str = "https://www.ntis.go.kr/rndgate/eg/un/ra/view.do?roRndUid=1243873";
const IRIS: &str = "https://www.iris.go.kr/contents/retrieveBsnsAncmView.do?ancmId=022737";
const BIZ: &str = "https://www.bizinfo.go.kr/uss/rss/bizinfoApi.do";
const KS: &str = "https://apis.data.go.kr/B552735/kisedKstartupService01/getAnnouncementInformation01?page=1&perPage=5";
const KS_VIEW: &str = "https://www.k-startup.go.kr/web/contents/bizpbanc-ongoing.do?schM=view&pbancSn=178335";
const SME: &str = "https://www.smes.go.kr/fnct/apiReqst/extPblancInfo";
const OLD_LIST: &str = "http://www.bizinfo.go.kr/userPolicyInfoList.do";
const OLD_DETAIL: &str = "http://www.bizinfo.go.kr/userPolicyInfoView.do?policyCodeId=PI000123";
const SMTECH: &str = "https://www.smtech.go.kr/front/ifg/no/notice02_list.do";
const IITP: &str = "https://www.iitp.kr/kr/1/business/businessNotice/list.it";

/// Every fixture in `dir`, read into memory.
pub fn load(dir: &Path) -> Result<Vec<Fixture>> {
    type Row = (&'static str, Kind, &'static str, &'static str, Option<HtmlSelectors>);
    let rows: Vec<Row> = vec![
        ("ntis-rss-unRndRss-2026-08-21.xml", Kind::NtisRss, "ntis", NTIS, None),
        ("ntis-detail-roRndUid-1206594-connect.html", Kind::NtisDetail, "ntis", NTIS_VIEW, None),
        ("ntis-list-rows-scraped-2025-09.json", Kind::NtisList, "ntis", NTIS, None),
        ("written-ntis-list-mng.html", Kind::NtisList, "ntis", NTIS, None),
        ("iris-detail-ancmId-022737-abridged.html", Kind::IrisDetail, "iris", IRIS, None),
        ("written-iris-list-retrieveBsnsAncmBtinSituList.json", Kind::IrisList, "iris", IRIS, None),
        ("bizinfo-native-api-jsonArray-sample-5items.json", Kind::BizinfoApi, "bizinfo", BIZ, None),
        ("bizinfo-datagokr-user-sample-10items-sanitized.json", Kind::BizinfoApi, "bizinfo", BIZ, None),
        ("written-bizinfo-jsonArray-item.json", Kind::BizinfoApi, "bizinfo", BIZ, None),
        ("written-bizinfo-rss.xml", Kind::BizinfoRss, "bizinfo", BIZ, None),
        ("bizinfo-2012-list-venture-euckr.html", Kind::GenericHtmlList, "bizinfo", OLD_LIST, Some(bizinfo_2012_list())),
        (
            "bizinfo-2012-detail-venture-item-euckr.html",
            Kind::GenericHtmlDetail,
            "bizinfo",
            OLD_DETAIL,
            Some(bizinfo_2012_detail()),
        ),
        ("kstartup-api-announcement-list-sample.json", Kind::KstartupApi, "kstartup", KS, None),
        ("kstartup-api-announcement-list-empty-page.json", Kind::KstartupApi, "kstartup", KS, None),
        ("kstartup-api-service-key-error.json", Kind::KstartupApi, "kstartup", KS, None),
        ("kstartup-api-projection-previous-announcements.json", Kind::KstartupApi, "kstartup", KS, None),
        ("written-kstartup-api-col.xml", Kind::KstartupApi, "kstartup", KS, None),
        ("written-kstartup-service-key-error.xml", Kind::KstartupApi, "kstartup", KS, None),
        ("kstartup-detail-pbancSn-178335-abridged.html", Kind::KstartupDetail, "kstartup", KS_VIEW, None),
        ("written-sme24-extPblancInfo.json", Kind::Sme24Api, "sme24", SME, None),
        ("written-sme24-error.json", Kind::Sme24Api, "sme24", SME, None),
        ("written-agency-smtech-list.html", Kind::GenericHtmlList, "smtech", SMTECH, Some(smtech_list())),
        ("iitp-error-page-404-connect.html", Kind::GenericHtmlList, "iitp", IITP, Some(smtech_list())),
    ];
    rows.into_iter()
        .map(|(file, kind, source, url, selectors)| {
            let path = dir.join(file);
            let body = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(Fixture { file, kind, source, url, selectors, body })
        })
        .collect()
}
