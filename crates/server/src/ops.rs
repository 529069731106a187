//! Operations endpoints: `/healthz` (the process answers), `/readyz` (database and blob store
//! reachable), `/metrics` (Prometheus text).

use std::time::Duration;

use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

/// The endpoint a request was parsed as (`packument`, `CreateDomain`, ...), kept in the
/// request's extensions by the plane that parsed it, for the request metrics.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EndpointName(pub(crate) &'static str);

/// Records what endpoint `req` is, for [`Metrics::observe`].
pub(crate) fn name_endpoint(req: &HttpRequest, name: &'static str) {
    req.extensions_mut().insert(EndpointName(name));
}

/// The endpoint name recorded for `req`; `unknown` for a request no endpoint matched.
pub(crate) fn endpoint_of(req: &HttpRequest) -> &'static str {
    req.extensions().get::<EndpointName>().map_or("unknown", |name| name.0)
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    plane: &'static str,
    endpoint: &'static str,
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EndpointLabels {
    plane: &'static str,
    endpoint: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. about 6 s, each bucket 2.5 times the one before.
    Histogram::new(exponential_buckets(0.0005, 2.5, 12))
}

/// The server's metrics (`/metrics`, Prometheus text): requests by plane (`control` or a
/// format's prefix), endpoint and status class; their latency (until the response head) by plane
/// and endpoint; files served by each format that counts them
/// (`tributary_{format}_downloads_total{kind}`, e.g. PyPI's metadata and distributions); the
/// sync tasks pending and each changes follower's lag.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    downloads: Vec<(&'static str, Family<KindLabels, Counter>)>,
    cache_entries: Family<CacheLabels, Gauge>,
    cache_bytes: Family<CacheLabels, Gauge>,
    sync_pending: Gauge,
    follower_lag: Family<FollowerLabels, Gauge>,
    database_statements: Counter,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FollowerLabels {
    repository_id: String,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("tributary_requests", "Requests by plane, endpoint and status class", requests.clone());
        let latency = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "tributary_request_duration_seconds",
            "Time to the response head, by plane and endpoint",
            latency.clone(),
        );
        let mut downloads = Vec::new();
        for plane in crate::planes() {
            let kinds = plane.download_kinds();
            if kinds.is_empty() {
                continue;
            }
            let family = Family::<KindLabels, Counter>::default();
            let prefix = plane.prefix();
            registry.register(
                format!("tributary_{prefix}_downloads"),
                format!("{prefix} files served, by kind"),
                family.clone(),
            );
            // Every kind is shown from the start, at 0.
            for &kind in kinds {
                family.get_or_create(&KindLabels { kind }).inc_by(0);
            }
            downloads.push((prefix, family));
        }
        let cache_entries = Family::<CacheLabels, Gauge>::default();
        registry.register("tributary_cache_entries", "Entries of each in-memory cache", cache_entries.clone());
        let cache_bytes = Family::<CacheLabels, Gauge>::default();
        registry.register(
            "tributary_cache_weight_bytes",
            "What each cache bounded by weight holds, in bytes",
            cache_bytes.clone(),
        );
        let sync_pending = Gauge::default();
        registry.register("tributary_sync_tasks_pending", "Sync tasks waiting or running", sync_pending.clone());
        let follower_lag = Family::<FollowerLabels, Gauge>::default();
        registry.register(
            "tributary_changes_follower_lag_seconds",
            "Seconds since each following gateway last read its registry's changes feed",
            follower_lag.clone(),
        );
        let database_statements = Counter::default();
        registry.register(
            "tributary_database_statements",
            "Statements sent to the database (this scrape's own included)",
            database_statements.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            downloads,
            cache_entries,
            cache_bytes,
            sync_pending,
            follower_lag,
            database_statements,
        }
    }
}

impl Metrics {
    /// Counts one request of `endpoint` on `plane` (`control`, or a format's prefix), answered
    /// with `status` after `elapsed`.
    pub fn observe(&self, plane: &'static str, endpoint: &'static str, status: u16, elapsed: Duration) {
        const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
        let status = CLASSES[usize::from(status / 100).clamp(1, 5) - 1];
        self.requests.get_or_create(&RequestLabels { plane, endpoint, status }).inc();
        self.latency.get_or_create(&EndpointLabels { plane, endpoint }).observe(elapsed.as_secs_f64());
    }

    /// Counts one file of `kind` served by the format mounted at `prefix`.
    pub fn count_download(&self, prefix: &str, kind: &'static str) {
        if let Some((_, family)) = self.downloads.iter().find(|(p, _)| *p == prefix) {
            family.get_or_create(&KindLabels { kind }).inc();
        }
    }

    fn render(
        &self,
        caches: &[tributary_engine::CacheSize],
        sync: Option<(u64, Vec<(String, i64)>)>,
        statements: u64,
    ) -> String {
        self.database_statements.inc_by(statements.saturating_sub(self.database_statements.get()));
        if let Some((pending, lags)) = sync {
            self.sync_pending.set(i64::try_from(pending).unwrap_or(i64::MAX));
            for (repository_id, lag) in lags {
                self.follower_lag.get_or_create(&FollowerLabels { repository_id }).set(lag);
            }
        }
        for cache in caches {
            let labels = CacheLabels { cache: cache.name };
            self.cache_entries.get_or_create(&labels).set(i64::try_from(cache.entries).unwrap_or(i64::MAX));
            if let Some(weight) = cache.weight {
                self.cache_bytes.get_or_create(&labels).set(i64::try_from(weight).unwrap_or(i64::MAX));
            }
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let problems = state.service.unready().await;
    if problems.is_empty() {
        HttpResponse::Ok().content_type("text/plain").body("ready\n")
    } else {
        let text: String = problems.iter().map(|p| format!("{p}\n")).collect();
        HttpResponse::ServiceUnavailable().content_type("text/plain").body(text)
    }
}

pub(crate) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // The sync queue is the database's: a scrape that cannot read it leaves those gauges as
    // they were.
    let sync = state.service.sync_status().await.ok();
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render(&state.service.cache_sizes(), sync, state.service.database_statements()))
}
