//! Resolution through a chain, in process: a fake format (its adapter reads a small JSON
//! document) against a fixture registry on a local socket, and `app -> team -> gateway`, the
//! gateway associated with `public:npmjs` pointed at the fixture. What the engine does the same
//! way for every format: the view through the chain, where a fetched version is kept, origin
//! controls, single flight, stale-if-error.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tributary_blob::FsBlobStore;
use tributary_engine::content::{ExpectedDigests, body_from_bytes};
use tributary_engine::formats::{ExternalAsset, ExternalPackage, ExternalVersion, FormatAdapter};
use tributary_engine::{
    Caller, Formats, NewRepository, PackageAddress, RepoRef, RepoTarget, Service, Settings, UpstreamSettings,
    VersionSource, asset_record,
};
use tributary_model::records::NewVersion;
use tributary_model::view::Upstream;
use tributary_model::{
    AccountId, DomainName, OriginRestrictions, OriginSetting, OriginType, PackageCoordinates, PackageFormat,
    RepositoryName, VersionMetadata, VersionOrigin, VersionStatus,
};
use tributary_store::Store;

/// A format whose registry serves `GET /{name}` as `{"versions": {"1.0": "<sha256 of the
/// file>"}}` and each file at `/{name}/-/{name}-{version}.bin`.
#[derive(Debug)]
struct FakeFormat;

impl FormatAdapter for FakeFormat {
    fn format(&self) -> PackageFormat {
        PackageFormat::Npm
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        Some(format!("{base_url}/{}", package.name))
    }

    fn parse_upstream(&self, bytes: &[u8], _: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        let document: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        let versions = document["versions"].as_object().ok_or("no versions")?;
        let versions = versions
            .iter()
            .map(|(version, sha256)| {
                let file = file_name(&name, version);
                Arc::new(ExternalVersion {
                    version: version.clone(),
                    metadata: VersionMetadata::default(),
                    format_metadata: serde_json::json!({}).into(),
                    published_at: None,
                    assets: vec![ExternalAsset {
                        url: format!("{url}/-/{file}"),
                        name: file,
                        expected: ExpectedDigests {
                            sha256: sha256.as_str().and_then(|s| s.parse().ok()),
                            ..ExpectedDigests::default()
                        },
                        attributes: serde_json::json!({}),
                    }],
                })
            })
            .collect();
        Ok(ExternalPackage { display_name: name, versions, dist_tags: BTreeMap::new(), pages: Vec::new() })
    }
}

fn file_name(name: &str, version: &str) -> String {
    format!("{name}-{version}.bin")
}

fn bytes_of(name: &str, version: &str) -> Vec<u8> {
    format!("the bytes of {name} {version}\n").into_bytes()
}

/// The fixture registry: `GET` of a path answers what `routes` holds for it (or 404), with
/// `status` overriding every answer when set; each path's requests are counted.
#[derive(Debug, Default)]
struct Registry {
    routes: Mutex<HashMap<String, Vec<u8>>>,
    hits: Mutex<HashMap<String, usize>>,
    status: AtomicU16,
}

impl Registry {
    /// Serves `name` with `versions`, each with its file.
    fn publish(&self, name: &str, versions: &[&str]) {
        let mut routes = self.routes.lock().expect("routes");
        let mut listed = serde_json::Map::new();
        for version in versions {
            let bytes = bytes_of(name, version);
            listed.insert((*version).to_owned(), hex::encode(Sha256::digest(&bytes)).into());
            routes.insert(format!("/{name}/-/{}", file_name(name, version)), bytes);
        }
        routes.insert(format!("/{name}"), serde_json::json!({ "versions": listed }).to_string().into_bytes());
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().expect("hits").get(path).copied().unwrap_or(0)
    }

    /// Listens on a local port; returns its base URL.
    async fn start(self: &Arc<Self>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let registry = self.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let registry = registry.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
                    let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
                    *registry.hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
                    let forced = registry.status.load(Ordering::Acquire);
                    let found = registry.routes.lock().expect("routes").get(&path).cloned();
                    let (status, body) = match (forced, found) {
                        (0, Some(body)) => (200, body),
                        (0, None) => (404, b"not found".to_vec()),
                        (status, _) => (status, b"failing on purpose".to_vec()),
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body).await;
                });
            }
        });
        format!("http://{address}")
    }
}

fn admin() -> Caller {
    Caller {
        principal_id: "admin".to_owned(),
        name: "admin".to_owned(),
        is_admin: true,
        domain_scope: None,
        repositories: None,
        read_only: false,
    }
}

fn coordinates(name: &str) -> PackageCoordinates {
    PackageCoordinates { format: PackageFormat::Npm, namespace: String::new(), name: name.to_owned() }
}

fn name(n: &str) -> RepositoryName {
    RepositoryName::parse(n).expect("a repository name")
}

/// A service on SQLite and filesystem blobs in `dir`, whose `public:npmjs` is the fixture at
/// `registry_url`, with the domain `acme` and `app -> team -> gateway -> public:npmjs`.
async fn chain(dir: &std::path::Path, registry_url: &str, metadata_ttl: Duration) -> Service {
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display())).await.expect("store");
    store.migrate().await.expect("migrations");
    let settings = Settings { owner: AccountId::parse("000000000000").expect("account"), region: "us-east-1".into() };
    let upstream = UpstreamSettings {
        urls: BTreeMap::from([("public:npmjs".to_owned(), registry_url.to_owned())]),
        metadata_ttl,
        ..UpstreamSettings::default()
    };
    let blobs = Arc::new(FsBlobStore::new(dir.join("blobs")));
    let service = Service::new(store, blobs, settings, upstream, Formats::default()).await.expect("service");
    let domain = DomainName::parse("acme").expect("name");
    service.create_domain(&admin(), &domain, None, None, &[]).await.expect("domain");
    for (repository, upstreams) in [("gateway", vec![]), ("team", vec![name("gateway")]), ("app", vec![name("team")])] {
        let upstreams = upstreams.into_iter().map(|repository| Upstream { repository, view: None }).collect();
        let new = NewRepository { description: None, upstreams, tags: Vec::new() };
        service.create_repository(&admin(), &repo(repository), new).await.expect("repository");
    }
    service.associate_external_connection(&admin(), &repo("gateway"), "public:npmjs").await.expect("connection");
    service
}

fn repo(repository: &str) -> RepoRef {
    RepoRef { domain: DomainName::parse("acme").expect("name"), owner: None, repository: name(repository) }
}

fn address(repository: &str, package: &str) -> PackageAddress {
    PackageAddress { repo: repo(repository), coordinates: coordinates(package) }
}

async fn target(service: &Service, repository: &str) -> RepoTarget {
    let domain = DomainName::parse("acme").expect("name");
    service.repo_target(&admin(), &domain, &name(repository)).await.expect("target")
}

/// Publishes `version` of `package` into `repository` directly.
async fn publish(service: &Service, repository: &str, package: &str, version: &str) {
    let target = target(service, repository).await;
    let bytes = bytes_of(package, version);
    let digests = service.store_blob(&target.domain, body_from_bytes(bytes), &ExpectedDigests::default()).await;
    let new = NewVersion {
        version: version.to_owned(),
        status: VersionStatus::Published,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: VersionMetadata::default(),
        format_metadata: serde_json::json!({}),
        published_at: chrono::Utc::now(),
        assets: vec![asset_record(&file_name(package, version), &digests.expect("stored"))],
    };
    service
        .publish(&target, &FakeFormat, &coordinates(package), package, new, &BTreeMap::new())
        .await
        .expect("published");
}

/// Downloads a file through `repository`, whole.
async fn download(service: &Service, repository: &str, package: &str, version: &str) -> Vec<u8> {
    let target = target(service, repository).await;
    let file = file_name(package, version);
    let body = service.fetch_asset(&target, &FakeFormat, &coordinates(package), version, &file).await.expect("found");
    let mut bytes = Vec::new();
    let mut stream = body.stream;
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.expect("a whole download"));
    }
    bytes
}

/// The versions of `package` stored in `repository` itself.
async fn stored(service: &Service, repository: &str, package: &str) -> Vec<String> {
    let target = target(service, repository).await;
    let Some(found) = service.local_package(&target, &coordinates(package)).await.expect("lookup") else {
        return Vec::new();
    };
    let mut versions: Vec<String> =
        service.local_versions(&found).await.expect("versions").into_iter().map(|v| v.version).collect();
    versions.sort();
    versions
}

/// Waits until `repository` stores `version` of `package` (an ingest writes its version after
/// the client's stream ends).
async fn until_stored(service: &Service, repository: &str, package: &str, version: &str) {
    for _ in 0..200 {
        if stored(service, repository, package).await.iter().any(|v| v == version) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("`{repository}` never stored {package} {version}");
}

#[tokio::test]
async fn the_view_through_a_chain_and_where_a_fetched_version_is_kept() {
    let registry = Arc::new(Registry::default());
    registry.publish("demo", &["2.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Every read revalidates, so the registry's later 1.0.0 shows at once.
    let service = chain(dir.path(), &url, Duration::ZERO).await;
    // The team's own 1.0.0, published before the registry had one, shadows the registry's.
    publish(&service, "team", "demo", "1.0.0").await;
    registry.publish("demo", &["1.0.0", "2.0.0"]);
    // A package first published internally blocks its upstreams (dependency confusion): here
    // the team lets them in.
    let allowed = OriginRestrictions { publish: OriginSetting::Allow, upstream: OriginSetting::Allow };
    service.put_origin_configuration(&admin(), &address("team", "demo"), allowed).await.expect("restrictions");

    let view = service.package_view(&target(&service, "app").await, &FakeFormat, &coordinates("demo")).await;
    let view = view.expect("a view");
    match view.versions.get("1.0.0") {
        Some(VersionSource::Stored { repository, .. }) => assert_eq!(repository, "team"),
        other => panic!("1.0.0 should come from `team`: {other:?}"),
    }
    match view.versions.get("2.0.0") {
        Some(VersionSource::External { gateway, connection, .. }) => {
            assert_eq!((gateway.as_str(), connection.as_str()), ("gateway", "public:npmjs"));
        }
        other => panic!("2.0.0 should come from the registry: {other:?}"),
    }
    assert_eq!(view.sources("1.0.0").count(), 2, "the registry's 1.0.0 is shadowed, not dropped");

    // Fetched through `app`, a registry version is kept in `app` and the gateway, never `team`.
    assert_eq!(download(&service, "app", "demo", "2.0.0").await, bytes_of("demo", "2.0.0"));
    until_stored(&service, "app", "demo", "2.0.0").await;
    assert_eq!(stored(&service, "gateway", "demo").await, ["2.0.0"]);
    assert_eq!(stored(&service, "team", "demo").await, ["1.0.0"]);
    // A version of an upstream repository is kept in the asking one too.
    assert_eq!(download(&service, "app", "demo", "1.0.0").await, bytes_of("demo", "1.0.0"));
    assert_eq!(stored(&service, "app", "demo").await, ["1.0.0", "2.0.0"]);

    // Kept, it is served with the registry gone.
    registry.status.store(500, Ordering::Release);
    assert_eq!(download(&service, "app", "demo", "2.0.0").await, bytes_of("demo", "2.0.0"));
    assert_eq!(registry.hits("/demo/-/demo-2.0.0.bin"), 1);
}

#[tokio::test]
async fn origin_controls_block_upstream_versions() {
    let registry = Arc::new(Registry::default());
    registry.publish("demo", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;
    publish(&service, "app", "demo", "0.1.0").await;
    // (A package first published internally blocks its upstreams already; said explicitly.)
    let blocked = OriginRestrictions { publish: OriginSetting::Allow, upstream: OriginSetting::Block };
    service.put_origin_configuration(&admin(), &address("app", "demo"), blocked).await.expect("restrictions");

    let asked = registry.hits("/demo");
    let view = service.package_view(&target(&service, "app").await, &FakeFormat, &coordinates("demo")).await;
    let versions: Vec<String> = view.expect("a view").versions.into_keys().collect();
    assert_eq!(registry.hits("/demo"), asked, "app's view did not ask the registry");
    assert_eq!(versions, ["0.1.0"], "app's own version only: its upstreams are not searched for it");
    let team = service.package_view(&target(&service, "team").await, &FakeFormat, &coordinates("demo")).await;
    assert!(team.expect("a view").versions.contains_key("1.0.0"), "team, without restrictions, sees the registry");
}

#[tokio::test]
async fn concurrent_first_downloads_fetch_once() {
    let registry = Arc::new(Registry::default());
    registry.publish("demo", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;

    let downloads = (0..16).map(|_| download(&service, "app", "demo", "1.0.0"));
    for bytes in futures::future::join_all(downloads).await {
        assert_eq!(bytes, bytes_of("demo", "1.0.0"));
    }
    assert_eq!(registry.hits("/demo"), 1, "one metadata request");
    assert_eq!(registry.hits("/demo/-/demo-1.0.0.bin"), 1, "one download");
}

#[tokio::test]
async fn a_failing_registry_is_served_stale() {
    let registry = Arc::new(Registry::default());
    registry.publish("demo", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    // Every read revalidates.
    let service = chain(dir.path(), &url, Duration::ZERO).await;
    let app = target(&service, "app").await;
    let view = service.package_view(&app, &FakeFormat, &coordinates("demo")).await.expect("a view");
    assert!(view.versions.contains_key("1.0.0"));

    registry.status.store(500, Ordering::Release);
    let view = service.package_view(&app, &FakeFormat, &coordinates("demo")).await.expect("a view");
    assert!(view.versions.contains_key("1.0.0"), "the last good document is served");
    assert!(registry.hits("/demo") >= 2, "the registry was asked again");

    // A package the registry never answered for fails with the registry's error.
    let fresh = service.package_view(&app, &FakeFormat, &coordinates("other")).await.expect("a view");
    assert!(fresh.versions.is_empty());
    let error = fresh.upstream_error.expect("the registry's failure is reported");
    assert!(error.message.contains("500"), "{}", error.message);
}

/// [`FakeFormat`] behind a service index: the registry's `/index.json` names where metadata is.
#[derive(Debug)]
struct Indexed;

impl FormatAdapter for Indexed {
    fn format(&self) -> PackageFormat {
        PackageFormat::Npm
    }

    fn service_index_url(&self, base_url: &str) -> Option<String> {
        Some(format!("{base_url}/index.json"))
    }

    fn read_service_index(&self, bytes: &[u8], _: &str) -> Result<String, String> {
        let index: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        index["metadata"].as_str().map(str::to_owned).ok_or_else(|| "no `metadata` in the index".to_owned())
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        FakeFormat.upstream_metadata_url(base_url, package)
    }

    fn parse_upstream(&self, bytes: &[u8], content_type: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        FakeFormat.parse_upstream(bytes, content_type, url)
    }
}

/// [`FakeFormat`] whose files are checked after download (`ingest_check`): bytes that mention
/// `evil` are refused.
#[derive(Debug)]
struct Checked;

impl FormatAdapter for Checked {
    fn format(&self) -> PackageFormat {
        PackageFormat::Npm
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        FakeFormat.upstream_metadata_url(base_url, package)
    }

    fn parse_upstream(&self, bytes: &[u8], content_type: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        FakeFormat.parse_upstream(bytes, content_type, url)
    }

    fn ingest_check(&self, _: Option<&str>, _: &str) -> Option<Arc<dyn tributary_engine::formats::IngestCheck>> {
        Some(Arc::new(RefusesEvil))
    }
}

/// Refuses a file whose bytes mention `evil`.
#[derive(Debug)]
struct RefusesEvil;

impl tributary_engine::formats::IngestCheck for RefusesEvil {
    fn check<'a>(
        &'a self,
        file: tributary_engine::formats::CheckedFile<'a>,
    ) -> tributary_engine::formats::CheckFuture<'a, ()> {
        Box::pin(async move {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut &file.bytes, &mut bytes).map_err(|e| e.to_string())?;
            match bytes.windows(4).any(|w| w == b"evil") {
                true => Err("not what the checksum database says".to_owned()),
                false => Ok(()),
            }
        })
    }
}

/// A format with no upstream registry at all: only its name.
#[derive(Debug)]
struct NoUpstream;

impl FormatAdapter for NoUpstream {
    fn format(&self) -> PackageFormat {
        PackageFormat::Npm
    }
}

#[tokio::test]
async fn a_service_index_is_read_first_and_kept() {
    let registry = Arc::new(Registry::default());
    let url = registry.start().await;
    registry.publish("demo", &["1.0.0"]);
    // The metadata lives under `/meta`, as the index says.
    let meta = serde_json::json!({ "metadata": format!("{url}/meta") }).to_string();
    {
        let mut routes = registry.routes.lock().expect("routes");
        let document = routes.remove("/demo").expect("the document");
        routes.insert("/meta/demo".to_owned(), document);
        routes.insert("/index.json".to_owned(), meta.into_bytes());
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;
    let app = target(&service, "app").await;
    for name in ["demo", "other"] {
        let view = service.package_view(&app, &Indexed, &coordinates(name)).await.expect("a view");
        assert_eq!(view.versions.contains_key("1.0.0"), name == "demo", "{name}: {:?}", view.upstream_error);
    }
    assert_eq!(registry.hits("/index.json"), 1, "the index is read once");
    assert_eq!(registry.hits("/meta/demo"), 1);
    assert_eq!(registry.hits("/demo"), 0, "no metadata URL is made from the connection's base");

    // A registry without its index fails the view with a clear error.
    registry.routes.lock().expect("routes").remove("/index.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;
    let view = service.package_view(&target(&service, "app").await, &Indexed, &coordinates("demo")).await;
    let error = view.expect("a view").upstream_error.expect("an error");
    assert!(error.message.contains("no service index"), "{}", error.message);
}

#[tokio::test]
async fn a_download_that_fails_its_check_is_not_kept() {
    let registry = Arc::new(Registry::default());
    registry.publish("evil", &["1.0.0"]);
    registry.publish("good", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;
    let app = target(&service, "app").await;

    // A checked file is held back until it passes: the refusal is the answer, not a stream cut.
    let body = service.fetch_asset(&app, &Checked, &coordinates("evil"), "1.0.0", &file_name("evil", "1.0.0")).await;
    let failure = body.expect_err("the download fails");
    assert!(failure.message.contains("failed its check"), "{}", failure.message);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(stored(&service, "app", "evil").await.is_empty(), "nothing kept in app");
    assert!(stored(&service, "gateway", "evil").await.is_empty(), "nothing kept in the gateway");

    let body = service.fetch_asset(&app, &Checked, &coordinates("good"), "1.0.0", &file_name("good", "1.0.0")).await;
    let chunks: Vec<std::io::Result<bytes::Bytes>> = body.expect("opened").stream.collect().await;
    assert!(chunks.iter().all(Result::is_ok), "a file that passes is served whole");
    until_stored(&service, "app", "good", "1.0.0").await;
}

#[tokio::test]
async fn a_format_without_upstream_searches_no_connection() {
    let registry = Arc::new(Registry::default());
    registry.publish("demo", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(300)).await;
    let view = service.package_view(&target(&service, "app").await, &NoUpstream, &coordinates("demo")).await;
    let view = view.expect("a view");
    assert!(view.versions.is_empty() && view.gateways.is_empty() && view.upstream_error.is_none(), "{view:?}");
    assert_eq!(registry.hits("/demo"), 0);
}

/// Garbage collection beside an upload of the same bytes: a blob no version refers to is
/// deleted; an upload that stored it before the deletion and writes its version after is
/// refused (its bytes are gone) and nothing is written; stored again, the version is written;
/// a blob a version refers to, here or fetched through the chain, is never deleted.
#[tokio::test]
async fn a_collected_blob_is_refused_until_stored_again() {
    let registry = Arc::new(Registry::default());
    registry.publish("fetched", &["1.0.0"]);
    let url = registry.start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let service = chain(dir.path(), &url, Duration::from_secs(60)).await;
    publish(&service, "app", "kept", "1.0.0").await;
    assert_eq!(download(&service, "app", "fetched", "1.0.0").await, bytes_of("fetched", "1.0.0"));
    until_stored(&service, "gateway", "fetched", "1.0.0").await;

    // An upload stores its blob; then, before it writes its version, a collection runs.
    let target = target(&service, "app").await;
    let orphan = bytes_of("orphan", "1.0.0");
    let (expected, tags) = (ExpectedDigests::default(), BTreeMap::new());
    let store = |bytes: Vec<u8>| service.store_blob(&target.domain, body_from_bytes(bytes), &expected);
    let digests = store(orphan.clone()).await.expect("stored");
    let report = service.collect_garbage(Duration::ZERO).await.expect("a collection");
    assert_eq!((report.idle, report.deleted), (3, 1), "three blobs, one referred to by nothing");

    let new = NewVersion {
        version: "1.0.0".to_owned(),
        status: VersionStatus::Published,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: VersionMetadata::default(),
        format_metadata: serde_json::json!({}),
        published_at: chrono::Utc::now(),
        assets: vec![asset_record(&file_name("orphan", "1.0.0"), &digests)],
    };
    let package = coordinates("orphan");
    let publish_orphan = || service.publish(&target, &FakeFormat, &package, "orphan", new.clone(), &tags);
    let refused = publish_orphan().await.expect_err("its blob was deleted");
    assert_eq!(refused.kind, tributary_model::ErrorKind::Throttling, "{}", refused.message);
    assert!(refused.message.contains("upload it again"), "{}", refused.message);
    assert!(stored(&service, "app", "orphan").await.is_empty(), "nothing of the version is written");

    // The client uploads again: the bytes are back, and the version is written.
    store(orphan.clone()).await.expect("stored again");
    publish_orphan().await.expect("published once its bytes are back");
    assert_eq!(download(&service, "app", "orphan", "1.0.0").await, orphan);

    // Everything is referred to now: a collection keeps it all.
    let report = service.collect_garbage(Duration::ZERO).await.expect("a collection");
    assert_eq!((report.idle, report.deleted), (3, 0));
    assert_eq!(download(&service, "app", "kept", "1.0.0").await, bytes_of("kept", "1.0.0"));
    assert_eq!(download(&service, "app", "fetched", "1.0.0").await, bytes_of("fetched", "1.0.0"));
}
