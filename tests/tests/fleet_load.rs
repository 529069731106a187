//! A fleet under load (issue 17): three replicas on one PostgreSQL database and one Garage (a
//! real distributed S3 store, run as one node), behind a loopback TCP balancer
//! (`tributary_tests::balancer`) that sends each new connection to the next replica, round-robin,
//! and skips a replica that refuses connections. The real npm, pip and mvn install through it,
//! from fixtures standing in for the public registries, and one replica is killed (SIGKILL) in
//! the middle of it.
//!
//! - One domain, `fleet`: a gateway per public registry (`npm-store`, `pypi-store`,
//!   `maven-store`), `team` with the three as upstreams, and `app` with `team` as its upstream;
//!   every client installs from `app`.
//! - What they install: an npm project depending on 14 packages (one scoped, most depending on
//!   others); 7 wheels (`pip install --require-hashes`); a Maven project compiled against 6
//!   libraries of Debian's Maven repository (one by a version range, so mvn reads its
//!   `maven-metadata.xml`) with Maven's plugins: about 160 jars and POMs.
//! - How: npm, pip and mvn run at the same time, each for [`ROUNDS`] rounds; each run has a fresh
//!   home, cache and local repository, so it downloads everything again. The first round is cold
//!   and runs two clients of each format at once, so each file is asked for twice at the same
//!   moment, mostly through two replicas. mvn starts first (its JVM takes seconds to start), npm
//!   and pip once the Maven fixture has answered [`START_AFTER_MAVEN_REQUESTS`] requests; once the
//!   npm fixture has answered [`KILL_AFTER_NPM_REQUESTS`] (of 28), the second replica is killed,
//!   while the three first rounds download: what was open to it breaks, and the balancer skips
//!   it from then on.
//! - Retries: the clients retry as they do by default, with their own settings (npm
//!   `fetch-retries`, pip `--retries`, mvn `maven.wagon.http.retryHandler.count`, which the
//!   harness turns off elsewhere). None of them retries a response whose body broke off (mvn:
//!   "Premature end of chunk coded message body"), so the test then runs the client again, as a
//!   person would rerun it: only after a connection error, at most [`RERUNS`] times, each rerun
//!   printed. Any other failure fails the test.
//! - Checked: every client run ends successfully; what it installed is what the fixtures serve
//!   (npm's lockfile integrity and the installed files, pip's hash-checking mode, the SHA-256 of
//!   every jar and POM in mvn's local repository); the fixtures were asked for those files, their
//!   documents (packuments, simple pages, the `maven-metadata.xml` of each Maven package the
//!   server reads) and the checksum file the server reads beside each Maven file, and for nothing
//!   else. The two surviving replicas list, in `app` and in each gateway, each package, version
//!   and file once, with the fixture's digests, and exactly what the clients downloaded; `team`
//!   holds nothing.
//! - Upstream requests: each file and document is asked for once across the fleet (the metadata
//!   TTL is 300 s, longer than the test). A path asked twice is allowed only if the killed replica
//!   was fetching it: the first request before the kill, the second once the lease it held has
//!   lapsed (20 to 30 s after the kill; another replica then fetches the file, and the clients
//!   waiting for it wait as long). This test once found two live replicas fetching one file (in 6
//!   of 14 runs, a fraction of a second apart): the replica that took a file's fetch lease did
//!   not look again whether another had stored the file in the meantime. It does now.
//! - Printed: when the replica was killed, how long each client run took and why it was rerun, the
//!   connections the balancer sent to each replica, what each fixture answered, every path asked
//!   twice with when, and the replicas' warnings.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::Client;
use aws_sdk_codeartifact::types::{HashAlgorithm, PackageFormat};
use serde_json::{Value, json};
use tributary_tests::balancer::Balancer;
use tributary_tests::fixture_server::FixtureServer;
use tributary_tests::garage::{BUCKET, Garage};
use tributary_tests::maven_fixture::MavenFixture;
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, Packed, npm_command, npm_pack};
use tributary_tests::pypi_fixture::{Dist, DistSpec, PypiFixture, build_sdist, build_wheel, normalize, sha256_hex};
use tributary_tests::scenario::{Run, run};
use tributary_tests::{
    AdminKeys, Backend, TestServer, create_domain, create_repository, fresh_venv, maven_project, maven_settings,
    mvn_command, python_tool, token_for,
};

/// The domain.
const DOMAIN: &str = "fleet";
/// The repository every client installs from.
const APP: &str = "app";
/// Between `app` and the gateways.
const TEAM: &str = "team";
/// Rounds of installs per format.
const ROUNDS: usize = 3;
/// Clients of each format running at once in each round: two in the cold first round.
const CLIENTS: [usize; ROUNDS] = [2, 1, 1];
/// Which replica is killed (the second).
const KILLED: usize = 1;
/// npm and pip start once the Maven fixture has answered this many requests (mvn takes seconds
/// to start): then the cold first rounds of the three run at the same time.
const START_AFTER_MAVEN_REQUESTS: usize = 20;
/// The second replica is killed once the npm fixture has answered this many of the 28 requests
/// of a cold install: the first rounds of the three clients are then under way.
const KILL_AFTER_NPM_REQUESTS: usize = 14;
/// A fetch lease the killed replica held has lapsed by then (they last 30 s, renewed every 10 s).
const LEASE_LAPSED: Duration = Duration::from_secs(15);
/// How long the load may take before the test gives up waiting for one of these.
const PATIENCE: Duration = Duration::from_secs(300);
/// How many times a client run that failed on a connection error is run again.
const RERUNS: usize = 2;
/// What a failed client run prints when its connection broke (npm, pip, mvn), lowercase.
const CONNECTION_ERRORS: [&str; 16] = [
    "econnreset",
    "econnrefused",
    "epipe",
    "socket hang up",
    "premature close",
    "connection reset",
    "connection refused",
    "connection aborted",
    "connection broken",
    "incompleteread",
    "remotedisconnected",
    "protocolerror",
    "nohttpresponseexception",
    "failed to respond",
    "premature end of",
    "truncatedchunkexception",
];

/// The gateways: repository, external connection, the setting of its URL.
const GATEWAYS: [(&str, &str, &str); 3] = [
    ("npm-store", "public:npmjs", "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL"),
    ("pypi-store", "public:pypi", "TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL"),
    ("maven-store", "public:maven-central", "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL"),
];

// ---------------------------------------------------------------------------------------------
// What the fixtures serve.

/// The npm packages: `fl-math` 1.0.0 is never installed (the project asks for `^1.0.0`, and 1.1.0
/// is there).
fn npm_specs() -> Vec<PackageSpec> {
    vec![
        PackageSpec::new("fl-util", "1.0.0"),
        PackageSpec::new("fl-strings", "1.0.0").dependency("fl-util", "^1.0.0"),
        PackageSpec::new("fl-math", "1.0.0").dependency("fl-util", "^1.0.0"),
        PackageSpec::new("fl-math", "1.1.0").dependency("fl-util", "^1.0.0"),
        PackageSpec::new("fl-log", "2.0.0").dependency("fl-strings", "^1.0.0"),
        PackageSpec::new("fl-config", "1.0.0").dependency("fl-log", "^2.0.0").dependency("fl-util", "^1.0.0"),
        PackageSpec::new("fl-http", "3.0.0").dependency("fl-log", "^2.0.0").dependency("fl-config", "^1.0.0"),
        PackageSpec::new("fl-json", "1.0.0").dependency("fl-strings", "^1.0.0"),
        PackageSpec::new("fl-cache", "1.0.0").dependency("fl-json", "^1.0.0").dependency("fl-math", "^1.0.0"),
        PackageSpec::new("fl-db", "1.0.0").dependency("fl-cache", "^1.0.0").dependency("fl-log", "^2.0.0"),
        PackageSpec::new("fl-queue", "1.0.0").dependency("fl-db", "^1.0.0"),
        PackageSpec::new("fl-auth", "1.0.0").dependency("fl-http", "^3.0.0").dependency("fl-json", "^1.0.0"),
        PackageSpec::new("fl-cli", "1.0.0").dependency("fl-config", "^1.0.0"),
        PackageSpec::new("fl-test", "0.9.0"),
        PackageSpec::new("@fleet/kit", "1.0.0")
            .dependency("fl-auth", "^1.0.0")
            .dependency("fl-queue", "^1.0.0")
            .dependency("fl-cli", "^1.0.0"),
    ]
}

/// The npm project's dependencies.
fn npm_dependencies() -> Value {
    json!({"@fleet/kit": "^1.0.0", "fl-math": "^1.0.0", "fl-test": "^0.9.0"})
}

/// The Python projects (a wheel and an sdist of each): pip installs `fleet-app` and the newest
/// `fleet-core`.
fn python_specs() -> Vec<DistSpec> {
    vec![
        DistSpec::new("fleet-core", "1.0"),
        DistSpec::new("fleet-core", "1.1"),
        DistSpec::new("fleet-text", "1.0").requires("fleet-core>=1.0"),
        DistSpec::new("fleet-net", "2.0").requires("fleet-text>=1.0"),
        DistSpec::new("fleet-store", "1.0").requires("fleet-core>=1.1"),
        DistSpec::new("fleet-jobs", "0.3").requires("fleet-store").requires("fleet-net>=2"),
        DistSpec::new("fleet-cli", "1.0").requires("fleet-text"),
        DistSpec::new("fleet-app", "1.0").requires("fleet-jobs").requires("fleet-cli"),
    ]
}

/// The libraries of the Maven project, from Debian's repository (`/usr/share/maven-repo`):
/// group, artifact, the version asked for, the version resolved.
const MAVEN_LIBRARIES: [(&str, &str, &str, &str); 6] = [
    ("org.apache.commons", "commons-lang3", "3.12.0", "3.12.0"),
    ("org.apache.commons", "commons-text", "1.10.0", "1.10.0"),
    ("commons-io", "commons-io", "2.11.0", "2.11.0"),
    ("commons-codec", "commons-codec", "1.15", "1.15"),
    ("org.apache.commons", "commons-collections4", "4.2", "4.2"),
    ("commons-cli", "commons-cli", "[1.4,2.0)", "1.5.0"),
];

/// The Maven project's one class, using each library.
const MAVEN_APP: &str = r#"package com.example.fleet;

/** Uses one class of each library. */
public final class App {
    private App() {}

    public static void main(String[] args) {
        System.out.println(org.apache.commons.lang3.StringUtils.capitalize("fleet"));
        System.out.println(org.apache.commons.text.WordUtils.capitalize("fleet load"));
        System.out.println(org.apache.commons.io.FilenameUtils.getExtension("app.jar"));
        System.out.println(org.apache.commons.codec.digest.DigestUtils.sha256Hex("fleet"));
        System.out.println(org.apache.commons.collections4.CollectionUtils.size(java.util.List.of(1, 2)));
        System.out.println(new org.apache.commons.cli.Options().getOptions().size());
    }
}
"#;

// ---------------------------------------------------------------------------------------------
// The clients.

/// One finished client run.
#[derive(Debug)]
struct ClientRun {
    /// `npm round 1 client 2`.
    name: String,
    /// From its first start to its successful end, reruns included.
    elapsed: Duration,
    /// The connection error that made each rerun (its first matching line).
    reruns: Vec<String>,
}

/// Runs `command()` until it succeeds, running it again (at most [`RERUNS`] times, in the same
/// project, home and caches, as a person would) only after a failure on a connection error. A
/// failure of another kind, or one too many, is an `Err` with the output.
fn run_client(name: &str, mut command: impl FnMut() -> Command) -> Result<ClientRun, String> {
    let started = Instant::now();
    let mut reruns = Vec::new();
    loop {
        let Run { status, stdout, stderr, elapsed, .. } = run(command(), name);
        if status == 0 {
            return Ok(ClientRun { name: name.to_owned(), elapsed: started.elapsed(), reruns });
        }
        // The error the client ended on, from its first `npm error`, `ERROR:` (pip, and its
        // traceback) or `[ERROR]` (mvn) line on: not the warnings of its own retries before.
        let output = format!("{stdout}\n{stderr}");
        let is_error = |line: &str| {
            let line = line.trim_start().to_ascii_lowercase();
            ["npm error", "error:", "[error]"].iter().any(|start| line.starts_with(start))
        };
        let cause = output.lines().skip_while(|line| !is_error(line)).find(|line| {
            let line = line.to_ascii_lowercase();
            CONNECTION_ERRORS.iter().any(|error| line.contains(error))
        });
        match cause {
            Some(line) if reruns.len() < RERUNS => {
                println!("{name}: failed after {elapsed:?} on a connection error, run again: {}", line.trim());
                reruns.push(line.trim().to_owned());
            }
            _ => {
                return Err(format!(
                    "{name} failed after {elapsed:?} (reruns before: {reruns:?})\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
                ));
            }
        }
    }
}

/// Where the clients run, and what they are pointed at.
struct Clients<'a> {
    work: &'a Path,
    /// `http://127.0.0.1:PORT` of the balancer.
    url: String,
    token: String,
    npm_packs: &'a [Packed],
    wheels: &'a [Dist],
    maven: &'a MavenFixture,
}

impl Clients<'_> {
    /// [`ROUNDS`] rounds of `format`'s client (`npm`, `pip`, `mvn`), each with [`CLIENTS`] runs at
    /// once, counted in `finished` as they end: every run, and the files mvn downloaded.
    fn rounds(&self, format: &str, finished: &AtomicUsize) -> (Vec<Result<ClientRun, String>>, BTreeSet<String>) {
        let mut runs = Vec::new();
        let mut downloaded = BTreeSet::new();
        for (round, count) in CLIENTS.iter().enumerate() {
            let results: Vec<_> = std::thread::scope(|scope| {
                let handles: Vec<_> = (1..=*count)
                    .map(|client| {
                        let name = format!("{format} round {} client {client}", round + 1);
                        scope.spawn(move || {
                            let result = self.run(format, &name);
                            finished.fetch_add(1, Ordering::SeqCst);
                            result
                        })
                    })
                    .collect();
                handles.into_iter().map(|handle| handle.join().expect("a client thread")).collect()
            });
            for result in results {
                runs.push(result.map(|(run, files)| {
                    downloaded.extend(files);
                    run
                }));
            }
        }
        (runs, downloaded)
    }

    /// One run of `format`'s client: the run and the files it downloaded (mvn's only); a panic
    /// (a failed check) is an `Err` too, so the other runs go on.
    fn run(&self, format: &str, name: &str) -> Result<(ClientRun, BTreeSet<String>), String> {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match format {
            "npm" => self.npm(name).map(|run| (run, BTreeSet::new())),
            "pip" => self.pip(name).map(|run| (run, BTreeSet::new())),
            _ => self.mvn(name),
        }));
        result.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("{name} panicked: {message}"))
        })
    }

    /// A new directory for one client run.
    fn dir(&self, name: &str) -> PathBuf {
        let dir = self.work.join(name.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", dir.display()));
        dir
    }

    /// `npm install` of the project, in a fresh home and cache, with npm's own retries of a
    /// failed request (`fetch-retries`); checks the lockfile's integrity of each package against
    /// the fixture's tarballs, and the installed files.
    fn npm(&self, name: &str) -> Result<ClientRun, String> {
        let dir = self.dir(name);
        let home = dir.join("home");
        let project = dir.join("project");
        std::fs::create_dir_all(&home).expect("a home");
        std::fs::create_dir_all(&project).expect("a project");
        let registry = format!("{}/npm/{DOMAIN}/{APP}/", self.url);
        let npmrc = format!(
            "registry={registry}\n{}:_authToken={}\nfetch-retries=4\nfetch-retry-mintimeout=500\n\
             fetch-retry-maxtimeout=4000\n",
            registry.trim_start_matches("http:"),
            self.token
        );
        std::fs::write(home.join(".npmrc"), npmrc).expect("cannot write .npmrc");
        let manifest =
            json!({"name": "fleet-load", "version": "1.0.0", "private": true, "dependencies": npm_dependencies()});
        std::fs::write(project.join("package.json"), manifest.to_string()).expect("cannot write package.json");
        let finished = run_client(name, || {
            let mut command = npm_command(&home);
            command
                .args(["install", "--no-audit", "--no-fund", "--cache"])
                .arg(home.join("cache"))
                .current_dir(&project);
            command
        })?;

        let lock: Value =
            serde_json::from_slice(&std::fs::read(project.join("package-lock.json")).expect("a lockfile"))
                .expect("the lockfile is JSON");
        let installed: BTreeMap<String, (String, String)> = lock["packages"]
            .as_object()
            .expect("the lockfile lists packages")
            .iter()
            .filter_map(|(path, entry)| {
                let name = path.strip_prefix("node_modules/")?;
                let version = entry["version"].as_str().unwrap_or_default().to_owned();
                Some((name.to_owned(), (version, entry["integrity"].as_str().unwrap_or_default().to_owned())))
            })
            .collect();
        let expected: BTreeMap<String, (String, String)> = npm_installed(self.npm_packs)
            .iter()
            .map(|p| (p.name.clone(), (p.version.clone(), p.integrity())))
            .collect();
        if installed != expected {
            return Err(format!("{name} installed other packages than the fixture's:\n{installed:#?}\n{expected:#?}"));
        }
        for packed in npm_installed(self.npm_packs) {
            let folder = project.join("node_modules").join(&packed.name);
            let index = std::fs::read_to_string(folder.join("index.js")).unwrap_or_default();
            let manifest: Value =
                serde_json::from_slice(&std::fs::read(folder.join("package.json")).unwrap_or_default())
                    .unwrap_or_default();
            if !index.contains(&format!("{:?}", packed.version)) || manifest["version"] != packed.version.as_str() {
                return Err(format!("{name}: `{}` is not installed as packed: {index}", packed.name));
            }
        }
        Ok(finished)
    }

    /// `pip install` of `fleet-app` into a fresh virtualenv, every requirement pinned with the
    /// SHA-256 of the fixture's wheel (pip's hash-checking mode refuses other bytes), with pip's
    /// own retries (`--retries`); checks the versions installed.
    fn pip(&self, name: &str) -> Result<ClientRun, String> {
        let dir = self.dir(name);
        let home = dir.join("home");
        let venv = fresh_venv(&dir.join("venv"));
        let requirements: String = self
            .wheels
            .iter()
            .map(|wheel| format!("{}=={} --hash=sha256:{}\n", wheel.name, wheel.version, wheel.sha256))
            .collect();
        std::fs::write(dir.join("requirements.txt"), requirements).expect("cannot write requirements.txt");
        let index = format!("{}/pypi/{DOMAIN}/{APP}/simple/", self.url).replacen(
            "http://",
            &format!("http://aws:{}@", self.token),
            1,
        );
        let finished = run_client(name, || {
            let mut command = python_tool("pip", &home);
            command
                .arg("--python")
                .arg(venv.join("python"))
                .args(["install", "--retries", "5", "--only-binary", ":all:", "--require-hashes", "--index-url"])
                .arg(&index)
                .arg("-r")
                .arg(dir.join("requirements.txt"));
            command
        })?;
        let mut command = Command::new(venv.join("python"));
        command.arg("-c").arg(
            "import importlib.metadata as m, sys\n\
             for name in sys.argv[1:]: print(f'{name}=={m.version(name)}')",
        );
        command.args(self.wheels.iter().map(|w| w.name.as_str()));
        let versions = run(command, "python -c importlib.metadata").ok().stdout;
        let expected: String = self.wheels.iter().map(|w| format!("{}=={}\n", w.name, w.version)).collect();
        if versions != expected {
            return Err(format!("{name} installed other versions:\n{versions}\nnot\n{expected}"));
        }
        Ok(finished)
    }

    /// `mvn package` of the Maven project with a fresh home and local repository, checking
    /// checksums strictly (`-C`), with the HTTP client's own retries
    /// (`maven.wagon.http.retryHandler.count=3`); checks the SHA-256 of every jar and POM in
    /// the local repository against the fixture's file. Returns the run and the paths of the
    /// jars and POMs it downloaded.
    fn mvn(&self, name: &str) -> Result<(ClientRun, BTreeSet<String>), String> {
        let dir = self.dir(name);
        let project = maven_project("app", &dir, &[]);
        let pom_path = project.join("pom.xml");
        let pom = std::fs::read_to_string(&pom_path).expect("the POM reads");
        let (start, end) =
            (pom.find("<dependencies>").expect("dependencies"), pom.find("</dependencies>").expect("end"));
        let dependencies: String = MAVEN_LIBRARIES
            .iter()
            .map(|(group, artifact, version, _)| {
                format!(
                    "\n    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>\
                     <version>{version}</version></dependency>"
                )
            })
            .collect();
        let pom = format!("{}<dependencies>{dependencies}\n  {}", &pom[..start], &pom[end..]);
        std::fs::write(&pom_path, pom).expect("cannot write the POM");
        let sources = project.join("src/main/java/com");
        std::fs::remove_dir_all(&sources).expect("cannot remove the fixture's sources");
        std::fs::create_dir_all(sources.join("example/fleet")).expect("a source folder");
        std::fs::write(sources.join("example/fleet/App.java"), MAVEN_APP).expect("cannot write App.java");
        let settings = dir.join("settings.xml");
        maven_settings(&settings, &format!("{}/maven/{DOMAIN}/{APP}/", self.url), "aws", &self.token);
        let (home, local_repo) = (dir.join("home"), dir.join("m2"));
        let finished = run_client(name, || {
            let mut command = mvn_command(&home, &settings, &local_repo);
            // After mvn_command's `retryHandler.count=0`: the last one counts.
            command.args(["-C", "-Dmaven.wagon.http.retryHandler.count=3", "package"]).current_dir(&project);
            command
        })?;

        let mut downloaded = BTreeSet::new();
        for path in files_below(&local_repo) {
            let relative = path.strip_prefix(&local_repo).expect("below").to_string_lossy().into_owned();
            if !(relative.ends_with(".jar") || relative.ends_with(".pom")) {
                continue;
            }
            let served = self
                .maven
                .contents(&relative)
                .ok_or_else(|| format!("{name}: `{relative}` is not a file of the fixture"))?;
            let bytes = std::fs::read(&path).expect("a downloaded file reads");
            if sha256_hex(&bytes) != sha256_hex(&served) {
                return Err(format!("{name}: `{relative}` differs from the fixture's"));
            }
            downloaded.insert(relative);
        }
        for (group, artifact, _, version) in MAVEN_LIBRARIES {
            let jar =
                local_repo.join(format!("{}/{artifact}/{version}/{artifact}-{version}.jar", group.replace('.', "/")));
            if !jar.is_file() {
                return Err(format!("{name} did not download `{}`", jar.display()));
            }
        }
        if !project.join("target/app-1.0.0.jar").is_file() {
            return Err(format!("{name} built no jar"));
        }
        println!("{name}: {} jars and POMs, each the fixture's bytes", downloaded.len());
        Ok((finished, downloaded))
    }
}

/// Waits until `done` holds, or [`PATIENCE`] has passed since `since`.
fn wait_until(since: Instant, done: impl Fn() -> bool) {
    while !done() && since.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file below `dir`.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", current.display()))
        {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `group:artifact` and version of a file's path in the Maven 2 layout
/// (`{group path}/{artifact}/{version}/{file}`).
fn maven_coordinates(path: &str) -> (String, String) {
    let parts: Vec<&str> = path.split('/').collect();
    let n = parts.len();
    (format!("{}:{}", parts[..n - 3].join("."), parts[n - 3]), parts[n - 2].to_owned())
}

/// The npm versions the project installs: all but `fl-math` 1.0.0.
fn npm_installed(packs: &[Packed]) -> Vec<&Packed> {
    packs.iter().filter(|p| !(p.name == "fl-math" && p.version == "1.0.0")).collect()
}

// ---------------------------------------------------------------------------------------------
// The control plane.

/// Every package of `format` in `repository` (ListPackages, every page), as its users name it
/// (`@scope/name`, `group:artifact`, `name`); duplicates kept.
async fn list_packages(sdk: &Client, repository: &str, format: &PackageFormat) -> Vec<(Option<String>, String)> {
    let mut packages = Vec::new();
    let mut next = None;
    loop {
        let page = sdk
            .list_packages()
            .domain(DOMAIN)
            .repository(repository)
            .format(format.clone())
            .set_next_token(next)
            .send()
            .await
            .unwrap_or_else(|e| panic!("list the packages of `{repository}`: {e:?}"));
        packages.extend(
            page.packages()
                .iter()
                .map(|p| (p.namespace().map(str::to_owned), p.package().unwrap_or_default().to_owned())),
        );
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            return packages;
        }
    }
}

/// The versions of one package in `repository` (ListPackageVersions, every page), duplicates
/// kept, each with its files (ListPackageVersionAssets, every page): name → SHA-256, duplicates
/// kept.
async fn versions_and_assets(
    sdk: &Client,
    repository: &str,
    format: &PackageFormat,
    namespace: Option<&str>,
    package: &str,
) -> Vec<(String, Vec<(String, String)>)> {
    let mut versions = Vec::new();
    let mut next = None;
    loop {
        let page = sdk
            .list_package_versions()
            .domain(DOMAIN)
            .repository(repository)
            .format(format.clone())
            .set_namespace(namespace.map(str::to_owned))
            .package(package)
            .set_next_token(next)
            .send()
            .await
            .unwrap_or_else(|e| panic!("versions of `{package}` in `{repository}`: {e:?}"));
        versions.extend(page.versions().iter().map(|v| v.version().to_owned()));
        next = page.next_token().map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    let mut listed = Vec::new();
    for version in versions {
        let mut assets = Vec::new();
        let mut next = None;
        loop {
            let page = sdk
                .list_package_version_assets()
                .domain(DOMAIN)
                .repository(repository)
                .format(format.clone())
                .set_namespace(namespace.map(str::to_owned))
                .package(package)
                .package_version(&version)
                .set_next_token(next)
                .send()
                .await
                .unwrap_or_else(|e| panic!("assets of `{package}` `{version}` in `{repository}`: {e:?}"));
            assets.extend(page.assets().iter().map(|asset| {
                let sha256 = asset.hashes().and_then(|h| h.get(&HashAlgorithm::Sha256)).cloned().unwrap_or_default();
                (asset.name().to_owned(), sha256)
            }));
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        listed.push((version, assets));
    }
    listed
}

/// What `repository` holds of `format`, as one replica lists it: package → version → file →
/// SHA-256. Fails on any package, version or file listed twice.
async fn holdings(
    sdk: &Client,
    replica: &str,
    repository: &str,
    format: &PackageFormat,
) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> {
    let mut held = BTreeMap::new();
    for (namespace, package) in list_packages(sdk, repository, format).await {
        let name = match (format, &namespace) {
            (PackageFormat::Npm, Some(scope)) => format!("@{scope}/{package}"),
            (PackageFormat::Maven, Some(group)) => format!("{group}:{package}"),
            _ => package.clone(),
        };
        let mut versions = BTreeMap::new();
        for (version, assets) in versions_and_assets(sdk, repository, format, namespace.as_deref(), &package).await {
            let count = assets.len();
            let files: BTreeMap<String, String> = assets.into_iter().collect();
            assert_eq!(files.len(), count, "{replica}: a file of `{name}` `{version}` listed twice in `{repository}`");
            assert!(
                versions.insert(version.clone(), files).is_none(),
                "{replica}: `{name}` `{version}` listed twice in `{repository}`"
            );
        }
        assert!(held.insert(name.clone(), versions).is_none(), "{replica}: `{name}` listed twice in `{repository}`");
    }
    held
}

// ---------------------------------------------------------------------------------------------
// The fixtures' counts.

/// A path a fixture answered more than once.
#[derive(Debug)]
struct Repeated {
    fixture: &'static str,
    path: String,
    /// When each request came, in seconds from the kill (negative: before it).
    since_kill: Vec<f64>,
}

impl Repeated {
    /// Whether the killed replica was fetching it: asked twice, the first time before the kill
    /// and the second once the killed replica's lease had lapsed. A lease lasts 30 s and its
    /// holder renews it every 10 s, so the one the killed replica held ends 20 to 30 s after the
    /// kill; [`LEASE_LAPSED`] leaves room below that.
    fn refetched_after_the_kill(&self) -> bool {
        let lapsed = LEASE_LAPSED.as_secs_f64();
        matches!(self.since_kill[..], [before, after] if before < 0.0 && after >= lapsed)
    }
}

impl std::fmt::Display for Repeated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let times: Vec<String> = self.since_kill.iter().map(|t| format!("{t:+.2} s")).collect();
        write!(
            f,
            "the {} fixture was asked for `{}` {} times, at {} from the kill",
            self.fixture,
            self.path,
            times.len(),
            times.join(", ")
        )?;
        if self.refetched_after_the_kill() {
            write!(f, " (the killed replica was fetching it)")?;
        } else if self.since_kill.iter().all(|t| *t >= 0.0) {
            write!(f, " (all after the kill: replicas that were alive asked for it more than once)")?;
        }
        Ok(())
    }
}

/// The paths `fixture` answered more than once, with when.
fn repeated(name: &'static str, fixture: &FixtureServer, killed_at: Instant) -> Vec<Repeated> {
    let log = fixture.timed_request_log();
    fixture
        .all_requests()
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(path, _)| {
            let since_kill =
                log.iter().filter(|(_, r)| r.path == path).map(|(at, _)| signed_seconds(*at, killed_at)).collect();
            Repeated { fixture: name, path, since_kill }
        })
        .collect()
}

/// `at - since` in seconds, negative when before.
fn signed_seconds(at: Instant, since: Instant) -> f64 {
    if at >= since { (at - since).as_secs_f64() } else { -(since - at).as_secs_f64() }
}

/// The requests `fixture` answered, in short: total, and how many of each kind (`kind` names a
/// path's kind).
fn summary(fixture: &FixtureServer, kind: impl Fn(&str) -> &'static str) -> String {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, count) in fixture.all_requests() {
        *kinds.entry(kind(&path)).or_default() += count;
    }
    format!("{} requests, {} paths {kinds:?}", fixture.total_requests(), fixture.all_requests().len())
}

// ---------------------------------------------------------------------------------------------
// The test.

/// What the killer saw when it killed the replica.
#[derive(Debug)]
struct Kill {
    at: Instant,
    /// Since the load began.
    after: Duration,
    /// Client runs finished by then.
    finished: usize,
    /// Connections open to each replica just before.
    open: Vec<usize>,
    /// Requests the npm, PyPI and Maven fixtures had answered.
    upstream: [usize; 3],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_behind_a_balancer_loses_a_replica_under_load() {
    under_load().await;
}

/// The load, and what the fixtures answered: one request per file and per document across the
/// fleet, two only where the killed replica was fetching the file.
async fn under_load() {
    let npm_packs = npm_pack(&npm_specs());
    let npm = NpmFixture::with(&npm_packs);
    let mut dists = Vec::new();
    let mut wheels: Vec<Dist> = Vec::new();
    for spec in python_specs() {
        let wheel = build_wheel(&spec);
        dists.push(build_sdist(&spec));
        dists.push(wheel.clone());
        wheels.retain(|w| w.name != wheel.name);
        wheels.push(wheel);
    }
    let pypi = PypiFixture::with(&dists);
    let maven = MavenFixture::start();
    let garage = Garage::start();

    let mut env = garage.server_env(BUCKET);
    for ((_, _, variable), url) in GATEWAYS.iter().zip([npm.url(), pypi.url(), maven.url()]) {
        env.push((*variable, url));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = TestServer::start_with_env(Backend::Postgres, AdminKeys::Fixed, &env);
    let fleet = [first.replica(), first.replica()];
    let replicas = [&first, &fleet[0], &fleet[1]];
    let balancer = Balancer::start(&replicas.map(TestServer::port));

    let sdk = first.sdk_client();
    create_domain(&sdk, DOMAIN).await;
    for (gateway, connection, _) in GATEWAYS {
        create_repository(&sdk, DOMAIN, gateway, &[]).await;
        sdk.associate_external_connection()
            .domain(DOMAIN)
            .repository(gateway)
            .external_connection(connection)
            .send()
            .await
            .unwrap_or_else(|e| panic!("associate `{connection}` with `{gateway}`: {e:?}"));
    }
    create_repository(&sdk, DOMAIN, TEAM, &GATEWAYS.map(|(gateway, _, _)| gateway)).await;
    create_repository(&sdk, DOMAIN, APP, &[TEAM]).await;
    let token = token_for(&sdk, DOMAIN).await;

    let work = tempfile::Builder::new().prefix("fleet-load-").tempdir().expect("a work directory");
    let clients = Clients {
        work: work.path(),
        url: balancer.url(),
        token,
        npm_packs: &npm_packs,
        wheels: &wheels,
        maven: &maven,
    };
    let total_runs: usize = CLIENTS.iter().sum::<usize>() * 3;
    let finished = AtomicUsize::new(0);
    let load_started = Instant::now();
    // The clients block on their processes: their threads, not the runtime's.
    let (runs, downloaded, kill) = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let killer = scope.spawn(|| {
                wait_until(load_started, || {
                    npm.total_requests() >= KILL_AFTER_NPM_REQUESTS || finished.load(Ordering::SeqCst) == total_runs
                });
                let open = balancer.open();
                let upstream = [npm.total_requests(), pypi.total_requests(), maven.total_requests()];
                replicas[KILLED].kill();
                Kill {
                    at: Instant::now(),
                    after: load_started.elapsed(),
                    finished: finished.load(Ordering::SeqCst),
                    open,
                    upstream,
                }
            });
            let (clients, finished, maven) = (&clients, &finished, &maven);
            let formats = ["npm", "pip", "mvn"].map(|format| {
                scope.spawn(move || {
                    if format != "mvn" {
                        wait_until(load_started, || maven.total_requests() >= START_AFTER_MAVEN_REQUESTS);
                    }
                    clients.rounds(format, finished)
                })
            });
            let mut runs = Vec::new();
            let mut downloaded = BTreeSet::new();
            for format in formats {
                let (format_runs, files) = format.join().expect("a format's thread");
                runs.extend(format_runs);
                downloaded.extend(files);
            }
            (runs, downloaded, killer.join().expect("the killer's thread"))
        })
    });
    let load_took = load_started.elapsed();

    // What happened, printed before anything is judged.
    println!(
        "replica 2 killed {:?} into the load, {} of {total_runs} client runs finished; connections open to the \
         replicas just before: {:?}; the npm, PyPI and Maven fixtures had answered {:?} requests",
        kill.after, kill.finished, kill.open, kill.upstream
    );
    for run in runs.iter().flatten() {
        println!("{}: {:.1?}, reruns {:?}", run.name, run.elapsed, run.reruns);
    }
    println!(
        "the load took {load_took:.1?}; the balancer sent {:?} connections to the replicas, {:?} refused, {} dropped",
        balancer.sent(),
        balancer.refused(),
        balancer.dropped()
    );
    println!("npm fixture: {}", summary(&npm, |p| if p.contains("/-/") { "tarballs" } else { "packuments" }));
    println!(
        "PyPI fixture: {}",
        summary(&pypi, |p| if p.starts_with("/simple/") {
            "pages"
        } else if p.ends_with(".metadata") {
            "metadata"
        } else {
            "files"
        })
    );
    println!(
        "Maven fixture: {}",
        summary(&maven, |p| if p.ends_with("maven-metadata.xml") {
            "metadata"
        } else if [".md5", ".sha1", ".sha256", ".sha512"].iter().any(|c| p.ends_with(c)) {
            "checksums"
        } else {
            "files"
        })
    );

    for (index, replica) in replicas.iter().enumerate() {
        let log = replica.stderr();
        let warnings: Vec<&str> = log.lines().filter(|line| line.contains("WARN") || line.contains("ERROR")).collect();
        println!("replica {} logged {} warnings and errors", index + 1, warnings.len());
        for line in warnings.iter().take(10) {
            println!("  {line}");
        }
    }

    // Each file and document once across the fleet (twice only if the killed replica was
    // fetching it).
    let repeats: Vec<Repeated> = [("npm", &*npm), ("PyPI", &*pypi), ("Maven", &*maven)]
        .into_iter()
        .flat_map(|(name, fixture)| repeated(name, fixture, kill.at))
        .collect();
    for repeat in &repeats {
        println!("{repeat}");
    }

    // Every client run succeeded (reruns after a connection error included).
    let failures: Vec<&str> = runs.iter().filter_map(|run| run.as_ref().err()).map(String::as_str).collect();
    assert!(failures.is_empty(), "client runs failed:\n{}", failures.join("\n\n"));
    assert_eq!(runs.len(), total_runs);
    // The kill came in the middle of the load, with the replica serving.
    assert!(kill.finished < total_runs, "the replica was killed after the load ended: {kill:?}");
    assert!(balancer.sent()[KILLED] > 0, "the killed replica had served nothing");
    assert!(balancer.refused()[KILLED] > 0, "no connection came to the killed replica's turn after the kill");
    assert_eq!(balancer.dropped(), 0, "client connections reached no live replica");
    let unexplained: Vec<String> =
        repeats.iter().filter(|r| !r.refetched_after_the_kill()).map(Repeated::to_string).collect();
    assert!(
        unexplained.is_empty(),
        "a fleet asks its upstreams once per file and per document, but:\n{}",
        unexplained.join("\n")
    );

    // The fixtures were asked for what the clients installed, and nothing else.
    let npm_asked: BTreeSet<String> = npm.all_requests().into_keys().collect();
    let npm_expected: BTreeSet<String> = npm_installed(&npm_packs)
        .iter()
        .flat_map(|p| [format!("/{}", p.name), format!("/{}", p.tarball_path())])
        .collect();
    assert_eq!(npm_asked, npm_expected, "the npm fixture was asked for other paths");
    let pypi_asked: BTreeSet<String> = pypi.all_requests().into_keys().collect();
    let pages_and_wheels: BTreeSet<String> = wheels
        .iter()
        .flat_map(|w| [format!("/simple/{}/", normalize(&w.name)), format!("/packages/{}", w.filename)])
        .collect();
    let core_metadata: BTreeSet<String> = wheels.iter().map(|w| format!("/packages/{}.metadata", w.filename)).collect();
    assert!(pypi_asked.is_superset(&pages_and_wheels), "the PyPI fixture was not asked for all: {pypi_asked:?}");
    let others: Vec<&String> =
        pypi_asked.difference(&pages_and_wheels).filter(|p| !core_metadata.contains(*p)).collect();
    assert!(others.is_empty(), "the PyPI fixture was asked for other paths: {others:?}");
    let sidecars = |file: &str| ["md5", "sha1", "sha256", "sha512"].map(|algorithm| format!("/{file}.{algorithm}"));
    let maven_metadata = |package: &str| {
        let (group, artifact) = package.split_once(':').expect("group:artifact");
        format!("/{}/{artifact}/maven-metadata.xml", group.replace('.', "/"))
    };
    for (path, _) in maven.all_requests() {
        let file = downloaded.contains(&path[1..]);
        let sidecar = downloaded.iter().any(|file| sidecars(file).contains(&path));
        let metadata = downloaded.iter().any(|file| maven_metadata(&maven_coordinates(file).0) == path);
        assert!(file || sidecar || metadata, "the Maven fixture was asked for `{path}`, which mvn did not download");
    }
    for file in &downloaded {
        assert!(maven.requests(file) > 0, "mvn downloaded `{file}`, which the Maven fixture was not asked for");
    }
    let ranged = maven_metadata("commons-cli:commons-cli");
    assert_eq!(maven.requests(&ranged), 1, "`{ranged}`, read for the version range");

    // What the surviving replicas list: each package, version and file once, with the fixture's
    // digests, and exactly what the clients downloaded.
    type Held = BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>;
    let npm_held: Held = npm_installed(&npm_packs)
        .iter()
        .map(|p| {
            let file = BTreeMap::from([(p.filename(), sha256_hex(&p.tarball))]);
            (p.name.clone(), BTreeMap::from([(p.version.clone(), file)]))
        })
        .collect();
    let pypi_held: Held = wheels
        .iter()
        .map(|w| {
            let file = BTreeMap::from([(w.filename.clone(), w.sha256.clone())]);
            (normalize(&w.name), BTreeMap::from([(w.version.clone(), file)]))
        })
        .collect();
    let mut maven_held = Held::new();
    for path in &downloaded {
        let (package, version) = maven_coordinates(path);
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        let sha256 = sha256_hex(&maven.contents(path).expect("a file of the fixture"));
        maven_held.entry(package).or_default().entry(version).or_default().insert(name, sha256);
    }
    let expected = [(PackageFormat::Npm, "npm-store", npm_held), (PackageFormat::Pypi, "pypi-store", pypi_held)]
        .into_iter()
        .chain([(PackageFormat::Maven, "maven-store", maven_held)]);
    for (format, gateway, held) in expected {
        for (index, replica) in replicas.iter().enumerate().filter(|(index, _)| *index != KILLED) {
            let (sdk, who) = (replica.sdk_client(), format!("replica {}", index + 1));
            for repository in [APP, gateway] {
                assert_eq!(
                    holdings(&sdk, &who, repository, &format).await,
                    held,
                    "{who}: {format:?} in `{repository}`"
                );
            }
            assert_eq!(list_packages(&sdk, TEAM, &format).await, Vec::new(), "{who}: {format:?} in `{TEAM}`");
        }
        let versions: usize = held.values().map(BTreeMap::len).sum();
        println!(
            "{format:?}: {} packages, {versions} versions, each listed once by the surviving replicas",
            held.len()
        );
    }
    let objects = garage.bucket_info(BUCKET).lines().find(|l| l.starts_with("Objects:")).unwrap_or_default().to_owned();
    println!("Garage's bucket after the load: {objects}");
}
