//! Matches one organisation against 100,000 synthetic programmes and reports the time: the
//! prepared catalogue (built once), judging every programme and writing the full verdicts of the
//! best 300 (what Connect stores and shows), against `rank` writing every verdict.
//!
//! `cargo run -p eligibility --release --example bench`

use std::time::Instant;

use chrono::NaiveDate;
use eligibility::{
    rank, AnnouncementKind, Bound, Catalogue, Certification, Constraint, Gate, LegalForm, OrgFacts, OrgKind, OrgType,
    ProgramFacts, Range, Rule, Scale, Span, Trl,
};
use normalize::{KsicCode, Region};

const PROGRAMMES: usize = 100_000;
/// Verdicts kept per organisation, as Connect stores them.
const KEEP: usize = 300;

/// A small deterministic generator (64-bit LCG), so every run sees the same programmes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const TOPICS: &[&str] =
    &["인공지능", "반도체", "바이오헬스", "로봇", "스마트공장", "탄소중립", "치매", "물류", "관광", "데이터"];
const KINDS: &[&str] = &["기술개발", "사업화", "수출", "인력", "판로", "R&D"];

fn programme(rng: &mut Lcg, i: usize) -> ProgramFacts {
    let topic = rng.pick(TOPICS);
    let kind = rng.pick(KINDS);
    let title = format!("2026년 {topic} {kind} 지원사업 {i}차 공고");
    let body = format!(
        "{topic} 분야 {kind} 역량 강화를 위해 다음과 같이 공고합니다.\n지원대상: {} 소재 중소기업\n지원내용: 과제당 최대 {}억원",
        rng.pick(Region::all_sido()).label_ko(),
        1 + rng.next() % 5
    );
    let mut rules = Vec::new();
    let mut rule = |c: Constraint| rules.push(Rule::text(c, 0.85, "synthetic"));
    if rng.chance(60) {
        rule(Constraint::TargetTypes {
            any_of: vec![*rng.pick(&[OrgType::Sme, OrgType::Startup, OrgType::SmallBusiness])],
        });
    }
    if rng.chance(40) {
        rule(Constraint::Regions { any_of: vec![*rng.pick(Region::all_sido())] });
    }
    if rng.chance(30) {
        let years = *rng.pick(&[3u32, 5, 7, 10]);
        rule(Constraint::BusinessAge {
            months: Some(Range::at_most(Bound::inclusive(years * 12))),
            pre_startup: rng.chance(50),
        });
    }
    if rng.chance(20) {
        rule(Constraint::Employees { count: Range::at_most(Bound::exclusive(*rng.pick(&[10u32, 50, 300]))) });
    }
    if rng.chance(20) {
        rule(Constraint::Revenue {
            won: Range::at_most(Bound::inclusive(*rng.pick(&[1_000_000_000i64, 12_000_000_000]))),
        });
    }
    if rng.chance(15) {
        rule(Constraint::Trl { levels: Range::between(Bound::inclusive(4), Bound::inclusive(6)) });
    }
    if rng.chance(15) {
        rule(Constraint::PreferredCertification { any_of: vec![Certification::Venture, Certification::Innobiz] });
    }
    if rng.chance(10) {
        rule(Constraint::Industries { any_of: vec![KsicCode::parse("C").expect("section C")] });
    }
    let day = 1 + (rng.next() % 120) as i64;
    ProgramFacts {
        title,
        body,
        classification: vec![kind.to_string()],
        rules,
        target_types: vec![],
        regions: vec![],
        deadline: NaiveDate::from_ymd_opt(2026, 7, 1).map(|d| d + chrono::Duration::days(day)),
        kind: AnnouncementKind::Call,
        budget: Some(300_000_000),
    }
}

fn main() {
    let mut rng = Lcg(2026);
    let built = Instant::now();
    let programmes: Vec<ProgramFacts> = (0..PROGRAMMES).map(|i| programme(&mut rng, i)).collect();
    let build_ms = built.elapsed().as_secs_f64() * 1000.0;

    let org = OrgFacts {
        kind: Some(OrgKind::Company),
        scales: vec![Scale::Sme, Scale::Startup],
        established_on: NaiveDate::from_ymd_opt(2022, 3, 2),
        employees: Some(Span::exactly(12)),
        revenue: Some(Span::exactly(2_000_000_000)),
        regions: vec![Region::Daejeon],
        industries: vec![KsicCode::parse("58222").expect("code")],
        certifications: Some(vec![Certification::Venture]),
        tech_keywords: vec!["인공지능".into(), "데이터".into(), "반도체".into()],
        trl_current: Trl::new(4),
        trl_target: Trl::new(6),
        legal_form: Some(LegalForm::Corporation),
        ceo_age: None,
    };
    let today = NaiveDate::from_ymd_opt(2026, 8, 10).expect("date");

    // Organisation-independent work, once per catalogue.
    let prepared = Instant::now();
    let catalogue = Catalogue::new(&programmes);
    let prepare_ms = ms(prepared);

    // One warm-up pass, then the median of five.
    let _ = catalogue.best(&org, today, KEEP);
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let best = catalogue.best(&org, today, KEEP);
            assert_eq!(best.len(), KEEP);
            ms(started)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    let best_ms = runs[2];
    let started = Instant::now();
    let ranked_quick = catalogue.rank(&org, today);
    let rank_quick_ms = ms(started);

    let _ = rank(&org, &programmes[..1000], today);
    let started = Instant::now();
    let ranked = rank(&org, &programmes, today);
    let match_ms = ms(started);

    let count = |code: &str| ranked.iter().filter(|(_, v)| v.gate.code() == code).count();
    println!("programmes: {PROGRAMMES} (generated in {build_ms:.0} ms, catalogue prepared in {prepare_ms:.0} ms)");
    println!(
        "best {KEEP} with full verdicts: {best_ms:.1} ms (median of 5: {:.1}–{:.1} ms; {:.3} µs per programme)",
        runs[0],
        runs[4],
        best_ms * 1000.0 / PROGRAMMES as f64
    );
    println!("all ranked without reasons: {rank_quick_ms:.1} ms");
    println!(
        "all ranked with every verdict written (eligibility::rank): {match_ms:.0} ms ({:.2} µs per programme)",
        match_ms * 1000.0 / PROGRAMMES as f64
    );
    println!(
        "eligible {}, conditional {}, ineligible {}",
        count("eligible"),
        count("conditional"),
        count("ineligible")
    );
    let same = ranked.iter().zip(&ranked_quick).all(|((i, v), j)| *i == j.index && v.score == j.score);
    assert!(same, "the catalogue ranks like eligibility::rank");
    let (best, verdict) = &ranked[0];
    assert!(matches!(verdict.gate, Gate::Eligible));
    println!("best: #{best} {} — score {}", programmes[*best].title, verdict.score);
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}
