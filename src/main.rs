//! `connect`: one binary, the roles of the deployment as subcommands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use connect::config::{Config, DatabaseConfig, Listen, Source};
use connect::{db, demo, import, server};

#[derive(Parser)]
#[command(
    name = "connect",
    version,
    about = "Connect: 정부 지원사업 수집·검색·매칭 서버"
)]
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
    /// Migrate, then load the real sample catalogue and optionally a synthetic one for benchmarks.
    Demo {
        /// Also generate this many synthetic programs.
        #[arg(long, default_value_t = 0)]
        synthetic: usize,
        /// Seed of the synthetic catalogue (the same seed gives the same programs).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Skip the real sample.
        #[arg(long)]
        no_sample: bool,
    },
}

fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("오류: {e:#}");
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
            println!(
                "마이그레이션: 새로 적용 {:?}, 이미 적용 {}개",
                report.applied, report.already
            );
        }
        Command::Import { file } => {
            let database = DatabaseConfig::from_source(&source)?;
            let mut client = db::connect_direct(&database.direct_url).await?;
            let report = if file.as_os_str() == "-" {
                import::import(&mut client, std::io::stdin().lock()).await?
            } else {
                let reader = std::fs::File::open(&file)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
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
        Command::Demo {
            synthetic,
            seed,
            no_sample,
        } => {
            let database = DatabaseConfig::from_source(&source)?;
            db::migrate::run(&database.direct_url).await?;
            let mut client = db::connect_direct(&database.direct_url).await?;
            if !no_sample {
                println!("실제 공고 샘플: {}", demo::load_sample(&mut client).await?);
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
