//! Maven end to end: the real `tributary` binary, the real `mvn` (and `java`, and the `aws` CLI),
//! and a local stand-in for Maven Central serving Debian's Maven repository
//! (`tributary_tests::maven_fixture`), as issue 5's "How it is verified" lists.
//!
//! Scenarios, each on SQLite and on PostgreSQL (the third on SQLite only):
//! - `deploy_and_consume_through_a_chain`: `aa -> bb -> gateway(public:maven-central)`; `mvn
//!   deploy` of the fixture library to `aa` and `mvn package` of its consumer, every plugin
//!   through the chain; the library Published, INTERNAL, its files' digests; the plugins in `aa`
//!   and the gateway, EXTERNAL, not in `bb`, each fetched once; checksums and merged metadata; a
//!   fresh build with Maven Central down.
//! - `snapshots`: a SNAPSHOT deployed twice; the version-level metadata names build 2; the
//!   consumer and a plain `-SNAPSHOT` request get the newer build.
//! - `unfinished_then_published`: by hand, the PUTs mvn makes: Unfinished until the artifact
//!   metadata names the version; the POM's description, licenses and dependencies (scopes, and
//!   the parent as CodeArtifact reports it); redeploys, `X-Checksum-*` headers and uploaded
//!   checksums.
//! - `bad_input`: a changed redeploy of a release (409), a bad token (401), a jar over the upload
//!   limit (413), each printed by mvn; by hand, a POM that disagrees with its path, path
//!   traversal, a misnamed file, no credentials: each refused with a clear message, nothing
//!   stored.
//! - `upstream_rules`: 409 for a version Maven Central has; 502/504 naming the connection when
//!   it is down; a corrupted upstream file refused and not stored; 50 concurrent downloads, one
//!   upstream request.
//!
//! Every mvn run checks checksums strictly (`-C`), so a wrong `.sha1` from the server fails the
//! build; every build gets a fresh local repository unless it says otherwise, so what it uses
//! comes from the server. A consumer of a SNAPSHOT needs settings that enable snapshots for the
//! mirrored `central` (`tributary_tests::maven_settings_with_snapshots`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::types::{PackageFormat, PackageVersionDescription, PackageVersionStatus};
use base64::Engine as _;
use serde_json::Value;
use tributary_tests::maven_fixture::{MavenFixture, Mode, checksum_hex, maven_path, metadata_path};
use tributary_tests::scenario::{
    Packages, Run, assert_external, burst, chain, client, noise, one_repository, run, server_with_upstream,
};
use tributary_tests::{
    Backend, TestServer, assert_mentions, maven_project, maven_settings, maven_settings_with_snapshots, mvn_command,
    on_both_backends,
};

on_both_backends!(deploy_and_consume_through_a_chain, snapshots, bad_input, upstream_rules);

/// The fixture library's group.
const GROUP: &str = "com.example.acme";
/// The fixture library's artifact.
const ARTIFACT: &str = "greeting";
/// The fixture library, as `group:artifact`.
const LIBRARY: &str = "com.example.acme:greeting";
/// The group of Maven's plugins.
const PLUGINS: &str = "org.apache.maven.plugins";
/// The plugins both `mvn deploy` of the library and `mvn package` of the consumer run.
const SHARED_PLUGINS: [(&str, &str); 4] = [
    ("maven-resources-plugin", "3.3.0"),
    ("maven-compiler-plugin", "3.10.1"),
    ("maven-surefire-plugin", "2.22.3"),
    ("maven-jar-plugin", "3.3.0"),
];
/// The plugins only `mvn deploy` runs.
const DEPLOY_PLUGINS: [(&str, &str); 3] =
    [("maven-source-plugin", "3.2.1"), ("maven-install-plugin", "3.1.0"), ("maven-deploy-plugin", "3.0.0")];
/// The external connection the gateway has.
const CENTRAL: &str = "public:maven-central";

/// A server whose `public:maven-central` is `fixture`, with more settings.
fn server_for(backend: Backend, fixture: &MavenFixture, env: &[(&str, &str)]) -> TestServer {
    server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL", &fixture.url(), env)
}

/// The Maven packages of the domain `acme`.
fn acme(sdk: &aws_sdk_codeartifact::Client) -> Packages<'_> {
    Packages::new(sdk, "acme", PackageFormat::Maven)
}

/// The Maven plugin `artifact`, as `group:artifact`.
fn plugin(artifact: &str) -> String {
    format!("{PLUGINS}:{artifact}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    checksum_hex("sha256", bytes).expect("sha256 is a checksum")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// mvn and java.

/// A client machine: a temporary HOME and work folder, and a settings.xml mirroring every
/// repository by one Tributary repository with a token.
struct Maven {
    work: tempfile::TempDir,
    home: PathBuf,
    settings: PathBuf,
    /// `http://127.0.0.1:PORT/maven/{domain}/{repository}/`.
    endpoint: String,
    token: String,
    made: std::cell::Cell<u32>,
}

impl Maven {
    /// mvn pointed at `domain/repository` of `server` with `token` (as the `<server>` password).
    fn new(server: &TestServer, domain: &str, repository: &str, token: &str) -> Self {
        let work = tempfile::Builder::new().prefix("maven-e2e-").tempdir().expect("cannot make a temp dir");
        let home = work.path().join("home");
        let endpoint = format!("{}/maven/{domain}/{repository}/", server.url());
        let settings = work.path().join("settings.xml");
        maven_settings(&settings, &endpoint, "aws", token);
        Self { home, settings, endpoint, token: token.to_owned(), work, made: std::cell::Cell::new(0) }
    }

    fn next(&self) -> u32 {
        let n = self.made.get() + 1;
        self.made.set(n);
        n
    }

    /// Another settings.xml for the same endpoint, with `token`.
    fn settings_with(&self, token: &str) -> PathBuf {
        let path = self.work.path().join(format!("settings-{}.xml", self.next()));
        maven_settings(&path, &self.endpoint, "aws", token);
        path
    }

    /// Another settings.xml for the same endpoint and token that resolves `-SNAPSHOT`
    /// dependencies too.
    fn snapshot_settings(&self) -> PathBuf {
        let path = self.work.path().join(format!("settings-{}.xml", self.next()));
        maven_settings_with_snapshots(&path, &self.endpoint, "aws", &self.token);
        path
    }

    /// A fresh copy of the fixture project `name` with `properties` set.
    fn project(&self, name: &str, properties: &[(&str, &str)]) -> PathBuf {
        maven_project(name, &self.work.path().join(format!("project-{}", self.next())), properties)
    }

    /// A fresh (not yet existing) local repository.
    fn local_repo(&self) -> PathBuf {
        self.work.path().join(format!("m2-{}", self.next()))
    }

    /// `mvn -C ARGS...` in `project` with `local_repo`.
    fn mvn(&self, project: &Path, local_repo: &Path, args: &[&str]) -> Run {
        self.mvn_with(&self.settings, project, local_repo, args)
    }

    /// `mvn -C ARGS...` in `project` with `local_repo` and the settings file `settings`.
    fn mvn_with(&self, settings: &Path, project: &Path, local_repo: &Path, args: &[&str]) -> Run {
        let mut command = mvn_command(&self.home, settings, local_repo);
        command.current_dir(project).arg("-C").args(args);
        run(command, &format!("mvn {} (in {})", args.join(" "), project.display()))
    }

    /// `mvn -C deploy` of the library project `lib` to the endpoint.
    fn deploy(&self, lib: &Path, local_repo: &Path) -> Run {
        self.deploy_with(&self.settings, lib, local_repo)
    }

    fn deploy_with(&self, settings: &Path, lib: &Path, local_repo: &Path) -> Run {
        let url = format!("-Dtributary.url={}", self.endpoint);
        self.mvn_with(settings, lib, local_repo, &["deploy", &url])
    }
}

/// Runs the consumer `app` (built with `mvn package`) against the library `version` in
/// `local_repo`; returns what it printed.
fn run_app(app: &Path, local_repo: &Path, version: &str) -> String {
    let library = local_repo.join(maven_path(GROUP, ARTIFACT, version, None, "jar"));
    assert!(library.is_file(), "the consumer's build did not download `{}`", library.display());
    let classpath = format!("{}:{}", app.join("target/app-1.0.0.jar").display(), library.display());
    let mut command = Command::new("java");
    command.args(["-cp", &classpath, "com.example.app.App"]);
    run(command, "java com.example.app.App").ok().stdout
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/// `GET url` with Basic credentials (`token` as the password): status and body (`Err` when it
/// was cut short).
async fn get(url: &str, token: &str) -> (u16, Result<Vec<u8>, String>) {
    let response = client()
        .get(url)
        .basic_auth("aws", Some(token))
        .send()
        .await
        .unwrap_or_else(|e| panic!("`GET {url}` was not answered: {e}"));
    let status = response.status().as_u16();
    (status, response.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string()))
}

/// `GET url`, which must answer 200 with a whole body: the body.
async fn get_ok(url: &str, token: &str) -> Vec<u8> {
    let (status, body) = get(url, token).await;
    let body = body.unwrap_or_else(|e| panic!("`GET {url}`: the body was cut short: {e}"));
    assert_eq!(status, 200, "`GET {url}`: {}", String::from_utf8_lossy(&body));
    body
}

/// `GET url` as text, which must answer 200.
async fn get_text(url: &str, token: &str) -> String {
    String::from_utf8(get_ok(url, token).await).unwrap_or_else(|e| panic!("`GET {url}` is not UTF-8: {e}"))
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
enum Auth<'a> {
    None,
    Basic(&'a str),
    Bearer(&'a str),
}

/// `PUT url` with `body` and `headers`: status, headers and body text (the request is made
/// before the future is polled, so it borrows nothing).
fn put(
    url: &str,
    auth: Auth<'_>,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> impl Future<Output = (u16, reqwest::header::HeaderMap, String)> + use<> {
    let mut request = client().put(url).body(body);
    request = match auth {
        Auth::None => request,
        Auth::Basic(token) => request.basic_auth("aws", Some(token)),
        Auth::Bearer(token) => request.bearer_auth(token),
    };
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let url = url.to_owned();
    async move {
        let response = request.send().await.unwrap_or_else(|e| panic!("`PUT {url}` was not answered: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap_or_default())
    }
}

/// A raw HTTP/1.1 request for `path` exactly as given (clients resolve `..` and `%2e%2e` before
/// sending): status code, reason phrase, body.
fn raw_request(server: &TestServer, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port())).expect("connect to the server");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("aws:{token}"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Basic {credentials}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        server.port(),
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send the request head");
    stream.write_all(body).expect("send the request body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read the response");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status_line = head.lines().next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status in `{status_line}`"));
    (status, parts.next().unwrap_or_default().to_owned(), body.to_owned())
}

/// The text of the first `<tag>` element in `xml`.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim())
}

/// The texts of every `<tag>` element in `xml`, in order.
fn elements<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        found.push(after[..end].trim());
        rest = &after[end + close.len()..];
    }
    found
}

// ---------------------------------------------------------------------------------------------
// The control plane.

/// What a POM gives a version: summary, home page, source repository, licenses (name, URL).
type PomFacts<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Vec<(Option<&'a str>, Option<&'a str>)>);

/// The [`PomFacts`] of a described version.
fn pom_facts(described: &PackageVersionDescription) -> PomFacts<'_> {
    let licenses = described.licenses().iter().map(|l| (l.name(), l.url())).collect();
    (described.summary(), described.home_page(), described.source_code_repository(), licenses)
}

// ---------------------------------------------------------------------------------------------
// mvn deploy, mvn package, through a chain.

/// `mvn deploy` of the library (jar, sources, POM) to `aa`, whose plugins come through `aa ->
/// bb -> gateway(public:maven-central)`; `mvn package` of the consumer with `aa` as its only
/// repository, which runs; then the control plane's view, the fixture's counts, the checksums
/// and merged metadata, and a fresh build with Maven Central down.
async fn deploy_and_consume_through_a_chain(backend: Backend) {
    let fixture = MavenFixture::start();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CENTRAL).await;
    let mvn = Maven::new(&server, "acme", "aa", &token);
    let endpoint =
        server.aws(&["get-repository-endpoint", "--domain", "acme", "--repository", "aa", "--format", "maven"]).ok();
    assert_eq!(endpoint["repositoryEndpoint"], Value::from(mvn.endpoint.clone()), "{endpoint}");

    let lib = mvn.project("lib", &[]);
    mvn.deploy(&lib, &mvn.local_repo()).ok();
    let app = mvn.project("app", &[]);
    let app_repo = mvn.local_repo();
    mvn.mvn(&app, &app_repo, &["package"]).ok();
    assert_eq!(run_app(&app, &app_repo, "1.0.0"), "Hello, Tributary!\n");

    // The library: Published, INTERNAL in `aa`, its three files with their digests; only in `aa`.
    let versions = acme(&sdk).versions("aa", LIBRARY, None).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].version(), "1.0.0");
    assert_eq!(versions[0].status(), &PackageVersionStatus::Published, "{versions:?}");
    let origin = versions[0].origin().expect("an origin");
    assert_eq!(origin.origin_type().map(|t| t.as_str()), Some("INTERNAL"), "{origin:?}");
    assert_eq!(origin.domain_entry_point().and_then(|e| e.repository_name()), Some("aa"), "{origin:?}");
    let expected: BTreeMap<String, String> = [
        ("greeting-1.0.0.jar", lib.join("target/greeting-1.0.0.jar")),
        ("greeting-1.0.0-sources.jar", lib.join("target/greeting-1.0.0-sources.jar")),
        ("greeting-1.0.0.pom", lib.join("pom.xml")),
    ]
    .into_iter()
    .map(|(name, path)| (name.to_owned(), sha256_hex(&read(&path))))
    .collect();
    assert_eq!(acme(&sdk).assets("aa", LIBRARY, "1.0.0").await, expected);
    for repository in ["bb", "gateway"] {
        assert_eq!(acme(&sdk).version_numbers(repository, LIBRARY).await, Vec::<String>::new(), "{repository}");
    }
    // The POM's description, URL, SCM and license.
    let described = acme(&sdk).describe("aa", LIBRARY, "1.0.0").await;
    assert_eq!(
        pom_facts(&described),
        (
            Some("A tiny library the Tributary tests deploy with mvn."),
            Some("https://example.com/acme/greeting"),
            Some("https://example.com/acme/greeting.git"),
            vec![(Some("Apache-2.0"), Some("https://www.apache.org/licenses/LICENSE-2.0.txt"))]
        )
    );
    // The first internal deploy: publish=ALLOW, upstream=BLOCK.
    assert_eq!(acme(&sdk).restrictions("aa", LIBRARY).await, ("ALLOW".to_owned(), "BLOCK".to_owned()));

    // The plugins: in `aa` and the gateway, EXTERNAL; never in `bb`; each jar fetched once,
    // though two builds (with fresh local repositories) ran the shared ones.
    for (artifact, version) in SHARED_PLUGINS.iter().chain(&DEPLOY_PLUGINS) {
        for repository in ["aa", "gateway"] {
            assert_external(
                &acme(&sdk).versions(repository, &plugin(artifact), None).await,
                repository,
                artifact,
                version,
                CENTRAL,
            );
        }
        assert_eq!(acme(&sdk).version_numbers("bb", &plugin(artifact)).await, Vec::<String>::new(), "{artifact} in bb");
        let jar = maven_path(PLUGINS, artifact, version, None, "jar");
        assert_eq!(fixture.requests(&jar), 1, "{jar}: {:?}", fixture.all_requests());
    }
    let fetched_twice: Vec<(String, usize)> = fixture
        .all_requests()
        .into_iter()
        .filter(|(path, count)| {
            *count > 1
                && !path.ends_with("/maven-metadata.xml")
                && !["md5", "sha1", "sha256", "sha512"].iter().any(|ext| path.ends_with(&format!(".{ext}")))
                && fixture.contents(path).is_some()
        })
        .collect();
    assert_eq!(fetched_twice, Vec::new(), "files fetched from Maven Central more than once");
    let compiler = acme(&sdk).versions("aa", &plugin("maven-compiler-plugin"), None).await;
    assert_eq!(compiler.len(), 1, "only the version mvn used is stored: {compiler:?}");

    // Checksums of the deployed jar, and the artifact-level metadata, through `aa`.
    let jar_url = format!("{}{}", mvn.endpoint, maven_path(GROUP, ARTIFACT, "1.0.0", None, "jar"));
    let jar = read(&lib.join("target/greeting-1.0.0.jar"));
    assert!(get_ok(&jar_url, &token).await == jar, "the deployed jar comes back other");
    for algorithm in ["md5", "sha1", "sha256", "sha512"] {
        assert_eq!(
            get_text(&format!("{jar_url}.{algorithm}"), &token).await.trim(),
            checksum_hex(algorithm, &jar).expect("a checksum"),
            "{algorithm}"
        );
    }
    let metadata_url = format!("{}{}", mvn.endpoint, metadata_path(GROUP, ARTIFACT));
    let metadata = get_text(&metadata_url, &token).await;
    assert_eq!(element(&metadata, "groupId"), Some(GROUP), "{metadata}");
    assert_eq!(element(&metadata, "artifactId"), Some(ARTIFACT), "{metadata}");
    assert_eq!(elements(&metadata, "version"), ["1.0.0"], "{metadata}");
    assert_eq!(element(&metadata, "release"), Some("1.0.0"), "{metadata}");
    assert_eq!(element(&metadata, "latest"), Some("1.0.0"), "{metadata}");
    assert!(element(&metadata, "lastUpdated").is_some_and(|t| t.len() == 14), "{metadata}");
    assert_eq!(
        get_text(&format!("{metadata_url}.sha1"), &token).await.trim(),
        checksum_hex("sha1", metadata.as_bytes()).expect("sha1")
    );
    // A plugin's metadata through the chain: every version Maven Central lists.
    let compiler_metadata =
        get_text(&format!("{}{}", mvn.endpoint, metadata_path(PLUGINS, "maven-compiler-plugin")), &token).await;
    let upstream =
        String::from_utf8(fixture.contents(&metadata_path(PLUGINS, "maven-compiler-plugin")).expect("metadata"))
            .expect("UTF-8");
    assert_eq!(elements(&compiler_metadata, "version"), elements(&upstream, "version"), "{compiler_metadata}");
    assert_eq!(element(&compiler_metadata, "release"), Some("3.10.1"), "{compiler_metadata}");

    // Maven Central down: a fresh build of the consumer still works, from what is stored.
    fixture.set_mode(Mode::Down);
    let asked = fixture.total_requests();
    let app = mvn.project("app", &[]);
    let app_repo = mvn.local_repo();
    mvn.mvn(&app, &app_repo, &["package"]).ok();
    assert_eq!(run_app(&app, &app_repo, "1.0.0"), "Hello, Tributary!\n");
    assert_eq!(fixture.total_requests(), asked, "a down fixture answered");
}

// ---------------------------------------------------------------------------------------------
// SNAPSHOT versions.

/// One `<snapshotVersion>` of version-level metadata: (classifier, extension, value).
fn snapshot_versions(xml: &str) -> BTreeSet<(String, String, String)> {
    xml.split("<snapshotVersion>")
        .skip(1)
        .map(|block| {
            let block = &block[..block.find("</snapshotVersion>").expect("a closed `<snapshotVersion>`")];
            (
                element(block, "classifier").unwrap_or_default().to_owned(),
                element(block, "extension").unwrap_or_default().to_owned(),
                element(block, "value").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// A timestamped file of `greeting` `1.1.0-SNAPSHOT` (`greeting-1.1.0-20260101.120000-2-sources.jar`):
/// its timestamp (`20260101.120000`), build number and the rest (`-sources.jar`).
fn snapshot_file(name: &str) -> Option<(String, u32, String)> {
    let rest = name.strip_prefix("greeting-1.1.0-")?;
    let (stamp, rest) = (rest.get(..15)?, rest.get(15..)?.strip_prefix('-')?);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    Some((stamp.to_owned(), rest[..digits].parse().ok()?, rest[digits..].to_owned()))
}

/// `1.1.0-SNAPSHOT` of the library deployed twice (the second with another greeting): the
/// version-level metadata names build 2 (which mvn's second deploy learned from the first's
/// metadata); every build's files are kept; the consumer at `1.1.0-SNAPSHOT` and a plain
/// `greeting-1.1.0-SNAPSHOT.jar` request get the second build.
async fn snapshots(backend: Backend) {
    const VERSION: &str = "1.1.0-SNAPSHOT";
    let fixture = MavenFixture::start();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CENTRAL).await;
    let mvn = Maven::new(&server, "acme", "aa", &token);

    let local_repo = mvn.local_repo();
    let first = mvn.project("lib", &[("revision", VERSION)]);
    mvn.deploy(&first, &local_repo).ok();
    let second = mvn.project("lib", &[("revision", VERSION)]);
    let source = second.join("src/main/java/com/example/acme/Greeting.java");
    let code = String::from_utf8(read(&source)).expect("UTF-8");
    assert!(code.contains("\"Hello, \""), "{code}");
    std::fs::write(&source, code.replace("\"Hello, \"", "\"Howdy, \"")).expect("cannot change the greeting");
    mvn.deploy(&second, &local_repo).ok();
    let first_jar = read(&first.join("target/greeting-1.1.0-SNAPSHOT.jar"));
    let second_jar = read(&second.join("target/greeting-1.1.0-SNAPSHOT.jar"));
    assert_ne!(sha256_hex(&first_jar), sha256_hex(&second_jar));

    // Both builds are stored, three timestamped files each; the second is the second build.
    let assets = acme(&sdk).assets("aa", LIBRARY, VERSION).await;
    // build number → (timestamp, the kinds of file: `.jar`, `-sources.jar`, `.pom`).
    let mut builds: BTreeMap<u32, (String, BTreeSet<String>)> = BTreeMap::new();
    for name in assets.keys() {
        let (stamp, build, kind) = snapshot_file(name).unwrap_or_else(|| panic!("a stored file `{name}`: {assets:?}"));
        let entry = builds.entry(build).or_insert_with(|| (stamp.clone(), BTreeSet::new()));
        assert_eq!(entry.0, stamp, "the files of build {build} have different timestamps: {assets:?}");
        entry.1.insert(kind);
    }
    let kinds: BTreeSet<String> = [".jar", "-sources.jar", ".pom"].map(str::to_owned).into();
    assert_eq!(builds.keys().copied().collect::<Vec<_>>(), [1, 2], "{assets:?}");
    assert!(builds.values().all(|(_, k)| *k == kinds), "{assets:?}");
    let (first_stamp, second_stamp) = (builds[&1].0.clone(), builds[&2].0.clone());
    assert_eq!(assets[&format!("greeting-1.1.0-{first_stamp}-1.jar")], sha256_hex(&first_jar), "{assets:?}");
    assert_eq!(assets[&format!("greeting-1.1.0-{second_stamp}-2.jar")], sha256_hex(&second_jar), "{assets:?}");
    let versions = acme(&sdk).versions("aa", LIBRARY, None).await;
    assert_eq!(
        versions.iter().map(|v| (v.version(), v.status().clone())).collect::<Vec<_>>(),
        [(VERSION, PackageVersionStatus::Published)]
    );

    // The version-level metadata: build 2, its timestamp, the newest file of each kind.
    let version_url = format!("{}com/example/acme/greeting/{VERSION}/", mvn.endpoint);
    let metadata = get_text(&format!("{version_url}maven-metadata.xml"), &token).await;
    assert_eq!(element(&metadata, "version"), Some(VERSION), "{metadata}");
    assert_eq!(element(&metadata, "buildNumber"), Some("2"), "{metadata}");
    assert_eq!(element(&metadata, "timestamp"), Some(second_stamp.as_str()), "{metadata}");
    let value = format!("1.1.0-{second_stamp}-2");
    assert_eq!(
        snapshot_versions(&metadata),
        BTreeSet::from([
            (String::new(), "jar".to_owned(), value.clone()),
            (String::new(), "pom".to_owned(), value.clone()),
            ("sources".to_owned(), "jar".to_owned(), value.clone()),
        ]),
        "{metadata}"
    );
    assert_eq!(
        get_text(&format!("{version_url}maven-metadata.xml.sha1"), &token).await.trim(),
        checksum_hex("sha1", metadata.as_bytes()).expect("sha1")
    );
    let artifact_metadata = get_text(&format!("{}{}", mvn.endpoint, metadata_path(GROUP, ARTIFACT)), &token).await;
    assert_eq!(elements(&artifact_metadata, "version"), [VERSION], "{artifact_metadata}");
    assert_eq!(element(&artifact_metadata, "latest"), Some(VERSION), "{artifact_metadata}");
    assert_eq!(element(&artifact_metadata, "release"), None, "no release among SNAPSHOTs: {artifact_metadata}");

    // A plain `-SNAPSHOT` file name is the newest build.
    let plain = format!("{version_url}greeting-{VERSION}.jar");
    assert!(get_ok(&plain, &token).await == second_jar, "`greeting-{VERSION}.jar` is not the second build");
    assert_eq!(
        get_text(&format!("{plain}.sha1"), &token).await.trim(),
        checksum_hex("sha1", &second_jar).expect("sha1")
    );
    let timestamped = format!("{version_url}greeting-1.1.0-{first_stamp}-1.jar");
    assert!(get_ok(&timestamped, &token).await == first_jar, "the first build is served by its name");

    // The consumer at the SNAPSHOT gets the second build.
    let app = mvn.project("app", &[("greeting.version", VERSION)]);
    let app_repo = mvn.local_repo();
    mvn.mvn_with(&mvn.snapshot_settings(), &app, &app_repo, &["package"]).ok();
    let used = read(&app_repo.join(maven_path(GROUP, ARTIFACT, VERSION, None, "jar")));
    assert_eq!(sha256_hex(&used), sha256_hex(&second_jar), "the consumer got an older build");
    assert_eq!(run_app(&app, &app_repo, VERSION), "Howdy, Tributary!\n");
}

// ---------------------------------------------------------------------------------------------
// The PUTs of a deploy, one by one.

/// The POM of `com.example.http:widget:{version}`: a parent, a description with runs of
/// whitespace, URL, SCM, a license, and a dependency in each scope.
fn widget_pom(version: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.example.http</groupId>
    <artifactId>widget-parent</artifactId>
    <version>7</version>
  </parent>
  <artifactId>widget</artifactId>
  <version>{version}</version>
  <name>Widget</name>
  <description>A widget,
      deployed by hand.</description>
  <url>https://example.com/widget</url>
  <licenses>
    <license>
      <name>MIT</name>
      <url>https://opensource.org/licenses/MIT</url>
    </license>
  </licenses>
  <scm>
    <url>https://example.com/widget.git</url>
  </scm>
  <dependencies>
    <dependency>
      <groupId>com.example.http</groupId>
      <artifactId>gear</artifactId>
      <version>[1.2,2.0)</version>
    </dependency>
    <dependency>
      <groupId>org.example</groupId>
      <artifactId>driver</artifactId>
      <version>3.1</version>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.example</groupId>
      <artifactId>container-api</artifactId>
      <version>4.0</version>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
      <version>4.13.2</version>
      <scope>test</scope>
    </dependency>
  </dependencies>
</project>
"#
    )
}

/// An artifact-level `maven-metadata.xml` naming `versions`, as mvn uploads it.
fn artifact_metadata_doc(group: &str, artifact: &str, versions: &[&str]) -> String {
    let listed: String = versions.iter().map(|v| format!("      <version>{v}</version>\n")).collect();
    let last = versions.last().copied().unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <groupId>{group}</groupId>\n  \
         <artifactId>{artifact}</artifactId>\n  <versioning>\n    <latest>{last}</latest>\n    <release>{last}</release>\n    \
         <versions>\n{listed}    </versions>\n    <lastUpdated>20260101120000</lastUpdated>\n  </versioning>\n</metadata>\n"
    )
}

/// By hand, the PUTs `mvn deploy` makes for `com.example.http:widget:2.0`: after the jar and
/// the POM the version is Unfinished (the aws CLI says so) and the artifact metadata does not
/// list it; the artifact-level `maven-metadata.xml` naming it publishes it; one naming another
/// version removes nothing. The POM's metadata and dependencies (with their scopes, and the
/// parent). The same bytes again succeed, other bytes are a 409; a wrong `X-Checksum-Sha1` is a
/// 400 that stores nothing; an uploaded `.sha1` is checked against the stored file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_then_published() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let endpoint = format!("{}/maven/acme/solo/", server.url());
    let (group, artifact) = ("com.example.http", "widget");
    let widget = format!("{group}:{artifact}");
    let url = |path: String| format!("{endpoint}{path}");
    let jar_url = url(maven_path(group, artifact, "2.0", None, "jar"));
    let pom_url = url(maven_path(group, artifact, "2.0", None, "pom"));
    let metadata_url = url(metadata_path(group, artifact));
    let jar = b"PK\x05\x06 not really a jar, but bytes".to_vec();
    let pom = widget_pom("2.0").into_bytes();
    let cli_statuses = || {
        let listed = acme(&sdk).cli(&server, "list-package-versions", "solo", &widget, None);
        listed["versions"]
            .as_array()
            .unwrap_or_else(|| panic!("no versions: {listed}"))
            .iter()
            .map(|v| {
                (
                    v["version"].as_str().unwrap_or_default().to_owned(),
                    v["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };

    // The jar (Bearer) and the POM (Basic, with its digests declared as mvn's wagon does).
    let (status, _, body) = put(&jar_url, Auth::Bearer(&token), jar.clone(), &[]).await;
    assert_eq!(status, 201, "{body}");
    let sha1 = checksum_hex("sha1", &pom).expect("sha1");
    let md5 = checksum_hex("md5", &pom).expect("md5");
    let (status, _, body) =
        put(&pom_url, Auth::Basic(&token), pom.clone(), &[("X-Checksum-Sha1", &sha1), ("X-Checksum-Md5", &md5)]).await;
    assert_eq!(status, 201, "{body}");
    for (file, bytes) in [(&jar_url, &jar), (&pom_url, &pom)] {
        for algorithm in ["sha1", "md5"] {
            let checksum = checksum_hex(algorithm, bytes).expect("a checksum").into_bytes();
            let (status, _, body) = put(&format!("{file}.{algorithm}"), Auth::Basic(&token), checksum, &[]).await;
            assert_eq!(status, 201, "{file}.{algorithm}: {body}");
        }
    }
    assert_eq!(cli_statuses(), [("2.0".to_owned(), "Unfinished".to_owned())]);
    let (status, body) = get(&metadata_url, &token).await;
    let body = String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
    assert!(
        status == 404 || (status == 200 && !body.contains("<version>2.0</version>")),
        "an Unfinished version is listed: {status} {body}"
    );

    // The metadata naming 2.0 publishes it.
    let doc = artifact_metadata_doc(group, artifact, &["2.0"]);
    let (status, _, body) = put(&metadata_url, Auth::Basic(&token), doc.clone().into_bytes(), &[]).await;
    assert_eq!(status, 201, "{body}");
    for algorithm in ["sha1", "md5"] {
        let checksum = checksum_hex(algorithm, doc.as_bytes()).expect("a checksum");
        let (status, _, body) =
            put(&format!("{metadata_url}.{algorithm}"), Auth::Basic(&token), checksum.into_bytes(), &[]).await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(cli_statuses(), [("2.0".to_owned(), "Published".to_owned())]);
    let metadata = get_text(&metadata_url, &token).await;
    assert_eq!(elements(&metadata, "version"), ["2.0"], "{metadata}");
    assert_eq!(element(&metadata, "release"), Some("2.0"), "{metadata}");
    // A document that names another version removes nothing.
    let other = artifact_metadata_doc(group, artifact, &["9.9"]);
    let (status, _, body) = put(&metadata_url, Auth::Basic(&token), other.into_bytes(), &[]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(elements(&get_text(&metadata_url, &token).await, "version"), ["2.0"]);
    assert_eq!(cli_statuses(), [("2.0".to_owned(), "Published".to_owned())]);
    // A document for another artifact is refused.
    let wrong = artifact_metadata_doc(group, "gadget", &["2.0"]);
    let (status, _, body) = put(&metadata_url, Auth::Basic(&token), wrong.into_bytes(), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`com.example.http:widget`", "`com.example.http:gadget`"]);

    // The same bytes again: fine. Other bytes under a stored name: 409, saying why.
    let (status, _, body) = put(&jar_url, Auth::Basic(&token), jar.clone(), &[]).await;
    assert_eq!(status, 201, "the same bytes again: {body}");
    let (status, _, body) = put(&jar_url, Auth::Basic(&token), b"other bytes".to_vec(), &[]).await;
    assert_eq!(status, 409, "{body}");
    assert_mentions(&body, &["`2.0`", "com.example.http", "widget", "`widget-2.0.jar`", "other content"]);
    assert!(get_ok(&jar_url, &token).await == jar, "the stored jar changed");

    // A wrong `X-Checksum-Sha1`: 400, nothing stored; the right one: stored.
    let sources_url = url(maven_path(group, artifact, "2.0", Some("sources"), "jar"));
    let sources = b"sources of the widget".to_vec();
    let before = acme(&sdk).assets("solo", &widget, "2.0").await;
    let wrong_sha1 = checksum_hex("sha1", b"something else").expect("sha1");
    let (status, _, body) =
        put(&sources_url, Auth::Basic(&token), sources.clone(), &[("X-Checksum-Sha1", &wrong_sha1)]).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`widget-2.0-sources.jar`", "does not match the checksum sent with it"]);
    let (status, _, body) =
        put(&sources_url, Auth::Basic(&token), sources.clone(), &[("X-Checksum-Sha1", "not-hex")]).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["X-Checksum-Sha1", "not-hex"]);
    assert_eq!(acme(&sdk).assets("solo", &widget, "2.0").await, before);
    assert_eq!(get(&sources_url, &token).await.0, 404);
    let right_sha1 = checksum_hex("sha1", &sources).expect("sha1");
    let (status, _, body) =
        put(&sources_url, Auth::Basic(&token), sources.clone(), &[("X-Checksum-Sha1", &right_sha1)]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        acme(&sdk).assets("solo", &widget, "2.0").await.get("widget-2.0-sources.jar"),
        Some(&sha256_hex(&sources))
    );

    // An uploaded checksum is checked against the stored file.
    let (status, _, body) =
        put(&format!("{jar_url}.sha1"), Auth::Basic(&token), wrong_sha1.clone().into_bytes(), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`widget-2.0.jar`", &wrong_sha1, &checksum_hex("sha1", &jar).expect("sha1")]);
    let (status, _, body) = put(&format!("{jar_url}.sha1"), Auth::Basic(&token), b"zz".to_vec(), &[]).await;
    assert_eq!(status, 400, "not a checksum: {body}");
    let missing = url(maven_path(group, artifact, "2.0", Some("javadoc"), "jar"));
    let (status, _, body) = put(&format!("{missing}.sha1"), Auth::Basic(&token), wrong_sha1.into_bytes(), &[]).await;
    assert_eq!(status, 404, "the checksum of a file never uploaded: {body}");
    assert_eq!(
        get_text(&format!("{jar_url}.sha1"), &token).await.trim(),
        checksum_hex("sha1", &jar).expect("sha1"),
        "a refused checksum upload changed nothing"
    );
    // HEAD answers like GET, without a body.
    let head = client().head(&jar_url).basic_auth("aws", Some(&token)).send().await.expect("HEAD is answered");
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers().get("content-length").and_then(|v| v.to_str().ok()),
        Some(jar.len().to_string().as_str())
    );
    // What the POM says (last: the parent is what the server misses today).
    let described = acme(&sdk).describe("solo", &widget, "2.0").await;
    assert_eq!(
        pom_facts(&described),
        (
            Some("A widget, deployed by hand."),
            Some("https://example.com/widget"),
            Some("https://example.com/widget.git"),
            vec![(Some("MIT"), Some("https://opensource.org/licenses/MIT"))]
        )
    );
    let dependencies = acme(&sdk).cli(&server, "list-package-version-dependencies", "solo", &widget, Some("2.0"));
    let listed: BTreeSet<(String, String, String, String)> = dependencies["dependencies"]
        .as_array()
        .unwrap_or_else(|| panic!("no dependencies: {dependencies}"))
        .iter()
        .map(|d| {
            let field = |name: &str| d[name].as_str().unwrap_or_default().to_owned();
            (field("namespace"), field("package"), field("dependencyType"), field("versionRequirement"))
        })
        .collect();
    // CodeArtifact's Maven dependency types: the scopes, and `parent` for the POM's `<parent>`
    // (https://docs.aws.amazon.com/codeartifact/latest/APIReference/API_PackageDependency.html).
    let expected: BTreeSet<(String, String, String, String)> = [
        ("com.example.http", "widget-parent", "parent", "7"),
        ("com.example.http", "gear", "compile", "[1.2,2.0)"),
        ("org.example", "driver", "runtime", "3.1"),
        ("org.example", "container-api", "provided", "4.0"),
        ("junit", "junit", "test", "4.13.2"),
    ]
    .into_iter()
    .map(|(a, b, c, d)| (a.to_owned(), b.to_owned(), c.to_owned(), d.to_owned()))
    .collect();
    assert_eq!(listed, expected, "{dependencies}");
}

// ---------------------------------------------------------------------------------------------
// Bad input.

/// Each bad deploy is refused with a clear message, printed by mvn where mvn can make it, and
/// stores nothing: the released library redeployed with changed code (409), a deploy with a
/// bad token (401), a jar over `max_upload_bytes` (413), a POM whose coordinates disagree with its path, path traversal (plain and
/// percent-encoded), a file named for another artifact, no credentials, an oversize file.
async fn bad_input(backend: Backend) {
    let fixture = MavenFixture::start();
    let server = server_for(backend, &fixture, &[("TRIBUTARY_MAX_UPLOAD_BYTES", "1048576")]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CENTRAL).await;
    let mvn = Maven::new(&server, "acme", "aa", &token);
    let local_repo = mvn.local_repo();
    let released = mvn.project("lib", &[]);
    mvn.deploy(&released, &local_repo).ok();
    let stored = acme(&sdk).assets("aa", LIBRARY, "1.0.0").await;

    // The released 1.0.0 again, with changed code: mvn prints our 409.
    let changed = mvn.project("lib", &[]);
    let source = changed.join("src/main/java/com/example/acme/Greeting.java");
    let code = String::from_utf8(read(&source)).expect("UTF-8");
    std::fs::write(&source, code.replace("\"Hello, \"", "\"Bye, \"")).expect("cannot change the greeting");
    mvn.deploy(&changed, &local_repo).fails(&[
        "Could not transfer artifact com.example.acme:greeting:jar:1.0.0",
        "status: 409 version `1.0.0` of maven package `com.example.acme:greeting` already has a file \
         `greeting-1.0.0.jar` with other content; published files never change - publish a new version",
    ]);
    // A bad token: mvn prints our 401 (its plugins are in the local repository already).
    let bad = mvn.settings_with("not-a-token");
    let next = mvn.project("lib", &[("revision", "1.2.0")]);
    mvn.deploy_with(&bad, &next, &local_repo).fails(&["status: 401 the authorization token is not valid"]);
    // A jar over `max_upload_bytes` (1 MiB: 2 MiB of noise as a resource): mvn prints our 413.
    let big = mvn.project("lib", &[("revision", "1.4.0")]);
    std::fs::create_dir_all(big.join("src/main/resources")).expect("cannot make the resources folder");
    std::fs::write(big.join("src/main/resources/noise.bin"), noise(2 * 1024 * 1024)).expect("cannot write noise");
    mvn.deploy(&big, &local_repo).fails(&[
        "Could not transfer artifact com.example.acme:greeting:jar:1.4.0",
        "status: 413 `greeting-1.4.0.jar` is larger than this server accepts (1048576 bytes)",
    ]);
    // mvn sent the POM first: 1.4.0 stays Unfinished with only its POM, listed nowhere.
    let partial = acme(&sdk).versions("aa", LIBRARY, None).await;
    let partial = partial.iter().find(|v| v.version() == "1.4.0").unwrap_or_else(|| panic!("no 1.4.0: {partial:?}"));
    assert_eq!(partial.status(), &PackageVersionStatus::Unfinished, "{partial:?}");
    let assets = acme(&sdk).assets("aa", LIBRARY, "1.4.0").await;
    assert_eq!(assets.keys().collect::<Vec<_>>(), ["greeting-1.4.0.pom"], "{assets:?}");
    let big_jar = format!("{}{}", mvn.endpoint, maven_path(GROUP, ARTIFACT, "1.4.0", None, "jar"));
    assert_eq!(get(&big_jar, &token).await.0, 404);

    let put_at = |path: &str, auth: Auth<'_>, body: Vec<u8>| put(&format!("{}{path}", mvn.endpoint), auth, body, &[]);

    // A POM whose coordinates are not its path's.
    let lib_pom = String::from_utf8(read(&released.join("pom.xml"))).expect("UTF-8");
    let pom_9 = lib_pom.replace("<version>${revision}</version>", "<version>9.9.9</version>");
    assert_ne!(pom_9, lib_pom);
    let path = maven_path(GROUP, ARTIFACT, "1.3.0", None, "pom");
    let (status, _, body) = put_at(&path, Auth::Basic(&token), pom_9.clone().into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(
        &body,
        &[
            "the POM declares `com.example.acme:greeting:9.9.9`",
            "`com/example/acme/greeting/1.3.0/greeting-1.3.0.pom`",
            "deploy each POM to the path of its own coordinates",
        ],
    );
    let other_group = lib_pom.replace("<groupId>com.example.acme</groupId>", "<groupId>com.example.other</groupId>");
    let (status, _, body) = put_at(&path, Auth::Basic(&token), other_group.into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`com.example.other:greeting"]);
    let (status, _, body) = put_at(&path, Auth::Basic(&token), b"<project><oops".to_vec()).await;
    assert_eq!(status, 400, "not XML: {body}");

    // Path traversal, plain and percent-encoded: 400 for a PUT, 404 for a GET; the reason
    // phrase is the message.
    for (path, why) in [
        ("com/../../etc/passwd", "holds a `..` segment"),
        ("com/example/%2e%2e/%2e%2e/etc/passwd", "holds a `..` segment"),
        ("com/example/acme/greeting/1.0.0/..%2f..%2fpasswd", "the path segment `../../passwd` starts with `.`"),
        ("com/example/acme/greeting/1.0.0/greeting-1.0.0%2f..%2f..%2fx.jar", "holds `/`"),
    ] {
        let full = format!("/maven/acme/aa/{path}");
        let (status, reason, body) = raw_request(&server, "PUT", &full, &token, b"root:x:0:0");
        assert_eq!(status, 400, "PUT {full}: {reason} {body}");
        assert_mentions(&body, &[why]);
        assert_eq!(reason, body.trim(), "the reason phrase is the message");
        let (status, _, body) = raw_request(&server, "GET", &full, &token, b"");
        assert_eq!(status, 404, "GET {full}: {body}");
    }
    // A file named for another artifact or version than its directory.
    for name in ["other-1.3.0.jar", "greeting-1.4.0.jar"] {
        let path = format!("com/example/acme/greeting/1.3.0/{name}");
        let (status, _, body) = put_at(&path, Auth::Basic(&token), b"bytes".to_vec()).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_mentions(
            &body,
            &[&format!("`{name}` does not match its directory"), "`greeting-1.3.0[-classifier].extension`"],
        );
        assert_eq!(get(&format!("{}{path}", mvn.endpoint), &token).await.0, 404, "{path}");
    }

    // No credentials, a bad token.
    let jar_path = maven_path(GROUP, ARTIFACT, "1.3.0", None, "jar");
    let (status, headers, body) = put_at(&jar_path, Auth::None, b"bytes".to_vec()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Basic realm=\"tributary\""));
    assert_mentions(&body, &["`<server>`", "settings.xml", "aws codeartifact get-authorization-token"]);
    let (status, _, body) = put_at(&jar_path, Auth::Basic("not-a-token"), b"bytes".to_vec()).await;
    assert_eq!(status, 401, "{body}");
    assert_mentions(&body, &["the authorization token is not valid"]);
    let (status, _, body) = put_at(&jar_path, Auth::Bearer("not-a-token"), b"bytes".to_vec()).await;
    assert_eq!(status, 401, "{body}");

    // Over `max_upload_bytes` (1 MiB).
    let (status, _, body) = put_at(&jar_path, Auth::Basic(&token), vec![7u8; 2 * 1024 * 1024]).await;
    assert_eq!(status, 413, "{body}");
    assert_mentions(&body, &["`greeting-1.3.0.jar`", "larger than this server accepts (1048576 bytes)"]);

    // Nothing else was stored.
    assert_eq!(acme(&sdk).version_numbers("aa", LIBRARY).await, ["1.0.0", "1.4.0"]);
    assert_eq!(acme(&sdk).assets("aa", LIBRARY, "1.0.0").await, stored);
    assert_eq!(acme(&sdk).list("aa", Some(GROUP)).await, [format!("{GROUP}:{ARTIFACT}")]);
    assert_eq!(acme(&sdk).list("aa", Some("com.example.other")).await, Vec::<String>::new());
    assert_eq!(acme(&sdk).list("aa", Some("etc")).await, Vec::<String>::new());
    let metadata = get_text(&format!("{}{}", mvn.endpoint, metadata_path(GROUP, ARTIFACT)), &token).await;
    assert_eq!(elements(&metadata, "version"), ["1.0.0"], "{metadata}");
}

// ---------------------------------------------------------------------------------------------
// Rules of the upstream.

/// A version Maven Central has cannot be deployed (409 naming the connection), in `aa` nor in
/// the gateway; with Maven Central down an uncached file fails fast with 502/504 naming it; a
/// file whose bytes do not match Central's checksum is refused and nothing is stored; 50
/// concurrent downloads of an uncached jar make one upstream request.
async fn upstream_rules(backend: Backend) {
    let fixture = MavenFixture::start();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CENTRAL).await;
    let endpoint = |repository: &str| format!("{}/maven/acme/{repository}/", server.url());

    // maven-jar-plugin 3.3.0 exists upstream: a (tiny, POM-only) deploy of it is a 409.
    let pom = format!(
        "<project><modelVersion>4.0.0</modelVersion><groupId>{PLUGINS}</groupId>\
         <artifactId>maven-jar-plugin</artifactId><version>3.3.0</version><packaging>pom</packaging></project>"
    );
    let path = maven_path(PLUGINS, "maven-jar-plugin", "3.3.0", None, "pom");
    for repository in ["aa", "gateway"] {
        let (status, _, body) =
            put(&format!("{}{path}", endpoint(repository)), Auth::Basic(&token), pom.clone().into_bytes(), &[]).await;
        assert_eq!(status, 409, "{repository}: {body}");
        assert_mentions(&body, &["`3.3.0`", "maven-jar-plugin", "external connection `public:maven-central`"]);
    }
    for repository in ["aa", "bb", "gateway"] {
        assert_eq!(acme(&sdk).version_numbers(repository, &plugin("maven-jar-plugin")).await, Vec::<String>::new());
    }

    // 50 concurrent downloads of an uncached jar: one upstream request, the right bytes.
    fixture.set_mode(Mode::Slow(Duration::from_millis(300)));
    let jar = maven_path(PLUGINS, "maven-dependency-plugin", "3.5.0", None, "jar");
    let expected = fixture.contents(&jar).expect("Debian's dependency plugin");
    let (client, url) = (client(), format!("{}{jar}", endpoint("aa")));
    for (status, body) in burst(50, |_| client.get(&url).basic_auth("aws", Some(&token))).await {
        let body = body.unwrap_or_else(|e| panic!("a download was cut short: {e}"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert!(body == expected, "a client got other bytes ({} bytes, expected {})", body.len(), expected.len());
    }
    assert_eq!(fixture.requests(&jar), 1, "{:?}", fixture.all_requests());
    for repository in ["aa", "gateway"] {
        assert_external(
            &acme(&sdk).versions(repository, &plugin("maven-dependency-plugin"), None).await,
            repository,
            "maven-dependency-plugin",
            "3.5.0",
            CENTRAL,
        );
    }
    assert_eq!(acme(&sdk).version_numbers("bb", &plugin("maven-dependency-plugin")).await, Vec::<String>::new());
    fixture.set_mode(Mode::Up);

    // A file served with other bytes than its checksum: no client gets it whole, none stored.
    let tampered = maven_path(PLUGINS, "maven-surefire-report-plugin", "2.22.3", None, "jar");
    let mut corrupted = fixture.contents(&tampered).expect("Debian's surefire report plugin");
    let middle = corrupted.len() / 2;
    corrupted[middle] ^= 0x01;
    fixture.serve_tampered(&tampered, corrupted);
    for attempt in 1..=2 {
        let (status, body) = get(&format!("{}{tampered}", endpoint("aa")), &token).await;
        assert!(
            status != 200 || body.is_err(),
            "attempt {attempt}: a download that does not match its checksum ended well"
        );
    }
    let (status, body) = get(&format!("{}{tampered}.sha1", endpoint("aa")), &token).await;
    assert_ne!(
        status,
        200,
        "a checksum of a refused file: {:?}",
        body.map(|b| String::from_utf8_lossy(&b).into_owned())
    );
    for repository in ["aa", "bb", "gateway"] {
        assert_eq!(
            acme(&sdk).version_numbers(repository, &plugin("maven-surefire-report-plugin")).await,
            Vec::<String>::new(),
            "a version whose only file was refused is stored in `{repository}`"
        );
    }
    assert_mentions(&server.stderr(), &["maven-surefire-report-plugin-2.22.3.jar", "SHA-256 mismatch"]);
    assert!(fixture.requests(&tampered) >= 2, "a bad copy was served from a cache: {:?}", fixture.all_requests());

    // Maven Central down: an uncached file fails fast, naming the connection.
    fixture.set_mode(Mode::Down);
    let uncached = maven_path(PLUGINS, "maven-clean-plugin", "3.2.0", None, "jar");
    let started = Instant::now();
    let (status, body) = get(&format!("{}{uncached}", endpoint("aa")), &token).await;
    let elapsed = started.elapsed();
    let body = String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
    assert!(status == 502 || status == 504, "an uncached file with Maven Central down: {status} {body}");
    assert_mentions(&body, &[CENTRAL]);
    assert!(elapsed < Duration::from_secs(3), "the refusal took {elapsed:?}");
    // What is stored is still served.
    assert!(get_ok(&format!("{}{jar}", endpoint("aa")), &token).await == expected);
}
