//! A local stand-in for the public npm registry (`registry.npmjs.org`), for the `public:npmjs`
//! external connection in end-to-end tests.
//!
//! - [`npm_pack`] builds real tarballs with the real `npm pack` from [`PackageSpec`]s (a
//!   package.json and an index.js written to a temporary folder), all in one `npm` run.
//! - [`NpmFixture::start`] serves them on `127.0.0.1:<free port>` as the public registry does:
//!   `GET /{name}` (scoped: `/@scope%2fname` or `/@scope/name`) answers the full packument
//!   (`name`, `dist-tags`, `versions` with `dist.tarball` pointing at the fixture itself,
//!   `dist.shasum`, `dist.integrity`, `time`), with an `ETag` (and `304` on `If-None-Match`);
//!   `GET /{name}/-/{file}.tgz` answers the tarball.
//! - It counts the requests it answered per (percent-decoded) path, so a test can assert that a
//!   burst of client requests made exactly one upstream request.
//! - [`NpmFixture::set_mode`] switches it at runtime: [`Mode::Up`], [`Mode::Down`] (every
//!   connection is closed as soon as it is accepted or its next request arrives: nothing is
//!   answered, nothing counted), [`Mode::Slow`] (each answer waits first), [`Mode::Error500`].
//!
//! The server is a small HTTP/1.1 loop on its own thread and Tokio runtime, so it keeps serving
//! while a test blocks its own threads on a client process; it stops when the fixture drops.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use sha1::Digest as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How the fixture answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Normally.
    Up,
    /// Not at all: connections are closed without an answer.
    Down,
    /// Normally, after waiting this long.
    Slow(Duration),
    /// `500 Internal Server Error` to everything.
    Error500,
}

/// A package version to build with `npm pack`: a package.json (name, version, dependencies, any
/// extra fields) and an `index.js`.
#[derive(Debug, Clone)]
pub struct PackageSpec {
    name: String,
    version: String,
    dependencies: BTreeMap<String, String>,
    fields: serde_json::Map<String, Value>,
}

impl PackageSpec {
    /// `name@version`, no dependencies, a description.
    pub fn new(name: &str, version: &str) -> Self {
        let mut fields = serde_json::Map::new();
        fields.insert("description".to_owned(), Value::String(format!("{name} {version}, built for the tests")));
        fields.insert("license".to_owned(), Value::String("MIT".to_owned()));
        Self { name: name.to_owned(), version: version.to_owned(), dependencies: BTreeMap::new(), fields }
    }

    /// Adds a dependency on `name` at `range`.
    pub fn dependency(mut self, name: &str, range: &str) -> Self {
        self.dependencies.insert(name.to_owned(), range.to_owned());
        self
    }

    /// Sets another package.json field.
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.fields.insert(key.to_owned(), value);
        self
    }

    /// The package.json this spec writes.
    pub fn manifest(&self) -> Value {
        let mut manifest = serde_json::Map::new();
        manifest.insert("name".to_owned(), Value::String(self.name.clone()));
        manifest.insert("version".to_owned(), Value::String(self.version.clone()));
        manifest.insert("main".to_owned(), Value::String("index.js".to_owned()));
        for (key, value) in &self.fields {
            manifest.insert(key.clone(), value.clone());
        }
        if !self.dependencies.is_empty() {
            manifest.insert("dependencies".to_owned(), json!(self.dependencies));
        }
        Value::Object(manifest)
    }
}

/// A version packed by `npm pack`: its package.json and its tarball.
#[derive(Debug, Clone)]
pub struct Packed {
    /// The package name (`left-pad`, `@acme/lib`).
    pub name: String,
    /// The version.
    pub version: String,
    /// The package.json written before packing.
    pub manifest: Value,
    /// The `.tgz` bytes.
    pub tarball: Vec<u8>,
}

impl Packed {
    /// The tarball's SHA-1, hex: npm's `dist.shasum`.
    pub fn shasum(&self) -> String {
        hex_lower(&sha1::Sha1::digest(&self.tarball))
    }

    /// The tarball's SHA-512 as an SRI string: npm's `dist.integrity`.
    pub fn integrity(&self) -> String {
        integrity_of(&self.tarball)
    }

    /// The registry's file name: `{unscoped name}-{version}.tgz`.
    pub fn filename(&self) -> String {
        let unscoped = self.name.rsplit('/').next().unwrap_or(&self.name);
        format!("{unscoped}-{}.tgz", self.version)
    }

    /// The path of the tarball below a registry URL: `{name}/-/{file}`.
    pub fn tarball_path(&self) -> String {
        format!("{}/-/{}", self.name, self.filename())
    }
}

/// The SRI `sha512-...` of `bytes`.
pub fn integrity_of(bytes: &[u8]) -> String {
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes)))
}

/// The SHA-1 of `bytes`, hex.
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex_lower(&sha1::Sha1::digest(bytes))
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `Command` for the real `npm`, isolated from the developer's configuration and cache:
/// `HOME`, the user config and the cache are under `home`.
pub fn npm_command(home: &Path) -> Command {
    let mut command = Command::new("npm");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("npm_config_userconfig", home.join(".npmrc"))
        .env("npm_config_cache", home.join(".npm-cache"))
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false")
        .stdin(Stdio::null());
    command
}

/// Packs each spec with the real `npm pack` (one `npm` run for all of them).
pub fn npm_pack(specs: &[PackageSpec]) -> Vec<Packed> {
    let work = tempfile::Builder::new().prefix("npm-fixture-pack-").tempdir().expect("cannot make a temp dir");
    let out = work.path().join("out");
    std::fs::create_dir_all(&out).expect("cannot make the pack destination");
    let mut folders = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        let folder = work.path().join(format!("pkg{i}"));
        std::fs::create_dir_all(&folder).expect("cannot make a package folder");
        let manifest = serde_json::to_vec_pretty(&spec.manifest()).expect("a manifest serializes");
        std::fs::write(folder.join("package.json"), manifest).expect("cannot write package.json");
        let source = format!("module.exports = {{ name: {:?}, version: {:?} }};\n", spec.name, spec.version);
        std::fs::write(folder.join("index.js"), source).expect("cannot write index.js");
        std::fs::write(folder.join("README.md"), format!("# {}\n\nVersion {}.\n", spec.name, spec.version))
            .expect("cannot write README.md");
        folders.push(folder);
    }
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("cannot make a home");
    std::fs::write(home.join(".npmrc"), "").expect("cannot write .npmrc");
    let output = npm_command(&home)
        .arg("pack")
        .args(&folders)
        .arg("--pack-destination")
        .arg(&out)
        .arg("--json")
        .current_dir(work.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `npm pack` (is npm installed?): {e}"));
    assert!(
        output.status.success(),
        "`npm pack` failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("`npm pack --json` printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    });
    let entries = report.as_array().unwrap_or_else(|| panic!("`npm pack --json` printed no array: {report}"));
    assert_eq!(entries.len(), specs.len(), "`npm pack` packed other than asked: {report}");
    specs
        .iter()
        .zip(entries)
        .map(|(spec, entry)| {
            assert_eq!(entry["name"], spec.name.as_str(), "`npm pack` reports another package: {entry}");
            assert_eq!(entry["version"], spec.version.as_str(), "`npm pack` reports another version: {entry}");
            let file = entry["filename"].as_str().unwrap_or_else(|| panic!("no `filename` in {entry}"));
            let tarball = std::fs::read(out.join(file)).unwrap_or_else(|e| panic!("cannot read `{file}`: {e}"));
            let packed =
                Packed { name: spec.name.clone(), version: spec.version.clone(), manifest: spec.manifest(), tarball };
            assert_eq!(entry["integrity"], packed.integrity().as_str(), "npm and the tests disagree on the integrity");
            packed
        })
        .collect()
}

/// One version the fixture serves.
#[derive(Debug, Clone)]
struct FixtureVersion {
    packed: Packed,
    /// The bytes answered for the tarball, when not the packed ones (a tampered upstream).
    served: Option<Vec<u8>>,
    /// Its `time` entry.
    published_at: String,
}

#[derive(Debug, Default)]
struct FixturePackage {
    versions: BTreeMap<String, FixtureVersion>,
    dist_tags: BTreeMap<String, String>,
}

#[derive(Debug)]
struct Shared {
    mode: Mutex<Mode>,
    packages: Mutex<BTreeMap<String, FixturePackage>>,
    counts: Mutex<BTreeMap<String, usize>>,
    published: Mutex<u32>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The fixture registry, serving until dropped.
#[derive(Debug)]
pub struct NpmFixture {
    port: u16,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NpmFixture {
    /// Starts an empty fixture, [`Mode::Up`], on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("cannot bind a port for the npm fixture");
        listener.set_nonblocking(true).expect("cannot make the fixture's socket non-blocking");
        let port = listener.local_addr().expect("a bound socket has an address").port();
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Up),
            packages: Mutex::new(BTreeMap::new()),
            counts: Mutex::new(BTreeMap::new()),
            published: Mutex::new(0),
        });
        let (shutdown, stop) = tokio::sync::oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("npm-fixture-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the fixture's runtime builds");
                runtime.block_on(serve(listener, serving, port, stop));
            })
            .expect("cannot start the fixture's thread");
        Self { port, shared, shutdown: Some(shutdown), thread: Some(thread) }
    }

    /// Starts a fixture serving `versions` (see [`NpmFixture::publish`]).
    pub fn with(versions: &[Packed]) -> Self {
        let fixture = Self::start();
        for packed in versions {
            fixture.publish(packed);
        }
        fixture
    }

    /// `http://127.0.0.1:PORT`: the value for `TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a version; `latest` moves to it unless it is a prerelease or lower than the current one.
    pub fn publish(&self, packed: &Packed) {
        self.add(packed, None);
    }

    /// Adds a version whose packument declares `packed`'s digests but whose tarball URL answers
    /// `served` instead: an upstream that changed or corrupted the bytes.
    pub fn publish_tampered(&self, packed: &Packed, served: Vec<u8>) {
        self.add(packed, Some(served));
    }

    fn add(&self, packed: &Packed, served: Option<Vec<u8>>) {
        let n = {
            let mut published = lock(&self.shared.published);
            *published += 1;
            *published
        };
        // One minute apart, in the order published.
        let published_at = format!("2024-01-01T{:02}:{:02}:00.000Z", n / 60 % 24, n % 60);
        let mut packages = lock(&self.shared.packages);
        let package = packages.entry(packed.name.clone()).or_default();
        let is_prerelease = packed.version.contains('-');
        let newer = package.dist_tags.get("latest").is_none_or(|latest| semver_gt(&packed.version, latest));
        if !is_prerelease && newer {
            package.dist_tags.insert("latest".to_owned(), packed.version.clone());
        }
        package
            .versions
            .insert(packed.version.clone(), FixtureVersion { packed: packed.clone(), served, published_at });
    }

    /// Points `tag` of `name` at `version`.
    pub fn set_dist_tag(&self, name: &str, tag: &str, version: &str) {
        let mut packages = lock(&self.shared.packages);
        let package = packages.get_mut(name).unwrap_or_else(|| panic!("the fixture has no `{name}`"));
        package.dist_tags.insert(tag.to_owned(), version.to_owned());
    }

    /// Switches how it answers from now on (connections already answering finish).
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    /// How it answers now.
    pub fn mode(&self) -> Mode {
        *lock(&self.shared.mode)
    }

    /// How many requests for `path` (percent-decoded, without the query: `/left-pad`,
    /// `/@acme/lib`, `/left-pad/-/left-pad-1.3.0.tgz`) it answered.
    pub fn requests(&self, path: &str) -> usize {
        lock(&self.shared.counts).get(path).copied().unwrap_or(0)
    }

    /// How many requests for the packument of `name` it answered.
    pub fn packument_requests(&self, name: &str) -> usize {
        self.requests(&format!("/{name}"))
    }

    /// How many requests for the tarball of `packed` it answered.
    pub fn tarball_requests(&self, packed: &Packed) -> usize {
        self.requests(&format!("/{}", packed.tarball_path()))
    }

    /// Every answered request: path → count.
    pub fn all_requests(&self) -> BTreeMap<String, usize> {
        lock(&self.shared.counts).clone()
    }

    /// How many requests it answered in all.
    pub fn total_requests(&self) -> usize {
        lock(&self.shared.counts).values().sum()
    }
}

impl Drop for NpmFixture {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `a > b` by semver precedence (for the fixture's own `latest`; release versions only).
fn semver_gt(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['-', '+']).next().unwrap_or_default().split('.').map(|p| p.parse().unwrap_or(0)).collect()
    };
    parse(a) > parse(b)
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
    shared: Arc<Shared>,
    port: u16,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("the fixture's socket joins the runtime");
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                if *lock(&shared.mode) == Mode::Down {
                    drop(stream);
                    continue;
                }
                tokio::spawn(connection(stream, shared.clone(), port));
            }
        }
    }
}

/// One request's head.
struct RequestHead {
    method: String,
    path: String,
    if_none_match: Option<String>,
    content_length: usize,
    close: bool,
}

fn parse_head(head: &str) -> Option<RequestHead> {
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?;
    let path = percent_decode(target.split('?').next().unwrap_or_default());
    let mut parsed = RequestHead { method, path, if_none_match: None, content_length: 0, close: false };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "if-none-match" => parsed.if_none_match = Some(value.to_owned()),
            "content-length" => parsed.content_length = value.parse().unwrap_or(0),
            "connection" => parsed.close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    Some(parsed)
}

async fn connection(mut stream: tokio::net::TcpStream, shared: Arc<Shared>, port: u16) {
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        // Read one request head.
        let end = loop {
            if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if buffer.len() > 64 * 1024 {
                return;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let Some(head) = parse_head(&String::from_utf8_lossy(&buffer[..end])) else { return };
        buffer.drain(..end);
        // Skip a body (the fixture only reads).
        while buffer.len() < head.content_length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..head.content_length);

        let mode = *lock(&shared.mode);
        if mode == Mode::Down {
            return;
        }
        *lock(&shared.counts).entry(head.path.clone()).or_default() += 1;
        if let Mode::Slow(delay) = mode {
            tokio::time::sleep(delay).await;
        }
        let response = if mode == Mode::Error500 {
            Response::json(500, "Internal Server Error", br#"{"error":"the fixture is set to fail"}"#.to_vec())
        } else {
            route(&head, &shared, port)
        };
        let mut out = Vec::with_capacity(response.body.len() + 256);
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            response.status,
            response.reason,
            response.content_type,
            response.body.len()
        );
        if let Some(etag) = &response.etag {
            let _ = write!(out, "ETag: {etag}\r\n");
        }
        let _ = write!(out, "Connection: {}\r\n\r\n", if head.close { "close" } else { "keep-alive" });
        if head.method != "HEAD" && response.status != 304 {
            out.extend_from_slice(&response.body);
        }
        if stream.write_all(&out).await.is_err() || head.close {
            return;
        }
    }
}

struct Response {
    status: u16,
    reason: &'static str,
    content_type: &'static str,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, reason: &'static str, body: Vec<u8>) -> Self {
        Self { status, reason, content_type: "application/json", etag: None, body }
    }

    fn not_found() -> Self {
        Self::json(404, "Not Found", br#"{"error":"Not found"}"#.to_vec())
    }
}

fn route(head: &RequestHead, shared: &Shared, port: u16) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        return Response::json(405, "Method Not Allowed", br#"{"error":"the fixture only reads"}"#.to_vec());
    }
    let path = head.path.trim_start_matches('/');
    let packages = lock(&shared.packages);
    // A tarball: `{name}/-/{file}`.
    if let Some((name, file)) = path.split_once("/-/") {
        let Some(package) = packages.get(name) else { return Response::not_found() };
        let Some(version) = package.versions.values().find(|v| v.packed.filename() == file) else {
            return Response::not_found();
        };
        let body = version.served.clone().unwrap_or_else(|| version.packed.tarball.clone());
        return Response { status: 200, reason: "OK", content_type: "application/octet-stream", etag: None, body };
    }
    let Some(package) = packages.get(path) else { return Response::not_found() };
    let body = serde_json::to_vec(&packument(path, package, port)).expect("a packument serializes");
    let etag = format!("\"{}\"", sha1_hex(&body));
    if head.if_none_match.as_deref() == Some(etag.as_str()) {
        return Response {
            status: 304,
            reason: "Not Modified",
            content_type: "application/json",
            etag: Some(etag),
            body,
        };
    }
    Response { status: 200, reason: "OK", content_type: "application/json", etag: Some(etag), body }
}

/// The full packument of `name`, as the public registry renders it.
fn packument(name: &str, package: &FixturePackage, port: u16) -> Value {
    let mut versions = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    for (version, entry) in &package.versions {
        let mut manifest = entry.packed.manifest.clone();
        if let Some(object) = manifest.as_object_mut() {
            object.insert("_id".to_owned(), Value::String(format!("{name}@{version}")));
            object.insert(
                "dist".to_owned(),
                json!({
                    "tarball": format!("http://127.0.0.1:{port}/{}", entry.packed.tarball_path()),
                    "shasum": entry.packed.shasum(),
                    "integrity": entry.packed.integrity(),
                }),
            );
        }
        versions.insert(version.clone(), manifest);
        time.insert(version.clone(), Value::String(entry.published_at.clone()));
    }
    let created = package.versions.values().map(|v| v.published_at.clone()).min().unwrap_or_default();
    let modified = package.versions.values().map(|v| v.published_at.clone()).max().unwrap_or_default();
    time.insert("created".to_owned(), Value::String(created));
    time.insert("modified".to_owned(), Value::String(modified));
    let latest = package.dist_tags.get("latest").and_then(|v| package.versions.get(v));
    json!({
        "_id": name,
        "name": name,
        "description": latest.and_then(|v| v.packed.manifest.get("description").cloned()),
        "dist-tags": package.dist_tags,
        "versions": versions,
        "time": time,
        "license": "MIT",
        "readme": format!("# {name}\n"),
        "maintainers": [{"name": "fixture", "email": "fixture@example.invalid"}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_scoped_paths() {
        assert_eq!(percent_decode("/@acme%2flib"), "/@acme/lib");
        assert_eq!(percent_decode("/%40acme%2Flib"), "/@acme/lib");
        assert_eq!(percent_decode("/left-pad/-/left-pad-1.3.0.tgz"), "/left-pad/-/left-pad-1.3.0.tgz");
        assert_eq!(percent_decode("/bad%"), "/bad%");
    }

    fn fake(name: &str, version: &str) -> Packed {
        Packed {
            name: name.to_owned(),
            version: version.to_owned(),
            manifest: json!({"name": name, "version": version}),
            tarball: format!("bytes of {name}@{version}").into_bytes(),
        }
    }

    #[tokio::test]
    async fn serves_counts_and_switches_modes() {
        let fixture = NpmFixture::with(&[fake("@acme/lib", "1.0.0"), fake("@acme/lib", "2.0.0-rc.1")]);
        let client = reqwest::Client::builder().no_proxy().build().expect("a client");
        let url = format!("{}/@acme%2flib", fixture.url());

        let response = client.get(&url).send().await.expect("an answer");
        assert_eq!(response.status(), 200);
        let etag = response.headers().get("etag").cloned().expect("an ETag");
        let doc: Value = response.json().await.expect("JSON");
        assert_eq!(doc["dist-tags"], json!({"latest": "1.0.0"}));
        let dist = &doc["versions"]["1.0.0"]["dist"];
        assert_eq!(dist["tarball"], format!("{}/@acme/lib/-/lib-1.0.0.tgz", fixture.url()));
        assert_eq!(dist["integrity"], integrity_of(b"bytes of @acme/lib@1.0.0"));
        assert_eq!(dist["shasum"], sha1_hex(b"bytes of @acme/lib@1.0.0"));
        let revalidated = client.get(&url).header("if-none-match", etag).send().await.expect("an answer");
        assert_eq!(revalidated.status(), 304);
        let tarball = client.get(dist["tarball"].as_str().expect("a URL")).send().await.expect("an answer");
        assert_eq!(tarball.bytes().await.expect("bytes").as_ref(), b"bytes of @acme/lib@1.0.0");
        assert_eq!(fixture.packument_requests("@acme/lib"), 2);
        assert_eq!(fixture.tarball_requests(&fake("@acme/lib", "1.0.0")), 1);
        assert_eq!(client.get(format!("{}/nope", fixture.url())).send().await.expect("an answer").status(), 404);

        fixture.set_mode(Mode::Error500);
        assert_eq!(client.get(&url).send().await.expect("an answer").status(), 500);
        fixture.set_mode(Mode::Slow(Duration::from_millis(300)));
        let started = std::time::Instant::now();
        assert_eq!(client.get(&url).send().await.expect("an answer").status(), 200);
        assert!(started.elapsed() >= Duration::from_millis(300));
        fixture.set_mode(Mode::Down);
        let before = fixture.total_requests();
        assert!(client.get(&url).send().await.is_err(), "a down fixture answered");
        let fresh = reqwest::Client::builder().no_proxy().build().expect("a client");
        assert!(fresh.get(&url).send().await.is_err(), "a down fixture answered a new connection");
        assert_eq!(fixture.total_requests(), before, "refused requests are not counted");
        fixture.set_mode(Mode::Up);
        assert_eq!(client.get(&url).send().await.expect("an answer").status(), 200);
    }

    #[test]
    fn orders_release_versions() {
        assert!(semver_gt("1.10.0", "1.9.0"));
        assert!(!semver_gt("1.0.0", "1.0.0"));
        assert!(semver_gt("2.0.0", "1.99.99"));
    }
}
