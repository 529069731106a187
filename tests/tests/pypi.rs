//! PyPI end to end: the real `tributary` binary, the real pip, uv, twine and `aws` CLI, and a
//! local index standing in for pypi.org (`tributary_tests::pypi_fixture`), as issue 4's "How it
//! is verified" lists.
//!
//! Scenarios, each on SQLite and on PostgreSQL (the last on SQLite only):
//! - `twine_pip_uv`: twine uploads an sdist and two wheels, and a project depending on it; pip
//!   and uv install it; uv resolves with the PEP 658 metadata and downloads only the wheels it
//!   installs; re-uploads succeed, a changed file under the same name is a 409; the control plane
//!   sees versions, files, dependencies and the readme.
//! - `chain_retention_and_outages`: `aa -> bb -> cc(public:pypi)`; retention in `aa` and `cc`
//!   only, origin EXTERNAL; installs survive the index down, `bb` leaving, the version deleted
//!   from `cc`; an uncached project fails with 502 naming the upstream; an HTML-only index works.
//! - `new_upstream_files_appear`: a wheel the upstream adds to a retained version shows up.
//! - `publish_rules_and_dependency_confusion`: 409 for a version that exists upstream;
//!   upstream=BLOCK for a new private project hides its public namesake.
//! - `statuses`: Unlisted installs only by an exact pin (PEP 592); Archived not at all.
//! - `single_flight_and_verification`: 100 concurrent downloads, one upstream request;
//!   upstream bytes that do not match their digest are refused and nothing is stored.
//! - `aws_login_pip_twine`: `aws codeartifact login --tool twine|pip`, then twine and pip.
//! - `bad_input`: name mismatch, digest mismatch, zip bombs, paths in file names, an oversize
//!   upload, a METADATA without `Version`, no or a bad token: each refused, nothing stored.
//! - `simple_api_shapes`: content negotiation, redirects, and every field of the pages.
//!
//! pip and uv run with no cache and no configuration file (see `tributary_tests::python_tool`),
//! each install into a fresh virtualenv, so what they install comes from the server every time.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::types::{PackageFormat, PackageVersionStatus};
use serde_json::Value;
use tributary_tests::pypi_fixture::{
    Dist, DistSpec, Mode, PypiFixture, SIMPLE_HTML, SIMPLE_JSON, build_sdist, build_wheel, digests_of, sha256_hex,
    twine_fields, upload_form, with_field, write_dists, zip_of,
};
use tributary_tests::scenario::{
    Packages, Run, assert_external, aws_in_home, burst, chain, client, noise, one_repository, run, server_with_upstream,
};
use tributary_tests::{
    AdminKeys, Backend, PythonConfig, TestServer, assert_mentions, fresh_venv, on_both_backends, python_command,
    python_tool, python_tool_with,
};

on_both_backends!(
    twine_pip_uv,
    chain_retention_and_outages,
    new_upstream_files_appear,
    publish_rules_and_dependency_confusion,
    statuses,
    single_flight_and_verification,
    aws_login_pip_twine,
    bad_input,
);

/// The `Accept` header pip sends for a project page.
const PIP_ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01";

/// The external connection of the public index.
const PYPI: &str = "public:pypi";

/// What the pages say of the files of an Unlisted version.
const UNLISTED_REASON: &str = "unlisted: installable only by an exact pin";

// ---------------------------------------------------------------------------------------------
// The projects of the fixture index.

/// `fix-lib` at `version`, as the public fixture serves it (building a spec again gives the same
/// bytes, so tests rebuild the files they compare).
fn fix_lib(version: &str) -> DistSpec {
    DistSpec::new("fix-lib", version).requires_python(">=3.8")
}

/// `Fix.App` 1.0, depending on `fix-lib`, as the public fixture serves it.
fn fix_app() -> DistSpec {
    DistSpec::new("Fix.App", "1.0").requires("fix-lib>=1.0")
}

/// A fixture serving a wheel and an sdist of `fix-lib` 1.0 and 1.1, `Fix.App` 1.0 (depending on
/// `fix-lib`), `never-cached`, `burst`, and `tampered` (whose file is served with one byte
/// changed).
fn public_fixture() -> PypiFixture {
    let mut dists = Vec::new();
    for spec in [fix_lib("1.0"), fix_lib("1.1"), fix_app(), DistSpec::new("never-cached", "1.0")] {
        dists.push(build_wheel(&spec));
        dists.push(build_sdist(&spec));
    }
    dists.push(build_wheel(&DistSpec::new("burst", "1.0")));
    let fixture = PypiFixture::with(&dists);
    let tampered = build_wheel(&DistSpec::new("tampered", "1.0"));
    let mut bytes = tampered.bytes.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fixture.publish_tampered(&tampered, bytes);
    fixture
}

/// A server whose `public:pypi` is `fixture`, with more settings.
fn server_for(backend: Backend, fixture: &PypiFixture, env: &[(&str, &str)]) -> TestServer {
    server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL", &fixture.url(), env)
}

// ---------------------------------------------------------------------------------------------
// pip, uv and twine.

/// Which installer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Installer {
    Pip,
    Uv,
}

/// Prints `name==__version__` of the module of each project named on the command line.
const IMPORT_VERSIONS: &str = r#"
import re, sys
for name in sys.argv[1:]:
    module = __import__(re.sub(r"[-_.]+", "_", name).lower())
    print(f"{name}=={module.__version__}")
"#;

/// Prints the `Tag:` lines of the installed wheel of the project named on the command line.
const WHEEL_TAGS: &str = r#"
import importlib.metadata, sys
wheel = importlib.metadata.distribution(sys.argv[1]).read_text("WHEEL")
print("\n".join(line[5:] for line in wheel.splitlines() if line.startswith("Tag: ")))
"#;

/// A client machine: a temporary HOME for pip, uv and twine, pointed at one repository.
#[derive(Debug)]
struct PyClient {
    home: tempfile::TempDir,
    /// `http://127.0.0.1:PORT/pypi/{domain}/{repository}/`.
    endpoint: String,
    token: Option<String>,
    made: Cell<u32>,
}

impl PyClient {
    /// Clients of `domain/repository` on `server`, with `token` (none: no credentials).
    fn new(server: &TestServer, domain: &str, repository: &str, token: Option<&str>) -> Self {
        let home = tempfile::Builder::new().prefix("pypi-home-").tempdir().expect("cannot make a temp HOME");
        Self {
            home,
            endpoint: format!("{}/pypi/{domain}/{repository}/", server.url()),
            token: token.map(str::to_owned),
            made: Cell::new(0),
        }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    /// The index URL for pip and uv: `simple/` under the endpoint, the token as the password.
    fn index_url(&self) -> String {
        let simple = format!("{}simple/", self.endpoint);
        match &self.token {
            Some(token) => simple.replacen("http://", &format!("http://aws:{token}@"), 1),
            None => simple,
        }
    }

    /// A new empty folder under HOME, named after `prefix`.
    fn dir(&self, prefix: &str) -> PathBuf {
        let n = self.made.get() + 1;
        self.made.set(n);
        let dir = self.home().join(format!("{prefix}-{n}"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", dir.display()));
        dir
    }

    /// A fresh virtualenv; returns its `bin` directory.
    fn venv(&self) -> PathBuf {
        let n = self.made.get() + 1;
        self.made.set(n);
        fresh_venv(&self.home().join(format!("venv-{n}")))
    }

    /// Writes `dists` to a new folder; returns their paths.
    fn write(&self, dists: &[Dist]) -> Vec<PathBuf> {
        write_dists(&self.dir("dist"), dists)
    }

    /// `pip install --index-url INDEX ARGS...` into the virtualenv `venv`.
    fn pip(&self, venv: &Path, args: &[&str]) -> Run {
        let mut command = python_tool("pip", self.home());
        command.arg("--python").arg(venv.join("python")).args(["install", "--index-url", &self.index_url()]).args(args);
        run(command, &format!("pip install {}", args.join(" ")))
    }

    /// `uv pip install --index-url INDEX ARGS...` into the virtualenv `venv`.
    fn uv(&self, venv: &Path, args: &[&str]) -> Run {
        let mut command = python_tool("uv", self.home());
        command
            .args(["pip", "install", "--python"])
            .arg(venv.join("python"))
            .args(["--index-url", &self.index_url()])
            .args(args);
        run(command, &format!("uv pip install {}", args.join(" ")))
    }

    /// Installs `specs` with `installer` into a fresh virtualenv; asserts it worked and that each
    /// of `expect` (`name==version`) imports with that `__version__`. Returns the `bin` directory.
    #[track_caller]
    fn install(&self, installer: Installer, specs: &[&str], expect: &[&str]) -> PathBuf {
        let venv = self.venv();
        match installer {
            Installer::Pip => self.pip(&venv, specs),
            Installer::Uv => self.uv(&venv, specs),
        }
        .ok();
        let names: Vec<&str> = expect.iter().map(|e| e.split_once("==").expect("name==version").0).collect();
        assert_eq!(self.imports(&venv, &names), expect, "{installer:?} install {}", specs.join(" "));
        venv
    }

    /// `name==__version__` of each of `names`, imported in the virtualenv `venv`.
    fn imports(&self, venv: &Path, names: &[&str]) -> Vec<String> {
        let mut command = python_command(venv.join("python"), self.home(), PythonConfig::Isolated);
        command.arg("-c").arg(IMPORT_VERSIONS).args(names);
        let out = run(command, &format!("python -c IMPORT {}", names.join(" "))).ok();
        out.stdout.lines().map(str::to_owned).collect()
    }

    /// The compatibility tags of the wheel of `name` installed in `venv`.
    fn wheel_tags(&self, venv: &Path, name: &str) -> Vec<String> {
        let mut command = python_command(venv.join("python"), self.home(), PythonConfig::Isolated);
        command.arg("-c").arg(WHEEL_TAGS).arg(name);
        let out = run(command, &format!("python -c WHEEL_TAGS {name}")).ok();
        out.stdout.lines().map(str::to_owned).collect()
    }

    /// `twine upload --repository-url ENDPOINT -u aws -p TOKEN EXTRA... FILES...`.
    fn twine(&self, files: &[PathBuf], extra: &[&str]) -> Run {
        let mut command = twine_command(self.home(), PythonConfig::Isolated);
        command.args(["upload", "--non-interactive", "--disable-progress-bar", "--repository-url", &self.endpoint]);
        if let Some(token) = &self.token {
            command.args(["-u", "aws", "-p", token]);
        }
        command.args(extra).args(files);
        let names: Vec<String> =
            files.iter().map(|f| f.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
        run(command, &format!("twine upload {} {}", extra.join(" "), names.join(" ")))
    }
}

/// twine, printing on one long line (it wraps its messages at the terminal's width).
fn twine_command(home: &Path, config: PythonConfig) -> Command {
    let mut command = python_tool_with("twine", home, config);
    command.env("COLUMNS", "2000");
    command
}

// ---------------------------------------------------------------------------------------------
// HTTP.

/// `GET url` with Basic credentials (`token` as the password) and `accept`: status, headers and
/// body (an `Err` when the body was cut short).
async fn get(
    server: &TestServer,
    url: &str,
    token: Option<&str>,
    accept: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Result<Vec<u8>, String>) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.basic_auth("aws", Some(token));
    }
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response =
        request.send().await.unwrap_or_else(|e| panic!("`GET {url}` was not answered: {e}\n{}", server.diagnose()));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map(|b| b.to_vec()).map_err(|e| format!("{e:?}"));
    (status, headers, body)
}

/// The JSON page (PEP 691) of `project` under `endpoint`, which must answer 200.
async fn json_page(server: &TestServer, endpoint: &str, token: &str, project: &str) -> Value {
    let url = format!("{endpoint}simple/{project}/");
    let (status, headers, body) = get(server, &url, Some(token), Some(PIP_ACCEPT)).await;
    let body = body.unwrap_or_else(|e| panic!("`{url}`: the body was cut short: {e}"));
    assert_eq!(status, 200, "`{url}`: {}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], SIMPLE_JSON, "`{url}`");
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("`{url}` is not JSON ({e})"))
}

/// The file names on a JSON page.
fn filenames(page: &Value) -> Vec<String> {
    page["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no `files` in {page}"))
        .iter()
        .map(|f| f["filename"].as_str().expect("a file name").to_owned())
        .collect()
}

/// The file entry named `filename` on a JSON page.
fn file_entry<'a>(page: &'a Value, filename: &str) -> &'a Value {
    page["files"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["filename"] == filename))
        .unwrap_or_else(|| panic!("no `{filename}` on the page {page}"))
}

/// The URL of `dist` under `endpoint`.
fn file_url(endpoint: &str, dist: &Dist) -> String {
    format!("{endpoint}files/{}/{}/{}", dist.normalized_name(), dist.version, dist.filename)
}

/// `tributary_pypi_downloads_total` from `/metrics`: (metadata, distribution).
async fn downloads(server: &TestServer) -> (u64, u64) {
    let text = server.metrics().await;
    let count = |kind: &str| {
        let prefix = format!("tributary_pypi_downloads_total{{kind=\"{kind}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no `{prefix}` in the metrics:\n{text}"))
    };
    (count("metadata"), count("distribution"))
}

// ---------------------------------------------------------------------------------------------
// The control plane.

/// The PyPI projects of the domain `acme`.
fn acme(sdk: &aws_sdk_codeartifact::Client) -> Packages<'_> {
    Packages::new(sdk, "acme", PackageFormat::Pypi)
}

// ---------------------------------------------------------------------------------------------
// twine uploads; pip and uv install.

/// twine uploads `Demo_Core` 1.0 (an sdist, a pure wheel and a manylinux wheel) and `demo-app`
/// 2.0 (depending on it); pip and uv install `demo-app` and pick the manylinux wheel; uv reads
/// the PEP 658 metadata and downloads exactly the two wheels it installs, never the sdists;
/// uploading the same files again succeeds, a changed file
/// under the same name is a 409 that twine prints; the control plane shows the versions (names
/// normalized), their files, dependencies and readme.
async fn twine_pip_uv(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let py = PyClient::new(&server, "acme", "solo", Some(&token));

    let core = DistSpec::new("Demo_Core", "1.0")
        .requires_python(">=3.8")
        .description("# Demo core\n\nThe readme of demo-core.\n");
    let native = core.clone().tag("cp311", "cp311", "manylinux_2_17_x86_64");
    let core_dists = [build_sdist(&core), build_wheel(&core), build_wheel(&native)];
    let app = DistSpec::new("demo-app", "2.0")
        .requires("demo-core>=1.0")
        .extra("fancy")
        .requires("demo-fancy>=3; extra == \"fancy\"");
    let app_dists = [build_wheel(&app), build_sdist(&app)];
    let core_paths = py.write(&core_dists);
    let app_paths = py.write(&app_dists);
    let uploaded = py.twine(&core_paths, &[]).ok();
    assert_mentions(&uploaded.output(), &[&core_dists[0].filename, &core_dists[2].filename]);
    py.twine(&app_paths, &[]).ok();

    // pip, then uv: each installs the two wheels, the manylinux one for `demo-core`.
    let before = downloads(&server).await;
    let venv = py.install(Installer::Pip, &["demo-app"], &["demo-app==2.0", "demo-core==1.0"]);
    assert_eq!(py.wheel_tags(&venv, "demo-core"), ["cp311-cp311-manylinux_2_17_x86_64"]);
    let after_pip = downloads(&server).await;
    assert_eq!(after_pip.1 - before.1, 2, "pip downloads one wheel per project (metadata, distributions)");
    let venv = py.install(Installer::Uv, &["demo-app"], &["demo-app==2.0", "demo-core==1.0"]);
    assert_eq!(py.wheel_tags(&venv, "demo-core"), ["cp311-cp311-manylinux_2_17_x86_64"]);
    let after_uv = downloads(&server).await;
    assert_eq!(
        (after_uv.0 - after_pip.0, after_uv.1 - after_pip.1),
        (2, 2),
        "uv resolves with the two wheels' .metadata and downloads those two wheels only (metadata, distributions)"
    );

    // The same files again: nothing changes, so re-runs of a release job pass. (twine 7 itself
    // refuses `--skip-existing` for any index but pypi.org, before sending anything.)
    py.twine(&core_paths, &[]).ok();
    py.twine(&[core_paths[1].clone(), app_paths[0].clone()], &[]).ok();
    assert_eq!(acme(&sdk).version_numbers("solo", "demo-core").await, ["1.0"]);

    // Other bytes under a file name that exists: 409, which twine prints with our message.
    let changed = build_wheel(&core.clone().summary("the same file name, other bytes"));
    assert_eq!(changed.filename, core_dists[1].filename);
    assert_ne!(changed.sha256, core_dists[1].sha256);
    let refused = py.twine(&py.write(std::slice::from_ref(&changed)), &[]);
    refused.fails(&["409 Conflict", "already has a file `demo_core-1.0-py3-none-any.whl` with other content"]);
    let (status, _, body) = get(&server, &file_url(&py.endpoint, &core_dists[1]), Some(&token), None).await;
    assert_eq!((status, body.expect("a whole body")), (200, core_dists[1].bytes.clone()), "the stored wheel changed");

    // The control plane: versions by any spelling of the name, their files, dependencies, readme.
    let listed = acme(&sdk).cli(&server, "list-package-versions", "solo", "Demo_Core", None);
    let versions = listed["versions"].as_array().unwrap_or_else(|| panic!("no versions: {listed}"));
    assert_eq!(versions.len(), 1, "{listed}");
    assert_eq!(versions[0]["version"], "1.0", "{listed}");
    assert_eq!(versions[0]["status"], "Published", "{listed}");
    assert_eq!(versions[0]["origin"]["originType"], "INTERNAL", "{listed}");
    assert_eq!(versions[0]["origin"]["domainEntryPoint"]["repositoryName"], "solo", "{listed}");

    let assets = acme(&sdk).cli(&server, "list-package-version-assets", "solo", "demo-core", Some("1.0"));
    let names: BTreeSet<String> = assets["assets"]
        .as_array()
        .unwrap_or_else(|| panic!("no assets: {assets}"))
        .iter()
        .map(|a| a["name"].as_str().expect("an asset name").to_owned())
        .collect();
    for dist in &core_dists {
        assert!(names.contains(&dist.filename), "`{}` is not listed: {assets}", dist.filename);
        let asset = assets["assets"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["name"] == dist.filename.as_str()))
            .expect("listed");
        assert_eq!(asset["hashes"]["SHA-256"], dist.sha256.as_str(), "{asset}");
        assert_eq!(asset["size"], dist.size(), "{asset}");
    }
    assert!(!names.iter().any(|n| n.ends_with(".metadata")), "core metadata is served, not listed: {assets}");
    for name in &names {
        let wheel = name.strip_suffix(".metadata");
        assert!(
            core_dists.iter().any(|d| d.filename == *name || Some(d.filename.as_str()) == wheel),
            "an unexpected asset `{name}`: {assets}"
        );
    }

    let described = acme(&sdk).cli(&server, "describe-package-version", "solo", "demo-core", Some("1.0"));
    assert_eq!(described["packageVersion"]["origin"]["originType"], "INTERNAL", "{described}");
    assert_eq!(described["packageVersion"]["summary"], "Demo_Core 1.0, built for the tests", "{described}");
    assert_eq!(described["packageVersion"]["displayName"], "Demo_Core", "{described}");

    let dependencies = acme(&sdk).cli(&server, "list-package-version-dependencies", "solo", "demo-app", Some("2.0"));
    let found: BTreeSet<(String, String, String)> = dependencies["dependencies"]
        .as_array()
        .unwrap_or_else(|| panic!("no dependencies: {dependencies}"))
        .iter()
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
            (text("package"), text("dependencyType"), text("versionRequirement"))
        })
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            ("demo-core".to_owned(), "install".to_owned(), ">=1.0".to_owned()),
            ("demo-fancy".to_owned(), "extra:fancy".to_owned(), ">=3".to_owned()),
        ]),
        "{dependencies}"
    );

    let readme = acme(&sdk).cli(&server, "get-package-version-readme", "solo", "demo-core", Some("1.0"));
    assert_mentions(readme["readme"].as_str().unwrap_or_default(), &["# Demo core", "The readme of demo-core."]);

    let mut projects = acme(&sdk).list("solo", None).await;
    projects.sort();
    assert_eq!(projects, ["demo-app", "demo-core"]);
    // The package found is the stored one, under its normalized name, whatever the spelling asked.
    assert_eq!(listed["package"], "demo-core", "{listed}");
}

// ---------------------------------------------------------------------------------------------
// aa -> bb -> cc(public:pypi): retention, origin, outages.

/// pip installs `Fix.App` (and its dependency `fix-lib`) through `aa`: the versions are then in
/// `aa` and `cc`, not `bb`, EXTERNAL via `public:pypi`, and only the installed wheels were
/// fetched; a project first seen while the index is HTML-only installs too. With the index down
/// (past the metadata TTL), after `bb` leaves `aa`'s upstreams, and after the versions are
/// deleted from `cc`, pip and uv still install it; an uncached project fails with 502 naming
/// `public:pypi`.
async fn chain_retention_and_outages(backend: Backend) {
    let fixture = public_fixture();
    let server = server_for(backend, &fixture, &[("TRIBUTARY_METADATA_TTL_SECONDS", "1")]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", PYPI).await;
    let py = PyClient::new(&server, "acme", "aa", Some(&token));
    let expected = ["Fix.App==1.0", "fix-lib==1.1"];

    py.install(Installer::Pip, &["fix-app"], &expected);
    for (name, version) in [("fix-app", "1.0"), ("fix-lib", "1.1")] {
        for repository in ["aa", "cc"] {
            let stored = acme(&sdk).versions(repository, name, None).await;
            assert_eq!(stored.len(), 1, "`{name}` in `{repository}`: {stored:?}");
            assert_external(&stored, repository, name, version, PYPI);
        }
        assert_eq!(acme(&sdk).version_numbers("bb", name).await, Vec::<String>::new(), "`{name}` leaked into bb");
    }
    let installed = [build_wheel(&fix_app()), build_wheel(&fix_lib("1.1"))];
    let not_installed = [build_sdist(&fix_app()), build_sdist(&fix_lib("1.1")), build_wheel(&fix_lib("1.0"))];
    for dist in &installed {
        assert_eq!(fixture.file_requests(dist), 1, "{:?}", fixture.all_requests());
    }
    for dist in &not_installed {
        assert_eq!(fixture.file_requests(dist), 0, "{:?}", fixture.all_requests());
    }
    // An ingested wheel is its version's asset; its METADATA, kept as `{wheel}.metadata` and
    // served (below), is not listed, as CodeArtifact lists a PyPI version's assets; the
    // version gets the dependencies it declares.
    let app_wheel = &installed[0];
    let cli = |operation: &str| acme(&sdk).cli(&server, operation, "aa", "fix-app", Some("1.0"));
    let assets = cli("list-package-version-assets");
    let listed: Vec<&str> =
        assets["assets"].as_array().into_iter().flatten().filter_map(|a| a["name"].as_str()).collect();
    assert!(listed.contains(&app_wheel.filename.as_str()), "the wheel is listed: {assets}");
    assert!(!listed.iter().any(|name| name.ends_with(".metadata")), "core metadata is not listed: {assets}");
    let dependencies = cli("list-package-version-dependencies");
    assert_eq!(dependencies["dependencies"][0]["package"], "fix-lib", "{dependencies}");
    assert_eq!(dependencies["dependencies"][0]["versionRequirement"], ">=1.0", "{dependencies}");

    // An index that knows only HTML (PEP 503), for a project first asked for now.
    fixture.set_html_only(true);
    let html_only = DistSpec::new("html-only", "1.0").requires_python(">=3.7");
    fixture.publish(&build_wheel(&html_only));
    fixture.publish(&build_sdist(&html_only));
    py.install(Installer::Pip, &["html-only"], &["html-only==1.0"]);
    py.install(Installer::Uv, &["html-only"], &["html-only==1.0"]);
    for repository in ["aa", "cc"] {
        assert_external(
            &acme(&sdk).versions(repository, "html-only", None).await,
            repository,
            "html-only",
            "1.0",
            PYPI,
        );
    }
    let page = json_page(&server, &py.endpoint, &token, "html-only").await;
    assert_eq!(file_entry(&page, "html_only-1.0-py3-none-any.whl")["requires-python"], ">=3.7", "{page}");
    fixture.set_html_only(false);

    // The index goes down: what is stored still installs, past the metadata TTL.
    fixture.set_mode(Mode::Down);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    py.install(Installer::Pip, &["fix-app"], &expected);
    py.install(Installer::Uv, &["fix-app"], &expected);

    // An uncached project fails fast, naming the upstream, with 502 (pip says so with -vv).
    let started = Instant::now();
    let (status, _, body) = get(&server, &format!("{}simple/never-cached/", py.endpoint), Some(&token), None).await;
    let body = String::from_utf8_lossy(&body.expect("a whole body")).into_owned();
    assert!(status == 502 || status == 504, "uncached project with the index down: {status} {body}");
    assert_mentions(&body, &["public:pypi"]);
    assert!(started.elapsed() < Duration::from_secs(3), "the refusal took {:?}", started.elapsed());
    let failed = py.pip(&py.venv(), &["-vv", "never-cached"]);
    assert!(failed.elapsed < Duration::from_secs(30), "pip took {:?} to fail", failed.elapsed);
    let text = failed.fails(&["public:pypi", "No matching distribution found for never-cached"]);
    assert!(text.contains("502 Server Error") || text.contains("504 Server Error"), "{text}");
    py.uv(&py.venv(), &["never-cached"]).fails(&["never-cached"]);

    // `bb` leaves `aa`'s upstreams: `aa` keeps what it retained.
    sdk.update_repository().domain("acme").repository("aa").set_upstreams(Some(vec![])).send().await.expect("drop bb");
    py.install(Installer::Pip, &["fix-app"], &expected);

    // The versions are deleted from the gateway `cc`: `aa` still has them.
    for (name, version) in [("fix-app", "1.0"), ("fix-lib", "1.1")] {
        acme(&sdk).delete("cc", name, version).await;
        assert_eq!(acme(&sdk).version_numbers("cc", name).await, Vec::<String>::new());
    }
    py.install(Installer::Pip, &["fix-app"], &expected);
    py.install(Installer::Uv, &["fix-app"], &expected);
    // Never more than one upstream download per file.
    for dist in &installed {
        assert_eq!(fixture.file_requests(dist), 1, "{:?}", fixture.all_requests());
    }
}

/// A wheel the index adds to a version already retained in `aa` shows on `aa`'s page once the
/// metadata TTL has passed, downloads, and is what pip then installs (it is the better match).
async fn new_upstream_files_appear(backend: Backend) {
    let grows = DistSpec::new("grows", "1.0");
    let pure = build_wheel(&grows);
    let fixture = PypiFixture::with(&[build_sdist(&grows), pure.clone()]);
    let server = server_for(backend, &fixture, &[("TRIBUTARY_METADATA_TTL_SECONDS", "1")]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", PYPI).await;
    let py = PyClient::new(&server, "acme", "aa", Some(&token));

    let venv = py.install(Installer::Pip, &["grows"], &["grows==1.0"]);
    assert_eq!(py.wheel_tags(&venv, "grows"), ["py3-none-any"]);
    assert_external(&acme(&sdk).versions("aa", "grows", None).await, "aa", "grows", "1.0", PYPI);

    let native = build_wheel(&grows.clone().tag("cp311", "cp311", "manylinux_2_17_x86_64"));
    fixture.publish(&native);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = json_page(&server, &py.endpoint, &token, "grows").await;
    let mut expected = vec![build_sdist(&grows).filename, pure.filename.clone(), native.filename.clone()];
    expected.sort();
    let mut listed = filenames(&page);
    listed.sort();
    assert_eq!(listed, expected, "{page}");
    assert_eq!(file_entry(&page, &native.filename)["hashes"]["sha256"], native.sha256.as_str());
    assert_eq!(page["versions"], serde_json::json!(["1.0"]), "{page}");

    let (status, _, body) = get(&server, &file_url(&py.endpoint, &native), Some(&token), None).await;
    assert_eq!(status, 200);
    assert!(body.expect("a whole body") == native.bytes, "the new wheel came with other bytes");
    let venv = py.install(Installer::Uv, &["grows"], &["grows==1.0"]);
    assert_eq!(py.wheel_tags(&venv, "grows"), ["cp311-cp311-manylinux_2_17_x86_64"]);
    assert_eq!(fixture.file_requests(&native), 1, "{:?}", fixture.all_requests());

    // A file the index yanks (PEP 592) is passed on as yanked: resolvers skip it unless pinned.
    let broken = build_wheel(&DistSpec::new("grows", "2.0"));
    fixture.publish(&broken);
    fixture.yank(&broken.filename, "broken build");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = json_page(&server, &py.endpoint, &token, "grows").await;
    assert_eq!(file_entry(&page, &broken.filename)["yanked"], "broken build", "{page}");
    py.install(Installer::Pip, &["grows"], &["grows==1.0"]);
    py.install(Installer::Uv, &["grows==2.0"], &["grows==2.0"]);
}

// ---------------------------------------------------------------------------------------------
// Publishing: versions that exist upstream, dependency confusion.

/// twine uploading to `aa` a version that exists in the public index is a 409 naming
/// `public:pypi`, and stores nothing; a new private `acme-lib` gets upstream=BLOCK, and the
/// public namesake published afterwards (with a higher version) never shows through `aa`.
async fn publish_rules_and_dependency_confusion(backend: Backend) {
    let fixture = public_fixture();
    let server = server_for(backend, &fixture, &[("TRIBUTARY_METADATA_TTL_SECONDS", "1")]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", PYPI).await;
    let py = PyClient::new(&server, "acme", "aa", Some(&token));

    let taken = build_wheel(&fix_lib("1.0").summary("a private rebuild of a public version"));
    py.twine(&py.write(&[taken]), &[]).fails(&["409 Conflict", "`1.0`", "already exists", "`public:pypi`"]);
    for repository in ["aa", "bb", "cc"] {
        assert_eq!(acme(&sdk).version_numbers(repository, "fix-lib").await, Vec::<String>::new());
    }

    let private = DistSpec::new("acme-lib", "1.0");
    py.twine(&py.write(&[build_wheel(&private), build_sdist(&private)]), &[]).ok();
    assert_eq!(acme(&sdk).restrictions("aa", "acme-lib").await, ("ALLOW".to_owned(), "BLOCK".to_owned()));
    let asked = fixture.page_requests("acme-lib");

    // The public index gains a higher `acme-lib`: it never shows through `aa`.
    let public = DistSpec::new("acme-lib", "9.9");
    let public_wheel = build_wheel(&public);
    fixture.publish(&public_wheel);
    fixture.publish(&build_sdist(&public));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = json_page(&server, &py.endpoint, &token, "acme-lib").await;
    assert_eq!(page["versions"], serde_json::json!(["1.0"]), "{page}");
    assert!(filenames(&page).iter().all(|f| f.contains("-1.0")), "{page}");
    py.install(Installer::Pip, &["acme-lib"], &["acme-lib==1.0"]);
    py.install(Installer::Uv, &["acme-lib"], &["acme-lib==1.0"]);
    py.pip(&py.venv(), &["acme-lib==9.9"]).fails(&["No matching distribution found for acme-lib==9.9"]);
    let (status, _, _) = get(&server, &file_url(&py.endpoint, &public_wheel), Some(&token), None).await;
    assert_eq!(status, 404, "the public namesake's wheel through aa");
    assert_eq!(fixture.page_requests("acme-lib"), asked, "the index was asked: {:?}", fixture.all_requests());
    assert_eq!(fixture.file_requests(&public_wheel), 0);
    assert_eq!(acme(&sdk).version_numbers("aa", "acme-lib").await, ["1.0"]);
    assert_eq!(acme(&sdk).version_numbers("cc", "acme-lib").await, Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Statuses.

/// Unlisted: absent from `versions`, its files offered as yanked (PEP 592), so pip and uv pick
/// another version unless pinned with `==`; Archived: off the page and not downloadable.
async fn statuses(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let py = PyClient::new(&server, "acme", "solo", Some(&token));
    let old = DistSpec::new("stat-demo", "1.0");
    let new = DistSpec::new("stat-demo", "2.0");
    let new_wheel = build_wheel(&new);
    py.twine(&py.write(&[build_wheel(&old), build_sdist(&old), new_wheel.clone(), build_sdist(&new)]), &[]).ok();
    py.install(Installer::Pip, &["stat-demo"], &["stat-demo==2.0"]);

    acme(&sdk).set_status("solo", "stat-demo", "2.0", PackageVersionStatus::Unlisted).await;
    let page = json_page(&server, &py.endpoint, &token, "stat-demo").await;
    assert_eq!(page["versions"], serde_json::json!(["1.0"]), "{page}");
    assert_eq!(file_entry(&page, &new_wheel.filename)["yanked"], UNLISTED_REASON, "{page}");
    assert_eq!(file_entry(&page, "stat_demo-1.0-py3-none-any.whl")["yanked"], false, "{page}");
    py.install(Installer::Pip, &["stat-demo"], &["stat-demo==1.0"]);
    py.install(Installer::Uv, &["stat-demo"], &["stat-demo==1.0"]);
    py.install(Installer::Pip, &["stat-demo==2.0"], &["stat-demo==2.0"]);
    py.install(Installer::Uv, &["stat-demo==2.0"], &["stat-demo==2.0"]);
    let unlisted = acme(&sdk).versions("solo", "stat-demo", Some(PackageVersionStatus::Unlisted)).await;
    assert_eq!(unlisted.iter().map(|v| v.version()).collect::<Vec<_>>(), ["2.0"]);

    acme(&sdk).set_status("solo", "stat-demo", "2.0", PackageVersionStatus::Archived).await;
    let page = json_page(&server, &py.endpoint, &token, "stat-demo").await;
    assert_eq!(page["versions"], serde_json::json!(["1.0"]), "{page}");
    assert!(filenames(&page).iter().all(|f| f.contains("-1.0")), "{page}");
    py.pip(&py.venv(), &["stat-demo==2.0"]).fails(&["No matching distribution found for stat-demo==2.0"]);
    let (status, _, body) = get(&server, &file_url(&py.endpoint, &new_wheel), Some(&token), None).await;
    let body = String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
    assert_eq!(status, 404, "{body}");
    assert_mentions(&body, &["Archived"]);
    py.install(Installer::Pip, &["stat-demo"], &["stat-demo==1.0"]);
}

// ---------------------------------------------------------------------------------------------
// Bursts: single flight; upstream bytes checked.

/// 100 concurrent downloads of one uncached wheel through `aa` make ONE request for the page and
/// ONE for the file upstream, and all get the right bytes; a file whose upstream bytes do not
/// match the digest its page declares is refused, nothing is stored, and a retry fails too.
async fn single_flight_and_verification(backend: Backend) {
    let fixture = public_fixture();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "cc", PYPI).await;
    let py = PyClient::new(&server, "acme", "aa", Some(&token));
    // Slow answers, so that the burst really overlaps the upstream requests.
    fixture.set_mode(Mode::Slow(Duration::from_millis(300)));

    let wheel = build_wheel(&DistSpec::new("burst", "1.0"));
    let url = file_url(&py.endpoint, &wheel);
    let client = client();
    let answers = burst(100, |_| client.get(&url).basic_auth("aws", Some(&token))).await;
    for (status, body) in &answers {
        let body = body.as_ref().unwrap_or_else(|e| panic!("a download was cut short: {e}"));
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        assert!(*body == wheel.bytes, "a client got other bytes ({} bytes, expected {})", body.len(), wheel.size());
    }
    assert_eq!(fixture.file_requests(&wheel), 1, "{:?}", fixture.all_requests());
    assert_eq!(fixture.page_requests("burst"), 1, "{:?}", fixture.all_requests());
    for repository in ["aa", "cc"] {
        assert_external(&acme(&sdk).versions(repository, "burst", None).await, repository, "burst", "1.0", PYPI);
    }
    assert_eq!(acme(&sdk).version_numbers("bb", "burst").await, Vec::<String>::new());
    fixture.set_mode(Mode::Up);

    // The index serves other bytes than its page declares: no client gets them whole.
    let tampered = build_wheel(&DistSpec::new("tampered", "1.0"));
    let url = file_url(&py.endpoint, &tampered);
    for attempt in 1..=2 {
        let (status, _, body) = get(&server, &url, Some(&token), None).await;
        assert!(
            status != 200 || body.is_err(),
            "attempt {attempt}: a download that does not match its digest ended well"
        );
    }
    for repository in ["aa", "bb", "cc"] {
        assert_eq!(acme(&sdk).version_numbers(repository, "tampered").await, Vec::<String>::new());
    }
    // pip reads the wheel's core metadata (PEP 658), then fails on the wheel: still nothing stored.
    py.pip(&py.venv(), &["tampered"]).fails(&["tampered-1.0-py3-none-any.whl"]);
    for repository in ["aa", "bb", "cc"] {
        assert_eq!(
            acme(&sdk).version_numbers(repository, "tampered").await,
            Vec::<String>::new(),
            "`tampered` 1.0 is stored in `{repository}` though none of its files could be downloaded"
        );
    }
    assert!(fixture.file_requests(&tampered) >= 3, "a bad copy was served from a cache: {:?}", fixture.all_requests());
    assert_mentions(&server.stderr(), &["tampered-1.0-py3-none-any.whl", "mismatch"]);
}

// ---------------------------------------------------------------------------------------------
// `aws codeartifact login --tool pip|twine`.

/// Runs the real `aws codeartifact ARGS...` with HOME = `home` (so `login` writes `~/.pypirc`,
/// and pip's user configuration through `pip config set`), signed with the admin's keys.
fn aws_login(server: &TestServer, home: &Path, args: &[&str]) -> Run {
    aws_in_home(server, python_tool_with("aws", home, PythonConfig::FromHome), home, args)
}

/// `aws codeartifact login --tool twine` writes `~/.pypirc`, and `twine upload -r codeartifact`
/// then publishes; `aws codeartifact login --tool pip` sets pip's index in its user
/// configuration, and pip then installs a private project and a public one through the chain.
async fn aws_login_pip_twine(backend: Backend) {
    let fixture = public_fixture();
    let server = server_for(backend, &fixture, &[]);
    let sdk = server.sdk_client();
    chain(&sdk, "acme", "cc", PYPI).await;
    let home = tempfile::Builder::new().prefix("pypi-login-home-").tempdir().expect("cannot make a temp HOME");
    let home = home.path();
    let endpoint = format!("{}/pypi/acme/aa/", server.url());
    let login = ["login", "--domain", "acme", "--repository", "aa", "--tool"];

    let twine_login = aws_login(&server, home, &[&login[..], &["twine"]].concat()).ok();
    assert_mentions(&twine_login.stdout, &["Successfully configured twine", &endpoint]);
    let pypirc = std::fs::read_to_string(home.join(".pypirc")).expect("login wrote ~/.pypirc");
    assert_mentions(&pypirc, &["codeartifact", &format!("repository = {endpoint}"), "username = aws"]);
    let spec = DistSpec::new("login-demo", "0.1").requires("fix-lib>=1.1");
    let paths = write_dists(&home.join("dist"), &[build_wheel(&spec), build_sdist(&spec)]);
    let mut command = twine_command(home, PythonConfig::FromHome);
    command.args(["upload", "--non-interactive", "--disable-progress-bar", "-r", "codeartifact"]).args(&paths);
    run(command, "twine upload -r codeartifact dist/*").ok();

    let pip_login = aws_login(&server, home, &[&login[..], &["pip"]].concat()).ok();
    assert_mentions(&pip_login.stdout, &["Successfully configured pip", &endpoint]);
    let pip_conf = std::fs::read_to_string(home.join(".config/pip/pip.conf")).expect("login wrote pip.conf");
    let index = format!("@127.0.0.1:{}/pypi/acme/aa/simple/", server.port());
    assert_mentions(&pip_conf, &["[global]", "index-url = http://aws:", &index]);
    let venv = fresh_venv(&home.join("venv"));
    let mut command = python_tool_with("pip", home, PythonConfig::FromHome);
    command.arg("--python").arg(venv.join("python")).args(["install", "login-demo"]);
    run(command, "pip install login-demo").ok();
    let py = PyClient::new(&server, "acme", "aa", None);
    assert_eq!(py.imports(&venv, &["login-demo", "fix-lib"]), ["login-demo==0.1", "fix-lib==1.1"]);

    let versions = acme(&sdk).versions("aa", "login-demo", None).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].origin().and_then(|o| o.origin_type()).map(|t| t.as_str()), Some("INTERNAL"));
    assert_external(&acme(&sdk).versions("aa", "fix-lib", None).await, "aa", "fix-lib", "1.1", PYPI);
}

// ---------------------------------------------------------------------------------------------
// Bad input.

/// Credentials of a raw upload.
#[derive(Debug, Clone, Copy)]
enum Auth<'a> {
    None,
    Basic(&'a str),
}

/// POSTs a multipart upload to `endpoint`, as twine does, with `fields` and the file `content`
/// named `filename`: status, headers, body.
async fn post_upload(
    server: &TestServer,
    endpoint: &str,
    auth: Auth<'_>,
    fields: &[(String, String)],
    filename: &str,
    content: &[u8],
) -> (u16, reqwest::header::HeaderMap, String) {
    let (content_type, body) = upload_form(fields, filename, content);
    let mut request = server.http().post(endpoint).header("content-type", content_type).body(body);
    if let Auth::Basic(token) = auth {
        request = request.basic_auth("aws", Some(token));
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("the upload was not answered: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

/// Each bad upload is refused with a clear error (printed by twine where twine can send it) and
/// stores nothing: a file for another project than the form says, a sha256 that does not match,
/// zip bombs, file names with a path, a file over `max_upload_bytes`, a METADATA without
/// `Version`, and no or a bad token.
async fn bad_input(backend: Backend) {
    let server = TestServer::start_with_env(backend, AdminKeys::Fixed, &[("TRIBUTARY_MAX_UPLOAD_BYTES", "1048576")]);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let py = PyClient::new(&server, "acme", "solo", Some(&token));
    let endpoint = py.endpoint.clone();
    let crafted = build_wheel(&DistSpec::new("crafted", "1.0"));
    let upload = |fields: Vec<(String, String)>, filename: String, content: Vec<u8>| {
        let server = &server;
        let endpoint = endpoint.clone();
        let token = token.clone();
        async move { post_upload(server, &endpoint, Auth::Basic(&token), &fields, &filename, &content).await }
    };

    // The form names another project than the file.
    let (status, _, body) = upload(
        with_field(twine_fields(&crafted), "name", "other-project"),
        crafted.filename.clone(),
        crafted.bytes.clone(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(
        &body,
        &["`crafted-1.0-py3-none-any.whl` is for project `crafted` but the form says `other-project`"],
    );
    // twine sends the name of the METADATA inside, which a renamed file contradicts.
    let renamed = py.dir("renamed").join("other_project-1.0-py3-none-any.whl");
    std::fs::write(&renamed, &crafted.bytes).expect("cannot write the renamed wheel");
    py.twine(&[renamed], &[]).fails(&[
        "400 Bad Request",
        "`other_project-1.0-py3-none-any.whl` holds `crafted-1.0.dist-info/METADATA`",
        "rebuild the wheel rather than renaming it",
    ]);

    // The declared sha256 is not the file's.
    let other = sha256_hex(b"other bytes");
    let (status, _, body) = upload(
        with_field(twine_fields(&crafted), "sha256_digest", &other),
        crafted.filename.clone(),
        crafted.bytes.clone(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`crafted-1.0-py3-none-any.whl`", "does not match the digest its upload declared"]);

    // Zip bombs: a METADATA of 64 MiB of zeros (by hand), and a package file of 64 MiB of zeros
    // (which twine sends: it reads only METADATA).
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let crafted_metadata = DistSpec::new("crafted", "1.0").metadata();
    let mut bomb_metadata = crafted_metadata.clone();
    bomb_metadata.extend_from_slice(&zeros);
    let bomb = zip_of(&[
        ("crafted/__init__.py", b"__version__ = \"1.0\"\n"),
        ("crafted-1.0.dist-info/METADATA", &bomb_metadata),
        ("crafted-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        ("crafted-1.0.dist-info/RECORD", b""),
    ]);
    assert!(bomb.len() < 1024 * 1024, "the bomb is {} bytes", bomb.len());
    let (status, _, body) = upload(digests_of(twine_fields(&crafted), &bomb), crafted.filename.clone(), bomb).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["`crafted-1.0.dist-info/METADATA`", "decompression bomb"]);
    let zeros_wheel = build_wheel(&DistSpec::new("crafted", "1.0").file("crafted/zeros.bin", zeros));
    assert!(zeros_wheel.size() < 1024 * 1024, "the bomb is {} bytes", zeros_wheel.size());
    py.twine(&py.write(&[zeros_wheel]), &[]).fails(&["400 Bad Request", "`crafted/zeros.bin`", "decompression bomb"]);

    // File names with a path.
    for filename in ["../crafted-1.0-py3-none-any.whl", "a/b.whl"] {
        let (status, _, body) = upload(twine_fields(&crafted), filename.to_owned(), crafted.bytes.clone()).await;
        assert_eq!(status, 400, "`{filename}`: {body}");
        assert_mentions(&body, &[&format!("`{filename}`"), "path separator"]);
    }

    // Over `max_upload_bytes` (1 MiB): a 2 MiB wheel.
    let big = build_wheel(&DistSpec::new("crafted", "1.0").file("crafted/noise.bin", noise(2 * 1024 * 1024)));
    assert!(big.size() > 2 * 1024 * 1024, "the big wheel is {} bytes", big.size());
    py.twine(&py.write(&[big]), &[]).fails(&[
        "413",
        "larger than this server accepts (1048576 bytes)",
        "`max_upload_bytes`",
    ]);

    // A METADATA without `Version` (twine refuses to send it: by hand).
    let no_version = b"Metadata-Version: 2.1\nName: crafted\nSummary: no version\n\nA readme.\n";
    let wheel = zip_of(&[
        ("crafted/__init__.py", b"__version__ = \"1.0\"\n"),
        ("crafted-1.0.dist-info/METADATA", no_version),
        ("crafted-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        ("crafted-1.0.dist-info/RECORD", b""),
    ]);
    let (status, _, body) = upload(digests_of(twine_fields(&crafted), &wheel), crafted.filename.clone(), wheel).await;
    assert_eq!(status, 400, "{body}");
    assert_mentions(&body, &["no `Version` field"]);

    // No credentials, a bad token.
    let (status, headers, body) =
        post_upload(&server, &endpoint, Auth::None, &twine_fields(&crafted), &crafted.filename, &crafted.bytes).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        headers.get("www-authenticate").map(|v| v.to_str().unwrap_or_default()),
        Some("Basic realm=\"tributary\"")
    );
    assert_mentions(&body, &["aws codeartifact login"]);
    let (status, _, body) = post_upload(
        &server,
        &endpoint,
        Auth::Basic("not-a-token"),
        &twine_fields(&crafted),
        &crafted.filename,
        &crafted.bytes,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let bogus = PyClient::new(&server, "acme", "solo", Some("not-a-token"));
    bogus
        .twine(&bogus.write(std::slice::from_ref(&crafted)), &[])
        .fails(&["401 Unauthorized", "the authorization token is not valid"]);
    bogus.pip(&bogus.venv(), &["-vv", "crafted"]).fails(&["401 Client Error", "the authorization token is not valid"]);
    bogus.uv(&bogus.venv(), &["crafted"]).fails(&["401 Unauthorized"]);

    // Nothing was stored.
    assert_eq!(acme(&sdk).list("solo", None).await, Vec::<String>::new());
    assert_eq!(acme(&sdk).version_numbers("solo", "crafted").await, Vec::<String>::new());
    let (status, _, _) = get(&server, &format!("{endpoint}simple/crafted/"), Some(&token), None).await;
    assert_eq!(status, 404);
}

// ---------------------------------------------------------------------------------------------
// The shapes of the simple API.

/// A raw `GET path` with exactly the given headers (reqwest always adds `Accept`): the status
/// code, the `Content-Type` and the body.
fn raw_get(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> (u16, String, Vec<u8>) {
    use std::io::Read as _;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n", server.port());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send the request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read the response");
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head") + 4;
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    let content_type = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case("content-type")))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    (status, content_type, response[end..].to_vec())
}

/// Content negotiation (pip's `Accept`, none, `?format=`, an unservable type), the redirect of a
/// non-normalized name, and the fields of the pages against the uploaded files: digests, core
/// metadata (whose file is the wheel's METADATA), sizes, upload times, `requires-python`, and
/// the versions in PEP 440 order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_api_shapes() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let py = PyClient::new(&server, "acme", "solo", Some(&token));
    let mut dists = Vec::new();
    for version in ["1.10", "1.0.post1", "1.0", "1.0a1", "1.2"] {
        let spec = DistSpec::new("Foo_Bar", version).requires_python(">=3.8");
        dists.push(build_wheel(&spec));
        dists.push(build_sdist(&spec));
    }
    let started = utc_now();
    py.twine(&py.write(&dists), &[]).ok();
    let endpoint = py.endpoint.clone();
    let prefix = "/pypi/acme/solo/";
    let auth = format!("Basic {}", base64_of(&format!("aws:{token}")));

    // Negotiation.
    let page_path = format!("{prefix}simple/foo-bar/");
    for (headers, content_type) in [
        (vec![("Accept", PIP_ACCEPT)], SIMPLE_JSON),
        (vec![], "text/html; charset=utf-8"),
        (vec![("Accept", "*/*")], "text/html; charset=utf-8"),
        (vec![("Accept", "application/vnd.pypi.simple.latest+json")], SIMPLE_JSON),
    ] {
        let mut all = headers.clone();
        all.push(("Authorization", &auth));
        let (status, got, _) = raw_get(&server, &page_path, &all);
        assert_eq!((status, got.as_str()), (200, content_type), "{headers:?}");
    }
    // `?format=` (PEP 691) wins over `Accept`; here with its `+` percent-encoded.
    let (status, got, html) = raw_get(
        &server,
        &format!("{page_path}?format=application/vnd.pypi.simple.v1%2Bhtml"),
        &[("Accept", PIP_ACCEPT), ("Authorization", &auth)],
    );
    assert_eq!((status, got.as_str()), (200, SIMPLE_HTML));

    // Redirects to the normalized name, without credentials.
    for spelling in ["Foo_Bar", "foo.bar/", "foo-bar"] {
        let (status, headers, _) = get(&server, &format!("{endpoint}simple/{spelling}"), None, None).await;
        assert_eq!(status, 301, "{spelling}");
        let location = headers["location"].to_str().expect("ASCII");
        assert!(location.ends_with(&page_path), "`{spelling}` redirects to `{location}`");
    }

    // The JSON page, against the files.
    let page = json_page(&server, &endpoint, &token, "foo-bar").await;
    assert_eq!(page["meta"]["api-version"], "1.1", "{page}");
    assert_eq!(page["name"], "foo-bar", "{page}");
    assert_eq!(page["versions"], serde_json::json!(["1.0a1", "1.0", "1.0.post1", "1.2", "1.10"]), "{page}");
    let mut listed = filenames(&page);
    listed.sort();
    let mut expected: Vec<String> = dists.iter().map(|d| d.filename.clone()).collect();
    expected.sort();
    assert_eq!(listed, expected, "{page}");
    for dist in &dists {
        let entry = file_entry(&page, &dist.filename);
        assert_eq!(entry["hashes"]["sha256"], dist.sha256.as_str(), "{entry}");
        assert_eq!(entry["size"], dist.size(), "{entry}");
        assert_eq!(entry["requires-python"], ">=3.8", "{entry}");
        assert_eq!(entry["yanked"], false, "{entry}");
        let uploaded = entry["upload-time"].as_str().unwrap_or_else(|| panic!("no upload-time: {entry}"));
        assert!(uploaded.ends_with('Z') && uploaded.len() >= 20 && uploaded >= started.as_str(), "{uploaded}");
        let url = entry["url"].as_str().expect("a URL");
        assert_eq!(url, file_url(&endpoint, dist), "{entry}");
        let (status, _, body) = get(&server, url, Some(&token), None).await;
        assert_eq!(status, 200);
        assert!(body.expect("a whole body") == dist.bytes, "`{url}` answered other bytes");
        if dist.filename.ends_with(".whl") {
            assert_eq!(entry["core-metadata"]["sha256"], dist.metadata_sha256(), "{entry}");
            let (status, _, metadata) = get(&server, &format!("{url}.metadata"), Some(&token), None).await;
            assert_eq!(status, 200);
            let metadata = metadata.expect("a whole body");
            assert!(metadata == dist.metadata, "`{url}.metadata` is not the wheel's METADATA");
            assert_eq!(sha256_hex(&metadata), dist.metadata_sha256());
        } else {
            assert_eq!(entry["core-metadata"], false, "{entry}");
        }
    }

    // The HTML page says the same.
    let html = String::from_utf8(html).expect("UTF-8");
    let wheel = &dists[0];
    let link = format!(
        "<a href=\"{}#sha256={}\" data-requires-python=\"&gt;=3.8\" data-core-metadata=\"sha256={}\"",
        file_url(&endpoint, wheel),
        wheel.sha256,
        wheel.metadata_sha256()
    );
    assert!(html.contains(&link), "no `{link}` in\n{html}");

    // The index lists the project.
    let (status, _, index) = get(&server, &format!("{endpoint}simple/"), Some(&token), Some(SIMPLE_JSON)).await;
    assert_eq!(status, 200);
    let index: Value = serde_json::from_slice(&index.expect("a whole body")).expect("JSON");
    assert_eq!(index["projects"], serde_json::json!([{"name": "Foo_Bar"}]), "{index}");

    // Nothing the index serves is acceptable: 406 Not Acceptable (PEP 691's first choice).
    let (status, _, body) = raw_get(&server, &page_path, &[("Accept", "application/json"), ("Authorization", &auth)]);
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_mentions(&body, &["`application/json`", "application/vnd.pypi.simple.v1+json"]);
    assert_eq!(status, 406, "{body}");

    // HEAD of a file: the headers of its GET, so the size of the file.
    let head = server
        .http()
        .head(file_url(&endpoint, wheel))
        .basic_auth("aws", Some(&token))
        .send()
        .await
        .expect("HEAD answered");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], wheel.size().to_string().as_str(), "{:?}", head.headers());

    // `?format=` as PEP 691 and everyone write it, with a bare `+` (which pypi.org reads as `+`).
    for (format, content_type) in
        [("application/vnd.pypi.simple.v1+html", SIMPLE_HTML), ("application/vnd.pypi.simple.v1+json", SIMPLE_JSON)]
    {
        let (status, got, _) = raw_get(&server, &format!("{page_path}?format={format}"), &[("Authorization", &auth)]);
        assert_eq!((status, got.as_str()), (200, content_type), "?format={format}");
    }
}

/// Now as PEP 700's `upload-time` starts, to the second: `2026-01-02T03:04:05`.
fn utc_now() -> String {
    let seconds =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("the clock is past 1970").as_secs();
    let (days, rest) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60)
}

/// Standard base64.
fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
