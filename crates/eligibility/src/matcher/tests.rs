use chrono::NaiveDate;
use normalize::{KsicCode, Region};

use super::*;
use crate::constraint::{Certification, Exclusion, LegalForm};
use crate::facts::{OrgKind, Scale, Span, Trl};
use crate::org_type::OrgType;
use crate::range::{Bound, Range};
use crate::verdict::Field;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn program(title: &str, body: &str, rules: Vec<Rule>) -> ProgramFacts {
    ProgramFacts {
        title: title.into(),
        body: body.into(),
        classification: vec![],
        rules,
        target_types: vec![],
        regions: vec![],
        deadline: None,
        kind: AnnouncementKind::Call,
        budget: None,
    }
}

fn hard(c: Constraint, sentence: &str) -> Rule {
    Rule::text(c, 0.85, sentence)
}

fn sme() -> OrgFacts {
    OrgFacts {
        kind: Some(OrgKind::Company),
        scales: vec![Scale::Sme],
        established_on: Some(date("2018-03-02")),
        employees: Some(Span::exactly(25)),
        revenue: Some(Span::exactly(3_000_000_000)),
        regions: vec![Region::Gyeonggi],
        industries: vec![KsicCode::parse("26299").unwrap()],
        certifications: Some(vec![Certification::Venture]),
        tech_keywords: vec!["반도체".into()],
        legal_form: Some(LegalForm::Corporation),
        ..Default::default()
    }
}

#[test]
fn failed_requirement_is_named_in_korean() {
    let rules =
        vec![hard(Constraint::Employees { count: Range::at_most(Bound::exclusive(10)) }, "상시근로자 10인 미만")];
    let v = evaluate(&sme(), &program("지원사업", "", rules), today());
    let Gate::Ineligible { failed } = &v.gate else { panic!("{v:?}") };
    assert_eq!(failed[0].message, "상시근로자 10인 미만 조건: 현재 25명");
    assert_eq!(v.reasons[0], "상시근로자 10인 미만 조건: 현재 25명");
    assert_eq!(v.version, MATCHER_VERSION);
}

#[test]
fn missing_data_makes_it_conditional_never_ineligible() {
    let rules = vec![hard(
        Constraint::BusinessAge { months: Some(Range::at_most(Bound::inclusive(84))), pre_startup: false },
        "창업 7년 이내",
    )];
    let org = OrgFacts { established_on: None, ..sme() };
    let v = evaluate(&org, &program("창업지원", "", rules), today());
    let Gate::Conditional { missing } = &v.gate else { panic!("{v:?}") };
    assert_eq!(missing[0].field, Field::EstablishedOn);
    assert_eq!(missing[0].message, "설립일을 입력하면 '창업 7년 이내' 조건을 확인할 수 있습니다");
    // Known and too old: ineligible with the age.
    let v = evaluate(
        &sme(),
        &program(
            "창업지원",
            "",
            vec![hard(
                Constraint::BusinessAge { months: Some(Range::at_most(Bound::inclusive(84))), pre_startup: false },
                "창업 7년 이내",
            )],
        ),
        today(),
    );
    let Gate::Ineligible { failed } = &v.gate else { panic!("{v:?}") };
    assert_eq!(failed[0].message, "창업 7년 이내 조건: 현재 업력 8년 5개월");
}

#[test]
fn dementia_programme_is_not_relevant_to_an_ict_company() {
    // The earlier product matched 치매 programmes to ICT companies by substring.
    let ict = OrgFacts {
        kind: Some(OrgKind::Company),
        scales: vec![Scale::Sme],
        tech_keywords: vec!["IT".into(), "ICT".into(), "데이터".into(), "AI".into(), "매".into()],
        ..Default::default()
    };
    let dementia = program(
        "2026년 치매 케어 커뮤니티(Dementia Care COMMUNITY) 돌봄 인력 양성 지원사업",
        "치매안심센터 연계 돌봄 데이터베이스 구축 및 치매환자 가족 지원 (MAIN 프로그램)",
        vec![],
    );
    let v = evaluate(&ict, &dementia, today());
    assert!(!v.reasons.iter().any(|r| r.contains("키워드")), "{v:#?}");
    // A substring matcher would find every keyword: IT in COMMUNITY, AI in MAIN, 데이터 in
    // 데이터베이스, 매 in 치매.
    let text = format!("{} {}", dementia.title, dementia.body).to_lowercase();
    let substring_hits = ict.tech_keywords.iter().filter(|k| text.contains(&k.to_lowercase())).count();
    assert_eq!(substring_hits, 4);
    let ict_programme = program("2026년 ICT 융합 AI 데이터 지원사업", "", vec![]);
    let w = evaluate(&ict, &ict_programme, today());
    assert!(w.score > v.score, "{} vs {}", w.score, v.score);
    assert!(w.reasons.iter().any(|r| r == "기술 키워드 일치: ai, ict, 데이터"), "{w:#?}");
}

#[test]
fn institutions_match_where_allowed() {
    let uni = OrgFacts { kind: Some(OrgKind::University), regions: vec![Region::Daejeon], ..Default::default() };
    let open = program("R&D 과제 공모", "", vec![]);
    assert_eq!(evaluate(&uni, &open, today()).gate, Gate::Eligible);
    let allows = program(
        "공동연구",
        "",
        vec![
            hard(Constraint::TargetTypes { any_of: vec![OrgType::Sme, OrgType::University] }, "중소기업, 대학"),
            hard(Constraint::Revenue { won: Range::at_most(Bound::inclusive(12_000_000_000)) }, "매출액 120억원 이하"),
        ],
    );
    assert_eq!(evaluate(&uni, &allows, today()).gate, Gate::Eligible);
    let companies =
        program("기업 지원", "", vec![hard(Constraint::TargetTypes { any_of: vec![OrgType::Sme] }, "중소기업")]);
    let v = evaluate(&uni, &companies, today());
    let Gate::Ineligible { failed } = &v.gate else { panic!("{v:?}") };
    assert_eq!(failed[0].message, "신청 대상(중소기업)이 아닙니다: 현재 대학");
}

#[test]
fn soft_rules_only_warn() {
    let soft = Rule::text(Constraint::Regions { any_of: vec![Region::Seoul] }, 0.45, "서울 소재 기업의 성장을 지원");
    let v = evaluate(&sme(), &program("지원", "", vec![soft]), today());
    assert_eq!(v.gate, Gate::Eligible);
    assert!(v.warnings.iter().any(|w| w.contains("지역 조건")), "{v:#?}");
}

#[test]
fn alternatives_of_one_kind_and_admin_override() {
    let rules = vec![
        hard(Constraint::Regions { any_of: vec![Region::Seoul] }, "서울 소재"),
        hard(Constraint::Regions { any_of: vec![Region::Gyeonggi] }, "경기 소재"),
    ];
    assert_eq!(evaluate(&sme(), &program("지원", "", rules.clone()), today()).gate, Gate::Eligible);
    let mut with_admin = vec![hard(Constraint::Regions { any_of: vec![Region::Gyeonggi] }, "경기 소재")];
    with_admin.push(Rule {
        constraint: Constraint::Regions { any_of: vec![Region::Busan] },
        provenance: Provenance::Admin { user_id: "admin-1".into() },
        confidence: 1.0,
        sentence: "관리자 수정: 부산 소재".into(),
    });
    let v = evaluate(&sme(), &program("지원", "", with_admin), today());
    assert!(matches!(v.gate, Gate::Ineligible { .. }), "{v:?}");
}

#[test]
fn exclusions_and_checklist() {
    let rules = vec![
        hard(Constraint::Exclusion { exclusion: Exclusion::Large }, "대기업 제외"),
        hard(Constraint::Exclusion { exclusion: Exclusion::TaxArrears }, "국세 체납 기업 제외"),
    ];
    let v = evaluate(&sme(), &program("지원", "", rules.clone()), today());
    assert_eq!(v.gate, Gate::Eligible);
    assert!(v.warnings.contains(&"신청 전 확인: 국세·지방세 체납 기업 제외".to_string()));
    let large = OrgFacts { scales: vec![Scale::Large], ..sme() };
    let v = evaluate(&large, &program("지원", "", rules), today());
    let Gate::Ineligible { failed } = &v.gate else { panic!("{v:?}") };
    assert_eq!(failed[0].message, "대기업 제외: 현재 대기업");
}

#[test]
fn score_parts() {
    let mut p = program(
        "반도체 장비 지원사업",
        "",
        vec![
            Rule::text(
                Constraint::Trl { levels: Range::between(Bound::inclusive(4), Bound::inclusive(6)) },
                0.85,
                "TRL 4~6",
            ),
            Rule::text(
                Constraint::PreferredCertification { any_of: vec![Certification::Venture] },
                0.8,
                "벤처기업 우대",
            ),
        ],
    );
    p.deadline = Some(date("2026-09-05"));
    let org = OrgFacts { trl_current: Trl::new(5), ..sme() };
    let v = evaluate(&org, &p, today());
    // 12 (keyword in title) + 5 (no industry rule) + 15 (TRL) + 8 (no target rule) + 15 (4 days) + 10.
    assert_eq!(v.score, 65, "{v:#?}");
    p.deadline = Some(date("2026-08-31"));
    let closed = evaluate(&org, &p, today());
    assert_eq!(closed.score, 50);
    assert!(closed.warnings.iter().any(|w| w.contains("마감")));
}

#[test]
fn deterministic_and_ranked() {
    let programs: Vec<ProgramFacts> = (0..20)
        .map(|i| {
            let mut p = program(&format!("반도체 {i}"), "", vec![]);
            if i % 3 == 0 {
                p.rules.push(hard(Constraint::Regions { any_of: vec![Region::Busan] }, "부산 소재"));
            }
            p
        })
        .collect();
    let a = rank(&sme(), &programs, today());
    let b = rank(&sme(), &programs, today());
    assert_eq!(a, b);
    let order: Vec<usize> = a.iter().map(|(i, _)| *i).collect();
    assert_eq!(&order[..4], [1, 2, 4, 5]);
    assert!(matches!(a.last().unwrap().1.gate, Gate::Ineligible { .. }));
}
