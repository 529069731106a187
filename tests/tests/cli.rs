//! The `tributary` CLI over the control plane (docs/ARCHITECTURE.md, "The tributary CLI"), run
//! as a person runs it: the binary, with the server and the keys in the `aws` CLI's variables or
//! in a profile file.
//!
//! - `manages_domains_repositories_and_versions`: a domain and a chain made with `domain create`
//!   and `repo create --upstream/--connection`; `search-order` numbers the steps and marks the
//!   gateway; a version published over npm's protocol is listed by `version list`, archived by
//!   `version status`, and `--json` gives the server's own answer; a missing domain is refused
//!   with a hint naming the command that lists them.
//! - `reads_a_profile_file`: the same keys from `~/.config/tributary/config.toml`'s profile, and
//!   a profile that is not there is refused, naming the file.
//! - `prints_completions`: `tributary completions bash` prints a completion script.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use tributary_tests::npm_fixture::{PackageSpec, honest_body, npm_pack};
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, AdminKeys, Backend, TestServer, token_for, tributary_bin,
};

/// The CLI with `home` as its home and no credentials but those `env` gives.
fn cli(home: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(tributary_bin());
    command.env_clear().env("HOME", home).env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command.envs(env.iter().copied()).args(args);
    command.output().unwrap_or_else(|e| panic!("cannot run `tributary {}`: {e}", args.join(" ")))
}

/// Its standard output, after checking it succeeded.
fn ok(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "`{what}` failed:\n{stdout}\n{stderr}");
    stdout
}

/// The words of each line of a table, its header first.
fn rows(table: &str) -> Vec<Vec<String>> {
    table.lines().map(|line| line.split_whitespace().map(str::to_owned).collect()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manages_domains_repositories_and_versions() {
    let server = TestServer::start_with(Backend::Sqlite, AdminKeys::Fixed);
    let home = tempfile::tempdir().expect("a home");
    let url = server.url();
    let env = [
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_ACCESS_KEY_ID", ADMIN_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET_ACCESS_KEY),
    ];
    let run = |args: &[&str]| ok(cli(home.path(), &env, args), &args.join(" "));

    run(&["domain", "create", "acme"]);
    run(&["repo", "create", "--domain", "acme", "gateway", "--connection", "public:npmjs"]);
    run(&["repo", "create", "--domain", "acme", "team", "--upstream", "gateway", "--description", "The team's"]);
    run(&["repo", "create", "--domain", "acme", "app", "--upstream", "team"]);
    let domains = rows(&run(&["domain", "list"]));
    assert_eq!(domains[0][..3], ["DOMAIN", "OWNER", "STATUS"]);
    assert_eq!(domains[1][0], "acme");
    let described = run(&["repo", "describe", "--domain", "acme", "team"]);
    assert!(described.contains("The team's") && described.contains("gateway"), "{described}");
    let order = rows(&run(&["search-order", "--domain", "acme", "app"]));
    assert_eq!(order[1], ["1", "app", "-"]);
    assert_eq!(order[2], ["2", "team", "-"]);
    assert_eq!(order[3], ["3", "gateway", "external", "connection", "public:npmjs"]);
    assert_eq!(order.len(), 4);

    // A version published over npm's protocol (to a repository without upstreams: `app` reaches
    // the real registry, which this machine does not), then listed and archived from the CLI.
    run(&["repo", "create", "--domain", "acme", "local"]);
    let token = token_for(&server.sdk_client(), "acme").await;
    let packs = npm_pack(&[PackageSpec::new("lib", "1.0.0"), PackageSpec::new("lib", "1.1.0")]);
    for packed in &packs {
        let body = honest_body("lib", packed.manifest["version"].as_str().unwrap_or_default(), &packed.tarball);
        let put = server.http().put(format!("{url}/npm/acme/local/lib")).bearer_auth(&token).json(&body);
        assert_eq!(put.send().await.expect("an answer").status().as_u16(), 200);
    }
    let package = ["--domain", "acme", "--repository", "local", "--format", "npm", "lib"];
    let listed = rows(&run(&[&["version", "list"][..], &package].concat()));
    let mut versions: Vec<(&str, &str)> = listed[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    versions.sort();
    assert_eq!(versions, [("1.0.0", "Published"), ("1.1.0", "Published")]);
    let changed =
        rows(&run(&[&["version", "status"][..], &package, &["--version", "1.0.0", "--to", "Archived"]].concat()));
    assert_eq!(changed[1], ["1.0.0", "Archived", "-"]);
    let archived: Value =
        serde_json::from_str(&run(&[&["version", "list"][..], &package, &["--status", "Archived", "--json"]].concat()))
            .expect("JSON");
    let names: Vec<&str> =
        archived["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_str()).collect();
    assert_eq!(names, ["1.0.0"]);
    let packages = rows(&run(&["package", "list", "--domain", "acme", "--repository", "local"]));
    assert_eq!(packages[1][..2], ["npm", "-"]);
    assert_eq!(packages[1][2], "lib");

    // What is missing is refused with the next command to run.
    let missing = cli(home.path(), &env, &["repo", "list", "--domain", "nowhere"]);
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(said.contains("hint: list the domains with `tributary domain list`"), "{said}");
}

#[test]
fn reads_a_profile_file() {
    let server = TestServer::start_with(Backend::Sqlite, AdminKeys::Fixed);
    let home = tempfile::tempdir().expect("a home");
    let config = home.path().join(".config/tributary/config.toml");
    std::fs::create_dir_all(config.parent().expect("a directory")).expect("the config directory");
    std::fs::write(
        &config,
        format!(
            "[profiles.default]\nendpoint_url = \"{}\"\naccess_key_id = \"{ADMIN_ACCESS_KEY_ID}\"\nsecret_access_key = \"{ADMIN_SECRET_ACCESS_KEY}\"\n",
            server.url()
        ),
    )
    .expect("the config file");
    ok(cli(home.path(), &[], &["domain", "create", "from-profile"]), "domain create");
    let listed = ok(cli(home.path(), &[], &["domain", "list", "--json"]), "domain list");
    let listed: Value = serde_json::from_str(&listed).expect("JSON");
    assert_eq!(listed["domains"][0]["name"], "from-profile");
    // A profile that is not in the file is refused, naming it and the file.
    let refused = cli(home.path(), &[], &["domain", "list", "--profile", "staging"]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(said.contains("no profile `staging`") && said.contains("config.toml"), "{said}");
    // Without a server anywhere, the refusal says where to give one.
    let nowhere = tempfile::tempdir().expect("a home");
    let refused = cli(nowhere.path(), &[], &["domain", "list"]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--endpoint-url") && said.contains("AWS_ENDPOINT_URL"), "{said}");
}

#[test]
fn prints_completions() {
    let home = tempfile::tempdir().expect("a home");
    let script = ok(cli(home.path(), &[], &["completions", "bash"]), "completions bash");
    assert!(script.contains("_tributary()") && script.contains("search-order"), "{}", &script[..script.len().min(400)]);
}
