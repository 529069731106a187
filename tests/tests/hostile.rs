//! What a hostile probe of the release binary found (issue 10), each defect as the test that
//! failed before its fix: the real `tributary` binary, driven over HTTP as an attacker or a
//! careless client would, with a misbehaving registry (`tributary_tests::fault_fixture`) as the
//! public one.
//!
//! - `a_stale_revision_changes_nothing`: a packument write naming an old `_rev` gets 409 and
//!   deletes nothing (it deleted every version missing from the stale document).
//! - `npm_reads_no_body_before_authenticating`: an anonymous 400 MB PUT is answered 401 from its
//!   head (the server read it whole first).
//! - `one_client_cannot_take_every_connection`, `a_body_that_trickles_is_dropped`: a flood of
//!   connections from one address, and a body sent a byte at a time.
//! - `upstream_faults`: a registry that stalls before its head or mid-body, cuts a download
//!   short, throttles, fails, or streams a document without end; each has a bounded, defined
//!   outcome and stores nothing.
//! - `tokens_of_a_deleted_domain_see_nothing`, `connection_urls_and_errors_are_redacted`,
//!   `tokens_only_read_the_control_plane`: what a token may see and do.
//! - `npm_legacy_login`: `PUT /-/user/org.couchdb.user:{key}` gives a token; a wrong secret 401.
//! - `stale_temporary_uploads_are_removed_at_start`.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tributary_tests::fault_fixture::{Fault, FaultFixture};
use tributary_tests::npm_fixture::{honest_body, integrity_of, sha1_hex, tgz};
use tributary_tests::scenario::{chain, one_repository, server_with_upstream};
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, TestServer, assert_mentions, healthz,
    on_both_backends,
};

on_both_backends!(a_stale_revision_changes_nothing);

/// A tarball of `name@version`, as `npm pack` lays it out.
fn package(name: &str, version: &str) -> Vec<u8> {
    let manifest = json!({ "name": name, "version": version }).to_string();
    tgz(&[("package/package.json", manifest.as_bytes()), ("package/index.js", b"module.exports = 1;\n")])
}

/// `method {url}` with the bearer `token` and a JSON `body`: the status, the headers and the body.
async fn send(
    server: &TestServer,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = server.http().request(method, url).timeout(Duration::from_secs(60));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap_or_default())
}

/// The versions the full packument of `name` lists, and its `_rev`.
async fn versions_and_rev(server: &TestServer, registry: &str, token: &str, name: &str) -> (Vec<String>, Value) {
    let (status, _, body) = send(server, reqwest::Method::GET, &format!("{registry}{name}"), Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    let doc: Value = serde_json::from_str(&body).expect("a packument");
    let versions = doc["versions"].as_object().map(|v| v.keys().cloned().collect()).unwrap_or_default();
    (versions, doc)
}

/// Defect 1: `PUT /{name}/-rev/{rev}` with a stale document deleted every version missing from
/// it, including one published after it was read.
async fn a_stale_revision_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let registry = format!("{}/npm/acme/solo/", server.url());
    let publish = |version: &'static str| {
        let body = honest_body("revs", version, &package("revs", version));
        let (server, registry, token) = (&server, &registry, &token);
        async move {
            let (status, _, text) =
                send(server, reqwest::Method::PUT, &format!("{registry}revs"), Some(token), Some(&body)).await;
            assert_eq!(status, 200, "publish {version}: {text}");
        }
    };
    publish("1.0.0").await;
    publish("1.1.0").await;
    let (_, stale) = versions_and_rev(&server, &registry, &token, "revs").await;
    publish("1.2.0").await;

    // The stale document minus 1.0.0, as `npm unpublish revs@1.0.0` would send it.
    let stale_rev = stale["_rev"].as_str().expect("a _rev").to_owned();
    let mut minus = stale.clone();
    minus["versions"].as_object_mut().expect("versions").remove("1.0.0");
    let url = format!("{registry}revs/-rev/{stale_rev}");
    let (status, _, body) = send(&server, reqwest::Method::PUT, &url, Some(&token), Some(&minus)).await;
    assert_eq!(status, 409, "a stale revision: {body}");
    assert_mentions(&body, &[&stale_rev, "read it again"]);
    let (status, _, body) = send(&server, reqwest::Method::DELETE, &url, Some(&token), None).await;
    assert_eq!(status, 409, "unpublishing the package at a stale revision: {body}");
    let (versions, current) = versions_and_rev(&server, &registry, &token, "revs").await;
    assert_eq!(versions, ["1.0.0", "1.1.0", "1.2.0"], "nothing was deleted");

    // The current revision works, and removes only what the client left out.
    let rev = current["_rev"].as_str().expect("a _rev").to_owned();
    assert_ne!(rev, stale_rev);
    let mut minus = current.clone();
    minus["versions"].as_object_mut().expect("versions").remove("1.0.0");
    let url = format!("{registry}revs/-rev/{rev}");
    let (status, _, body) = send(&server, reqwest::Method::PUT, &url, Some(&token), Some(&minus)).await;
    assert_eq!(status, 200, "{body}");
    let (versions, _) = versions_and_rev(&server, &registry, &token, "revs").await;
    assert_eq!(versions, ["1.1.0", "1.2.0"]);
}

/// Writes `head` and then `body_bytes` zero bytes on a raw connection; returns the status line
/// the server answered with (empty when it closed without one) and how long that took.
fn raw_request(port: u16, head: &str, body_bytes: usize) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("a read timeout");
    stream.write_all(head.as_bytes()).expect("send the head");
    let chunk = vec![0u8; 64 * 1024];
    let mut sent = 0;
    while sent < body_bytes {
        // The server may answer and close before the body is sent: stop writing then.
        if stream.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut answer = vec![0u8; 256];
    let n = stream.read(&mut answer).unwrap_or(0);
    let status = String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_owned();
    (status, started.elapsed())
}

/// Defect 2: the npm endpoint read the whole body (up to 512 MiB) before it authenticated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_reads_no_body_before_authenticating() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let port = server.port();
    // 400 MB declared, 1 MiB sent: the answer must come from the head alone.
    let head = format!(
        "PUT /npm/acme/solo/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 419430400\r\n\r\n"
    );
    let (status, elapsed) =
        tokio::task::spawn_blocking(move || raw_request(port, &head, 1024 * 1024)).await.expect("the raw request ran");
    assert!(status.starts_with("HTTP/1.1 401"), "an anonymous publish: `{status}`");
    assert!(elapsed < Duration::from_secs(10), "answered from its head: {elapsed:?}");
    // A wrong token is refused the same way.
    let head = format!(
        "PUT /npm/acme/solo/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer nope\r\nContent-Type: application/json\r\nContent-Length: 419430400\r\n\r\n"
    );
    let (status, _) =
        tokio::task::spawn_blocking(move || raw_request(port, &head, 1024 * 1024)).await.expect("the raw request ran");
    assert!(status.starts_with("HTTP/1.1 401"), "a bad token: `{status}`");
    // An authenticated publish over the limit is refused from its head too.
    let head = format!(
        "PUT /npm/acme/solo/x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 3000000000\r\n\r\n"
    );
    let (status, _) =
        tokio::task::spawn_blocking(move || raw_request(port, &head, 0)).await.expect("the raw request ran");
    assert!(status.starts_with("HTTP/1.1 413"), "over the limit: `{status}`");
}

/// A connection from `source` (a loopback address) to the server.
fn connect_from(source: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::from((source, 0)).into())?;
    socket.connect(&SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    Ok(socket.into())
}

/// Defect 3: about a thousand connections trickling a body took every file descriptor and
/// `/healthz` stopped answering. One address now holds at most its limit; past it, connections
/// are closed at once, and everyone else is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_take_every_connection() {
    let server = TestServer::start_with_env(
        Backend::Sqlite,
        AdminKeys::Fixed,
        &[("TRIBUTARY_MAX_CONNECTIONS_PER_CLIENT", "40"), ("TRIBUTARY_BODY_READ_TIMEOUT_SECONDS", "60")],
    );
    let port = server.port();
    let outcome = tokio::task::spawn_blocking(move || {
        // 200 connections from 127.0.0.2, each sending a head and one byte of its body.
        let mut held = Vec::new();
        for _ in 0..200 {
            let Ok(mut stream) = connect_from([127, 0, 0, 2], port) else { continue };
            let head = format!(
                "POST /v1/domain?domain=flood HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1000\r\n\r\n{{"
            );
            let _ = stream.write_all(head.as_bytes());
            held.push(stream);
        }
        std::thread::sleep(Duration::from_millis(500));
        // The server closed those over the limit: a read sees the end (or a reset) at once.
        let mut closed = 0;
        for stream in &mut held {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
            let mut byte = [0u8; 1];
            match stream.read(&mut byte) {
                Ok(0) => closed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
                _ => {}
            }
        }
        let healthy_meanwhile = (0..5).all(|_| healthz(port));
        (held.len(), closed, healthy_meanwhile)
    })
    .await
    .expect("the flood ran");
    let (opened, closed, healthy_meanwhile) = outcome;
    assert_eq!(opened, 200, "every connection was accepted by the kernel");
    assert!(closed >= 160, "the connections over the limit of 40 were closed: {closed} of {opened}");
    assert!(healthy_meanwhile, "/healthz answers from another address while one floods");
}

/// Defect 3, the other half: a body that pauses longer than the body read timeout fails its
/// request and frees its connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_is_dropped() {
    let server =
        TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &[("TRIBUTARY_BODY_READ_TIMEOUT_SECONDS", "2")]);
    let port = server.port();
    let elapsed = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");
        let head = format!(
            "POST /v1/domain?domain=trickle HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1000\r\n\r\n{{"
        );
        stream.write_all(head.as_bytes()).expect("send the head");
        // Then nothing: the server must give up on the body by itself.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
        started.elapsed()
    })
    .await
    .expect("the trickle ran");
    assert!(elapsed < Duration::from_secs(15), "the stalled body was dropped after {elapsed:?}");
    assert!(healthz(port));
}

/// A packument for `name@1.0.0` whose tarball is served by `fixture`.
fn packument(fixture: &FaultFixture, name: &str, tarball: &[u8]) -> Vec<u8> {
    json!({
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": {
            "name": name,
            "version": "1.0.0",
            "dist": {
                "tarball": format!("{}/{name}/-/{name}-1.0.0.tgz", fixture.url()),
                "integrity": integrity_of(tarball),
                "shasum": sha1_hex(tarball),
            },
        }},
    })
    .to_string()
    .into_bytes()
}

/// Downloads `url` whole; the status, and the body or why it failed.
async fn download(url: &str, token: &str) -> (u16, Result<Vec<u8>, String>) {
    let client = reqwest::Client::builder().no_proxy().build().expect("a client");
    let response =
        client.get(url).bearer_auth(token).timeout(Duration::from_secs(60)).send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.bytes().await.map(|b| b.to_vec()).map_err(|e| e.to_string()))
}

/// Defects 4, 5 and 13, and the upstream-fault cases: each misbehaviour of the registry has a
/// bounded outcome, and a failed download stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_faults() {
    let fixture = FaultFixture::start();
    let server = server_with_upstream(
        Backend::Sqlite,
        "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL",
        &fixture.url(),
        &[("TRIBUTARY_UPSTREAM_READ_TIMEOUT_SECONDS", "2")],
    );
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gw", "public:npmjs").await;
    let registry = format!("{}/npm/acme/aa/", server.url());
    let get = |path: &str| {
        let url = format!("{registry}{path}");
        let token = token.clone();
        async move {
            let started = Instant::now();
            let (status, body) = download(&url, &token).await;
            (status, body, started.elapsed())
        }
    };

    // A tarball that stalls mid-body: the client's download fails within the read timeout, a
    // second client waiting for the same file is not wedged behind it, nothing is stored, and
    // once the registry heals the file is served.
    let tarball = package("stall", "1.0.0");
    fixture
        .set("/stall", Fault::Serve { content_type: "application/json", body: packument(&fixture, "stall", &tarball) });
    fixture.set("/stall/-/stall-1.0.0.tgz", Fault::StallMidBody { body: tarball.clone(), sent: tarball.len() / 2 });
    let (first, second) = tokio::join!(get("stall/-/stall-1.0.0.tgz"), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        get("stall/-/stall-1.0.0.tgz").await
    });
    for (status, body, elapsed) in [&first, &second] {
        assert!(*status >= 500 || body.is_err(), "a stalled download must fail: {status} {body:?}");
        assert!(*elapsed < Duration::from_secs(20), "failed within the read timeout: {elapsed:?}");
    }
    let versions = sdk
        .list_package_versions()
        .domain("acme")
        .repository("gw")
        .format(aws_sdk_codeartifact::types::PackageFormat::Npm)
        .package("stall")
        .send()
        .await;
    assert!(versions.map(|v| v.versions().is_empty()).unwrap_or(true), "a failed download stores nothing");
    fixture.set(
        "/stall/-/stall-1.0.0.tgz",
        Fault::Serve { content_type: "application/octet-stream", body: tarball.clone() },
    );
    let (status, body, _) = get("stall/-/stall-1.0.0.tgz").await;
    assert_eq!((status, body.as_deref().ok()), (200, Some(tarball.as_slice())), "served once the registry heals");

    // A download cut short is refused (its digests do not match) and stores nothing.
    let tarball = package("cut", "1.0.0");
    fixture.set("/cut", Fault::Serve { content_type: "application/json", body: packument(&fixture, "cut", &tarball) });
    fixture.set("/cut/-/cut-1.0.0.tgz", Fault::Truncate { body: tarball.clone(), sent: tarball.len() / 3 });
    let (status, body, _) = get("cut/-/cut-1.0.0.tgz").await;
    assert!(status >= 500 || body.is_err(), "a truncated download must fail: {status} {body:?}");

    // A packument whose registry never answers: 504 within the read timeout.
    fixture.set("/silent", Fault::StallBeforeHead);
    let (status, _, elapsed) = get("silent").await;
    assert_eq!(status, 504, "a silent registry");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");

    // Throttled for long: 429 with the registry's Retry-After, for the client to back off.
    fixture.set(
        "/busy",
        Fault::Status { status: 429, retry_after: Some(120), times: 1000, then: Box::new(Fault::StallBeforeHead) },
    );
    let response = server.http().get(format!("{registry}busy")).bearer_auth(&token).send().await.expect("answers");
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("120"));

    // Throttled briefly: waited out and retried once, so the client sees the document.
    let tarball = package("brief", "1.0.0");
    let doc = packument(&fixture, "brief", &tarball);
    fixture.set(
        "/brief",
        Fault::Status {
            status: 429,
            retry_after: Some(1),
            times: 1,
            then: Box::new(Fault::Serve { content_type: "application/json", body: doc }),
        },
    );
    let (status, _, _) = get("brief").await;
    assert_eq!(status, 200, "a short Retry-After is waited out");
    assert_eq!(fixture.requests("/brief"), 2);

    // A registry failing: 502.
    fixture.set(
        "/broken",
        Fault::Status { status: 500, retry_after: None, times: 1000, then: Box::new(Fault::StallBeforeHead) },
    );
    let (status, _, _) = get("broken").await;
    assert_eq!(status, 502);

    // A chunked document without end: refused at the document limit, not read into memory.
    fixture.set("/endless", Fault::EndlessChunked { total: 300 * 1024 * 1024 });
    let (status, body, elapsed) = get("endless").await;
    assert_eq!(status, 502, "{body:?}");
    assert_mentions(&String::from_utf8_lossy(body.as_deref().unwrap_or_default()), &["larger than"]);
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert!(healthz(server.port()));
}

/// Defect 6: a token whose domain was deleted listed the repositories of every domain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_a_deleted_domain_see_nothing() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    one_repository(&sdk, "other", "secret-repo").await;
    let token = one_repository(&sdk, "gone", "repo").await;
    sdk.delete_repository().domain("gone").repository("repo").send().await.expect("delete the repository");
    sdk.delete_domain().domain("gone").send().await.expect("delete the domain");
    let (status, _, body) =
        send(&server, reqwest::Method::POST, &format!("{}/v1/repositories", server.url()), Some(&token), None).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("secret-repo"), "{body}");
}

/// Defect 7: the external-connection listing showed a mirror URL's credentials to any token,
/// and other domains' package names in its last error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_urls_and_errors_are_redacted() {
    // A mirror with credentials in its URL, which refuses connections.
    let mirror = "http://mirror-user:hunter2@127.0.0.1:9/npm/";
    let server = server_with_upstream(Backend::Sqlite, "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", mirror, &[]);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gw", "public:npmjs").await;
    let (status, _, body) =
        send(&server, reqwest::Method::GET, &format!("{}/npm/acme/aa/private-name", server.url()), Some(&token), None)
            .await;
    assert_eq!(status, 502, "{body}");
    assert!(!body.contains("hunter2"), "the client's error names no credentials: {body}");
    let (status, _, body) =
        send(&server, reqwest::Method::GET, &format!("{}/v1/external-connections", server.url()), Some(&token), None)
            .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("hunter2") && !body.contains("mirror-user"), "{body}");
    let list: Value = serde_json::from_str(&body).expect("JSON");
    let npm = list["externalConnections"]
        .as_array()
        .and_then(|l| l.iter().find(|c| c["externalConnectionName"] == "public:npmjs"))
        .expect("public:npmjs is listed")
        .clone();
    assert_eq!(npm["url"], "http://127.0.0.1:9/npm");
    assert!(npm["health"]["lastError"].is_number(), "the failure is recorded: {npm}");
    assert!(npm["health"]["lastErrorMessage"].is_null(), "a token sees no message: {npm}");
    // The administrator, with access keys, sees the message, its URL redacted.
    let response = server
        .signed("GET", "/v1/external-connections", b"", std::time::SystemTime::now(), false)
        .send()
        .await
        .expect("answered");
    let body = response.text().await.expect("a body");
    assert_mentions(&body, &["could not be reached", "http://127.0.0.1:9/npm/private-name"]);
    assert!(!body.contains("hunter2"), "{body}");
}

/// Defect 15: a bearer token (what npm and pip keep in plain text) reached DeleteRepository and
/// DeletePackageVersions. It may read the control plane, not change it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_only_read_the_control_plane() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let url = server.url();
    let registry = format!("{url}/npm/acme/solo/");
    let body = honest_body("kept", "1.0.0", &package("kept", "1.0.0"));
    let (status, _, text) =
        send(&server, reqwest::Method::PUT, &format!("{registry}kept"), Some(&token), Some(&body)).await;
    assert_eq!(status, 200, "a token publishes: {text}");

    let package_query = "domain=acme&repository=solo&format=npm&package=kept";
    for (method, path, body) in [
        (reqwest::Method::DELETE, "/v1/repository?domain=acme&repository=solo".to_owned(), None),
        (reqwest::Method::DELETE, "/v1/domain?domain=acme".to_owned(), None),
        (reqwest::Method::POST, "/v1/repository?domain=acme&repository=planted".to_owned(), None),
        (
            reqwest::Method::POST,
            format!("/v1/package/versions/delete?{package_query}"),
            Some(json!({"versions": ["1.0.0"]})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/package/versions/update_status?{package_query}"),
            Some(json!({"versions": ["1.0.0"], "targetStatus": "Archived"})),
        ),
        (reqwest::Method::DELETE, format!("/v1/package?{package_query}"), None),
        (reqwest::Method::POST, "/v1/authorization-token?domain=acme".to_owned(), None),
    ] {
        let (status, headers, text) =
            send(&server, method.clone(), &format!("{url}{path}"), Some(&token), body.as_ref()).await;
        assert_eq!(status, 403, "{method} {path}: {text}");
        assert_eq!(headers.get("x-amzn-ErrorType").and_then(|v| v.to_str().ok()), Some("AccessDeniedException"));
        assert_mentions(&text, &["access keys"]);
    }
    // Reads work.
    for path in
        ["/v1/repository?domain=acme&repository=solo".to_owned(), format!("/v1/package/versions?{package_query}")]
    {
        let method = if path.contains("versions") { reqwest::Method::POST } else { reqwest::Method::GET };
        let (status, _, text) = send(&server, method, &format!("{url}{path}"), Some(&token), None).await;
        assert_eq!(status, 200, "{path}: {text}");
    }
    // Nothing changed.
    let versions = sdk
        .list_package_versions()
        .domain("acme")
        .repository("solo")
        .format(aws_sdk_codeartifact::types::PackageFormat::Npm)
        .package("kept")
        .send()
        .await
        .expect("list versions");
    let statuses: Vec<_> = versions.versions().iter().map(|v| v.status().as_str().to_owned()).collect();
    assert_eq!(statuses, ["Published"]);
}

/// Defect 11: npm's legacy login was always refused, and a wrong secret gave 403.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_legacy_login() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    one_repository(&sdk, "acme", "solo").await;
    let url = format!("{}/npm/acme/solo/-/user/org.couchdb.user:{ADMIN_ACCESS_KEY_ID}", server.url());
    let login = |password: &str| json!({ "_id": format!("org.couchdb.user:{ADMIN_ACCESS_KEY_ID}"), "name": ADMIN_ACCESS_KEY_ID, "password": password, "type": "user" });
    let (status, _, body) =
        send(&server, reqwest::Method::PUT, &url, None, Some(&login(ADMIN_SECRET_ACCESS_KEY))).await;
    assert_eq!(status, 201, "{body}");
    let token = serde_json::from_str::<Value>(&body).expect("JSON")["token"].as_str().expect("a token").to_owned();
    let (status, _, body) =
        send(&server, reqwest::Method::GET, &format!("{}/npm/acme/solo/-/whoami", server.url()), Some(&token), None)
            .await;
    assert_eq!(status, 200, "the token works: {body}");
    let (status, headers, body) = send(&server, reqwest::Method::PUT, &url, None, Some(&login("wrong"))).await;
    assert_eq!(status, 401, "{body}");
    assert!(headers.contains_key("www-authenticate"));
}

/// Defect 8 through the door: a 100 KB description and a 10,000-character version are refused
/// with 400, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_manifests_are_refused() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let registry = format!("{}/npm/acme/solo/", server.url());
    let mut body = honest_body("big", "1.0.0", &package("big", "1.0.0"));
    body["versions"]["1.0.0"]["description"] = Value::String("d".repeat(100_000));
    let (status, _, text) =
        send(&server, reqwest::Method::PUT, &format!("{registry}big"), Some(&token), Some(&body)).await;
    assert_eq!(status, 400, "{text}");
    assert_mentions(&text, &["`description`"]);
    let long = format!("1.0.0-{}", "a".repeat(10_000));
    let body = honest_body("big", &long, &package("big", &long));
    let (status, _, text) =
        send(&server, reqwest::Method::PUT, &format!("{registry}big"), Some(&token), Some(&body)).await;
    assert_eq!(status, 400, "{text}");
    assert_mentions(&text, &["256"]);
    let listed = sdk.list_packages().domain("acme").repository("solo").send().await.expect("list packages");
    assert!(listed.packages().is_empty(), "{:?}", listed.packages());
}

/// Defect 10, killed uploads: their temporary files were never removed (838 MB after 30 kills).
/// A start removes them; a blob stored before stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_temporary_uploads_are_removed_at_start() {
    let mut server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let registry = format!("{}/npm/acme/solo/", server.url());
    let tarball = package("kept", "1.0.0");
    let body = honest_body("kept", "1.0.0", &tarball);
    let (status, _, text) =
        send(&server, reqwest::Method::PUT, &format!("{registry}kept"), Some(&token), Some(&body)).await;
    assert_eq!(status, 200, "{text}");
    // What a kill -9 mid-upload leaves.
    let temp = server.data_dir().join("blobs/.tmp");
    for i in 0..3 {
        std::fs::write(temp.join(format!("killed-upload-{i}")), vec![7u8; 1024 * 1024]).expect("a leftover");
    }
    server.restart();
    // The sweep runs beside the serving, from the start.
    let left = || -> Vec<_> {
        std::fs::read_dir(&temp).expect("the temporary directory").flatten().map(|e| e.file_name()).collect()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !left().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(left().is_empty(), "leftovers survived a start: {:?}", left());
    let (status, body) = download(&format!("{registry}kept/-/kept-1.0.0.tgz"), &token).await;
    assert_eq!((status, body.ok()), (200, Some(tarball)), "stored blobs stay");
}

/// The blob files a server keeps, in every domain.
fn stored_blobs(server: &TestServer) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![server.data_dir().join("blobs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_name() == ".tmp" {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Defect 10, refused uploads: their blobs were never removed (49 after 50 racing publishes).
/// A blob no version refers to goes once idle for the grace period; referred ones stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_of_refused_uploads_are_collected() {
    let mut server =
        TestServer::start_with_env(Backend::Sqlite, AdminKeys::Fixed, &[("TRIBUTARY_BLOB_GC_GRACE_SECONDS", "1")]);
    let sdk = server.sdk_client();
    let token = one_repository(&sdk, "acme", "solo").await;
    let registry = format!("{}/npm/acme/solo/", server.url());
    // Ten racing publishes of one version, each with other bytes: one wins.
    let publishes = (0..10).map(|i| {
        let tarball = tgz(&[
            ("package/package.json", br#"{"name":"raced","version":"1.0.0"}"#.as_slice()),
            ("package/index.js", format!("module.exports = {i};\n").as_bytes()),
        ]);
        let body = honest_body("raced", "1.0.0", &tarball);
        let (server, registry, token) = (&server, &registry, &token);
        async move {
            let (status, _, _) =
                send(server, reqwest::Method::PUT, &format!("{registry}raced"), Some(token), Some(&body)).await;
            (status, tarball)
        }
    });
    let outcomes = futures::future::join_all(publishes).await;
    let won: Vec<&Vec<u8>> = outcomes.iter().filter(|(s, _)| *s == 200).map(|(_, t)| t).collect();
    assert_eq!(won.len(), 1, "one publish wins: {:?}", outcomes.iter().map(|(s, _)| s).collect::<Vec<_>>());
    let won = won[0].clone();
    assert!(stored_blobs(&server).len() > 1, "refused publishes stored their blobs first");

    std::thread::sleep(Duration::from_millis(1500));
    server.restart();
    // The collection runs beside the serving, from the start.
    let deadline = Instant::now() + Duration::from_secs(20);
    while stored_blobs(&server).len() > 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored_blobs(&server).len(), 1, "only the blob a version refers to is kept");
    let (status, body) = download(&format!("{registry}raced/-/raced-1.0.0.tgz"), &token).await;
    assert_eq!((status, body.ok()), (200, Some(won)), "the published version still downloads");
}
