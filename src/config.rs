//! Typed configuration, read once at start-up from environment variables and an optional TOML file.
//!
//! Variable names follow the spec's `.env.production` (`DATABASE_URL`, `REDIS_CACHE_URL`, …). The TOML
//! file is a flat table of the same names; a variable set in the environment wins over the file.
//! A missing or malformed value fails start-up with a message that names it. Secrets are kept in
//! [`SecretString`] and URLs are printed only with their password redacted.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Where `connect serve` accepts connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

impl std::str::FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("unix:") {
            Some("") => Err("unix: needs a socket path, e.g. unix:/run/connect/connect.sock".into()),
            Some(path) => Ok(Listen::Unix(PathBuf::from(path))),
            None => {
                s.parse().map(Listen::Tcp).map_err(|_| format!("'{s}' is neither HOST:PORT nor unix:/path/to.sock"))
            }
        }
    }
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Listen::Tcp(addr) => write!(f, "{addr}"),
            Listen::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// A connection URL that may carry a password: exposed only to the client that connects.
#[derive(Clone)]
pub struct SecretUrl(SecretString);

impl SecretUrl {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The URL with any password replaced by `***`, for logs and errors.
    pub fn redacted(&self) -> String {
        match url::Url::parse(self.expose()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "<unparsable url>".to_string(),
        }
    }
}

impl std::fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// What the application uses; in production PgBouncer in transaction mode.
    pub url: SecretUrl,
    /// A direct PostgreSQL connection for migrations and bulk loads (session features).
    pub direct_url: SecretUrl,
    pub pool_size: usize,
    /// Upper bound for one query, enforced on the client side.
    pub query_timeout: Duration,
    /// How long a request waits for a free pool connection before answering 503.
    pub pool_wait: Duration,
}

#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// The LRU cache instance (no persistence).
    pub cache_url: SecretUrl,
    /// The durable job-queue instance (AOF, noeviction).
    pub queue_url: SecretUrl,
    /// Prefix of every key Connect writes, so that deployments and tests can share an instance.
    pub key_prefix: String,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: Listen,
    pub shutdown_timeout: Duration,
    /// How long the proxy in front (nginx's upstream `keepalive_timeout`) keeps an idle connection to
    /// us: on shutdown we wait that long for it to close them instead of closing them under it.
    pub upstream_idle: Duration,
    /// This node's own search index folder (never shared between processes).
    pub index_dir: PathBuf,
    /// How often this node pulls catalogue changes from PostgreSQL into its index.
    pub index_sync_interval: Duration,
}

#[derive(Clone)]
pub struct Secrets {
    pub jwt_secret: SecretString,
    pub encryption_key: SecretString,
    pub encryption_key_version: u8,
    previous_keys: SecretString,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

/// Identity, mail, OAuth and uploads.
#[derive(Debug, Clone)]
pub struct AccountsConfig {
    /// Where users reach Connect; links in mails and OAuth redirect URIs start here.
    pub public_url: url::Url,
    /// `Secure` on cookies; only plain-HTTP development turns it off.
    pub cookie_secure: bool,
    /// Take the client address from nginx's `X-Real-IP` (true behind the spec's nginx).
    pub trust_proxy: bool,
    /// Requests a minute per client address on each authentication route (the spec: 10).
    pub auth_rate_per_minute: u32,
    pub session_ttl: chrono::Duration,
    /// Lifetime of bearer tokens.
    pub token_ttl: chrono::Duration,
    pub smtp_url: Option<SecretUrl>,
    pub mail_from: String,
    pub oauth: Vec<(oauth::Provider, OAuthSettings)>,
    /// Uploaded files, outside any web root (the spec's `shared/uploads`).
    pub upload_dir: PathBuf,
    pub upload_max_bytes: u64,
}

impl AccountsConfig {
    /// An absolute link to `path` on the public site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }
}

#[derive(Clone)]
pub struct OAuthSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    pub auth_base: url::Url,
    pub api_base: url::Url,
    pub redirect_uri: url::Url,
}

impl std::fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "OAuthSettings {{ client_id: {}, auth_base: {}, api_base: {} }}",
            self.client_id, self.auth_base, self.api_base
        )
    }
}

impl OAuthSettings {
    pub fn client(&self, provider: oauth::Provider) -> oauth::Client {
        oauth::Client::new(
            provider,
            oauth::ProviderConfig {
                client_id: self.client_id.clone(),
                client_secret: self.client_secret.clone(),
                auth_base: self.auth_base.clone(),
                api_base: self.api_base.clone(),
                redirect_uri: self.redirect_uri.clone(),
            },
        )
    }
}

/// Toss Payments, Connect's merchant account (optional: without it, billing answers 503).
#[derive(Clone)]
pub struct BillingConfig {
    /// `TOSS_CLIENT_KEY`: handed to the browser SDK for card registration (public).
    pub client_key: String,
    /// `TOSS_SECRET_KEY`: the API secret key.
    pub secret_key: SecretString,
    /// `TOSS_API_URL`: where the API lives (a fake in tests).
    pub api_url: url::Url,
    /// `TOSS_TIMEOUT_SECS`: the limit on one call to Toss; a charge past it is looked up by its orderId.
    pub timeout: Duration,
    /// `TOSS_SDK_URL`: the browser SDK the checkout page loads (Toss's v2 SDK; a fake in tests). Its
    /// origin is the one script origin the checkout page's CSP allows.
    pub sdk_url: url::Url,
}

/// Toss's JavaScript SDK v2 (`TossPayments(clientKey).payment({customerKey}).requestBillingAuth(…)`).
pub const DEFAULT_TOSS_SDK_URL: &str = "https://js.tosspayments.com/v2/standard";

impl std::fmt::Debug for BillingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BillingConfig {{ client_key: {}, api_url: {}, sdk_url: {} }}",
            self.client_key, self.api_url, self.sdk_url
        )
    }
}

impl BillingConfig {
    /// `None` when `TOSS_CLIENT_KEY` and `TOSS_SECRET_KEY` are both unset; one without the other is an
    /// error.
    pub fn from_source(src: &Source) -> Result<Option<Self>, ConfigError> {
        let (client_key, secret_key) = match (src.get("TOSS_CLIENT_KEY"), src.get("TOSS_SECRET_KEY")) {
            (None, None) => return Ok(None),
            (Some(client), Some(secret)) => (client, secret),
            (None, Some(_)) => {
                return Err(ConfigError::Missing {
                    name: "TOSS_CLIENT_KEY", hint: "토스페이먼츠 클라이언트 키"
                })
            }
            (Some(_), None) => {
                return Err(ConfigError::Missing { name: "TOSS_SECRET_KEY", hint: "토스페이먼츠 시크릿 키" })
            }
        };
        let api_url = src.get("TOSS_API_URL").unwrap_or("https://api.tosspayments.com");
        check_url("TOSS_API_URL", api_url, &["http", "https"])?;
        let sdk_url = src.get("TOSS_SDK_URL").unwrap_or(DEFAULT_TOSS_SDK_URL);
        check_url("TOSS_SDK_URL", sdk_url, &["http", "https"])?;
        Ok(Some(BillingConfig {
            client_key: client_key.to_string(),
            secret_key: SecretString::from(secret_key.to_string()),
            api_url: url::Url::parse(api_url).expect("checked above"),
            timeout: Duration::from_secs(src.parsed("TOSS_TIMEOUT_SECS", 30u64)?.max(1)),
            sdk_url: url::Url::parse(sdk_url).expect("checked above"),
        }))
    }

    /// The Toss client's settings.
    pub fn toss(&self) -> toss::TossConfig {
        toss::TossConfig {
            base_url: self.api_url.clone(),
            secret_key: self.secret_key.clone(),
            client_key: self.client_key.clone(),
            timeout: self.timeout,
        }
    }
}

/// Everything `connect` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseConfig,
    pub redis: RedisConfig,
    pub server: ServerConfig,
    pub secrets: Secrets,
    pub accounts: AccountsConfig,
    pub billing: Option<BillingConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("설정 오류: {name} 값이 없습니다 ({hint})")]
    Missing { name: &'static str, hint: &'static str },
    #[error("설정 오류: {name} 값이 잘못되었습니다: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("설정 파일 {path}을(를) 읽을 수 없습니다: {reason}")]
    File { path: String, reason: String },
}

/// The raw name → value source: the environment over an optional file.
pub struct Source {
    values: BTreeMap<String, String>,
}

impl Source {
    /// Reads the TOML file (if given) and then the process environment on top of it.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut values = match file {
            Some(path) => read_toml(path)?,
            None => BTreeMap::new(),
        };
        values.extend(std::env::vars());
        Ok(Source { values })
    }

    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Source { values: pairs.into_iter().collect() }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn required(&self, name: &'static str, hint: &'static str) -> Result<&str, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing { name, hint })
    }

    fn parsed<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|e: T::Err| ConfigError::Invalid { name, reason: e.to_string() }),
        }
    }

    fn url(&self, name: &'static str, schemes: &[&str], hint: &'static str) -> Result<SecretUrl, ConfigError> {
        let raw = self.required(name, hint)?;
        check_url(name, raw, schemes)?;
        Ok(SecretUrl(SecretString::from(raw.to_string())))
    }
}

fn read_toml(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let file_error = |reason: String| ConfigError::File { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| file_error(e.message().to_string()))?;
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => return Err(file_error(format!("{key}: 문자열이나 숫자가 아닙니다 ({})", other.type_str()))),
            };
            Ok((key.to_ascii_uppercase(), value))
        })
        .collect()
}

fn check_url(name: &'static str, raw: &str, schemes: &[&str]) -> Result<(), ConfigError> {
    let url = url::Url::parse(raw)
        .map_err(|e| ConfigError::Invalid { name, reason: format!("URL이 아닙니다 ({e})") })?;
    if !schemes.contains(&url.scheme()) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("스킴 '{}' 대신 {} 중 하나여야 합니다", url.scheme(), schemes.join(", ")),
        });
    }
    Ok(())
}

const PG_SCHEMES: &[&str] = &["postgres", "postgresql"];
const REDIS_SCHEMES: &[&str] = &["redis", "rediss", "unix", "redis+unix"];

impl DatabaseConfig {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        let url = src.url("DATABASE_URL", PG_SCHEMES, "예: postgresql://connect@127.0.0.1:6432/connect")?;
        let direct_url = match src.get("DATABASE_DIRECT_URL") {
            Some(_) => src.url("DATABASE_DIRECT_URL", PG_SCHEMES, "")?,
            None => url.clone(),
        };
        let pool_size = src.parsed("DATABASE_POOL_SIZE", 16usize)?;
        if pool_size == 0 {
            return Err(ConfigError::Invalid {
                name: "DATABASE_POOL_SIZE", reason: "1 이상이어야 합니다".into()
            });
        }
        let timeout_ms = src.parsed("DATABASE_QUERY_TIMEOUT_MS", 5_000u64)?;
        Ok(DatabaseConfig {
            url,
            direct_url,
            pool_size,
            query_timeout: Duration::from_millis(timeout_ms),
            pool_wait: Duration::from_millis(src.parsed("DATABASE_POOL_WAIT_MS", 2_000u64)?),
        })
    }
}

impl RedisConfig {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        Ok(RedisConfig {
            cache_url: src.url("REDIS_CACHE_URL", REDIS_SCHEMES, "예: redis://127.0.0.1:6379")?,
            queue_url: src.url("REDIS_QUEUE_URL", REDIS_SCHEMES, "예: redis://127.0.0.1:6380")?,
            key_prefix: src.get("REDIS_KEY_PREFIX").unwrap_or("connect").to_string(),
        })
    }
}

impl ServerConfig {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        Ok(ServerConfig {
            listen: src.parsed("CONNECT_LISTEN", Listen::Tcp(SocketAddr::from(([127, 0, 0, 1], 8080))))?,
            shutdown_timeout: Duration::from_secs(src.parsed("CONNECT_SHUTDOWN_TIMEOUT_SECS", 10u64)?),
            upstream_idle: Duration::from_secs(src.parsed("CONNECT_UPSTREAM_IDLE_SECS", 5u64)?),
            index_dir: PathBuf::from(src.get("CONNECT_INDEX_DIR").unwrap_or("var/search-index")),
            index_sync_interval: Duration::from_millis(src.parsed("CONNECT_INDEX_SYNC_MS", 1_000u64)?.max(50)),
        })
    }
}

impl Secrets {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        let jwt = src.required("JWT_SECRET", "openssl rand -hex 32 로 만드세요")?;
        if jwt.len() < 32 {
            return Err(ConfigError::Invalid { name: "JWT_SECRET", reason: "32자 이상이어야 합니다".into() });
        }
        let key = src.required("ENCRYPTION_KEY", "openssl rand -hex 32 로 만드세요")?;
        encryption_key_bytes(key).map_err(|reason| ConfigError::Invalid { name: "ENCRYPTION_KEY", reason })?;
        let previous_keys = src.get("ENCRYPTION_PREVIOUS_KEYS").unwrap_or("").to_string();
        let secrets = Secrets {
            jwt_secret: SecretString::from(jwt.to_string()),
            encryption_key: SecretString::from(key.to_string()),
            encryption_key_version: src.parsed("ENCRYPTION_KEY_VERSION", 1u8)?,
            previous_keys: SecretString::from(previous_keys),
        };
        secrets
            .keyring()
            .map_err(|e| ConfigError::Invalid { name: "ENCRYPTION_PREVIOUS_KEYS", reason: e.to_string() })?;
        Ok(secrets)
    }

    /// The key ring for personal data: `ENCRYPTION_KEY` under `ENCRYPTION_KEY_VERSION` (default 1), and
    /// during a rotation the retired keys as `ENCRYPTION_PREVIOUS_KEYS=1:<64 hex>,2:<64 hex>`.
    pub fn keyring(&self) -> anyhow::Result<vault::Keyring> {
        let current = encryption_key_bytes(self.encryption_key.expose_secret()).map_err(anyhow::Error::msg)?;
        let mut previous = Vec::new();
        for entry in self.previous_keys.expose_secret().split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (version, key) = entry.split_once(':').ok_or_else(|| anyhow::anyhow!("'버전:키' 형식이 아닙니다"))?;
            let version: u8 = version.trim().parse().map_err(|_| anyhow::anyhow!("키 버전은 0–255 숫자여야 합니다"))?;
            let key = encryption_key_bytes(key.trim()).map_err(anyhow::Error::msg)?;
            previous.push((version, vault::MasterKey::from_bytes(key)));
        }
        vault::Keyring::new((self.encryption_key_version, vault::MasterKey::from_bytes(current)), previous)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// An AES-256 key is 32 bytes: given as 64 hex digits, or as exactly 32 characters (the spec's form).
pub fn encryption_key_bytes(key: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    if key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
        for (i, chunk) in key.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).map_err(|e| e.to_string())?;
            out[i] = u8::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
        }
        Ok(out)
    } else if key.len() == 32 {
        out.copy_from_slice(key.as_bytes());
        Ok(out)
    } else {
        Err(format!("32바이트 키가 필요합니다: 16진수 64자 또는 32자 (지금 {}자)", key.len()))
    }
}

impl Config {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        Ok(Config {
            database: DatabaseConfig::from_source(src)?,
            redis: RedisConfig::from_source(src)?,
            server: ServerConfig::from_source(src)?,
            secrets: Secrets::from_source(src)?,
            accounts: AccountsConfig::from_source(src)?,
            billing: BillingConfig::from_source(src)?,
        })
    }
}

impl AccountsConfig {
    pub fn from_source(src: &Source) -> Result<Self, ConfigError> {
        let public_url = src.get("CONNECT_PUBLIC_URL").unwrap_or("http://127.0.0.1:8080");
        check_url("CONNECT_PUBLIC_URL", public_url, &["http", "https"])?;
        let public_url = url::Url::parse(public_url).expect("checked above");
        let smtp_url = match src.get("SMTP_URL") {
            Some(_) => Some(src.url("SMTP_URL", &["smtp", "smtps"], "")?),
            None => None,
        };
        let mut oauth = Vec::new();
        for vars in [KAKAO, NAVER] {
            if let Some(settings) = OAuthSettings::from_source(src, &vars, &public_url)? {
                oauth.push((vars.provider, settings));
            }
        }
        let minutes = |name: &'static str, default: i64| -> Result<chrono::Duration, ConfigError> {
            Ok(chrono::Duration::minutes(src.parsed(name, default)?.max(1)))
        };
        Ok(AccountsConfig {
            cookie_secure: src.parsed("CONNECT_COOKIE_SECURE", true)?,
            trust_proxy: src.parsed("CONNECT_TRUST_PROXY", false)?,
            auth_rate_per_minute: src.parsed("CONNECT_AUTH_RATE_PER_MINUTE", 10u32)?.max(1),
            session_ttl: minutes("CONNECT_SESSION_TTL_MINUTES", 14 * 24 * 60)?,
            token_ttl: minutes("CONNECT_TOKEN_TTL_MINUTES", 15)?,
            smtp_url,
            mail_from: src.get("MAIL_FROM").unwrap_or("Connect <no-reply@connect.kr>").to_string(),
            oauth,
            upload_dir: PathBuf::from(src.get("CONNECT_UPLOAD_DIR").unwrap_or("var/uploads")),
            upload_max_bytes: src.parsed("CONNECT_UPLOAD_MAX_MB", 100u64)? * 1024 * 1024,
            public_url,
        })
    }
}

/// A login provider's variables and its documented hosts.
struct ProviderVars {
    provider: oauth::Provider,
    client_id: &'static str,
    client_secret: &'static str,
    auth_url: (&'static str, &'static str),
    api_url: (&'static str, &'static str),
}

const KAKAO: ProviderVars = ProviderVars {
    provider: oauth::Provider::Kakao,
    client_id: "KAKAO_CLIENT_ID",
    client_secret: "KAKAO_CLIENT_SECRET",
    auth_url: ("KAKAO_AUTH_URL", "https://kauth.kakao.com"),
    api_url: ("KAKAO_API_URL", "https://kapi.kakao.com"),
};

const NAVER: ProviderVars = ProviderVars {
    provider: oauth::Provider::Naver,
    client_id: "NAVER_CLIENT_ID",
    client_secret: "NAVER_CLIENT_SECRET",
    auth_url: ("NAVER_AUTH_URL", "https://nid.naver.com"),
    api_url: ("NAVER_API_URL", "https://openapi.naver.com"),
};

impl OAuthSettings {
    /// A provider is enabled when its client id is set; its secret is then required.
    fn from_source(src: &Source, vars: &ProviderVars, public_url: &url::Url) -> Result<Option<Self>, ConfigError> {
        let Some(client_id) = src.get(vars.client_id) else {
            return Ok(None);
        };
        let secret = src.required(vars.client_secret, "OAuth 앱의 Client Secret")?;
        let base = |(name, default): (&'static str, &'static str)| -> Result<url::Url, ConfigError> {
            let raw = src.get(name).unwrap_or(default);
            check_url(name, raw, &["http", "https"])?;
            Ok(url::Url::parse(raw).expect("checked above"))
        };
        let redirect_uri = public_url
            .join(&format!("/api/auth/oauth/{}/callback", vars.provider.as_str()))
            .map_err(|e| ConfigError::Invalid { name: "CONNECT_PUBLIC_URL", reason: e.to_string() })?;
        Ok(Some(OAuthSettings {
            client_id: client_id.to_string(),
            client_secret: SecretString::from(secret.to_string()),
            auth_base: base(vars.auth_url)?,
            api_base: base(vars.api_url)?,
            redirect_uri,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(pairs: &[(&str, &str)]) -> Source {
        Source::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    const FULL: &[(&str, &str)] = &[
        ("DATABASE_URL", "postgresql://connect:hunter2@127.0.0.1:6432/connect"),
        ("REDIS_CACHE_URL", "redis://:cachepw@127.0.0.1:6379"),
        ("REDIS_QUEUE_URL", "redis://127.0.0.1:6380"),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("ENCRYPTION_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"),
    ];

    #[test]
    fn a_complete_environment_parses_with_defaults() {
        let config = Config::from_source(&source(FULL)).unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database.pool_size, 16);
        assert_eq!(config.database.direct_url.expose(), config.database.url.expose());
    }

    #[test]
    fn a_missing_variable_is_named() {
        let pairs: Vec<_> = FULL.iter().filter(|(k, _)| *k != "REDIS_QUEUE_URL").copied().collect();
        let err = Config::from_source(&source(&pairs)).unwrap_err().to_string();
        assert!(err.contains("REDIS_QUEUE_URL"), "{err}");
    }

    #[test]
    fn malformed_values_are_named() {
        let mut pairs = FULL.to_vec();
        pairs.push(("DATABASE_POOL_SIZE", "many"));
        let err = Config::from_source(&source(&pairs)).unwrap_err().to_string();
        assert!(err.contains("DATABASE_POOL_SIZE"), "{err}");

        let mut pairs = FULL.to_vec();
        pairs[0] = ("DATABASE_URL", "mysql://x@y/z");
        let err = Config::from_source(&source(&pairs)).unwrap_err().to_string();
        assert!(err.contains("DATABASE_URL") && err.contains("mysql"), "{err}");

        let mut pairs = FULL.to_vec();
        pairs[4] = ("ENCRYPTION_KEY", "short");
        let err = Config::from_source(&source(&pairs)).unwrap_err().to_string();
        assert!(err.contains("ENCRYPTION_KEY"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = Config::from_source(&source(FULL)).unwrap();
        let debug = format!("{config:?}");
        for secret in ["hunter2", "cachepw", "0123456789abcdef0123456789abcdef", "00112233"] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
        }
        assert!(debug.contains("connect:***@127.0.0.1:6432"), "{debug}");
    }

    #[test]
    fn billing_is_optional_but_needs_both_keys() {
        assert!(Config::from_source(&source(FULL)).unwrap().billing.is_none());
        let mut pairs = FULL.to_vec();
        pairs.push(("TOSS_SECRET_KEY", "test_sk_very_secret"));
        let err = Config::from_source(&source(&pairs)).unwrap_err().to_string();
        assert!(err.contains("TOSS_CLIENT_KEY"), "{err}");
        pairs.push(("TOSS_CLIENT_KEY", "test_ck_public"));
        let config = Config::from_source(&source(&pairs)).unwrap();
        let billing = config.billing.as_ref().unwrap();
        assert_eq!(billing.api_url.as_str(), "https://api.tosspayments.com/");
        assert_eq!(billing.timeout, Duration::from_secs(30));
        assert_eq!(billing.sdk_url.as_str(), DEFAULT_TOSS_SDK_URL);
        assert!(!format!("{config:?}").contains("very_secret"));
        let mut sdk = pairs.clone();
        sdk.push(("TOSS_SDK_URL", "javascript:alert(1)"));
        assert!(Config::from_source(&source(&sdk)).unwrap_err().to_string().contains("TOSS_SDK_URL"));
        pairs.push(("TOSS_API_URL", "ftp://toss"));
        assert!(Config::from_source(&source(&pairs)).unwrap_err().to_string().contains("TOSS_API_URL"));
    }

    #[test]
    fn listen_accepts_tcp_and_unix_sockets() {
        assert_eq!(
            "unix:/run/connect/connect.sock".parse::<Listen>().unwrap(),
            Listen::Unix("/run/connect/connect.sock".into())
        );
        assert!("unix:".parse::<Listen>().is_err());
        assert!("localhost".parse::<Listen>().is_err());
    }

    #[test]
    fn the_toml_file_is_overridden_by_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connect.toml");
        std::fs::write(&path, "database_pool_size = 4\nCONNECT_LISTEN = \"unix:/tmp/c.sock\"\n").unwrap();
        let mut src = Source::load(Some(&path)).unwrap();
        src.values.extend(FULL.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_source(&src).unwrap();
        assert_eq!(config.database.pool_size, 4);
        assert_eq!(config.server.listen, Listen::Unix("/tmp/c.sock".into()));
    }
}
