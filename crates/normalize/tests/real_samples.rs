//! Titles, region fields, codes and amounts copied from real source samples
//! (NTIS list rows 2025-09, NTIS RSS 2026-08-21, K-Startup and bizinfo API
//! pages, the 법정동코드 table).

use normalize::classify::AnnouncementType::{self, *};
use normalize::region::Region::{self, *};
use normalize::{announcement_type, clean_line, format_krw, parse_krw, parse_regions};
use normalize::{html_to_text, region_from_bjd_code};

#[test]
fn ntis_list_titles() {
    let rows: [(&str, AnnouncementType); 30] = [
        ("(AI) 일반형 공동연구", Other),
        ("2026년도 AI 응용제품 신속 상용화 지원사업 수요조사 공고", Survey),
        ("2025년 최고급AI해외인재유치지원 사업 재공고", Call),
        ("(재공고) 2025년도 최고급AI해외인재유치지원 사업 공고_(2025)최고급AI해외인재유치지원(최초공고 선정기관 접수용)", Call),
        ("「(가칭)AI 기반 소재개발 지원 사업」 기획 수요조사", Survey),
        ("2025년도 K-AI 신약개발 전임상·임상 모델개발(RD)사업 신규지원 대상과제 공고 안내_(2025)K-AI 신약개발 전임상·임상 모델개발(RD)사업 신규지원 대상과제 공고", Call),
        ("2025년도 최고급 AI 해외인재 유치지원 사업 재공고", Call),
        ("2025년도 과학기술정보통신부 『AI모델 맞춤형 설계지원』사업 공고", Call),
        ("2025년 AI·디지털 기반 방송프로그램 제작지원 사업 3차 추가 공고", Call),
        ("2025년도 K-AI 신약개발 전임상·임상 모델개발(RD) 사업 신규지원 대상과제 공고 안내", Call),
        ("2025년도 AI 모델을 활용한 항체 바이오베터 개발 및 실증사업 신규지원 대상과제 공고", Call),
        ("2025년도 AI 모델을 활용한 항체 바이오베터 개발 및 실증사업 신규지원 대상과제 공고_(2025)2025년도 AI 모델을 활용한 항체 바이오베터 개발 및 실증사업 신규지원 대상과제 공고", Call),
        ("2025년도 AI 기반 표적맞춤형 의약품제조 자율랩 기술개발사업 신규지원 대상과제 공고", Call),
        ("2025년도 AI 기반 표적맞춤형 의약품제조 자율랩 기술개발사업 신규지원 대상과제 공고", Call),
        ("2025년도 과학기술정보통신부『AI반도체 최적화 설계지원』사업 통합 공고", Call),
        ("2025년 산업 특화형 피지컬AI 핵심기술 PoC 사업 통합 공고", Call),
        ("공공부문 이용 클라우드 플랫폼 내 AI기능 개발지원 재공고", Call),
        ("AI 팩토리 전문기업 선정을 위한 공고(2차)", Call),
        ("2025년 의료AI혁신생태계조성(닥터앤서3.0) 사업 2차공모 지원", Call),
        ("의료AI혁신생태계조성(닥터앤서3.0) 사업 2차 공고", Call),
        ("[공통] 2025년 과학기술정보통신부 AI·디지털 기반 방송프로그램 제작지원 사업 2차 추가 공고(공모)", Call),
        ("AI 분야 출연(연) 연구협력 전략 수립을 위한 기획 연구", Other),
        ("2025년 AI‧디지털 기반 방송콘텐츠기획개발 지원 사업 공고", Call),
        ("2025년도 AI(인공지능)기반 의약품 개발 및 제조분야 신규과제 발굴을 위한 기술수요조사 공고", Survey),
        ("2025년도 AI자율제조SDM플랫폼기술개발사업 신규지원 대상과제 공고", Call),
        ("국산AI반도체기반마이크로데이터센터운영및확산기술개발", Other),
        ("국산AI반도체적용마이크로데이터센터개발", Other),
        ("국산마이크로데이터센터활용AI서비스개발", Other),
        ("AI허브 인공지능 학습용 데이터 업사이클링 사업 공고", Call),
        ("2025년도 국산AI반도체기반마이크로데이터센터확산(RD)사업 신규지원 대상과제 공고", Call),
    ];
    for (title, want) in rows {
        assert_eq!(announcement_type(title), want, "{title}");
    }
}

#[test]
fn ntis_rss_titles() {
    // Raw <title> text, still entity-escaped as in the feed.
    let items = [
        ("2026년 사회문제해결형 R&amp;BD 지원사업 시행 공고", Call),
        ("2027년 소방안전R&amp;D 통합 기술수요조사", Survey),
        ("2027년 제조AX분야 산업기술R&amp;D사업 과제기획을 위한 기술수요조사 추가 공고", Survey),
        ("(재공고-국-제29호) 2026년 국토교통연구기획 사업 제2차 시행 재공고", Call),
        ("2027년 소재부품기술개발사업 기술 수요조사", Survey),
        ("(가칭)PFAS 규제대응 핵심기술개발 기술수요조사", Survey),
        ("2026년도 제2차 로봇산업기술개발사업 신규지원 대상과제 공고", Call),
        ("AI활용시멘트제조공정탄소배출저감기술개발사업 기술수요조사 공고", Survey),
        ("첨단나노상용화기술개발사업(가칭) 기술수요조사 공고", Survey),
        ("K-Carbon Specialty 기술개발 사업(가칭) 기술수요조사 공고", Survey),
    ];
    for (title, want) in items {
        assert_eq!(announcement_type(title), want, "{title}");
    }
    assert_eq!(
        clean_line("2026년 사회문제해결형 R&amp;BD 지원사업 시행 공고"),
        "2026년 사회문제해결형 R&BD 지원사업 시행 공고"
    );
    // RSS <budget> is an integer in 원; 0 means unknown.
    assert_eq!(parse_krw("510000000"), Some(510_000_000));
    assert_eq!(format_krw(510_000_000), "5억 1,000만 원");
    assert_eq!(parse_krw("10000000000"), Some(10_000_000_000));
    assert_eq!(format_krw(10_000_000_000), "100억 원");
    assert_eq!(parse_krw("0"), None);
}

#[test]
fn kstartup_and_bizinfo_titles() {
    let titles = [
        ("2025년 실전창업아카데미 예비창업단계 교육생 모집공고", Education),
        ("10월 동네창업학교 교육생 모집", Education),
        ("바이오 산업 트렌드! &apos;2025년 Bio Benchmarking School 하반기(14기)&apos; 수강자 모집", Education),
        (
            "서울용산시제품제작소 9월 메이커 장비 교육 안내 (3D프린터,3D모델링,레이저커터,UV프린터,XR시뮬레이터)",
            Education,
        ),
        ("[한남대학교] 창업기업 글로벌 진출세미나 개최", Event),
        ("콘텐츠 스타트업 글로벌 컨퍼런스 <2025 스타트업콘> 행사 안내", Event),
        ("2025 관악S밸리 START-UP SUMMIT THE FINAL 데모데이 관객 모집", Event),
        ("[강북청년창업마루] NCI 민관학 창업포럼 사전신청 안내", Event),
        ("2025년 경기 스타트업 아카데미 딥테크 세미나 참여자 모집", Event),
        ("2025년 팁스 운영사 선정계획 공고", Call),
        ("2025 Silicon Valley Big Tech Product-Market Fit Program 현지 수행사 공개공모", Call),
        ("2025 한-아랍 스타트업 아이디어 공모전", Call),
        ("2025년 특허출원·등록 바우처 비용 지원사업", Call),
        ("[울산] 중구 2026년 소상공인 카드수수료 지원사업 추가모집 기간연장 공고", Call),
        ("[경북] 2026년 장애인기업 경영개선지원사업 공고", Call),
        ("산업통상부 2023년 12월 최초지정 혁신제품 지정기간 연장(1차 연장) 공고", Call),
        ("2025년 안산환경재단과 함께하는 탄소중립 ESG 경영 진단 컨설팅", Other),
    ];
    for (title, want) in titles {
        assert_eq!(announcement_type(title), want, "{title}");
    }
}

#[test]
fn bizinfo_region_fields() {
    // hashtags listing every 시도, with 전남광주 glued (2026-09 data.go.kr page).
    let nationwide = "기술,서울,부산,대구,인천,전남광주,대전,울산,세종,경기,강원,충북,충남,전북,경북,경남,제주,2026,규격추가,혁신제품,조달청";
    assert_eq!(parse_regions(nationwide), vec![Nationwide]);
    let cases: [(&str, Vec<Region>); 7] = [
        ("내수,전북,2026,전북특별자치도,지방중소벤처기업청,소상공인", vec![Jeonbuk]),
        ("전북특별자치도", vec![Jeonbuk]),
        ("울산광역시", vec![Ulsan]),
        ("경상북도", vec![Gyeongbuk]),
        ("한국장애경제인협회 대구ㆍ경북지회", vec![Daegu, Gyeongbuk]),
        ("서울ㆍ인천ㆍ경기", vec![Seoul, Incheon, Gyeonggi]),
        ("충청권(대전·세종·충남·충북) 소재 창업 후 2년 3개월 미만 기업", vec![Daejeon, Sejong, Chungbuk, Chungnam]),
    ];
    for (raw, want) in cases {
        assert_eq!(parse_regions(raw), want, "{raw}");
    }
}

#[test]
fn bjd_codes_from_the_active_table() {
    // First active row per 시도 prefix in 행정안전부's 법정동코드 table.
    let rows = "\
1111010100\t서울특별시 종로구 청운동
2611010100\t부산광역시 중구 영주동
2711010100\t대구광역시 중구 동인동1가
2811010100\t인천광역시 중구 중앙동1가
2911010100\t광주광역시 동구 대인동
3011010100\t대전광역시 동구 원동
3111010100\t울산광역시 중구 학성동
3611025021\t세종특별자치시 조치원읍 원리
4111100000\t경기도 수원시 장안구
4311100000\t충청북도 청주시 상당구
4413100000\t충청남도 천안시 동남구
4611010100\t전라남도 목포시 용당동
4711100000\t경상북도 포항시 남구
4812100000\t경상남도 창원시 의창구
5011010100\t제주특별자치도 제주시 일도일동
5111010100\t강원특별자치도 춘천시 봉의동
5211100000\t전북특별자치도 전주시 완산구";
    let mut seen = Vec::new();
    for line in rows.lines() {
        let (code, name) = line.split_once('\t').expect("tab-separated");
        let sido = name.split(' ').next().expect("name has a 시도");
        let from_code = region_from_bjd_code(code);
        assert_eq!(from_code.map(|r| vec![r]), Some(parse_regions(sido)), "{line}");
        seen.extend(from_code);
    }
    seen.sort();
    assert_eq!(seen, Region::all_sido());
}

#[test]
fn kstartup_support_amounts() {
    let contents = [
        ("선정팀당 최대 2,500만원 지원", 25_000_000),
        ("사업화 자금 최대 2억원(AC분야 평균 1.15억원, OI분야 1.35억원 내외)", 200_000_000),
        ("해외시장 진출자금 최소 25백만원에서 최대 40백만원 내 차등지원", 25_000_000),
        ("사업화 자금 최대 2천만원 (자세한 내용은 첨부파일 참조)", 20_000_000),
        ("사업화자금 지원(기업당 최대 2,000만원) - 창업공간 지원(무상제공)", 20_000_000),
        ("선발 8개사 대상 총 26억원 이내 先투자", 2_600_000_000),
        ("사무실 월 임차료 50% 지원(최대 50만원) 최대10개월", 500_000),
        ("창업사업화에 소요되는 자금 평균 0.4억원, 창업프로그램 등", 40_000_000),
    ];
    for (raw, want) in contents {
        assert_eq!(parse_krw(raw), Some(want), "{raw}");
    }
    assert_eq!(parse_krw("공고금액 : 0 억원"), None);
}

#[test]
fn detail_page_snippet() {
    // Shape of an NTIS detail body: script next to label/value text.
    let html = "<div class=\"se-contents\">\n<script type=\"text/javascript\">\n\
                $(function(){ fn_init(); });\n</script>\n<ul><li><span>공고형태</span> : 신규</li>\
                <li><span>공고금액</span> : 0 억원</li><li>접수마감시간 : 18:00</li></ul>\
                <p>자세한 내용은 IRIS 사업공고에서 확인 &gt;&gt;</p></div>";
    assert_eq!(
        html_to_text(html),
        "공고형태 : 신규\n공고금액 : 0 억원\n접수마감시간 : 18:00\n\n자세한 내용은 IRIS 사업공고에서 확인 >>"
    );
}
