//! `rematch`: the worker's matching job at scale, in a scratch database (created, migrated,
//! dropped). `--programs` synthetic open programs (Korean titles and texts with eligibility
//! sentences the real extractor reads, coded targets and regions, deadlines over 120 days) and
//! `--orgs` organisations with varied profiles, one member each (half of them with a new-match
//! threshold of 50 instead of 70). Then, timed, each with what
//! `connect::matching::jobs::rematch_pending` — what the worker runs every minute — reports:
//!
//! 1. rules extracted for the whole catalogue (once; a scrape stores them in production too);
//! 2. a full re-match: every organisation's profile saved at once (`organization.profile_saved`
//!    events), each against the whole catalogue, best 300 kept (skip with `--no-full`);
//! 3. a catalogue refresh of `--changed` programs — half of them edited (new text, so their rules
//!    are read again; half of those with a new deadline), half newly published — then the changed
//!    programs against every organisation, new matches announced.
//!
//! ```text
//! connect-bench rematch --orgs 10000 --programs 20000 --changed 1000
//! ```

use std::time::Instant;

use anyhow::{Context, Result};
use connect::catalog::Clock;
use connect::matching::jobs::rematch_pending;
use normalize::Region;
use tokio_postgres::types::Type;

use crate::ingest::ScratchDb;

/// Arguments of `connect-bench rematch`.
#[derive(clap::Args)]
pub struct RematchArgs {
    /// Organisations stored (one member each).
    #[arg(long, default_value_t = 10_000)]
    orgs: usize,
    /// Open programs in the catalogue.
    #[arg(long, default_value_t = 20_000)]
    programs: i32,
    /// Programs changed by the refresh.
    #[arg(long, default_value_t = 1_000)]
    changed: i64,
    /// Skip the full re-match (every profile saved at once).
    #[arg(long)]
    no_full: bool,
    /// A PostgreSQL URL to any existing database of the server the scratch database goes on.
    #[arg(long, default_value = "postgresql://postgres@127.0.0.1:5432/postgres")]
    admin_url: String,
}

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

const KEYWORDS: &[&str] = &["인공지능", "반도체", "바이오헬스", "로봇", "스마트공장", "탄소중립", "데이터", "물류"];
const INDUSTRIES: &[&str] = &["58222", "62010", "26111", "10", "C", "J", "70", "47"];

/// A profile in the API's shape (`src/orgs/profile.rs`).
fn profile(rng: &mut Lcg) -> (&'static str, serde_json::Value) {
    if rng.chance(5) {
        return (
            "university",
            serde_json::json!({"locations": [{"kind": "headquarters", "region": rng.pick(Region::all_sido()).as_str()}]}),
        );
    }
    const SCALES: &[&[&str]] = &[&["sme"], &["sme", "startup"], &["small_business"], &["startup"], &["midsize"]];
    let scales: &[&str] = rng.pick::<&[&str]>(SCALES);
    let mut p = serde_json::json!({
        "scales": scales,
        "locations": [{"kind": "headquarters", "region": rng.pick(Region::all_sido()).as_str()}],
        "tech_keywords": [rng.pick(KEYWORDS), rng.pick(KEYWORDS)],
    });
    if rng.chance(80) {
        p["established_on"] = format!("{}-03-02", 2012 + rng.next() % 14).into();
    }
    if rng.chance(70) {
        p["employees"] = (1 + rng.next() % 300).into();
    }
    if rng.chance(50) {
        p["revenue_won"] = ((1 + rng.next() % 200) * 100_000_000).into();
    }
    if rng.chance(70) {
        p["industries"] = serde_json::json!([rng.pick(INDUSTRIES)]);
    }
    if rng.chance(60) {
        p["certifications"] = serde_json::json!(if rng.chance(50) { vec!["venture"] } else { vec![] });
    }
    if rng.chance(40) {
        p["trl_current"] = (1 + rng.next() % 9).into();
    }
    ("company", p)
}

pub async fn rematch(args: RematchArgs) -> Result<()> {
    let db = ScratchDb::named(&args.admin_url, 4, "rematch").await?;
    let result = run(&args, &db).await;
    db.drop_now().await;
    result
}

async fn run(args: &RematchArgs, db: &ScratchDb) -> Result<()> {
    let pool = connect::db::pool(&db.config)?;
    let client = pool.get().await?;
    let today = Clock::now().today();
    let started = Instant::now();
    seed_programs(&client, 1, args.programs, today).await.context("seeding programs")?;
    let mut rng = Lcg(2026);
    let (kinds, profiles): (Vec<&str>, Vec<String>) =
        (0..args.orgs).map(|_| profile(&mut rng)).map(|(k, p)| (k, p.to_string())).unzip();
    client
        .execute_typed(
            "INSERT INTO organizations (kind, name, profile)
             SELECT k, '벤치기관 ' || n, p::jsonb FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(k, p, n)",
            &[(&kinds, Type::TEXT_ARRAY), (&profiles, Type::TEXT_ARRAY)],
        )
        .await?;
    client
        .batch_execute(
            "INSERT INTO users (email) SELECT 'bench' || id || '@bench.test' FROM organizations;
             INSERT INTO memberships (organization_id, user_id, role)
               SELECT o.id, u.id, 'owner' FROM organizations o JOIN users u ON u.email = 'bench' || o.id || '@bench.test';
             INSERT INTO notification_settings (user_id, kind, min_score)
               SELECT id, 'new_match', 50 FROM users WHERE id % 2 = 0;
             UPDATE matching_state SET program_cursor = pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
             ANALYZE",
        )
        .await?;
    println!(
        "seeded {} programs, {} organisations (one member each) in {:.1} s",
        args.programs,
        args.orgs,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let open = connect::matching::candidates(&**client, today, None).await?;
    println!("rules extracted and stored for {} open programs in {:.1} s", open.len(), started.elapsed().as_secs_f64());
    drop(open);

    if !args.no_full {
        client
            .execute_typed(
                "INSERT INTO events (kind, subject_id) SELECT 'organization.profile_saved', id FROM organizations",
                &[],
            )
            .await?;
        let started = Instant::now();
        let done = rematch_pending(&pool, today).await?;
        report("full re-match (every profile saved)", started, &done, &client).await?;
    }

    // Half the refresh is programs edited (new text, so their rules are read again; half of those
    // with a new deadline), half programs published for the first time.
    let edited = args.changed / 2;
    client
        .execute_typed(
            "UPDATE programs SET body = body || E'\\n문의: 사업 담당자 (공고 수정)', content_hash = md5(content_hash || 'v2'),
                                 period_end = CASE WHEN id % 2 = 0 THEN period_end + 7 ELSE period_end END
              WHERE id IN (SELECT id FROM programs ORDER BY hashint8(id) LIMIT $1)",
            &[(&edited, Type::INT8)],
        )
        .await?;
    seed_programs(&client, args.programs + 1, (args.changed - edited) as i32, today).await?;
    let started = Instant::now();
    let done = rematch_pending(&pool, today).await?;
    report(
        &format!("refresh: {} changed programs × {} organisations", args.changed, args.orgs),
        started,
        &done,
        &client,
    )
    .await?;
    Ok(())
}

/// Programs `first..first + count`: Korean titles and texts with one of seven eligibility
/// sentences, coded target and region, a deadline within 120 days.
async fn seed_programs(
    client: &tokio_postgres::Client,
    first: i32,
    count: i32,
    today: chrono::NaiveDate,
) -> Result<(), tokio_postgres::Error> {
    let codes: Vec<&str> = Region::all_sido().iter().map(|r| r.as_str()).collect();
    let labels: Vec<&str> = Region::all_sido().iter().map(|r| r.label_ko()).collect();
    client
        .execute_typed(
            "INSERT INTO programs (source, external_id, title, body, category, regions, target_types, period_end,
                                   budget_krw, content_hash)
             SELECT 'bench', 'p' || i,
                    format('2026년 %s %s 지원사업 %s차 공고', topic, kind, i),
                    format(E'%s 분야 %s 역량 강화를 위해 다음과 같이 공고합니다.\\n지원대상: %s 소재 %s\\n%s\\n지원내용: 과제당 최대 %s억원',
                           topic, kind, ($3::text[])[1 + r], target, cond, 1 + i % 5),
                    kind, ARRAY[($2::text[])[1 + r]],
                    CASE WHEN h % 3 = 0 THEN '{}'::text[] ELSE ARRAY[target_code] END,
                    $4::date + (h % 120), 300000000, md5(i::text)
               FROM generate_series($5, $5 + $1 - 1) AS i,
                    LATERAL (SELECT abs(hashint4(i)) AS h, abs(hashint4(i + 7)) % 17 AS r) AS hr,
                    LATERAL (SELECT (ARRAY['인공지능','반도체','바이오헬스','로봇','스마트공장','탄소중립','치매','물류','관광','데이터'])[1 + h % 10] AS topic,
                                    (ARRAY['기술개발','사업화','수출','인력','판로','R&D'])[1 + (h / 10) % 6] AS kind,
                                    (ARRAY['중소기업','창업기업','소상공인'])[1 + (h / 60) % 3] AS target,
                                    (ARRAY['sme','startup','small_business'])[1 + (h / 60) % 3] AS target_code,
                                    (ARRAY['', '창업 7년 이내 기업', '상시근로자 50인 미만 기업', '매출액 120억원 이하 기업',
                                           '벤처기업 확인서를 보유한 기업', 'TRL 4~6 단계 과제', '대기업 제외'])[1 + (h / 180) % 7]
                                        AS cond) AS t",
            &[
                (&count, Type::INT4),
                (&codes, Type::TEXT_ARRAY),
                (&labels, Type::TEXT_ARRAY),
                (&today, Type::DATE),
                (&first, Type::INT4),
            ],
        )
        .await?;
    Ok(())
}

async fn report(
    what: &str,
    started: Instant,
    done: &connect::matching::jobs::Rematch,
    client: &tokio_postgres::Client,
) -> Result<()> {
    let seconds = started.elapsed().as_secs_f64();
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM matches), (SELECT count(*) FROM notifications WHERE kind = 'new_match'),
                    (SELECT matches_created FROM matching_state)",
            &[],
        )
        .await?;
    let (matches, alerts, created): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    println!(
        "{what}: {seconds:.1} s — {done:?}; matches stored {matches}, new-match notifications {alerts}, matches_created {created}"
    );
    Ok(())
}
