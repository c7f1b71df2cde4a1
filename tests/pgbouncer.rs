//! The data layer through a real PgBouncer in transaction mode, the way the spec deploys it, with
//! few server connections so that they really are swapped between clients (FINDINGS §1): reads,
//! pipelined upsert transactions and search catch-ups from many tasks at once, zero errors, and the
//! rows checked afterwards over a direct connection.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{record, TestApp};
use connect::catalog::store;
use connect::ingest::normalise;
use sources::RawProgram;

struct PgBouncer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl PgBouncer {
    fn start() -> PgBouncer {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let path = dir.path();
        std::fs::write(path.join("userlist.txt"), "\"postgres\" \"\"\n").unwrap();
        std::fs::write(
            path.join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host=127.0.0.1 port=5432\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {dir}/userlist.txt\npool_mode = transaction\n\
                 default_pool_size = 4\nmax_client_conn = 500\nlogfile = {dir}/pgbouncer.log\n",
                dir = path.display()
            ),
        )
        .unwrap();
        // PgBouncer refuses to run as root; as root it switches to postgres (-u), which must read the folder.
        Command::new("chown").args(["-R", "postgres", &path.display().to_string()]).status().unwrap();
        let ini = path.join("pgbouncer.ini").display().to_string();
        let mut command = Command::new("pgbouncer");
        if is_root() {
            command.args(["-u", "postgres"]);
        }
        let child = command
            .arg(&ini)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pgbouncer is installed (scripts/test.sh installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "pgbouncer did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        PgBouncer { child, port, _dir: dir }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_data_layer_works_through_pgbouncer_transaction_pooling() {
    let bouncer = PgBouncer::start();
    let direct = common::TestDb::new().await;
    let pooled_url = direct.url.replace("127.0.0.1:5432", &format!("127.0.0.1:{}", bouncer.port));
    let index_dir = tempfile::tempdir().unwrap();
    // The cache points at a closed port, so every detail read goes to PostgreSQL.
    let config = common::config(
        &pooled_url,
        index_dir.path(),
        // Waiting for one of PgBouncer's 4 server connections may take long on a busy machine; this
        // test is about correctness through transaction pooling, not about latency.
        &[("DATABASE_POOL_SIZE", "32"), ("DATABASE_POOL_WAIT_MS", "30000"), ("REDIS_CACHE_URL", "redis://127.0.0.1:1")],
    );
    let state = connect::server::build_state(&config).unwrap();
    let app = TestApp { db: direct, state, index_dir };
    let seed: String = (0..64)
        .map(|n| record(&format!("p{n}"), &format!("시드 과제 {n}"), serde_json::json!({})))
        .collect::<Vec<_>>()
        .join("\n");
    app.import(&seed).await;

    let stop = Instant::now() + Duration::from_secs(8);
    let mut tasks = Vec::new();
    for task in 0..64usize {
        let app_state = app.state.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ops, mut errors, mut last_title) = (0u64, Vec::new(), String::new());
            let mut version = 0;
            while Instant::now() < stop {
                let outcome: anyhow::Result<()> = async {
                    match ops % 3 {
                        0 => {
                            let client = app_state.db.get().await?;
                            let id = (task as i64 % 64) + 1;
                            let detail = store::detail(&**client, id)
                                .await?
                                .ok_or_else(|| anyhow::anyhow!("program {id} missing"))?;
                            anyhow::ensure!(detail.summary.id == id, "asked for {id}, got {}", detail.summary.id);
                        }
                        1 => {
                            version += 1;
                            let title = format!("과제 {task} 버전 {version}");
                            let line = record(&format!("p{task}"), &title, serde_json::json!({}));
                            let raw = serde_json::from_str::<RawProgram>(&line)?;
                            let program = normalise(&raw).map_err(anyhow::Error::msg)?;
                            let mut client = app_state.db.get().await?;
                            let tx = client.transaction().await?;
                            store::upsert(&*tx, &program).await?;
                            tx.commit().await?;
                            last_title = title;
                        }
                        _ => {
                            app_state.search.catch_up(&app_state.db).await?;
                        }
                    }
                    Ok(())
                }
                .await;
                if let Err(e) = outcome {
                    errors.push(format!("{e:#}"));
                }
                ops += 1;
            }
            (task, ops, errors, last_title)
        }));
    }
    let mut total_ops = 0;
    let client = app.db.client().await;
    for handle in tasks {
        let (task, ops, errors, last_title) = handle.await.unwrap();
        assert!(ops >= 3, "task {task} ran only {ops} operations: every kind must run at least once");
        total_ops += ops;
        assert!(errors.is_empty(), "task {task}: {} errors, first: {}", errors.len(), errors[0]);
        let row = client
            .query_one("SELECT title FROM programs WHERE external_id = $1", &[&format!("p{task}")])
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), last_title, "the last committed title of p{task} is what PostgreSQL holds");
    }
    eprintln!("{total_ops} operations through PgBouncer, 0 errors");
    app.state.search.catch_up(&app.state.db).await.unwrap();
    let search = app.state.search.search(
        &connect::search::query::SearchQuery {
            words: vec!["버전".into()],
            page: 1,
            per_page: 100,
            ..Default::default()
        },
        &connect::catalog::Clock::now(),
    );
    assert_eq!(search.unwrap().total, 64, "every rewritten program is searchable by its new title");
}
