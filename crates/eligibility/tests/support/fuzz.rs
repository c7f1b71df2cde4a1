//! Deterministic random profiles and programmes covering every constraint kind, for tests that
//! compare matcher paths with one another and with pinned outputs.

#![allow(dead_code)]

use chrono::NaiveDate;
use eligibility::{
    AnnouncementKind, Bound, CeoAgeBracket, Certification, Constraint, Exclusion, LegalForm, OrgFacts, OrgKind,
    OrgType, ProgramFacts, Provenance, Range, Rule, Scale, Span, Trl,
};
use normalize::{KsicCode, Region};

/// A small deterministic generator (64-bit LCG).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn some<T>(&mut self, percent: u64, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.chance(percent) {
            Some(f(self))
        } else {
            None
        }
    }

    fn several<T: Copy>(&mut self, items: &[T], max: usize) -> Vec<T> {
        let n = 1 + (self.next() as usize) % max;
        (0..n).map(|_| *self.pick(items)).collect()
    }
}

const WORDS: &[&str] = &[
    "인공지능",
    "반도체를",
    "반도체",
    "바이오헬스",
    "로봇",
    "스마트공장",
    "치매",
    "데이터베이스",
    "데이터",
    "AI반도체",
    "R&D",
    "&ai",
    "IT",
    "COMMUNITY",
    "기업들의",
    "제조업을",
    "클라우드·데이터",
    "ai.",
    "스마트",
    "팩토리",
    "중소기업으로서",
    "매",
];

const KEYWORDS: &[&str] = &[
    "인공지능",
    "반도체",
    "데이터",
    "it",
    "AI",
    "r&d",
    "스마트 팩토리",
    "ai반도체",
    "  로봇 ",
    "치매",
    "매",
    "ai.",
    "",
    "community",
    "기업",
    "제조업",
    "d",
    "중소기업",
];

const INDUSTRIES: &[&str] = &["C", "J", "58222", "26111", "62010", "10", "582", "G", "47", "70"];

fn industries(rng: &mut Lcg) -> Vec<KsicCode> {
    let n = 1 + rng.next() % 2;
    (0..n).map(|_| KsicCode::parse(rng.pick::<&str>(INDUSTRIES)).expect("known code")).collect()
}

fn date(rng: &mut Lcg, from_year: i32, years: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(from_year, 1, 1).expect("date")
        + chrono::Duration::days((rng.next() % (365 * years)) as i64)
}

fn range_u32(rng: &mut Lcg, values: &[u32]) -> Range<u32> {
    let a = Bound { value: *rng.pick(values), inclusive: rng.chance(50) };
    let b = Bound { value: a.value + *rng.pick(values), inclusive: rng.chance(50) };
    match rng.next() % 3 {
        0 => Range::at_most(a),
        1 => Range::at_least(a),
        _ => Range::between(a, b),
    }
}

pub fn org(rng: &mut Lcg) -> OrgFacts {
    let kind = rng.some(90, |r| {
        *r.pick(&[
            OrgKind::Company,
            OrgKind::Company,
            OrgKind::Company,
            OrgKind::University,
            OrgKind::ResearchInstitute,
            OrgKind::PublicInstitution,
        ])
    });
    let scales = if rng.chance(80) {
        rng.several(
            &[
                Scale::Sme,
                Scale::SmallBusiness,
                Scale::Solo,
                Scale::Startup,
                Scale::PreStartup,
                Scale::Midsize,
                Scale::Large,
            ],
            2,
        )
    } else {
        vec![]
    };
    OrgFacts {
        kind,
        scales,
        established_on: rng.some(70, |r| date(r, 2012, 15)),
        employees: rng.some(70, |r| {
            let n = (r.next() % 400) as u32;
            if r.chance(70) {
                Span::exactly(n)
            } else {
                Span { min: r.some(80, |_| n), max: r.some(80, |r| n + (r.next() % 50) as u32) }
            }
        }),
        revenue: rng.some(60, |r| {
            let n = (r.next() % 20_000) as i64 * 1_000_000;
            if r.chance(70) {
                Span::exactly(n)
            } else {
                Span::between(n, n + 5_000_000_000)
            }
        }),
        regions: if rng.chance(85) { rng.several(Region::all_sido(), 2) } else { vec![] },
        industries: if rng.chance(75) { industries(rng) } else { vec![] },
        certifications: rng.some(70, |r| if r.chance(30) { vec![] } else { r.several(&Certification::ALL, 2) }),
        tech_keywords: (0..(rng.next() % 4)).map(|_| rng.pick(KEYWORDS).to_string()).collect(),
        trl_current: rng.some(50, |r| Trl::new(1 + (r.next() % 9) as u8).expect("1..=9")),
        trl_target: rng.some(40, |r| Trl::new(1 + (r.next() % 9) as u8).expect("1..=9")),
        legal_form: rng.some(60, |r| *r.pick(&[LegalForm::Corporation, LegalForm::Individual, LegalForm::Institution])),
        ceo_age: rng.some(50, |r| *r.pick(&[CeoAgeBracket::Youth, CeoAgeBracket::Middle, CeoAgeBracket::Senior])),
    }
}

fn constraint(rng: &mut Lcg) -> Constraint {
    match rng.next() % 14 {
        0 => Constraint::TargetTypes { any_of: rng.several(&OrgType::ALL, 3) },
        1 => Constraint::BusinessAge {
            months: rng.some(85, |r| range_u32(r, &[6, 12, 27, 36, 60, 84, 120])),
            pre_startup: rng.chance(40),
        },
        2 => Constraint::Revenue {
            won: Range::at_most(Bound {
                value: *rng.pick(&[1_000_000_000i64, 5_000_000_000, 12_000_000_000]),
                inclusive: rng.chance(50),
            }),
        },
        3 => Constraint::Employees { count: range_u32(rng, &[5, 10, 50, 300]) },
        4 => Constraint::Regions {
            any_of: rng
                .several(&[Region::Seoul, Region::Daejeon, Region::Busan, Region::Nationwide, Region::Gyeonggi], 3),
        },
        5 => Constraint::OutsideRegions { none_of: vec![Region::Seoul, Region::Incheon, Region::Gyeonggi] },
        6 => Constraint::Industries { any_of: industries(rng) },
        7 => Constraint::ExcludedIndustries { none_of: industries(rng) },
        8 => Constraint::RequiredCertification { any_of: rng.several(&Certification::ALL, 3) },
        9 => Constraint::PreferredCertification { any_of: rng.several(&Certification::ALL, 3) },
        10 => {
            let lo = 19 + (rng.next() % 30) as u8;
            Constraint::CeoAge {
                years: match rng.next() % 3 {
                    0 => Range::at_most(Bound::inclusive(lo)),
                    1 => Range::at_least(Bound::inclusive(lo)),
                    _ => Range::between(Bound::inclusive(lo), Bound::inclusive(lo + 10)),
                },
            }
        }
        11 => {
            let lo = 1 + (rng.next() % 8) as u8;
            Constraint::Trl {
                levels: Range::between(Bound::inclusive(lo), Bound::inclusive(lo + (rng.next() % 3) as u8)),
            }
        }
        12 => Constraint::LegalForm {
            any_of: rng.several(&[LegalForm::Corporation, LegalForm::Individual, LegalForm::Institution], 2),
        },
        _ => Constraint::Exclusion {
            exclusion: *rng.pick(&[
                Exclusion::Large,
                Exclusion::Midsize,
                Exclusion::ClosedOrSuspended,
                Exclusion::TaxArrears,
                Exclusion::CreditDefault,
                Exclusion::ParticipationRestricted,
            ]),
        },
    }
}

pub fn programme(rng: &mut Lcg, i: usize) -> ProgramFacts {
    fn text(rng: &mut Lcg, n: u64) -> String {
        let words: Vec<&str> = (0..n).map(|_| *rng.pick(WORDS)).collect();
        words.join(if rng.chance(50) { " " } else { ", " })
    }
    let title = format!("2026년 {} 지원사업 {i}차", text(rng, 2));
    let body = format!("{} 분야를 지원합니다.\n지원대상: {} 중소기업", text(rng, 6), text(rng, 3));
    let classification = if rng.chance(50) { vec![text(rng, 1)] } else { vec![] };
    let n = rng.next() % 6;
    let rules = (0..n)
        .map(|_| {
            let c = constraint(rng);
            let confidence = *rng.pick(&[0.45f32, 0.5, 0.6, 0.75, 0.85, 0.9]);
            let mut rule =
                Rule::text(c, confidence, "synthetic sentence of some length to be shortened when warned about it");
            if rng.chance(8) {
                rule.provenance = Provenance::Admin { user_id: "7".into() };
            } else if rng.chance(20) {
                rule.provenance = Provenance::Structured { field: "aply_trgt".into() };
            }
            rule
        })
        .collect();
    ProgramFacts {
        title,
        body,
        classification,
        rules,
        target_types: if rng.chance(30) { rng.several(&OrgType::ALL, 2) } else { vec![] },
        regions: if rng.chance(30) {
            rng.several(&[Region::Seoul, Region::Busan, Region::Nationwide, Region::Daejeon], 2)
        } else {
            vec![]
        },
        deadline: rng.some(85, |r| date(r, 2026, 1)),
        kind: *rng.pick(&[
            AnnouncementKind::Call,
            AnnouncementKind::Call,
            AnnouncementKind::Survey,
            AnnouncementKind::Designated,
            AnnouncementKind::TrainingOnly,
        ]),
        budget: rng.some(50, |r| (r.next() % 5) as i64 * 100_000_000),
    }
}

/// FNV-1a, 64 bits: a stable fingerprint of outputs.
pub fn fnv(hash: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *hash ^= u64::from(*b);
        *hash = hash.wrapping_mul(0x100000001b3);
    }
}

pub const FNV_START: u64 = 0xcbf29ce484222325;
