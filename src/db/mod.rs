//! PostgreSQL access: the connection pool and the rules every query follows.
//!
//! Production traffic goes through PgBouncer in transaction mode, where a named prepared statement may
//! land on another server connection between two protocol round trips (FINDINGS §1). So every query
//! here uses `query_typed` / `execute_typed` (one round trip, unnamed statement, parameter types given
//! by us) and only built-in types cross the wire: enums and domains are cast to `text` in SQL.
//! Migrations and bulk loads use the direct URL instead (see [`migrate`]).

pub mod migrate;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;

use crate::config::{DatabaseConfig, SecretUrl};

pub use deadpool_postgres::Client;
pub use tokio_postgres::types::Type;

/// Builds the application pool. Connections are made lazily, so start-up succeeds while PostgreSQL is
/// down and the pool recovers by itself when it comes back.
pub fn pool(config: &DatabaseConfig) -> anyhow::Result<Pool> {
    let pg: tokio_postgres::Config = config
        .url
        .expose()
        .parse()
        .map_err(|e| anyhow::anyhow!("DATABASE_URL을 해석할 수 없습니다 ({}): {e}", config.url.redacted()))?;
    let manager = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let timeouts = Timeouts {
        wait: Some(config.pool_wait),
        create: Some(Duration::from_secs(3)),
        recycle: Some(Duration::from_secs(1)),
    };
    Ok(Pool::builder(manager).max_size(config.pool_size).timeouts(timeouts).runtime(Runtime::Tokio1).build()?)
}

/// One direct connection (not pooled) for migrations, bulk loads and tests.
pub async fn connect_direct(url: &SecretUrl) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url.expose(), NoTls)
        .await
        .map_err(|e| anyhow::anyhow!("PostgreSQL에 연결할 수 없습니다 ({}): {e}", url.redacted()))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "direct PostgreSQL connection closed");
        }
    });
    Ok(client)
}
