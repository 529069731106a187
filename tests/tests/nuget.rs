//! NuGet end to end: the real `tributary` binary, real NuGet clients on mono (nuget.exe 5.8 and
//! 3.4.4, Debian's NuGet 2.8.7), and a local stand-in for nuget.org
//! (`tributary_tests::nuget_fixture`), as issue 12's "How it is verified" lists.
//!
//! Scenarios, each on SQLite and on PostgreSQL:
//! - `push_and_install_through_a_chain`: `aa -> bb -> gateway(public:nuget-org)`; `nuget pack` +
//!   `nuget push` to `aa`; `nuget install` of it (its dependency comes from the fixture) and of
//!   a fixture package with a dependency; retention in `aa` and the gateway only, EXTERNAL; the
//!   control plane's view of the pushed version (metadata, dependencies by framework, assets);
//!   installs again with the fixture down; a `packages.config` restored with `<clear/>` and `aa`
//!   as the only source; an upstream's deprecation passed through; a download that does not
//!   match the upstream's published hash refused and kept nowhere; a package of 130 versions,
//!   paged upstream, listed whole.
//! - `unlist_search_and_semver2`: `nuget delete` unlists (gone from search, still installable by
//!   exact version, Unlisted on the control plane, relisted by `POST`); search through `aa`
//!   finds a package only the fixture has and one only `bb` has, each once; the fixture's
//!   vulnerability data passed through, its pages served here; a SemVer 2 version
//!   pushes, is listed under `semVerLevel=2.0.0` only, and installs.
//! - `bad_input`: a zip bomb, a nuspec without id, an invalid version, a changed push of a
//!   pushed version (409), a wrong API key: each refused with the message the client prints,
//!   nothing stored.
//! - `older_clients`: nuget.exe 3.4.4 pushes and installs (v3); NuGet 2.8.7 pushes and installs
//!   through the v2 feed.
//!
//! Every install uses a fresh output directory and `-NoCache`, so what it gets comes from the
//! server.

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_codeartifact::types::{PackageFormat, PackageVersionStatus};
use serde_json::Value;
use tributary_tests::nuget_fixture::{
    Mode, NugetClient, NugetFixture, NugetPackage, nuget_command, nuget_config, nupkg,
};
use tributary_tests::pypi_fixture::zip_of;
use tributary_tests::scenario::{Packages, Run, assert_external, chain, client, run, server_with_upstream};
use tributary_tests::{Backend, TestServer, assert_mentions, on_both_backends};

on_both_backends!(push_and_install_through_a_chain, unlist_search_and_semver2, bad_input, older_clients);

const CONNECTION: &str = "public:nuget-org";

fn server_for(backend: Backend, fixture: &NugetFixture) -> TestServer {
    server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NUGET_ORG_URL", &fixture.index_url(), &[])
}

fn acme(sdk: &aws_sdk_codeartifact::Client) -> Packages<'_> {
    Packages::new(sdk, "acme", PackageFormat::Nuget)
}

/// The fixture's packages: `Fixture.Json` 1.0.0 and 2.0.0 (its SHA-512 published), and
/// `Fixture.App` 1.0.0, which depends on `Fixture.Json`.
fn fixture_packages() -> Vec<NugetPackage> {
    vec![
        nupkg("Fixture.Json", "1.0.0", &[]).hashed(),
        nupkg("Fixture.Json", "2.0.0", &[]).hashed(),
        nupkg("Fixture.App", "1.0.0", &[("Fixture.Json", "[1.0.0, )")]),
        nupkg("Fixture.Old", "1.0.0", &[]),
        nupkg("Fixture.Tampered", "1.0.0", &[]).tampered(),
    ]
}

/// The fixture, a server reading it as `public:nuget-org`, the chain `aa -> bb -> gateway`, and
/// an admin token of the domain.
async fn set_up(backend: Backend) -> (NugetFixture, TestServer, aws_sdk_codeartifact::Client, String) {
    let fixture = NugetFixture::start(fixture_packages());
    let server = server_for(backend, &fixture);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CONNECTION).await;
    (fixture, server, sdk, token)
}

/// One NuGet client's home, pointed at one repository.
struct Nuget {
    home: tempfile::TempDir,
    config: PathBuf,
    feed: String,
    token: String,
}

impl Nuget {
    fn new(server: &TestServer, repository: &str, token: &str) -> Self {
        let home = tempfile::tempdir().expect("a home");
        let feed = format!("{}/nuget/acme/{repository}/v3/index.json", server.url());
        let config = nuget_config(home.path(), repository, &feed, token);
        Self { home, config, feed, token: token.to_owned() }
    }

    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.home.path().join(name);
        std::fs::create_dir_all(&dir).expect("a directory");
        dir
    }

    fn command(&self, client: NugetClient, args: &[&str]) -> Command {
        let mut command = nuget_command(client, self.home.path());
        command.args(args);
        command
    }

    fn run(&self, client: NugetClient, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let config = self.config.to_string_lossy().into_owned();
        all.extend(["-ConfigFile", &config, "-NonInteractive"]);
        let display = format!("nuget {}", args.join(" "));
        let first = run(self.command(client, &all), &display);
        // Mono itself now and then aborts on an assertion of its thread code
        // (`mono-threads.c`), whatever the server answered: that run says nothing of the server,
        // so it is run once more (every command here may be repeated: a push of the same bytes
        // changes nothing).
        if first.output().contains("fatal error in the mono runtime") {
            eprintln!("{display}: mono crashed, running it again:\n{}", first.output());
            return run(self.command(client, &all), &display);
        }
        first
    }

    /// `nuget pack` of a nuspec written to `dir`; the `.nupkg`'s path.
    fn pack(&self, id: &str, version: &str, dependencies: &[(&str, &str)]) -> PathBuf {
        let dir = self.dir(&format!("src-{id}-{version}"));
        std::fs::write(
            dir.join(format!("{id}.nuspec")),
            tributary_tests::nuget_fixture::nuspec(id, version, dependencies),
        )
        .expect("a nuspec");
        std::fs::create_dir_all(dir.join("content")).expect("content");
        std::fs::write(dir.join(format!("content/{id}.txt")), format!("{id} {version}\n")).expect("content");
        let spec = dir.join(format!("{id}.nuspec")).to_string_lossy().into_owned();
        let out = dir.to_string_lossy().into_owned();
        self.run(NugetClient::V58, &["pack", &spec, "-OutputDirectory", &out]).ok();
        let normalized = version.split('+').next().unwrap_or(version);
        let file = dir.join(format!("{id}.{normalized}.nupkg"));
        assert!(file.exists(), "nuget pack made no {}", file.display());
        file
    }

    fn push(&self, client: NugetClient, nupkg: &Path) -> Run {
        let path = nupkg.to_string_lossy().into_owned();
        self.run(client, &["push", &path, "-Source", &self.feed, "-ApiKey", &self.token])
    }

    /// `nuget install` into a fresh directory; the directory.
    fn install(&self, client: NugetClient, id: &str, version: Option<&str>) -> (Run, PathBuf) {
        let out = tempfile::tempdir_in(self.home.path()).expect("a directory").keep();
        let dir = out.to_string_lossy().into_owned();
        let mut args = vec!["install", id, "-OutputDirectory", &dir, "-NoCache", "-Source", &self.feed];
        if let Some(version) = version {
            args.extend(["-Version", version]);
        }
        if version.is_some_and(|v| v.contains('-')) {
            args.push("-Prerelease");
        }
        (self.run(client, &args), out)
    }
}

fn installed(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

async fn get_json(server: &TestServer, token: &str, path: &str) -> (u16, Value) {
    let response = client()
        .get(format!("{}/nuget/acme/{path}", server.url()))
        .basic_auth("aws", Some(token))
        .send()
        .await
        .expect("a response");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("a body");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn search_ids(body: &Value) -> Vec<String> {
    body["data"].as_array().into_iter().flatten().filter_map(|h| h["id"].as_str().map(str::to_owned)).collect()
}

async fn push_and_install_through_a_chain(backend: Backend) {
    let (fixture, server, sdk, token) = set_up(backend).await;
    let nuget = Nuget::new(&server, "aa", &token);
    let endpoint =
        server.aws(&["get-repository-endpoint", "--domain", "acme", "--repository", "aa", "--format", "nuget"]).ok();
    assert_eq!(endpoint["repositoryEndpoint"], format!("{}/nuget/acme/aa/", server.url()), "{endpoint}");

    // Pack and push a package that depends on one only the fixture has.
    let hello = nuget.pack("Hello.World", "1.0.0", &[("Fixture.Json", "1.0.0")]);
    let pushed = nuget.push(NugetClient::V58, &hello).ok();
    assert_mentions(&pushed.output(), &["Your package was pushed"]);
    // The same bytes again change nothing.
    nuget.push(NugetClient::V58, &hello).ok();

    let (_, out) = nuget.install(NugetClient::V58, "Hello.World", None);
    assert_eq!(installed(&out), ["Fixture.Json.1.0.0", "Hello.World.1.0.0"]);
    assert!(out.join("Hello.World.1.0.0/content/Hello.World.txt").exists());
    let (run_app, app) = nuget.install(NugetClient::V58, "Fixture.App", Some("1.0.0"));
    run_app.ok();
    assert_eq!(installed(&app), ["Fixture.App.1.0.0", "Fixture.Json.1.0.0"]);

    // The pushed version, as the control plane shows it.
    let packages = acme(&sdk);
    let versions = packages.versions("aa", "hello.world", None).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].version(), "1.0.0");
    assert_eq!(versions[0].status(), &PackageVersionStatus::Published);
    let described = packages.describe("aa", "hello.world", "1.0.0").await;
    assert_eq!(described.display_name(), Some("Hello.World"), "{described:?}");
    assert_eq!(described.summary(), Some("The Hello.World fixture package."), "{described:?}");
    assert_eq!(described.home_page(), Some("https://example.com/Hello.World"), "{described:?}");
    let assets = packages.assets("aa", "hello.world", "1.0.0").await;
    assert_eq!(assets.keys().collect::<Vec<_>>(), ["hello.world.1.0.0.nupkg", "hello.world.nuspec"], "{assets:?}");
    let dependencies = packages.cli(&server, "list-package-version-dependencies", "aa", "hello.world", Some("1.0.0"));
    assert_eq!(dependencies["dependencies"][0]["package"], "Fixture.Json", "{dependencies}");
    assert_eq!(dependencies["dependencies"][0]["dependencyType"], ".NETStandard2.0", "{dependencies}");
    assert_eq!(dependencies["dependencies"][0]["versionRequirement"], "[1.0.0, )", "{dependencies}");

    // What came from upstream is kept in `aa` and the gateway, not in `bb`; each file fetched once.
    for repository in ["aa", "gateway"] {
        let versions = packages.versions(repository, "fixture.json", None).await;
        assert_external(&versions, repository, "fixture.json", "1.0.0", CONNECTION);
    }
    assert!(packages.versions("bb", "fixture.json", None).await.is_empty());
    let json1 = &fixture_packages()[0];
    assert_eq!(fixture.downloads(json1), 1, "{:?}", fixture.all_requests());
    let assets = packages.assets("gateway", "fixture.json", "1.0.0").await;
    assert!(
        assets.contains_key("fixture.json.1.0.0.nupkg") && assets.contains_key("fixture.json.nuspec"),
        "{assets:?}"
    );

    // With nuget.org down, what was installed installs again.
    fixture.set_mode(Mode::Down);
    let (_, again) = nuget.install(NugetClient::V58, "Fixture.App", Some("1.0.0"));
    assert_eq!(installed(&again), ["Fixture.App.1.0.0", "Fixture.Json.1.0.0"]);

    // A packages.config project with `aa` as its only source (`<clear/>`) restores.
    let project = nuget.dir("project");
    std::fs::write(
        project.join("packages.config"),
        r#"<?xml version="1.0" encoding="utf-8"?><packages><package id="Hello.World" version="1.0.0" targetFramework="net472" /><package id="Fixture.App" version="1.0.0" targetFramework="net472" /></packages>"#,
    )
    .expect("packages.config");
    let config = project.join("packages.config").to_string_lossy().into_owned();
    let restored = project.join("packages").to_string_lossy().into_owned();
    nuget.run(NugetClient::V58, &["restore", &config, "-PackagesDirectory", &restored, "-NoCache"]).ok();
    assert_eq!(installed(&project.join("packages")), ["Fixture.App.1.0.0", "Hello.World.1.0.0"]);
    fixture.set_mode(Mode::Up);

    // An upstream's deprecation is passed through; a download that does not match the hash
    // the upstream publishes is refused and kept nowhere.
    let (_, old) = get_json(&server, &token, "aa/v3/registration-gz-semver2/fixture.old/index.json").await;
    assert_eq!(old["items"][0]["items"][0]["catalogEntry"]["deprecation"]["reasons"][0], "Legacy", "{old}");
    let (tampered, _) = nuget.install(NugetClient::V58, "Fixture.Tampered", Some("1.0.0"));
    tampered.fails(&["Fixture.Tampered"]);
    for repository in ["aa", "bb", "gateway"] {
        assert!(packages.versions(repository, "fixture.tampered", None).await.is_empty(), "kept in {repository}");
    }

    // A package of 130 versions: nuget.org links pages above 128; every version is seen.
    for patch in 0..130 {
        fixture.add(nupkg("Fixture.Many", &format!("1.0.{patch}"), &[]));
    }
    let (status, flat) = get_json(&server, &token, "aa/v3/flatcontainer/fixture.many/index.json").await;
    assert_eq!(status, 200, "{flat}");
    assert_eq!(flat["versions"].as_array().map(Vec::len), Some(130), "{flat}");
    let (_, registration) = get_json(&server, &token, "aa/v3/registration-gz-semver2/fixture.many/index.json").await;
    assert_eq!(registration["count"], 3, "pages of 64: {registration}");
    let page = registration["items"][2]["@id"].as_str().expect("a page URL").to_owned();
    let page_path = page.split("/nuget/acme/").nth(1).expect("a page of this server");
    let (status, page) = get_json(&server, &token, page_path).await;
    assert_eq!((status, page["count"].as_u64()), (200, Some(2)), "{page}");
}

async fn unlist_search_and_semver2(backend: Backend) {
    let (_fixture, server, sdk, token) = set_up(backend).await;
    let nuget = Nuget::new(&server, "aa", &token);
    let in_bb = Nuget::new(&server, "bb", &token);

    let hello = nuget.pack("Hello.World", "1.0.0", &[]);
    nuget.push(NugetClient::V58, &hello).ok();
    let only_bb = in_bb.pack("Only.InBb", "3.1.0", &[]);
    in_bb.push(NugetClient::V58, &only_bb).ok();

    // Search through `aa`: its own package, one only `bb` has, one only the fixture has; each once.
    let (status, all) = get_json(&server, &token, "aa/v3/search?q=&take=50").await;
    assert_eq!(status, 200, "{all}");
    let ids = search_ids(&all);
    for id in ["Hello.World", "Only.InBb", "Fixture.Json", "Fixture.App"] {
        assert_eq!(ids.iter().filter(|i| i.as_str() == id).count(), 1, "{id} once in {ids:?}");
    }
    let (_, fixture_only) = get_json(&server, &token, "aa/v3/search?q=fixture.json").await;
    assert_eq!(search_ids(&fixture_only), ["Fixture.Json"], "{fixture_only}");
    assert!(fixture_only["data"][0]["registration"].as_str().is_some_and(|r| r.contains("/nuget/acme/aa/")));
    // The registry's vulnerability data, passed through with its pages here.
    let (status, index) = get_json(&server, &token, "aa/v3/vulnerabilities/index.json").await;
    assert_eq!(status, 200, "{index}");
    let page = index[0]["@id"].as_str().expect("a page URL").to_owned();
    assert_eq!(page, format!("{}/nuget/acme/aa/v3/vulnerabilities/base.json", server.url()));
    let (status, base) = get_json(&server, &token, "aa/v3/vulnerabilities/base.json").await;
    assert_eq!((status, base), (200, tributary_tests::nuget_fixture::vulnerabilities()));
    // nuget.exe's `list` reads the v2 search.
    let listed = nuget.run(NugetClient::V58, &["list", "Only", "-Source", &nuget.feed]).ok();
    assert_mentions(&listed.stdout, &["Only.InBb 3.1.0"]);

    // `nuget delete` unlists: gone from search, installable by exact version, Unlisted.
    nuget.run(NugetClient::V58, &["delete", "Hello.World", "1.0.0", "-Source", &nuget.feed, "-ApiKey", &token]).ok();
    let (_, after) = get_json(&server, &token, "aa/v3/search?q=hello").await;
    assert!(search_ids(&after).is_empty(), "{after}");
    let (run_exact, out) = nuget.install(NugetClient::V58, "Hello.World", Some("1.0.0"));
    run_exact.ok();
    assert_eq!(installed(&out), ["Hello.World.1.0.0"]);
    let versions = acme(&sdk).versions("aa", "hello.world", None).await;
    assert_eq!(versions[0].status(), &PackageVersionStatus::Unlisted, "{versions:?}");
    let listed = acme(&sdk).cli(&server, "list-package-versions", "aa", "hello.world", None);
    assert_eq!(listed["versions"][0]["status"], "Unlisted", "{listed}");
    let (_, leaf) = get_json(&server, &token, "aa/v3/registration-gz-semver2/hello.world/index.json").await;
    assert_eq!(leaf["items"][0]["items"][0]["catalogEntry"]["listed"], false, "{leaf}");
    // Relisted with POST, as nuget.org does.
    let relist = client()
        .post(format!("{}/nuget/acme/aa/api/v2/package/Hello.World/1.0.0", server.url()))
        .header("X-NuGet-ApiKey", &token)
        .send()
        .await
        .expect("a response");
    assert_eq!(relist.status().as_u16(), 200);
    let (_, back) = get_json(&server, &token, "aa/v3/search?q=hello").await;
    assert_eq!(search_ids(&back), ["Hello.World"], "{back}");

    // A SemVer 2 version: listed under semVerLevel=2.0.0 only; installs.
    let beta = nuget.pack("Semver.Two", "1.0.0-beta.1+build.5", &[]);
    nuget.push(NugetClient::V58, &beta).ok();
    let (_, old_clients) = get_json(&server, &token, "aa/v3/search?q=semver&prerelease=true").await;
    assert!(search_ids(&old_clients).is_empty(), "{old_clients}");
    let (_, new_clients) = get_json(&server, &token, "aa/v3/search?q=semver&prerelease=true&semVerLevel=2.0.0").await;
    assert_eq!(search_ids(&new_clients), ["Semver.Two"], "{new_clients}");
    assert_eq!(new_clients["data"][0]["version"], "1.0.0-beta.1+build.5", "{new_clients}");
    let (status, _) = get_json(&server, &token, "aa/v3/registration/semver.two/index.json").await;
    assert_eq!(status, 404, "the SemVer 1 hive does not show a SemVer 2 version");
    let (run_beta, out) = nuget.install(NugetClient::V58, "Semver.Two", Some("1.0.0-beta.1"));
    run_beta.ok();
    assert_eq!(installed(&out), ["Semver.Two.1.0.0-beta.1"]);
}

async fn bad_input(backend: Backend) {
    let (_fixture, server, sdk, token) = set_up(backend).await;
    let nuget = Nuget::new(&server, "aa", &token);
    let dir = nuget.dir("bad");
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("a file");
        path
    };
    let spec = |id: &str, version: &str| {
        format!(
            "<package><metadata><id>{id}</id><version>{version}</version><authors>a</authors><description>d</description></metadata></package>"
        )
    };

    let bomb = write(
        "Bomb.1.0.0.nupkg",
        zip_of(&[("Bomb.nuspec", spec("Bomb", "1.0.0").as_bytes()), ("lib/zeros.bin", &vec![0u8; 16 << 20])]),
    );
    nuget.push(NugetClient::V58, &bomb).fails(&["400", "decompression bomb"]);
    let no_id = write(
        "NoId.1.0.0.nupkg",
        zip_of(&[("NoId.nuspec", b"<package><metadata><version>1.0.0</version></metadata></package>")]),
    );
    nuget.push(NugetClient::V58, &no_id).fails(&["400", "`<id>` is missing"]);
    let bad_version = write("BadVersion.nupkg", zip_of(&[("Bad.nuspec", spec("Bad.Version", "1.0.0.0.1").as_bytes())]));
    nuget.push(NugetClient::V58, &bad_version).fails(&["400", "not a NuGet version"]);
    let not_zip = write("NotZip.1.0.0.nupkg", b"plain text".to_vec());
    nuget.push(NugetClient::V58, &not_zip).fails(&["400", "not a zip archive"]);

    // The same id and version with other bytes (and other casing): a conflict.
    let first =
        write("Same.1.0.0.nupkg", zip_of(&[("Same.nuspec", spec("Same", "1.0").as_bytes()), ("a.txt", b"one")]));
    nuget.push(NugetClient::V58, &first).ok();
    let second =
        write("SAME.1.0.0.nupkg", zip_of(&[("SAME.nuspec", spec("SAME", "1.0.0").as_bytes()), ("a.txt", b"two")]));
    nuget.push(NugetClient::V58, &second).fails(&["409", "other content"]);
    // A version nuget.org has is taken.
    let taken =
        write("Fixture.Json.1.0.0.nupkg", zip_of(&[("Fixture.Json.nuspec", spec("Fixture.Json", "1.0.0").as_bytes())]));
    nuget.push(NugetClient::V58, &taken).fails(&["409"]);

    // A wrong API key, and no key at all.
    let hello = write("Hello.1.0.0.nupkg", zip_of(&[("Hello.nuspec", spec("Hello", "1.0.0").as_bytes())]));
    let path = hello.to_string_lossy().into_owned();
    let bare = Nuget::new(&server, "aa", "not-a-token");
    bare.run(NugetClient::V58, &["push", &path, "-Source", &bare.feed, "-ApiKey", "not-a-token"]).fails(&["401"]);

    // Nothing of the refused pushes was stored.
    let packages = acme(&sdk);
    for id in ["bomb", "noid", "bad.version", "hello", "fixture.json"] {
        assert!(packages.versions("aa", id, None).await.is_empty(), "`{id}` was stored");
    }
    let same = packages.assets("aa", "same", "1.0.0").await;
    assert_eq!(same.len(), 2, "{same:?}");
}

async fn older_clients(backend: Backend) {
    let (_fixture, server, _, token) = set_up(backend).await;
    let nuget = Nuget::new(&server, "aa", &token);

    // nuget.exe 3.4.4: v3 push and install (with a dependency from upstream).
    let three = nuget.pack("Three.Four", "1.0.0", &[("Fixture.Json", "1.0.0")]);
    nuget.push(NugetClient::V34, &three).ok();
    let (run3, out) = nuget.install(NugetClient::V34, "Three.Four", Some("1.0.0"));
    run3.ok();
    assert_eq!(installed(&out), ["Fixture.Json.1.0.0", "Three.Four.1.0.0"]);

    // NuGet 2.8.7: pushes to the v2 feed and installs from it.
    let v2_feed = format!("{}/nuget/acme/aa/api/v2/", server.url());
    let two = nuget.pack("Two.Eight", "1.0.0", &[]);
    // NuGet 2.8 on Debian's mono fails on an absolute path, and on a relative one without `./`.
    let path = format!("./{}", two.strip_prefix(nuget.home.path()).expect("in the home").display());
    // NuGet 2.8 reads the feed's root before it pushes, with the source's credentials.
    let config = nuget_config(&nuget.dir("v2-home"), "aa", &v2_feed, &token).to_string_lossy().into_owned();
    let push = nuget.command(
        NugetClient::V28,
        &["push", &path, "-Source", &v2_feed, "-ApiKey", &token, "-ConfigFile", &config, "-NonInteractive"],
    );
    run(push, "nuget 2.8.7 push").ok();
    let out = nuget.dir("v2-out").to_string_lossy().into_owned();
    let install = nuget.command(
        NugetClient::V28,
        &[
            "install",
            "Two.Eight",
            "-Version",
            "1.0.0",
            "-Source",
            &v2_feed,
            "-OutputDirectory",
            &out,
            "-NoCache",
            "-ConfigFile",
            &config,
            "-NonInteractive",
        ],
    );
    run(install, "nuget 2.8.7 install").ok();
    assert_eq!(installed(Path::new(&out)), ["Two.Eight.1.0.0"]);
}
