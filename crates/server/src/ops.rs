//! Operations endpoints: `/healthz` (the process answers), `/readyz` (database and blob store
//! reachable), `/metrics` (Prometheus text).

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{HttpResponse, web};

use crate::AppState;

/// Which part of the server answered.
#[derive(Debug, Clone, Copy)]
pub enum Plane {
    /// The control plane (`/v1/`).
    Control,
    /// The npm endpoints.
    Npm,
    /// The PyPI endpoints.
    Pypi,
    /// The Maven endpoints.
    Maven,
}

impl Plane {
    const ALL: [Plane; 4] = [Plane::Control, Plane::Npm, Plane::Pypi, Plane::Maven];

    fn label(self) -> &'static str {
        match self {
            Self::Control => "control",
            Self::Npm => "npm",
            Self::Pypi => "pypi",
            Self::Maven => "maven",
        }
    }
}

/// Request counters by plane and status class.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; 4],
    /// PyPI file downloads: core metadata files, distributions.
    pypi_downloads: [AtomicU64; 2],
}

impl Metrics {
    /// Counts one request of `plane` answered with `status`.
    pub fn count(&self, plane: Plane, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.requests[plane as usize][class].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one PyPI file download: a core metadata file (PEP 658) or a distribution.
    pub fn count_pypi_download(&self, metadata: bool) {
        self.pypi_downloads[usize::from(!metadata)].fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# HELP tributary_requests_total Requests by plane and status class.\n# TYPE tributary_requests_total counter\n",
        );
        for plane in Plane::ALL {
            for (i, counter) in self.requests[plane as usize].iter().enumerate() {
                out.push_str(&format!(
                    "tributary_requests_total{{plane=\"{}\",status=\"{}xx\"}} {}\n",
                    plane.label(),
                    i + 1,
                    counter.load(Ordering::Relaxed)
                ));
            }
        }
        out.push_str(
            "# HELP tributary_pypi_downloads_total PyPI files served, by kind.\n# TYPE tributary_pypi_downloads_total counter\n",
        );
        for (i, kind) in ["metadata", "distribution"].iter().enumerate() {
            out.push_str(&format!(
                "tributary_pypi_downloads_total{{kind=\"{kind}\"}} {}\n",
                self.pypi_downloads[i].load(Ordering::Relaxed)
            ));
        }
        out
    }
}

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.service.ping().await;
    let blobs = state.blobs.check().await;
    match (database, blobs) {
        (Ok(()), Ok(())) => HttpResponse::Ok().content_type("text/plain").body("ready\n"),
        (database, blobs) => {
            let mut text = String::new();
            if let Err(e) = database {
                text.push_str(&format!("database: {}\n", e.message));
            }
            if let Err(e) = blobs {
                text.push_str(&format!("blob store: {e}\n"));
            }
            HttpResponse::ServiceUnavailable().content_type("text/plain").body(text)
        }
    }
}

pub(crate) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}
