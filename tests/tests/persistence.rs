//! Everything the control plane stores survives a restart (the process is killed, not asked to
//! stop), on SQLite and on PostgreSQL; and the admin key generated on the first start is printed
//! then, and only then. On SQLite a second `tributary serve` on the same database is refused at
//! start, and the first keeps serving.

use aws_credential_types::Credentials;
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, AdminKeys, Backend, TestServer, assert_mentions, assert_sdk_error, both_backends,
    create_domain, create_repository, token_for, upstream_info, upstreams_of,
};

async fn restart_keeps_everything(mut server: TestServer) {
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    create_domain(&sdk, "beta").await;
    create_repository(&sdk, "acme", "gateway", &[]).await;
    sdk.associate_external_connection()
        .domain("acme")
        .repository("gateway")
        .external_connection("public:pypi")
        .send()
        .await
        .expect("associate");
    create_repository(&sdk, "acme", "shared", &[]).await;
    create_repository(&sdk, "acme", "team", &["gateway"]).await;
    sdk.create_repository()
        .domain("acme")
        .repository("app")
        .description("kept across restarts")
        .upstreams(upstream_info("team"))
        .upstreams(upstream_info("shared"))
        .send()
        .await
        .expect("create app");
    let token = token_for(&sdk, "acme").await;
    let order = ["app", "team", "gateway[public:pypi]", "shared"];
    assert_eq!(server.search_order(&token, "acme", "app").await, order);

    server.restart();

    // The same client (same port, same keys) and the token issued before the restart still work.
    let listed = sdk.list_domains().send().await.expect("list domains after restart");
    let names: Vec<_> = listed.domains().iter().filter_map(|d| d.name()).collect();
    assert_eq!(names, ["acme", "beta"]);
    let acme = sdk.describe_domain().domain("acme").send().await.expect("describe").domain.expect("a domain");
    assert_eq!(acme.repository_count(), 4);
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, ["team", "shared"]);
    assert_eq!(upstreams_of(&sdk, "acme", "team").await, ["gateway"]);
    let app = sdk.describe_repository().domain("acme").repository("app").send().await.expect("describe app");
    assert_eq!(app.repository.as_ref().and_then(|r| r.description()), Some("kept across restarts"));
    let gateway = sdk.describe_repository().domain("acme").repository("gateway").send().await.expect("describe");
    let connections: Vec<_> = gateway
        .repository
        .iter()
        .flat_map(|r| r.external_connections())
        .filter_map(|c| c.external_connection_name())
        .collect();
    assert_eq!(connections, ["public:pypi"]);
    assert_eq!(server.search_order(&token, "acme", "app").await, order, "the token outlives the process");

    // The rules hold on the reloaded graph, and a change after a restart is kept by the next one.
    let err = sdk.update_repository().domain("acme").repository("gateway").upstreams(upstream_info("app")).send().await;
    assert_sdk_error(err, "ConflictException", &["`gateway`", "public:pypi"]);
    let err = sdk.delete_repository().domain("acme").repository("team").send().await;
    assert_sdk_error(err, "ConflictException", &["`team`", "`app`"]);
    sdk.update_repository()
        .domain("acme")
        .repository("app")
        .upstreams(upstream_info("shared"))
        .send()
        .await
        .expect("update after restart");
    sdk.delete_repository().domain("acme").repository("team").send().await.expect("delete team");
    server.restart();
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, ["shared"]);
    let listed = sdk.list_repositories_in_domain().domain("acme").send().await.expect("list");
    let names: Vec<_> = listed.repositories().iter().filter_map(|r| r.name()).collect();
    assert_eq!(names, ["app", "gateway", "shared"]);
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app", "shared"]);
}
both_backends!(restart_keeps_everything);

/// The value after `prefix` on the line of `text` that has it.
fn value_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(prefix))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no line `{prefix}...` in the server's output:\n{text}"))
}

async fn generated_admin_key(backend: Backend) {
    let mut server = TestServer::start_with(backend, AdminKeys::Generated);
    let printed = server.stdout();
    let access_key_id = value_after(&printed, "aws configure set aws_access_key_id ").to_owned();
    let secret = value_after(&printed, "aws configure set aws_secret_access_key ").to_owned();
    assert_eq!(value_after(&printed, "aws configure set region "), "us-east-1");
    assert_mentions(&printed, &[&format!("--endpoint-url {}", server.url())]);
    assert!(access_key_id.len() >= 16 && secret.len() >= 30, "keys look generated: `{access_key_id}` `{secret}`");
    assert!(!server.stderr().contains(&secret), "the secret is printed once, never logged");

    // The web console's address is printed too, and takes the printed key.
    assert_mentions(&printed, &[&format!("{}/ui/", server.url())]);
    let signed_in = tributary_tests::scenario::client()
        .post(format!("{}/ui/sign-in", server.url()))
        .form(&[("access_key_id", access_key_id.as_str()), ("secret_access_key", secret.as_str())])
        .send()
        .await
        .expect("the sign-in is answered");
    assert_eq!(signed_in.status(), 303, "signed in to the console with the printed key");
    assert!(signed_in.headers().get("set-cookie").is_some(), "a session cookie is set");

    let admin = server.sdk_client_with(Credentials::new(&access_key_id, &secret, None, None, "printed"));
    create_domain(&admin, "acme").await;
    let fixed = server.sdk_client();
    let err = fixed.list_domains().send().await;
    assert_sdk_error(err, "UnrecognizedClientException", &[ADMIN_ACCESS_KEY_ID]);

    server.restart();
    let printed_again = server.stdout();
    assert!(
        !printed_again.contains("aws_access_key_id") && !printed_again.contains(&secret),
        "the admin exists: nothing is printed on the second start:\n{printed_again}"
    );
    let listed = admin.list_domains().send().await.expect("the printed key works after a restart");
    assert_eq!(listed.domains().iter().filter_map(|d| d.name()).collect::<Vec<_>>(), ["acme"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_admin_key_sqlite() {
    generated_admin_key(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_admin_key_postgres() {
    generated_admin_key(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_per_sqlite_database() {
    let server = TestServer::start(Backend::Sqlite);
    let second = server.run_tributary(&["serve", "--listen", "127.0.0.1:0"]);
    let said = String::from_utf8_lossy(&second.stderr).into_owned();
    assert!(!second.status.success(), "a second server started on the same SQLite database:\n{said}");
    assert_mentions(&said, &["another `tributary serve`", "PostgreSQL"]);
    let listed = server.sdk_client().list_domains().send().await.expect("the first server still answers");
    assert!(listed.domains().is_empty());
}
