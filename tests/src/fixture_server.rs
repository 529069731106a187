//! The HTTP/1.1 server under the local stand-ins for public registries ([`crate::npm_fixture`],
//! [`crate::pypi_fixture`], [`crate::maven_fixture`]): each fixture is a [`Fixture`] of what it
//! serves, and supplies only its routes, from a [`Request`] to a [`Response`].
//!
//! - [`FixtureServer::start`] serves on `127.0.0.1:<free port>`, on its own thread and
//!   current-thread Tokio runtime, so it keeps serving while a test blocks its own threads on a
//!   client process; it stops when dropped.
//! - The handler answers `GET` and `HEAD` (the body of a `HEAD` or `304` answer is left out). The
//!   fixtures only read: any other method is answered `405` at once, without waiting for its body
//!   (a client may wait for `100 Continue` first), and the connection closed.
//! - Connections are kept alive unless the client says `Connection: close` or speaks HTTP/1.0.
//! - It counts the requests it answered per path (percent-decoded, without the query) and logs
//!   each with its headers, so a test can assert what an upstream fetch asked.
//! - [`FixtureServer::set_mode`] switches it at runtime: [`Mode::Up`], [`Mode::Down`] (every
//!   connection is closed as soon as it is accepted or its next request arrives: nothing is
//!   answered, nothing counted), [`Mode::Slow`] (each answer waits first), [`Mode::Error500`].

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How a fixture answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Normally.
    #[default]
    Up,
    /// Not at all: connections are closed without an answer.
    Down,
    /// Normally, after waiting this long.
    Slow(Duration),
    /// `500 Internal Server Error` to everything.
    Error500,
}

/// One request a fixture answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`...
    pub method: String,
    /// The percent-decoded path, without the query, with its leading `/`.
    pub path: String,
    /// The query string as sent, without its `?` (empty when none).
    pub query: String,
    /// The headers as sent, names lowercase.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of the header `name` (lowercase), the last one when sent more than once.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().rev().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }
}

/// What a fixture answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code (the reason phrase follows from it).
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// More headers, written after `Content-Type` and `Content-Length`.
    pub headers: Vec<(&'static str, String)>,
    /// The body (its length is the `Content-Length`, also for `HEAD` and `304`).
    pub body: Vec<u8>,
}

impl Response {
    /// `status` with `body` of `content_type`.
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self { status, content_type, headers: Vec::new(), body: body.into() }
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, body: &str) -> Self {
        Self::new(status, "text/plain; charset=utf-8", body)
    }

    /// Adds the header `name: value`.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The reason phrase of [`Response::status`].
    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            301 => "Moved Permanently",
            304 => "Not Modified",
            404 => "Not Found",
            405 => "Method Not Allowed",
            500 => "Internal Server Error",
            _ => "",
        }
    }

    /// The answer on the wire: without the body for a `HEAD` request or a `304`.
    fn to_bytes(&self, method: &str, close: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 256);
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            self.reason(),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        let _ = write!(out, "Connection: {}\r\n\r\n", if close { "close" } else { "keep-alive" });
        if method != "HEAD" && self.status != 304 {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// A fixture's routes: the answer to a `GET` or `HEAD` request, given the server's own URL
/// (`http://127.0.0.1:PORT`, for links back to it).
type Handler = dyn Fn(&Request, &str) -> Response + Send + Sync;

/// What the server saw, and how it answers.
#[derive(Debug, Default)]
struct Traffic {
    mode: Mode,
    counts: BTreeMap<String, usize>,
    log: Vec<Request>,
    /// When each request of `log` was counted (before it was answered).
    times: Vec<std::time::Instant>,
}

/// A fixture upstream: what it serves (`S`) and the [`FixtureServer`] answering from it, to which
/// it derefs (`url()`, the [`Mode`]s, the requests it answered); it stops serving when dropped.
#[derive(Debug)]
pub struct Fixture<S> {
    state: Arc<S>,
    server: FixtureServer,
}

impl<S: Send + Sync + 'static> Fixture<S> {
    /// Serves `state` with `routes` (a request, the state, and the server's own URL for links back
    /// to it) on a free port of 127.0.0.1, [`Mode::Up`]; `name` names the fixture in messages.
    pub(crate) fn serve(name: &str, state: S, routes: fn(&Request, &S, &str) -> Response) -> Self {
        let state = Arc::new(state);
        let serving = state.clone();
        let server = FixtureServer::start(name, move |request, url| routes(request, &serving, url));
        Self { state, server }
    }

    /// What it serves.
    pub(crate) fn state(&self) -> &S {
        &self.state
    }
}

impl<S> std::ops::Deref for Fixture<S> {
    type Target = FixtureServer;

    fn deref(&self) -> &FixtureServer {
        &self.server
    }
}

/// Locks `mutex`, whether or not a panicking test poisoned it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A fixture's server, serving until dropped.
#[derive(Debug)]
pub struct FixtureServer {
    port: u16,
    traffic: Arc<Mutex<Traffic>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FixtureServer {
    /// Starts serving with `handler`, [`Mode::Up`], on a free port of 127.0.0.1; `name` names
    /// the fixture in messages and its thread.
    pub fn start<H>(name: &str, handler: H) -> Self
    where
        H: Fn(&Request, &str) -> Response + Send + Sync + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind a port for the {name} fixture: {e}"));
        listener.set_nonblocking(true).expect("cannot make the fixture's socket non-blocking");
        let port = listener.local_addr().expect("a bound socket has an address").port();
        let traffic = Arc::new(Mutex::new(Traffic::default()));
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let serving = traffic.clone();
        let handler: Arc<Handler> = Arc::new(handler);
        let thread = std::thread::Builder::new()
            .name(format!("{}-fixture-{port}", name.to_ascii_lowercase()))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fixture's runtime builds");
                runtime.block_on(serve(listener, serving, handler, port, stop));
            })
            .expect("cannot start the fixture's thread");
        Self { port, traffic, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        url_of(self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Switches how it answers from now on (connections already answering finish).
    pub fn set_mode(&self, mode: Mode) {
        lock(&self.traffic).mode = mode;
    }

    /// How it answers now.
    pub fn mode(&self) -> Mode {
        lock(&self.traffic).mode
    }

    /// How many requests for `path` (percent-decoded, without the query; the leading `/` may be
    /// left out) it answered, whatever the answer.
    pub fn requests(&self, path: &str) -> usize {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        lock(&self.traffic).counts.get(&path).copied().unwrap_or(0)
    }

    /// Every answered request: path (with its leading `/`) → count.
    pub fn all_requests(&self) -> BTreeMap<String, usize> {
        lock(&self.traffic).counts.clone()
    }

    /// How many requests it answered in all.
    pub fn total_requests(&self) -> usize {
        lock(&self.traffic).counts.values().sum()
    }

    /// Every answered request, in order, with its headers.
    pub fn request_log(&self) -> Vec<Request> {
        lock(&self.traffic).log.clone()
    }

    /// Every answered request, in order, with when it was counted (before it was answered).
    pub fn timed_request_log(&self) -> Vec<(std::time::Instant, Request)> {
        let traffic = lock(&self.traffic);
        traffic.times.iter().copied().zip(traffic.log.iter().cloned()).collect()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn url_of(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// Decodes `%XX` escapes (npm escapes the `/` of a scoped name as `%2f`, sometimes `@` as `%40`).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok())
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn serve(
    listener: std::net::TcpListener,
    traffic: Arc<Mutex<Traffic>>,
    handler: Arc<Handler>,
    port: u16,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("the fixture's socket joins the runtime");
    let url: Arc<str> = url_of(port).into();
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if lock(&traffic).mode == Mode::Down {
                    drop(stream);
                    continue;
                }
                tokio::spawn(connection(stream, traffic.clone(), handler.clone(), url.clone()));
            }
        }
    }
}

/// A request head: the request, its `Content-Length`, and whether the connection closes after it.
fn parse_head(head: &str) -> Option<(Request, usize, bool)> {
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    let mut close = request_line.next().is_some_and(|version| version == "HTTP/1.0");
    let path = percent_decode(target.split('?').next().unwrap_or_default());
    let query = target.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    let mut content_length = 0;
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        match name.as_str() {
            "content-length" => content_length = value.parse().unwrap_or(0),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
        headers.push((name, value));
    }
    Some((Request { method, path, query, headers }, content_length, close))
}

/// Reads what `stream` has next into `buffer`; false when the connection ended.
async fn read_more(stream: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 8192];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

async fn connection(
    mut stream: tokio::net::TcpStream,
    traffic: Arc<Mutex<Traffic>>,
    handler: Arc<Handler>,
    url: Arc<str>,
) {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        // Read one request head.
        let end = loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buffer.len() > 64 * 1024 || !read_more(&mut stream, &mut buffer).await {
                return;
            }
        };
        let Some((request, content_length, mut close)) = parse_head(&String::from_utf8_lossy(&buffer[..end])) else {
            return;
        };
        buffer.drain(..end);
        let reads = request.method == "GET" || request.method == "HEAD";
        if reads {
            // Skip a body (there should be none).
            while buffer.len() < content_length {
                if !read_more(&mut stream, &mut buffer).await {
                    return;
                }
            }
            buffer.drain(..content_length);
        } else {
            // Answer without waiting for the body, and close.
            close = true;
        }

        let mode = {
            let mut traffic = lock(&traffic);
            if traffic.mode == Mode::Down {
                return;
            }
            *traffic.counts.entry(request.path.clone()).or_default() += 1;
            traffic.log.push(request.clone());
            traffic.times.push(std::time::Instant::now());
            traffic.mode
        };
        if let Mode::Slow(delay) = mode {
            tokio::time::sleep(delay).await;
        }
        let response = if mode == Mode::Error500 {
            Response::text(500, "the fixture is set to fail\n")
        } else if !reads {
            Response::text(405, "the fixture only reads\n")
        } else {
            handler(&request, &url)
        };
        if stream.write_all(&response.to_bytes(&request.method, close)).await.is_err() || close {
            return;
        }
    }
}

/// Switches `server` through every [`Mode`], asking `url` (which answers `200` when up) each
/// time: `500`; `200` after the delay; no answer on a kept-alive connection nor a new one, and
/// nothing counted; `200` again. Three requests are answered (and counted).
#[cfg(test)]
pub(crate) async fn assert_switches_modes(server: &FixtureServer, url: &str) {
    let client = || reqwest::Client::builder().no_proxy().build().expect("a plain reqwest client builds");
    let kept_alive = client();
    server.set_mode(Mode::Error500);
    assert_eq!(kept_alive.get(url).send().await.expect("an answer").status(), 500);
    server.set_mode(Mode::Slow(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    assert_eq!(kept_alive.get(url).send().await.expect("an answer").status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    server.set_mode(Mode::Down);
    let before = server.total_requests();
    assert!(kept_alive.get(url).send().await.is_err(), "a down fixture answered");
    assert!(client().get(url).send().await.is_err(), "a down fixture answered a new connection");
    assert_eq!(server.total_requests(), before, "refused requests are not counted");
    server.set_mode(Mode::Up);
    assert_eq!(kept_alive.get(url).send().await.expect("an answer").status(), 200);
}

/// Runs `command`, a real client using `server`, which must succeed (the failure message lists
/// what `server` was asked); returns its standard output.
#[cfg(test)]
pub(crate) fn run_ok(command: &mut std::process::Command, server: &FixtureServer) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{stdout}\n{}\nfixture requests: {:?}",
        String::from_utf8_lossy(&output.stderr),
        server.all_requests()
    );
    stdout
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_paths() {
        assert_eq!(percent_decode("/@acme%2flib"), "/@acme/lib");
        assert_eq!(percent_decode("/%40acme%2Flib"), "/@acme/lib");
        assert_eq!(percent_decode("/left-pad/-/left-pad-1.3.0.tgz"), "/left-pad/-/left-pad-1.3.0.tgz");
        assert_eq!(percent_decode("/bad%"), "/bad%");
    }

    #[test]
    fn parses_request_heads() {
        let (request, length, close) =
            parse_head("GET /a%2Fb?x=1 HTTP/1.1\r\nAccept: text/html\r\nContent-Length: 3\r\nACCEPT: */*\r\n\r\n")
                .expect("a head");
        assert_eq!((request.method.as_str(), request.path.as_str(), length, close), ("GET", "/a/b", 3, false));
        assert_eq!(request.header("accept"), Some("*/*"));
        assert_eq!(request.header("if-none-match"), None);
        assert!(parse_head("GET / HTTP/1.0\r\n\r\n").expect("a head").2, "HTTP/1.0 closes");
        assert!(parse_head("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").expect("a head").2);
        assert!(parse_head("").is_none());
    }

    #[tokio::test]
    async fn answers_counts_and_logs() {
        let server = FixtureServer::start("test", |request, url| match request.path.as_str() {
            "/here" => Response::text(200, url).with_header("ETag", "\"1\""),
            "/same" => Response::text(304, "unseen"),
            _ => Response::text(404, "404 Not Found\n"),
        });
        let client = reqwest::Client::builder().no_proxy().build().expect("a client");
        let response =
            client.get(format!("{}/here?q", server.url())).header("x-a", "b").send().await.expect("an answer");
        assert_eq!(response.headers()["etag"], "\"1\"");
        assert_eq!(response.text().await.expect("text"), server.url());
        let response = client.head(format!("{}/here", server.url())).send().await.expect("an answer");
        assert_eq!(response.headers()["content-length"], server.url().len().to_string().as_str());
        assert!(response.bytes().await.expect("a body").is_empty());
        let response = client.get(format!("{}/same", server.url())).send().await.expect("an answer");
        assert_eq!(response.status(), 304);
        assert!(response.bytes().await.expect("a body").is_empty());
        assert_eq!(client.get(format!("{}/nope", server.url())).send().await.expect("an answer").status(), 404);
        let response = client.put(format!("{}/here", server.url())).body("x").send().await.expect("an answer");
        assert_eq!(response.status(), 405);

        assert_eq!(server.requests("/here"), 3, "GET, HEAD, PUT");
        assert_eq!(server.requests("here"), 3, "the leading `/` may be left out");
        assert_eq!(server.total_requests(), 5);
        let log = server.request_log();
        assert_eq!(log.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["GET", "HEAD", "GET", "GET", "PUT"]);
        assert_eq!(log[0].header("x-a"), Some("b"));

        assert_switches_modes(&server, &format!("{}/here", server.url())).await;
        assert_eq!(server.requests("/here"), 6);
    }
}
