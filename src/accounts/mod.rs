//! Identity: who is asking, and the rules around it. Users, their roles, sessions (cookies) and
//! bearer tokens (scripts), passwords, CSRF, abuse limits, and the mails accounts need.
//!
//! Every request's caller is read from PostgreSQL ([`caller`]): a session cookie or a bearer token
//! names a row, and the user's role and token version come from that row, never from the token. So a
//! logout, a role change or "log out everywhere" takes effect on the very next request.

pub mod caller;
pub mod csrf;
pub mod limits;
pub mod mail_token;
pub mod mails;
pub mod password;
pub mod secret;
pub mod session;
pub mod token;

use std::collections::HashMap;
use std::sync::Arc;

use secrecy::SecretString;

use crate::config::AccountsConfig;
use crate::metrics::Metrics;

pub use caller::{Admin, Caller, SuperAdmin};

/// A user's place in Connect's own administration.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    User,
    Admin,
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Admin => "ADMIN",
            Role::SuperAdmin => "SUPER_ADMIN",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "USER" => Some(Role::User),
            "ADMIN" => Some(Role::Admin),
            "SUPER_ADMIN" => Some(Role::SuperAdmin),
            _ => None,
        }
    }
}

/// What the identity handlers share, built once from [`AccountsConfig`].
pub struct Accounts {
    pub config: AccountsConfig,
    pub jwt_secret: SecretString,
    pub keyring: vault::Keyring,
    pub mailer: Option<mail::Mailer>,
    pub oauth: HashMap<oauth::Provider, oauth::Client>,
    pub limiter: limits::Limiter,
}

impl Accounts {
    pub fn new(
        config: AccountsConfig,
        secrets: &crate::config::Secrets,
        cache: redis::aio::ConnectionManager,
        prefix: &str,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let mailer = mails::mailer(&config)?;
        let oauth = config.oauth.iter().map(|(provider, settings)| (*provider, settings.client(*provider))).collect();
        Ok(Accounts {
            limiter: limits::Limiter::new(cache, prefix, config.auth_rate_per_minute, metrics),
            jwt_secret: secrets.jwt_secret.clone(),
            keyring: secrets.keyring()?,
            mailer,
            oauth,
            config,
        })
    }
}

/// Sets the role of the account with `email` (`connect grant`); ends its sessions so the new role
/// is all it holds.
pub async fn grant<C: tokio_postgres::GenericClient>(client: &C, email: &str, role: Role) -> anyhow::Result<()> {
    let email = crate::api::auth::normalise_email(email).map_err(anyhow::Error::msg)?;
    let rows = client
        .query_typed(
            "UPDATE users SET role = $2, token_version = token_version + 1 WHERE email = $1 AND deleted_at IS NULL
             RETURNING id",
            &[(&email, tokio_postgres::types::Type::TEXT), (&role.as_str(), tokio_postgres::types::Type::TEXT)],
        )
        .await?;
    let Some(row) = rows.first() else {
        anyhow::bail!("{email} 계정이 없습니다. 먼저 가입해 주세요");
    };
    session::revoke_all(client, row.get(0)).await?;
    Ok(())
}
