//! What keeps one client from exhausting the server (docs/ARCHITECTURE.md, "Limits"):
//!
//! - **Connections per client address**: each accepted connection is counted against its peer
//!   address (an IPv6 address's /64); one over [`ConnectionLimits::per_client`] is shut down at
//!   once, before a byte of it is read, so a flood from one address cannot take the file
//!   descriptors that health checks and other clients need. Behind a reverse proxy every client
//!   shares the proxy's address: raise the limit there (the proxy limits its clients itself).
//! - **Request heads** must arrive within actix-web's client request timeout (set in
//!   [`crate::run`]).
//! - **Request bodies** may pause at most [`ConnectionLimits::body_read_timeout`] between two
//!   parts: a body that trickles slower fails its request, and the connection is closed.
//! - Bodies are read only after the caller is authenticated (each endpoint's own rule), never
//!   buffered whole unless small.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use futures::StreamExt as _;

/// The limits in force.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// The most connections one client address may hold open at once.
    pub per_client: usize,
    /// The longest pause between two parts of a request body.
    pub body_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self { per_client: 256, body_read_timeout: Duration::from_secs(30) }
    }
}

/// Open connections per client address.
#[derive(Debug, Default)]
pub(crate) struct ConnectionCounts {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; uncounted when the connection ends (its extensions are dropped).
#[derive(Debug)]
struct Counted {
    counts: Arc<ConnectionCounts>,
    address: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Ok(mut open) = self.counts.open.lock()
            && let Some(n) = open.get_mut(&self.address)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.address);
            }
        }
    }
}

impl ConnectionCounts {
    /// Counts a new connection from `address`; `None` when that address holds `limit` already.
    fn admit(self: &Arc<Self>, address: IpAddr, limit: usize) -> Option<Counted> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(address).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Counted { counts: self.clone(), address })
    }
}

/// actix-web's `on_connect` hook: counts the connection, or shuts it down when its address is
/// over the limit.
pub(crate) fn on_connect(
    counts: &Arc<ConnectionCounts>,
    limit: usize,
    connection: &dyn std::any::Any,
    extensions: &mut actix_web::dev::Extensions,
) {
    let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else { return };
    let Ok(peer) = stream.peer_addr() else { return };
    match counts.admit(client_of(peer.ip()), limit) {
        Some(counted) => {
            extensions.insert(counted);
        }
        None => {
            tracing::warn!(client = %peer.ip(), limit, "a client is over its connection limit; connection closed");
            let _ = socket2::SockRef::from(stream).shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The address a connection is counted against: an IPv4 address, or an IPv6 address's /64 (one
/// host holds a whole /64, so counting single IPv6 addresses would limit nothing).
fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
        v4 => v4,
    }
}

/// Wraps the request body so that a pause longer than `timeout` between two parts fails it.
pub(crate) fn time_body(req: &mut ServiceRequest, timeout: Duration) {
    use actix_web::HttpMessage as _;
    let inner = req.take_payload();
    let timed = futures::stream::unfold(Some(inner), move |state| async move {
        let mut inner = state?;
        match tokio::time::timeout(timeout, inner.next()).await {
            Ok(Some(item)) => Some((item, Some(inner))),
            Ok(None) => None,
            Err(_) => {
                let stalled = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the request body paused for more than {} s", timeout.as_secs()),
                );
                Some((Err(PayloadError::Io(stalled)), None))
            }
        }
    });
    // Fused: readers such as the multipart parser poll again after the end.
    let timed: std::pin::Pin<Box<dyn futures::Stream<Item = Result<bytes::Bytes, PayloadError>>>> =
        Box::pin(timed.fuse());
    req.set_payload(Payload::from(timed));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_admitted_up_to_its_limit_and_again_when_one_closes() {
        let counts = Arc::new(ConnectionCounts::default());
        let a: IpAddr = [127, 0, 0, 2].into();
        let b: IpAddr = [127, 0, 0, 3].into();
        let first = counts.admit(a, 2).expect("first");
        let _second = counts.admit(a, 2).expect("second");
        assert!(counts.admit(a, 2).is_none(), "a third from one address");
        assert!(counts.admit(b, 2).is_some(), "another address is counted apart");
        drop(first);
        assert!(counts.admit(a, 2).is_some(), "a closed connection frees its place");
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("an address");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("an address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("an address");
        assert_eq!(client_of(a), client_of(b));
        assert_ne!(client_of(a), client_of(other));
        let mapped: IpAddr = "::ffff:127.0.0.2".parse().expect("an address");
        assert_eq!(client_of(mapped), IpAddr::from([127, 0, 0, 2]));
    }
}
