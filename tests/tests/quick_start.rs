//! The quick start through the doors users use: the first start of `tributary serve` (SQLite)
//! on an empty data directory, with `TRIBUTARY_NO_DEFAULTS=false` and an HTTPS listener, makes
//! `default/public` and prints each client's lines. Every public connection is served by a local
//! fixture (the formats a test does not use by a server that finds nothing), so nothing leaves
//! the machine. Each client's printed lines run VERBATIM, as one `sh -e` script in a fresh HOME
//! (the `tributary` binary's directory first on `PATH`), and the client then installs a fixture
//! package through `public` with nothing but what those lines set:
//!
//! - `npm_pnpm_yarn`: `npm config set registry ...` and the token line; `npm install left-pad`
//!   brings it and its dependency, kept in `public` and `npmjs-store`, and so does `pnpm add`;
//!   yarn classic's line (`tributary login --tool yarn ...`), then `yarn add left-pad`.
//! - `pip_and_uv`: `pip config set global.index-url ...` into pip's user configuration, then `pip
//!   install Fix.App` (and its dependency); `export UV_DEFAULT_INDEX=...` followed in the same
//!   script by `uv pip install`.
//! - `maven`: the printed `tributary login --tool maven ...` writes `~/.m2/settings.xml`; `mvn
//!   package` of the consumer project resolves `com.example.acme:greeting` (on the fixture Maven
//!   Central) and every plugin through `public`, and the consumer runs.
//! - `nuget`: the printed `tributary login --tool nuget ...` (a `nuget` in the script would be
//!   nuget.exe 5.8 on mono), then `nuget install Fixture.App` with the user configuration that
//!   wrote, which has `public` as its only source.
//! - `go`: `export GOPROXY=https://aws:TOKEN@.../go/default/public/` followed in the same script by
//!   `go mod tidy` and `go build` of a consumer of `fixture.example/greet`, its hashes checked
//!   against the fixture's checksum database through the proxy.
//! - `printed_once_and_no_defaults`: what was made (the domain, ten gateways, `public` reading
//!   them in order); the lines are printed on the first start only (a restart prints nothing);
//!   with `--no-defaults` the first start makes no domain and prints nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_codeartifact::types::PackageFormat;
use tributary_tests::fixture_server::{FixtureServer, Response};
use tributary_tests::go_fixture::{GoFixture, GoModule, consumer, go_binary, go_command};
use tributary_tests::maven_fixture::{MavenFixture, maven_path};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, consumer_project, npm_command, npm_global_tool, npm_pack};
use tributary_tests::nuget_fixture::{NugetClient, NugetFixture, nuget_command, nupkg};
use tributary_tests::pypi_fixture::{DistSpec, PypiFixture, build_sdist, build_wheel, zip_of};
use tributary_tests::scenario::{Packages, Run, assert_external, maven_consumer_runs, run};
use tributary_tests::{
    AdminKeys, Backend, PythonConfig, TestServer, Tls, assert_mentions, fresh_venv, mvn_in_home, python_command,
    python_tool_with, tributary_bin, upstreams_of, workspace_root,
};

/// The known external connections, in the order `public` reads their gateways.
const CONNECTIONS: [&str; 10] = [
    "public:npmjs",
    "public:pypi",
    "public:maven-central",
    "public:maven-googleandroid",
    "public:maven-gradleplugins",
    "public:maven-commonsware",
    "public:maven-clojars",
    "public:nuget-org",
    "public:go-proxy",
    "public:go-origin",
];

/// The headers of the printed blocks, in order.
const CLIENTS: [&str; 7] = ["npm, pnpm", "yarn", "pip", "uv", "Maven", "NuGet", "Go"];

/// `public:maven-central` → `TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL`.
fn variable(connection: &str) -> String {
    let upper: String =
        connection.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("TRIBUTARY_EXTERNAL_{upper}_URL")
}

/// A quick-start server and what it printed.
struct QuickStart {
    server: TestServer,
    tls: Tls,
    /// Each client's header and its lines, as printed (without their indentation).
    blocks: Vec<(String, Vec<String>)>,
    /// Serves every connection a test does not give a fixture for: `404` to everything.
    _nowhere: FixtureServer,
}

impl QuickStart {
    /// The first start of a server with the quick start on, an HTTPS listener, and each
    /// connection of `served` (`(connection, url)`) at its fixture; the rest at a server that
    /// has nothing.
    fn start(served: &[(&str, String)]) -> Self {
        Self::start_with(served, &[])
    }

    fn start_with(served: &[(&str, String)], args: &[&str]) -> Self {
        let nowhere = FixtureServer::start("nowhere", |_, _| Response::text(404, "nothing here"));
        let tls = Tls::new();
        let mut env: Vec<(String, String)> = vec![("TRIBUTARY_NO_DEFAULTS".to_owned(), "false".to_owned())];
        env.extend(tls.env());
        for connection in CONNECTIONS {
            let url = served.iter().find(|(c, _)| *c == connection).map_or_else(|| nowhere.url(), |(_, u)| u.clone());
            env.push((variable(connection), url));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let server = TestServer::start_with_args(Backend::Sqlite, AdminKeys::Fixed, &env, args);
        let blocks = blocks(&server.stdout());
        Self { server, tls, blocks, _nowhere: nowhere }
    }

    /// The lines printed for `client` (a header of [`CLIENTS`]).
    fn lines(&self, client: &str) -> &[String] {
        self.blocks
            .iter()
            .find(|(header, _)| header == client)
            .map(|(_, lines)| lines.as_slice())
            .unwrap_or_else(|| panic!("no `{client}:` block in what the server printed:\n{}", self.server.stdout()))
    }

    /// The `public` repository's HTTP endpoint for `plane` (`npm`, `pypi`, ...).
    fn endpoint(&self, plane: &str) -> String {
        format!("{}/{plane}/default/public/", self.server.url())
    }
}

/// The clients' blocks of the quick start in `stdout`: after the line `Point each client at`,
/// each header (`  NAME:`) and the lines under it (`    LINE`).
fn blocks(stdout: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let Some(start) = stdout.find("Point each client at") else { return blocks };
    for line in stdout[start..].lines().skip(1) {
        if let Some(text) = line.strip_prefix("    ") {
            if let Some((_, lines)) = blocks.last_mut() {
                lines.push(text.to_owned());
            }
        } else if let Some(header) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':')) {
            blocks.push((header.to_owned(), Vec::new()));
        } else if !line.trim().is_empty() {
            break;
        }
    }
    blocks
}

/// Runs `lines` verbatim as one `sh -e` script, after `prelude` and followed by `then`, in the
/// environment and working directory of `like` (a client's command as the harness makes it),
/// with the `tributary` binary's directory and the directories of `tools` first on `PATH`.
fn script(like: &Command, tools: &[&Path], prelude: &str, lines: &[String], then: &str) -> Run {
    let text = format!("{prelude}\n{}\n{then}\n", lines.join("\n"));
    let mut command = Command::new("sh");
    command.arg("-e").arg("-c").arg(&text).env_clear();
    for (name, value) in like.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    let bin = tributary_bin();
    let mut path = std::ffi::OsString::from(bin.parent().expect("the binary's directory"));
    for tool in tools {
        path.push(":");
        path.push(tool);
    }
    let inherited = like.get_envs().find(|(name, _)| *name == "PATH").and_then(|(_, value)| value);
    path.push(":");
    path.push(inherited.map_or_else(|| std::env::var_os("PATH").unwrap_or_default(), ToOwned::to_owned));
    command.env("PATH", path);
    if let Some(dir) = like.get_current_dir() {
        command.current_dir(dir);
    }
    command.stdin(std::process::Stdio::null());
    run(command, &format!("sh -e -c '{text}'"))
}

fn temp_home(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().expect("cannot make a temp HOME")
}

// ---------------------------------------------------------------------------------------------
// npm.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_pnpm_yarn() {
    let packs = npm_pack(&[
        PackageSpec::new("is-number", "7.0.0"),
        PackageSpec::new("left-pad", "1.3.0").dependency("is-number", "^7.0.0"),
    ]);
    let fixture = NpmFixture::with(&packs);
    let quick = QuickStart::start(&[("public:npmjs", fixture.url())]);
    let lines = quick.lines("npm, pnpm");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0], format!("npm config set registry {}", quick.endpoint("npm")));

    // npm, then pnpm, with the `.npmrc` the npm lines wrote.
    let home = temp_home("quick-npm-");
    script(&npm_command(home.path()), &[], "", lines, "").ok();
    let project = consumer_project(home.path(), "npm-app");
    let mut install = npm_command(home.path());
    install.args(["install", "left-pad"]).current_dir(&project);
    run(install, "npm install left-pad").ok();
    assert_left_pad(&project, "npm", "is-number");
    let project = consumer_project(home.path(), "pnpm-app");
    let store = home.path().join("pnpm-store");
    let args = ["add", "left-pad", "--store-dir", store.to_str().expect("UTF-8"), "--reporter", "append-only"];
    run(npm_global_tool("TRIBUTARY_TEST_PNPM", "pnpm", home.path(), &project, &args), "pnpm add left-pad").ok();
    assert_left_pad(&project, "pnpm", ".pnpm/is-number@7.0.0/node_modules/is-number");

    // yarn classic, with what its line wrote.
    let lines = quick.lines("yarn");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_mentions(&lines[0], &["tributary login --tool yarn", "--domain default --repository public"]);
    let home = temp_home("quick-yarn-");
    script(&npm_command(home.path()), &[], "", lines, "").ok();
    let project = consumer_project(home.path(), "yarn-app");
    let cache = home.path().join("yarn-cache");
    let args =
        ["add", "left-pad", "--cache-folder", cache.to_str().expect("UTF-8"), "--non-interactive", "--no-progress"];
    run(npm_global_tool("TRIBUTARY_TEST_YARN", "yarn", home.path(), &project, &args), "yarn add left-pad").ok();
    assert_left_pad(&project, "yarn", "is-number");

    let sdk = quick.server.sdk_client();
    let packages = Packages::new(&sdk, "default", PackageFormat::Npm);
    for repository in ["public", "npmjs-store"] {
        let versions = packages.versions(repository, "left-pad", None).await;
        assert_external(&versions, repository, "left-pad", "1.3.0", "public:npmjs");
    }
}

/// Asserts `left-pad` 1.3.0 is installed in `project`, and `is-number` 7.0.0 at `dependency`
/// below its `node_modules`.
#[track_caller]
fn assert_left_pad(project: &Path, tool: &str, dependency: &str) {
    for (dir, version) in [("left-pad", "1.3.0"), (dependency, "7.0.0")] {
        let manifest = std::fs::read_to_string(project.join("node_modules").join(dir).join("package.json"))
            .unwrap_or_else(|e| panic!("{tool} did not install `{dir}`: {e}"));
        assert_mentions(&manifest, &[&format!("\"version\": \"{version}\"")]);
    }
}

// ---------------------------------------------------------------------------------------------
// pip and uv.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_and_uv() {
    let lib = DistSpec::new("fix-lib", "1.0");
    let app = DistSpec::new("Fix.App", "1.0").requires("fix-lib>=1.0");
    let fixture = PypiFixture::with(&[build_wheel(&lib), build_sdist(&lib), build_wheel(&app), build_sdist(&app)]);
    let quick = QuickStart::start(&[("public:pypi", fixture.url())]);
    let index = quick.endpoint("pypi").replace("http://", &format!("http://aws:{}@", token_of(&quick)));

    // pip: `pip config set` writes pip's user configuration, which `pip install` then reads.
    let pip_lines = quick.lines("pip");
    assert_eq!(pip_lines, [format!("pip config set global.index-url {index}simple/")]);
    let home = temp_home("quick-pip-");
    script(&python_tool_with("pip", home.path(), PythonConfig::FromHome), &[], "", pip_lines, "").ok();
    let conf = std::fs::read_to_string(home.path().join(".config/pip/pip.conf")).expect("pip wrote its user config");
    assert_mentions(&conf, &["[global]", &format!("index-url = {index}simple/")]);
    let venv = fresh_venv(&home.path().join("venv"));
    let mut install = python_tool_with("pip", home.path(), PythonConfig::FromHome);
    install.arg("--python").arg(venv.join("python")).args(["install", "Fix.App"]);
    run(install, "pip install Fix.App").ok();
    assert_eq!(imports(home.path(), &venv, &["fix-app", "fix-lib"]), ["fix-app==1.0", "fix-lib==1.0"]);

    // uv: the `export` line, then `uv pip install` in the same shell.
    let uv_lines = quick.lines("uv");
    assert_eq!(uv_lines, [format!("export UV_DEFAULT_INDEX={index}simple/")]);
    let home = temp_home("quick-uv-");
    let venv = fresh_venv(&home.path().join("venv"));
    let then = format!("uv pip install --python '{}' Fix.App", venv.join("python").display());
    script(&python_tool_with("uv", home.path(), PythonConfig::FromHome), &[], "", uv_lines, &then).ok();
    assert_eq!(imports(home.path(), &venv, &["fix-app", "fix-lib"]), ["fix-app==1.0", "fix-lib==1.0"]);

    let sdk = quick.server.sdk_client();
    let packages = Packages::new(&sdk, "default", PackageFormat::Pypi);
    for repository in ["public", "pypi-store"] {
        assert_external(
            &packages.versions(repository, "fix-lib", None).await,
            repository,
            "fix-lib",
            "1.0",
            "public:pypi",
        );
    }
}

/// The token the quick start printed (in npm's token line).
fn token_of(quick: &QuickStart) -> String {
    let line = &quick.lines("npm, pnpm")[1];
    let token = line.split(":_authToken=").nth(1).unwrap_or_else(|| panic!("no token in `{line}`"));
    token.trim_end_matches('"').to_owned()
}

/// `name==__version__` of each of `names` imported in `venv`.
fn imports(home: &Path, venv: &Path, names: &[&str]) -> Vec<String> {
    const IMPORT: &str = "import re, sys\nfor n in sys.argv[1:]:\n    m = __import__(re.sub(r'[-_.]+', '_', n).lower())\n    print(f'{n}=={m.__version__}')\n";
    let mut command = python_command(venv.join("python"), home, PythonConfig::Isolated);
    command.arg("-c").arg(IMPORT).args(names);
    run(command, "python -c IMPORT").ok().stdout.lines().map(str::to_owned).collect()
}

// ---------------------------------------------------------------------------------------------
// Maven.

/// Compiles the fixture library `com.example.acme:greeting` 1.0.0 (`tests/fixtures/maven/lib`)
/// with `javac` and adds its jar and a POM to `fixture`: a dependency only "Maven Central" has.
fn add_greeting(fixture: &MavenFixture, work: &Path) {
    let classes = work.join("greeting-classes");
    let source = workspace_root().join("tests/fixtures/maven/lib/src/main/java/com/example/acme/Greeting.java");
    let mut javac = Command::new("javac");
    javac.args(["--release", "17", "-d"]).arg(&classes).arg(&source);
    run(javac, "javac Greeting.java").ok();
    let class = std::fs::read(classes.join("com/example/acme/Greeting.class")).expect("javac made Greeting.class");
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n\r\n"),
        ("com/example/acme/Greeting.class", &class),
    ]);
    let pom = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
               <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example.acme</groupId>\n  \
               <artifactId>greeting</artifactId>\n  <version>1.0.0</version>\n  <packaging>jar</packaging>\n</project>\n";
    fixture.add_file(&maven_path("com.example.acme", "greeting", "1.0.0", None, "pom"), pom);
    fixture.add_file(&maven_path("com.example.acme", "greeting", "1.0.0", None, "jar"), jar);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maven() {
    let work = temp_home("quick-maven-");
    let fixture = MavenFixture::start();
    add_greeting(&fixture, work.path());
    let quick = QuickStart::start(&[("public:maven-central", fixture.url())]);
    let lines = quick.lines("Maven");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_mentions(&lines[0], &["tributary login --tool maven", &format!("--endpoint-url {}", quick.server.url())]);

    let home = work.path().join("home");
    let mut like = mvn_in_home(&home);
    like.current_dir(&home);
    let login = script(&like, &[], "", lines, "").ok();
    let settings = home.join(".m2/settings.xml");
    assert_mentions(&login.stdout, &[&settings.display().to_string()]);

    maven_consumer_runs(&home, work.path());

    let sdk = quick.server.sdk_client();
    let packages = Packages::new(&sdk, "default", PackageFormat::Maven);
    for repository in ["public", "maven-central-store"] {
        let versions = packages.versions(repository, "com.example.acme:greeting", None).await;
        assert_external(&versions, repository, "com.example.acme:greeting", "1.0.0", "public:maven-central");
    }
}

// ---------------------------------------------------------------------------------------------
// NuGet.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nuget() {
    let fixture = NugetFixture::start(vec![
        nupkg("Fixture.Json", "1.0.0", &[]),
        nupkg("Fixture.App", "1.0.0", &[("Fixture.Json", "[1.0.0, )")]),
    ]);
    let quick = QuickStart::start(&[("public:nuget-org", fixture.index_url())]);
    let lines = quick.lines("NuGet");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_mentions(&lines[0], &["tributary login --tool nuget", "--domain default --repository public"]);

    let home = temp_home("quick-nuget-");
    let like = nuget_command(NugetClient::V58, home.path());
    let exe = like.get_args().next().expect("nuget.exe").to_string_lossy().into_owned();
    let prelude = format!("nuget() {{ mono '{exe}' \"$@\"; }}");
    retry_on_mono_crash(|| script(&like, &[], &prelude, lines, "")).ok();

    let out = home.path().join("out");
    let out_arg = out.to_string_lossy().into_owned();
    let args =
        ["install", "Fixture.App", "-Version", "1.0.0", "-OutputDirectory", &out_arg, "-NoCache", "-NonInteractive"];
    retry_on_mono_crash(|| {
        let mut install = nuget_command(NugetClient::V58, home.path());
        install.args(args);
        run(install, "nuget install Fixture.App -Version 1.0.0")
    })
    .ok();
    let mut installed: Vec<String> = std::fs::read_dir(&out)
        .expect("nuget made the output directory")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    installed.sort();
    assert_eq!(installed, ["Fixture.App.1.0.0", "Fixture.Json.1.0.0"]);

    let sdk = quick.server.sdk_client();
    let packages = Packages::new(&sdk, "default", PackageFormat::Nuget);
    for repository in ["public", "nuget-org-store"] {
        let versions = packages.versions(repository, "fixture.json", None).await;
        assert_external(&versions, repository, "fixture.json", "1.0.0", "public:nuget-org");
    }
}

/// Mono now and then aborts on an assertion of its own thread code, whatever the server
/// answered (see `tests/nuget.rs`): such a run is made once more.
fn retry_on_mono_crash(mut attempt: impl FnMut() -> Run) -> Run {
    let first = attempt();
    if first.output().contains("fatal error in the mono runtime") {
        eprintln!("{}: mono crashed, running it again:\n{}", first.command, first.output());
        return attempt();
    }
    first
}

// ---------------------------------------------------------------------------------------------
// Go.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn go() {
    let greet = GoModule::new("fixture.example/greet", "v1.1.0", &[]);
    let fixture = GoFixture::start(vec![greet.clone()]);
    let quick = QuickStart::start(&[("public:go-proxy", fixture.url())]);
    let lines = quick.lines("Go");
    let tls_port = quick.tls.url().rsplit(':').next().unwrap_or_default().to_owned();
    let proxy = format!("https://aws:{}@127.0.0.1:{tls_port}/go/default/public/", token_of(&quick));
    assert_eq!(lines, [format!("export GOPROXY={proxy}")]);

    let home = temp_home("quick-go-");
    let app = home.path().join("app");
    consumer(&app, &[&greet]);
    // The go command's environment, without `GOPROXY`: only the printed line sets it.
    let mut like = go_command(home.path(), "", &fixture.sumdb(), &quick.tls.cert());
    like.env_remove("GOPROXY").current_dir(&app);
    let go_dir: PathBuf = go_binary().parent().expect("go's directory").to_owned();
    let built = script(&like, &[&go_dir], "", lines, "go mod tidy\ngo build -o consumer .\n./consumer").ok();
    assert_mentions(&built.stdout, &["fixture.example/greet@v1.1.0"]);
    let sums = std::fs::read_to_string(app.join("go.sum")).expect("go.sum");
    assert_mentions(&sums, &[&format!("fixture.example/greet v1.1.0 {}", greet.h1())]);

    let sdk = quick.server.sdk_client();
    let packages = Packages::new(&sdk, "default", PackageFormat::from("go"));
    for repository in ["public", "go-proxy-store"] {
        let versions = packages.versions(repository, "fixture.example/greet", None).await;
        assert_external(&versions, repository, "fixture.example/greet", "v1.1.0", "public:go-proxy");
    }
}

// ---------------------------------------------------------------------------------------------
// What is made, once.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printed_once_and_no_defaults() {
    let mut quick = QuickStart::start(&[]);
    let printed = quick.server.stdout();
    let headers: Vec<&str> = quick.blocks.iter().map(|(header, _)| header.as_str()).collect();
    assert_eq!(headers, CLIENTS, "{printed}");
    assert_eq!(printed.matches("Made the domain `default`").count(), 1, "{printed}");
    let gateways: Vec<String> =
        CONNECTIONS.iter().map(|c| format!("{}-store", c.trim_start_matches("public:"))).collect();
    assert_mentions(&printed, &[&gateways.join(", ")]);

    let sdk = quick.server.sdk_client();
    let domains = sdk.list_domains().send().await.expect("ListDomains");
    let names: Vec<&str> = domains.domains().iter().filter_map(|d| d.name()).collect();
    assert_eq!(names, ["default"]);
    assert_eq!(upstreams_of(&sdk, "default", "public").await, gateways);
    for (gateway, connection) in gateways.iter().zip(CONNECTIONS) {
        let described = sdk.describe_repository().domain("default").repository(gateway).send().await;
        let described = described.unwrap_or_else(|e| panic!("describe `{gateway}`: {e:?}"));
        let connections: Vec<&str> = described
            .repository()
            .map(|r| r.external_connections().iter().filter_map(|c| c.external_connection_name()).collect())
            .unwrap_or_default();
        assert_eq!(connections, [connection], "{described:?}");
    }

    // A restart on the same data prints nothing of it again, and makes nothing more.
    quick.server.restart();
    let again = quick.server.stdout();
    assert!(!again.contains("Made the domain") && !again.contains("npm config set"), "printed again:\n{again}");
    let sdk = quick.server.sdk_client();
    assert_eq!(sdk.list_domains().send().await.expect("ListDomains").domains().len(), 1);

    // `--no-defaults` (it wins over `TRIBUTARY_NO_DEFAULTS=false`): no domain, nothing printed.
    let bare = QuickStart::start_with(&[], &["--no-defaults"]);
    assert!(bare.blocks.is_empty() && !bare.server.stdout().contains("Made the domain"), "{}", bare.server.stdout());
    let listed = bare.server.aws(&["list-domains"]).ok();
    assert_eq!(listed["domains"], serde_json::json!([]), "{listed}");
}
