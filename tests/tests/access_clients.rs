//! Access control (issue 14) through the doors users use: principals made with `tributary
//! principal create`, CodeArtifact's permissions policies put and read back with the real `aws`
//! CLI (written as CodeArtifact's documentation writes them), and the real npm, pip and mvn run
//! as those principals, with the tokens `aws codeartifact login` / `get-authorization-token`
//! gives them, against the chain `app -> gateway(public:...)` whose external connection a local
//! fixture registry serves.
//!
//! Scenarios, each on SQLite and on PostgreSQL:
//! - `npm_reader`: the admin installs `reader-demo@1.0.0` through `app`; `reader`, allowed
//!   `ReadFromRepository` by a repository policy (and `GetAuthorizationToken` by a domain policy,
//!   without which it gets no token), installs 1.0.0, but npm's install of 2.0.0 (not saved in
//!   `app`) fails with a 403 naming `ReadFromUpstream` and nothing is pulled; once the policy
//!   (put again at its revision) adds `codeartifact:ReadFromUpstream`, 2.0.0 installs. A policy
//!   over 7,168 characters is refused and changes nothing.
//! - `pip_reader`: the same with `aws codeartifact login --tool pip` and pip (`fixture-gate==1.0`,
//!   then `==2.0`).
//! - `maven_reader`: the same with `get-authorization-token`, a `settings.xml` and `mvn
//!   dependency:get` of `com.example.upstream:widget` 1.0, then 2.0 (mvn prints the status and the
//!   reason phrase).
//! - `publisher_and_reader_npm`: `publisher`, allowed `PublishPackageVersion` on
//!   `package/acme/app/*`, publishes with `npm publish`; `reader` (read only) gets a 403 naming
//!   the action, but installs what was published; an explicit Deny in the domain policy stops the
//!   publisher though the repository policy still allows it.
//!
//! Every client run gets a fresh cache (npm), virtualenv (pip) or local repository (mvn), so
//! what a run installs comes from the server.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use aws_sdk_codeartifact::types::PackageFormat;
use serde_json::{Value, json};
use tributary_tests::maven_fixture::{MavenFixture, maven_path};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, Packed, npm_command, npm_pack};
use tributary_tests::pypi_fixture::{DistSpec, PypiFixture, build_wheel, zip_of};
use tributary_tests::scenario::{Packages, Run, run, server_with_upstream};
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AwsOutput, Backend, PythonConfig, TestServer, assert_mentions,
    aws_command, create_domain, create_repository, fresh_venv, maven_settings, mvn_command, on_both_backends,
    python_command, python_tool_with, token_for, tributary_bin,
};

on_both_backends!(npm_reader, pip_reader, maven_reader, publisher_and_reader_npm);

/// The domain every scenario makes.
const DOMAIN: &str = "acme";
/// The account the server's ARNs name.
const ACCOUNT: &str = "000000000000";
/// The action only this server has: pulling a version a repository does not hold yet.
const READ_FROM_UPSTREAM: &str = "codeartifact:ReadFromUpstream";
/// The most characters a permissions policy may have.
const MAX_POLICY_CHARS: usize = 7168;

/// What CodeArtifact's documentation's read-only repository policy allows.
const READ_ACTIONS: [&str; 9] = [
    "codeartifact:DescribePackageVersion",
    "codeartifact:DescribeRepository",
    "codeartifact:GetPackageVersionReadme",
    "codeartifact:GetRepositoryEndpoint",
    "codeartifact:ListPackages",
    "codeartifact:ListPackageVersions",
    "codeartifact:ListPackageVersionAssets",
    "codeartifact:ListPackageVersionDependencies",
    "codeartifact:ReadFromRepository",
];

/// What CodeArtifact's documentation's basic domain policy allows.
const DOMAIN_ACTIONS: [&str; 4] = [
    "codeartifact:GetAuthorizationToken",
    "codeartifact:GetDomainPermissionsPolicy",
    "codeartifact:ListRepositoriesInDomain",
    "sts:GetServiceBearerToken",
];

// ---------------------------------------------------------------------------------------------
// Principals and policies.

/// A principal made with `tributary principal create`, and its access key.
struct Principal {
    name: String,
    access_key_id: String,
    secret_access_key: String,
}

/// The ARN policies name the principal `name` by.
fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// Creates the (non-admin) principal `name` with the real `tributary principal create`, signed
/// with the admin's keys.
fn create_principal(server: &TestServer, name: &str) -> Principal {
    let mut command = Command::new(tributary_bin());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
        .args(["principal", "create", name, "--endpoint-url", &server.url()])
        .stdin(Stdio::null());
    let created = run(command, &format!("tributary principal create {name}")).ok().json();
    assert_eq!(created["principal"]["name"], name, "{created}");
    assert_eq!(created["principal"]["arn"], user_arn(name), "{created}");
    let field = |value: &Value| value.as_str().unwrap_or_else(|| panic!("no access key in {created}")).to_owned();
    Principal {
        name: name.to_owned(),
        access_key_id: field(&created["principal"]["accessKeyId"]),
        secret_access_key: field(&created["secretAccessKey"]),
    }
}

/// A policy statement: `effect` (`Allow`, `Deny`) of `actions` on `resource` for `principals`.
fn statement(effect: &str, principals: &[&str], actions: &[&str], resource: &str) -> Value {
    let arns: Vec<String> = principals.iter().map(|name| user_arn(name)).collect();
    let principal = if arns.len() == 1 { json!(arns[0]) } else { json!(arns) };
    json!({"Effect": effect, "Principal": {"AWS": principal}, "Action": actions, "Resource": resource})
}

/// A policy document of `statements`.
fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// CodeArtifact's documented basic domain policy, for `principals`: a token, and a look at the
/// domain.
fn domain_policy(principals: &[&str]) -> Value {
    policy(vec![statement("Allow", principals, &DOMAIN_ACTIONS, "*")])
}

/// CodeArtifact's documented read-only repository policy for `principals`, plus `extra` actions.
fn read_policy(principals: &[&str], extra: &[&str]) -> Value {
    let actions: Vec<&str> = READ_ACTIONS.iter().chain(extra).copied().collect();
    policy(vec![statement("Allow", principals, &actions, "*")])
}

/// What a permissions policy is attached to.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    Domain,
    Repository(&'a str),
}

/// Permissions policies, put and read with the real `aws` CLI as the admin.
struct Policies<'a> {
    server: &'a TestServer,
    /// Where the policy documents are written for `file://`.
    dir: tempfile::TempDir,
    written: Cell<u32>,
}

impl<'a> Policies<'a> {
    fn new(server: &'a TestServer) -> Self {
        let dir = tempfile::Builder::new().prefix("policies-").tempdir().expect("cannot make a temp dir");
        Self { server, dir, written: Cell::new(0) }
    }

    /// `--domain acme [--repository R]`.
    fn args(target: Target<'_>) -> Vec<&str> {
        match target {
            Target::Domain => vec!["--domain", DOMAIN],
            Target::Repository(repository) => vec!["--domain", DOMAIN, "--repository", repository],
        }
    }

    fn noun(target: Target<'_>) -> &'static str {
        match target {
            Target::Domain => "domain",
            Target::Repository(_) => "repository",
        }
    }

    /// The ARN of `target`.
    fn arn(target: Target<'_>) -> String {
        match target {
            Target::Domain => format!("arn:aws:codeartifact:us-east-1:{ACCOUNT}:domain/{DOMAIN}"),
            Target::Repository(name) => format!("arn:aws:codeartifact:us-east-1:{ACCOUNT}:repository/{DOMAIN}/{name}"),
        }
    }

    /// `aws codeartifact put-{domain|repository}-permissions-policy --policy-document file://...`
    /// with `text` in the file, and `--policy-revision` if given.
    fn put(&self, target: Target<'_>, text: &str, revision: Option<&str>) -> AwsOutput {
        let n = self.written.get() + 1;
        self.written.set(n);
        let path = self.dir.path().join(format!("policy-{n}.json"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write `{}`: {e}", path.display()));
        let operation = format!("put-{}-permissions-policy", Self::noun(target));
        let file = format!("file://{}", path.display());
        let mut args = vec![operation.as_str()];
        args.extend(Self::args(target));
        args.extend(["--policy-document", &file]);
        args.extend(revision.iter().flat_map(|revision| ["--policy-revision", revision]));
        self.server.aws(&args)
    }

    /// `aws codeartifact get-{domain|repository}-permissions-policy`: its `policy`.
    #[track_caller]
    fn get(&self, target: Target<'_>) -> Value {
        let operation = format!("get-{}-permissions-policy", Self::noun(target));
        let mut args = vec![operation.as_str()];
        args.extend(Self::args(target));
        self.server.aws(&args).ok()["policy"].clone()
    }

    /// Puts `document` (at `revision`, when replacing one), which must work, and reads it back:
    /// the same document and revision, for `target`'s ARN. Returns the new revision.
    #[track_caller]
    fn set(&self, target: Target<'_>, document: &Value, revision: Option<&str>) -> String {
        let text = serde_json::to_string_pretty(document).expect("a policy serializes");
        let put = self.put(target, &text, revision).ok();
        let revision_now = put["policy"]["revision"]
            .as_str()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| panic!("no revision in the answer of put: {put}"))
            .to_owned();
        if let Some(previous) = revision {
            assert_ne!(revision_now, previous, "a changed policy kept its revision");
        }
        let got = self.get(target);
        assert_eq!(got["resourceArn"], Self::arn(target), "{got}");
        assert_eq!(got["revision"], revision_now.as_str(), "{got}");
        let stored: Value = serde_json::from_str(got["document"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("the document read back is not JSON ({e}): {got}"));
        assert_eq!(&stored, document, "the policy read back is not the one put");
        revision_now
    }
}

/// Runs `command` (the aws CLI, HOME = `home`) as `aws codeartifact ARGS...` signed with
/// `principal`'s keys, its configuration in `home/.aws` (so that `login` configures the client
/// of `home`).
fn aws_as_principal(
    server: &TestServer,
    mut command: Command,
    home: &Path,
    principal: &Principal,
    args: &[&str],
) -> Run {
    server.configure_aws(
        &mut command,
        &home.join(".aws"),
        &principal.access_key_id,
        &principal.secret_access_key,
        args,
    );
    run(command, &format!("aws codeartifact {} (as {})", args.join(" "), principal.name))
}

/// An authorization token for the domain, got by `principal` with `get-authorization-token`.
#[track_caller]
fn token_of(server: &TestServer, principal: &Principal) -> String {
    let answer = server
        .aws_as(
            &principal.access_key_id,
            &principal.secret_access_key,
            &["get-authorization-token", "--domain", DOMAIN],
        )
        .ok();
    answer["authorizationToken"].as_str().unwrap_or_else(|| panic!("no token in {answer}")).to_owned()
}

/// `principal` may not get a token: no policy allows it `GetAuthorizationToken` yet.
#[track_caller]
fn assert_no_token(server: &TestServer, principal: &Principal) {
    let refused = server.aws_as(
        &principal.access_key_id,
        &principal.secret_access_key,
        &["get-authorization-token", "--domain", DOMAIN],
    );
    let message = refused.error("AccessDeniedException", "GetAuthorizationToken");
    assert_mentions(&message, &["codeartifact:GetAuthorizationToken"]);
}

/// Creates the domain with the chain `app -> gateway`, `gateway` connected to `connection`;
/// returns an admin authorization token.
async fn app_chain(sdk: &aws_sdk_codeartifact::Client, connection: &str) -> String {
    create_domain(sdk, DOMAIN).await;
    create_repository(sdk, DOMAIN, "gateway", &[]).await;
    sdk.associate_external_connection()
        .domain(DOMAIN)
        .repository("gateway")
        .external_connection(connection)
        .send()
        .await
        .unwrap_or_else(|e| panic!("associate `{connection}` with `gateway`: {e:?}"));
    create_repository(sdk, DOMAIN, "app", &["gateway"]).await;
    token_for(sdk, DOMAIN).await
}

/// Asserts that neither `app` nor `gateway` holds `version` of `package`: nothing was pulled.
async fn assert_not_pulled(packages: &Packages<'_>, package: &str, version: &str) {
    for repository in ["app", "gateway"] {
        let held = packages.version_numbers(repository, package).await;
        assert!(!held.iter().any(|v| v == version), "`{package}` `{version}` was pulled into `{repository}`: {held:?}");
    }
}

/// The refused policy: a valid document of more than 7,168 characters.
fn oversized_policy(principal: &str) -> String {
    let resources: Vec<String> = (0..120)
        .map(|i| format!("arn:aws:codeartifact:us-east-1:{ACCOUNT}:package/{DOMAIN}/app/npm//padding-{i:04}"))
        .collect();
    let mut document = read_policy(&[principal], &[READ_FROM_UPSTREAM]);
    document["Statement"][0]["Resource"] = json!(resources);
    let text = serde_json::to_string_pretty(&document).expect("a policy serializes");
    assert!(text.chars().count() > MAX_POLICY_CHARS, "the oversized policy has {} characters", text.len());
    text
}

/// A policy over 7,168 characters put on `app` at `revision` is refused (by the server, or by
/// botocore's own check of the model's length), and the policy read back is still `current`.
fn assert_oversized_refused(policies: &Policies<'_>, principal: &str, current: &Value, revision: &str) {
    let refused = policies.put(Target::Repository("app"), &oversized_policy(principal), Some(revision));
    assert_ne!(refused.status, 0, "a policy over 7,168 characters was accepted: {}", refused.stdout);
    let by_server = "An error occurred (ValidationException) when calling the PutRepositoryPermissionsPolicy operation";
    let by_botocore = "Invalid length for parameter policyDocument";
    assert!(
        refused.stderr.contains(by_server) || refused.stderr.contains(by_botocore),
        "the oversized policy should be refused as too long: {}",
        refused.stderr
    );
    let got = policies.get(Target::Repository("app"));
    assert_eq!(got["revision"], revision, "the refused put changed the revision: {got}");
    let stored: Value = serde_json::from_str(got["document"].as_str().unwrap_or_default()).expect("JSON");
    assert_eq!(&stored, current, "the refused put changed the policy");
}

// ---------------------------------------------------------------------------------------------
// npm.

/// The fixture's npm package.
const NPM_PACKAGE: &str = "reader-demo";

/// `reader-demo` 1.0.0 and 2.0.0, packed once per test binary with the real `npm pack`.
fn npm_packs() -> &'static [Packed] {
    static PACKS: OnceLock<Vec<Packed>> = OnceLock::new();
    PACKS.get_or_init(|| npm_pack(&[PackageSpec::new(NPM_PACKAGE, "1.0.0"), PackageSpec::new(NPM_PACKAGE, "2.0.0")]))
}

/// A client machine: a temporary HOME whose `.npmrc` points npm at one repository of the domain.
struct NpmClient {
    home: tempfile::TempDir,
    /// Who runs it, for messages.
    who: String,
    made: Cell<u32>,
}

impl NpmClient {
    fn home(prefix: &str) -> tempfile::TempDir {
        tempfile::Builder::new().prefix(prefix).tempdir().expect("cannot make a temp HOME")
    }

    /// npm pointed at `repository` with the admin's `token`, in an `.npmrc` written by hand.
    fn admin(server: &TestServer, repository: &str, token: &str) -> Self {
        let home = Self::home("npm-admin-");
        let registry = format!("{}/npm/{DOMAIN}/{repository}/", server.url());
        let npmrc = format!("registry={registry}\n{}:_authToken={token}\n", registry.trim_start_matches("http:"));
        std::fs::write(home.path().join(".npmrc"), npmrc).expect("cannot write .npmrc");
        Self { home, who: "admin".to_owned(), made: Cell::new(0) }
    }

    /// npm configured by `aws codeartifact login --tool npm` run as `principal`.
    fn login(server: &TestServer, repository: &str, principal: &Principal) -> Self {
        let home = Self::home(&format!("npm-{}-", principal.name));
        let args = ["login", "--tool", "npm", "--domain", DOMAIN, "--repository", repository];
        let login = aws_as_principal(server, aws_command(home.path()), home.path(), principal, &args).ok();
        let registry = format!("{}/npm/{DOMAIN}/{repository}/", server.url());
        assert_mentions(&login.stdout, &["Successfully configured npm", &registry]);
        Self { home, who: principal.name.clone(), made: Cell::new(0) }
    }

    fn next(&self) -> u32 {
        let n = self.made.get() + 1;
        self.made.set(n);
        n
    }

    /// A fresh folder named after `prefix`.
    fn dir(&self, prefix: &str) -> PathBuf {
        let dir = self.home.path().join(format!("{prefix}-{}", self.next()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot make `{}`: {e}", dir.display()));
        dir
    }

    /// `npm ARGS...` in `dir`, with a fresh cache and no retry.
    fn npm(&self, dir: &Path, args: &[&str]) -> Run {
        let cache = self.home.path().join(format!("cache-{}", self.next()));
        let mut command = npm_command(self.home.path());
        command.args(args).arg("--cache").arg(&cache).env("npm_config_fetch_retries", "0").current_dir(dir);
        run(command, &format!("npm {} (as {})", args.join(" "), self.who))
    }

    /// `npm install SPEC` in a fresh project: the project and the run.
    fn install(&self, spec: &str) -> (PathBuf, Run) {
        let project = self.dir("project");
        let manifest = json!({"name": format!("consumer-{}", self.next()), "version": "1.0.0", "private": true});
        std::fs::write(project.join("package.json"), manifest.to_string()).expect("cannot write package.json");
        let run = self.npm(&project, &["install", spec]);
        (project, run)
    }

    /// `npm install NAME@VERSION`, which must work and install that version.
    #[track_caller]
    fn installs(&self, name: &str, version: &str) {
        let (project, run) = self.install(&format!("{name}@{version}"));
        run.ok();
        let manifest = project.join("node_modules").join(name).join("package.json");
        let manifest: Value = std::fs::read(&manifest)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_else(|| panic!("`npm install {name}@{version}` installed no `{name}`"));
        assert_eq!(manifest["version"], version, "`npm install {name}@{version}` installed another version");
    }

    /// `npm publish` of a new folder holding `name@version`.
    fn publish(&self, name: &str, version: &str) -> Run {
        let dir = self.dir("package");
        let manifest = json!({"name": name, "version": version, "description": format!("{name} {version}"), "main": "index.js", "license": "MIT"});
        std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(&manifest).expect("JSON"))
            .expect("cannot write package.json");
        std::fs::write(dir.join("index.js"), "module.exports = 42;\n").expect("cannot write index.js");
        self.npm(&dir, &["publish"])
    }
}

/// The admin installs `reader-demo@1.0.0` through `app`; `reader`, allowed only to read `app`,
/// installs it too, but not 2.0.0, which would be pulled from upstream (403 naming
/// `ReadFromUpstream`, nothing pulled), until the policy allows `codeartifact:ReadFromUpstream`;
/// a policy over 7,168 characters is refused and changes nothing.
async fn npm_reader(backend: Backend) {
    let fixture = NpmFixture::with(npm_packs());
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    let packages = Packages::new(&sdk, DOMAIN, PackageFormat::Npm);
    let admin_token = app_chain(&sdk, "public:npmjs").await;
    NpmClient::admin(&server, "app", &admin_token).installs(NPM_PACKAGE, "1.0.0");
    assert_eq!(packages.version_numbers("app", NPM_PACKAGE).await, ["1.0.0"]);

    // A principal no policy names gets no token.
    let reader = create_principal(&server, "reader");
    assert_no_token(&server, &reader);
    let policies = Policies::new(&server);
    policies.set(Target::Domain, &domain_policy(&["reader"]), None);
    let read_only = read_policy(&["reader"], &[]);
    let revision = policies.set(Target::Repository("app"), &read_only, None);

    // What `app` holds installs; what it would pull from upstream does not.
    let npm = NpmClient::login(&server, "app", &reader);
    npm.installs(NPM_PACKAGE, "1.0.0");
    let (_, refused) = npm.install(&format!("{NPM_PACKAGE}@2.0.0"));
    refused.fails(&["E403", "ReadFromUpstream"]);
    assert_not_pulled(&packages, NPM_PACKAGE, "2.0.0").await;

    // Allowed `ReadFromUpstream` (the policy put again at its revision), the same token pulls it.
    let reads_upstream = read_policy(&["reader"], &[READ_FROM_UPSTREAM]);
    let revision = policies.set(Target::Repository("app"), &reads_upstream, Some(&revision));
    npm.installs(NPM_PACKAGE, "2.0.0");
    assert_eq!(packages.version_numbers("app", NPM_PACKAGE).await, ["1.0.0", "2.0.0"]);

    assert_oversized_refused(&policies, "reader", &reads_upstream, &revision);
}

/// `publisher`, allowed `PublishPackageVersion` on `package/acme/app/*`, publishes with `npm
/// publish`; `reader`, allowed to read only, gets a 403 naming the action but installs what was
/// published; an explicit Deny in the domain policy stops the publisher, though the repository
/// policy still allows it.
async fn publisher_and_reader_npm(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let packages = Packages::new(&sdk, DOMAIN, PackageFormat::Npm);
    create_domain(&sdk, DOMAIN).await;
    create_repository(&sdk, DOMAIN, "app", &[]).await;
    let publisher = create_principal(&server, "publisher");
    let reader = create_principal(&server, "reader");
    let policies = Policies::new(&server);
    let both = ["publisher", "reader"];
    let domain_revision = policies.set(Target::Domain, &domain_policy(&both), None);
    let packages_arn = format!("arn:aws:codeartifact:us-east-1:{ACCOUNT}:package/{DOMAIN}/app/*");
    let repository_policy = policy(vec![
        statement("Allow", &["publisher"], &["codeartifact:PublishPackageVersion"], &packages_arn),
        statement("Allow", &both, &READ_ACTIONS, "*"),
    ]);
    policies.set(Target::Repository("app"), &repository_policy, None);

    let publishing = NpmClient::login(&server, "app", &publisher);
    publishing.publish("@acme/tool", "1.0.0").ok();
    let versions = packages.versions("app", "@acme/tool", None).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0].version(), "1.0.0");
    assert_eq!(versions[0].origin().and_then(|o| o.origin_type()).map(|t| t.as_str()), Some("INTERNAL"));

    // The reader reads, and may not publish.
    let reading = NpmClient::login(&server, "app", &reader);
    reading.publish("@acme/tool", "1.1.0").fails(&["E403", "codeartifact:PublishPackageVersion"]);
    reading.installs("@acme/tool", "1.0.0");
    assert_eq!(packages.version_numbers("app", "@acme/tool").await, ["1.0.0"]);

    // An explicit Deny in the domain policy wins over the repository policy's Allow.
    let mut denying = domain_policy(&both);
    denying["Statement"].as_array_mut().expect("statements").push(statement(
        "Deny",
        &["publisher"],
        &["codeartifact:PublishPackageVersion"],
        "*",
    ));
    policies.set(Target::Domain, &denying, Some(&domain_revision));
    publishing.publish("@acme/tool", "1.2.0").fails(&["E403", "codeartifact:PublishPackageVersion", "denies"]);
    assert_eq!(packages.version_numbers("app", "@acme/tool").await, ["1.0.0"]);
    publishing.installs("@acme/tool", "1.0.0");
}

// ---------------------------------------------------------------------------------------------
// pip.

/// The fixture's PyPI project.
const PYPI_PROJECT: &str = "fixture-gate";

/// Prints `name==__version__` of the module of the project named on the command line.
const IMPORT_VERSION: &str = r#"
import re, sys
module = __import__(re.sub(r"[-_.]+", "_", sys.argv[1]).lower())
print(f"{sys.argv[1]}=={module.__version__}")
"#;

/// A client machine for pip: a HOME whose pip configuration names the index.
struct PipClient {
    home: tempfile::TempDir,
    who: String,
    made: Cell<u32>,
}

impl PipClient {
    /// pip with the admin's `token` in the index URL of `repository`, written to `pip.conf`.
    fn admin(server: &TestServer, repository: &str, token: &str) -> Self {
        let home = tempfile::Builder::new().prefix("pip-admin-").tempdir().expect("cannot make a temp HOME");
        let index = format!("http://aws:{token}@127.0.0.1:{}/pypi/{DOMAIN}/{repository}/simple/", server.port());
        let config = home.path().join(".config/pip");
        std::fs::create_dir_all(&config).expect("cannot make pip's configuration folder");
        std::fs::write(config.join("pip.conf"), format!("[global]\nindex-url = {index}\n")).expect("pip.conf");
        Self { home, who: "admin".to_owned(), made: Cell::new(0) }
    }

    /// pip configured by `aws codeartifact login --tool pip` run as `principal`.
    fn login(server: &TestServer, repository: &str, principal: &Principal) -> Self {
        let home = tempfile::Builder::new()
            .prefix(&format!("pip-{}-", principal.name))
            .tempdir()
            .expect("cannot make a temp HOME");
        let args = ["login", "--tool", "pip", "--domain", DOMAIN, "--repository", repository];
        let aws = python_tool_with("aws", home.path(), PythonConfig::FromHome);
        let login = aws_as_principal(server, aws, home.path(), principal, &args).ok();
        let endpoint = format!("{}/pypi/{DOMAIN}/{repository}/", server.url());
        assert_mentions(&login.stdout, &["Successfully configured pip", &endpoint]);
        Self { home, who: principal.name.clone(), made: Cell::new(0) }
    }

    /// `pip install REQUIREMENT` into a fresh virtualenv: its `bin` directory and the run.
    fn install(&self, requirement: &str) -> (PathBuf, Run) {
        let n = self.made.get() + 1;
        self.made.set(n);
        let venv = fresh_venv(&self.home.path().join(format!("venv-{n}")));
        let mut command = python_tool_with("pip", self.home.path(), PythonConfig::FromHome);
        command.arg("--python").arg(venv.join("python")).args(["install", requirement]);
        (venv.clone(), run(command, &format!("pip install {requirement} (as {})", self.who)))
    }

    /// `pip install NAME==VERSION`, which must work and install that version.
    #[track_caller]
    fn installs(&self, name: &str, version: &str) {
        let requirement = format!("{name}=={version}");
        let (venv, installed) = self.install(&requirement);
        installed.ok();
        let mut command = python_command(venv.join("python"), self.home.path(), PythonConfig::Isolated);
        command.arg("-c").arg(IMPORT_VERSION).arg(name);
        let imported = run(command, &format!("python -c IMPORT {name}")).ok();
        assert_eq!(imported.stdout.trim(), requirement, "`pip install {requirement}` installed another version");
    }
}

/// The admin installs `fixture-gate==1.0` through `app`; `reader`, allowed only to read `app`,
/// installs it too, but not 2.0 (403 naming `ReadFromUpstream`, nothing pulled), until the
/// policy allows `codeartifact:ReadFromUpstream`.
async fn pip_reader(backend: Backend) {
    let fixture = PypiFixture::with(&[
        build_wheel(&DistSpec::new(PYPI_PROJECT, "1.0")),
        build_wheel(&DistSpec::new(PYPI_PROJECT, "2.0")),
    ]);
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_PYPI_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    let packages = Packages::new(&sdk, DOMAIN, PackageFormat::Pypi);
    let admin_token = app_chain(&sdk, "public:pypi").await;
    PipClient::admin(&server, "app", &admin_token).installs(PYPI_PROJECT, "1.0");
    assert_eq!(packages.version_numbers("app", PYPI_PROJECT).await, ["1.0"]);

    let reader = create_principal(&server, "reader");
    assert_no_token(&server, &reader);
    let policies = Policies::new(&server);
    policies.set(Target::Domain, &domain_policy(&["reader"]), None);
    let revision = policies.set(Target::Repository("app"), &read_policy(&["reader"], &[]), None);

    let pip = PipClient::login(&server, "app", &reader);
    pip.installs(PYPI_PROJECT, "1.0");
    let (_, refused) = pip.install(&format!("{PYPI_PROJECT}==2.0"));
    refused.fails(&["403", "ReadFromUpstream"]);
    assert_not_pulled(&packages, PYPI_PROJECT, "2.0").await;

    let reads_upstream = read_policy(&["reader"], &[READ_FROM_UPSTREAM]);
    policies.set(Target::Repository("app"), &reads_upstream, Some(&revision));
    pip.installs(PYPI_PROJECT, "2.0");
    assert_eq!(packages.version_numbers("app", PYPI_PROJECT).await, ["1.0", "2.0"]);
}

// ---------------------------------------------------------------------------------------------
// mvn.

/// The group of the fixture's Maven artifact.
const MAVEN_GROUP: &str = "com.example.upstream";
/// The fixture's Maven artifact.
const MAVEN_ARTIFACT: &str = "widget";
/// The plugin goal that downloads one artifact, fully qualified (no plugin metadata to resolve).
const DEPENDENCY_GET: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.5.0:get";

/// Adds `widget` `version` (a POM and a jar) to the fixture.
fn add_widget(fixture: &MavenFixture, version: &str) {
    let pom = format!(
        "<project><modelVersion>4.0.0</modelVersion><groupId>{MAVEN_GROUP}</groupId>\
         <artifactId>{MAVEN_ARTIFACT}</artifactId><version>{version}</version><packaging>jar</packaging></project>"
    );
    fixture.add_file(&maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, version, None, "pom"), pom);
    let manifest = format!("Manifest-Version: 1.0\nImplementation-Version: {version}\n");
    let jar = zip_of(&[("META-INF/MANIFEST.MF", manifest.as_bytes())]);
    fixture.add_file(&maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, version, None, "jar"), jar);
}

/// A client machine for mvn: a HOME, and a settings.xml mirroring everything by one repository
/// with a token.
struct MavenClient {
    work: tempfile::TempDir,
    settings: PathBuf,
    who: String,
    made: Cell<u32>,
}

impl MavenClient {
    /// mvn pointed at `repository` with `token`, run by `who`.
    fn new(server: &TestServer, repository: &str, token: &str, who: &str) -> Self {
        let work = tempfile::Builder::new().prefix(&format!("mvn-{who}-")).tempdir().expect("cannot make a temp dir");
        let settings = work.path().join("settings.xml");
        maven_settings(&settings, &format!("{}/maven/{DOMAIN}/{repository}/", server.url()), "aws", token);
        Self { work, settings, who: who.to_owned(), made: Cell::new(0) }
    }

    /// `mvn -C dependency:get` of `widget` `version` in an empty folder with a fresh local
    /// repository: the local repository and the run.
    fn get(&self, version: &str) -> (PathBuf, Run) {
        let n = self.made.get() + 1;
        self.made.set(n);
        let local_repo = self.work.path().join(format!("m2-{n}"));
        let dir = self.work.path().join(format!("dir-{n}"));
        std::fs::create_dir_all(&dir).expect("cannot make a work folder");
        let artifact = format!("-Dartifact={MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}");
        let mut command = mvn_command(&self.work.path().join("home"), &self.settings, &local_repo);
        command.current_dir(&dir).args(["-C", DEPENDENCY_GET, &artifact]);
        (local_repo, run(command, &format!("mvn dependency:get {artifact} (as {})", self.who)))
    }

    /// `mvn dependency:get` of `widget` `version`, which must work and download its jar.
    #[track_caller]
    fn gets(&self, version: &str) {
        let (local_repo, got) = self.get(version);
        got.ok();
        let jar = local_repo.join(maven_path(MAVEN_GROUP, MAVEN_ARTIFACT, version, None, "jar"));
        assert!(jar.is_file(), "`mvn dependency:get` of {version} downloaded no `{}`", jar.display());
    }
}

/// The admin downloads `widget` 1.0 through `app` with `mvn dependency:get` (the plugin and its
/// dependencies come through `app` too); `reader`, allowed only to read `app`, downloads it as
/// well, but not 2.0 (mvn prints the 403 and its reason, naming `ReadFromUpstream`; nothing
/// pulled), until the policy allows `codeartifact:ReadFromUpstream`.
async fn maven_reader(backend: Backend) {
    let fixture = MavenFixture::start();
    add_widget(&fixture, "1.0");
    add_widget(&fixture, "2.0");
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    let packages = Packages::new(&sdk, DOMAIN, PackageFormat::Maven);
    let widget = format!("{MAVEN_GROUP}:{MAVEN_ARTIFACT}");
    let admin_token = app_chain(&sdk, "public:maven-central").await;
    MavenClient::new(&server, "app", &admin_token, "admin").gets("1.0");
    assert_eq!(packages.version_numbers("app", &widget).await, ["1.0"]);

    let reader = create_principal(&server, "reader");
    assert_no_token(&server, &reader);
    let policies = Policies::new(&server);
    policies.set(Target::Domain, &domain_policy(&["reader"]), None);
    let revision = policies.set(Target::Repository("app"), &read_policy(&["reader"], &[]), None);

    let mvn = MavenClient::new(&server, "app", &token_of(&server, &reader), "reader");
    mvn.gets("1.0");
    let (_, refused) = mvn.get("2.0");
    refused.fails(&["403", "ReadFromUpstream"]);
    assert_not_pulled(&packages, &widget, "2.0").await;

    let reads_upstream = read_policy(&["reader"], &[READ_FROM_UPSTREAM]);
    policies.set(Target::Repository("app"), &reads_upstream, Some(&revision));
    mvn.gets("2.0");
    assert_eq!(packages.version_numbers("app", &widget).await, ["1.0", "2.0"]);
}
