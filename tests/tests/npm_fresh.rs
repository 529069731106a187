//! Fresh versions on demand (issue 16, item 7), on SQLite and PostgreSQL: the chain `aa -> bb ->
//! gateway(public:npmjs)`, the upstream document kept for an hour
//! (`TRIBUTARY_METADATA_TTL_SECONDS=3600`).
//!
//! - `a_new_version_installs_at_once`: `lib` 1.0.0 is read through `aa` (the registry's document is
//!   now cached); the registry then publishes 1.1.0, and a project whose lockfile names 1.1.0 at
//!   `aa` (made elsewhere, as a lockfile is) installs with `npm ci` at once: the tarball request
//!   for a version the cached document lacks revalidates it (the document being more than a few
//!   seconds old: within that, a burst of misses asks once). A version the registry does not
//!   have still answers 404, and asking again within seconds does not ask the registry again.

use serde_json::{Value, json};
use tributary_tests::npm_fixture::{NpmFixture, PackageSpec, npm_command, npm_pack, write_npmrc};
use tributary_tests::scenario::{chain, server_with_upstream};
use tributary_tests::{Backend, TestServer, on_both_backends};

on_both_backends!(a_new_version_installs_at_once);

async fn get(server: &TestServer, token: &str, path: &str) -> (u16, String) {
    let answer =
        server.http().get(format!("{}{path}", server.url())).bearer_auth(token).send().await.expect("an answer");
    (answer.status().as_u16(), answer.text().await.unwrap_or_default())
}

async fn a_new_version_installs_at_once(backend: Backend) {
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "1.1.0")]);
    let fixture = NpmFixture::with(&packs[..1]);
    let server = server_with_upstream(
        backend,
        "TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL",
        &fixture.url(),
        &[("TRIBUTARY_METADATA_TTL_SECONDS", "3600")],
    );
    let token = chain(&server.sdk_client(), "acme", "gateway", "public:npmjs").await;
    let (status, doc) = get(&server, &token, "/npm/acme/aa/lib").await;
    assert_eq!(status, 200, "{doc}");
    let doc: Value = serde_json::from_str(&doc).expect("json");
    assert!(doc["versions"]["1.1.0"].is_null());
    fixture.publish(&packs[1]);
    // A document read within the last few seconds is not asked for again (a burst of misses
    // makes one request): the lockfile comes a little later, as it would.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;

    // A lockfile made elsewhere names 1.1.0 at `aa`: `npm ci` asks for its tarball directly.
    let home = tempfile::tempdir().expect("a HOME");
    let registry = format!("{}/npm/acme/aa/", server.url());
    write_npmrc(home.path(), &registry, &token);
    let project = home.path().join("project");
    std::fs::create_dir(&project).expect("a project");
    let manifest = json!({ "name": "consumer", "version": "1.0.0", "dependencies": { "lib": "1.1.0" } });
    std::fs::write(project.join("package.json"), manifest.to_string()).expect("package.json");
    let lock = json!({
        "name": "consumer", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": { "name": "consumer", "version": "1.0.0", "dependencies": { "lib": "1.1.0" } },
            "node_modules/lib": {
                "version": "1.1.0",
                "resolved": format!("{registry}{}", packs[1].tarball_path()),
                "integrity": packs[1].integrity(),
            }
        }
    });
    std::fs::write(project.join("package-lock.json"), lock.to_string()).expect("package-lock.json");
    let installed = npm_command(home.path()).current_dir(&project).args(["ci"]).output().expect("npm runs");
    let said = format!("{}{}", String::from_utf8_lossy(&installed.stdout), String::from_utf8_lossy(&installed.stderr));
    assert!(installed.status.success(), "{said}");
    let installed: Value =
        serde_json::from_slice(&std::fs::read(project.join("node_modules/lib/package.json")).expect("installed"))
            .expect("a manifest");
    assert_eq!(installed["version"], "1.1.0");

    // A version nobody has is still a 404, and the registry is asked once for it.
    let missing = "lib/-/lib-9.9.9.tgz";
    let before = fixture.requests("/lib");
    assert_eq!(get(&server, &token, &format!("/npm/acme/aa/{missing}")).await.0, 404);
    assert_eq!(get(&server, &token, &format!("/npm/acme/aa/{missing}")).await.0, 404);
    assert!(fixture.requests("/lib") - before <= 1, "the document was asked for again within seconds");
}
