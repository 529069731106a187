//! A counting HTTP forward proxy, for tests of what Tributary sends through `outbound_proxy` or
//! `HTTP_PROXY`: it answers each absolute-form request (`GET http://host:port/path HTTP/1.1`)
//! by asking `host:port` itself (HTTP/1.0, one request per connection), and counts by target
//! ([`FixtureServer::all_requests`] is keyed by the whole URL).

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use crate::fixture_server::{FixtureServer, Request, Response};

/// Starts the proxy.
pub fn start() -> FixtureServer {
    FixtureServer::start("forward-proxy", |request, _| forward(request))
}

fn forward(request: &Request) -> Response {
    let Some(rest) = request.path.strip_prefix("http://") else {
        return Response::text(400, "this proxy forwards absolute http:// URLs only");
    };
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let target = if request.query.is_empty() { path } else { format!("{path}?{}", request.query) };
    let Ok(mut stream) = TcpStream::connect(authority) else { return Response::text(502, "the origin is down") };
    let head =
        format!("{} {target} HTTP/1.0\r\nHost: {authority}\r\nAccept-Encoding: identity\r\n\r\n", request.method);
    if stream.write_all(head.as_bytes()).is_err() {
        return Response::text(502, "the origin hung up");
    }
    let mut answer = Vec::new();
    if stream.read_to_end(&mut answer).is_err() {
        return Response::text(502, "the origin hung up");
    }
    let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Response::text(502, "the origin's answer has no head");
    };
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(502);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let content_type =
        if content_type.starts_with("application/json") { "application/json" } else { "application/octet-stream" };
    Response::new(status, content_type, answer[split + 4..].to_vec())
}
