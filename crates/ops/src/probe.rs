//! Small checks of a running service: a port that accepts, a protocol answer, a live pid.

use std::io::{Read, Write};
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
