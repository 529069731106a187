//! Access control (issue 14) as one table, on SQLite and PostgreSQL: each case is who knocks
//! (nobody, a principal's access keys signing with SigV4 as given, a bearer token, HTTP Basic),
//! through which door (the control plane, the npm endpoint, the real `aws codeartifact` CLI, the
//! `tributary principal` CLI), and what must come back: the status, the error type, words of the
//! message. Every refusal must be a clean 401/403 in its door's protocol (`x-amzn-ErrorType` and
//! a JSON `message` on the control plane; npm's `{"error": ...}` and, for 401, a
//! `WWW-Authenticate` challenge) and carry no package data (no tarball, no manifest, no digest of
//! any version), and no answer ever shows a principal's secret key (but the one it issues).
//!
//! The world, made once per backend: domain `acme` with `release` → `store` → `gateway` (the
//! external connection `public:npmjs`, a fixture registry serving `remote-lib` 1.0.0, 2.0.0 and 3.0.0),
//! `vault` (its policy allows one principal), `open` → `store` (made public by a case); domain
//! `other` with `misc`. `store` holds `stored-lib` 1.0.0 and 1.1.0, published; `release` holds
//! 1.0.0 already (the admin pulled it). Principals, made through the API (and `publisher`
//! through `tributary principal create`): `reader` (ReadFromRepository), `collaborator`
//! (+ ReadFromUpstream), `publisher` (+ PublishPackageVersion on `release`), `denied` (allowed,
//! then denied), `solo` (only `vault`'s policy names it), `outsider` (nothing in `acme`),
//! `rotated` and `doomed` (whose key is rotated and who is deleted). The policies are put with
//! the aws CLI.
//!
//! The cases run in order (some change what later ones see): SigV4 (no signature, a replayed
//! one, another region's, another service's, `UNSIGNED-PAYLOAD`, a tampered one, a wrong secret,
//! an unknown key, a body swapped after signing); tokens (none, expired, tampered, signed by
//! another key, another domain's, the admin's of another domain); reading, pulling from upstream
//! (ReadFromUpstream) and publishing as each principal; Deny over Allow (in the domain's policy,
//! and a repository's Deny over the domain's Allow), a Deny naming the admin; a repository
//! policy granting one principal; the principal forms `"*"`, an account and its root; admin-only
//! operations; policies (stale revisions, exactly 7,168 characters (also of more bytes) and
//! 7,169, bad documents, none set, deleting one takes its grants away at once); public
//! repositories (anonymous reads, no pulls but through `"Principal": "*"`, the documented
//! exception, no publishing); principals (duplicate and bad names, `--admin`, a rotated key, a
//! deleted principal's key and tokens); and, last, trusted publishing: OIDC tokens of a fixture
//! issuer with a wrong audience, issuer, claim (the rule's glob), expiry or signature, and a good
//! one that publishes where it may and nowhere else, until its trusted publisher is narrowed to
//! another repository (the token narrows with it) and then deleted.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tributary_tests::npm_fixture::{NpmFixture, Packed, honest_body, integrity_of, sha1_hex, tgz};
use tributary_tests::oidc_fixture::{OidcIssuer, claims_of, sign_hs256};
use tributary_tests::scenario::server_with_upstream;
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, Backend, REGION, TestServer, create_domain, create_repository,
    on_both_backends, token_for, tributary_bin,
};

on_both_backends!(access_matrix);

/// The server's account id (its default), as ARNs name it.
const OWNER: &str = "000000000000";

/// The ARN of a CodeArtifact resource of `acme`'s account: `domain/acme`, `repository/acme/x`.
fn arn(resource: &str) -> String {
    format!("arn:aws:codeartifact:{REGION}:{OWNER}:{resource}")
}

/// The ARN policies name a principal by.
fn user(name: &str) -> String {
    format!("arn:aws:iam::{OWNER}:user/{name}")
}

/// An access key.
#[derive(Debug, Clone)]
struct Keys {
    id: String,
    secret: String,
}

/// How a request is signed with SigV4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sig {
    /// As the aws CLI signs, now.
    Normal,
    /// Twenty minutes ago: a replayed request.
    Stale,
    /// For another region than the server's.
    Region(&'static str),
    /// With `x-amz-content-sha256: UNSIGNED-PAYLOAD`.
    UnsignedPayload,
    /// Properly, then one hex digit of the signature changed.
    Tampered,
    /// With the access key id, but another secret.
    WrongSecret,
    /// For another service than `codeartifact`.
    Service(&'static str),
    /// Over an empty JSON object, then sent with the case's body.
    BodySwapped,
}

/// Who knocks.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// Nobody: no credentials.
    Nobody,
    /// The named principal's access keys, signing as said.
    Signed(&'static str, Sig),
    /// `Authorization: Bearer` with the named token.
    Bearer(&'static str),
    /// HTTP Basic, any user, the named token as the password.
    Basic(&'static str),
}

/// What is sent.
#[derive(Debug, Clone)]
enum Send {
    /// An HTTP request (a JSON body when not empty).
    Http { method: &'static str, path: String, body: Vec<u8> },
    /// `aws codeartifact ARGS...` with the keys of [`Who::Signed`].
    Aws(Vec<String>),
    /// `tributary principal ARGS... --endpoint-url URL` with the keys of [`Who::Signed`].
    PrincipalCli(Vec<String>),
}

/// One case of the table.
#[derive(Debug)]
struct Case {
    name: String,
    who: Who,
    send: Send,
    /// The HTTP status; for the aws CLI, 200 means it succeeds and anything else that it fails.
    status: u16,
    /// The error type (`x-amzn-ErrorType`, or the one the aws CLI prints).
    error: Option<&'static str>,
    /// Words the answer (body, or the CLI's output) must hold.
    says: Vec<String>,
    /// The exact body the answer must have.
    body_is: Option<Vec<u8>>,
    /// Keep the access key the answer issues under this name.
    keep_keys: Option<&'static str>,
    /// Keep the `authorizationToken` of the answer under this name.
    keep_token: Option<&'static str>,
}

fn http(name: &str, who: Who, method: &'static str, path: impl Into<String>, status: u16) -> Case {
    Case {
        name: name.to_owned(),
        who,
        send: Send::Http { method, path: path.into(), body: Vec::new() },
        status,
        error: None,
        says: Vec::new(),
        body_is: None,
        keep_keys: None,
        keep_token: None,
    }
}

/// `aws codeartifact ARGS` as `keys`; `error` is the error type it must fail with (`None`: succeeds).
fn aws(name: &str, keys: &'static str, args: &[&str], error: Option<&'static str>) -> Case {
    let mut case = http(name, Who::Signed(keys, Sig::Normal), "", "", if error.is_some() { 0 } else { 200 });
    case.send = Send::Aws(args.iter().map(|a| (*a).to_owned()).collect());
    case.error = error;
    case
}

/// `tributary principal ARGS` as `keys`.
fn principal_cli(name: &str, keys: &'static str, args: &[&str], status: u16) -> Case {
    let mut case = http(name, Who::Signed(keys, Sig::Normal), "", "", status);
    case.send = Send::PrincipalCli(args.iter().map(|a| (*a).to_owned()).collect());
    case
}

impl Case {
    fn json(mut self, value: &Value) -> Self {
        if let Send::Http { body, .. } = &mut self.send {
            *body = serde_json::to_vec(value).expect("JSON");
        }
        self
    }

    fn error(mut self, error: &'static str) -> Self {
        self.error = Some(error);
        self
    }

    fn says(mut self, parts: &[&str]) -> Self {
        self.says.extend(parts.iter().map(|p| (*p).to_owned()));
        self
    }

    fn body_is(mut self, bytes: &[u8]) -> Self {
        self.body_is = Some(bytes.to_vec());
        self
    }

    fn keep_keys(mut self, name: &'static str) -> Self {
        self.keep_keys = Some(name);
        self
    }

    fn keep_token(mut self, name: &'static str) -> Self {
        self.keep_token = Some(name);
        self
    }
}

/// What came back.
#[derive(Debug)]
struct Outcome {
    /// The HTTP status (the aws CLI: 200 when it succeeded, 0 when it failed).
    status: u16,
    error: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
    /// The body as text, or the CLI's standard output and error.
    text: String,
}

/// A version of an npm package the tests make: its tarball and what only its readers may see.
#[derive(Debug, Clone)]
struct Version {
    name: &'static str,
    version: &'static str,
    tarball: Vec<u8>,
}

impl Version {
    fn new(name: &'static str, version: &'static str) -> Self {
        let manifest = json!({ "name": name, "version": version, "description": description(name, version) });
        let source = format!("module.exports = {:?};\n", secret_source(name, version));
        let tarball =
            tgz(&[("package/package.json", manifest.to_string().as_bytes()), ("package/index.js", source.as_bytes())]);
        Self { name, version, tarball }
    }

    /// As the fixture registry serves it.
    fn packed(&self) -> Packed {
        Packed {
            name: self.name.to_owned(),
            version: self.version.to_owned(),
            manifest: json!({
                "name": self.name,
                "version": self.version,
                "description": description(self.name, self.version),
            }),
            tarball: self.tarball.clone(),
        }
    }

    /// What `npm publish` sends.
    fn publish_body(&self) -> Value {
        let mut body = honest_body(self.name, self.version, &self.tarball);
        body["versions"][self.version]["description"] = json!(description(self.name, self.version));
        body
    }

    /// Its tarball below a repository's npm endpoint.
    fn tarball_path(&self) -> String {
        format!("{}/-/{}-{}.tgz", self.name, self.name, self.version)
    }

    /// What no refusal may show of it.
    fn secrets(&self) -> Vec<String> {
        vec![description(self.name, self.version), integrity_of(&self.tarball), sha1_hex(&self.tarball)]
    }
}

fn description(name: &str, version: &str) -> String {
    format!("the manifest of {name}@{version}, for readers only")
}

fn secret_source(name: &str, version: &str) -> String {
    format!("the code of {name}@{version}")
}

/// The npm endpoint of `acme/{repository}`, then `tail`.
fn npm(repository: &str, tail: &str) -> String {
    format!("/npm/acme/{repository}/{tail}")
}

/// A request to `path` signed with SigV4 by `keys` as `sig` says.
fn sigv4(server: &TestServer, keys: &Keys, method: &str, path: &str, body: &[u8], sig: Sig) -> reqwest::RequestBuilder {
    use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;

    let url = format!("{}{path}", server.url());
    let secret = if sig == Sig::WrongSecret { format!("{}0", keys.secret) } else { keys.secret.clone() };
    let identity = aws_credential_types::Credentials::new(&keys.id, &secret, None, None, "access-matrix").into();
    let mut settings = SigningSettings::default();
    if sig == Sig::UnsignedPayload {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let region = match sig {
        Sig::Region(region) => region,
        _ => REGION,
    };
    let time = match sig {
        Sig::Stale => SystemTime::now() - Duration::from_secs(20 * 60),
        _ => SystemTime::now(),
    };
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(match sig {
            Sig::Service(service) => service,
            _ => "codeartifact",
        })
        .time(time)
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    let headers = [("content-type", "application/json")];
    let signable_body = match sig {
        Sig::UnsignedPayload => SignableBody::UnsignedPayload,
        Sig::BodySwapped => SignableBody::Bytes(b"{}"),
        _ => SignableBody::Bytes(body),
    };
    let signable = SignableRequest::new(method, &url, headers.into_iter(), signable_body).expect("a signable request");
    let (instructions, _) = sign(signable, &params).expect("signing works").into_parts();
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
    let mut request =
        server.http().request(method, &url).header("content-type", "application/json").body(body.to_vec());
    for (name, value) in instructions.headers() {
        let mut value = value.to_owned();
        if sig == Sig::Tampered && name.eq_ignore_ascii_case("authorization") {
            let last = value.pop().expect("a signature");
            value.push(if last == '0' { '1' } else { '0' });
        }
        request = request.header(name, value);
    }
    request
}

/// The world the cases run in.
struct World {
    server: TestServer,
    keys: HashMap<&'static str, Keys>,
    tokens: HashMap<&'static str, String>,
    /// Policy revisions, by name.
    revisions: HashMap<&'static str, String>,
    /// What no refusal may show: manifests and digests of every version.
    package_secrets: Vec<String>,
    /// The tarballs, which no refusal may hold.
    tarballs: Vec<Vec<u8>>,
    /// Policy documents and assets, for the CLIs.
    dir: tempfile::TempDir,
    /// The registry behind `public:npmjs` (dropped after the server).
    _registry: NpmFixture,
    /// The CI provider `acme` trusts, and one it does not.
    issuer: OidcIssuer,
    stranger: OidcIssuer,
}

impl World {
    fn keys(&self, name: &str) -> &Keys {
        self.keys.get(name).unwrap_or_else(|| panic!("no keys named `{name}`"))
    }

    fn token(&self, name: &str) -> &str {
        self.tokens.get(name).unwrap_or_else(|| panic!("no token named `{name}`"))
    }

    fn revision(&self, name: &str) -> &str {
        self.revisions.get(name).unwrap_or_else(|| panic!("no revision named `{name}`"))
    }

    /// Writes `document` to a file and returns `file://PATH`, for `--policy-document`.
    fn policy_file(&self, name: &str, document: &str) -> String {
        let path = self.dir.path().join(format!("{name}.json"));
        std::fs::write(&path, document).expect("a policy file");
        format!("file://{}", path.display())
    }

    /// Sends an admin request signed with SigV4 that must succeed; its JSON answer.
    async fn admin(&self, method: &str, path: &str, body: &Value) -> Value {
        let bytes = if body.is_null() { Vec::new() } else { serde_json::to_vec(body).expect("JSON") };
        let response = sigv4(&self.server, self.keys("admin"), method, path, &bytes, Sig::Normal)
            .send()
            .await
            .unwrap_or_else(|e| panic!("`{method} {path}` was not answered: {e}\n{}", self.server.diagnose()));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "`{method} {path}` as the admin: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("`{method} {path}` answered no JSON ({e}): {text}"))
    }

    /// A token of `domain` for the principal `keys`, from GetAuthorizationToken signed with them.
    async fn token_of(&self, keys: &str, domain: &str) -> String {
        let path = format!("/v1/authorization-token?domain={domain}");
        let response = sigv4(&self.server, self.keys(keys), "POST", &path, b"", Sig::Normal)
            .send()
            .await
            .expect("GetAuthorizationToken is answered");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "a token of `{domain}` for `{keys}`: {text}");
        let answer: Value = serde_json::from_str(&text).expect("JSON");
        answer["authorizationToken"].as_str().expect("a token").to_owned()
    }

    /// Publishes `version` into `domain/repository` with the npm endpoint, with `token`.
    async fn npm_publish(&self, token: &str, domain: &str, repository: &str, version: &Version) {
        let url = format!("{}/npm/{domain}/{repository}/{}", self.server.url(), version.name);
        let response = self
            .server
            .http()
            .put(&url)
            .bearer_auth(token)
            .json(&version.publish_body())
            .send()
            .await
            .expect("answered");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "publish {}@{} to {domain}/{repository}: {text}", version.name, version.version);
    }

    /// Runs `aws codeartifact ARGS` as the admin; it must succeed.
    fn aws_admin(&self, args: &[&str]) -> Value {
        self.server.aws(args).ok()
    }

    /// Sends `case` and returns what came back.
    async fn send(&self, case: &Case) -> Outcome {
        match &case.send {
            Send::Http { method, path, body } => {
                let request = match case.who {
                    Who::Signed(name, sig) => sigv4(&self.server, self.keys(name), method, path, body, sig),
                    who => {
                        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
                        let mut request = self.server.http().request(method, format!("{}{path}", self.server.url()));
                        if !body.is_empty() {
                            request = request.header("content-type", "application/json").body(body.clone());
                        }
                        match who {
                            Who::Bearer(token) => request.bearer_auth(self.token(token)),
                            Who::Basic(token) => request.basic_auth("aws", Some(self.token(token))),
                            _ => request,
                        }
                    }
                };
                let response =
                    request.timeout(Duration::from_secs(60)).send().await.unwrap_or_else(|e| {
                        panic!("`{}` was not answered: {e}\n{}", case.name, self.server.diagnose())
                    });
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                let error = headers
                    .get("x-amzn-errortype")
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.split(':').next().unwrap_or_default().to_owned());
                let text = String::from_utf8_lossy(&body).into_owned();
                Outcome { status, error, headers, body, text }
            }
            Send::Aws(args) => {
                let Who::Signed(name, Sig::Normal) = case.who else {
                    panic!("`{}`: the aws CLI signs with keys", case.name)
                };
                let keys = self.keys(name);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let run = self.server.aws_as(&keys.id, &keys.secret, &args);
                let error = run.stderr.split("An error occurred (").nth(1).and_then(|rest| rest.split(')').next());
                Outcome {
                    status: if run.status == 0 { 200 } else { 0 },
                    error: error.map(str::to_owned),
                    headers: reqwest::header::HeaderMap::new(),
                    body: run.stdout.clone().into_bytes(),
                    text: format!("{}\n{}", run.stdout, run.stderr),
                }
            }
            Send::PrincipalCli(args) => {
                let Who::Signed(name, Sig::Normal) = case.who else {
                    panic!("`{}`: the CLI signs with keys", case.name)
                };
                let keys = self.keys(name);
                let output = std::process::Command::new(tributary_bin())
                    .arg("principal")
                    .args(args)
                    .arg("--endpoint-url")
                    .arg(self.server.url())
                    .env_clear()
                    .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                    .env("AWS_ACCESS_KEY_ID", &keys.id)
                    .env("AWS_SECRET_ACCESS_KEY", &keys.secret)
                    .env("AWS_REGION", REGION)
                    .output()
                    .expect("`tributary principal` runs");
                let (stdout, stderr) =
                    (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
                // It prints the server's answer, or `the server refused it (403 Forbidden): ...`.
                let status = if output.status.success() {
                    200
                } else {
                    stderr
                        .split("refused it (")
                        .nth(1)
                        .and_then(|s| s.get(..3))
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0)
                };
                Outcome {
                    status,
                    error: None,
                    headers: reqwest::header::HeaderMap::new(),
                    body: output.stdout.clone(),
                    text: format!("{stdout}\n{stderr}"),
                }
            }
        }
    }

    /// What is wrong with `outcome` as the answer to `case` (nothing: empty).
    fn judge(&self, case: &Case, outcome: &Outcome) -> Vec<String> {
        let mut wrong = Vec::new();
        let refused = case.status != 200 && case.status != 201;
        match case.send {
            Send::Aws(_) if (outcome.status == 200) != (case.status == 200) => {
                wrong.push(format!("the aws CLI {}", if outcome.status == 200 { "succeeded" } else { "failed" }))
            }
            Send::Aws(_) => {}
            _ if outcome.status != case.status => wrong.push(format!("status {}, not {}", outcome.status, case.status)),
            _ => {}
        }
        if let Some(error) = case.error
            && outcome.error.as_deref() != Some(error)
        {
            wrong.push(format!("error type {:?}, not {error}", outcome.error));
        }
        for part in &case.says {
            if !outcome.text.contains(part.as_str()) {
                wrong.push(format!("no `{part}` in the answer"));
            }
        }
        if let Some(expected) = &case.body_is
            && &outcome.body != expected
        {
            wrong.push(format!("a body of {} bytes, not the {} expected", outcome.body.len(), expected.len()));
        }
        // No answer shows a secret key, but the one it issues.
        for (name, keys) in &self.keys {
            if outcome.text.contains(&keys.secret) {
                wrong.push(format!("the answer shows the secret key of `{name}`"));
            }
        }
        if refused {
            for secret in &self.package_secrets {
                if outcome.text.contains(secret.as_str()) {
                    wrong.push(format!("the refusal shows package data: `{secret}`"));
                }
            }
            for tarball in &self.tarballs {
                if outcome.body.windows(tarball.len()).any(|w| w == tarball.as_slice()) {
                    wrong.push("the refusal holds a tarball".to_owned());
                }
            }
            if let Send::Http { method, path, .. } = &case.send {
                wrong.extend(protocol_problems(method, path, outcome));
            }
        }
        wrong
    }

    /// Keeps what `case` asked to keep of its (successful) `outcome`.
    fn keep(&mut self, case: &Case, outcome: &Outcome) {
        if outcome.status != 200 {
            return;
        }
        let answer: Value = serde_json::from_slice(&outcome.body).unwrap_or(Value::Null);
        if let Some(name) = case.keep_keys {
            let id = answer["principal"]["accessKeyId"].as_str();
            let secret = answer["secretAccessKey"].as_str();
            if let (Some(id), Some(secret)) = (id, secret) {
                self.keys.insert(name, Keys { id: id.to_owned(), secret: secret.to_owned() });
            }
        }
        if let Some(name) = case.keep_token
            && let Some(token) = answer["authorizationToken"].as_str()
        {
            self.tokens.insert(name, token.to_owned());
        }
    }
}

/// What is wrong with a refusal of the request to `path` in its door's protocol.
fn protocol_problems(method: &str, path: &str, outcome: &Outcome) -> Vec<String> {
    let mut wrong = Vec::new();
    if !matches!(outcome.status, 400..=499) {
        return vec![format!("a refusal with status {}", outcome.status)];
    }
    if method == "HEAD" {
        // No body: the status says it all.
        return wrong;
    }
    let json: Option<Value> = serde_json::from_slice(&outcome.body).ok();
    if path.starts_with("/v1/") {
        if outcome.headers.get("x-amzn-errortype").is_none() {
            wrong.push("a control-plane refusal without `x-amzn-ErrorType`".to_owned());
        }
        if !json.as_ref().is_some_and(|j| j["message"].is_string()) {
            wrong.push("a control-plane refusal without a JSON `message`".to_owned());
        }
    } else {
        let content_type = outcome.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !content_type.starts_with("application/json") || !json.as_ref().is_some_and(|j| j["error"].is_string()) {
            wrong.push(format!("an npm refusal that is not `{{\"error\": ...}}` ({content_type})"));
        }
        if outcome.status == 401 && outcome.headers.get("www-authenticate").is_none() {
            wrong.push("a 401 without `WWW-Authenticate`".to_owned());
        }
    }
    wrong
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    let since = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("after 1970");
    i64::try_from(since.as_secs()).expect("a sane clock")
}

/// The policy of `acme`: who may do what.
fn acme_policy() -> Value {
    let users = |names: &[&str]| names.iter().map(|n| user(n)).collect::<Vec<_>>();
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Tokens",
                "Effect": "Allow",
                "Principal": {
                    "AWS": users(&["reader", "collaborator", "publisher", "denied", "solo", "rotated", "doomed"]),
                },
                "Action": "codeartifact:GetAuthorizationToken",
                "Resource": arn("domain/acme"),
            },
            {
                "Sid": "Read",
                "Effect": "Allow",
                "Principal": { "AWS": users(&["reader", "collaborator", "publisher", "denied", "doomed"]) },
                "Action": ["codeartifact:ReadFromRepository", "codeartifact:DescribeRepository"],
                "Resource": [arn("repository/acme/release"), arn("repository/acme/store"), arn("repository/acme/open")],
            },
            {
                "Sid": "Upstream",
                "Effect": "Allow",
                "Principal": { "AWS": users(&["collaborator", "publisher"]) },
                "Action": "codeartifact:ReadFromUpstream",
                "Resource": arn("repository/acme/*"),
            },
            {
                "Sid": "Publish",
                "Effect": "Allow",
                "Principal": { "AWS": user("publisher") },
                "Action": "codeartifact:PublishPackageVersion",
                "Resource": arn("package/acme/release/*"),
            },
            {
                "Sid": "Build",
                "Effect": "Allow",
                "Principal": { "AWS": user("collaborator") },
                "Action": ["codeartifact:CreateRepository", "codeartifact:AssociateWithDownstreamRepository"],
                "Resource": [arn("repository/acme/scratch-*"), arn("repository/acme/release")],
            },
            {
                "Sid": "NoReading",
                "Effect": "Deny",
                "Principal": { "AWS": [user("denied"), user("admin")] },
                "Action": "codeartifact:ReadFromRepository",
                "Resource": "*",
            },
        ],
    })
}

/// A policy of one statement.
fn one_statement(sid: &str, effect: &str, principal: Value, action: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Sid": sid, "Effect": effect, "Principal": principal, "Action": action }],
    })
}

/// `vault`'s policy: `solo`, and no one else.
fn vault_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OnlySolo",
            "Effect": "Allow",
            "Principal": { "AWS": user("solo") },
            "Action": "codeartifact:ReadFromRepository",
            "Resource": arn("repository/acme/vault"),
        }],
    })
}

async fn access_matrix(backend: Backend) {
    let started = Instant::now();
    let mut world = setup(backend).await;
    let setup_took = started.elapsed();
    let cases: Vec<Case> = [cases(&world), trusted_publishing(&world)].into_iter().flatten().collect();
    assert!(cases.len() >= 40, "the table has {} cases", cases.len());
    let count = cases.len();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let outcome = world.send(case).await;
        let wrong = world.judge(case, &outcome);
        if !wrong.is_empty() {
            let mut answer = outcome.text.clone();
            answer.truncate(600);
            failures.push(format!("#{} {}: {}\n    answer: {answer}", i + 1, case.name, wrong.join("; ")));
        }
        world.keep(case, &outcome);
    }
    eprintln!(
        "access matrix on {backend:?}: {count} cases, {} failed; setup {setup_took:?}, all {:?}",
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{} of {count} cases failed on {backend:?}:\n{}", failures.len(), failures.join("\n"));
}

/// The world of the module documentation.
async fn setup(backend: Backend) -> World {
    let remote =
        [Version::new("remote-lib", "1.0.0"), Version::new("remote-lib", "2.0.0"), Version::new("remote-lib", "3.0.0")];
    let fixture = NpmFixture::with(&remote.iter().map(Version::packed).collect::<Vec<_>>());
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", &fixture.url(), &[]);
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    create_domain(&sdk, "other").await;
    create_repository(&sdk, "acme", "gateway", &[]).await;
    sdk.associate_external_connection()
        .domain("acme")
        .repository("gateway")
        .external_connection("public:npmjs")
        .send()
        .await
        .expect("associate public:npmjs with gateway");
    create_repository(&sdk, "acme", "store", &["gateway"]).await;
    create_repository(&sdk, "acme", "release", &["store"]).await;
    create_repository(&sdk, "acme", "vault", &[]).await;
    create_repository(&sdk, "acme", "open", &["store"]).await;
    create_repository(&sdk, "other", "misc", &[]).await;

    let mut world = World {
        server,
        keys: HashMap::new(),
        tokens: HashMap::new(),
        revisions: HashMap::new(),
        package_secrets: Vec::new(),
        tarballs: Vec::new(),
        dir: tempfile::tempdir().expect("a directory"),
        _registry: fixture,
        issuer: OidcIssuer::start([1; 32]),
        stranger: OidcIssuer::start([2; 32]),
    };
    world.keys.insert("admin", Keys { id: ADMIN_ACCESS_KEY_ID.to_owned(), secret: ADMIN_SECRET_ACCESS_KEY.to_owned() });
    world.keys.insert("nobody", Keys { id: "AKIDNOBODYATALL0000".to_owned(), secret: "no-secret-at-all".to_owned() });
    world.tokens.insert("admin", token_for(&sdk, "acme").await);
    world.tokens.insert("admin@other", token_for(&sdk, "other").await);

    // The packages.
    let stored = [Version::new("stored-lib", "1.0.0"), Version::new("stored-lib", "1.1.0")];
    let vault = Version::new("vault-lib", "1.0.0");
    let open = Version::new("open-lib", "1.0.0");
    let misc = Version::new("misc-lib", "1.0.0");
    let published =
        [Version::new("pub-lib", "1.0.0"), Version::new("ci-lib", "1.0.0"), Version::new("new-lib", "1.0.0")];
    for version in stored.iter().chain([&vault, &open, &misc]).chain(&published).chain(&remote) {
        world.package_secrets.extend(version.secrets());
        world.tarballs.push(version.tarball.clone());
    }
    let admin = world.token("admin").to_owned();
    for version in &stored {
        world.npm_publish(&admin, "acme", "store", version).await;
    }
    world.npm_publish(&admin, "acme", "vault", &vault).await;
    world.npm_publish(&admin, "acme", "open", &open).await;
    let admin_other = world.token("admin@other").to_owned();
    world.npm_publish(&admin_other, "other", "misc", &misc).await;
    // `release` holds stored-lib 1.0.0: the admin pulled it in.
    let url = format!("{}{}", world.server.url(), npm("release", &stored[0].tarball_path()));
    let pulled = world.server.http().get(&url).bearer_auth(&admin).send().await.expect("answered");
    assert_eq!(pulled.status(), 200, "the admin pulls stored-lib 1.0.0 into release");
    assert_eq!(pulled.bytes().await.expect("a tarball").as_ref(), stored[0].tarball.as_slice());

    // The principals: through the API, and `publisher` through `tributary principal create`.
    for name in ["reader", "collaborator", "denied", "outsider", "solo", "rotated", "doomed"] {
        let issued = world.admin("POST", "/v1/principal", &json!({ "name": name, "admin": false })).await;
        assert_eq!(issued["principal"]["arn"], user(name), "{issued}");
        assert_eq!(issued["principal"]["admin"], false, "{issued}");
        let keys = Keys {
            id: issued["principal"]["accessKeyId"].as_str().expect("an access key id").to_owned(),
            secret: issued["secretAccessKey"].as_str().expect("a secret").to_owned(),
        };
        world.keys.insert(name, keys);
    }
    let output = std::process::Command::new(tributary_bin())
        .args(["principal", "create", "publisher", "--endpoint-url", &world.server.url()])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY)
        .output()
        .expect("`tributary principal create` runs");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "`tributary principal create publisher`: {printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let issued: Value = serde_json::from_str(&printed).unwrap_or_else(|e| panic!("not JSON ({e}): {printed}"));
    assert_eq!(
        (issued["principal"]["arn"].as_str(), issued["principal"]["admin"].as_bool()),
        (Some(user("publisher").as_str()), Some(false)),
        "{issued}"
    );
    let publisher = Keys {
        id: issued["principal"]["accessKeyId"].as_str().expect("an access key id").to_owned(),
        secret: issued["secretAccessKey"].as_str().expect("a secret").to_owned(),
    };
    world.keys.insert("publisher", publisher);
    world.keys.insert("rotated-before", world.keys("rotated").clone());

    // The policies, with the aws CLI.
    let acme = world.policy_file("acme", &acme_policy().to_string());
    world.aws_admin(&["put-domain-permissions-policy", "--domain", "acme", "--policy-document", &acme]);
    let vault_doc = world.policy_file("vault", &vault_policy().to_string());
    let first = world.aws_admin(&[
        "put-repository-permissions-policy",
        "--domain",
        "acme",
        "--repository",
        "vault",
        "--policy-document",
        &vault_doc,
    ]);
    assert_eq!(first["policy"]["resourceArn"], arn("repository/acme/vault"), "{first}");
    let stale = first["policy"]["revision"].as_str().expect("a revision").to_owned();
    let second = world.aws_admin(&[
        "put-repository-permissions-policy",
        "--domain",
        "acme",
        "--repository",
        "vault",
        "--policy-document",
        &vault_doc,
        "--policy-revision",
        &stale,
    ]);
    let current = second["policy"]["revision"].as_str().expect("a revision").to_owned();
    assert_ne!(stale, current, "a put changes the revision");
    world.revisions.insert("vault-revision-stale", stale);
    world.revisions.insert("vault-revision", current);
    let everyone = one_statement("Endpoint", "Allow", json!("*"), "codeartifact:GetRepositoryEndpoint");
    let release_doc = world.policy_file("release", &everyone.to_string());
    let release = world.aws_admin(&[
        "put-repository-permissions-policy",
        "--domain",
        "acme",
        "--repository",
        "release",
        "--policy-document",
        &release_doc,
    ]);
    world.revisions.insert("release-revision", release["policy"]["revision"].as_str().expect("a revision").to_owned());
    let mut account = one_statement("Account", "Allow", json!({ "AWS": OWNER }), "codeartifact:GetAuthorizationToken");
    account["Statement"][0]["Resource"] = json!(arn("domain/other"));
    let other_doc = world.policy_file("other", &account.to_string());
    world.aws_admin(&["put-domain-permissions-policy", "--domain", "other", "--policy-document", &other_doc]);
    let root_of_account = json!({ "AWS": format!("arn:aws:iam::{OWNER}:root") });
    let root = one_statement("Root", "Allow", root_of_account, "codeartifact:ReadFromRepository");
    let misc_doc = world.policy_file("misc", &root.to_string());
    world.aws_admin(&[
        "put-repository-permissions-policy",
        "--domain",
        "other",
        "--repository",
        "misc",
        "--policy-document",
        &misc_doc,
    ]);

    // The tokens: each principal's own, and forged ones.
    for name in ["reader", "collaborator", "publisher", "denied", "solo", "doomed"] {
        let token = world.token_of(name, "acme").await;
        world.tokens.insert(name, token);
    }
    let outsider = world.token_of("outsider", "other").await;
    world.tokens.insert("outsider@other", outsider);
    let key = world.server.token_signing_key();
    let mut claims = claims_of(world.token("reader"));
    let now = unix_now();
    claims["iat"] = json!(now - 7200);
    claims["exp"] = json!(now - 3600);
    world.tokens.insert("expired", sign_hs256(&key, &claims));
    claims["iat"] = json!(now - 60);
    claims["exp"] = json!(now + 3600);
    world.tokens.insert("forged", sign_hs256(&key, &claims));
    world.tokens.insert("foreign", sign_hs256(&[7u8; 32], &claims));
    let reader_parts: Vec<&str> = world.token("reader").split('.').collect();
    let admin_parts: Vec<&str> = world.token("admin").split('.').collect();
    let tampered = format!("{}.{}.{}", reader_parts[0], admin_parts[1], reader_parts[2]);
    world.tokens.insert("tampered", tampered);
    world.tokens.insert("garbage", "not-a-token".to_owned());
    world.package_secrets.sort();
    world.package_secrets.dedup();
    world
}

/// The table, in the order it runs.
fn cases(w: &World) -> Vec<Case> {
    use Sig::*;
    use Who::*;
    let stored = [Version::new("stored-lib", "1.0.0"), Version::new("stored-lib", "1.1.0")];
    let remote =
        [Version::new("remote-lib", "1.0.0"), Version::new("remote-lib", "2.0.0"), Version::new("remote-lib", "3.0.0")];
    let (vault, open, misc, published) = (
        Version::new("vault-lib", "1.0.0"),
        Version::new("open-lib", "1.0.0"),
        Version::new("misc-lib", "1.0.0"),
        Version::new("pub-lib", "1.0.0"),
    );
    let stored_doc = description("stored-lib", "1.0.0");
    let describe_domain = "/v1/domain?domain=acme";
    let describe_release = "/v1/repository?domain=acme&repository=release";
    let endpoint = "/v1/repository/endpoint?domain=acme&repository=release&format=npm";
    let acme_token = "/v1/authorization-token?domain=acme";
    let login = |keys: &Keys| {
        let path = npm("release", &format!("-/user/org.couchdb.user:{}", keys.id));
        let body = json!({
            "_id": format!("org.couchdb.user:{}", keys.id),
            "name": keys.id,
            "password": keys.secret,
            "type": "user",
        });
        (path, body)
    };
    let (outsider_login, outsider_body) = login(w.keys("outsider"));
    let (reader_login, reader_body) = login(w.keys("reader"));
    let new_lib = Version::new("new-lib", "1.0.0");
    let asset = w.dir.path().join("notes.txt");
    std::fs::write(&asset, "release notes\n").expect("an asset");
    let asset = asset.to_string_lossy().into_owned();
    let asset_sha: String = {
        use sha2::Digest as _;
        sha2::Sha256::digest(b"release notes\n").iter().map(|b| format!("{b:02x}")).collect()
    };
    let generic = |repository: &'static str| {
        let args = ["publish-package-version", "--domain", "acme", "--repository", repository, "--format", "generic"];
        let package = ["--namespace", "docs", "--package", "notes", "--package-version", "1.0.0"];
        let file = ["--asset-content", &asset, "--asset-name", "notes.txt", "--asset-sha256", &asset_sha];
        [&args[..], &package[..], &file[..]].concat().into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let generic_as = |name: &str, keys: &'static str, repository: &'static str, error: Option<&'static str>| {
        let mut case = aws(name, keys, &[], error);
        case.send = Send::Aws(generic(repository));
        case
    };
    let big = {
        let mut document = acme_policy();
        document["Id"] = json!("x".repeat(7200));
        document.to_string()
    };
    let bad = |name: &str, document: &str| {
        let file = w.policy_file(name, document);
        ["put-domain-permissions-policy", "--domain", "acme", "--policy-document"]
            .into_iter()
            .map(str::to_owned)
            .chain([file])
            .collect::<Vec<_>>()
    };
    let bad_as = |name: &str, args: Vec<String>| {
        let mut case = aws(name, "admin", &[], Some("ValidationException"));
        case.send = Send::Aws(args);
        case
    };
    let vault_file = w.policy_file("vault-again", &vault_policy().to_string());
    let mut numeric = one_statement("Numeric", "Allow", json!("*"), "*");
    numeric["Statement"][0]["Condition"] = json!({ "NumericLessThan": { "aws:MultiFactorAuthAge": "3600" } });
    // Policies of exactly 7,168 characters (one of them of more bytes), and of 7,169.
    let sized = |filler: char, characters: usize| {
        let mut document =
            one_statement("Sized", "Allow", json!({ "AWS": user("admin") }), "codeartifact:DescribeRepository");
        document["Id"] = json!("");
        let pad = characters - document.to_string().chars().count();
        document["Id"] = json!(std::iter::repeat_n(filler, pad).collect::<String>());
        let text = document.to_string();
        assert_eq!(text.chars().count(), characters);
        text
    };
    let limit_ascii = w.policy_file("limit-ascii", &sized('x', 7168));
    let limit_wide = w.policy_file("limit-wide", &sized('\u{e9}', 7168));
    let over = sized('x', 7169);
    let on_scratch = |name: &str, file: &str| {
        let args = ["put-repository-permissions-policy", "--domain", "acme", "--repository", "scratch-a"];
        aws(name, "admin", &[&args[..], &["--policy-document", file]].concat(), None)
    };
    let acme_file = w.policy_file("acme-again", &acme_policy().to_string());
    let deny_reader =
        one_statement("NotTheReader", "Deny", json!({ "AWS": user("reader") }), "codeartifact:ReadFromRepository");
    let open_file = w.policy_file("open", &deny_reader.to_string());
    let everyone_pulls = one_statement("AnyonePulls", "Allow", json!("*"), "codeartifact:ReadFromUpstream");
    let everyone_pulls = w.policy_file("everyone-pulls", &everyone_pulls.to_string());
    let release_file = w.policy_file(
        "release-by-reader",
        &json!({ "Statement": [{ "Effect": "Allow", "Principal": "*", "Action": "*" }] }).to_string(),
    );

    let mut cases = Vec::new();
    // ---- SigV4 on the control plane ----
    cases.extend([
        http("the admin's signature", Signed("admin", Normal), "GET", describe_domain, 200)
            .says(&["\"name\":\"acme\""]),
        http("no signature", Nobody, "GET", describe_domain, 403)
            .error("MissingAuthenticationTokenException")
            .says(&["not signed"]),
        http("a signature 20 minutes old (replayed)", Signed("admin", Stale), "GET", describe_domain, 403)
            .error("InvalidSignatureException")
            .says(&["15 minutes"]),
        http("a signature for eu-west-1", Signed("admin", Region("eu-west-1")), "GET", describe_domain, 403)
            .error("InvalidSignatureException")
            .says(&["eu-west-1", "us-east-1"]),
        http("UNSIGNED-PAYLOAD", Signed("admin", UnsignedPayload), "GET", describe_domain, 403)
            .error("InvalidSignatureException")
            .says(&["UNSIGNED-PAYLOAD"]),
        http("a tampered signature", Signed("admin", Tampered), "GET", describe_domain, 403)
            .error("InvalidSignatureException")
            .says(&["signature"]),
        http("the admin's key id with another secret", Signed("admin", WrongSecret), "GET", describe_domain, 403)
            .error("InvalidSignatureException"),
        http("a signature for the service s3", Signed("admin", Service("s3")), "GET", describe_domain, 403)
            .error("InvalidSignatureException")
            .says(&["codeartifact"]),
        http(
            "a body swapped after signing",
            Signed("admin", BodySwapped),
            "POST",
            "/v1/repository?domain=acme&repository=swapped",
            403,
        )
        .json(&json!({ "upstreams": [{ "repositoryName": "vault" }] }))
        .error("InvalidSignatureException"),
        http(
            "nothing was made of the swapped request",
            Signed("admin", Normal),
            "GET",
            "/v1/repository?domain=acme&repository=swapped",
            404,
        )
        .error("ResourceNotFoundException"),
        http("an access key no one holds", Signed("nobody", Normal), "GET", describe_domain, 403)
            .error("UnrecognizedClientException")
            .says(&["AKIDNOBODYATALL0000"]),
        http("a bearer token that is not one, on the control plane", Bearer("garbage"), "GET", describe_domain, 403),
        http("an expired token, on the control plane", Bearer("expired"), "GET", describe_domain, 403)
            .says(&["expired"]),
    ]);
    // ---- tokens on the data plane ----
    cases.extend([
        http("no token", Nobody, "GET", npm("release", "stored-lib"), 401).says(&["credentials"]),
        http("the reader's token", Bearer("reader"), "GET", npm("release", "stored-lib"), 200)
            .says(&[&stored_doc, "1.1.0"]),
        http("the reader's token as a Basic password", Basic("reader"), "GET", npm("release", "stored-lib"), 200)
            .says(&[&stored_doc]),
        http("an expired token", Bearer("expired"), "GET", npm("release", "stored-lib"), 401).says(&["expired"]),
        http(
            "the same claims, not expired, signed with the server's key",
            Bearer("forged"),
            "GET",
            npm("release", "stored-lib"),
            200,
        )
        .says(&[&stored_doc]),
        http("a token signed with another key", Bearer("foreign"), "GET", npm("release", "stored-lib"), 401)
            .says(&["signature"]),
        http(
            "a tampered token (the admin's claims, the reader's signature)",
            Bearer("tampered"),
            "GET",
            npm("release", "stored-lib"),
            401,
        ),
        http("a token that is not one", Bearer("garbage"), "GET", npm("release", "stored-lib"), 401),
        http("another domain's token", Bearer("outsider@other"), "GET", npm("release", "stored-lib"), 403)
            .says(&["`other`"]),
        http("the admin's token of another domain", Bearer("admin@other"), "GET", npm("release", "stored-lib"), 403)
            .says(&["`other`"]),
    ]);
    // ---- reading, pulling from upstream, publishing ----
    cases.extend([
        http(
            "reader: a version release holds",
            Bearer("reader"),
            "GET",
            npm("release", &stored[0].tarball_path()),
            200,
        )
        .body_is(&stored[0].tarball),
        http(
            "reader: a version only the upstream store holds",
            Bearer("reader"),
            "GET",
            npm("release", &stored[1].tarball_path()),
            403,
        )
        .says(&["ReadFromUpstream"]),
        http(
            "reader: a version of the external connection",
            Bearer("reader"),
            "GET",
            npm("release", &remote[0].tarball_path()),
            403,
        )
        .says(&["ReadFromUpstream"]),
        http(
            "reader: HEAD of a version of the external connection",
            Bearer("reader"),
            "HEAD",
            npm("release", &remote[2].tarball_path()),
            403,
        ),
        http(
            "reader: the packument lists upstream versions",
            Bearer("reader"),
            "GET",
            npm("release", "remote-lib"),
            200,
        )
        .says(&["2.0.0", &description("remote-lib", "1.0.0")]),
        http(
            "collaborator: pulls a version from store",
            Bearer("collaborator"),
            "GET",
            npm("release", &stored[1].tarball_path()),
            200,
        )
        .body_is(&stored[1].tarball),
        http(
            "reader: that version, now in release",
            Bearer("reader"),
            "GET",
            npm("release", &stored[1].tarball_path()),
            200,
        )
        .body_is(&stored[1].tarball),
        http(
            "collaborator: pulls a version from the external connection",
            Bearer("collaborator"),
            "GET",
            npm("release", &remote[0].tarball_path()),
            200,
        )
        .body_is(&remote[0].tarball),
        http(
            "reader: that version, now in release",
            Bearer("reader"),
            "GET",
            npm("release", &remote[0].tarball_path()),
            200,
        )
        .body_is(&remote[0].tarball),
        http("reader: publish", Bearer("reader"), "PUT", npm("release", "new-lib"), 403)
            .json(&new_lib.publish_body())
            .says(&["PublishPackageVersion"]),
        http("collaborator: publish", Bearer("collaborator"), "PUT", npm("release", "new-lib"), 403)
            .json(&new_lib.publish_body())
            .says(&["PublishPackageVersion"]),
        http("publisher: publish to release", Bearer("publisher"), "PUT", npm("release", "pub-lib"), 200)
            .json(&published.publish_body()),
        http(
            "reader: what the publisher published",
            Bearer("reader"),
            "GET",
            npm("release", &published.tarball_path()),
            200,
        )
        .body_is(&published.tarball),
        http("publisher: publish to store", Bearer("publisher"), "PUT", npm("store", "new-lib"), 403)
            .json(&new_lib.publish_body())
            .says(&["PublishPackageVersion", "package/acme/store/*"]),
        http(
            "publisher: set a dist-tag (PutPackageMetadata)",
            Bearer("publisher"),
            "PUT",
            npm("release", "-/package/pub-lib/dist-tags/beta"),
            403,
        )
        .json(&json!("1.0.0"))
        .says(&["PutPackageMetadata"]),
        http(
            "publisher: unpublish (DeletePackageVersions)",
            Bearer("publisher"),
            "DELETE",
            npm("release", "pub-lib/-rev/1-0"),
            403,
        )
        .says(&["DeletePackageVersions"]),
        http(
            "admin: pulls from the external connection",
            Bearer("admin"),
            "GET",
            npm("release", &remote[1].tarball_path()),
            200,
        )
        .body_is(&remote[1].tarball),
        http("admin: reads though a Deny names it", Bearer("admin"), "GET", npm("release", "stored-lib"), 200)
            .says(&[&stored_doc]),
        http("denied: Allow, then Deny", Bearer("denied"), "GET", npm("release", "stored-lib"), 403).says(&["denies"]),
        http(
            "denied: a version release holds",
            Bearer("denied"),
            "GET",
            npm("release", &stored[0].tarball_path()),
            403,
        )
        .says(&["denies"]),
        http("solo: the repository whose policy names it", Bearer("solo"), "GET", npm("vault", "vault-lib"), 200)
            .says(&[&description("vault-lib", "1.0.0")]),
        http("solo: its tarball", Bearer("solo"), "GET", npm("vault", &vault.tarball_path()), 200)
            .body_is(&vault.tarball),
        http(
            "reader: the repository whose policy names solo only",
            Bearer("reader"),
            "GET",
            npm("vault", "vault-lib"),
            403,
        )
        .says(&["ReadFromRepository"]),
        http("solo: another repository", Bearer("solo"), "GET", npm("release", "stored-lib"), 403),
        http("outsider: npm login to acme", Nobody, "PUT", outsider_login, 403)
            .json(&outsider_body)
            .says(&["GetAuthorizationToken"]),
        http("reader: npm login to acme", Nobody, "PUT", reader_login, 201).json(&reader_body).says(&["token"]),
        http(
            "outsider: reads other/misc (account-wide grants)",
            Bearer("outsider@other"),
            "GET",
            "/npm/other/misc/misc-lib",
            200,
        )
        .says(&[&description("misc-lib", "1.0.0")]),
    ]);
    // ---- the control plane, by role ----
    cases.extend([
        http("outsider: a token of acme", Signed("outsider", Normal), "POST", acme_token, 403)
            .error("AccessDeniedException")
            .says(&["GetAuthorizationToken", "arn:aws:codeartifact:us-east-1:000000000000:domain/acme"]),
        http("reader: DescribeRepository", Signed("reader", Normal), "GET", describe_release, 200)
            .says(&["\"name\":\"release\""]),
        http("reader: DescribeRepository with its token", Bearer("reader"), "GET", describe_release, 200),
        http("reader: DeleteRepository", Signed("reader", Normal), "DELETE", describe_release, 403)
            .error("AccessDeniedException")
            .says(&["DeleteRepository"]),
        http("reader: CreateDomain", Signed("reader", Normal), "POST", "/v1/domain?domain=mine", 403)
            .error("AccessDeniedException")
            .says(&["administrators"]),
        http("reader: ListDomains", Signed("reader", Normal), "POST", "/v1/domains", 403)
            .error("AccessDeniedException"),
        http("reader: ListRepositories", Signed("reader", Normal), "POST", "/v1/repositories", 403)
            .error("AccessDeniedException"),
        http("reader: ListPrincipals", Signed("reader", Normal), "POST", "/v1/principals", 403)
            .error("AccessDeniedException"),
        http("reader: CreatePrincipal", Signed("reader", Normal), "POST", "/v1/principal", 403)
            .json(&json!({ "name": "sneaky", "admin": true }))
            .error("AccessDeniedException"),
        generic_as("reader: publish a generic package", "reader", "release", Some("AccessDeniedException")),
        generic_as("publisher: publish a generic package", "publisher", "release", None),
        http(
            "collaborator: CreateRepository above release",
            Signed("collaborator", Normal),
            "POST",
            "/v1/repository?domain=acme&repository=scratch-a",
            200,
        )
        .json(&json!({ "upstreams": [{ "repositoryName": "release" }] })),
        http(
            "collaborator: CreateRepository above store",
            Signed("collaborator", Normal),
            "POST",
            "/v1/repository?domain=acme&repository=scratch-b",
            403,
        )
        .json(&json!({ "upstreams": [{ "repositoryName": "store" }] }))
        .error("AccessDeniedException")
        .says(&["AssociateWithDownstreamRepository", "repository/acme/store"]),
        http("outsider: GetRepositoryEndpoint (Principal \"*\")", Signed("outsider", Normal), "GET", endpoint, 200)
            .says(&["/npm/acme/release/"]),
        http("outsider: DescribeRepository", Signed("outsider", Normal), "GET", describe_release, 403)
            .error("AccessDeniedException"),
        http("admin: ListPrincipals with a token", Bearer("admin"), "POST", "/v1/principals", 403)
            .error("AccessDeniedException")
            .says(&["access keys"]),
        http("admin: DescribeDomain with a token", Bearer("admin"), "GET", describe_domain, 200),
        http("admin: ListDomains", Signed("admin", Normal), "POST", "/v1/domains", 200).says(&["acme", "other"]),
    ]);
    // ---- policies, with the aws CLI ----
    cases.extend([
        aws(
            "admin: get-repository-permissions-policy",
            "admin",
            &["get-repository-permissions-policy", "--domain", "acme", "--repository", "vault"],
            None,
        )
        .says(&["OnlySolo", "repository/acme/vault", w.revision("vault-revision")]),
        aws(
            "admin: put-repository-permissions-policy at a stale revision",
            "admin",
            &[
                "put-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "vault",
                "--policy-document",
                &vault_file,
                "--policy-revision",
                w.revision("vault-revision-stale"),
            ],
            Some("ConflictException"),
        ),
        bad_as("admin: a policy of 7,200 characters", bad("big", &big)).says(&["7168"]),
        http(
            "admin: a policy of 7,200 characters, raw",
            Signed("admin", Normal),
            "PUT",
            "/v1/domain/permissions/policy",
            400,
        )
        .json(&json!({ "domain": "acme", "policyDocument": big }))
        .error("ValidationException")
        .says(&["7168"]),
        bad_as("admin: a policy that is not JSON", bad("not-json", "{\"Statement\": [")),
        bad_as(
            "admin: an unknown Effect",
            bad("maybe", &json!({ "Statement": [{ "Effect": "Maybe", "Principal": "*", "Action": "*" }] }).to_string()),
        )
        .says(&["Maybe"]),
        bad_as(
            "admin: a statement without Principal",
            bad("no-principal", &json!({ "Statement": [{ "Effect": "Allow", "Action": "*" }] }).to_string()),
        )
        .says(&["Principal"]),
        bad_as("admin: an unsupported condition operator", bad("numeric", &numeric.to_string()))
            .says(&["NumericLessThan"]),
        aws(
            "admin: the domain policy is unchanged",
            "admin",
            &["get-domain-permissions-policy", "--domain", "acme"],
            None,
        )
        .says(&["NoReading", "domain/acme"]),
        aws(
            "admin: put-domain-permissions-policy at a stale revision",
            "admin",
            &[
                "put-domain-permissions-policy",
                "--domain",
                "acme",
                "--policy-document",
                &acme_file,
                "--policy-revision",
                w.revision("vault-revision-stale"),
            ],
            Some("ConflictException"),
        ),
        on_scratch("admin: a policy of exactly 7,168 characters", &limit_ascii),
        on_scratch("admin: a policy of 7,168 characters, more bytes", &limit_wide),
        http(
            "admin: a policy of 7,169 characters",
            Signed("admin", Normal),
            "PUT",
            "/v1/repository/permissions/policy?domain=acme&repository=scratch-a",
            400,
        )
        .json(&json!({ "policyDocument": over }))
        .error("ValidationException")
        .says(&["7169"]),
        aws(
            "admin: no policy on store",
            "admin",
            &["get-repository-permissions-policy", "--domain", "acme", "--repository", "store"],
            Some("ResourceNotFoundException"),
        ),
        aws(
            "reader: put-repository-permissions-policy",
            "reader",
            &[
                "put-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "release",
                "--policy-document",
                &release_file,
            ],
            Some("AccessDeniedException"),
        ),
        aws(
            "admin: delete-repository-permissions-policy at a stale revision",
            "admin",
            &[
                "delete-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "release",
                "--policy-revision",
                w.revision("vault-revision-stale"),
            ],
            Some("ConflictException"),
        ),
        aws(
            "admin: delete-repository-permissions-policy",
            "admin",
            &[
                "delete-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "release",
                "--policy-revision",
                w.revision("release-revision"),
            ],
            None,
        )
        .says(&["GetRepositoryEndpoint"]),
        http("outsider: GetRepositoryEndpoint, the grant deleted", Signed("outsider", Normal), "GET", endpoint, 403)
            .error("AccessDeniedException"),
        aws(
            "admin: the deleted policy",
            "admin",
            &["get-repository-permissions-policy", "--domain", "acme", "--repository", "release"],
            Some("ResourceNotFoundException"),
        ),
        aws(
            "admin: delete-domain-permissions-policy",
            "admin",
            &["delete-domain-permissions-policy", "--domain", "other"],
            None,
        ),
        http(
            "outsider: a token of other, the domain policy deleted",
            Signed("outsider", Normal),
            "POST",
            "/v1/authorization-token?domain=other",
            403,
        )
        .error("AccessDeniedException"),
        http(
            "outsider: other/misc, by the repository policy alone",
            Bearer("outsider@other"),
            "GET",
            "/npm/other/misc/misc-lib",
            200,
        ),
    ]);
    // ---- a repository's Deny over the domain's Allow ----
    cases.extend([
        aws(
            "admin: put-repository-permissions-policy denying the reader",
            "admin",
            &[
                "put-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "open",
                "--policy-document",
                &open_file,
            ],
            None,
        ),
        http("reader: the repository whose policy denies it", Bearer("reader"), "GET", npm("open", "open-lib"), 403)
            .says(&["denies"]),
        http("collaborator: the same repository", Bearer("collaborator"), "GET", npm("open", "open-lib"), 200)
            .says(&[&description("open-lib", "1.0.0")]),
    ]);
    // ---- public repositories ----
    cases.extend([
        http("anonymous: open, still private", Nobody, "GET", npm("open", "open-lib"), 401),
        http(
            "reader: make open public",
            Signed("reader", Normal),
            "PUT",
            "/v1/repository/public-access?domain=acme&repository=open",
            403,
        )
        .json(&json!({ "public": true }))
        .error("AccessDeniedException"),
        http(
            "admin: make open public with a token",
            Bearer("admin"),
            "PUT",
            "/v1/repository/public-access?domain=acme&repository=open",
            403,
        )
        .json(&json!({ "public": true }))
        .error("AccessDeniedException"),
        http(
            "admin: make open public",
            Signed("admin", Normal),
            "PUT",
            "/v1/repository/public-access?domain=acme&repository=open",
            200,
        )
        .json(&json!({ "public": true }))
        .says(&["{\"public\":true}"]),
        http(
            "admin: is open public",
            Signed("admin", Normal),
            "GET",
            "/v1/repository/public-access?domain=acme&repository=open",
            200,
        )
        .says(&["{\"public\":true}"]),
        http(
            "admin: is release public",
            Signed("admin", Normal),
            "GET",
            "/v1/repository/public-access?domain=acme&repository=release",
            200,
        )
        .says(&["{\"public\":false}"]),
        http("anonymous: open's packument", Nobody, "GET", npm("open", "open-lib"), 200)
            .says(&[&description("open-lib", "1.0.0")]),
        http("anonymous: open's tarball", Nobody, "GET", npm("open", &open.tarball_path()), 200).body_is(&open.tarball),
        http(
            "anonymous: a version open would pull from store",
            Nobody,
            "GET",
            npm("open", &stored[0].tarball_path()),
            403,
        )
        .says(&["ReadFromUpstream"]),
        http("anonymous: publish to open", Nobody, "PUT", npm("open", "new-lib"), 401).json(&new_lib.publish_body()),
        aws(
            "admin: open lets `\"Principal\": \"*\"` pull (the documented exception)",
            "admin",
            &[
                "put-repository-permissions-policy",
                "--domain",
                "acme",
                "--repository",
                "open",
                "--policy-document",
                &everyone_pulls,
            ],
            None,
        ),
        http(
            "anonymous: pulls through open, as that policy allows",
            Nobody,
            "GET",
            npm("open", &stored[0].tarball_path()),
            200,
        )
        .body_is(&stored[0].tarball),
        http("anonymous: still cannot publish to open", Nobody, "PUT", npm("open", "new-lib"), 401)
            .json(&new_lib.publish_body()),
        http("anonymous: release (private)", Nobody, "GET", npm("release", "stored-lib"), 401),
        http("anonymous: vault's tarball (private)", Nobody, "GET", npm("vault", &vault.tarball_path()), 401),
        http("anonymous: other/misc (private)", Nobody, "GET", "/npm/other/misc/misc-lib", 401),
    ]);
    // ---- principals ----
    cases.extend([
        http("admin: a principal named as another", Signed("admin", Normal), "POST", "/v1/principal", 409)
            .json(&json!({ "name": "reader", "admin": false }))
            .error("ConflictException"),
        http("admin: a principal name with a space", Signed("admin", Normal), "POST", "/v1/principal", 400)
            .json(&json!({ "name": "bad name", "admin": false }))
            .error("ValidationException"),
        http("admin: a principal name of 65 characters", Signed("admin", Normal), "POST", "/v1/principal", 400)
            .json(&json!({ "name": "n".repeat(65), "admin": false }))
            .error("ValidationException"),
        http("admin: ListPrincipals", Signed("admin", Normal), "POST", "/v1/principals", 200).says(&[
            &user("reader"),
            &user("publisher"),
            &user("admin"),
            "accessKeyId",
        ]),
        principal_cli("admin: tributary principal list", "admin", &["list"], 200).says(&[&user("doomed")]),
        principal_cli("reader: tributary principal list", "reader", &["list"], 403),
        principal_cli("admin: tributary principal create --admin", "admin", &["create", "ops", "--admin"], 200)
            .says(&[&user("ops"), "\"admin\": true"])
            .keep_keys("ops"),
        http("ops: ListDomains", Signed("ops", Normal), "POST", "/v1/domains", 200).says(&["acme"]),
        http(
            "ops: DescribeRepository (an administrator made by the CLI)",
            Signed("ops", Normal),
            "GET",
            describe_release,
            200,
        ),
        http(
            "admin: rotate a principal that is not there",
            Signed("admin", Normal),
            "POST",
            "/v1/principal/access-key?name=ghost",
            404,
        )
        .error("ResourceNotFoundException"),
        principal_cli("admin: tributary principal rotate", "admin", &["rotate", "rotated"], 200)
            .says(&[&user("rotated"), "secretAccessKey"])
            .keep_keys("rotated"),
        http("rotated: the key before the rotation", Signed("rotated-before", Normal), "POST", acme_token, 403)
            .error("UnrecognizedClientException"),
        http("rotated: the new key", Signed("rotated", Normal), "POST", acme_token, 200).says(&["authorizationToken"]),
        http("admin: delete doomed", Signed("admin", Normal), "DELETE", "/v1/principal?name=doomed", 200)
            .says(&[&user("doomed")]),
        http("doomed: its key", Signed("doomed", Normal), "POST", acme_token, 403).error("UnrecognizedClientException"),
        http("doomed: its token, data plane", Bearer("doomed"), "GET", npm("release", "stored-lib"), 401),
        http("doomed: its token, control plane", Bearer("doomed"), "GET", describe_release, 403)
            .error("AccessDeniedException")
            .says(&["no longer exists"]),
        http("admin: delete itself", Signed("admin", Normal), "DELETE", "/v1/principal?name=admin", 409)
            .error("ConflictException"),
        http("admin: delete doomed again", Signed("admin", Normal), "DELETE", "/v1/principal?name=doomed", 404)
            .error("ResourceNotFoundException"),
        http("admin: create a principal with a token", Bearer("admin"), "POST", "/v1/principal", 403)
            .json(&json!({ "name": "by-token", "admin": false }))
            .error("AccessDeniedException"),
        http("admin: what publisher published is still there", Bearer("admin"), "GET", npm("release", "pub-lib"), 200)
            .says(&[&description("pub-lib", "1.0.0")]),
        http("admin: misc untouched", Bearer("admin@other"), "GET", "/npm/other/misc/misc-lib", 200)
            .says(&[&description(misc.name, misc.version)]),
    ]);
    cases
}

/// The cases of trusted publishing, last: a rule for the fixture issuer's jobs of `acme/widget`
/// on a branch, then OIDC tokens that do not fit it and one that does.
fn trusted_publishing(w: &World) -> Vec<Case> {
    use Sig::*;
    use Who::*;
    let issuer = w.issuer.issuer();
    let now = unix_now();
    let good = json!({
        "iss": issuer,
        "aud": "tributary",
        "sub": "repo:acme/widget:ref:refs/heads/main",
        "repository": "acme/widget",
        "ref": "refs/heads/main",
        "iat": now,
        "exp": now + 600,
    });
    let with = |name: &str, value: Value| {
        let mut claims = good.clone();
        claims[name] = value;
        claims
    };
    let exchange = |name: &str, domain: &str, token: String, status: u16| {
        http(name, Nobody, "POST", format!("/v1/oidc/token?domain={domain}"), status).json(&json!({ "token": token }))
    };
    let rule = json!({
        "name": "gha",
        "issuer": issuer,
        "jwksUrl": w.issuer.jwks_url(),
        "audience": "tributary",
        "claims": { "repository": "acme/widget", "ref": "refs/heads/*" },
        "repositories": ["release"],
    });
    let mut narrowed = rule.clone();
    narrowed["repositories"] = json!(["vault"]);
    let mut elsewhere = rule.clone();
    elsewhere["name"] = json!("nowhere");
    elsewhere["repositories"] = json!(["nowhere"]);
    let put = "/v1/domain/trusted-publisher?domain=acme";
    let ci = Version::new("ci-lib", "1.0.0");
    let unpulled = Version::new("remote-lib", "3.0.0");
    vec![
        http("reader: PutTrustedPublisher", Signed("reader", Normal), "PUT", put, 403)
            .json(&rule)
            .error("AccessDeniedException"),
        http("admin: PutTrustedPublisher with a token", Bearer("admin"), "PUT", put, 403)
            .json(&rule)
            .error("AccessDeniedException")
            .says(&["access keys"]),
        http("admin: a trusted publisher of a repository that is not there", Signed("admin", Normal), "PUT", put, 404)
            .json(&elsewhere)
            .error("ResourceNotFoundException"),
        http("admin: PutTrustedPublisher", Signed("admin", Normal), "PUT", put, 200)
            .json(&rule)
            .says(&["\"name\":\"gha\""]),
        http(
            "admin: ListTrustedPublishers",
            Signed("admin", Normal),
            "GET",
            "/v1/domain/trusted-publishers?domain=acme",
            200,
        )
        .says(&["\"gha\"", &w.issuer.jwks_url(), "acme/widget"]),
        exchange("OIDC: another audience", "acme", w.issuer.token(&with("aud", json!("someone-else"))), 403)
            .error("AccessDeniedException")
            .says(&["audience"]),
        exchange(
            "OIDC: an issuer acme does not trust",
            "acme",
            w.stranger.token(&with("iss", json!(w.stranger.issuer()))),
            403,
        )
        .error("AccessDeniedException")
        .says(&["trusts no publisher"]),
        exchange("OIDC: the trusted issuer's name, another key", "acme", w.issuer.impostor(&good), 403)
            .error("AccessDeniedException")
            .says(&["signature"]),
        exchange(
            "OIDC: another repository's job",
            "acme",
            w.issuer.token(&with("repository", json!("acme/widget-fork"))),
            403,
        )
        .error("AccessDeniedException")
        .says(&["`repository` claim"]),
        exchange(
            "OIDC: a tag, not a branch (the glob)",
            "acme",
            w.issuer.token(&with("ref", json!("refs/tags/v1.0.0"))),
            403,
        )
        .error("AccessDeniedException")
        .says(&["`ref` claim"]),
        exchange("OIDC: expired", "acme", w.issuer.token(&with("exp", json!(now - 3600))), 403)
            .error("AccessDeniedException")
            .says(&["expired"]),
        exchange("OIDC: not a JWT", "acme", "not-a-jwt".to_owned(), 403).error("AccessDeniedException"),
        exchange("OIDC: a good token, for another domain", "other", w.issuer.token(&good), 403)
            .error("AccessDeniedException"),
        exchange(
            "OIDC: a good token, another branch (the glob)",
            "acme",
            w.issuer.token(&with("ref", json!("refs/heads/release-1"))),
            200,
        )
        .says(&["authorizationToken"]),
        exchange("OIDC: a good token", "acme", w.issuer.token(&good), 200)
            .says(&["authorizationToken", "\"trustedPublisher\":\"gha\"", "\"repositories\":[\"release\"]"])
            .keep_token("oidc"),
        http("OIDC token: publish to release", Bearer("oidc"), "PUT", npm("release", "ci-lib"), 200)
            .json(&ci.publish_body()),
        http("OIDC token: read it back", Bearer("oidc"), "GET", npm("release", &ci.tarball_path()), 200)
            .body_is(&ci.tarball),
        http("OIDC token: publish to store", Bearer("oidc"), "PUT", npm("store", "ci-lib"), 403)
            .json(&ci.publish_body())
            .says(&["`release`"]),
        http("OIDC token: read store", Bearer("oidc"), "GET", npm("store", "stored-lib"), 403),
        http("OIDC token: pull from upstream", Bearer("oidc"), "GET", npm("release", &unpulled.tarball_path()), 403)
            .says(&["ReadFromUpstream"]),
        http("OIDC token: unpublish", Bearer("oidc"), "DELETE", npm("release", "ci-lib/-rev/1-0"), 403),
        http(
            "OIDC token: the control plane",
            Bearer("oidc"),
            "GET",
            "/v1/repository?domain=acme&repository=release",
            403,
        )
        .error("AccessDeniedException"),
        http("reader: what the OIDC token published", Bearer("reader"), "GET", npm("release", &ci.tarball_path()), 200)
            .body_is(&ci.tarball),
        http("admin: the trusted publisher narrowed to vault", Signed("admin", Normal), "PUT", put, 200)
            .json(&narrowed),
        http(
            "OIDC token: release, once its publisher no longer names it",
            Bearer("oidc"),
            "GET",
            npm("release", &ci.tarball_path()),
            403,
        ),
        http(
            "admin: DeleteTrustedPublisher",
            Signed("admin", Normal),
            "DELETE",
            "/v1/domain/trusted-publisher?domain=acme&name=gha",
            200,
        ),
        exchange("OIDC: a good token, the publisher deleted", "acme", w.issuer.token(&good), 403)
            .error("AccessDeniedException"),
        http(
            "OIDC token: after the publisher is deleted",
            Bearer("oidc"),
            "GET",
            npm("release", &ci.tarball_path()),
            401,
        )
        .says(&["removed"]),
        http(
            "admin: DeleteTrustedPublisher again",
            Signed("admin", Normal),
            "DELETE",
            "/v1/domain/trusted-publisher?domain=acme&name=gha",
            404,
        )
        .error("ResourceNotFoundException"),
    ]
}
