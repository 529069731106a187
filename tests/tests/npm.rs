//! npm end to end: the real `tributary` binary, the real npm CLI (and yarn classic, pnpm, the
//! `aws` CLI), and a local fixture registry standing in for the public one
//! (`tributary_tests::npm_fixture`), as issue 3's "How it is verified" lists.
//!
//! Scenarios, each on SQLite and on PostgreSQL:
//! - `chain_retention_and_outages`: `aa -> bb -> cc(public:npmjs)`; retention in `aa` and `cc`
//!   only, origin EXTERNAL via `public:npmjs`; installs survive the registry down or failing,
//!   `bb` leaving, the version deleted from `cc`; an uncached package fails fast with 502.
//! - `publish_rules_and_dependency_confusion`: 409 for a version that exists upstream;
//!   upstream=BLOCK for a new private `@acme/lib` hides its public namesake.
//! - `npm_commands`: whoami, ping, search, dist-tag, deprecate, unpublish; Unlisted, Archived.
//! - `single_flight_and_upstream_verification`: 100 concurrent requests, one upstream request;
//!   upstream bytes that do not match their integrity are refused.
//! - `fleet_single_flight` (PostgreSQL and S3 only): two replicas of one fleet; 100 concurrent
//!   requests for one uncached tarball, half to each, make one upstream request.
//! - `aws_login_yarn_pnpm`: `aws codeartifact login --tool npm`, then npm, yarn classic, pnpm.
//! - `bad_input`: broken tarballs, integrity mismatch, bad names, a 3 GB body, no or bad token.
//!
//! Every npm run gets a fresh cache, so npm's own cache never hides what the server does.
//! yarn and pnpm are found through `TRIBUTARY_TEST_YARN` / `TRIBUTARY_TEST_PNPM`, else under
//! `target/tools/npm-global/bin` (where `cargo xtask test` installs them).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::types::{PackageFormat, PackageVersionStatus};
use serde_json::{Value, json};
use tributary_tests::npm_fixture::{
    Mode, NpmFixture, PackageSpec, Packed, gzip, honest_body, npm_command, npm_pack, publish_body, tgz,
};
use tributary_tests::s3s_fs::{BUCKET, S3sFs};
use tributary_tests::scenario::{
    Packages, Run, assert_external, aws_in_home, burst, chain, one_repository, run, server_with_upstream,
};
use tributary_tests::{Backend, TestServer, assert_mentions, aws_command, on_both_backends, workspace_root};

/// yarn classic to run, else `target/tools/npm-global/bin/yarn`.
const ENV_YARN: &str = "TRIBUTARY_TEST_YARN";
/// pnpm to run, else `target/tools/npm-global/bin/pnpm`.
const ENV_PNPM: &str = "TRIBUTARY_TEST_PNPM";
/// The external connection of the public npm registry.
const NPMJS: &str = "public:npmjs";

on_both_backends!(
    chain_retention_and_outages,
    publish_rules_and_dependency_confusion,
    npm_commands,
    single_flight_and_upstream_verification,
    aws_login_yarn_pnpm,
    bad_input,
);

// ---------------------------------------------------------------------------------------------
// Packages the fixture serves, packed once per test binary with the real `npm pack`.

/// Every version the fixture registries serve.
struct Packs {
    all: Vec<Packed>,
}

impl Packs {
    fn get(&self, name: &str, version: &str) -> &Packed {
        self.all
            .iter()
            .find(|p| p.name == name && p.version == version)
            .unwrap_or_else(|| panic!("no pack of `{name}@{version}`"))
    }

    /// Every version of `names`.
    fn of(&self, names: &[&str]) -> Vec<Packed> {
        self.all.iter().filter(|p| names.contains(&p.name.as_str())).cloned().collect()
    }
}

fn packs() -> &'static Packs {
    static PACKS: OnceLock<Packs> = OnceLock::new();
    PACKS.get_or_init(|| {
        let specs = [
            PackageSpec::new("is-number", "6.0.0"),
            PackageSpec::new("is-number", "7.0.0"),
            PackageSpec::new("left-pad", "1.3.0").dependency("is-number", "^7.0.0"),
            // Public namesake of the private `@acme/lib` (dependency confusion).
            PackageSpec::new("@acme/lib", "9.9.9"),
            // Several versions and dist-tags.
            PackageSpec::new("tags-demo", "1.0.0"),
            PackageSpec::new("tags-demo", "1.1.0"),
            PackageSpec::new("tags-demo", "2.0.0-beta.1"),
            // Never asked for before the fixture goes down.
            PackageSpec::new("never-cached", "1.0.0"),
            // For the bursts.
            PackageSpec::new("burst", "1.0.0"),
            PackageSpec::new("burst-doc", "1.0.0"),
            // Served with other bytes than its packument declares.
            PackageSpec::new("tampered", "1.0.0"),
            // Installed with yarn and pnpm.
            PackageSpec::new("yarn-pnpm-dep", "1.0.0"),
            // Published by hand, with faults.
            PackageSpec::new("crafted", "1.0.0"),
        ];
        Packs { all: npm_pack(&specs) }
    })
}

/// A fixture serving the usual packages (`tampered` with wrong bytes).
fn fixture() -> NpmFixture {
    let packs = packs();
    let fixture = NpmFixture::with(&packs.of(&[
        "is-number",
        "left-pad",
        "@acme/lib",
        "tags-demo",
        "never-cached",
        "burst",
        "burst-doc",
        "yarn-pnpm-dep",
    ]));
    fixture.set_dist_tag("tags-demo", "next", "2.0.0-beta.1");
    // Valid gzip and tar, but not the bytes the packument declares.
    let tampered = packs.get("tampered", "1.0.0");
    fixture.publish_tampered(tampered, packs.get("never-cached", "1.0.0").tarball.clone());
    fixture
}

/// A server whose `public:npmjs` is `fixture`, with more settings.
fn server_for(backend: Backend, fixture: &NpmFixture, env: &[(&str, &str)]) -> TestServer {
    server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), env)
}

// ---------------------------------------------------------------------------------------------
// The npm CLI.

/// A client machine: a temporary HOME whose `.npmrc` points npm at one repository.
struct NpmClient {
    home: tempfile::TempDir,
    registry: String,
    runs: std::cell::Cell<u32>,
}

impl NpmClient {
    /// npm pointed at `domain/repository` of `server`, with `token` (none: no credentials).
    fn new(server: &TestServer, domain: &str, repository: &str, token: Option<&str>) -> Self {
        let home = tempfile::Builder::new().prefix("npm-home-").tempdir().expect("cannot make a temp HOME");
        let registry = format!("{}/npm/{domain}/{repository}/", server.url());
        let mut npmrc = format!("registry={registry}\nfetch-retries=0\n");
        if let Some(token) = token {
            let auth_key = registry.trim_start_matches("http:");
            npmrc.push_str(&format!("{auth_key}:_authToken={token}\n"));
        }
        std::fs::write(home.path().join(".npmrc"), npmrc).expect("cannot write .npmrc");
        Self { home, registry, runs: std::cell::Cell::new(0) }
    }

    /// A client whose HOME already holds an `.npmrc` (written by `aws codeartifact login`).
    fn in_home(home: tempfile::TempDir, registry: String) -> Self {
        Self { home, registry, runs: std::cell::Cell::new(0) }
    }

    /// A fresh project folder with a package.json (no lockfile).
    fn project(&self) -> PathBuf {
        let n = self.next();
        let dir = self.home.path().join(format!("project-{n}"));
        std::fs::create_dir_all(&dir).expect("cannot make a project folder");
        let manifest = json!({"name": format!("consumer-{n}"), "version": "1.0.0", "private": true});
        std::fs::write(dir.join("package.json"), manifest.to_string()).expect("cannot write package.json");
        dir
    }

    /// A folder holding a package to publish: package.json from `manifest`, an index.js, a README.
    fn package(&self, manifest: Value) -> PathBuf {
        let dir = self.home.path().join(format!("package-{}", self.next()));
        std::fs::create_dir_all(&dir).expect("cannot make a package folder");
        std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(&manifest).expect("JSON"))
            .expect("cannot write package.json");
        std::fs::write(dir.join("index.js"), "module.exports = 42;\n").expect("cannot write index.js");
        std::fs::write(dir.join("README.md"), format!("# {}\n", manifest["name"])).expect("cannot write README.md");
        dir
    }

    fn next(&self) -> u32 {
        let n = self.runs.get() + 1;
        self.runs.set(n);
        n
    }

    /// `npm ARGS...` in `dir`, with a fresh cache.
    fn npm(&self, dir: &Path, args: &[&str]) -> Run {
        let cache = self.home.path().join(format!("cache-{}", self.next()));
        let mut command = npm_command(self.home.path());
        command.args(args).arg("--cache").arg(&cache).current_dir(dir);
        run(command, &format!("npm {}", args.join(" ")))
    }

    /// The version of `name` installed in `project`, if any.
    fn installed(project: &Path, name: &str) -> Option<String> {
        let manifest = std::fs::read(project.join("node_modules").join(name).join("package.json")).ok()?;
        let manifest: Value = serde_json::from_slice(&manifest).ok()?;
        manifest["version"].as_str().map(str::to_owned)
    }

    /// `npm install SPECS...` in a fresh project; asserts it worked and each of `expect`
    /// (`name@version`) is installed. Returns the project.
    #[track_caller]
    fn install(&self, specs: &[&str], expect: &[&str]) -> PathBuf {
        let project = self.project();
        let mut args = vec!["install"];
        args.extend_from_slice(specs);
        self.npm(&project, &args).ok();
        for spec in expect {
            let (name, version) = spec.rsplit_once('@').expect("name@version");
            assert_eq!(
                Self::installed(&project, name).as_deref(),
                Some(version),
                "`npm install {}` did not install `{spec}`",
                specs.join(" ")
            );
        }
        project
    }
}

/// The npm packages of the domain `acme`.
fn acme(sdk: &aws_sdk_codeartifact::Client) -> Packages<'_> {
    Packages::new(sdk, "acme", PackageFormat::Npm)
}

// ---------------------------------------------------------------------------------------------
// A -> B -> C(public:npmjs): retention, origin, outages.

/// `npm install` of a package with a dependency through `a`: the versions are afterwards in `a`
/// and `c`, not `b`, EXTERNAL via `public:npmjs`; the same install keeps working with the
/// registry down, after `b` leaves `a`'s upstreams, and after the version is deleted from `c`;
/// with the registry down (or failing) an uncached package fails fast with 502 naming it, and
/// stale metadata keeps being served after its TTL.
async fn chain_retention_and_outages(backend: Backend) {
    let fixture = fixture();
    // A one-second TTL: later requests revalidate, and must fall back on the last-known-good.
    let server = server_for(backend, &fixture, &[("TRIBUTARY_METADATA_TTL_SECONDS", "1")]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", NPMJS).await;
    let npm = NpmClient::new(&server, "acme", "aa", Some(&token));

    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);
    for (name, version) in [("left-pad", "1.3.0"), ("is-number", "7.0.0")] {
        for repository in ["aa", "cc"] {
            let stored = acme(&sdk).versions(repository, name, None).await;
            assert_eq!(stored.len(), 1, "`{name}` in `{repository}`: {stored:?}");
            assert_external(&stored, repository, name, version, NPMJS);
        }
        assert_eq!(acme(&sdk).version_numbers("bb", name).await, Vec::<String>::new(), "`{name}` leaked into `b`");
    }
    let packs = packs();
    for pack in [packs.get("left-pad", "1.3.0"), packs.get("is-number", "7.0.0")] {
        assert_eq!(fixture.tarball_requests(pack), 1, "{:?}", fixture.all_requests());
    }
    // npm saw the packument as the fixture's, with our tarball URL and the same integrity.
    let view = npm.npm(&npm.project(), &["view", "tags-demo", "--json"]).ok().json();
    assert_eq!(view["dist-tags"], json!({"latest": "1.1.0", "next": "2.0.0-beta.1"}), "{view}");
    assert_eq!(view["versions"], json!(["1.0.0", "1.1.0", "2.0.0-beta.1"]));
    assert_eq!(view["dist"]["integrity"], packs.get("tags-demo", "1.1.0").integrity());
    assert!(view["dist"]["tarball"].as_str().unwrap_or_default().starts_with(&npm.registry), "{view}");

    // The registry goes down: what is stored still installs (past the metadata TTL).
    fixture.set_mode(Mode::Down);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);

    // An uncached package fails fast, naming the upstream, with 502.
    let url = format!("{}never-cached", npm.registry);
    let started = Instant::now();
    let response = server.http().get(&url).bearer_auth(&token).send().await.expect("the server answers");
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    assert!(status == 502 || status == 504, "uncached package with the registry down: {status} {body}");
    assert_mentions(&body, &["public:npmjs"]);
    assert!(elapsed < Duration::from_secs(3), "the refusal took {elapsed:?}");
    let failed = npm.npm(&npm.project(), &["install", "never-cached"]);
    assert!(failed.elapsed < Duration::from_secs(20), "npm took {:?} to fail", failed.elapsed);
    failed.fails(&["E502", "public:npmjs"]);

    // A failing registry (500) is no different: stale metadata is served, the unknown fails.
    fixture.set_mode(Mode::Error500);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let asked = fixture.packument_requests("left-pad");
    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);
    assert!(fixture.packument_requests("left-pad") > asked, "the stale packument was not revalidated");
    npm.npm(&npm.project(), &["install", "never-cached"]).fails(&["E502", "public:npmjs"]);
    fixture.set_mode(Mode::Down);

    // `b` leaves `a`'s upstreams: `a` keeps what it retained.
    sdk.update_repository().domain("acme").repository("aa").set_upstreams(Some(vec![])).send().await.expect("drop b");
    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);

    // The versions are deleted from the gateway `c`: `a` still has them.
    for name in ["left-pad", "is-number"] {
        let version = if name == "left-pad" { "1.3.0" } else { "7.0.0" };
        acme(&sdk).delete("cc", name, version).await;
        assert_eq!(acme(&sdk).version_numbers("cc", name).await, Vec::<String>::new());
    }
    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);
    // Never more than one upstream download per tarball.
    for pack in [packs.get("left-pad", "1.3.0"), packs.get("is-number", "7.0.0")] {
        assert_eq!(fixture.tarball_requests(pack), 1, "{:?}", fixture.all_requests());
    }
}

// ---------------------------------------------------------------------------------------------
// Publishing: versions that exist upstream, dependency confusion, and the npm commands.

/// The package.json of a private package.
fn private(name: &str, version: &str) -> Value {
    json!({"name": name, "version": version, "description": format!("{name} {version}"), "main": "index.js", "license": "MIT"})
}

/// Publishing to `aa` a version that exists in the public registry: npm's pre-check refuses, and
/// the server answers 409 when npm skips it; a new private `@acme/lib` gets upstream=BLOCK, and
/// its public namesake (with a higher version) never shows through `aa` again.
async fn publish_rules_and_dependency_confusion(backend: Backend) {
    let fixture = fixture();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", NPMJS).await;
    let npm = NpmClient::new(&server, "acme", "aa", Some(&token));

    // A version that exists in the public registry cannot be published downstream: npm's own
    // pre-check refuses, and without it (`--force`) the server answers 409.
    let taken = npm.package(private("left-pad", "1.3.0"));
    npm.npm(&taken, &["publish"]).fails(&["You cannot publish over the previously published versions: 1.3.0"]);
    npm.npm(&taken, &["publish", "--force"]).fails(&["E409", "409 Conflict", "`1.3.0`", "public:npmjs"]);
    for repository in ["aa", "bb", "cc"] {
        assert_eq!(acme(&sdk).version_numbers(repository, "left-pad").await, Vec::<String>::new());
    }

    // A new private `@acme/lib`: before it exists here, the public namesake shows through (npm
    // refuses to tag 1.0.0 latest below the public 9.9.9); once published, upstream=BLOCK and
    // the namesake never shows again (the registry is not even asked).
    let lib = npm.package(private("@acme/lib", "1.0.0"));
    npm.npm(&lib, &["publish"]).fails(&["previously published version 9.9.9 is higher"]);
    npm.npm(&lib, &["publish", "--tag", "latest"]).ok();
    assert_eq!(acme(&sdk).restrictions("aa", "@acme/lib").await, ("ALLOW".to_owned(), "BLOCK".to_owned()));
    let asked = fixture.total_requests();
    let view = npm.npm(&npm.project(), &["view", "@acme/lib", "--json"]).ok().json();
    assert_eq!(view["versions"], json!(["1.0.0"]), "{view}");
    assert_eq!(view["dist-tags"], json!({"latest": "1.0.0"}), "{view}");
    npm.install(&["@acme/lib"], &["@acme/lib@1.0.0"]);
    npm.npm(&npm.project(), &["install", "@acme/lib@9.9.9"])
        .fails(&["ETARGET", "No matching version found for @acme/lib@9.9.9"]);
    let tarball = format!("{}@acme/lib/-/lib-9.9.9.tgz", npm.registry);
    let response = server.http().get(&tarball).bearer_auth(&token).send().await.expect("the server answers");
    assert_eq!(response.status(), 404, "the public namesake's tarball through aa");
    assert_eq!(fixture.total_requests(), asked, "the registry was asked: {:?}", fixture.all_requests());
    assert_eq!(acme(&sdk).version_numbers("aa", "@acme/lib").await, ["1.0.0"]);
    assert_eq!(acme(&sdk).version_numbers("cc", "@acme/lib").await, Vec::<String>::new());
}

/// The status of `version` in ListPackageVersions with `status` (all but Deleted when `None`).
async fn status_of(
    acme: &Packages<'_>,
    repository: &str,
    name: &str,
    version: &str,
    status: Option<PackageVersionStatus>,
) -> Option<PackageVersionStatus> {
    acme.versions(repository, name, status).await.iter().find(|v| v.version() == version).map(|v| v.status().clone())
}

/// whoami, ping, search, dist-tag add/ls/rm, deprecate, unpublish (a version and a package),
/// and the statuses Unlisted and Archived as npm sees them.
async fn npm_commands(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let npm = NpmClient::new(&server, "acme", "solo", Some(&token));
    let here = npm.project();
    for version in ["1.0.0", "1.1.0", "1.2.0"] {
        npm.npm(&npm.package(private("@acme/tools", version)), &["publish"]).ok();
    }

    assert_eq!(npm.npm(&here, &["whoami"]).ok().stdout.trim(), "admin");
    assert_mentions(&npm.npm(&here, &["ping"]).ok().stderr, &["PONG"]);
    for text in ["tools", "acme"] {
        let found = npm.npm(&here, &["search", text, "--json"]).ok().json();
        let names: Vec<&str> = found.as_array().into_iter().flatten().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["@acme/tools"], "npm search {text}: {found}");
        assert_eq!(found[0]["version"], "1.2.0");
    }

    // dist-tags.
    npm.npm(&here, &["dist-tag", "add", "@acme/tools@1.1.0", "stable"]).ok();
    let tags = npm.npm(&here, &["dist-tag", "ls", "@acme/tools"]).ok().stdout;
    assert_eq!(tags.lines().collect::<Vec<_>>(), ["latest: 1.2.0", "stable: 1.1.0"]);
    npm.install(&["@acme/tools@stable"], &["@acme/tools@1.1.0"]);
    npm.npm(&here, &["dist-tag", "rm", "@acme/tools", "stable"]).ok();
    let tags = npm.npm(&here, &["dist-tag", "ls", "@acme/tools"]).ok().stdout;
    assert_eq!(tags.lines().collect::<Vec<_>>(), ["latest: 1.2.0"]);
    npm.npm(&here, &["dist-tag", "add", "@acme/tools@7.7.7", "nope"]).fails(&["E404", "7.7.7"]);

    // deprecate, undeprecate.
    npm.npm(&here, &["deprecate", "@acme/tools@1.1.0", "use 1.2.0"]).ok();
    assert_eq!(npm.npm(&here, &["view", "@acme/tools@1.1.0", "deprecated"]).ok().stdout.trim(), "use 1.2.0");
    let installed = npm.npm(&npm.project(), &["install", "@acme/tools@1.1.0"]).ok();
    assert_mentions(&installed.stderr, &["deprecated", "use 1.2.0"]);
    npm.npm(&here, &["deprecate", "@acme/tools@1.1.0", ""]).ok();
    assert_eq!(npm.npm(&here, &["view", "@acme/tools@1.1.0", "deprecated"]).ok().stdout.trim(), "");

    // unpublish one version: Deleted, its number burned; `latest` moves back.
    npm.npm(&here, &["unpublish", "@acme/tools@1.2.0"]).ok();
    let view = npm.npm(&here, &["view", "@acme/tools", "--json"]).ok().json();
    assert_eq!(view["versions"], json!(["1.0.0", "1.1.0"]), "{view}");
    assert_eq!(view["dist-tags"]["latest"], "1.1.0", "{view}");
    assert_eq!(
        status_of(&acme(&sdk), "solo", "@acme/tools", "1.2.0", Some(PackageVersionStatus::Deleted)).await,
        Some(PackageVersionStatus::Deleted)
    );
    assert_eq!(
        status_of(&acme(&sdk), "solo", "@acme/tools", "1.2.0", None).await,
        None,
        "Deleted is not listed by default"
    );
    let again = npm.package(private("@acme/tools", "1.2.0"));
    npm.npm(&again, &["publish", "--force"]).fails(&["E409", "`1.2.0`", "`@acme/tools`", "deleted"]);

    // unpublish a whole package.
    npm.npm(&npm.package(private("@acme/gone", "1.0.0")), &["publish"]).ok();
    npm.npm(&here, &["unpublish", "@acme/gone", "--force"]).ok();
    npm.npm(&here, &["view", "@acme/gone"]).fails(&["E404"]);
    assert_eq!(
        status_of(&acme(&sdk), "solo", "@acme/gone", "1.0.0", Some(PackageVersionStatus::Deleted)).await,
        Some(PackageVersionStatus::Deleted)
    );

    // Unlisted: gone from the packument (`npm view`, so npm's resolution never picks it), yet
    // a lockfile that names it still installs (`npm ci`), as CodeArtifact documents.
    let locked = npm.install(&["@acme/tools@1.0.0"], &["@acme/tools@1.0.0"]);
    acme(&sdk).set_status("solo", "@acme/tools", "1.0.0", PackageVersionStatus::Unlisted).await;
    let versions = npm.npm(&here, &["view", "@acme/tools", "versions", "--json"]).ok().json();
    assert_eq!(versions, json!(["1.1.0"]));
    npm.npm(&npm.project(), &["install", "@acme/tools@1.0.0"])
        .fails(&["ETARGET", "No matching version found for @acme/tools@1.0.0"]);
    std::fs::remove_dir_all(locked.join("node_modules")).expect("cannot remove node_modules");
    npm.npm(&locked, &["ci"]).ok();
    assert_eq!(NpmClient::installed(&locked, "@acme/tools").as_deref(), Some("1.0.0"));

    // Archived: the lockfile no longer installs.
    acme(&sdk).set_status("solo", "@acme/tools", "1.0.0", PackageVersionStatus::Archived).await;
    std::fs::remove_dir_all(locked.join("node_modules")).expect("cannot remove node_modules");
    npm.npm(&locked, &["ci"]).fails(&["E404", "tools-1.0.0.tgz", "Archived"]);
    assert_eq!(
        status_of(&acme(&sdk), "solo", "@acme/tools", "1.0.0", None).await,
        Some(PackageVersionStatus::Archived)
    );
}

// ---------------------------------------------------------------------------------------------
// Bursts: single flight; upstream bytes checked.

/// 100 concurrent GETs of `url` with `token`, half of them with `accept` (if any): each
/// answer's status and whole body.
async fn burst_of_100(server: &TestServer, url: &str, token: &str, accept: Option<&str>) -> Vec<(u16, Vec<u8>)> {
    let client = server.http();
    let answers = burst(100, |i| {
        let request = client.get(url).bearer_auth(token);
        match accept {
            Some(accept) if i % 2 == 0 => request.header("accept", accept),
            _ => request,
        }
    })
    .await;
    answers.into_iter().map(|(status, body)| (status, body.expect("a whole body"))).collect()
}

/// 100 concurrent requests for one uncached tarball (and, before, for one uncached packument)
/// through `aa` make ONE upstream request each, and all get the right bytes; a tarball whose
/// bytes do not match the upstream's declared integrity is refused and nothing is stored.
async fn single_flight_and_upstream_verification(backend: Backend) {
    let fixture = fixture();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", NPMJS).await;
    let registry = format!("{}/npm/acme/aa/", server.url());
    // Slow answers, so that the burst really overlaps the upstream request.
    fixture.set_mode(Mode::Slow(Duration::from_millis(300)));

    let answers =
        burst_of_100(&server, &format!("{registry}burst-doc"), &token, Some("application/vnd.npm.install-v1+json"))
            .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        let doc: Value = serde_json::from_slice(body).expect("a packument");
        assert_eq!(doc["versions"]["1.0.0"]["dist"]["integrity"], packs().get("burst-doc", "1.0.0").integrity());
    }
    assert_eq!(fixture.packument_requests("burst-doc"), 1, "{:?}", fixture.all_requests());

    let pack = packs().get("burst", "1.0.0");
    let answers = burst_of_100(&server, &format!("{registry}{}", pack.tarball_path()), &token, None).await;
    assert_fetched_once(&answers, pack, &fixture, &sdk).await;
    assert_eq!(fixture.packument_requests("burst"), 1, "{:?}", fixture.all_requests());
    fixture.set_mode(Mode::Up);

    // The registry serves other bytes than its packument declares (valid gzip and tar, so only
    // a digest check can tell): the server streams them while hashing, then aborts the response
    // instead of ending it, so no client accepts them; npm fails, nothing is stored, and the
    // next request goes upstream again rather than serving a bad copy.
    let npm = NpmClient::new(&server, "acme", "aa", Some(&token));
    npm.npm(&npm.project(), &["install", "tampered"]).fails(&["ECONNRESET"]);
    let tampered = packs().get("tampered", "1.0.0");
    let url = format!("{registry}{}", tampered.tarball_path());
    for _ in 0..2 {
        let response = server.http().get(&url).bearer_auth(&token).send().await.expect("the server answers");
        assert!(response.bytes().await.is_err(), "a download that does not match its digests ended normally");
    }
    for repository in ["aa", "bb", "cc"] {
        assert_eq!(acme(&sdk).version_numbers(repository, "tampered").await, Vec::<String>::new());
    }
    assert_mentions(&server.stderr(), &["SHA-512 mismatch", "tampered-1.0.0.tgz", "nothing was stored"]);
}

/// A fleet: two replicas on one PostgreSQL database and one S3 bucket. 100 concurrent requests
/// for one uncached tarball, half to each replica, make ONE upstream request for it and one for
/// its packument (the replica that did not fetch waits for the other's lease, then serves the
/// stored copy);
/// every client gets the right bytes, and the version is stored once in `aa` and in `cc`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_single_flight() {
    let s3 = S3sFs::start();
    let fixture = fixture();
    let env = s3.server_env(BUCKET);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = server_for(Backend::Postgres, &fixture, &env);
    let second = first.replica();
    let sdk = first.sdk_client();
    let token = chain(&sdk, "acme", "cc", NPMJS).await;
    // Slow answers, so that both replicas' requests overlap the one upstream download.
    fixture.set_mode(Mode::Slow(Duration::from_millis(300)));

    let pack = packs().get("burst", "1.0.0");
    let urls = [&first, &second].map(|s| format!("{}/npm/acme/aa/{}", s.url(), pack.tarball_path()));
    let client = first.http();
    let answers: Vec<(u16, Vec<u8>)> = burst(100, |i| client.get(&urls[i % 2]).bearer_auth(&token))
        .await
        .into_iter()
        .map(|(status, body)| (status, body.expect("a whole body")))
        .collect();
    assert_fetched_once(&answers, pack, &fixture, &sdk).await;
    // The packument too is read once by the fleet: the replica that did not read it reads the
    // fleet's copy from the database (docs/ARCHITECTURE.md, "A fleet").
    assert_eq!(fixture.packument_requests("burst"), 1, "{:?}", fixture.all_requests());
}

/// Every one of `answers` is a 200 with `pack`'s bytes; the fixture served the tarball once; the
/// version is stored once, EXTERNAL, in `aa` and in the gateway `cc`, and not in `bb`.
async fn assert_fetched_once(
    answers: &[(u16, Vec<u8>)],
    pack: &Packed,
    fixture: &NpmFixture,
    sdk: &aws_sdk_codeartifact::Client,
) {
    for (status, body) in answers {
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        assert!(
            body == &pack.tarball,
            "a client got other bytes ({} bytes, expected {})",
            body.len(),
            pack.tarball.len()
        );
    }
    assert_eq!(fixture.tarball_requests(pack), 1, "{:?}", fixture.all_requests());
    for repository in ["aa", "cc"] {
        let stored = acme(sdk).versions(repository, &pack.name, None).await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_external(&stored, repository, &pack.name, &pack.version, NPMJS);
    }
    assert_eq!(acme(sdk).version_numbers("bb", &pack.name).await, Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// `aws codeartifact login --tool npm`; yarn classic and pnpm.

/// yarn classic or pnpm: `env`, else `target/tools/npm-global/bin/{name}`.
fn tool(env: &str, name: &str) -> PathBuf {
    let path = match std::env::var_os(env) {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/tools/npm-global/bin").join(name),
    };
    assert!(
        path.is_file(),
        "`{name}` is not at `{}`: run `cargo xtask test` (it installs yarn@1 and pnpm with `npm install -g --prefix target/tools/npm-global yarn@1 pnpm`), or set `{env}`",
        path.display()
    );
    path
}

/// `tool ARGS...` in `dir` with HOME = `home` (whose `.npmrc` names the registry and token).
fn run_tool(tool: &Path, home: &Path, dir: &Path, args: &[&str]) -> Run {
    let mut command = tributary_tests::npm_fixture::isolated_tool(tool, home, dir, args);
    command.env("npm_config_userconfig", home.join(".npmrc"));
    run(command, &format!("{} {}", tool.display(), args.join(" ")))
}

/// `aws codeartifact login --tool npm` writes `~/.npmrc` (through `npm config set`); npm,
/// yarn classic and pnpm then install and publish with it; `aws codeartifact
/// list-package-versions` shows what they did.
async fn aws_login_yarn_pnpm(backend: Backend) {
    let fixture = fixture();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    chain(&sdk, "acme", "cc", NPMJS).await;

    let home = tempfile::Builder::new().prefix("npm-login-home-").tempdir().expect("cannot make a temp HOME");
    let login = aws_in_home(
        &server,
        aws_command(home.path()),
        home.path(),
        &["login", "--tool", "npm", "--domain", "acme", "--repository", "aa"],
    );
    let registry = format!("{}/npm/acme/aa/", server.url());
    assert_mentions(&login.ok().stdout, &["Successfully configured npm", &registry]);
    let npmrc = std::fs::read_to_string(home.path().join(".npmrc")).expect("login wrote ~/.npmrc");
    assert_mentions(
        &npmrc,
        &[&format!("registry={registry}"), &format!("{}:_authToken=", registry.trim_start_matches("http:"))],
    );
    let home_path = home.path().to_owned();
    let npm = NpmClient::in_home(home, registry.clone());

    npm.install(&["left-pad"], &["left-pad@1.3.0", "is-number@7.0.0"]);
    npm.npm(&npm.package(private("@acme/app", "1.0.0")), &["publish"]).ok();
    let list = |package: &str, namespace: Option<&str>| {
        let mut args = vec![
            "list-package-versions",
            "--domain",
            "acme",
            "--repository",
            "aa",
            "--format",
            "npm",
            "--package",
            package,
            "--output",
            "json",
        ];
        if let Some(namespace) = namespace {
            args.extend_from_slice(&["--namespace", namespace]);
        }
        aws_in_home(&server, aws_command(&home_path), &home_path, &args).ok().json()
    };
    let listed = list("left-pad", None);
    assert_eq!(listed["versions"][0]["version"], "1.3.0", "{listed}");
    assert_eq!(listed["versions"][0]["status"], "Published", "{listed}");
    assert_eq!(listed["versions"][0]["origin"]["originType"], "EXTERNAL", "{listed}");
    assert_eq!(
        listed["versions"][0]["origin"]["domainEntryPoint"]["externalConnectionName"], "public:npmjs",
        "{listed}"
    );
    let listed = list("app", Some("acme"));
    assert_eq!(listed["versions"][0]["version"], "1.0.0", "{listed}");
    assert_eq!(listed["versions"][0]["origin"]["originType"], "INTERNAL", "{listed}");
    assert_eq!(listed["versions"][0]["origin"]["domainEntryPoint"]["repositoryName"], "aa", "{listed}");

    // yarn classic, through the same ~/.npmrc: a package nobody fetched yet, and one with a dependency.
    // yarn classic sends the token for an unscoped package only with `always-auth` (which
    // `aws codeartifact login` no longer writes for npm >= 9; the same holds with CodeArtifact).
    let yarn = tool(ENV_YARN, "yarn");
    let project = npm.project();
    std::fs::write(project.join(".npmrc"), "always-auth=true\n").expect("cannot write .npmrc");
    let cache = home_path.join("yarn-cache");
    let cache = cache.to_str().expect("a UTF-8 path");
    let added = run_tool(
        &yarn,
        &home_path,
        &project,
        &["add", "yarn-pnpm-dep@1.0.0", "left-pad", "--cache-folder", cache, "--non-interactive", "--no-progress"],
    );
    added.ok();
    for (name, version) in [("yarn-pnpm-dep", "1.0.0"), ("left-pad", "1.3.0"), ("is-number", "7.0.0")] {
        assert_eq!(NpmClient::installed(&project, name).as_deref(), Some(version), "yarn did not install `{name}`");
    }
    let lock = std::fs::read_to_string(project.join("yarn.lock")).expect("yarn wrote yarn.lock");
    assert_mentions(
        &lock,
        &[
            &format!("{registry}yarn-pnpm-dep/-/yarn-pnpm-dep-1.0.0.tgz"),
            &packs().get("yarn-pnpm-dep", "1.0.0").integrity(),
        ],
    );
    assert_eq!(acme(&sdk).version_numbers("aa", "yarn-pnpm-dep").await, ["1.0.0"]);
    assert_eq!(acme(&sdk).version_numbers("cc", "yarn-pnpm-dep").await, ["1.0.0"]);

    // pnpm: an external package with a dependency, and the private one npm published.
    let pnpm = tool(ENV_PNPM, "pnpm");
    let project = npm.project();
    let store = home_path.join("pnpm-store");
    let store = store.to_str().expect("a UTF-8 path");
    let added = run_tool(
        &pnpm,
        &home_path,
        &project,
        &["add", "left-pad", "@acme/app", "--store-dir", store, "--reporter", "append-only"],
    );
    added.ok();
    for (name, version) in [("left-pad", "1.3.0"), ("@acme/app", "1.0.0")] {
        assert_eq!(NpmClient::installed(&project, name).as_deref(), Some(version), "pnpm did not install `{name}`");
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input.

/// A publish body as npm sends it (`libnpmpublish`), with the given tarball and digests.
/// `PUT {registry}{path}` with `body` (and the bearer `token`, if any): status, headers, body.
async fn put(
    server: &TestServer,
    registry: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = server.http().put(format!("{registry}{path}")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

/// Sends a request head declaring a 3 GB body, and a few bytes of it, over a raw socket; returns
/// the status line and how long the answer took.
fn huge_put(server: &TestServer, path: &str, token: &str) -> (String, Duration) {
    use std::io::{BufRead as _, Write as _};
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n{{\"name\":\"big\"",
        server.port()
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    let mut status = String::new();
    let _ = std::io::BufReader::new(&stream).read_line(&mut status);
    (status.trim().to_owned(), started.elapsed())
}

/// Each bad publish is refused with a clear error (npm's, when npm itself sends it) and stores
/// nothing: a tarball that is not gzip, gzip that is not tar, a tar without package.json, bytes
/// that do not match the declared integrity, a package.json that disagrees with the metadata,
/// names with `..` or capitals, a 3 GB body, and no or a bad token.
async fn bad_input(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let npm = NpmClient::new(&server, "acme", "solo", Some(&token));
    let registry = npm.registry.clone();
    let packed = packs().get("crafted", "1.0.0");

    // Broken tarballs, each with honest digests.
    let not_gzip = b"this is not a gzip stream, just some text".to_vec();
    let not_tar = gzip(&[0x5a; 4096]);
    let no_manifest = tgz(&[("package/index.js", b"module.exports = 1;\n")]);
    for (tarball, parts) in [
        (&not_gzip, &["`crafted@1.0.0`", "not a gzip-compressed tar archive"][..]),
        (&not_tar, &["`crafted@1.0.0`", "not a gzip-compressed tar archive"][..]),
        (&no_manifest, &["`crafted@1.0.0`", "no package.json"][..]),
    ] {
        let (status, _, body) =
            put(&server, &registry, "crafted", Some(&token), &honest_body("crafted", "1.0.0", tarball)).await;
        assert_eq!(status, 400, "{body}");
        assert_mentions(&body, parts);
    }

    // The bytes changed after the integrity was computed.
    let mut changed = packed.tarball.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    let (status, _, body) = put(
        &server,
        &registry,
        "crafted",
        Some(&token),
        &publish_body("crafted", "1.0.0", &changed, &packed.integrity(), &packed.shasum()),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["does not match its declared integrity", &packed.integrity()]);

    // The metadata says 2.0.0, the package.json inside says 1.0.0.
    let (status, _, body) =
        put(&server, &registry, "crafted", Some(&token), &honest_body("crafted", "2.0.0", &packed.tarball)).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["package.json", "`1.0.0`", "`2.0.0`"]);

    // Names: npm refuses `..` itself; the server refuses them too, and capitals (which npm sends).
    npm.npm(&npm.package(private("../evil", "1.0.0")), &["publish"]).fails(&["Invalid name"]);
    npm.npm(&npm.package(private("@acme/..", "1.0.0")), &["publish"]).fails(&["EINVALIDPACKAGENAME"]);
    for (path, name, parts) in [
        ("..%2Fevil", "../evil", &["`../evil`", "cannot start with `.`"][..]),
        ("@acme%2F..", "@acme/..", &["`@acme/..`", "cannot start with `.`"][..]),
        ("UpperCase", "UpperCase", &["`UpperCase`", "lowercase"][..]),
    ] {
        let (status, _, body) =
            put(&server, &registry, path, Some(&token), &honest_body(name, "1.0.0", &packed.tarball)).await;
        assert_eq!(status, 400, "`{path}`: {body}");
        assert_mentions(&body, parts);
    }
    npm.npm(&npm.package(private("UpperCase", "1.0.0")), &["publish"]).fails(&["E400", "`UpperCase`", "lowercase"]);

    // A 3 GB body: refused from its head, at once, without reading it.
    let (status, elapsed) = huge_put(&server, "/npm/acme/solo/big", &token);
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

    // No token, a bad token.
    let (status, headers, body) =
        put(&server, &registry, "crafted", None, &honest_body("crafted", "1.0.0", &packed.tarball)).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        headers.get("www-authenticate").is_some_and(|v| v.to_str().unwrap_or_default().starts_with("Bearer")),
        "{headers:?}"
    );
    let anonymous = NpmClient::new(&server, "acme", "solo", None);
    anonymous.npm(&anonymous.package(private("crafted", "1.0.0")), &["publish"]).fails(&["ENEEDAUTH"]);
    let bogus = NpmClient::new(&server, "acme", "solo", Some("not-a-token"));
    bogus.npm(&bogus.package(private("crafted", "1.0.0")), &["publish"]).fails(&["E401", "Unable to authenticate"]);
    bogus.npm(&bogus.project(), &["install", "crafted"]).fails(&["E401"]);

    let listed = sdk.list_packages().domain("acme").repository("solo").send().await.expect("list packages");
    assert!(listed.packages().is_empty(), "bad publishes stored something: {:?}", listed.packages());
}
