//! The real `aws` CLI (PyPI `awscli`) drives every control-plane operation against the real
//! binary, and prints the right error type and a useful message for each refusal.
//!
//! The CLI costs about half a second per call, so each test is one long scenario; set-up that is
//! not itself under test (long chains of repositories) goes through the SDK.

use serde_json::Value;
use tributary_tests::{
    Backend, TestServer, assert_mentions, create_domain, create_repository, token_for, upstreams_of,
};

/// `json[key][*].name`.
fn names(json: &Value, key: &str) -> Vec<String> {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` array in {json}"))
        .iter()
        .map(|item| item["name"].as_str().unwrap_or_else(|| panic!("an item without a name in {json}")).to_owned())
        .collect()
}

/// `repository.upstreams[*].repositoryName` of a RepositoryDescription answer.
fn upstreams(json: &Value) -> Vec<String> {
    json["repository"]["upstreams"]
        .as_array()
        .unwrap_or_else(|| panic!("no `upstreams` array in {json}"))
        .iter()
        .map(|u| u["repositoryName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `repository.externalConnections[*].externalConnectionName`.
fn connections(json: &Value) -> Vec<String> {
    json["repository"]["externalConnections"]
        .as_array()
        .unwrap_or_else(|| panic!("no `externalConnections` array in {json}"))
        .iter()
        .map(|c| c["externalConnectionName"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn now_epoch() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_flow() {
    let server = TestServer::start(Backend::Sqlite);
    let cli = |args: &[&str]| server.aws(args).ok();

    // A domain.
    let created = cli(&["create-domain", "--domain", "acme"]);
    assert_eq!(created["domain"]["name"], "acme");
    assert_eq!(created["domain"]["owner"], "000000000000");
    assert_eq!(created["domain"]["arn"], "arn:aws:codeartifact:us-east-1:000000000000:domain/acme");
    assert_eq!(created["domain"]["status"], "Active");
    let described = cli(&["describe-domain", "--domain", "acme"]);
    assert_eq!(described["domain"]["repositoryCount"], 0);
    cli(&["create-domain", "--domain", "other-team"]);
    assert_eq!(names(&cli(&["list-domains"]), "domains"), ["acme", "other-team"]);

    // A chain: app -> team -> gateway, the gateway connected to npmjs.
    let gateway = cli(&["create-repository", "--domain", "acme", "--repository", "gateway"]);
    assert_eq!(gateway["repository"]["arn"], "arn:aws:codeartifact:us-east-1:000000000000:repository/acme/gateway");
    let gateway = cli(&[
        "associate-external-connection",
        "--domain",
        "acme",
        "--repository",
        "gateway",
        "--external-connection",
        "public:npmjs",
    ]);
    assert_eq!(connections(&gateway), ["public:npmjs"]);
    assert_eq!(gateway["repository"]["externalConnections"][0]["packageFormat"], "npm");
    let team = cli(&[
        "create-repository",
        "--domain",
        "acme",
        "--repository",
        "team",
        "--upstreams",
        "repositoryName=gateway",
    ]);
    assert_eq!(upstreams(&team), ["gateway"]);
    let app = cli(&[
        "create-repository",
        "--domain",
        "acme",
        "--repository",
        "app",
        "--description",
        "what the app builds use",
        "--upstreams",
        "repositoryName=team",
    ]);
    assert_eq!(upstreams(&app), ["team"]);
    assert_eq!(app["repository"]["description"], "what the app builds use");
    assert_eq!(app["repository"]["domainName"], "acme");
    assert_eq!(app["repository"]["domainOwner"], "000000000000");

    // Read back.
    let app = cli(&["describe-repository", "--domain", "acme", "--repository", "app"]);
    assert_eq!(upstreams(&app), ["team"]);
    assert_eq!(connections(&app), Vec::<String>::new());
    assert_eq!(app["repository"]["description"], "what the app builds use");
    let gateway = cli(&["describe-repository", "--domain", "acme", "--repository", "gateway"]);
    assert_eq!(connections(&gateway), ["public:npmjs"]);
    assert_eq!(upstreams(&gateway), Vec::<String>::new());
    assert_eq!(cli(&["describe-domain", "--domain", "acme"])["domain"]["repositoryCount"], 3);

    // Lists: in the domain, with a prefix, across domains, and paginated.
    cli(&["create-repository", "--domain", "other-team", "--repository", "tools"]);
    let in_domain = cli(&["list-repositories-in-domain", "--domain", "acme"]);
    assert_eq!(names(&in_domain, "repositories"), ["app", "gateway", "team"]);
    assert_eq!(in_domain["repositories"][0]["arn"], "arn:aws:codeartifact:us-east-1:000000000000:repository/acme/app");
    let prefixed = cli(&["list-repositories-in-domain", "--domain", "acme", "--repository-prefix", "te"]);
    assert_eq!(names(&prefixed, "repositories"), ["team"]);
    let everywhere = cli(&["list-repositories"]);
    assert_eq!(names(&everywhere, "repositories"), ["app", "gateway", "team", "tools"]);
    let prefixed = cli(&["list-repositories", "--repository-prefix", "to"]);
    assert_eq!(names(&prefixed, "repositories"), ["tools"]);
    // One item per page: the CLI follows `nextToken` from page to page.
    let all_pages = cli(&["list-repositories", "--page-size", "1"]);
    assert_eq!(names(&all_pages, "repositories"), ["app", "gateway", "team", "tools"]);
    // Two items, then the rest from the CLI's `NextToken`.
    let first = cli(&["list-repositories-in-domain", "--domain", "acme", "--page-size", "1", "--max-items", "2"]);
    assert_eq!(names(&first, "repositories"), ["app", "gateway"]);
    let token = first["NextToken"].as_str().unwrap_or_else(|| panic!("no NextToken after 2 of 3: {first}"));
    let rest = cli(&[
        "list-repositories-in-domain",
        "--domain",
        "acme",
        "--page-size",
        "1",
        "--max-items",
        "2",
        "--starting-token",
        token,
    ]);
    assert_eq!(names(&rest, "repositories"), ["team"]);
    assert!(rest.get("NextToken").is_none(), "no more pages after the last repository: {rest}");
    let domains_paged = cli(&["list-domains", "--page-size", "1"]);
    assert_eq!(names(&domains_paged, "domains"), ["acme", "other-team"]);

    // Tokens, and the search order through the extension with one.
    let token = cli(&["get-authorization-token", "--domain", "acme"]);
    let expiration = token["expiration"].as_f64().unwrap_or_else(|| panic!("no expiration: {token}"));
    assert!((expiration - now_epoch() - 43_200.0).abs() < 120.0, "the default lifetime is 12 hours: {token}");
    let token = token["authorizationToken"].as_str().unwrap_or_else(|| panic!("no token: {token}")).to_owned();
    let short = cli(&["get-authorization-token", "--domain", "acme", "--duration-seconds", "900"]);
    let expiration = short["expiration"].as_f64().unwrap_or_default();
    assert!((expiration - now_epoch() - 900.0).abs() < 120.0, "asked for 900 seconds: {short}");
    let message = server
        .aws(&["get-authorization-token", "--domain", "acme", "--duration-seconds", "899"])
        .error("ValidationException", "GetAuthorizationToken");
    assert_mentions(&message, &["durationSeconds", "899", "900", "43200"]);
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app", "team", "gateway[public:npmjs]"]);

    // Change upstreams: the order is the one given; each repository is searched once.
    let app = cli(&[
        "update-repository",
        "--domain",
        "acme",
        "--repository",
        "app",
        "--upstreams",
        "repositoryName=gateway",
        "repositoryName=team",
    ]);
    assert_eq!(upstreams(&app), ["gateway", "team"]);
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app", "gateway[public:npmjs]", "team"]);
    // A description alone leaves the upstreams as they are.
    let app = cli(&["update-repository", "--domain", "acme", "--repository", "app", "--description", "v2"]);
    assert_eq!(upstreams(&app), ["gateway", "team"]);
    assert_eq!(app["repository"]["description"], "v2");
    assert_eq!(
        upstreams(&cli(&["describe-repository", "--domain", "acme", "--repository", "app"])),
        ["gateway", "team"]
    );

    // CodeArtifact's documented example: my_repo has upstreams A, B; A has C, D; D has E.
    for (name, ups) in [
        ("repo-e", &[][..]),
        ("repo-c", &[][..]),
        ("repo-d", &["repo-e"][..]),
        ("repo-a", &["repo-c", "repo-d"][..]),
        ("repo-b", &[][..]),
        ("my_repo", &["repo-a", "repo-b"][..]),
    ] {
        let mut args = vec!["create-repository", "--domain", "acme", "--repository", name];
        let specs: Vec<String> = ups.iter().map(|u| format!("repositoryName={u}")).collect();
        if !specs.is_empty() {
            args.push("--upstreams");
            args.extend(specs.iter().map(String::as_str));
        }
        cli(&args);
    }
    assert_eq!(
        server.search_order(&token, "acme", "my_repo").await,
        ["my_repo", "repo-a", "repo-c", "repo-d", "repo-e", "repo-b"]
    );

    // Disassociate the external connection; the gateway becomes a plain repository.
    let gateway = cli(&[
        "disassociate-external-connection",
        "--domain",
        "acme",
        "--repository",
        "gateway",
        "--external-connection",
        "public:npmjs",
    ]);
    assert_eq!(connections(&gateway), Vec::<String>::new());
    assert_eq!(server.search_order(&token, "acme", "team").await, ["team", "gateway"]);
    let message = server
        .aws(&[
            "disassociate-external-connection",
            "--domain",
            "acme",
            "--repository",
            "gateway",
            "--external-connection",
            "public:npmjs",
        ])
        .error("ResourceNotFoundException", "DisassociateExternalConnection");
    assert_mentions(&message, &["`gateway`", "public:npmjs"]);

    // Endpoints.
    let endpoint = cli(&["get-repository-endpoint", "--domain", "acme", "--repository", "app", "--format", "npm"]);
    assert_eq!(endpoint["repositoryEndpoint"], format!("http://127.0.0.1:{}/npm/acme/app/", server.port()));
    let endpoint = cli(&["get-repository-endpoint", "--domain", "acme", "--repository", "team", "--format", "pypi"]);
    assert_eq!(endpoint["repositoryEndpoint"], format!("http://127.0.0.1:{}/pypi/acme/team/", server.port()));

    // Delete: a repository no one uses, then everything, then the domain.
    let deleted = cli(&["delete-repository", "--domain", "acme", "--repository", "app"]);
    assert_eq!(deleted["repository"]["name"], "app");
    assert_eq!(upstreams(&deleted), ["gateway", "team"], "DeleteRepository answers the repository as it was");
    let message = server
        .aws(&["describe-repository", "--domain", "acme", "--repository", "app"])
        .error("ResourceNotFoundException", "DescribeRepository");
    assert_mentions(&message, &["`app`", "`acme`"]);
    for name in ["my_repo", "repo-a", "repo-b", "repo-c", "repo-d", "repo-e", "team", "gateway"] {
        cli(&["delete-repository", "--domain", "acme", "--repository", name]);
    }
    assert_eq!(names(&cli(&["list-repositories-in-domain", "--domain", "acme"]), "repositories"), Vec::<String>::new());
    let deleted = cli(&["delete-domain", "--domain", "acme"]);
    assert_eq!(deleted["domain"]["name"], "acme");
    assert_eq!(deleted["domain"]["status"], "Deleted", "{deleted}");
    let message =
        server.aws(&["describe-domain", "--domain", "acme"]).error("ResourceNotFoundException", "DescribeDomain");
    assert_mentions(&message, &["`acme`"]);
    assert_eq!(names(&cli(&["list-domains"]), "domains"), ["other-team"]);
}

/// Refusals of graph changes, each through the CLI: the error type and a message naming what is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_errors() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;

    // 11 direct upstreams: refused; 10: accepted.
    let many: Vec<String> = (1..=11).map(|i| format!("up{i:02}")).collect();
    for name in &many {
        create_repository(&sdk, "acme", name, &[]).await;
    }
    let specs: Vec<String> = many.iter().map(|u| format!("repositoryName={u}")).collect();
    let mut args = vec!["create-repository", "--domain", "acme", "--repository", "wide", "--upstreams"];
    args.extend(specs.iter().map(String::as_str));
    let message = server.aws(&args).error("ServiceQuotaExceededException", "CreateRepository");
    assert_mentions(&message, &["`wide`", "11", "10"]);
    args.pop(); // 10 upstreams
    let wide = server.aws(&args).ok();
    assert_eq!(wide["repository"]["upstreams"].as_array().map(Vec::len), Some(10));
    let mut update = vec!["update-repository", "--domain", "acme", "--repository", "wide", "--upstreams"];
    update.extend(specs.iter().map(String::as_str));
    let message = server.aws(&update).error("ServiceQuotaExceededException", "UpdateRepository");
    assert_mentions(&message, &["`wide`", "11", "10"]);

    // A cycle, and a self link.
    create_repository(&sdk, "acme", "cyc-b", &[]).await;
    create_repository(&sdk, "acme", "cyc-a", &["cyc-b"]).await;
    let message = server
        .aws(&["update-repository", "--domain", "acme", "--repository", "cyc-b", "--upstreams", "repositoryName=cyc-a"])
        .error("ValidationException", "UpdateRepository");
    assert_mentions(&message, &["cycle", "`cyc-b` -> `cyc-a` -> `cyc-b`"]);
    let message = server
        .aws(&["update-repository", "--domain", "acme", "--repository", "cyc-a", "--upstreams", "repositoryName=cyc-a"])
        .error("ValidationException", "UpdateRepository");
    assert_mentions(&message, &["`cyc-a`", "itself"]);
    assert_eq!(upstreams_of(&sdk, "acme", "cyc-b").await, Vec::<String>::new(), "a refused change changes nothing");

    // An upstream that does not exist.
    let message = server
        .aws(&[
            "create-repository",
            "--domain",
            "acme",
            "--repository",
            "lost",
            "--upstreams",
            "repositoryName=nowhere",
        ])
        .error("ResourceNotFoundException", "CreateRepository");
    assert_mentions(&message, &["`nowhere`"]);

    // Deleting an upstream in use names the repositories that use it.
    let message = server
        .aws(&["delete-repository", "--domain", "acme", "--repository", "cyc-b"])
        .error("ConflictException", "DeleteRepository");
    assert_mentions(&message, &["`cyc-b`", "`cyc-a`"]);
    let message = server
        .aws(&["delete-repository", "--domain", "acme", "--repository", "up03"])
        .error("ConflictException", "DeleteRepository");
    assert_mentions(&message, &["`up03`", "`wide`"]);

    // Upstreams and an external connection together, in both orders.
    let message = server
        .aws(&[
            "associate-external-connection",
            "--domain",
            "acme",
            "--repository",
            "cyc-a",
            "--external-connection",
            "public:npmjs",
        ])
        .error("ConflictException", "AssociateExternalConnection");
    assert_mentions(&message, &["`cyc-a`", "public:npmjs", "upstream"]);
    create_repository(&sdk, "acme", "gate", &[]).await;
    server
        .aws(&[
            "associate-external-connection",
            "--domain",
            "acme",
            "--repository",
            "gate",
            "--external-connection",
            "public:pypi",
        ])
        .ok();
    let message = server
        .aws(&["update-repository", "--domain", "acme", "--repository", "gate", "--upstreams", "repositoryName=up01"])
        .error("ConflictException", "UpdateRepository");
    assert_mentions(&message, &["`gate`", "public:pypi", "upstream"]);
    // An unknown external connection.
    let message = server
        .aws(&[
            "associate-external-connection",
            "--domain",
            "acme",
            "--repository",
            "up01",
            "--external-connection",
            "public:nowhere",
        ])
        .error("ValidationException", "AssociateExternalConnection");
    assert_mentions(&message, &["public:nowhere", "public:npmjs"]);

    // 25 repositories in a search are allowed; the 26th is refused, naming the repository whose
    // search would be too large and the count.
    let chain: Vec<String> = (1..=25).map(|i| format!("r{i:02}")).collect();
    for (i, name) in chain.iter().enumerate().rev() {
        let upstream: Vec<&str> = chain.get(i + 1).map(String::as_str).into_iter().collect();
        create_repository(&sdk, "acme", name, &upstream).await;
    }
    let token = token_for(&sdk, "acme").await;
    assert_eq!(server.search_order(&token, "acme", "r01").await, chain);
    let message = server
        .aws(&["create-repository", "--domain", "acme", "--repository", "r00", "--upstreams", "repositoryName=r01"])
        .error("ServiceQuotaExceededException", "CreateRepository");
    assert_mentions(&message, &["`r00`", "26", "25"]);
    server.aws(&["create-repository", "--domain", "acme", "--repository", "r26"]).ok();
    let message = server
        .aws(&["update-repository", "--domain", "acme", "--repository", "r25", "--upstreams", "repositoryName=r26"])
        .error("ServiceQuotaExceededException", "UpdateRepository");
    assert_mentions(&message, &["`r01`", "26", "25"]);
    assert_eq!(upstreams_of(&sdk, "acme", "r25").await, Vec::<String>::new());

    // A domain that holds repositories cannot be deleted.
    let message = server.aws(&["delete-domain", "--domain", "acme"]).error("ConflictException", "DeleteDomain");
    assert_mentions(&message, &["`acme`", "repositories"]);
    assert_eq!(server.aws(&["describe-domain", "--domain", "acme"]).ok()["domain"]["name"], "acme");
}

/// Refusals of names, unknown resources and bad credentials, through the CLI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_errors() {
    let server = TestServer::start(Backend::Sqlite);
    server.aws(&["create-domain", "--domain", "acme"]).ok();

    // Names.
    let message = server.aws(&["create-domain", "--domain", "Bad_Domain"]).error("ValidationException", "CreateDomain");
    assert_mentions(&message, &["`Bad_Domain`", "domain name"]);
    let message = server
        .aws(&["create-repository", "--domain", "acme", "--repository", "_bad"])
        .error("ValidationException", "CreateRepository");
    assert_mentions(&message, &["`_bad`", "repository name"]);
    let message = server.aws(&["create-domain", "--domain", "acme"]).error("ConflictException", "CreateDomain");
    assert_mentions(&message, &["`acme`", "already exists"]);

    // Unknown domain.
    let message =
        server.aws(&["describe-domain", "--domain", "nowhere"]).error("ResourceNotFoundException", "DescribeDomain");
    assert_mentions(&message, &["`nowhere`"]);
    let message = server
        .aws(&["create-repository", "--domain", "nowhere", "--repository", "app"])
        .error("ResourceNotFoundException", "CreateRepository");
    assert_mentions(&message, &["`nowhere`"]);
    let message = server
        .aws(&["get-authorization-token", "--domain", "nowhere"])
        .error("ResourceNotFoundException", "GetAuthorizationToken");
    assert_mentions(&message, &["`nowhere`"]);

    // A wrong secret, and an unknown access key.
    let message = server
        .aws_as(tributary_tests::ADMIN_ACCESS_KEY_ID, "not-the-secret", &["list-domains"])
        .error("InvalidSignatureException", "ListDomains");
    assert_mentions(&message, &["signature", "does not match"]);
    let message = server
        .aws_as("AKIDNOBODYKNOWS", "whatever", &["list-domains"])
        .error("UnrecognizedClientException", "ListDomains");
    assert_mentions(&message, &["`AKIDNOBODYKNOWS`"]);
    // A different owner account.
    let message = server
        .aws(&["describe-domain", "--domain", "acme", "--domain-owner", "111111111111"])
        .error("AccessDeniedException", "DescribeDomain");
    assert_mentions(&message, &["111111111111", "000000000000"]);
}
