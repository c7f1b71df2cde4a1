//! `connect demo`: a catalogue to look at and to measure. Scrapes the real recorded announcements
//! from a local copy of the agency sites ([`site`]) through the real ingestion pipeline, and
//! optionally adds a synthetic catalogue of any size built from realistic Korean program vocabulary
//! (deterministic for a seed), for benchmarks.

pub mod site;

use chrono::{Days, NaiveDate, NaiveTime};
use normalize::period::{Period, PeriodKind};
use normalize::{announcement_type, Region};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::catalog::model::{Attachment, ProgramInput};
use crate::catalog::status::Clock;
use crate::catalog::vocab::TARGET_TYPES;
use crate::import::{self, ImportReport};
use crate::ingest::scrape::{scrape, ScrapeReport};

/// Scrapes every page of the demo site into the catalogue; returns each scrape's report.
pub async fn load_real(db: &deadpool_postgres::Pool) -> anyhow::Result<Vec<(String, ScrapeReport)>> {
    let sources = site::start().await?;
    // Our own loopback site: no politeness delay needed.
    let fetcher =
        fetch::Fetcher::new(fetch::FetchConfig { min_delay: std::time::Duration::ZERO, ..Default::default() })?;
    let mut reports = Vec::new();
    for source in &sources.sources {
        let report = scrape(source, &fetcher, db, &|_| {}).await?;
        reports.push((source.name.clone(), report));
    }
    Ok(reports)
}

/// Writes `count` synthetic programs (source `synthetic`), in batches.
pub async fn load_synthetic(
    client: &mut tokio_postgres::Client,
    count: usize,
    seed: u64,
    progress: impl Fn(usize),
) -> anyhow::Result<ImportReport> {
    let mut rng = StdRng::seed_from_u64(seed);
    let today = Clock::now().today();
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(1000);
    for n in 0..count {
        batch.push(synthetic_program(&mut rng, n, today));
        if batch.len() == 1000 || n + 1 == count {
            import::write(client, &batch, &mut report).await?;
            batch.clear();
            progress(n + 1);
        }
    }
    Ok(report)
}

const MINISTRIES: &[(&str, &[&str])] = &[
    ("과학기술정보통신부", &["정보통신기획평가원", "한국연구재단", "정보통신산업진흥원", "한국지능정보사회진흥원"]),
    ("산업통상자원부", &["한국산업기술기획평가원", "한국에너지기술평가원", "한국산업기술진흥원", "KOTRA"]),
    ("중소벤처기업부", &["중소기업기술정보진흥원", "창업진흥원", "소상공인시장진흥공단", "중소벤처기업진흥공단"]),
    ("보건복지부", &["한국보건산업진흥원"]),
    ("농림축산식품부", &["농림식품기술기획평가원", "한국농업기술진흥원"]),
    ("해양수산부", &["해양수산과학기술진흥원"]),
    ("문화체육관광부", &["한국콘텐츠진흥원", "한국관광공사"]),
    ("환경부", &["한국환경산업기술원"]),
    ("국토교통부", &["국토교통과학기술진흥원"]),
    ("고용노동부", &["한국산업인력공단"]),
];

const TOPICS: &[&str] = &[
    "인공지능",
    "AI 바우처",
    "반도체",
    "바이오헬스",
    "수소",
    "이차전지",
    "스마트공장",
    "탄소중립",
    "드론",
    "자율주행",
    "디지털 헬스케어",
    "메타버스",
    "클라우드",
    "데이터",
    "사이버보안",
    "양자",
    "로봇",
    "의료기기",
    "스마트팜",
    "푸드테크",
    "콘텐츠",
    "관광",
    "해양",
    "신재생에너지",
    "소재부품장비",
    "우주항공",
    "블록체인",
    "핀테크",
    "친환경 모빌리티",
    "수출",
];

const KINDS: &[&str] = &[
    "기술개발사업",
    "사업화 지원사업",
    "창업지원사업",
    "글로벌 진출 지원사업",
    "바우처 지원사업",
    "실증 지원사업",
    "인력양성사업",
    "R&D 과제",
    "시제품 제작 지원",
    "해외진출 컨설팅",
    "기업 성장 지원사업",
    "혁신바우처",
];

const CALL_SUFFIXES: &[&str] = &[
    "신규지원 대상과제 공고",
    "참여기업 모집 공고",
    "지원 대상 모집",
    "수요조사 공고",
    "지정공모 과제 공고",
    "교육생 모집",
    "사업설명회 개최 안내",
    "2차 추가 공고",
    "재공고",
];

const CATEGORIES: &[&str] = &["R&D", "기술", "금융", "인력", "수출", "내수", "창업", "경영"];

const SENTENCES: &[&str] = &[
    "본 사업은 {topic} 분야 중소기업의 기술경쟁력 강화를 위해 추진합니다.",
    "지원대상은 공고일 기준 {target}이며, 과제당 최대 {budget} 이내로 지원합니다.",
    "신청은 온라인 접수시스템을 통해서만 가능하며, 마감일 18시까지 제출된 서류에 한해 접수합니다.",
    "선정평가는 서면평가와 발표평가로 진행되며, 기술성과 사업성을 종합적으로 평가합니다.",
    "수행기관은 협약 체결 후 사업비의 일부를 민간부담금으로 부담하여야 합니다.",
    "{topic} 관련 사업화 실적 또는 연구개발 경험이 있는 기업을 우대합니다.",
    "창업 7년 이내 기업, 벤처기업, 이노비즈 인증 기업은 가점을 받을 수 있습니다.",
    "국세 및 지방세 체납 기업, 채무불이행 기업은 신청할 수 없습니다.",
    "주관기관은 참여기관과 컨소시엄을 구성하여 신청할 수 있으며, 대학과 연구기관의 참여를 권장합니다.",
    "사업 관련 문의는 전담기관 담당자에게 연락하시기 바랍니다.",
    "지역 소재 기업의 경우 지역특화산업 연계 과제로 우선 검토합니다.",
    "해외 판로 개척을 위한 마케팅, 인증 획득, 전시회 참가 비용을 지원합니다.",
    "시제품 제작, 성능 시험, 실증 테스트베드 활용 비용을 지원합니다.",
    "청년 고용 창출 실적이 있는 기업은 평가 시 우대합니다.",
];

const BUDGETS: &[i64] = &[
    10_000_000,
    30_000_000,
    50_000_000,
    100_000_000,
    200_000_000,
    300_000_000,
    500_000_000,
    1_000_000_000,
    2_000_000_000,
    5_000_000_000,
];

fn synthetic_program(rng: &mut StdRng, n: usize, today: NaiveDate) -> ProgramInput {
    let (ministry, agencies) = MINISTRIES.choose(rng).copied().unwrap_or(MINISTRIES[0]);
    let agency = agencies.choose(rng).copied().unwrap_or("한국연구재단");
    let topic = TOPICS.choose(rng).copied().unwrap_or("인공지능");
    let year = 2025 + rng.random_range(0..2);
    let title = format!(
        "{year}년도 {topic} {} {}",
        KINDS.choose(rng).copied().unwrap_or("기술개발사업"),
        CALL_SUFFIXES.choose(rng).copied().unwrap_or("공고")
    );
    let budget = if rng.random_bool(0.7) { BUDGETS.choose(rng).copied() } else { None };
    let target_count = rng.random_range(1..=3);
    let mut targets: Vec<&(&str, &str)> = TARGET_TYPES.choose_multiple(rng, target_count).collect();
    targets.sort_by_key(|(code, _)| TARGET_TYPES.iter().position(|(c, _)| c == code));
    let regions: Vec<String> = if rng.random_bool(0.6) {
        vec![Region::Nationwide.as_str().to_string()]
    } else {
        let how_many = rng.random_range(1..=3);
        let mut picked: Vec<String> =
            Region::all_sido().choose_multiple(rng, how_many).map(|r| r.as_str().to_string()).collect();
        picked.sort();
        picked
    };
    let start = today.checked_sub_days(Days::new(rng.random_range(0..400))).unwrap_or(today);
    let end = start.checked_add_days(Days::new(rng.random_range(7..90))).unwrap_or(start);
    let period = match rng.random_range(0..20) {
        0 => Period { start: None, end: None, end_time: None, kind: PeriodKind::Always },
        1 => Period { start: Some(start), end: None, end_time: None, kind: PeriodKind::UntilBudgetExhausted },
        2 => Period { start: None, end: None, end_time: None, kind: PeriodKind::VariesByAgency },
        _ => Period {
            start: Some(start),
            end: Some(end),
            end_time: NaiveTime::from_hms_opt(18, 0, 0),
            kind: PeriodKind::Range,
        },
    };
    let budget_text = budget.map(normalize::format_krw).unwrap_or_else(|| "예산 범위".into());
    let target_text = targets.iter().map(|(_, label)| *label).collect::<Vec<_>>().join(", ");
    let sentence_count = rng.random_range(5..=SENTENCES.len());
    let mut sentences: Vec<&str> = SENTENCES.choose_multiple(rng, sentence_count).copied().collect();
    sentences.shuffle(rng);
    let body = sentences
        .iter()
        .map(|s| s.replace("{topic}", topic).replace("{target}", &target_text).replace("{budget}", &budget_text))
        .collect::<Vec<_>>()
        .join("\n");
    ProgramInput {
        source: "synthetic".into(),
        external_id: format!("syn-{n:07}"),
        announcement_type: announcement_type(&title).as_str().to_string(),
        title,
        ministry: Some(ministry.to_string()),
        agency: Some(agency.to_string()),
        category: CATEGORIES.choose(rng).map(|c| c.to_string()),
        regions,
        target_types: targets.iter().map(|(code, _)| code.to_string()).collect(),
        period_raw: Some(match (period.start, period.end) {
            (Some(s), Some(e)) => {
                format!("{} ~ {} 18:00", s.format("%Y.%m.%d"), e.format("%Y.%m.%d"))
            }
            _ => period.kind.label_ko().to_string(),
        }),
        period,
        budget_krw: budget,
        body,
        source_url: Some(format!("https://example.invalid/programs/syn-{n:07}")),
        published_on: Some(start),
        attachments: vec![Attachment::new(format!("{year}년도 {topic} 공고문.hwp"), None)],
        eligibility_fields: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_programs_are_deterministic_and_valid() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let a: Vec<_> = (0..50)
            .map({
                let mut r = StdRng::seed_from_u64(7);
                move |n| synthetic_program(&mut r, n, today)
            })
            .collect();
        let b: Vec<_> = (0..50)
            .map({
                let mut r = StdRng::seed_from_u64(7);
                move |n| synthetic_program(&mut r, n, today)
            })
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|p| !p.title.is_empty() && !p.body.is_empty() && !p.regions.is_empty()));
    }
}
