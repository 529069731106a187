//! The HTTP server. Only this crate knows actix-web. It routes, authenticates and renders;
//! every rule lives in `tributary-engine` and the pure crates below it.
//!
//! - `/v1/...`: the control plane, the AWS CodeArtifact REST API on the wire ([`control`]).
//! - `/{format}/{domain}/{repository}/...`: each package format's endpoint of a repository, one
//!   per format of [`planes`], through one adapter ([`data_plane`]).
//! - `/ui/`: the web console, pages rendered by `tributary-console` ([`console`]).
//! - `/healthz`, `/readyz`, `/metrics`: operations ([`ops`]).

mod console;
pub mod control;
pub mod data_plane;
mod error;
mod limits;
pub mod ops;
pub mod origin;

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use tributary_engine::Service;

pub use data_plane::MountedPlane;
pub use limits::ConnectionLimits;
pub use ops::Metrics;

/// Everything a request handler may reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The repository service.
    pub service: Service,
    /// The public base URL, when configured; else taken from each request's Host.
    pub public_url: Option<String>,
    /// Request counters.
    pub metrics: Arc<Metrics>,
    /// The largest file a client may upload (PyPI, Maven), in bytes.
    pub max_upload_bytes: u64,
    /// What keeps one client from exhausting the server.
    pub limits: ConnectionLimits,
}

/// The package formats this server serves, each mounted at `/{prefix}/`: adding a format is
/// one line here (and its crate in the workspace).
pub fn planes() -> Vec<Arc<dyn MountedPlane>> {
    vec![
        data_plane::mount(tributary_format_npm::plane::NpmPlane),
        data_plane::mount(tributary_format_pypi::plane::PypiPlane),
        data_plane::mount(tributary_format_maven::plane::MavenPlane),
        data_plane::mount(tributary_format_nuget::plane::NugetPlane),
        data_plane::mount(tributary_format_go::plane::GoPlane),
    ]
}

/// The formats' engine adapters, for [`tributary_engine::Service::new`].
pub fn formats() -> tributary_engine::Formats {
    tributary_engine::Formats::new(planes().iter().map(|plane| plane.adapter()))
}

/// Mounts every route on `cfg`; used by [`run`] and by in-process tests.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(control::MAX_BODY_BYTES))
            .route("/healthz", web::get().to(ops::healthz))
            .route("/readyz", web::get().to(ops::readyz))
            .route("/metrics", web::get().to(ops::metrics))
            // Static prefixes: each endpoint splits its own path (no per-request pattern match).
            // PublishPackageVersion streams its body (the asset): its own route, before the
            // scope whose handler reads a body whole.
            .route("/v1/package/version/publish", web::post().to(control::publish))
            // Trusted publishing's exchange is unsigned: the CI job's OIDC token is its credential.
            .route("/v1/oidc/token", web::post().to(control::exchange_oidc_token))
            .service(web::scope("/v1").default_service(web::route().to(control::handle)))
            // The web console: HTML pages for people (docs/ARCHITECTURE.md, "The web console").
            .configure(console::configure);
        for plane in planes() {
            let prefix = format!("/{}", plane.prefix());
            let handler = move |req: actix_web::HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                let plane = plane.clone();
                async move { plane.handle(&req, payload, &state).await }
            };
            cfg.service(web::scope(&prefix).default_service(web::route().to(handler)));
        }
        cfg.default_service(web::route().to(error::not_found));
    }
}

/// An HTTPS listener: the address and the PEM files of the certificate chain and its key.
#[derive(Debug, Clone)]
pub struct TlsListener {
    /// Where to listen.
    pub listen: String,
    /// The certificate chain, PEM, the server's own first.
    pub cert_chain: std::path::PathBuf,
    /// Its private key, PEM.
    pub key: std::path::PathBuf,
}

impl TlsListener {
    /// The rustls configuration of the listener (ring, TLS 1.2 and 1.3, HTTP/1.1).
    fn server_config(&self) -> std::io::Result<rustls::ServerConfig> {
        use rustls_pki_types::pem::PemObject as _;
        let invalid = |what: &str, path: &std::path::Path, e: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what} `{}`: {e}", path.display()))
        };
        let certs = rustls_pki_types::CertificateDer::pem_file_iter(&self.cert_chain)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| invalid("cannot read the certificate chain", &self.cert_chain, &e))?;
        let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|e| invalid("cannot read the private key", &self.key, &e))?;
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| invalid("cannot configure TLS for", &self.cert_chain, &e))?
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(|e| invalid("the key does not fit the certificate", &self.cert_chain, &e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Serves on `listen` (HTTP), and on `tls` (HTTPS) when given, until the process is told to
/// stop.
pub async fn run(state: AppState, listen: &str, tls: Option<&TlsListener>) -> std::io::Result<()> {
    use actix_web::dev::Service as _;
    let limits = state.limits;
    let counts = Arc::new(limits::ConnectionCounts::default());
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap_fn(move |mut req, srv| {
                limits::time_body(&mut req, limits.body_read_timeout);
                srv.call(req)
            })
            .configure(configure(state.clone()))
    })
    .on_connect(move |connection, extensions| limits::on_connect(&counts, limits.per_client, connection, extensions))
    // A request head must arrive whole within this; a client that trickles it is dropped.
    .client_request_timeout(std::time::Duration::from_secs(10))
    // An idle keep-alive connection is kept this long (nginx's default). Clients keep theirs
    // longer than actix's default of 5 s (hyper 90 s, botocore and npm about a minute): a
    // connection the server closes just as a client reuses it fails that client's request.
    .keep_alive(std::time::Duration::from_secs(75))
    // Responses are written whole; Nagle's algorithm would only hold their last segment
    // back until the client acknowledges the one before (as nginx, `tcp_nodelay on`).
    .tcp_nodelay(true)
    .bind(listen)?;
    if let Some(tls) = tls {
        server = server.bind_rustls_0_23(&tls.listen, tls.server_config()?)?;
    }
    server.run().await
}
