//! The end-to-end test harness: starts the real `tributary` binary and drives it with real clients
//! (the `aws` CLI, `aws-sdk-codeartifact`, plain HTTP).
//!
//! - [`TestServer::start`] spawns the binary on a free `127.0.0.1` port with a temporary data
//!   directory and fixed admin keys, on SQLite or on a fresh PostgreSQL database, and waits for
//!   `/healthz`; dropping it kills the process (and drops the PostgreSQL database).
//! - [`TestServer::restart`] stops it and starts it again on the same data, to prove persistence.
//! - [`TestServer::sdk_client`] is an `aws-sdk-codeartifact` client signed with the admin's keys;
//!   [`TestServer::aws`] runs the real `aws codeartifact` CLI.
//! - [`both_backends!`] turns one scenario into a SQLite test and a PostgreSQL test;
//!   [`on_both_backends!`] does so for scenarios that start their own server (with a fixture
//!   upstream: [`fixture_server`], and what the format scenarios share: [`scenario`]).
//!
//! Environment (each one optional):
//! - [`ENV_BIN`]: the `tributary` binary [default: `<workspace>/target/debug/tributary`];
//! - [`ENV_POSTGRES_URL`]: a PostgreSQL URL allowed to create databases
//!   [default: `postgres://postgres@127.0.0.1:5432/postgres`]; unreachable means the test fails;
//! - [`ENV_AWS_CLI`]: the `aws` CLI [default: `<workspace>/target/tools/venv/bin/aws`];
//! - [`ENV_PYTHON_BIN`]: the `bin` directory of a virtualenv holding `python`, `pip`, `uv` and
//!   `twine` [default: `<workspace>/target/tools/venv/bin`]; run them with [`python_tool`];
//! - [`ENV_MAVEN_REPO`]: Debian's Maven repository, the plugins `mvn` runs, which the Maven tests
//!   serve as Maven Central ([`maven_fixture::MavenFixture`]) [default: `/usr/share/maven-repo`];
//!   run `mvn` with [`mvn_command`], on a copy of a fixture project ([`maven_project`]) and a
//!   settings file from [`maven_settings`] (or [`maven_settings_with_snapshots`], to resolve
//!   `-SNAPSHOT` dependencies through the mirror).

pub mod balancer;
pub mod fault_fixture;
pub mod fixture_server;
pub mod forward_proxy;
pub mod garage;
pub mod go_fixture;
pub mod maven_fixture;
pub mod npm_fixture;
pub mod nuget_fixture;
pub mod oidc_fixture;
pub mod pypi_fixture;
pub mod s3s_fs;
pub mod scenario;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_codeartifact::config::retry::RetryConfig;
use aws_sdk_codeartifact::config::{BehaviorVersion, Region};

/// The `tributary` binary to run.
pub const ENV_BIN: &str = "TRIBUTARY_BIN";
/// The PostgreSQL server URL (a database the tests may connect to, as a user that may create databases).
pub const ENV_POSTGRES_URL: &str = "TRIBUTARY_TEST_POSTGRES_URL";
/// The `aws` CLI to run.
pub const ENV_AWS_CLI: &str = "TRIBUTARY_TEST_AWS_CLI";
/// The `bin` directory of the virtualenv with the PyPI clients (`python`, `pip`, `uv`, `twine`).
pub const ENV_PYTHON_BIN: &str = "TRIBUTARY_TEST_PYTHON_BIN";
/// Debian's Maven repository (`/usr/share/maven-repo`, filled by the `libmaven-*-plugin-java`
/// packages `cargo xtask tools` installs).
pub const ENV_MAVEN_REPO: &str = "TRIBUTARY_TEST_MAVEN_REPO";

/// The PostgreSQL URL used when [`ENV_POSTGRES_URL`] is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The admin access key id every [`TestServer`] is started with.
pub const ADMIN_ACCESS_KEY_ID: &str = "AKIDTRIBUTARYTESTADMIN";
/// The admin secret access key every [`TestServer`] is started with.
pub const ADMIN_SECRET_ACCESS_KEY: &str = "tributary-test-admin-secret/0123456789+abcdef";

/// The region clients sign for.
pub const REGION: &str = "us-east-1";

/// How long a start may take before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Which metadata database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: SQLite in the data directory.
    Sqlite,
    /// A fresh PostgreSQL database, made for this server and dropped with it.
    Postgres,
}

/// How the admin principal is made on the first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminKeys {
    /// [`ADMIN_ACCESS_KEY_ID`] and [`ADMIN_SECRET_ACCESS_KEY`], through the environment.
    Fixed,
    /// None configured: the server generates a key and prints it on standard output.
    Generated,
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// The `tributary` binary: [`ENV_BIN`], else `<workspace>/target/debug/tributary`.
pub fn tributary_bin() -> PathBuf {
    let path = match std::env::var_os(ENV_BIN) {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/debug/tributary"),
    };
    assert!(
        path.is_file(),
        "the `tributary` binary is not at `{}`: run `cargo build -p tributary` first (or set `{ENV_BIN}`)",
        path.display()
    );
    path
}

/// The `aws` CLI: [`ENV_AWS_CLI`], else `<workspace>/target/tools/venv/bin/aws`.
pub fn aws_cli() -> PathBuf {
    let path = match std::env::var_os(ENV_AWS_CLI) {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/tools/venv/bin/aws"),
    };
    assert!(
        path.is_file(),
        "the aws CLI is not at `{}`: run `cargo xtask test` (it installs the aws CLI), or set `{ENV_AWS_CLI}`",
        path.display()
    );
    path
}

/// The `bin` directory of the virtualenv with the PyPI clients (`python`, `pip`, `uv`, `twine`):
/// [`ENV_PYTHON_BIN`], else `<workspace>/target/tools/venv/bin`.
pub fn python_bin() -> PathBuf {
    let path = match std::env::var_os(ENV_PYTHON_BIN) {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("target/tools/venv/bin"),
    };
    assert!(
        path.join("python").is_file(),
        "the PyPI clients' virtualenv is not at `{}`: run `cargo xtask test` (or `cargo xtask tools`: it installs \
         pip, uv and twine), or set `{ENV_PYTHON_BIN}`",
        path.display()
    );
    path
}

/// A `Command` for the [`aws_cli`], with nothing of the machine's environment but `PATH`, `HOME` =
/// `home`, and no standard input. [`TestServer::configure_aws`] points it at a server.
pub fn aws_command(home: &Path) -> Command {
    let mut command = Command::new(aws_cli());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .stdin(Stdio::null());
    command
}

/// Which configuration files the PyPI clients run by [`python_tool`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PythonConfig {
    /// None: `PIP_CONFIG_FILE=/dev/null` (pip reads no file), `UV_NO_CONFIG=1`. Every setting is on
    /// the command line.
    Isolated,
    /// Those below `home` (and the machine's `/etc/pip.conf`): pip's `{home}/.config/pip/pip.conf`,
    /// uv's `{home}/.config/uv/uv.toml`, twine's `{home}/.pypirc`. For what `aws codeartifact login
    /// --tool pip|twine` writes there.
    FromHome,
}

/// A `Command` for `{python_bin}/{name}` (`pip`, `uv`, `twine`, `python`), isolated from the
/// developer's and the machine's settings, with no configuration file: see [`python_tool_with`].
pub fn python_tool(name: &str, home: &Path) -> Command {
    python_tool_with(name, home, PythonConfig::Isolated)
}

/// A `Command` for `{python_bin}/{name}` (`pip`, `uv`, `twine`, `python`), isolated from the
/// developer's and the machine's settings: the environment is cleared (no `PIP_*`, `UV_*`,
/// `TWINE_*`, proxy or `VIRTUAL_ENV` variable gets through; the machine sets `PIP_FIND_LINKS`) and
/// set to
/// - `PATH` = the tools' `bin` directory, then the inherited `PATH` (so `aws codeartifact login`
///   finds `pip` and `twine`); `HOME` = `home`, with `XDG_CONFIG_HOME` and `XDG_CACHE_HOME` below
///   it; the working directory is `home` too (uv looks for a project there);
/// - no cache (`PIP_NO_CACHE_DIR`, `UV_NO_CACHE`: each run asks the index again), no retries
///   (`PIP_RETRIES=0`, `UV_HTTP_RETRIES=0`: a failure is seen, and counted, once; set them again on
///   the command to test retrying), no version check, no prompt (`PIP_NO_INPUT`,
///   `TWINE_NON_INTERACTIVE`), no keyring (twine brings one along, and a keyring backend may block
///   on a headless machine), no progress bars, no colours;
/// - `UV_PYTHON` = the tools' `python` and `UV_PYTHON_DOWNLOADS=never`: uv never downloads a Python;
/// - the configuration files `config` says.
///
/// `home` is created if missing. uv needs a target environment: pass `--python` (see
/// [`fresh_venv`]); so does pip to install anywhere but the tools' own virtualenv
/// (`pip --python {venv}/bin/python install ...`).
pub fn python_tool_with(name: &str, home: &Path, config: PythonConfig) -> Command {
    python_command(python_bin().join(name), home, config)
}

/// A `Command` for `program` (the `python` of a [`fresh_venv`], a script installed there) in the
/// environment [`python_tool_with`] describes.
pub fn python_command(program: impl AsRef<std::ffi::OsStr>, home: &Path, config: PythonConfig) -> Command {
    let bin = python_bin();
    std::fs::create_dir_all(home).unwrap_or_else(|e| panic!("cannot make the home `{}`: {e}", home.display()));
    let mut path = std::ffi::OsString::from(&bin);
    if let Some(inherited) = std::env::var_os("PATH") {
        path.push(":");
        path.push(inherited);
    }
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("NO_COLOR", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONNOUSERSITE", "1")
        .env("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_CACHE_DIR", "1")
        .env("PIP_NO_INPUT", "1")
        .env("PIP_RETRIES", "0")
        .env("PIP_KEYRING_PROVIDER", "disabled")
        .env("PIP_PROGRESS_BAR", "off")
        .env("PIP_ROOT_USER_ACTION", "ignore")
        .env("UV_NO_CACHE", "1")
        .env("UV_NO_PROGRESS", "1")
        .env("UV_HTTP_RETRIES", "0")
        .env("UV_PYTHON", bin.join("python"))
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("TWINE_NON_INTERACTIVE", "1")
        .current_dir(home)
        .stdin(Stdio::null());
    if config == PythonConfig::Isolated {
        command.env("PIP_CONFIG_FILE", "/dev/null").env("UV_NO_CONFIG", "1");
    }
    command
}

/// Makes a new, empty virtualenv at `dir` (which must not exist yet, or be empty) with `uv venv`
/// (about 0.1 s; no pip in it) on the tools' Python, and returns its `bin` directory.
///
/// Install into it with `python_tool("uv", home).args(["pip", "install", "--python"]).arg(bin.join("python"))`
/// or, with pip, `python_tool("pip", home).arg("--python").arg(bin.join("python")).arg("install")`.
pub fn fresh_venv(dir: &Path) -> PathBuf {
    // `uv` runs in its own home: a relative `dir` means the caller's working directory.
    let dir = &std::path::absolute(dir).unwrap_or_else(|e| panic!("no absolute path for `{}`: {e}", dir.display()));
    let home = tempfile::Builder::new().prefix("tributary-venv-home-").tempdir().expect("cannot make a temp dir");
    let output = python_tool("uv", home.path())
        .args(["venv", "--quiet", "--no-project", "--python"])
        .arg(python_bin().join("python"))
        .arg(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `uv venv`: {e}"));
    assert!(
        output.status.success(),
        "`uv venv {}` failed:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let bin = dir.join("bin");
    assert!(bin.join("python").is_file(), "`uv venv` made no `{}`", bin.join("python").display());
    bin
}

/// Debian's Maven repository: [`ENV_MAVEN_REPO`], else `/usr/share/maven-repo`. Panics, saying
/// what to run, when Debian's Maven plugins are not installed there.
pub fn maven_repo() -> PathBuf {
    let path = PathBuf::from(std::env::var_os(ENV_MAVEN_REPO).unwrap_or_else(|| "/usr/share/maven-repo".into()));
    // The repository exists with `mvn` alone; the plugins are what the tests need.
    assert!(
        path.join("org/apache/maven/plugins/maven-deploy-plugin").is_dir(),
        "Debian's Maven plugins are not in `{}`: run `cargo xtask tools` (it installs the \
         `libmaven-*-plugin-java` packages, as root), or set `{ENV_MAVEN_REPO}`",
        path.display()
    );
    path
}

/// A `Command` for the machine's `mvn`, isolated from the developer's and the machine's Maven
/// settings: `mvn -B -s {settings} --no-transfer-progress -Dmaven.repo.local={local_repo}`, plus
/// what [`mvn_in_home`] sets.
///
/// Add the goals and the project: `.current_dir(project).arg("deploy")`. mvn checks checksums
/// leniently (a warning) by default: add `-C` to fail on a mismatch.
pub fn mvn_command(home: &Path, settings: &Path, local_repo: &Path) -> Command {
    let mut command = mvn_in_home(home);
    command.arg("-s").arg(settings).arg(format!("-Dmaven.repo.local={}", local_repo.display()));
    command
}

/// A `Command` for the machine's `mvn` that reads its user settings and keeps its local
/// repository where a user's does, in `home`: `{home}/.m2/settings.xml` and
/// `{home}/.m2/repository` (what `tributary login --tool maven` writes is read as mvn finds it);
/// `mvn -B --no-transfer-progress`, plus
/// - no colours (`-Dstyle.color=never`) and no retries of a failed HTTP request
///   (`-Dmaven.wagon.http.retryHandler.count=0`: a failure is seen, and counted, once);
/// - the environment cleared but for `PATH` and `JAVA_HOME`: no `MAVEN_OPTS`, `JAVA_TOOL_OPTIONS`
///   or proxy from outside; `HOME` = `home` (made if missing), and `MAVEN_OPTS` setting Java's
///   `user.home` to it too (Java reads it from `/etc/passwd`, not `HOME`), so no
///   `~/.m2/settings*.xml` or `~/.mavenrc` of the machine is read; short runs start faster
///   (`-XX:TieredStopAtLevel=1`);
/// - no standard input.
pub fn mvn_in_home(home: &Path) -> Command {
    std::fs::create_dir_all(home).unwrap_or_else(|e| panic!("cannot make the home `{}`: {e}", home.display()));
    let mut command = Command::new("mvn");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()))
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("MAVEN_OPTS", format!("-Duser.home={} -XX:TieredStopAtLevel=1", home.display()))
        .args(["-B", "--no-transfer-progress", "-Dstyle.color=never", "-Dmaven.wagon.http.retryHandler.count=0"])
        .stdin(Stdio::null());
    if let Some(java_home) = std::env::var_os("JAVA_HOME") {
        command.env("JAVA_HOME", java_home);
    }
    command
}

/// Writes a Maven `settings.xml` at `path`: every repository mirrored (`<mirrorOf>*</mirrorOf>`)
/// by `mirror_url` under the id `tributary`, and the `<server>` `tributary` with `username` and
/// `token` as its password, which mvn uses both for that mirror and for the fixture projects'
/// `distributionManagement` (id `tributary`). mvn sends them on a `GET` only after a `401` with a
/// `WWW-Authenticate: Basic` challenge, and pre-emptively on a `PUT`.
pub fn maven_settings(path: &Path, mirror_url: &str, username: &str, token: &str) {
    write_maven_settings(path, mirror_url, username, token, false);
}

/// Writes the `settings.xml` of [`maven_settings`], plus an active profile that redeclares the
/// super POM's `central` (repository and plugin repository) with SNAPSHOT versions enabled, so
/// that a build resolves `-SNAPSHOT` dependencies through the mirror (a mirror takes the update
/// policies of what it mirrors, and the super POM's `central` disables snapshots).
pub fn maven_settings_with_snapshots(path: &Path, mirror_url: &str, username: &str, token: &str) {
    write_maven_settings(path, mirror_url, username, token, true);
}

fn write_maven_settings(path: &Path, mirror_url: &str, username: &str, token: &str, snapshots: bool) {
    let escape =
        |text: &str| text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let settings = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://maven.apache.org/SETTINGS/1.2.0 https://maven.apache.org/xsd/settings-1.2.0.xsd">
  <interactiveMode>false</interactiveMode>
  <mirrors>
    <mirror>
      <id>tributary</id>
      <mirrorOf>*</mirrorOf>
      <url>{}</url>
    </mirror>
  </mirrors>
  <servers>
    <server>
      <id>tributary</id>
      <username>{}</username>
      <password>{}</password>
    </server>
  </servers>
{}</settings>
"#,
        escape(mirror_url),
        escape(username),
        escape(token),
        if snapshots { SNAPSHOTS_PROFILE } else { "" }
    );
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", parent.display()));
    }
    std::fs::write(path, settings).unwrap_or_else(|e| panic!("cannot write `{}`: {e}", path.display()));
}

/// The profile of [`maven_settings_with_snapshots`]: `central` with SNAPSHOT versions enabled
/// (its URL is never used: the mirror serves it).
const SNAPSHOTS_PROFILE: &str = r#"  <profiles>
    <profile>
      <id>tributary-snapshots</id>
      <repositories>
        <repository>
          <id>central</id>
          <url>http://central.mirrored.invalid/</url>
          <releases><enabled>true</enabled></releases>
          <snapshots><enabled>true</enabled></snapshots>
        </repository>
      </repositories>
      <pluginRepositories>
        <pluginRepository>
          <id>central</id>
          <url>http://central.mirrored.invalid/</url>
          <releases><enabled>true</enabled></releases>
          <snapshots><enabled>true</enabled></snapshots>
        </pluginRepository>
      </pluginRepositories>
    </profile>
  </profiles>
  <activeProfiles>
    <activeProfile>tributary-snapshots</activeProfile>
  </activeProfiles>
"#;

/// Copies the fixture Maven project `tests/fixtures/maven/{name}` (`lib`: the library
/// `com.example.acme:greeting`; `app`: its consumer) to `dest/{name}` and returns that path, with
/// each property of `properties` set in its `pom.xml` (`&[("revision", "1.1.0-SNAPSHOT")]` deploys
/// another version of `lib`; `("greeting.version", ...)` picks what `app` uses). Setting the
/// property in the file, not with `-D`, keeps the deployed POM true to its path.
pub fn maven_project(name: &str, dest: &Path, properties: &[(&str, &str)]) -> PathBuf {
    let source = workspace_root().join("tests/fixtures/maven").join(name);
    assert!(source.join("pom.xml").is_file(), "no Maven fixture project at `{}`", source.display());
    let target = dest.join(name);
    copy_dir(&source, &target);
    let pom_path = target.join("pom.xml");
    let mut pom =
        std::fs::read_to_string(&pom_path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", pom_path.display()));
    // Within `<properties>` (the comments mention the properties too).
    let properties_start =
        pom.find("<properties>").unwrap_or_else(|| panic!("the fixture `{name}/pom.xml` has no `<properties>`"));
    for (property, value) in properties {
        let (open, close) = (format!("<{property}>"), format!("</{property}>"));
        let start = pom[properties_start..]
            .find(&open)
            .unwrap_or_else(|| panic!("the fixture `{name}/pom.xml` has no property `{property}`"))
            + properties_start
            + open.len();
        let end = start + pom[start..].find(&close).unwrap_or_else(|| panic!("`<{property}>` is not closed"));
        pom.replace_range(start..end, value);
    }
    std::fs::write(&pom_path, pom).unwrap_or_else(|e| panic!("cannot write `{}`: {e}", pom_path.display()));
    target
}

/// Copies the directory `from` to `to` (made), recursively, leaving out `target/` (a build's).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("cannot list `{}`: {e}", from.display()));
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&source, &target);
            }
        } else {
            std::fs::copy(&source, &target)
                .unwrap_or_else(|e| panic!("cannot copy `{}` to `{}`: {e}", source.display(), target.display()));
        }
    }
}

/// How [`TestServer::signed_as`] signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// As the aws CLI does, for the server's region.
    Normal,
    /// For another region.
    Region(&'static str),
    /// With `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
    UnsignedPayload,
}

/// A self-signed certificate for `127.0.0.1` and an HTTPS address for a server: pass
/// [`Tls::env`] to [`TestServer::start_with_env`], and [`Tls::cert`] to a client as the one
/// authority it trusts (the go command sends credentials over HTTPS only).
#[derive(Debug)]
pub struct Tls {
    dir: tempfile::TempDir,
    port: u16,
}

impl Tls {
    /// A new certificate and a free port.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a directory for the certificate");
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("a self-signed certificate");
        std::fs::write(dir.path().join("cert.pem"), certified.cert.pem()).expect("the certificate");
        std::fs::write(dir.path().join("key.pem"), certified.key_pair.serialize_pem()).expect("the key");
        Self { dir, port: free_port() }
    }

    /// The certificate (PEM).
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The settings that serve HTTPS with it.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("TRIBUTARY_TLS_LISTEN".to_owned(), format!("127.0.0.1:{}", self.port)),
            ("TRIBUTARY_TLS_CERT".to_owned(), self.cert().to_string_lossy().into_owned()),
            ("TRIBUTARY_TLS_KEY".to_owned(), self.dir.path().join("key.pem").to_string_lossy().into_owned()),
        ]
    }
}

impl Default for Tls {
    fn default() -> Self {
        Self::new()
    }
}

/// A free TCP port on 127.0.0.1 for a server to bind (free when asked; the server binds it right
/// after). It is drawn below the kernel's ephemeral range: a port the kernel hands out itself
/// (`bind` to port 0) can be taken again by any outgoing connection of the tests running beside
/// this one before the server binds it, and the server then fails with "Address already in use".
pub(crate) fn free_port() -> u16 {
    use std::hash::{BuildHasher as _, Hasher as _};
    static DRAWS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let bounds: Vec<u16> = range.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let (ephemeral_low, ephemeral_high) = match bounds[..] {
        [low, high] => (low, high),
        _ => (32768, 60999),
    };
    // Below the ephemeral range when there is room there, else above it.
    let (low, high) = if ephemeral_low >= 15_000 {
        (10_000_u16, ephemeral_low)
    } else {
        (ephemeral_high.saturating_add(1), u16::MAX)
    };
    assert!(high > low + 1000, "no room for test servers' ports outside {ephemeral_low}-{ephemeral_high}");
    for _ in 0..1000 {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        hasher.write_u64(DRAWS.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let port = low + u16::try_from(hasher.finish() % u64::from(high - low)).unwrap_or(0);
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1 between {low} and {high}")
}

/// A PostgreSQL database made for one server, dropped when this is dropped.
#[derive(Debug)]
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    fn create() -> Self {
        let admin_url = std::env::var(ENV_POSTGRES_URL).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let name = format!("tributary_test_{}", uuid::Uuid::new_v4().simple());
        psql(&admin_url, &format!("CREATE DATABASE {name}"));
        let url = with_database(&admin_url, &name);
        Self { admin_url, name, url }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Best effort: a failing drop must not hide the test's own failure.
        let _ = Command::new("psql")
            .arg(&self.admin_url)
            .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs one SQL statement with `psql`; fails the test, saying why, when PostgreSQL is unreachable.
fn psql(url: &str, sql: &str) {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("cannot run `psql` (is the PostgreSQL client installed?): {e}"));
    assert!(
        output.status.success(),
        "PostgreSQL at `{url}` refused `{sql}`: {}\nThe PostgreSQL tests need a server there (set `{ENV_POSTGRES_URL}` \
         to another one); they fail rather than skip.",
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

/// `url` with its database (the path) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority_start..].find('/').map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// The real server, running; killed on drop.
#[derive(Debug)]
pub struct TestServer {
    backend: Backend,
    admin: AdminKeys,
    port: u16,
    data_dir: tempfile::TempDir,
    database: Option<PostgresDatabase>,
    /// The database of the server this one is a replica of ([`TestServer::replica`]).
    shared_database: Option<String>,
    /// Behind a mutex so that `&self` methods can ask whether it still runs.
    child: Mutex<Option<Child>>,
    starts: u32,
    /// How many times the current run's start was retried on another port.
    retried: u32,
    env: Vec<(String, String)>,
    /// More arguments of `tributary serve`, after the harness's own.
    args: Vec<String>,
}

impl TestServer {
    /// Starts a server on `backend` with the fixed admin keys.
    pub fn start(backend: Backend) -> Self {
        Self::start_with(backend, AdminKeys::Fixed)
    }

    /// Starts a server on `backend`, its admin made as `admin` says.
    pub fn start_with(backend: Backend, admin: AdminKeys) -> Self {
        Self::start_with_env(backend, admin, &[])
    }

    /// Starts a server on `backend`, its admin made as `admin` says, with extra environment
    /// variables (`TRIBUTARY_*` settings).
    pub fn start_with_env(backend: Backend, admin: AdminKeys, env: &[(&str, &str)]) -> Self {
        Self::start_with_args(backend, admin, env, &[])
    }

    /// Starts a server on `backend`, its admin made as `admin` says, with extra environment
    /// variables and more arguments of `tributary serve` (`--no-defaults`), given at every start.
    pub fn start_with_args(backend: Backend, admin: AdminKeys, env: &[(&str, &str)], args: &[&str]) -> Self {
        let data_dir = tempfile::Builder::new().prefix("tributary-e2e-").tempdir().expect("cannot make a temp dir");
        let database = (backend == Backend::Postgres).then(PostgresDatabase::create);
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let mut server = Self {
            backend,
            admin,
            port: free_port(),
            data_dir,
            database,
            shared_database: None,
            child: Mutex::new(None),
            starts: 0,
            retried: 0,
            env,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        };
        server.first_spawn();
        server
    }

    /// Another replica of this PostgreSQL server, as in a fleet: the same database and settings
    /// (so the same blob store, when that is S3), its own port and data directory. The database
    /// lives as long as this server, which must outlive the replica.
    pub fn replica(&self) -> Self {
        let url = self.database.as_ref().map(|d| d.url.clone()).or_else(|| self.shared_database.clone());
        assert!(url.is_some(), "replicas share a PostgreSQL database; this server runs on {:?}", self.backend);
        let data_dir = tempfile::Builder::new().prefix("tributary-e2e-").tempdir().expect("cannot make a temp dir");
        let mut replica = Self {
            backend: self.backend,
            admin: self.admin,
            port: free_port(),
            data_dir,
            database: None,
            shared_database: url,
            child: Mutex::new(None),
            starts: 0,
            retried: 0,
            env: self.env.clone(),
            args: self.args.clone(),
        };
        replica.first_spawn();
        replica
    }

    /// The backend this server runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The port it listens on (the same across restarts).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    fn log_path(&self, stream: &str, start: u32) -> PathBuf {
        self.data_dir.path().join(format!("server-{start}.{stream}.log"))
    }

    /// What the server printed on standard output during its `start`-th start (1 is the first).
    pub fn stdout_of_start(&self, start: u32) -> String {
        std::fs::read_to_string(self.log_path("stdout", start)).unwrap_or_default()
    }

    /// What the server printed on standard output during its current run (with what it printed
    /// in a first start retried on another port: the generated admin key, say).
    pub fn stdout(&self) -> String {
        (self.starts - self.retried..=self.starts).map(|start| self.stdout_of_start(start)).collect()
    }

    /// What the server logged (standard error) during its current run.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.log_path("stderr", self.starts)).unwrap_or_default()
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let stdout = std::fs::File::create(self.log_path("stdout", self.starts)).expect("cannot create a log file");
        let stderr = std::fs::File::create(self.log_path("stderr", self.starts)).expect("cannot create a log file");
        let mut command = Command::new(tributary_bin());
        // Only the settings of this harness: none of the developer's `TRIBUTARY_*` variables, and
        // no proxy of the machine's (a test that wants one sets it).
        for (name, _) in std::env::vars_os() {
            let text = name.to_string_lossy().to_ascii_uppercase();
            if text.starts_with("TRIBUTARY_")
                || ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"].contains(&text.as_str())
            {
                command.env_remove(name);
            }
        }
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(&self.args)
            .env("TRIBUTARY_LOG", "info")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        if self.admin == AdminKeys::Fixed {
            command
                .env("TRIBUTARY_ADMIN_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
                .env("TRIBUTARY_ADMIN_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY);
        }
        if let Some(url) = self.database.as_ref().map(|d| &d.url).or(self.shared_database.as_ref()) {
            command.arg("--database-url").arg(url);
        }
        // No quick start: each test makes the domains it needs (one that tests the quick start
        // sets `TRIBUTARY_NO_DEFAULTS=false` in its own variables, which come after).
        command.env("TRIBUTARY_NO_DEFAULTS", "true");
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start `{}`: {e}", tributary_bin().display()));
        *self.child_slot() = Some(child);
        self.wait_healthy();
    }

    /// The first start: [`Self::spawn`], once more on another port if the one drawn was taken
    /// in the meantime by another test's server.
    fn first_spawn(&mut self) {
        for _ in 0..3 {
            let taken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.spawn()));
            match taken {
                Ok(()) => return,
                Err(_) if self.stderr().contains("Address already in use") && self.exit_status().is_some() => {
                    self.port = free_port();
                    self.retried += 1;
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        self.spawn();
    }

    /// Runs `tributary ARGS` (such as `gc --dry-run`) against this server's data directory,
    /// database and environment, as its operator would on its machine; returns what it printed
    /// and whether it succeeded.
    pub fn run_tributary(&self, args: &[&str]) -> Output {
        let mut command = Command::new(tributary_bin());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().to_ascii_uppercase().starts_with("TRIBUTARY_") {
                command.env_remove(name);
            }
        }
        command.args(args).arg("--data-dir").arg(self.data_dir.path());
        if let Some(url) = self.database.as_ref().map(|d| &d.url).or(self.shared_database.as_ref()) {
            command.arg("--database-url").arg(url);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command.output().unwrap_or_else(|e| panic!("cannot run `{}`: {e}", tributary_bin().display()))
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.exit_status() {
                panic!(
                    "the server exited during start ({status}) on {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                    self.backend,
                    self.stdout(),
                    self.stderr()
                );
            }
            // Healthy, and it is our process that answered (not another one on a reused port).
            if healthz(self.port) && self.exit_status().is_none() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer `/healthz` within {START_TIMEOUT:?}\n--- stderr ---\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn child_slot(&self) -> std::sync::MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How the server process ended, if it has.
    fn exit_status(&self) -> Option<ExitStatus> {
        self.child_slot().as_mut().and_then(|child| child.try_wait().ok().flatten())
    }

    /// Whether the server process is still running, and its last log lines: for failure messages
    /// when a client could not connect (was the process killed from outside?).
    pub fn diagnose(&self) -> String {
        let state = match self.exit_status() {
            Some(status) => format!("the process has EXITED ({status}): killed or crashed"),
            None if self.child_slot().is_none() => "stopped by the test".to_owned(),
            None => "the process is running".to_owned(),
        };
        let dir = match std::fs::read_dir(self.data_dir.path()) {
            Ok(entries) => {
                let names: Vec<String> =
                    entries.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                format!("data directory `{}` holds {names:?}", self.data_dir.path().display())
            }
            Err(e) => format!("data directory `{}` cannot be read: {e}", self.data_dir.path().display()),
        };
        let log = format!("{}{}", self.stdout(), self.stderr());
        let tail: Vec<&str> = log.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
        format!("server on port {}: {state}; {dir}\n--- last lines of its log ---\n{}", self.port, tail.join("\n"))
    }

    /// Kills the process (SIGKILL: nothing gets a chance to flush) and waits for it.
    pub fn stop(&mut self) {
        self.kill();
    }

    /// Kills the process at once (SIGKILL), as a crash or the kernel's OOM killer would, and waits
    /// for it: [`TestServer::stop`] through a shared reference, for a test that kills one replica
    /// of a fleet while other threads use it. Its logs stay readable.
    pub fn kill(&self) {
        if let Some(mut child) = self.child_slot().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Asks the process to stop (SIGTERM, as an orchestrator does) and waits for it: how it
    /// exited.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child_slot().take().expect("the server runs");
        let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(sent.success(), "SIGTERM could not be sent");
        child.wait().expect("the server is waited for")
    }

    /// Stops the server and starts it again on the same data directory, database and port.
    pub fn restart(&mut self) {
        self.retried = 0;
        self.stop();
        self.spawn();
    }

    /// Admin credentials, as given to the server.
    pub fn admin_credentials(&self) -> Credentials {
        Credentials::new(ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, None, None, "tributary-tests")
    }

    /// An `aws-sdk-codeartifact` client for this server, signed with the admin's keys.
    pub fn sdk_client(&self) -> aws_sdk_codeartifact::Client {
        self.sdk_client_with(self.admin_credentials())
    }

    /// An `aws-sdk-codeartifact` client for this server, signed with `credentials`. It never
    /// retries, so a test sees the first answer (a retried 500 would hide a bug).
    pub fn sdk_client_with(&self, credentials: Credentials) -> aws_sdk_codeartifact::Client {
        let config = aws_sdk_codeartifact::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .region(Region::new(REGION))
            .endpoint_url(self.url())
            .credentials_provider(credentials)
            .build();
        aws_sdk_codeartifact::Client::from_conf(config)
    }

    /// Runs `aws codeartifact ARGS...` against this server with the admin's keys.
    pub fn aws(&self, args: &[&str]) -> AwsOutput {
        self.aws_as(ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, args)
    }

    /// Runs `aws codeartifact ARGS...` against this server with the given keys.
    pub fn aws_as(&self, access_key_id: &str, secret_access_key: &str, args: &[&str]) -> AwsOutput {
        let home = self.data_dir.path().join("aws-home");
        let mut command = aws_command(&home);
        self.configure_aws(&mut command, &home, access_key_id, secret_access_key, args);
        let output = command
            .args(["--output", "json"])
            .env("AWS_DEFAULT_REGION", REGION)
            .output()
            .unwrap_or_else(|e| panic!("cannot run the aws CLI `{}`: {e}", aws_cli().display()));
        let output = AwsOutput::new(args, output);
        assert!(
            !output.stderr.contains("Could not connect to the endpoint URL"),
            "`aws codeartifact {}` could not connect: {}\n{}",
            output.command,
            output.stderr.trim(),
            self.diagnose()
        );
        output
    }

    /// Makes `command` (the aws CLI) run `aws codeartifact ARGS...` against this server, signed
    /// with the given keys, with its `config` and `credentials` files in `config_dir` (made
    /// empty when missing): no pager, no retry, no EC2 metadata.
    pub fn configure_aws(
        &self,
        command: &mut Command,
        config_dir: &Path,
        access_key_id: &str,
        secret_access_key: &str,
        args: &[&str],
    ) {
        std::fs::create_dir_all(config_dir).expect("cannot create the aws CLI configuration folder");
        let config_file = config_dir.join("config");
        let credentials_file = config_dir.join("credentials");
        for file in [&config_file, &credentials_file] {
            if !file.exists() {
                std::fs::write(file, "").expect("cannot write an empty aws CLI config");
            }
        }
        command
            .arg("codeartifact")
            .args(args)
            .args(["--endpoint-url", &self.url(), "--region", REGION])
            .env("AWS_ACCESS_KEY_ID", access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret_access_key)
            .env("AWS_PAGER", "")
            .env("AWS_CONFIG_FILE", &config_file)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials_file)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1");
    }

    /// A request to `path_and_query` with `body`, signed with SigV4 by `aws-sigv4` for the admin at `time`;
    /// with `content_sha256`, the signature also covers an `x-amz-content-sha256` header.
    pub fn signed(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        time: std::time::SystemTime,
        content_sha256: bool,
    ) -> reqwest::RequestBuilder {
        self.signed_as(method, path_and_query, body, time, content_sha256, Signature::Normal)
    }

    /// [`TestServer::signed`] signed as `signature` says: for another region, or with
    /// `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
    pub fn signed_as(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        time: std::time::SystemTime,
        content_sha256: bool,
        signature: Signature,
    ) -> reqwest::RequestBuilder {
        use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
        use aws_sigv4::sign::v4;

        let url = format!("{}{path_and_query}", self.url());
        let identity = self.admin_credentials().into();
        let mut settings = SigningSettings::default();
        if content_sha256 || signature == Signature::UnsignedPayload {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let region = match signature {
            Signature::Region(region) => region,
            _ => REGION,
        };
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(region)
            .name("codeartifact")
            .time(time)
            .settings(settings)
            .build()
            .expect("signing parameters")
            .into();
        let headers = [("content-type", "application/json")];
        let signable_body = if signature == Signature::UnsignedPayload {
            SignableBody::UnsignedPayload
        } else {
            SignableBody::Bytes(body)
        };
        let signable =
            SignableRequest::new(method, &url, headers.into_iter(), signable_body).expect("a signable request");
        let (instructions, _signature) = sign(signable, &params).expect("signing works").into_parts();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request =
            self.http().request(method, &url).header("content-type", "application/json").body(body.to_vec());
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        request
    }

    /// A plain HTTP client (for the Tributary extensions and raw requests).
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::builder().no_proxy().build().expect("a plain reqwest client builds")
    }

    /// The text of `/metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.http().get(format!("{}/metrics", self.url())).send().await;
        response.expect("the server answers /metrics").text().await.expect("the metrics are text")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        // `database` drops after this, once the server's connections are gone.
    }
}

/// Whether `GET /healthz` of the server on `port` answers 200.
pub fn healthz(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// What one `aws` CLI run did.
#[derive(Debug)]
pub struct AwsOutput {
    /// The command line after `aws codeartifact`, for messages.
    pub command: String,
    /// The exit status code (`-1` when killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Standard output parsed as JSON, when it is JSON.
    pub json: Option<serde_json::Value>,
}

impl AwsOutput {
    fn new(args: &[&str], output: Output) -> Self {
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let json = serde_json::from_str(&stdout).ok();
        Self {
            command: args.join(" "),
            status: output.status.code().unwrap_or(-1),
            stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            json,
        }
    }

    /// The JSON output of a run that must have succeeded (an empty object for no output).
    #[track_caller]
    pub fn ok(self) -> serde_json::Value {
        assert_eq!(
            self.status, 0,
            "`aws codeartifact {}` failed\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.stdout, self.stderr
        );
        match self.json {
            Some(json) => json,
            None if self.stdout.trim().is_empty() => serde_json::json!({}),
            None => panic!("`aws codeartifact {}` printed something that is not JSON:\n{}", self.command, self.stdout),
        }
    }

    /// The message of a run that must have failed with `error_type` in `operation`, as the CLI
    /// prints it: `An error occurred (ERROR_TYPE) when calling the OPERATION operation: MESSAGE`.
    #[track_caller]
    pub fn error(self, error_type: &str, operation: &str) -> String {
        assert_ne!(
            self.status, 0,
            "`aws codeartifact {}` succeeded but should have failed:\n{}",
            self.command, self.stdout
        );
        let prefix = format!("An error occurred ({error_type}) when calling the {operation} operation: ");
        let Some(line) = self.stderr.lines().find_map(|l| l.trim().strip_prefix(&prefix)) else {
            panic!(
                "`aws codeartifact {}` should have failed with `{prefix}...`, but printed:\n{}",
                self.command, self.stderr
            );
        };
        line.to_owned()
    }
}

/// The error type (`x-amzn-ErrorType` / the code) and message of an SDK error.
pub fn sdk_error<E, R>(err: &aws_sdk_codeartifact::error::SdkError<E, R>) -> (String, String)
where
    E: aws_sdk_codeartifact::error::ProvideErrorMetadata,
{
    use aws_sdk_codeartifact::error::ProvideErrorMetadata as _;
    (err.code().unwrap_or("<no code>").to_owned(), err.message().unwrap_or("<no message>").to_owned())
}

/// Asserts that an SDK call failed with `code` and a message containing each of `parts`.
#[track_caller]
pub fn assert_sdk_error<T: std::fmt::Debug, E, R>(
    result: Result<T, aws_sdk_codeartifact::error::SdkError<E, R>>,
    code: &str,
    parts: &[&str],
) -> String
where
    E: aws_sdk_codeartifact::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let err = match result {
        Ok(value) => panic!("expected `{code}`, but the call succeeded: {value:?}"),
        Err(err) => err,
    };
    let (got_code, message) = sdk_error(&err);
    assert_eq!(got_code, code, "wrong error type; the error was {err:?}");
    for part in parts {
        assert!(message.contains(part), "the `{code}` message should mention `{part}`: {message}");
    }
    message
}

/// Asserts that `text` contains each of `parts`.
#[track_caller]
pub fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "expected `{part}` in: {text}");
    }
}

/// Runs a scenario `async fn NAME(server: TestServer)` on both backends: generates the tests
/// `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::TestServer::start($crate::Backend::Sqlite)).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::TestServer::start($crate::Backend::Postgres)).await;
            }
        }
    };
}

/// Runs each scenario `async fn NAME(backend: Backend)` (which starts its own server) on both
/// backends: generates the tests `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await;
            }
        }
    )*};
}

impl TestServer {
    /// The search order of `repository` through the Tributary extension
    /// `GET /v1/repository/search-order`, authenticated with the bearer `token`: one entry per
    /// step, `name` or `name[external-connection]` for a gateway.
    pub async fn search_order(&self, token: &str, domain: &str, repository: &str) -> Vec<String> {
        let response = self
            .http()
            .get(format!("{}/v1/repository/search-order", self.url()))
            .query(&[("domain", domain), ("repository", repository)])
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the search-order request was not answered: {e}\n{}", self.diagnose()));
        let status = response.status();
        let body: serde_json::Value = response.json().await.expect("the search order is JSON");
        assert_eq!(status, 200, "search order of `{domain}/{repository}`: {body}");
        let steps = body["searchOrder"].as_array().unwrap_or_else(|| panic!("no `searchOrder` array in {body}"));
        steps
            .iter()
            .map(|step| {
                let name = step["repositoryName"].as_str().unwrap_or_else(|| panic!("a step without a name: {body}"));
                match step.get("externalConnectionName").and_then(serde_json::Value::as_str) {
                    Some(connection) => format!("{name}[{connection}]"),
                    None => name.to_owned(),
                }
            })
            .collect()
    }
}

/// Creates the domain `domain` through the SDK.
pub async fn create_domain(client: &aws_sdk_codeartifact::Client, domain: &str) {
    client.create_domain().domain(domain).send().await.unwrap_or_else(|e| panic!("create domain `{domain}`: {e:?}"));
}

/// Creates repository `name` in `domain` with `upstreams`, in order, through the SDK.
pub async fn create_repository(client: &aws_sdk_codeartifact::Client, domain: &str, name: &str, upstreams: &[&str]) {
    let mut request = client.create_repository().domain(domain).repository(name);
    for upstream in upstreams {
        request = request.upstreams(upstream_info(upstream));
    }
    request.send().await.unwrap_or_else(|e| panic!("create repository `{domain}/{name}`: {e:?}"));
}

/// An `UpstreamRepository` naming `name`.
pub fn upstream_info(name: &str) -> aws_sdk_codeartifact::types::UpstreamRepository {
    aws_sdk_codeartifact::types::UpstreamRepository::builder()
        .repository_name(name)
        .build()
        .expect("an upstream repository with a name builds")
}

/// The upstream names of `domain/name`, as DescribeRepository shows them.
pub async fn upstreams_of(client: &aws_sdk_codeartifact::Client, domain: &str, name: &str) -> Vec<String> {
    let described = client
        .describe_repository()
        .domain(domain)
        .repository(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe repository `{domain}/{name}`: {e:?}"));
    let repository = described.repository.unwrap_or_else(|| panic!("no repository in the description of `{name}`"));
    repository.upstreams().iter().filter_map(|u| u.repository_name().map(str::to_owned)).collect()
}

/// An admin authorization token for `domain` (GetAuthorizationToken through the SDK).
pub async fn token_for(client: &aws_sdk_codeartifact::Client, domain: &str) -> String {
    client
        .get_authorization_token()
        .domain(domain)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get a token for `{domain}`: {e:?}"))
        .authorization_token
        .unwrap_or_else(|| panic!("no token for `{domain}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_swap() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }

    /// Each plugin version the fixture Maven projects pin is one Debian's repository has (a
    /// Debian update that moved a plugin shows up here, not as a resolution failure inside mvn),
    /// and the plugins the default lifecycle runs up to `deploy` are all pinned.
    #[test]
    fn fixture_maven_projects_pin_debian_plugins() {
        let repo = maven_repo();
        for name in ["lib", "app"] {
            let pom_path = workspace_root().join("tests/fixtures/maven").join(name).join("pom.xml");
            let pom = std::fs::read_to_string(&pom_path).expect("the fixture POM reads");
            let element = |block: &str, tag: &str| {
                let start = block.find(&format!("<{tag}>"))? + tag.len() + 2;
                Some(block[start..start + block[start..].find(&format!("</{tag}>"))?].to_owned())
            };
            let mut pinned = Vec::new();
            for block in pom.split("<plugin>").skip(1) {
                let block = &block[..block.find("</plugin>").expect("a closed `<plugin>`")];
                let (Some(artifact), Some(version)) = (element(block, "artifactId"), element(block, "version")) else {
                    continue;
                };
                let jar =
                    repo.join(maven_fixture::maven_path("org.apache.maven.plugins", &artifact, &version, None, "jar"));
                assert!(
                    jar.is_file(),
                    "`{name}/pom.xml` pins {artifact} {version}, but `{}` is missing",
                    jar.display()
                );
                pinned.push(artifact);
            }
            for plugin in ["resources", "compiler", "surefire", "jar", "install", "deploy", "source"] {
                let artifact = format!("maven-{plugin}-plugin");
                assert!(pinned.contains(&artifact), "`{name}/pom.xml` does not pin {artifact}");
            }
        }
    }
}
