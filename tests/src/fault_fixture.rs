//! A registry that misbehaves on purpose, for the upstream-fault tests: each path is given a
//! [`Fault`] (answer normally, stall before the head or mid-body, cut the body short, answer
//! 429 with `Retry-After`, 5xx, or stream a chunked document without end) and the fixture
//! counts the requests per path. It speaks just enough HTTP/1.1 for reqwest (one request per
//! connection, `Connection: close`) and serves on `127.0.0.1:<free port>` from its own thread
//! until dropped.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How one path is answered.
#[derive(Debug, Clone)]
pub enum Fault {
    /// `200` with the body, whole.
    Serve { content_type: &'static str, body: Vec<u8> },
    /// Nothing at all: the connection stays open and silent.
    StallBeforeHead,
    /// The head (declaring the whole length) and the first `sent` bytes of `body`, then silence.
    StallMidBody { body: Vec<u8>, sent: usize },
    /// The head (declaring the whole length) and the first `sent` bytes, then the connection is
    /// closed.
    Truncate { body: Vec<u8>, sent: usize },
    /// `status` (429, 500, 503 ...) with `Retry-After` when given; after `times` such answers the
    /// path is answered by `then`.
    Status { status: u16, retry_after: Option<u64>, times: usize, then: Box<Fault> },
    /// `200`, chunked, `chunk` bytes of JSON white space again and again (`total` in all), never
    /// a whole document.
    EndlessChunked { total: u64 },
}

#[derive(Debug, Default)]
struct State {
    faults: BTreeMap<String, Fault>,
    requests: BTreeMap<String, usize>,
}

/// The misbehaving registry; stops when dropped.
#[derive(Debug)]
pub struct FaultFixture {
    port: u16,
    state: Arc<Mutex<State>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FaultFixture {
    /// Starts serving; every path answers 404 until it is given a fault.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fault fixture");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let port = listener.local_addr().expect("a local address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = state.clone();
        std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("the fixture's runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let accept = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else { continue };
                        tokio::spawn(answer(socket, served.clone()));
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Self { port, state, _stop: stop }
    }

    /// The base URL, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers `path` (percent-encoded as the client sends it) with `fault` from now on.
    pub fn set(&self, path: &str, fault: Fault) {
        self.state.lock().expect("fixture state").faults.insert(path.to_owned(), fault);
    }

    /// How many requests `path` received.
    pub fn requests(&self, path: &str) -> usize {
        self.state.lock().expect("fixture state").requests.get(path).copied().unwrap_or(0)
    }
}

async fn answer(mut socket: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split(' ').nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_owned();
    let fault = {
        let mut state = state.lock().expect("fixture state");
        *state.requests.entry(path.clone()).or_insert(0) += 1;
        let fault = state.faults.get(&path).cloned();
        // A `Status` fault counts down to what follows it.
        if let Some(Fault::Status { status, retry_after, times, then }) = &fault {
            let next = if *times <= 1 {
                (**then).clone()
            } else {
                Fault::Status { status: *status, retry_after: *retry_after, times: times - 1, then: then.clone() }
            };
            state.faults.insert(path.clone(), next);
        }
        fault
    };
    let head_of = |status: u16, length: usize, content_type: &str| {
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
        )
    };
    let silence = || tokio::time::sleep(Duration::from_secs(3600));
    match fault {
        None => {
            let _ = socket.write_all(head_of(404, 0, "text/plain").as_bytes()).await;
        }
        Some(Fault::Serve { content_type, body }) => {
            let _ = socket.write_all(head_of(200, body.len(), content_type).as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
        Some(Fault::StallBeforeHead) => silence().await,
        Some(Fault::StallMidBody { body, sent }) => {
            let _ = socket.write_all(head_of(200, body.len(), "application/octet-stream").as_bytes()).await;
            let _ = socket.write_all(&body[..sent.min(body.len())]).await;
            let _ = socket.flush().await;
            silence().await;
        }
        Some(Fault::Truncate { body, sent }) => {
            let _ = socket.write_all(head_of(200, body.len(), "application/octet-stream").as_bytes()).await;
            let _ = socket.write_all(&body[..sent.min(body.len())]).await;
        }
        Some(Fault::Status { status, retry_after, .. }) => {
            let mut answer = head_of(status, 0, "text/plain");
            if let Some(seconds) = retry_after {
                answer = answer.replacen("\r\n\r\n", &format!("\r\nRetry-After: {seconds}\r\n\r\n"), 1);
            }
            let _ = socket.write_all(answer.as_bytes()).await;
        }
        Some(Fault::EndlessChunked { total }) => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b' '; 1024 * 1024];
            let framed = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk, b"\r\n".to_vec()].concat();
            let mut sent = 0u64;
            while sent < total {
                if socket.write_all(&framed).await.is_err() {
                    return;
                }
                sent += 1024 * 1024;
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        }
    }
    let _ = socket.shutdown().await;
}
