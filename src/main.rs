//! `connect`: one binary, the roles of the deployment as subcommands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connect::config::{Config, DatabaseConfig, Listen, RedisConfig, Source};
use connect::ingest::config::Sources;
use connect::{db, demo, import, ingest, server};

/// jemalloc returns freed memory to the system; glibc's malloc kept the server at 326 MiB after a
/// load through nginx whose live heap peaked at 129 MB (heaptrack), jemalloc at 178 MiB
/// (docs/OPERATIONS.md, "Capacity").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "connect", version, about = "Connect: 정부 지원사업 수집·검색·매칭 서버")]
struct Cli {
    /// A TOML file of settings (the same names as the environment variables); the environment wins.
    #[arg(long, global = true, env = "CONNECT_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web API (`--listen 127.0.0.1:8080` or `--listen unix:/run/connect/connect.sock`).
    Serve {
        /// Overrides CONNECT_LISTEN.
        #[arg(long)]
        listen: Option<Listen>,
    },
    /// Apply pending database migrations, directly against PostgreSQL (DATABASE_DIRECT_URL).
    Migrate,
    /// Load programs from a JSON-lines file (idempotent). `-` reads standard input.
    Import { file: PathBuf },
    /// Migrate, scrape the real recorded announcements from a local copy of the agency sites, and
    /// optionally add a synthetic catalogue for benchmarks.
    Demo {
        /// Also generate this many synthetic programs.
        #[arg(long, default_value_t = 0)]
        synthetic: usize,
        /// Seed of the synthetic catalogue (the same seed gives the same programs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Skip the real recorded announcements.
        #[arg(long)]
        no_sample: bool,
    },
    /// Run scrape, notification and billing jobs from the queue and fire their schedules (several
    /// workers may run at once).
    Worker {
        #[arg(long, env = "CONNECT_SOURCES", default_value = "config/sources.toml")]
        sources: PathBuf,
        /// Scrapes run at once by this process.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// A job held this long by a worker that stopped answering is given to another worker
        /// (running jobs renew their claim every third of it).
        #[arg(long, env = "CONNECT_WORKER_VISIBILITY_SECS", default_value_t = 60)]
        visibility_secs: u64,
    },
    /// Scrape one source now, without the queue, showing progress.
    Scrape {
        /// The source's name in the sources file.
        name: String,
        #[arg(long, env = "CONNECT_SOURCES", default_value = "config/sources.toml")]
        sources: PathBuf,
    },
    /// Run a source kind's parser and normaliser on a saved payload; prints programs as JSON lines.
    Parse {
        /// Parser kind, e.g. ntis-rss, bizinfo-api, kstartup-api, generic-html-list.
        #[arg(long, required_unless_present = "as_source")]
        kind: Option<sources::Kind>,
        /// Read the page as this entry of the sources file does (kind, selectors, URL, source
        /// code): how to check an agency board's selectors against a saved page.
        #[arg(long, value_name = "NAME", conflicts_with = "kind")]
        as_source: Option<String>,
        /// With --as-source: read it as that source's detail page.
        #[arg(long, requires = "as_source")]
        detail: bool,
        #[arg(long, env = "CONNECT_SOURCES", default_value = "config/sources.toml")]
        sources: PathBuf,
        file: PathBuf,
        /// Catalogue source code the programs get.
        #[arg(long, default_value = "saved")]
        source: String,
        /// The URL the payload came from (to make links absolute).
        #[arg(long, default_value = "https://example.invalid/")]
        url: String,
    },
    /// Print the text of an attachment (HWP 5.0 incl. 배포용, HWPX, PDF; chosen by its first bytes),
    /// extracted in a child process with memory and time limits.
    Extract {
        file: PathBuf,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// Show the job queues, or act on dead jobs.
    Jobs {
        #[command(subcommand)]
        action: Option<JobsAction>,
    },
    /// Give an existing account a role (USER, ADMIN, SUPER_ADMIN): how the first administrator is made.
    Grant {
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Match one organisation profile (JSON: `{"kind": "company", "profile": {…}}`, the API's shape)
    /// against the current catalogue and print each verdict with its score and reasons.
    Match {
        #[arg(long, value_name = "PROFILE.json")]
        org: PathBuf,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Also list the programs the organisation cannot apply to, with the reasons.
        #[arg(long)]
        all: bool,
    },
    /// Re-encrypt stored personal data and billing keys under the current ENCRYPTION_KEY (after a key
    /// rotation, with the old key in ENCRYPTION_PREVIOUS_KEYS).
    RotateKeys,
    /// Back up the database with pgBackRest (stanza created the first time), write the system tarball
    /// (--system), or list the backups (--list).
    Backup(ops::backup::Args),
    /// Restore drill: the latest backup into a scratch cluster, compared table by table with the live
    /// database (--drill); or a real restore into another directory (--to DIR --port N --yes).
    Restore(ops::restore::Args),
    /// Maintenance: log rotation, VACUUM (ANALYZE), upload leftovers, expired rows, TLS certificate,
    /// security updates, backup age and `pgbackrest check`.
    Maintenance(ops::maintenance::Args),
    /// Diagnose a service and, with --yes, restart it the documented way and verify it answers.
    Recover(ops::recover::Args),
    /// Deploy a release tarball (scripts/package.sh) without downtime: checks, unpack, migrate, start
    /// beside the live release, health-gated atomic switch, graceful handover, prune to 5.
    Deploy(ops::deploy::Args),
    /// Switch back to an earlier release (default: the one before the live one), health-gated.
    Rollback(ops::rollback::Args),
    /// List the releases, newest first, the live one marked.
    Releases(ops::rollback::ListArgs),
    /// Health check: resources, every service of the chain, PostgreSQL and Redis figures, the app and
    /// the API through nginx, log sizes and recent errors (exit 1 naming what failed; --json).
    Health(ops::health::Args),
    /// Deployment files.
    #[command(name = "config")]
    DeployConfig {
        #[command(subcommand)]
        action: DeployConfigAction,
    },
}

#[derive(Subcommand)]
enum DeployConfigAction {
    /// Render every server file (nginx, PgBouncer, PostgreSQL, Redis, systemd, Prometheus, Grafana,
    /// pgBackRest, fail2ban, logrotate, sshd, ufw) into DIR, sized for this machine or the one given.
    Render {
        /// Where the files go (created if needed), with a MANIFEST of where each is installed.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The deployment settings.
        #[arg(long, value_name = "FILE", default_value = "config/deploy.toml")]
        settings: PathBuf,
        /// Passwords and keys; what it lacks is generated and written back (mode 0600).
        /// Default: DIR/secrets.toml.
        #[arg(long, value_name = "FILE")]
        secrets: Option<PathBuf>,
        /// Render for this many CPUs instead of this machine's.
        #[arg(long)]
        cpus: Option<u32>,
        /// Render for this much RAM instead of this machine's.
        #[arg(long)]
        memory_mib: Option<u64>,
    },
}

#[derive(Subcommand)]
enum JobsAction {
    /// List dead jobs with their last error.
    Dead {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Put a dead job back on its queue.
    Retry { id: String },
    /// Delete a dead job.
    Discard { id: String },
    /// Queue a scrape of SOURCE now.
    Enqueue { source: String },
}

/// Logs go to stderr (JSON with `LOG_FORMAT=json`); with Sentry on, `error!` events are also
/// reported there and warnings kept as breadcrumbs.
fn init_logging() {
    use tracing_subscriber::prelude::*;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(filter).with(sentry::integrations::tracing::layer());
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        registry.with(fmt.json()).init();
    } else {
        registry.with(fmt).init();
    }
}

/// Reports errors to Sentry when `SENTRY_DSN` is set (nothing is sent otherwise): panics, `error!`
/// logs and failed commands, with the release and `SENTRY_ENVIRONMENT`, and no personal data (no
/// addresses, cookies or request bodies). A malformed DSN stops the process.
fn init_sentry() -> anyhow::Result<Option<sentry::ClientInitGuard>> {
    let Some(dsn) = std::env::var("SENTRY_DSN").ok().filter(|d| !d.trim().is_empty()) else {
        return Ok(None);
    };
    let dsn: sentry::types::Dsn = dsn
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("SENTRY_DSN이 올바르지 않습니다 (https://KEY@HOST/PROJECT): {e}"))?;
    Ok(Some(sentry::init(sentry::ClientOptions {
        dsn: Some(dsn),
        release: Some(concat!("connect@", env!("CARGO_PKG_VERSION")).into()),
        environment: std::env::var("SENTRY_ENVIRONMENT").ok().map(Into::into),
        send_default_pii: false,
        ..Default::default()
    })))
}

#[tokio::main]
async fn main() -> ExitCode {
    // The child side of `connect extract` (and of the worker's extraction): `connect extract --json …`.
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == "extract") && args.get(1).is_some_and(|a| a == "--json") {
        return ExitCode::from(extract::child_main(args).clamp(0, 255) as u8);
    }
    let cli = Cli::parse();
    let sentry = match init_sentry() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("오류: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    init_logging();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("오류: {e:#}");
            if sentry.is_some() {
                sentry::capture_message(&format!("{e:#}"), sentry::Level::Error);
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let source = Source::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { listen } => {
            let mut config = Config::from_source(&source)?;
            if let Some(listen) = listen {
                config.server.listen = listen;
            }
            server::serve(config).await?;
        }
        Command::Migrate => {
            let database = DatabaseConfig::from_source(&source)?;
            let report = db::migrate::run(&database.direct_url).await?;
            println!("마이그레이션: 새로 적용 {:?}, 이미 적용 {}개", report.applied, report.already);
        }
        Command::Import { file } => {
            let database = DatabaseConfig::from_source(&source)?;
            let mut client = db::connect_direct(&database.direct_url).await?;
            let report = if file.as_os_str() == "-" {
                import::import(&mut client, std::io::stdin().lock()).await?
            } else {
                let reader = std::fs::File::open(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                import::import(&mut client, std::io::BufReader::new(reader)).await?
            };
            for (line, reason) in &report.rejected {
                eprintln!("{}:{line}: {reason}", file.display());
            }
            println!("{report}");
            if !report.rejected.is_empty() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Extract { file, timeout } => {
            let exe = std::env::current_exe()?;
            let limits = extract::Limits::default();
            let file_for_child = file.clone();
            let extracted = tokio::task::spawn_blocking(move || {
                extract::extract_in_child(&exe, &file_for_child, &limits, std::time::Duration::from_secs(timeout))
            })
            .await?;
            match extracted {
                Ok(extracted) => {
                    for warning in &extracted.warnings {
                        eprintln!("경고: {warning}");
                    }
                    println!("{}", extracted.text);
                }
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Grant { email, role } => {
            let database = DatabaseConfig::from_source(&source)?;
            let client = db::connect_direct(&database.direct_url).await?;
            let role = connect::accounts::Role::parse(&role.to_uppercase())
                .ok_or_else(|| anyhow::anyhow!("역할은 USER, ADMIN, SUPER_ADMIN 중 하나여야 합니다"))?;
            connect::accounts::grant(&client, &email, role).await?;
            println!("{email}: {}", role.as_str());
        }
        Command::Match { org, limit, all } => {
            let database = DatabaseConfig::from_source(&source)?;
            let client = db::connect_direct(&database.direct_url).await?;
            let text = std::fs::read_to_string(&org).map_err(|e| anyhow::anyhow!("{}: {e}", org.display()))?;
            print!("{}", connect::matching::explain(&client, &text, limit, all).await?);
        }
        Command::RotateKeys => {
            let config = Config::from_source(&source)?;
            let client = db::connect_direct(&config.database.direct_url).await?;
            let keyring = config.secrets.keyring()?;
            let moved = connect::orgs::business_number::rotate(&client, &keyring).await?;
            let invoices = connect::billing::payment::rotate_invoices(&client, &keyring).await?;
            let cards = connect::billing::customer::rotate(&client, &keyring).await?;
            println!(
                "현재 키(버전 {})로 다시 암호화: 사업자등록번호 {moved}건, 결제 기록의 사업자등록번호 {invoices}건, 빌링키 {cards}건",
                config.secrets.encryption_key_version
            );
        }
        Command::DeployConfig { action: DeployConfigAction::Render { out, settings, secrets, cpus, memory_mib } } => {
            let mut settings = ops::Settings::load(&settings)?;
            let secrets = secrets.unwrap_or_else(|| out.join("secrets.toml"));
            let (values, created) = ops::Secrets::load_or_create(&secrets)?;
            settings.secrets = values;
            let hardware = ops::Hardware::detect(cpus, memory_mib)?;
            let files = ops::render(&settings, &hardware, &out)?;
            if created {
                eprintln!("비밀값을 새로 만들어 {}에 저장했습니다 (다음 렌더링에도 쓰세요)", secrets.display());
            }
            println!(
                "{}개 파일을 {}에 만들었습니다 (CPU {}개, 메모리 {} MiB 기준; 설치 위치는 MANIFEST)",
                files.len(),
                out.display(),
                hardware.cpus,
                hardware.memory_mib
            );
        }
        command @ (Command::Backup(_)
        | Command::Restore(_)
        | Command::Maintenance(_)
        | Command::Recover(_)
        | Command::Deploy(_)
        | Command::Rollback(_)
        | Command::Releases(_)
        | Command::Health(_)) => {
            return Ok(run_ops(command, &source).await);
        }
        command @ (Command::Worker { .. } | Command::Scrape { .. } | Command::Parse { .. } | Command::Jobs { .. }) => {
            return run_ingest(command, &source).await;
        }
        Command::Demo { synthetic, seed, no_sample } => {
            let database = DatabaseConfig::from_source(&source)?;
            db::migrate::run(&database.direct_url).await?;
            let mut client = db::connect_direct(&database.direct_url).await?;
            if !no_sample {
                let pool = db::pool(&database)?;
                for (name, report) in demo::load_real(&pool).await? {
                    println!("실제 공고 ({name}): {report}");
                }
            }
            if synthetic > 0 {
                let report = demo::load_synthetic(&mut client, synthetic, seed, |done| {
                    if done % 10_000 == 0 || done == synthetic {
                        eprintln!("  합성 지원사업 {done}/{synthetic}");
                    }
                })
                .await?;
                println!("합성 지원사업: {report}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The operations commands (crates/ops): their own exit codes, 3 when they cannot run at all.
async fn run_ops(command: Command, source: &Source) -> ExitCode {
    let live_url = || DatabaseConfig::from_source(source).ok().map(|d| d.direct_url.expose().to_string());
    // The rendered environment file sets CONNECT_UPLOAD_DIR; without it the deployment's shared/uploads.
    let upload_dir = || std::env::var_os("CONNECT_UPLOAD_DIR").map(PathBuf::from);
    let result = match command {
        Command::Backup(args) => ops::backup::run(&args, upload_dir()),
        Command::Restore(args) => ops::restore::run(&args, live_url().as_deref()).await,
        Command::Maintenance(args) => {
            let app = ops::maintenance::App {
                database_url: live_url(),
                upload_dir: upload_dir(),
                clean_temporary: &connect::api::orgs::documents::clean_temporary,
            };
            ops::maintenance::run(&args, &app).await
        }
        Command::Recover(args) => ops::recover::run(&args),
        Command::Deploy(args) => ops::deploy::run(&args),
        Command::Rollback(args) => ops::rollback::run(&args),
        Command::Releases(args) => ops::rollback::list(&args),
        Command::Health(args) => {
            let database = DatabaseConfig::from_source(source).ok();
            let redis = RedisConfig::from_source(source).ok();
            let app = ops::health::App {
                database_url: database.as_ref().map(|d| d.url.expose().to_string()),
                database_direct_url: database.as_ref().map(|d| d.direct_url.expose().to_string()),
                redis_cache_url: redis.as_ref().map(|r| r.cache_url.expose().to_string()),
                redis_queue_url: redis.as_ref().map(|r| r.queue_url.expose().to_string()),
            };
            ops::health::run(&args, &app).await
        }
        _ => unreachable!("not an operations command"),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("오류: {e:#}");
            ExitCode::from(ops::report::EXIT_ERROR)
        }
    }
}

async fn run_ingest(command: Command, source: &Source) -> anyhow::Result<ExitCode> {
    match command {
        Command::Worker { sources, concurrency, visibility_secs } => {
            let sources = Sources::load(&sources)?;
            let database = DatabaseConfig::from_source(source)?;
            let redis = RedisConfig::from_source(source)?;
            let (queue, _) = ingest::worker::connect(&redis).await?;
            let jobs = ingest::worker::ScrapeJobs::new(sources, &database, &queue, &redis)?;
            let notify = connect::notify::jobs::NotifyJobs::for_worker(&Config::from_source(source)?)?;
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop_tx.send(true);
            });
            tracing::info!(sources = jobs.sources.sources.len(), concurrency, "worker started");
            let visibility = std::time::Duration::from_secs(visibility_secs.max(3));
            let billing = connect::billing::job::run(source, &database, &redis, stop_rx.clone());
            tokio::try_join!(ingest::worker::run(jobs, notify, &redis, concurrency, visibility, stop_rx), billing)?;
        }
        Command::Scrape { name, sources } => {
            let sources = Sources::load(&sources)?;
            let config =
                sources.get(&name).ok_or_else(|| anyhow::anyhow!("'{name}' 소스가 설정 파일에 없습니다"))?.clone();
            let database = DatabaseConfig::from_source(source)?;
            let pool = db::pool(&database)?;
            let fetcher = fetch::Fetcher::new(fetch::FetchConfig::default())?;
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar.set_message(format!("{name} 수집 중"));
            let result =
                ingest::scrape::scrape(&config, &fetcher, &pool, &|step| bar.set_message(format!("{name}: {step}")))
                    .await;
            bar.finish_and_clear();
            let report = result?;
            for rejected in &report.rejected {
                eprintln!("거부: {rejected}");
            }
            println!("{name}: {report}");
        }
        Command::Parse { kind, as_source, detail, sources, file, source: code, url } => {
            let body = std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let (kind, code, url, selectors) = match (kind, as_source) {
                (Some(kind), _) => (kind, code, url, None),
                (None, Some(name)) => {
                    let text =
                        std::fs::read_to_string(&sources).map_err(|e| anyhow::anyhow!("{}: {e}", sources.display()))?;
                    // No API key is needed to read a saved page.
                    let all =
                        ingest::config::Sources::parse(&text, |_| Some(String::new())).map_err(anyhow::Error::msg)?;
                    let entry = all
                        .get(&name)
                        .ok_or_else(|| anyhow::anyhow!("{}에 '{name}' 소스가 없습니다", sources.display()))?;
                    match (detail, &entry.detail) {
                        (false, _) => (entry.kind, entry.source_code(), entry.url.clone(), entry.selectors.clone()),
                        (true, Some(d)) => (d.kind, entry.source_code(), url, d.selectors.clone()),
                        (true, None) => anyhow::bail!("'{name}' 소스에는 detail 설정이 없습니다"),
                    }
                }
                (None, None) => unreachable!("clap requires --kind or --as-source"),
            };
            let mut failed = false;
            for program in ingest::scrape::parse_saved(kind, &body, &code, &url, selectors)? {
                match program {
                    Ok(p) => println!("{}", serde_json::to_string(&p)?),
                    Err(reason) => {
                        failed = true;
                        eprintln!("거부: {reason}");
                    }
                }
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Jobs { action } => {
            let redis = RedisConfig::from_source(source)?;
            let (queue, _) = ingest::worker::connect(&redis).await?;
            let q = ingest::worker::SCRAPE_QUEUE;
            match action {
                None => {
                    let s = queue.stats(q).await?;
                    println!(
                        "{q}: 대기 {}, 실행 중 {}, 예약 {}, 실패(dead) {}",
                        s.pending, s.running, s.delayed, s.dead
                    );
                }
                Some(JobsAction::Dead { limit }) => {
                    for job in queue.dead(q, limit).await? {
                        println!(
                            "{}	{}	시도 {}/{}	{}	{}",
                            job.id.as_str(),
                            job.kind,
                            job.attempts,
                            job.max_attempts,
                            job.payload,
                            job.last_error
                        );
                    }
                }
                Some(JobsAction::Retry { id }) => {
                    let done = queue.retry_dead(q, &queue::JobId::from(id.clone())).await?;
                    println!("{id}: {}", if done { "다시 대기열에 넣었습니다" } else { "해당 dead 작업이 없습니다" });
                    if !done {
                        return Ok(ExitCode::FAILURE);
                    }
                }
                Some(JobsAction::Discard { id }) => {
                    let done = queue.discard_dead(q, &queue::JobId::from(id.clone())).await?;
                    println!("{id}: {}", if done { "삭제했습니다" } else { "해당 dead 작업이 없습니다" });
                    if !done {
                        return Ok(ExitCode::FAILURE);
                    }
                }
                Some(JobsAction::Enqueue { source: name }) => {
                    let id = queue.enqueue(q, &ingest::worker::scrape_job(&name)).await?;
                    println!("{name}: 작업 {}", id.as_str());
                }
            }
        }
        _ => unreachable!("not an ingestion command"),
    }
    Ok(ExitCode::SUCCESS)
}
