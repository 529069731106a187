//! A small TCP load balancer on loopback, in front of the replicas of a fleet
//! (`tests/tests/fleet_load.rs`), as a layer-4 balancer (nginx `stream`, HAProxy `mode tcp`, a
//! cloud network balancer) is in production.
//!
//! - [`Balancer::start`] listens on a free port of 127.0.0.1 and sends each new client connection
//!   to the next backend, round-robin. A backend that refuses the connection (its process is dead)
//!   is skipped: the next one is tried, and so on once around; when every backend refuses, the
//!   client's connection is closed.
//! - Once connected, the bytes are copied both ways until either side closes. Nothing is retried
//!   inside a connection: a connection open to a backend that dies breaks, and the client sees it
//!   break (an end of stream, or a reset), as it would behind a real balancer. HTTP is not parsed:
//!   the `Host` header the client sends reaches the backend as sent.
//! - It counts the connections sent to each backend, those open now, and the refusals, and runs
//!   on its own thread and current-thread Tokio runtime (so it keeps serving while a test blocks
//!   its own threads on client processes); it stops when dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What the balancer did, per backend.
#[derive(Debug, Default)]
struct Counters {
    /// Connections sent to each backend.
    sent: Vec<AtomicUsize>,
    /// Connections open to each backend now.
    open: Vec<AtomicUsize>,
    /// Connection attempts each backend refused.
    refused: Vec<AtomicUsize>,
    /// Client connections closed because every backend refused.
    dropped: AtomicUsize,
}

/// The balancer, serving until dropped.
#[derive(Debug)]
pub struct Balancer {
    port: u16,
    counters: Arc<Counters>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Balancer {
    /// Starts balancing over the backends listening on `backends` (ports of 127.0.0.1).
    pub fn start(backends: &[u16]) -> Self {
        assert!(!backends.is_empty(), "a balancer needs a backend");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a port for the balancer");
        listener.set_nonblocking(true).expect("cannot make the balancer's socket non-blocking");
        let port = listener.local_addr().expect("a bound socket has an address").port();
        let counter = || backends.iter().map(|_| AtomicUsize::new(0)).collect();
        let counters =
            Arc::new(Counters { sent: counter(), open: counter(), refused: counter(), dropped: AtomicUsize::new(0) });
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let (serving, backends) = (counters.clone(), backends.to_vec());
        let thread = std::thread::Builder::new()
            .name(format!("balancer-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the balancer's runtime builds");
                runtime.block_on(serve(listener, backends, serving, stop));
            })
            .expect("cannot start the balancer's thread");
        Self { port, counters, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many client connections it sent to each backend, in the order given.
    pub fn sent(&self) -> Vec<usize> {
        self.counters.sent.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }

    /// How many connections are open to each backend now.
    pub fn open(&self) -> Vec<usize> {
        self.counters.open.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }

    /// How many connection attempts each backend refused.
    pub fn refused(&self) -> Vec<usize> {
        self.counters.refused.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }

    /// How many client connections it closed because every backend refused them.
    pub fn dropped(&self) -> usize {
        self.counters.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(
    listener: std::net::TcpListener,
    backends: Vec<u16>,
    counters: Arc<Counters>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("the balancer's socket joins the runtime");
    let mut next = 0;
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let first = next;
                next = (next + 1) % backends.len();
                tokio::spawn(forward(client, backends.clone(), first, counters.clone()));
            }
        }
    }
}

/// Connects `client` to the first backend from `first` on that accepts, and copies the bytes both
/// ways until the connection ends.
async fn forward(mut client: tokio::net::TcpStream, backends: Vec<u16>, first: usize, counters: Arc<Counters>) {
    for i in (0..backends.len()).map(|step| (first + step) % backends.len()) {
        match tokio::net::TcpStream::connect(("127.0.0.1", backends[i])).await {
            Ok(mut backend) => {
                counters.sent[i].fetch_add(1, Ordering::Relaxed);
                counters.open[i].fetch_add(1, Ordering::Relaxed);
                let _ = client.set_nodelay(true);
                let _ = backend.set_nodelay(true);
                // Ends when both sides have closed, or at the first error (a reset by a killed
                // backend): then both are dropped, which closes the client's side too.
                let _ = tokio::io::copy_bidirectional(&mut client, &mut backend).await;
                counters.open[i].fetch_sub(1, Ordering::Relaxed);
                return;
            }
            Err(_) => {
                counters.refused[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    counters.dropped.fetch_add(1, Ordering::Relaxed);
}
