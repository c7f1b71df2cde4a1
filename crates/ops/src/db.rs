//! Plain connections to PostgreSQL for the operations commands (no pool).

use anyhow::{anyhow, Result};
use tokio_postgres::{Client, NoTls};

/// Connects with a URL or a `key=value` string; errors never show the password.
pub async fn connect(conninfo: &str) -> Result<Client> {
    let config: tokio_postgres::Config =
        conninfo.parse().map_err(|e| anyhow!("not a PostgreSQL connection string ({}): {e}", redacted(conninfo)))?;
    let (client, connection) =
        config.connect(NoTls).await.map_err(|e| anyhow!("cannot connect to {}: {e}", redacted(conninfo)))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The connection string without its password.
pub fn redacted(conninfo: &str) -> String {
    if let Some((scheme, rest)) = conninfo.split_once("://") {
        if let Some((credentials, host)) = rest.split_once('@') {
            let user = credentials.split(':').next().unwrap_or("");
            return format!("{scheme}://{user}@{host}");
        }
        return conninfo.to_string();
    }
    conninfo
        .split_whitespace()
        .map(|kv| if kv.starts_with("password=") { "password=…" } else { kv })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            redacted("postgresql://connect:s3cret@127.0.0.1:5432/connect"),
            "postgresql://connect@127.0.0.1:5432/connect"
        );
        assert_eq!(
            redacted("host=/tmp port=5 password=s3cret user=postgres"),
            "host=/tmp port=5 password=… user=postgres"
        );
    }
}
