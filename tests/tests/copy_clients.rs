//! CopyPackageVersions seen by the real clients, on SQLite and PostgreSQL:
//! - `copy_then_install_with_npm`: the real npm publishes `lib` 1.0.0 (`latest`) and 2.0.0
//!   (`npm publish --tag beta`) to `src`; `aws codeartifact copy-package-versions` copies both
//!   to the empty `dst` of the same domain and reports each in `successfulVersions`. npm pointed
//!   at `dst` then installs `lib@beta` as 2.0.0 (the dist-tags came along with the versions:
//!   `npm view lib dist-tags` through `dst` answers what it answers through `src`). Copying
//!   again without `--allow-overwrite` reports each version in `failedVersions` as
//!   `ALREADY_EXISTS` and changes nothing in `dst` (versions, revisions, dist-tags).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tributary_tests::npm_fixture::{PackageSpec, npm_command, npm_pack};
use tributary_tests::scenario::{Run, run};
use tributary_tests::{Backend, TestServer, on_both_backends};

on_both_backends!(copy_then_install_with_npm);

const DOMAIN: &str = "acme";

/// A client machine whose `.npmrc` points the real npm at one repository, with a token.
struct NpmClient {
    home: tempfile::TempDir,
    runs: std::cell::Cell<u32>,
}

impl NpmClient {
    fn new(server: &TestServer, repository: &str, token: &str) -> Self {
        let home = tempfile::Builder::new().prefix("npm-home-").tempdir().expect("cannot make a temp HOME");
        let registry = format!("{}/npm/{DOMAIN}/{repository}/", server.url());
        let auth_key = registry.trim_start_matches("http:");
        let npmrc = format!("registry={registry}\nfetch-retries=0\n{auth_key}:_authToken={token}\n");
        std::fs::write(home.path().join(".npmrc"), npmrc).expect("cannot write .npmrc");
        Self { home, runs: std::cell::Cell::new(0) }
    }

    fn next(&self) -> u32 {
        let n = self.runs.get() + 1;
        self.runs.set(n);
        n
    }

    /// `npm ARGS...` in `dir`, with a fresh cache (npm's cache never answers for the server).
    fn npm(&self, dir: &Path, args: &[&str]) -> Run {
        let cache = self.home.path().join(format!("cache-{}", self.next()));
        let mut command = npm_command(self.home.path());
        command.args(args).arg("--cache").arg(&cache).current_dir(dir);
        run(command, &format!("npm {}", args.join(" ")))
    }

    /// A fresh project folder with a package.json.
    fn project(&self) -> PathBuf {
        let dir = self.home.path().join(format!("project-{}", self.next()));
        std::fs::create_dir_all(&dir).expect("cannot make a project folder");
        let manifest = json!({"name": "consumer", "version": "1.0.0", "private": true});
        std::fs::write(dir.join("package.json"), manifest.to_string()).expect("cannot write package.json");
        dir
    }

    /// `npm view lib dist-tags --json`, parsed.
    #[track_caller]
    fn dist_tags(&self) -> Value {
        self.npm(self.home.path(), &["view", "lib", "dist-tags", "--json"]).ok().json()
    }
}

/// The versions of `lib` in `repository` as `list-package-versions` shows them (version,
/// status, revision), sorted.
fn listed_versions(server: &TestServer, repository: &str) -> Vec<Value> {
    let args = ["list-package-versions", "--domain", DOMAIN, "--repository", repository];
    let listed = server.aws(&[&args[..], &["--format", "npm", "--package", "lib"]].concat()).ok();
    let mut versions: Vec<Value> = listed["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("no `versions` in {listed}"))
        .iter()
        .map(|v| json!({"version": v["version"], "status": v["status"], "revision": v["revision"]}))
        .collect();
    versions.sort_by_key(|v| v["version"].as_str().unwrap_or_default().to_owned());
    versions
}

async fn copy_then_install_with_npm(backend: Backend) {
    let server = TestServer::start(backend);
    server.aws(&["create-domain", "--domain", DOMAIN]).ok();
    for repository in ["src", "dst"] {
        server.aws(&["create-repository", "--domain", DOMAIN, "--repository", repository]).ok();
    }
    let token = server.aws(&["get-authorization-token", "--domain", DOMAIN]).ok()["authorizationToken"]
        .as_str()
        .expect("GetAuthorizationToken answers a token")
        .to_owned();

    // The real npm publishes the tarballs `npm pack` made: 1.0.0 as `latest`, 2.0.0 as `beta`.
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "2.0.0")]);
    let publisher = NpmClient::new(&server, "src", &token);
    for (packed, tag) in packs.iter().zip(["latest", "beta"]) {
        let tarball = publisher.home.path().join(packed.filename());
        std::fs::write(&tarball, &packed.tarball).expect("cannot write the tarball");
        let tarball = tarball.to_str().expect("a UTF-8 temp path");
        publisher.npm(publisher.home.path(), &["publish", tarball, "--tag", tag]).ok();
    }
    let source_tags = publisher.dist_tags();
    assert_eq!(source_tags, json!({"latest": "1.0.0", "beta": "2.0.0"}), "the dist-tags npm publish set in `src`");
    let empty = server.aws(&["list-packages", "--domain", DOMAIN, "--repository", "dst"]).ok();
    assert_eq!(empty["packages"], json!([]), "`dst` starts empty: {empty}");

    let copy = |extra: &[&str]| {
        let mut args = vec!["copy-package-versions", "--domain", DOMAIN, "--source-repository", "src"];
        args.extend(["--destination-repository", "dst", "--format", "npm", "--package", "lib"]);
        args.extend(["--versions", "2.0.0", "1.0.0"]);
        args.extend(extra);
        server.aws(&args).ok()
    };
    let copied = copy(&[]);
    for version in ["1.0.0", "2.0.0"] {
        assert_eq!(copied["successfulVersions"][version]["status"], "Published", "copy of {version}: {copied}");
    }
    assert!(
        copied["failedVersions"].as_object().is_none_or(|failed| failed.is_empty()),
        "nothing fails in a copy to an empty repository: {copied}"
    );

    // npm, pointed at `dst`, installs the `beta` tag as 2.0.0, with its bytes.
    let consumer = NpmClient::new(&server, "dst", &token);
    let project = consumer.project();
    let said = consumer.npm(&project, &["install", "lib@beta"]).ok();
    let installed = project.join("node_modules/lib/package.json");
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(&installed)
            .unwrap_or_else(|e| panic!("`npm install lib@beta` installed no `lib` ({e}): {said:?}")),
    )
    .expect("the installed package.json is JSON");
    assert_eq!(manifest["version"], "2.0.0", "`lib@beta` through `dst`");
    let lock: Value =
        serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).expect("npm wrote a lockfile"))
            .expect("the lockfile is JSON");
    let locked = &lock["packages"]["node_modules/lib"];
    assert_eq!(locked["integrity"], packs[1].integrity().as_str(), "the bytes of 2.0.0 as published: {locked}");
    let dst_registry = format!("{}/npm/{DOMAIN}/dst/", server.url());
    assert!(
        locked["resolved"].as_str().is_some_and(|url| url.starts_with(&dst_registry)),
        "the tarball was resolved from `dst`: {locked}"
    );
    let copied_tags = consumer.dist_tags();
    assert_eq!(copied_tags["beta"], "2.0.0", "the `beta` tag came along with 2.0.0: {copied_tags}");
    assert_eq!(copied_tags, source_tags, "`dst`'s dist-tags are `src`'s once every tagged version is copied");

    // Again, without `--allow-overwrite`: each version fails, and `dst` is as it was.
    let before = listed_versions(&server, "dst");
    assert_eq!(before.len(), 2, "{before:?}");
    let again = copy(&[]);
    for version in ["1.0.0", "2.0.0"] {
        assert_eq!(again["failedVersions"][version]["errorCode"], "ALREADY_EXISTS", "copy of {version} again: {again}");
    }
    assert!(
        again["successfulVersions"].as_object().is_none_or(|done| done.is_empty()),
        "nothing is copied over without `--allow-overwrite`: {again}"
    );
    assert_eq!(listed_versions(&server, "dst"), before, "a refused copy changes no version of `dst`");
    assert_eq!(consumer.dist_tags(), copied_tags, "a refused copy changes no dist-tag of `dst`");
}
