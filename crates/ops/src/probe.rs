//! Small checks of a running service: a port that accepts, a protocol answer, a live pid; an HTTP
//! GET with its body and a few Redis commands for `connect health`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

const TIMEOUT: Duration = Duration::from_secs(3);

fn address(host: &str, port: u16) -> Result<SocketAddr> {
    (host, port).to_socket_addrs()?.next().with_context(|| format!("{host}:{port} does not resolve"))
}

/// Something accepts TCP connections on `host:port`.
pub fn tcp_open(host: &str, port: u16) -> bool {
    address(host, port).is_ok_and(|a| TcpStream::connect_timeout(&a, TIMEOUT).is_ok())
}

fn exchange(mut stream: impl Read + Write, request: &[u8]) -> Result<String> {
    stream.write_all(request)?;
    let mut buf = vec![0; 512];
    let n = stream.read(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Redis answers PING, with PONG or by asking for the password (it is alive either way).
pub fn redis_ping(host: &str, port: u16) -> Result<String> {
    let stream = TcpStream::connect_timeout(&address(host, port)?, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let answer = exchange(stream, b"PING\r\n")?;
    let answer = answer.trim();
    if answer.starts_with("+PONG") || answer.starts_with("-NOAUTH") {
        Ok(answer.to_string())
    } else {
        bail!("unexpected answer to PING: {answer}")
    }
}

/// The status code of `GET path` over a unix socket.
pub fn http_unix(socket: &Path, path: &str) -> Result<u16> {
    let stream = UnixStream::connect(socket).with_context(|| format!("{}", socket.display()))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    status(&exchange(
        stream,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )?)
}

/// The status code of `GET path` on `host:port`.
pub fn http_tcp(host: &str, port: u16, path: &str) -> Result<u16> {
    let stream = TcpStream::connect_timeout(&address(host, port)?, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    status(&exchange(stream, format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())?)
}

/// `GET path` over a unix socket: the status code and the body.
pub fn get_unix(socket: &Path, path: &str) -> Result<(u16, String)> {
    let stream = UnixStream::connect(socket).with_context(|| format!("{}", socket.display()))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    get(stream, "localhost", path)
}

/// `GET path` on `host:port`: the status code and the body.
pub fn get_tcp(host: &str, port: u16, path: &str) -> Result<(u16, String)> {
    let stream = TcpStream::connect_timeout(&address(host, port)?, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    get(stream, host, path)
}

fn get(mut stream: impl Read + Write, host: &str, path: &str) -> Result<(u16, String)> {
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked")
    });
    Ok((status(head)?, if chunked { dechunk(body) } else { body.to_string() }))
}

/// The body of a `Transfer-Encoding: chunked` response.
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        body.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    body
}

/// A Redis URL's parts: `redis://[user]:password@host:port[/db]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTarget {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl RedisTarget {
    pub fn parse(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("redis://").with_context(|| "not a redis:// URL".to_string())?;
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((c, a)) => (Some(c), a),
            None => (None, rest),
        };
        let address = address.split('/').next().unwrap_or("");
        let (host, port) = match address.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().with_context(|| format!("bad port in redis URL: '{p}'"))?),
            None => (address, 6379),
        };
        let (user, password) = match credentials.map(|c| c.split_once(':').unwrap_or((c, ""))) {
            Some((user, password)) => {
                ((!user.is_empty()).then(|| user.to_string()), (!password.is_empty()).then(|| password.to_string()))
            }
            None => (None, None),
        };
        Ok(RedisTarget { host: if host.is_empty() { "127.0.0.1".into() } else { host.into() }, port, user, password })
    }
}

/// `INFO section` after AUTH and PING: the `name:value` lines as pairs.
pub fn redis_info(target: &RedisTarget, section: &str) -> Result<Vec<(String, String)>> {
    let stream = TcpStream::connect_timeout(&address(&target.host, target.port)?, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut conn = BufReader::new(stream);
    if let Some(password) = &target.password {
        let mut auth = vec!["AUTH"];
        auth.extend(target.user.as_deref());
        auth.push(password);
        resp(&mut conn, &auth)?;
    }
    let pong = resp(&mut conn, &["PING"])?;
    if pong != "PONG" {
        bail!("unexpected answer to PING: {pong}");
    }
    let info = resp(&mut conn, &["INFO", section])?;
    Ok(info
        .lines()
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect())
}

/// One command in RESP; the simple or bulk string answer, an error for `-ERR …`.
fn resp(conn: &mut BufReader<TcpStream>, args: &[&str]) -> Result<String> {
    let mut request = format!("*{}\r\n", args.len());
    for arg in args {
        request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
    }
    conn.get_mut().write_all(request.as_bytes())?;
    let mut line = String::new();
    conn.read_line(&mut line)?;
    let line = line.trim_end();
    match line.split_at_checked(1) {
        Some(("+", text)) | Some((":", text)) => Ok(text.to_string()),
        Some(("-", error)) => bail!("{error}"),
        Some(("$", len)) => {
            let len: i64 = len.parse().with_context(|| format!("bad bulk length '{len}'"))?;
            if len < 0 {
                return Ok(String::new());
            }
            let mut body = vec![0; len as usize + 2];
            conn.read_exact(&mut body)?;
            body.truncate(len as usize);
            Ok(String::from_utf8_lossy(&body).into_owned())
        }
        _ => bail!("not a Redis answer: '{line}'"),
    }
}

fn status(response: &str) -> Result<u16> {
    let line = response.lines().next().unwrap_or("");
    line.split_whitespace().nth(1).and_then(|c| c.parse().ok()).with_context(|| format!("not HTTP: '{line}'"))
}

/// The pid in the first line of a pid file, when that process is alive.
pub fn pid_from_file(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

/// Processes running `program` (an absolute path, or a bare name) with `arg` among their arguments.
pub fn pids_running(program: &Path, arg: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let wanted = program.to_string_lossy();
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<String> =
                cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            args.first().is_some_and(|first| *first == *wanted) && args.iter().skip(1).any(|a| a == arg)
        })
        .collect();
    pids.sort();
    pids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_status_lines_are_read() {
        assert_eq!(status("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").unwrap(), 200);
        assert!(status("SSH-2.0-OpenSSH").is_err());
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("7\r\n{\"a\":1,\r\n4\r\n\"b\":\r\n2\r\n2}\r\n0\r\n\r\n"), "{\"a\":1,\"b\":2}");
    }

    #[test]
    fn redis_urls_give_address_and_credentials() {
        let t = RedisTarget::parse("redis://:s3cret@127.0.0.1:6380").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.user, t.password.as_deref()), ("127.0.0.1", 6380, None, Some("s3cret")));
        let t = RedisTarget::parse("redis://app:pw@cache.local/2").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.user.as_deref()), ("cache.local", 6379, Some("app")));
        assert_eq!(RedisTarget::parse("redis://127.0.0.1:7000").unwrap().password, None);
        assert!(RedisTarget::parse("http://x").is_err());
    }

    #[test]
    fn this_process_is_found_by_its_pid_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.pid");
        std::fs::write(&file, format!("{}\n/var/lib/x\n", std::process::id())).unwrap();
        assert_eq!(pid_from_file(&file), Some(std::process::id()));
        std::fs::write(&file, "999999999\n").unwrap();
        assert_eq!(pid_from_file(&file), None);
        assert!(!tcp_open("127.0.0.1", crate::cluster::free_port(0).unwrap()));
    }
}
