//! What the format scenarios (`tests/npm.rs`, `tests/pypi.rs`, `tests/maven.rs`) share: running
//! a client and judging the run ([`run`], [`Run`]), the `aws` CLI in a client's HOME
//! ([`aws_in_home`]), a server with an external connection served by a fixture
//! ([`server_with_upstream`]) and the repository chain in front of it ([`chain`]), what the
//! control plane says of a domain's packages ([`Packages`], [`assert_external`]), bursts of
//! concurrent requests ([`burst`]), and the chain of the opt-in live tests ([`live_chain`]).
//!
//! Run each scenario on both backends with [`crate::on_both_backends!`].

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_codeartifact::Client;
use aws_sdk_codeartifact::types::{
    HashAlgorithm, PackageFormat, PackageVersionDescription, PackageVersionStatus, PackageVersionSummary,
};

use crate::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, TestServer, assert_mentions, create_domain,
    create_repository, sdk_error, token_for,
};

/// What one client run did.
#[derive(Debug)]
pub struct Run {
    /// The command, for messages.
    pub command: String,
    /// The exit status code (`-1` when killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Run {
    /// Asserts the run succeeded.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.status, 0,
            "`{}` failed after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command, self.elapsed, self.stdout, self.stderr
        );
        self
    }

    /// Asserts a failure whose output mentions each of `parts`; returns the output.
    #[track_caller]
    pub fn fails(self, parts: &[&str]) -> String {
        assert_ne!(
            self.status, 0,
            "`{}` succeeded but should have failed\n{}\n{}",
            self.command, self.stdout, self.stderr
        );
        let text = self.output();
        assert_mentions(&text, parts);
        text
    }

    /// Standard output, then standard error.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Standard output as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("`{}` printed no JSON ({e}):\n{}\n{}", self.command, self.stdout, self.stderr))
    }
}

/// Runs `command` to its end; `display` names it in messages.
pub fn run(mut command: Command, display: &str) -> Run {
    let started = Instant::now();
    let output = command.output().unwrap_or_else(|e| panic!("cannot run `{display}`: {e}"));
    Run {
        command: display.to_owned(),
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs the real `aws codeartifact ARGS...` against `server` as `command` (the aws CLI with
/// `HOME` = `home`: [`crate::aws_command`], or [`crate::python_tool_with`] `aws` when `login` must
/// find pip and twine), signed with the admin's keys, its configuration in `home/.aws`: so that
/// `login` writes the client's configuration into `home`.
pub fn aws_in_home(server: &TestServer, mut command: Command, home: &Path, args: &[&str]) -> Run {
    server.configure_aws(&mut command, &home.join(".aws"), ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, args);
    run(command, &format!("aws codeartifact {}", args.join(" ")))
}

/// A server on `backend` with the fixed admin keys whose external connection is served at `url`
/// (`variable` is its setting: `TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL`), with the settings `env`.
pub fn server_with_upstream(backend: Backend, variable: &str, url: &str, env: &[(&str, &str)]) -> TestServer {
    let mut all = vec![(variable, url)];
    all.extend_from_slice(env);
    TestServer::start_with_env(backend, AdminKeys::Fixed, &all)
}

/// Creates the domain `domain` with the one repository `repository` (no upstream); returns an
/// admin authorization token for the domain.
pub async fn one_repository(sdk: &Client, domain: &str, repository: &str) -> String {
    create_domain(sdk, domain).await;
    create_repository(sdk, domain, repository, &[]).await;
    token_for(sdk, domain).await
}

/// Creates the domain `domain` with the chain `aa -> bb -> {gateway}`, `gateway` connected to the
/// external connection `connection`; returns an admin authorization token for the domain.
pub async fn chain(sdk: &Client, domain: &str, gateway: &str, connection: &str) -> String {
    create_domain(sdk, domain).await;
    create_repository(sdk, domain, gateway, &[]).await;
    sdk.associate_external_connection()
        .domain(domain)
        .repository(gateway)
        .external_connection(connection)
        .send()
        .await
        .unwrap_or_else(|e| panic!("associate `{connection}` with `{gateway}`: {e:?}"));
    create_repository(sdk, domain, "bb", &[gateway]).await;
    create_repository(sdk, domain, "aa", &["bb"]).await;
    token_for(sdk, domain).await
}

/// `$request`, a request builder of the SDK, for `$package` in `$repository` of `$packages` (a
/// [`Packages`]): the domain, the repository, the format, the namespace and the name.
macro_rules! for_package {
    ($packages:expr, $request:expr, $repository:expr, $package:expr) => {{
        let (namespace, name) = $packages.coordinates($package);
        $request
            .domain($packages.domain)
            .repository($repository)
            .format($packages.format.clone())
            .set_namespace(namespace.map(str::to_owned))
            .package(name)
    }};
}

/// The packages of one format in one domain, as the control plane (`aws-sdk-codeartifact`)
/// shows them. Packages are named as their format's users write them: `@scope/name` (npm),
/// `group:artifact` (Maven), `name` (PyPI).
#[derive(Debug, Clone)]
pub struct Packages<'a> {
    sdk: &'a Client,
    domain: &'a str,
    format: PackageFormat,
}

impl<'a> Packages<'a> {
    /// The `format` packages of `domain`, asked through `sdk`.
    pub fn new(sdk: &'a Client, domain: &'a str, format: PackageFormat) -> Self {
        Self { sdk, domain, format }
    }

    /// `package` as the control plane names it: (namespace, name).
    fn coordinates<'p>(&self, package: &'p str) -> (Option<&'p str>, &'p str) {
        let split = match self.format {
            PackageFormat::Npm => package.strip_prefix('@').and_then(|scoped| scoped.split_once('/')),
            PackageFormat::Maven => package.split_once(':'),
            // A module path: the namespace is all but its last element (and a major version
            // suffix stays with that element), as docs/DESIGN.md §2 documents.
            ref format if format.as_str() == "go" => {
                let cut = crate::go_fixture::name_start(package);
                (cut > 0).then(|| (&package[..cut - 1], &package[cut..]))
            }
            _ => None,
        };
        match split {
            Some((namespace, name)) => (Some(namespace), name),
            None => (None, package),
        }
    }

    /// ListPackageVersions of `package` in `repository`, all statuses but Deleted (`status` to
    /// pick one); empty when the repository does not hold the package.
    pub async fn versions(
        &self,
        repository: &str,
        package: &str,
        status: Option<PackageVersionStatus>,
    ) -> Vec<PackageVersionSummary> {
        let result =
            for_package!(self, self.sdk.list_package_versions(), repository, package).set_status(status).send().await;
        match result {
            Ok(out) => out.versions().to_vec(),
            Err(err) => {
                let (code, message) = sdk_error(&err);
                assert_eq!(code, "ResourceNotFoundException", "versions of `{package}` in `{repository}`: {message}");
                Vec::new()
            }
        }
    }

    /// The version numbers of [`Packages::versions`] (all statuses but Deleted).
    pub async fn version_numbers(&self, repository: &str, package: &str) -> Vec<String> {
        self.versions(repository, package, None).await.iter().map(|v| v.version().to_owned()).collect()
    }

    /// The packages `repository` holds (ListPackages), in `namespace` if given.
    pub async fn list(&self, repository: &str, namespace: Option<&str>) -> Vec<String> {
        let listed = self
            .sdk
            .list_packages()
            .domain(self.domain)
            .repository(repository)
            .format(self.format.clone())
            .set_namespace(namespace.map(str::to_owned))
            .send()
            .await
            .unwrap_or_else(|e| panic!("list the packages of `{repository}`: {e:?}"));
        listed
            .packages()
            .iter()
            .map(|p| {
                let name = p.package().unwrap_or_default();
                match (p.namespace(), &self.format) {
                    (Some(scope), PackageFormat::Npm) => format!("@{scope}/{name}"),
                    (Some(group), PackageFormat::Maven) => format!("{group}:{name}"),
                    _ => name.to_owned(),
                }
            })
            .collect()
    }

    /// The files of `package` `version` in `repository` (ListPackageVersionAssets): name → SHA-256.
    pub async fn assets(&self, repository: &str, package: &str, version: &str) -> BTreeMap<String, String> {
        let listed = for_package!(self, self.sdk.list_package_version_assets(), repository, package)
            .package_version(version)
            .send()
            .await
            .unwrap_or_else(|e| panic!("assets of `{package}` `{version}` in `{repository}`: {e:?}"));
        listed
            .assets()
            .iter()
            .map(|asset| {
                let sha256 = asset
                    .hashes()
                    .and_then(|hashes| hashes.get(&HashAlgorithm::Sha256))
                    .cloned()
                    .unwrap_or_else(|| panic!("no SHA-256 for `{}`: {asset:?}", asset.name()));
                (asset.name().to_owned(), sha256)
            })
            .collect()
    }

    /// DescribePackageVersion of `package` `version` in `repository`.
    pub async fn describe(&self, repository: &str, package: &str, version: &str) -> PackageVersionDescription {
        let described = for_package!(self, self.sdk.describe_package_version(), repository, package)
            .package_version(version)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe `{package}` `{version}` in `{repository}`: {e:?}"));
        described.package_version.unwrap_or_else(|| panic!("no description of `{package}` `{version}`"))
    }

    /// DescribePackage's origin restrictions of `package` in `repository`: (publish, upstream).
    pub async fn restrictions(&self, repository: &str, package: &str) -> (String, String) {
        let described = for_package!(self, self.sdk.describe_package(), repository, package)
            .send()
            .await
            .unwrap_or_else(|e| panic!("describe `{package}` in `{repository}`: {e:?}"));
        let restrictions = described
            .package()
            .and_then(|p| p.origin_configuration())
            .and_then(|c| c.restrictions())
            .unwrap_or_else(|| panic!("no origin restrictions: {described:?}"));
        (restrictions.publish().as_str().to_owned(), restrictions.upstream().as_str().to_owned())
    }

    /// Sets the status of `package` `version` in `repository` (UpdatePackageVersionsStatus).
    pub async fn set_status(&self, repository: &str, package: &str, version: &str, status: PackageVersionStatus) {
        let updated = for_package!(self, self.sdk.update_package_versions_status(), repository, package)
            .versions(version)
            .target_status(status.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("set `{package}` `{version}` {status:?}: {e:?}"));
        assert!(updated.failed_versions().is_none_or(|f| f.is_empty()), "{updated:?}");
    }

    /// Runs the real `aws codeartifact OPERATION` on `server` for `package` (and `version`, if
    /// given) in `repository`, which must succeed; returns its JSON output.
    #[track_caller]
    pub fn cli(
        &self,
        server: &TestServer,
        operation: &str,
        repository: &str,
        package: &str,
        version: Option<&str>,
    ) -> serde_json::Value {
        let (namespace, name) = self.coordinates(package);
        let mut args = vec![operation, "--domain", self.domain, "--repository", repository];
        args.extend(["--format", self.format.as_str()]);
        args.extend(namespace.iter().flat_map(|namespace| ["--namespace", namespace]));
        args.extend(["--package", name]);
        args.extend(version.iter().flat_map(|version| ["--package-version", version]));
        server.aws(&args).ok()
    }

    /// Deletes `package` `version` from `repository` (DeletePackageVersions), which must work.
    pub async fn delete(&self, repository: &str, package: &str, version: &str) {
        let deleted = for_package!(self, self.sdk.delete_package_versions(), repository, package)
            .versions(version)
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete `{package}` `{version}` from `{repository}`: {e:?}"));
        assert!(deleted.failed_versions().is_none_or(|f| f.is_empty()), "{deleted:?}");
    }
}

/// Asserts `package` `version` is among `versions` (of `repository`), Published, ingested through
/// the external connection `connection`.
#[track_caller]
pub fn assert_external(
    versions: &[PackageVersionSummary],
    repository: &str,
    package: &str,
    version: &str,
    connection: &str,
) {
    let found = versions
        .iter()
        .find(|v| v.version() == version)
        .unwrap_or_else(|| panic!("`{package}` `{version}` is not stored in `{repository}`: {versions:?}"));
    assert_eq!(found.status(), &PackageVersionStatus::Published, "{found:?}");
    let origin = found.origin().unwrap_or_else(|| panic!("`{package}` `{version}` in `{repository}` has no origin"));
    assert_eq!(origin.origin_type().map(|t| t.as_str()), Some("EXTERNAL"), "{origin:?}");
    let entry = origin.domain_entry_point().unwrap_or_else(|| panic!("no domain entry point: {origin:?}"));
    assert_eq!(entry.external_connection_name(), Some(connection), "{origin:?}");
}

/// `mvn -C package` of the fixture consumer `app` (in `work`, Maven reading `home`'s settings),
/// which must download `com.example.acme:greeting:1.0.0` into `home`'s local repository; then the
/// consumer runs and prints the library's greeting.
#[track_caller]
pub fn maven_consumer_runs(home: &Path, work: &Path) {
    let app = crate::maven_project("app", work, &[]);
    let mut build = crate::mvn_in_home(home);
    build.current_dir(&app).args(["-C", "package"]);
    run(build, "mvn -C package (the consumer)").ok();
    let library = home.join(".m2/repository").join(crate::maven_fixture::maven_path(
        "com.example.acme",
        "greeting",
        "1.0.0",
        None,
        "jar",
    ));
    assert!(library.is_file(), "the consumer's build did not download `{}`", library.display());
    let classpath = format!("{}:{}", app.join("target/app-1.0.0.jar").display(), library.display());
    let mut java = Command::new("java");
    java.args(["-cp", &classpath, "com.example.app.App"]);
    assert_eq!(run(java, "java com.example.app.App").ok().stdout, "Hello, Tributary!\n");
}

/// A plain HTTP client that follows no redirect.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a reqwest client builds")
}

/// Sends `count` requests at once, the `i`-th made by `request(i)`: each answer's status and
/// body (`Err` when it was cut short).
pub async fn burst(
    count: usize,
    request: impl Fn(usize) -> reqwest::RequestBuilder,
) -> Vec<(u16, Result<Vec<u8>, String>)> {
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..count {
        let request = request(i);
        requests.spawn(async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status().as_u16();
            (status, response.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string()))
        });
    }
    requests.join_all().await
}

/// `len` deterministic bytes that do not compress (xorshift).
pub fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A server on SQLite and, made with the real `aws` CLI, the domain `live` with the chain `app ->
/// {store}`, `store` connected to the external connection `connection`; returns the server and an
/// authorization token for `live`.
pub fn live_chain(store: &str, connection: &str) -> (TestServer, String) {
    let server = TestServer::start_with(Backend::Sqlite, AdminKeys::Fixed);
    server.aws(&["create-domain", "--domain", "live"]).ok();
    server.aws(&["create-repository", "--domain", "live", "--repository", store]).ok();
    let connect = ["--domain", "live", "--repository", store, "--external-connection", connection];
    server.aws(&[&["associate-external-connection"], &connect[..]].concat()).ok();
    let upstream = format!("repositoryName={store}");
    server.aws(&["create-repository", "--domain", "live", "--repository", "app", "--upstreams", &upstream]).ok();
    let token = server.aws(&["get-authorization-token", "--domain", "live"]).ok()["authorizationToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    (server, token)
}
