//! Bad input, as one table: every case is a request through the door a client uses (the
//! control plane signed with SigV4 or a token; the npm, PyPI and Maven endpoints with a token),
//! the status it must get in that protocol, and words its message must hold. After the whole
//! table, nothing was stored: no package in any format, no domain or repository beyond the
//! fixtures'. The real clients' own bad-input runs are in `npm.rs`, `pypi.rs` and `maven.rs`;
//! this table is for what a client would never send.

use std::io::{Read as _, Write as _};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use serde_json::{Value, json};
use tributary_tests::npm_fixture::{gzip, honest_body, publish_body, tgz};
use tributary_tests::pypi_fixture::{DistSpec, build_wheel, digests_of, twine_fields, upload_form, with_field, zip_of};
use tributary_tests::scenario::one_repository;
use tributary_tests::{AdminKeys, Backend, TestServer, create_repository};

/// How a case authenticates.
#[derive(Debug, Clone, Copy)]
enum Auth {
    /// Not at all.
    None,
    /// SigV4 with the admin's access keys (the control plane).
    Signed,
    /// `Authorization: Bearer` with the domain's token.
    Bearer,
    /// HTTP Basic with the domain's token as the password (pip, twine, Maven).
    Basic,
    /// This exact `Authorization` header.
    Header(&'static str),
}

/// One request and what it must get.
#[derive(Debug)]
struct Case {
    name: &'static str,
    method: &'static str,
    /// The path and query, sent exactly as written (no `..` resolution).
    path: String,
    auth: Auth,
    content_type: Option<String>,
    body: Vec<u8>,
    /// Declared instead of the body's own length (with no body sent).
    declared_length: Option<u64>,
    status: u16,
    says: &'static [&'static str],
}

fn case(name: &'static str, method: &'static str, path: impl Into<String>, auth: Auth, status: u16) -> Case {
    Case {
        name,
        method,
        path: path.into(),
        auth,
        content_type: None,
        body: Vec::new(),
        declared_length: None,
        status,
        says: &[],
    }
}

impl Case {
    fn json(mut self, body: &Value) -> Self {
        self.content_type = Some("application/json".to_owned());
        self.body = serde_json::to_vec(body).expect("JSON");
        self
    }

    fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.content_type = Some(content_type.to_owned());
        self.body = body.into();
        self
    }

    fn says(mut self, parts: &'static [&'static str]) -> Self {
        self.says = parts;
        self
    }

    fn declares(mut self, length: u64) -> Self {
        self.declared_length = Some(length);
        self
    }
}

/// Sends `case` over a raw connection (so paths go as written): the status and the body.
fn send(server: &TestServer, token: &str, case: &Case) -> (u16, String) {
    let port = server.port();
    let mut head = format!("{} {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n", case.method, case.path);
    match case.auth {
        Auth::None => {}
        Auth::Bearer => head.push_str(&format!("Authorization: Bearer {token}\r\n")),
        Auth::Basic => {
            let pair = base64::engine::general_purpose::STANDARD.encode(format!("aws:{token}"));
            head.push_str(&format!("Authorization: Basic {pair}\r\n"));
        }
        Auth::Header(value) => head.push_str(&format!("Authorization: {value}\r\n")),
        Auth::Signed => {
            let request = server
                .signed(case.method, &case.path, &case.body, SystemTime::now(), false)
                .build()
                .expect("a signed request");
            for (name, value) in request.headers() {
                if name != "content-type" {
                    head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap_or_default()));
                }
            }
        }
    }
    if let Some(content_type) = &case.content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    } else if matches!(case.auth, Auth::Signed) {
        head.push_str("Content-Type: application/json\r\n");
    }
    let length = case.declared_length.unwrap_or(case.body.len() as u64);
    head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");
    stream.write_all(head.as_bytes()).expect("send the head");
    if case.declared_length.is_none() {
        // The server may answer before reading a body it refuses.
        let _ = stream.write_all(&case.body);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// The cases of the control plane.
fn control_plane() -> Vec<Case> {
    let long = "d".repeat(1001);
    let eleven: Vec<Value> = (0..11).map(|i| json!({ "repositoryName": format!("u{i:02}") })).collect();
    vec![
        case("create a domain without a name", "POST", "/v1/domain", Auth::Signed, 400).says(&["domain"]),
        case("a domain name with capitals", "POST", "/v1/domain?domain=Bad", Auth::Signed, 400).says(&["`Bad`"]),
        case("a domain name too long", "POST", format!("/v1/domain?domain={}", "d".repeat(60)), Auth::Signed, 400),
        case("an owner that is not 12 digits", "POST", "/v1/domain?domain=ok-d&domain-owner=12", Auth::Signed, 400),
        case("an existing domain", "POST", "/v1/domain?domain=acme", Auth::Signed, 409).says(&["`acme`"]),
        case("describe an unknown domain", "GET", "/v1/domain?domain=nowhere", Auth::Signed, 404).says(&["`nowhere`"]),
        case("a repository name too short", "POST", "/v1/repository?domain=acme&repository=a", Auth::Signed, 400),
        case(
            "a repository body that is not JSON",
            "POST",
            "/v1/repository?domain=acme&repository=ab",
            Auth::Signed,
            400,
        )
        .body("application/json", "{not json"),
        case("an unknown upstream", "POST", "/v1/repository?domain=acme&repository=new-one", Auth::Signed, 404)
            .json(&json!({ "upstreams": [{ "repositoryName": "ghost" }] }))
            .says(&["`ghost`"]),
        case(
            "a repository as its own upstream",
            "POST",
            "/v1/repository?domain=acme&repository=selfie",
            Auth::Signed,
            400,
        )
        .json(&json!({ "upstreams": [{ "repositoryName": "selfie" }] })),
        case("eleven direct upstreams", "POST", "/v1/repository?domain=acme&repository=many", Auth::Signed, 402)
            .json(&json!({ "upstreams": eleven })),
        case("a description too long", "POST", "/v1/repository?domain=acme&repository=wordy", Auth::Signed, 400)
            .json(&json!({ "description": long })),
        case(
            "an upstream change that makes a cycle",
            "PUT",
            "/v1/repository?domain=acme&repository=r2",
            Auth::Signed,
            400,
        )
        .json(&json!({ "upstreams": [{ "repositoryName": "r1" }] }))
        .says(&["cycle"]),
        case(
            "delete a repository in use as an upstream",
            "DELETE",
            "/v1/repository?domain=acme&repository=r2",
            Auth::Signed,
            409,
        )
        .says(&["`r1`"]),
        case(
            "an unknown external connection",
            "POST",
            "/v1/repository/external-connection?domain=acme&repository=solo&external-connection=public:nope",
            Auth::Signed,
            400,
        ),
        case(
            "an external connection beside upstreams",
            "POST",
            "/v1/repository/external-connection?domain=acme&repository=r1&external-connection=public:npmjs",
            Auth::Signed,
            409,
        )
        .says(&["cannot have both"]),
        case(
            "an unknown endpoint format",
            "GET",
            "/v1/repository/endpoint?domain=acme&repository=solo&format=rpm",
            Auth::Signed,
            400,
        ),
        case("max-results that is not a number", "POST", "/v1/repositories?max-results=x", Auth::Signed, 400),
        case(
            "a method the API has not (an unknown operation, as CodeArtifact answers)",
            "PATCH",
            "/v1/domain?domain=acme",
            Auth::Signed,
            400,
        )
        .says(&["UNKNOWN_OPERATION"]),
        case(
            "a package address without a package",
            "GET",
            "/v1/package?domain=acme&repository=solo&format=npm",
            Auth::Signed,
            400,
        ),
        case(
            "a package name with a slash",
            "GET",
            "/v1/package?domain=acme&repository=solo&format=npm&package=a%2Fb",
            Auth::Signed,
            400,
        ),
        case(
            "an unknown version status",
            "POST",
            "/v1/package/versions?domain=acme&repository=solo&format=npm&package=x&status=Gone",
            Auth::Signed,
            400,
        ),
        case(
            "a token lifetime below 15 minutes",
            "POST",
            "/v1/authorization-token?domain=acme&duration=5",
            Auth::Signed,
            400,
        ),
        case(
            "a control-plane body over 1 MiB",
            "POST",
            "/v1/repository?domain=acme&repository=huge",
            Auth::Signed,
            413,
        )
        .body("application/json", vec![b' '; 1024 * 1024 + 1]),
        case("an unsigned request", "POST", "/v1/domain?domain=anon", Auth::None, 403).says(&["not signed"]),
        case(
            "a signature by an unknown key",
            "POST",
            "/v1/domain?domain=forged",
            Auth::Header(
                "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20260101/us-east-1/codeartifact/aws4_request, SignedHeaders=host, Signature=00",
            ),
            403,
        ),
        case(
            "a bearer token that is not one",
            "GET",
            "/v1/domain?domain=acme",
            Auth::Header("Bearer not-a-token"),
            403,
        ),
        case(
            "a token creating a repository",
            "POST",
            "/v1/repository?domain=acme&repository=by-token",
            Auth::Bearer,
            403,
        )
        .says(&["access keys"]),
    ]
}

/// A publish body of `crafted@1.0.0` with `edit` applied.
fn crafted(edit: impl Fn(&mut Value)) -> Value {
    let mut body = honest_body("crafted", "1.0.0", &crafted_tarball());
    edit(&mut body);
    body
}

fn crafted_tarball() -> Vec<u8> {
    tgz(&[("package/package.json", br#"{"name":"crafted","version":"1.0.0"}"#)])
}

/// A gzipped tar whose second entry is written raw: `path`, of `kind`, linking to `link`.
fn hostile_tarball(path: &str, kind: u8, link: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut push = |path: &str, kind: u8, link: &str, body: &[u8]| {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(tar::EntryType::new(kind));
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(body);
        out.resize(out.len().div_ceil(512) * 512, 0);
    };
    push("package/package.json", b'0', "", br#"{"name":"crafted","version":"1.0.0"}"#);
    push(path, kind, link, if kind == b'0' { b"x" } else { b"" });
    out.extend_from_slice(&[0; 1024]);
    gzip(&out)
}

/// The cases of the npm endpoint.
fn npm() -> Vec<Case> {
    let at = |path: &str| format!("/npm/acme/solo/{path}");
    let publish = |name: &'static str, body: Value, says: &'static [&'static str]| {
        case(name, "PUT", at("crafted"), Auth::Bearer, 400).json(&body).says(says)
    };
    let tarball_publish = |name: &'static str, tarball: Vec<u8>, says: &'static [&'static str]| {
        publish(name, honest_body("crafted", "1.0.0", &tarball), says)
    };
    let good = crafted_tarball();
    vec![
        case("a publish body that is not JSON", "PUT", at("crafted"), Auth::Bearer, 400)
            .body("application/json", "{nope"),
        case("a publish body that is an array", "PUT", at("crafted"), Auth::Bearer, 400).json(&json!([1, 2])),
        publish("a body naming another package", crafted(|b| b["name"] = json!("other")), &["`other`"]),
        publish("no versions", crafted(|b| b["versions"] = json!({})), &["`versions` is empty"]),
        publish(
            "two versions",
            crafted(|b| b["versions"]["1.0.1"] = b["versions"]["1.0.0"].clone()),
            &["publish one version at a time"],
        ),
        publish("a version that is not semver", publish_body("crafted", "1.0", &good, "sha512-x", "00"), &["`1.0`"]),
        publish(
            "a version of 300 characters",
            {
                let long = format!("1.0.0-{}", "a".repeat(294));
                publish_body("crafted", &long, &good, "sha512-x", "00")
            },
            &["npm's limit is 256"],
        ),
        publish(
            "a description of 100 KB",
            crafted(|b| b["versions"]["1.0.0"]["description"] = json!("d".repeat(100_000))),
            &["`description`"],
        ),
        publish(
            "a dist-tag pointing at another version",
            crafted(|b| b["dist-tags"]["latest"] = json!("9.9.9")),
            &["9.9.9", "not at the version published"],
        ),
        publish("a dist-tag named like a version", crafted(|b| b["dist-tags"]["1.0.0"] = json!("1.0.0")), &["`1.0.0`"]),
        publish(
            "neither attachments nor versions",
            crafted(|b| {
                if let Some(o) = b.as_object_mut() {
                    o.remove("_attachments");
                    o.remove("versions");
                }
            }),
            &["neither a publish"],
        ),
        publish(
            "an attachment named for another package",
            crafted(|b| {
                let attachment = b["_attachments"]["crafted-1.0.0.tgz"].take();
                b["_attachments"] = json!({ "other-1.0.0.tgz": attachment });
            }),
            &["`other-1.0.0.tgz`"],
        ),
        publish(
            "attachment data that is not base64",
            crafted(|b| b["_attachments"]["crafted-1.0.0.tgz"]["data"] = json!("!!not base64!!")),
            &["not valid base64"],
        ),
        publish(
            "a length that is not the tarball's",
            crafted(|b| b["_attachments"]["crafted-1.0.0.tgz"]["length"] = json!(3)),
            &["its `length` says 3"],
        ),
        publish(
            "an integrity that is not the tarball's",
            publish_body("crafted", "1.0.0", &good, "sha512-AAAA", "0000000000000000000000000000000000000000"),
            &["integrity"],
        ),
        tarball_publish("a tarball that is not gzip", b"plain text".to_vec(), &["not a gzip-compressed tar archive"]),
        tarball_publish("gzip that is not tar", gzip(&[0x5a; 4096]), &["not a gzip-compressed tar archive"]),
        tarball_publish("a tarball without package.json", tgz(&[("package/index.js", b"1")]), &["no package.json"]),
        tarball_publish(
            "a package.json naming another package",
            tgz(&[("package/package.json", br#"{"name":"other","version":"1.0.0"}"#)]),
            &["package.json", "`other`"],
        ),
        tarball_publish(
            "a tarball entry outside the package",
            hostile_tarball("package/../../etc/x", b'0', ""),
            &["outside the package directory"],
        ),
        tarball_publish(
            "a tarball entry that is a symlink",
            hostile_tarball("package/l", b'2', "/etc/passwd"),
            &["a link"],
        ),
        tarball_publish(
            "a tarball entry that is a hard link",
            hostile_tarball("package/h", b'1', "package/package.json"),
            &["a link"],
        ),
        tarball_publish("a tarball entry that is a device", hostile_tarball("package/d", b'3', ""), &["entry of type"]),
        case("a package name with capitals", "PUT", at("UpperCase"), Auth::Bearer, 400)
            .json(&honest_body("UpperCase", "1.0.0", &good))
            .says(&["lowercase"]),
        case("a package name with `..`", "PUT", at("..%2Fevil"), Auth::Bearer, 400)
            .json(&honest_body("../evil", "1.0.0", &good))
            .says(&["cannot start with `.`"]),
        case("a deprecation of a package that is not here", "PUT", at("ghost"), Auth::Bearer, 404)
            .json(&json!({ "name": "ghost", "versions": { "1.0.0": { "deprecated": "x" } } })),
        case("a dist-tag body that is not a version", "PUT", at("-/package/crafted/dist-tags/beta"), Auth::Bearer, 400)
            .json(&json!({ "not": "a string" })),
        case("a login body that is not JSON", "PUT", at("-/user/org.couchdb.user:someone"), Auth::None, 400)
            .body("application/json", "nope"),
        case("a login naming another user", "PUT", at("-/user/org.couchdb.user:someone"), Auth::None, 400)
            .json(&json!({ "name": "else", "password": "x" }))
            .says(&["`else`"]),
        case("a path npm never asks", "GET", at("a/b/c/d"), Auth::Bearer, 404),
        case("a publish without a token", "PUT", at("crafted"), Auth::None, 401)
            .json(&honest_body("crafted", "1.0.0", &good)),
        case("a publish with a bad token", "PUT", at("crafted"), Auth::Header("Bearer not-a-token"), 401)
            .json(&honest_body("crafted", "1.0.0", &good)),
        case("a 3 GB publish", "PUT", at("crafted"), Auth::Bearer, 413).declares(3_000_000_000),
    ]
}

/// The cases of the PyPI endpoint (the server accepts files of at most 1 MiB).
fn pypi() -> Vec<Case> {
    let wheel = build_wheel(&DistSpec::new("crafted", "1.0"));
    let upload = |name: &'static str, fields: Vec<(String, String)>, filename: &str, content: &[u8], status: u16| {
        let (content_type, body) = upload_form(&fields, filename, content);
        case(name, "POST", "/pypi/acme/solo/", Auth::Basic, status).body(&content_type, body)
    };
    let fields = twine_fields(&wheel);
    let garbage = b"this is not a zip archive".to_vec();
    let no_version = zip_of(&[
        ("crafted-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: crafted\n"),
        ("crafted-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]);
    let traversal = zip_of(&[
        ("../../evil.py", b"x"),
        ("crafted-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: crafted\nVersion: 1.0\n"),
    ]);
    let big = vec![7u8; 2 * 1024 * 1024];
    vec![
        upload(
            "a form naming another project",
            with_field(fields.clone(), "name", "other"),
            &wheel.filename,
            &wheel.bytes,
            400,
        )
        .says(&["`other`"]),
        upload(
            "a sha256 that is not the file's",
            with_field(fields.clone(), "sha256_digest", &"0".repeat(64)),
            &wheel.filename,
            &wheel.bytes,
            400,
        )
        .says(&["does not match"]),
        upload("a file name with a path", fields.clone(), "../crafted-1.0-py3-none-any.whl", &wheel.bytes, 400)
            .says(&["path separator"]),
        upload("a file name that is no distribution", fields.clone(), "crafted.exe", &wheel.bytes, 400),
        upload("a wheel that is not a zip", digests_of(fields.clone(), &garbage), &wheel.filename, &garbage, 400),
        upload(
            "a METADATA without Version",
            digests_of(fields.clone(), &no_version),
            &wheel.filename,
            &no_version,
            400,
        )
        .says(&["no `Version` field"]),
        upload(
            "a wheel with a path outside it",
            digests_of(fields.clone(), &traversal),
            &wheel.filename,
            &traversal,
            400,
        ),
        upload(
            "an unknown :action",
            with_field(fields.clone(), ":action", "destroy"),
            &wheel.filename,
            &wheel.bytes,
            400,
        ),
        upload(
            "a version that is not PEP 440",
            with_field(fields.clone(), "version", "not/a/version"),
            &wheel.filename,
            &wheel.bytes,
            400,
        ),
        upload("a file over the upload limit", digests_of(fields.clone(), &big), &wheel.filename, &big, 413),
        case("a form that is not multipart", "POST", "/pypi/acme/solo/", Auth::Basic, 400).body("text/plain", "hello"),
        {
            let (content_type, body) = upload_form(&fields, &wheel.filename, &wheel.bytes);
            case("an upload without credentials", "POST", "/pypi/acme/solo/", Auth::None, 401).body(&content_type, body)
        },
        case("a file path with `..`", "GET", "/pypi/acme/solo/files/crafted/1.0/..%2F..%2Fx", Auth::Basic, 404),
        case("a project page of an unknown repository", "GET", "/pypi/acme/nowhere/simple/crafted/", Auth::Basic, 404),
    ]
}

/// The cases of the Maven endpoint.
fn maven() -> Vec<Case> {
    let at = |path: &str| format!("/maven/acme/solo/{path}");
    let pom = |body: &str| body.as_bytes().to_vec();
    let put = |name: &'static str, path: &str, body: Vec<u8>, status: u16| {
        case(name, "PUT", at(path), Auth::Basic, status).body("application/octet-stream", body)
    };
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>x</artifactId><version>1.0</version><name>&lol2;</name></project>"#;
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]><project><modelVersion>4.0.0</modelVersion><groupId>com.acme</groupId><artifactId>x</artifactId><version>1.0</version><name>&e;</name></project>"#;
    let other = r#"<project><modelVersion>4.0.0</modelVersion><groupId>com.other</groupId><artifactId>y</artifactId><version>2.0</version></project>"#;
    vec![
        put("a POM that is not XML", "com/acme/x/1.0/x-1.0.pom", pom("not xml at all <"), 400),
        put("a POM with entities (billion laughs)", "com/acme/x/1.0/x-1.0.pom", pom(laughs), 400),
        put("a POM with an external entity (XXE)", "com/acme/x/1.0/x-1.0.pom", pom(xxe), 400),
        put("a POM for other coordinates than its path", "com/acme/x/1.0/x-1.0.pom", pom(other), 400),
        put("a maven-metadata.xml that is not XML", "com/acme/x/maven-metadata.xml", pom("<metadata"), 400),
        put("a checksum that is no SHA-1", "com/acme/x/1.0/x-1.0.jar.sha1", pom("0000"), 400).says(&["40 hex digits"]),
        put("a checksum of a file that is not here", "com/acme/x/1.0/x-1.0.jar.sha1", "0".repeat(40).into_bytes(), 404),
        put("a file name not of its version", "com/acme/x/1.0/y-2.0.jar", b"jar".to_vec(), 400),
        case("a path with `..`", "PUT", at("com/acme/../../x/1.0/x-1.0.jar"), Auth::Basic, 400)
            .body("application/octet-stream", "jar"),
        put("a path with no file", "com/acme/x/1.0/", b"jar".to_vec(), 400),
        case("a deploy without credentials", "PUT", at("com/acme/x/1.0/x-1.0.jar"), Auth::None, 401)
            .body("application/octet-stream", "jar"),
        case("a deploy with a bad token", "PUT", at("com/acme/x/1.0/x-1.0.jar"), Auth::Header("Bearer nope"), 401)
            .body("application/octet-stream", "jar"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_is_refused_and_changes_nothing() {
    let server =
        TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &[("TRIBUTARY_MAX_UPLOAD_BYTES", "1048576")]);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    create_repository(&sdk, "acme", "r2", &[]).await;
    create_repository(&sdk, "acme", "r1", &["r2"]).await;

    let cases: Vec<Case> = [control_plane(), npm(), pypi(), maven()].into_iter().flatten().collect();
    assert!(cases.len() >= 60, "the table has {} cases", cases.len());
    let server = std::sync::Arc::new(server);
    let mut failures = Vec::new();
    for case in cases {
        let (runner, token) = (server.clone(), token.clone());
        let (case, (status, body)) = tokio::task::spawn_blocking(move || {
            let answer = send(&runner, &token, &case);
            (case, answer)
        })
        .await
        .expect("a case ran");
        let missing: Vec<&&str> = case.says.iter().filter(|part| !body.contains(**part)).collect();
        if status != case.status || !missing.is_empty() {
            failures.push(format!("{}: got {status}, want {}; missing {missing:?} in: {body}", case.name, case.status));
        }
    }
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));

    // Nothing was stored.
    let domains = sdk.list_domains().send().await.expect("list domains");
    let names: Vec<&str> = domains.domains().iter().filter_map(|d| d.name()).collect();
    assert_eq!(names, ["acme"]);
    let repositories = sdk.list_repositories_in_domain().domain("acme").send().await.expect("list repositories");
    let mut names: Vec<&str> = repositories.repositories().iter().filter_map(|r| r.name()).collect();
    names.sort_unstable();
    assert_eq!(names, ["r1", "r2", "solo"]);
    let upstreams = sdk.describe_repository().domain("acme").repository("r2").send().await.expect("describe r2");
    assert!(upstreams.repository().is_some_and(|r| r.upstreams().is_empty()), "r2 kept no upstream");
    let packages = sdk.list_packages().domain("acme").repository("solo").send().await.expect("list packages");
    assert!(packages.packages().is_empty(), "bad requests stored {:?}", packages.packages());
}
