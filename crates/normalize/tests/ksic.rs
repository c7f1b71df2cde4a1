//! KSIC lookups against real entries of the embedded 홈택스 ↔ 표준산업분류 연계표 (2023 귀속).

use normalize::ksic::{self, Level};
use normalize::{KsicCode, KsicError};

fn names(industries: &[&normalize::Industry]) -> Vec<String> {
    industries.iter().map(|i| format!("{} {}", i.code(), i.name())).collect()
}

#[test]
fn levels_hold_the_expected_counts() {
    let count = |level| ksic::all().iter().filter(|i| i.level() == level).count();
    assert_eq!(
        [Level::Section, Level::Division, Level::Group, Level::Class, Level::Subclass].map(count),
        [21, 77, 234, 501, 1205]
    );
}

#[test]
fn subclass_with_its_hierarchy() {
    // A row whose code is a JSON number in the source.
    let memory = ksic::lookup("26111").unwrap();
    assert_eq!(memory.name(), "메모리용 전자집적회로 제조업");
    assert_eq!(memory.level(), Level::Subclass);
    assert_eq!(
        names(&memory.ancestors()),
        [
            "C 제조업",
            "26 전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업",
            "261 반도체 제조업",
            "2611 전자집적회로 제조업",
        ]
    );
    assert_eq!(memory.parent().unwrap().code().as_str(), "2611");
    assert_eq!(memory.section().code().as_str(), "C");
    assert_eq!(memory.section().level(), Level::Section);
    assert!(memory.section().parent().is_none());
    assert_eq!(ksic::lookup("26").unwrap().parent().unwrap().name(), "제조업");
}

#[test]
fn leading_zeros_and_rows_without_a_hometax_code() {
    let grain = ksic::lookup("01110").unwrap();
    assert_eq!(grain.name(), "곡물 및 기타 식량작물 재배업");
    assert_eq!(grain.section().name(), "농업, 임업 및 어업");
    assert_eq!(grain.section().code().as_str(), "A");
    // 71511 appears only in a row without a 홈택스 업종코드.
    assert_eq!(ksic::lookup("71511").unwrap().name(), "제조업 회사본부");
    assert_eq!(ksic::lookup("05100").unwrap().name(), "석탄 광업");
}

#[test]
fn sections_come_from_the_division() {
    let cases = [
        ("01110", 'A', "농업, 임업 및 어업"),
        ("05100", 'B', "광업"),
        ("35111", 'D', "전기, 가스, 증기 및 공기 조절 공급업"),
        ("49301", 'H', "운수 및 창고업"),
        ("58221", 'J', "정보통신업"),
        ("62010", 'J', "정보통신업"),
        ("72111", 'M', "전문, 과학 및 기술 서비스업"),
        ("99001", 'U', "국제 및 외국기관"),
    ];
    for (code, letter, name) in cases {
        let section = ksic::section_of(code).unwrap();
        assert_eq!((section.code().as_str(), section.name()), (letter.to_string().as_str(), name), "{code}");
    }
    assert!(ksic::section_of("00000").is_none());
}

/// Every row of the source file resolves, with the section name and the (unanimous) division name it gives.
#[test]
fn every_source_row_resolves_to_its_section() {
    let source: serde_json::Value =
        serde_json::from_str(include_str!("../data/ksic-hometax-industry-code-mapping-2023.json")).unwrap();
    let rows = source["classifications"].as_array().unwrap();
    assert_eq!(rows.len(), 1788);
    let mut checked = 0;
    for row in rows {
        let code = match &row["표준산업\r\n분류"] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => continue, // the one 해당사항 없음 row
        };
        let industry = ksic::lookup(&code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(industry.level(), Level::Subclass, "{code}");
        assert_eq!(industry.section().name(), row["대분류"], "{code}");
        checked += 1;
    }
    assert_eq!(checked, 1787);
}

#[test]
fn conflicting_names_resolve_to_the_majority() {
    assert_eq!(ksic::lookup("75").unwrap().name(), "사업 지원 서비스업");
    assert_eq!(ksic::lookup("472").unwrap().name(), "음ㆍ식료품 및 담배 소매업");
    assert_eq!(ksic::lookup("856").unwrap().name(), "기타 교육기관");
    assert_eq!(ksic::lookup("179").unwrap().name(), "기타 종이 및 판지 제품 제조업");
    assert_eq!(ksic::lookup("75999").unwrap().name(), "그 외 기타 분류 안된 사업 지원 서비스업");
}

#[test]
fn code_spellings() {
    let memory = KsicCode::parse("26111").unwrap();
    for spelling in ["C26111", "c26111", "C 26111", "C-26111", " 26111 ", "26111+"] {
        assert_eq!(KsicCode::parse(spelling), Ok(memory), "{spelling:?}");
    }
    assert_eq!(KsicCode::parse("C").unwrap().level(), Level::Section);
    assert_eq!(KsicCode::parse("u").unwrap().as_str(), "U");
    assert_eq!(KsicCode::parse("2611").unwrap().level(), Level::Class);
    assert_eq!(memory.to_string(), "26111");
    assert_eq!(format!("{memory:?}"), "KsicCode(26111)");

    assert_eq!(KsicCode::parse("A26111"), Err(KsicError::SectionMismatch));
    // 26110 was split into 26111/26112; it is not in this list.
    assert_eq!(KsicCode::parse("26110"), Err(KsicError::Unknown));
    assert_eq!(KsicCode::parse("00000"), Err(KsicError::Unknown));
    assert_eq!(KsicCode::parse("04"), Err(KsicError::Unknown));
    assert_eq!(KsicCode::parse("A04"), Err(KsicError::Unknown));
    for bad in ["", "2", "261111", "V", "CC26111", "26-111", "제조업", "２６１１１"] {
        assert_eq!(KsicCode::parse(bad), Err(KsicError::Format), "{bad:?}");
    }
    assert_eq!(KsicError::Unknown.to_string(), "표준산업분류에 없는 코드입니다");
}

#[test]
fn containment_follows_the_hierarchy() {
    let code = |s: &str| KsicCode::parse(s).unwrap();
    assert!(code("C").contains(code("26111")));
    assert!(code("C").contains(code("C")));
    assert!(code("26").contains(code("26111")));
    assert!(code("261").contains(code("2611")));
    assert!(code("26111").contains(code("26111")));
    assert!(!code("26111").contains(code("2611")));
    assert!(!code("262").contains(code("26111")));
    assert!(!code("C").contains(code("62010")));
    assert!(code("J").contains(code("62010")));
    assert!(!code("26").contains(code("C")));
}

#[test]
fn search_for_an_autocomplete() {
    let found = ksic::search("반도체 제조업", 5);
    assert_eq!(names(&found[..1]), ["261 반도체 제조업"]);

    let semis = names(&ksic::search("반도체", 20));
    assert!(semis.contains(&"26129 기타 반도체 소자 제조업".to_string()), "{semis:?}");
    assert_eq!(semis[0], "261 반도체 제조업", "names starting with the query come first: {semis:?}");

    // Spaces do not matter: the majority spelling of 49301 is `일반 화물 자동차 운송업`.
    assert_eq!(names(&ksic::search("일반화물자동차", 5)), ["49301 일반 화물 자동차 운송업"]);
    assert_eq!(names(&ksic::search("일반 화물자동차", 5)), ["49301 일반 화물 자동차 운송업"]);

    assert_eq!(ksic::search("소프트웨어", 3).len(), 3);
    assert!(ksic::search("소프트웨어", 100).len() > 3);
    assert!(ksic::search("", 5).is_empty());
    assert!(ksic::search("   ", 5).is_empty());
    assert!(ksic::search("소프트웨어", 0).is_empty());
    assert!(ksic::search("양자컴퓨터우주선", 5).is_empty());

    // Digits search code prefixes.
    assert_eq!(
        names(&ksic::search("2611", 10)),
        [
            "2611 전자집적회로 제조업",
            "26111 메모리용 전자집적회로 제조업",
            "26112 비메모리용 및 기타 전자집적회로 제조업"
        ]
    );
}

#[test]
fn list_order_puts_parents_first() {
    let all = ksic::all();
    assert_eq!(names(&all[..3].iter().collect::<Vec<_>>()), ["A 농업, 임업 및 어업", "01 농업", "011 작물 재배업"]);
    for (i, industry) in all.iter().enumerate() {
        if let Some(parent) = industry.parent() {
            assert!(all[..i].iter().any(|p| std::ptr::eq(p, parent)), "{}", industry.code());
        }
    }
    let sections: String = all.iter().filter(|i| i.level() == Level::Section).map(|i| i.code().as_str()).collect();
    assert_eq!(sections, "ABCDEFGHIJKLMNOPQRSTU");
}

#[test]
fn serde_reads_any_spelling_and_writes_the_canonical_code() {
    let code: KsicCode = serde_json::from_str("\"C26111\"").unwrap();
    assert_eq!(serde_json::to_string(&code).unwrap(), "\"26111\"");
    let err = serde_json::from_str::<KsicCode>("\"26110\"").unwrap_err().to_string();
    assert!(err.contains("표준산업분류에 없는 코드"), "{err}");
}
