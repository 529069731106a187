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
//! - [`NpmFixture::require_token`] makes it a private registry: a request without
//!   `Authorization: Bearer {token}` is answered `401` (and still counted and logged).
//! - Its [`FixtureServer`] counts the requests it answered per (percent-decoded) path, so a test
//!   can assert that a burst of client requests made exactly one upstream request, and switches
//!   [`Mode`] at runtime ([`FixtureServer::set_mode`]); it stops when the fixture drops.
//!
//! [`FixtureServer`]: crate::fixture_server::FixtureServer
//! [`FixtureServer::set_mode`]: crate::fixture_server::FixtureServer::set_mode

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Value, json};
use sha1::Digest as _;

pub use crate::fixture_server::Mode;
use crate::fixture_server::{Fixture, Request, Response, lock};

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

/// Writes `home/.npmrc` pointing npm at `registry` (ending in `/`) with `token`.
pub fn write_npmrc(home: &Path, registry: &str, token: &str) {
    let npmrc = format!("registry={registry}\n{}:_authToken={token}\n", registry.trim_start_matches("http:"));
    std::fs::write(home.join(".npmrc"), npmrc).expect("cannot write .npmrc");
}

/// An empty consumer project `parent/name` (a `package.json` and nothing else): its folder.
pub fn consumer_project(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).expect("cannot make a project folder");
    std::fs::write(dir.join("package.json"), r#"{"name": "consumer", "version": "1.0.0"}"#).expect("package.json");
    dir
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

/// What the fixture registry serves.
#[derive(Debug, Default)]
pub struct Registry {
    packages: Mutex<BTreeMap<String, FixturePackage>>,
    published: Mutex<u32>,
    /// The CouchDB-style changes feed (`/_changes`): (sequence, package name), a line per publish.
    changes: Mutex<Vec<(u32, String)>>,
    /// The bearer token every request must carry, when set ([`NpmFixture::require_token`]).
    token: Mutex<Option<String>>,
}

/// The fixture registry, serving until dropped. It derefs to its [`FixtureServer`]: `url()`
/// (`http://127.0.0.1:PORT`, the value for `TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL`), the
/// [`Mode`]s, and the requests it answered.
///
/// [`FixtureServer`]: crate::fixture_server::FixtureServer
pub type NpmFixture = Fixture<Registry>;

impl NpmFixture {
    /// Starts an empty fixture, [`Mode::Up`], on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::serve("npm", Registry::default(), route)
    }

    /// Starts a fixture serving `versions` (see [`NpmFixture::publish`]).
    pub fn with(versions: &[Packed]) -> Self {
        let fixture = Self::start();
        for packed in versions {
            fixture.publish(packed);
        }
        fixture
    }

    /// From now on, answers `401` to any request (the changes feed too) that does not carry
    /// `Authorization: Bearer {token}`: a private registry.
    pub fn require_token(&self, token: &str) {
        *lock(&self.state().token) = Some(token.to_owned());
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

    /// Adds a version whose packument says it was published at `when` (RFC 3339).
    pub fn publish_at(&self, packed: &Packed, when: &str) {
        self.add_at(packed, None, Some(when.to_owned()));
    }

    fn add(&self, packed: &Packed, served: Option<Vec<u8>>) {
        self.add_at(packed, served, None);
    }

    fn add_at(&self, packed: &Packed, served: Option<Vec<u8>>, when: Option<String>) {
        let n = {
            let mut published = lock(&self.state().published);
            *published += 1;
            *published
        };
        // One minute apart, in the order published.
        let published_at = when.unwrap_or_else(|| format!("2024-01-01T{:02}:{:02}:00.000Z", n / 60 % 24, n % 60));
        lock(&self.state().changes).push((n, packed.name.clone()));
        let mut packages = lock(&self.state().packages);
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
        let mut packages = lock(&self.state().packages);
        let package = packages.get_mut(name).unwrap_or_else(|| panic!("the fixture has no `{name}`"));
        package.dist_tags.insert(tag.to_owned(), version.to_owned());
    }

    /// How many requests for the packument of `name` it answered.
    pub fn packument_requests(&self, name: &str) -> usize {
        self.requests(&format!("/{name}"))
    }

    /// How many requests for the tarball of `packed` it answered.
    pub fn tarball_requests(&self, packed: &Packed) -> usize {
        self.requests(&format!("/{}", packed.tarball_path()))
    }
}

/// `a > b` by semver precedence (for the fixture's own `latest`; release versions only).
fn semver_gt(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['-', '+']).next().unwrap_or_default().split('.').map(|p| p.parse().unwrap_or(0)).collect()
    };
    parse(a) > parse(b)
}

/// `/_changes?since=N&limit=M`: the publishes after sequence `N`, as CouchDB (and npm's
/// replication endpoint) list them.
fn changes(request: &Request, registry: &Registry) -> Response {
    let param = |key: &str| {
        request
            .query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")).and_then(|v| v.parse::<u32>().ok()))
    };
    let since = param("since").unwrap_or(0);
    let limit = param("limit").unwrap_or(1000) as usize;
    let changes = lock(&registry.changes);
    let results: Vec<Value> = changes
        .iter()
        .filter(|(seq, _)| *seq > since)
        .take(limit)
        .map(|(seq, name)| serde_json::json!({ "seq": seq, "id": name, "changes": [{ "rev": format!("{seq}-fixture") }] }))
        .collect();
    let last = results.last().and_then(|r| r["seq"].as_u64()).unwrap_or(u64::from(since));
    let body = serde_json::json!({ "results": results, "last_seq": last });
    Response::new(200, "application/json", serde_json::to_vec(&body).expect("json"))
}

fn not_found() -> Response {
    Response::new(404, "application/json", br#"{"error":"Not found"}"#.to_vec())
}

/// The answer to `request` (the path `/{name}`, scoped `/@scope/name`, or `/{name}/-/{file}`);
/// `url` is the fixture's own.
fn route(request: &Request, registry: &Registry, url: &str) -> Response {
    if let Some(token) = lock(&registry.token).as_deref()
        && request.header("authorization") != Some(format!("Bearer {token}").as_str())
    {
        return Response::new(401, "application/json", br#"{"error":"Unauthorized"}"#.to_vec())
            .with_header("WWW-Authenticate", "Bearer");
    }
    let path = request.path.trim_start_matches('/');
    if path == "_changes" {
        return changes(request, registry);
    }
    if path.is_empty() {
        // The database's root, as CouchDB (and npm's replication endpoint) answer it.
        let update_seq = lock(&registry.changes).last().map_or(0, |(seq, _)| *seq);
        let body = serde_json::json!({ "db_name": "registry", "update_seq": update_seq });
        return Response::new(200, "application/json", serde_json::to_vec(&body).expect("json"));
    }
    let packages = lock(&registry.packages);
    // A tarball: `{name}/-/{file}`.
    if let Some((name, file)) = path.split_once("/-/") {
        let Some(package) = packages.get(name) else { return not_found() };
        let Some(version) = package.versions.values().find(|v| v.packed.filename() == file) else {
            return not_found();
        };
        let body = version.served.clone().unwrap_or_else(|| version.packed.tarball.clone());
        return Response::new(200, "application/octet-stream", body);
    }
    let Some(package) = packages.get(path) else { return not_found() };
    let body = serde_json::to_vec(&packument(path, package, url)).expect("a packument serializes");
    let etag = format!("\"{}\"", sha1_hex(&body));
    let status = if request.header("if-none-match") == Some(etag.as_str()) { 304 } else { 200 };
    Response::new(status, "application/json", body).with_header("ETag", etag)
}

/// The full packument of `name`, as the public registry renders it.
fn packument(name: &str, package: &FixturePackage, url: &str) -> Value {
    let mut versions = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    for (version, entry) in &package.versions {
        let mut manifest = entry.packed.manifest.clone();
        if let Some(object) = manifest.as_object_mut() {
            object.insert("_id".to_owned(), Value::String(format!("{name}@{version}")));
            object.insert(
                "dist".to_owned(),
                json!({
                    "tarball": format!("{url}/{}", entry.packed.tarball_path()),
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

/// The body `npm publish` sends for `name@version` with `tarball`, declaring `integrity` and
/// `shasum` (which may lie).
pub fn publish_body(name: &str, version: &str, tarball: &[u8], integrity: &str, shasum: &str) -> Value {
    let unscoped = name.rsplit('/').next().unwrap_or(name);
    json!({
        "_id": name,
        "name": name,
        "description": "crafted by hand",
        "dist-tags": {"latest": version},
        "versions": {version: {
            "name": name,
            "version": version,
            "_id": format!("{name}@{version}"),
            "dist": {"integrity": integrity, "shasum": shasum, "tarball": format!("http://x.invalid/{name}/-/{unscoped}-{version}.tgz")},
        }},
        "access": null,
        "_attachments": {format!("{name}-{version}.tgz"): {
            "content_type": "application/octet-stream",
            "data": base64::engine::general_purpose::STANDARD.encode(tarball),
            "length": tarball.len(),
        }},
    })
}

/// A publish body whose digests are those of `tarball`.
pub fn honest_body(name: &str, version: &str, tarball: &[u8]) -> Value {
    publish_body(name, version, tarball, &integrity_of(tarball), &sha1_hex(tarball))
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// A gzipped tar holding `files` (path, content).
pub fn tgz(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *content).expect("tar in memory");
    }
    gzip(&builder.into_inner().expect("tar in memory"))
}

/// yarn classic or pnpm (`TRIBUTARY_TEST_YARN`, `TRIBUTARY_TEST_PNPM` as `variable`), else
/// `target/tools/npm-global/bin/{name}`, where `cargo xtask test` installs them, run with `args`
/// in `dir`, with `home` as its home and nothing else of the machine's but `PATH`.
pub fn npm_global_tool(variable: &str, name: &str, home: &Path, dir: &Path, args: &[&str]) -> Command {
    let path = std::env::var_os(variable)
        .map_or_else(|| crate::workspace_root().join("target/tools/npm-global/bin").join(name), PathBuf::from);
    assert!(path.is_file(), "`{name}` is not at `{}`: run `cargo xtask test`, or set `{variable}`", path.display());
    isolated_tool(&path, home, dir, args)
}

/// `tool ARGS...` in `dir` with `home` as its home (and XDG folders under it), and nothing else
/// of the machine's but `PATH`.
pub fn isolated_tool(tool: &Path, home: &Path, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(tool);
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .stdin(Stdio::null());
    command
}

#[cfg(test)]
mod tests {
    use super::*;

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

        crate::fixture_server::assert_switches_modes(&fixture, &url).await;
        assert_eq!(fixture.packument_requests("@acme/lib"), 5);
    }

    #[tokio::test]
    async fn requires_its_token_once_told() {
        let fixture = NpmFixture::with(&[fake("@corp/widget", "1.0.0")]);
        let client = reqwest::Client::builder().no_proxy().build().expect("a client");
        let url = format!("{}/@corp%2fwidget", fixture.url());
        assert_eq!(client.get(&url).send().await.expect("an answer").status(), 200);
        fixture.require_token("s3cret");
        assert_eq!(client.get(&url).send().await.expect("an answer").status(), 401);
        let wrong = client.get(&url).bearer_auth("other").send().await.expect("an answer");
        assert_eq!(wrong.status(), 401);
        assert_eq!(client.get(&url).bearer_auth("s3cret").send().await.expect("an answer").status(), 200);
        let changes = format!("{}/_changes?since=0", fixture.url());
        assert_eq!(client.get(&changes).send().await.expect("an answer").status(), 401);
        let log = fixture.request_log();
        assert_eq!(log.len(), 5, "refused requests are counted too");
        assert_eq!(log[3].header("authorization"), Some("Bearer s3cret"));
    }

    #[test]
    fn orders_release_versions() {
        assert!(semver_gt("1.10.0", "1.9.0"));
        assert!(!semver_gt("1.0.0", "1.0.0"));
        assert!(semver_gt("2.0.0", "1.99.99"));
    }
}
