//! Operations endpoints: `/healthz` (the process answers), `/readyz` (database and blob store
//! reachable), `/metrics` (Prometheus text).

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::{HttpResponse, web};

use crate::AppState;

/// Request counters by outcome class.
#[derive(Debug, Default)]
pub struct Metrics {
    control_requests: [AtomicU64; 5],
}

impl Metrics {
    /// Counts one control-plane request answered with `status`.
    pub fn count_control(&self, status: u16) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.control_requests[class].fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self) -> String {
        let mut out = String::from(
            "# HELP tributary_control_requests_total Control-plane requests by status class.\n# TYPE tributary_control_requests_total counter\n",
        );
        for (i, counter) in self.control_requests.iter().enumerate() {
            out.push_str(&format!(
                "tributary_control_requests_total{{status=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
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
