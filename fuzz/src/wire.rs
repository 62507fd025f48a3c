//! A raw HTTP/1.1 client: the request goes out byte for byte as the target built it, so the
//! server's own parsers (hyper's, then ours) see what a hostile client could send.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long one request may take before the target reports a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A response as read off the socket.
#[derive(Debug)]
pub struct Response {
    /// The status code; 0 when the server closed the connection without a status line.
    pub status: u16,
    /// The header block, as sent.
    pub head: String,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The first value of header `name` (compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// What a failed property prints: status, head and (the start of) the body.
    pub fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(2000).collect();
        format!("{}\n{}", self.head, body)
    }
}

/// Sends `method target` with `headers` (each `Name: value`, no line end) and `body` to
/// `addr` on a fresh connection, and reads the whole response.
pub fn send(
    addr: SocketAddr,
    method: &[u8],
    target: &[u8],
    headers: &[Vec<u8>],
    body: &[u8],
) -> Response {
    let mut request = Vec::with_capacity(256 + body.len());
    request.extend_from_slice(method);
    request.push(b' ');
    request.extend_from_slice(target);
    request.extend_from_slice(b" HTTP/1.1\r\n");
    request.extend_from_slice(format!("Host: {addr}\r\nConnection: close\r\n").as_bytes());
    for header in headers {
        request.extend_from_slice(header);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    request.extend_from_slice(body);

    let mut stream = TcpStream::connect(addr).expect("the service accepts a connection");
    stream
        .set_read_timeout(Some(REQUEST_TIMEOUT))
        .expect("a read timeout");
    // The server may answer (and close) before reading everything, e.g. on a bad head.
    let _ = stream.write_all(&request);
    let mut raw = Vec::new();
    if let Err(error) = stream.read_to_end(&mut raw) {
        assert!(
            error.kind() != std::io::ErrorKind::WouldBlock
                && error.kind() != std::io::ErrorKind::TimedOut,
            "no answer within {REQUEST_TIMEOUT:?}"
        );
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let Some(split) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
        return Response {
            status: 0,
            head: String::from_utf8_lossy(raw).into_owned(),
            body: Vec::new(),
        };
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let rest = &raw[split + 4..];
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Response { status, head, body }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|window| window == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        let start = line_end + 2;
        if size == 0 || start + size > rest.len() {
            break;
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[(start + size + 2).min(rest.len())..];
    }
    body
}

/// Splits an input at its first `\n`: the first line and the rest.
pub fn first_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&byte| byte == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &[]),
    }
}

/// Splits `METHOD target` at its first space; a line without one is a `GET`.
pub fn method_and_target(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&byte| byte == b' ') {
        Some(space) => (&line[..space], &line[space + 1..]),
        None => (b"GET", line),
    }
}


/// Whether a response of status 0 (the connection closed without an answer) is hyper's doing
/// for a request target that is not a path at all (`POST [ HTTP/1.1`): that happens before
/// any service code runs (an open finding of the listener, docs/FUZZING.md). For a target
/// that starts with `/`, no answer is a failure.
pub fn answered_or_not_a_path(response: &Response, target: &[u8]) -> bool {
    response.status != 0 || !target.starts_with(b"/")
}
