//! The Rust `aws-sdk-codeartifact` drives the control plane of the real binary, on SQLite and on
//! PostgreSQL; and authentication is checked at the HTTP level: bearer-token scope, unsigned,
//! tampered and stale requests.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_codeartifact::operation::create_repository::CreateRepositoryError;
use aws_sdk_codeartifact::operation::delete_domain::DeleteDomainError;
use aws_sdk_codeartifact::operation::delete_repository::DeleteRepositoryError;
use aws_sdk_codeartifact::operation::describe_domain::DescribeDomainError;
use aws_sdk_codeartifact::operation::describe_repository::DescribeRepositoryError;
use aws_sdk_codeartifact::operation::get_authorization_token::GetAuthorizationTokenError;
use aws_sdk_codeartifact::operation::update_repository::UpdateRepositoryError;
use aws_sdk_codeartifact::types::{ExternalConnectionStatus, PackageFormat, ResourceType};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tributary_tests::{
    ADMIN_ACCESS_KEY_ID, Backend, Signature, TestServer, assert_mentions, assert_sdk_error, both_backends,
    create_domain, create_repository, token_for, upstream_info, upstreams_of,
};

async fn main_flow(server: TestServer) {
    let sdk = server.sdk_client();

    // Domains.
    let created = sdk.create_domain().domain("acme").send().await.expect("create domain");
    let domain = created.domain.expect("a domain description");
    assert_eq!(domain.name(), Some("acme"));
    assert_eq!(domain.owner(), Some("000000000000"));
    assert_eq!(domain.arn(), Some("arn:aws:codeartifact:us-east-1:000000000000:domain/acme"));
    assert!(domain.created_time().is_some());
    create_domain(&sdk, "beta").await;
    let listed = sdk.list_domains().send().await.expect("list domains");
    let names: Vec<_> = listed.domains().iter().filter_map(|d| d.name()).collect();
    assert_eq!(names, ["acme", "beta"]);
    let err = sdk.create_domain().domain("acme").send().await;
    assert_sdk_error(err, "ConflictException", &["`acme`", "already exists"]);

    // The chain app -> team -> gateway (public:npmjs).
    create_repository(&sdk, "acme", "gateway", &[]).await;
    let gateway = sdk
        .associate_external_connection()
        .domain("acme")
        .repository("gateway")
        .external_connection("public:npmjs")
        .send()
        .await
        .expect("associate")
        .repository
        .expect("a repository");
    let connection = &gateway.external_connections()[0];
    assert_eq!(connection.external_connection_name(), Some("public:npmjs"));
    assert_eq!(connection.package_format(), Some(&PackageFormat::Npm));
    assert_eq!(connection.status(), Some(&ExternalConnectionStatus::Available));
    create_repository(&sdk, "acme", "team", &["gateway"]).await;
    let app = sdk
        .create_repository()
        .domain("acme")
        .repository("app")
        .description("the app's builds")
        .upstreams(upstream_info("team"))
        .send()
        .await
        .expect("create app")
        .repository
        .expect("a repository");
    assert_eq!(app.description(), Some("the app's builds"));
    assert_eq!(app.arn(), Some("arn:aws:codeartifact:us-east-1:000000000000:repository/acme/app"));
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, ["team"]);
    assert_eq!(upstreams_of(&sdk, "acme", "team").await, ["gateway"]);
    let described = sdk.describe_domain().domain("acme").send().await.expect("describe domain");
    assert_eq!(described.domain.map(|d| d.repository_count), Some(3));

    // Lists: page by page by hand, and through the SDK's paginator.
    create_repository(&sdk, "beta", "tools", &[]).await;
    let mut pages = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = sdk
            .list_repositories_in_domain()
            .domain("acme")
            .max_results(1)
            .set_next_token(next_token.clone())
            .send()
            .await
            .expect("list a page");
        pages.push(page.repositories().iter().filter_map(|r| r.name().map(str::to_owned)).collect::<Vec<_>>());
        next_token = page.next_token;
        if next_token.is_none() {
            break;
        }
        assert!(pages.len() < 10, "pagination does not end: {pages:?}");
    }
    let listed: Vec<String> = pages.iter().flatten().cloned().collect();
    assert_eq!(listed, ["app", "gateway", "team"]);
    assert!(pages.iter().all(|p| p.len() <= 1), "maxResults 1 gives pages of one: {pages:?}");
    let all: Vec<String> = sdk
        .list_repositories()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("list every repository")
        .iter()
        .filter_map(|r| r.name().map(str::to_owned))
        .collect();
    assert_eq!(all, ["app", "gateway", "team", "tools"]);
    let prefixed = sdk.list_repositories().repository_prefix("ga").send().await.expect("list with a prefix");
    assert_eq!(prefixed.repositories().iter().filter_map(|r| r.name()).collect::<Vec<_>>(), ["gateway"]);
    let err = sdk.list_repositories().next_token("not-a-token!").send().await;
    assert_sdk_error(err, "ValidationException", &["nextToken"]);

    // Update upstreams; the search order follows.
    let token = token_for(&sdk, "acme").await;
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app", "team", "gateway[public:npmjs]"]);
    sdk.update_repository()
        .domain("acme")
        .repository("app")
        .upstreams(upstream_info("gateway"))
        .upstreams(upstream_info("team"))
        .send()
        .await
        .expect("update upstreams");
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, ["gateway", "team"]);
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app", "gateway[public:npmjs]", "team"]);
    sdk.update_repository().domain("acme").repository("app").set_upstreams(Some(vec![])).send().await.expect("clear");
    assert_eq!(upstreams_of(&sdk, "acme", "app").await, Vec::<String>::new());
    assert_eq!(server.search_order(&token, "acme", "app").await, ["app"]);

    // Refusals, with the error shapes of the model.
    let err =
        sdk.update_repository().domain("acme").repository("gateway").upstreams(upstream_info("team")).send().await;
    let err = err.expect_err("a cycle through team -> gateway");
    assert!(matches!(err.as_service_error(), Some(UpdateRepositoryError::ConflictException(_))), "{err:?}");
    sdk.disassociate_external_connection()
        .domain("acme")
        .repository("gateway")
        .external_connection("public:npmjs")
        .send()
        .await
        .expect("disassociate");
    let err =
        sdk.update_repository().domain("acme").repository("gateway").upstreams(upstream_info("team")).send().await;
    let message = assert_sdk_error(err, "ValidationException", &["cycle", "`gateway` -> `team` -> `gateway`"]);
    let err =
        sdk.update_repository().domain("acme").repository("gateway").upstreams(upstream_info("team")).send().await;
    match err.expect_err("still a cycle").into_service_error() {
        UpdateRepositoryError::ValidationException(e) => assert_eq!(e.message(), message),
        other => panic!("expected ValidationException, got {other:?}"),
    }
    for i in 0..11 {
        create_repository(&sdk, "acme", &format!("wide{i:02}"), &[]).await;
    }
    let upstreams: Vec<_> = (0..11).map(|i| upstream_info(&format!("wide{i:02}"))).collect();
    let err = sdk.create_repository().domain("acme").repository("wide").set_upstreams(Some(upstreams)).send().await;
    match err.expect_err("11 upstreams").into_service_error() {
        CreateRepositoryError::ServiceQuotaExceededException(e) => {
            assert_mentions(e.message(), &["`wide`", "11", "10"]);
            assert_eq!(e.resource_type(), Some(&ResourceType::Repository));
            assert_eq!(e.resource_id(), Some("wide"));
        }
        other => panic!("expected ServiceQuotaExceededException, got {other:?}"),
    }
    match sdk.describe_domain().domain("nowhere").send().await.expect_err("unknown").into_service_error() {
        DescribeDomainError::ResourceNotFoundException(e) => {
            assert_eq!(e.resource_type(), Some(&ResourceType::Domain));
            assert_eq!(e.resource_id(), Some("nowhere"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    match sdk
        .delete_repository()
        .domain("acme")
        .repository("gateway")
        .send()
        .await
        .expect_err("in use")
        .into_service_error()
    {
        DeleteRepositoryError::ConflictException(e) => {
            assert_mentions(e.message(), &["`gateway`", "`team`"]);
            assert_eq!(e.resource_type(), Some(&ResourceType::Repository));
            assert_eq!(e.resource_id(), Some("gateway"));
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }
    let err = sdk.get_authorization_token().domain("acme").duration_seconds(43_201).send().await;
    match err.expect_err("too long").into_service_error() {
        GetAuthorizationTokenError::ValidationException(e) => {
            assert_mentions(e.message(), &["43201"]);
        }
        other => panic!("expected ValidationException, got {other:?}"),
    }

    // Endpoint.
    let endpoint = sdk
        .get_repository_endpoint()
        .domain("acme")
        .repository("team")
        .format(PackageFormat::Maven)
        .send()
        .await
        .expect("endpoint");
    assert_eq!(endpoint.repository_endpoint(), Some(format!("{}/maven/acme/team/", server.url()).as_str()));

    // Delete.
    let deleted = sdk.delete_repository().domain("acme").repository("app").send().await.expect("delete app");
    assert_eq!(deleted.repository.and_then(|r| r.name), Some("app".to_owned()));
    match sdk
        .describe_repository()
        .domain("acme")
        .repository("app")
        .send()
        .await
        .expect_err("gone")
        .into_service_error()
    {
        DescribeRepositoryError::ResourceNotFoundException(e) => assert_eq!(e.resource_id(), Some("app")),
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    match sdk.delete_domain().domain("acme").send().await.expect_err("not empty").into_service_error() {
        DeleteDomainError::ConflictException(e) => assert_eq!(e.resource_id(), Some("acme")),
        other => panic!("expected ConflictException, got {other:?}"),
    }
    let mut names: Vec<String> = (0..11).map(|i| format!("wide{i:02}")).collect();
    names.extend(["team".to_owned(), "gateway".to_owned()]);
    for name in &names {
        sdk.delete_repository().domain("acme").repository(name).send().await.expect("delete");
    }
    sdk.delete_domain().domain("acme").send().await.expect("delete an empty domain");
    let listed = sdk.list_domains().send().await.expect("list domains");
    assert_eq!(listed.domains().iter().filter_map(|d| d.name()).collect::<Vec<_>>(), ["beta"]);
}
both_backends!(main_flow);

/// A JSON error answer: status, `x-amzn-ErrorType`, `message`.
async fn error_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let error_type = response
        .headers()
        .get("x-amzn-ErrorType")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("<no x-amzn-ErrorType>")
        .to_owned();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (status, error_type, body["message"].as_str().unwrap_or("<no message>").to_owned())
}

/// A bearer token opens its own domain and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_scope() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    create_domain(&sdk, "dom-a").await;
    create_domain(&sdk, "dom-b").await;
    create_repository(&sdk, "dom-a", "repo", &[]).await;
    create_repository(&sdk, "dom-b", "repo", &[]).await;
    let token = token_for(&sdk, "dom-a").await;
    let http = server.http();
    let url = server.url();
    let get = |path: &str, token: &str| http.get(format!("{url}{path}")).bearer_auth(token).send();

    // Its own domain.
    let response = get("/v1/domain?domain=dom-a", &token).await.expect("answered");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["domain"]["name"], "dom-a");
    assert_eq!(server.search_order(&token, "dom-a", "repo").await, ["repo"]);
    let response = get("/v1/repository?domain=dom-a&repository=repo", &token).await.expect("answered");
    assert_eq!(response.status(), 200);
    let response = http.post(format!("{url}/v1/domains")).bearer_auth(&token).send().await.expect("answered");
    let body: serde_json::Value = response.json().await.expect("JSON");
    let names: Vec<_> = body["domains"].as_array().into_iter().flatten().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["dom-a"], "a token lists its own domain only");
    // Also when its domain is not on the first page of all domains.
    let token_b = token_for(&sdk, "dom-b").await;
    let response = http
        .post(format!("{url}/v1/domains"))
        .bearer_auth(&token_b)
        .json(&serde_json::json!({ "maxResults": 1 }))
        .send()
        .await
        .expect("answered");
    let body: serde_json::Value = response.json().await.expect("JSON");
    let names: Vec<_> = body["domains"].as_array().into_iter().flatten().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["dom-b"], "a token for `dom-b` lists `dom-b`, one per page: {body}");
    let response = http.post(format!("{url}/v1/repositories")).bearer_auth(&token).send().await.expect("answered");
    let body: serde_json::Value = response.json().await.expect("JSON");
    let domains: Vec<_> =
        body["repositories"].as_array().into_iter().flatten().filter_map(|r| r["domainName"].as_str()).collect();
    assert_eq!(domains, ["dom-a"], "a token lists the repositories of its own domain only: {body}");

    // Another domain: 403, nothing of it shown.
    for path in [
        "/v1/domain?domain=dom-b",
        "/v1/repository?domain=dom-b&repository=repo",
        "/v1/repository/search-order?domain=dom-b&repository=repo",
        "/v1/repository/endpoint?domain=dom-b&repository=repo&format=npm",
    ] {
        let (status, error_type, message) = error_of(get(path, &token).await.expect("answered")).await;
        assert_eq!((status, error_type.as_str()), (403, "AccessDeniedException"), "{path}: {message}");
        assert_mentions(&message, &["`dom-a`", "`dom-b`"]);
    }
    let response = http
        .post(format!("{url}/v1/domain/repositories?domain=dom-b"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    let (status, error_type, _) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "AccessDeniedException"));
    let response = http
        .post(format!("{url}/v1/repository?domain=dom-b&repository=planted"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 403);
    assert!(upstreams_of(&sdk, "dom-b", "repo").await.is_empty());
    let err = sdk.describe_repository().domain("dom-b").repository("planted").send().await;
    assert_sdk_error(err, "ResourceNotFoundException", &["`planted`"]);

    // Operations not about one domain need access keys.
    for path in ["/v1/domain?domain=dom-c", "/v1/authorization-token?domain=dom-a"] {
        let response = http.post(format!("{url}{path}")).bearer_auth(&token).send().await.expect("answered");
        let (status, error_type, message) = error_of(response).await;
        assert_eq!((status, error_type.as_str()), (403, "AccessDeniedException"), "{path}: {message}");
        assert_mentions(&message, &["access keys"]);
    }

    // Garbage, altered and foreign tokens.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts: {token}");
    let claims = URL_SAFE_NO_PAD.decode(&parts[1]).expect("JWT claims are base64url");
    let claims = String::from_utf8(claims).expect("JWT claims are UTF-8").replace("dom-a", "dom-b");
    assert!(claims.contains("dom-b"), "the claims name the domain: {claims}");
    parts[1] = URL_SAFE_NO_PAD.encode(claims);
    let altered = parts.join(".");
    let other_server = TestServer::start(Backend::Sqlite);
    let other_sdk = other_server.sdk_client();
    create_domain(&other_sdk, "dom-b").await;
    let foreign = token_for(&other_sdk, "dom-b").await;
    for bad in ["garbage", "a.b.c", altered.as_str(), foreign.as_str()] {
        let (status, error_type, message) =
            error_of(get("/v1/domain?domain=dom-b", bad).await.expect("answered")).await;
        assert_eq!((status, error_type.as_str()), (403, "AccessDeniedException"), "token `{bad}`: {message}");
        assert_mentions(&message, &["get-authorization-token"]);
    }
}

/// Requests without credentials, or whose signature does not hold, get the AWS errors and no data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signatures() {
    let server = TestServer::start(Backend::Sqlite);
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    let http = server.http();
    let url = server.url();

    // Unsigned.
    let response = http.post(format!("{url}/v1/domains")).send().await.expect("answered");
    let (status, error_type, message) = error_of(response).await;
    // As AWS answers: 403 MissingAuthenticationTokenException.
    assert_eq!((status, error_type.as_str()), (403, "MissingAuthenticationTokenException"), "{message}");
    assert_mentions(&message, &["not signed"]);
    let response = http.get(format!("{url}/v1/domain?domain=acme")).send().await.expect("answered");
    assert_eq!(response.status(), 403);
    assert!(!response.text().await.unwrap_or_default().contains("arn:aws"), "no data without credentials");

    // The SDK with a wrong secret, and with an unknown key.
    let wrong = Credentials::new(ADMIN_ACCESS_KEY_ID, "wrong-secret", None, None, "test");
    let err = server.sdk_client_with(wrong).list_domains().send().await;
    assert_sdk_error(err, "InvalidSignatureException", &["signature"]);
    let unknown = Credentials::new("AKIDUNKNOWN", "whatever", None, None, "test");
    let err = server.sdk_client_with(unknown).list_domains().send().await;
    assert_sdk_error(err, "UnrecognizedClientException", &["`AKIDUNKNOWN`"]);

    // Hand-signed requests: the control first, then each one altered after signing.
    let body = br#"{"tags":[{"key":"team","value":"one"}]}"#;
    let ok = server
        .signed("POST", "/v1/domain?domain=signed-ok", body, SystemTime::now(), false)
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status(), 200, "a correctly signed request is accepted: {:?}", ok.text().await);

    let tampered = br#"{"tags":[{"key":"team","value":"two"}]}"#;
    let response = server
        .signed("POST", "/v1/domain?domain=tampered", body, SystemTime::now(), false)
        .body(tampered.to_vec())
        .send()
        .await
        .expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    assert_mentions(&message, &["signature", "does not match"]);

    let response = server
        .signed("POST", "/v1/domain?domain=tampered", body, SystemTime::now(), true)
        .body(tampered.to_vec())
        .send()
        .await
        .expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    assert_mentions(&message, &["x-amz-content-sha256"]);

    let request =
        server.signed("POST", "/v1/domain?domain=tampered", b"", SystemTime::now(), false).build().expect("a request");
    let mut request = request;
    request.url_mut().set_query(Some("domain=other"));
    let (status, error_type, message) = error_of(http.execute(request).await.expect("answered")).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "altered query: {message}");

    // A signature for another region, or one that leaves the payload unsigned (a captured
    // request could be replayed with another body), is refused.
    let response = server
        .signed_as("POST", "/v1/domain?domain=elsewhere", b"", SystemTime::now(), false, Signature::Region("eu-west-1"))
        .send()
        .await
        .expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    assert_mentions(&message, &["scoped to a valid region", "eu-west-1", "us-east-1"]);
    let response = server
        .signed_as("POST", "/v1/domain?domain=unsigned", body, SystemTime::now(), true, Signature::UnsignedPayload)
        .send()
        .await
        .expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    assert_mentions(&message, &["UNSIGNED-PAYLOAD"]);
    // An SDK configured for another region is told which one to use.
    let config = aws_sdk_codeartifact::Config::builder()
        .behavior_version(aws_sdk_codeartifact::config::BehaviorVersion::latest())
        .retry_config(aws_sdk_codeartifact::config::retry::RetryConfig::disabled())
        .region(aws_sdk_codeartifact::config::Region::new("eu-west-1"))
        .endpoint_url(server.url())
        .credentials_provider(server.admin_credentials())
        .build();
    let err = aws_sdk_codeartifact::Client::from_conf(config).list_domains().send().await;
    assert_sdk_error(err, "InvalidSignatureException", &["us-east-1"]);

    // Clocks may differ by up to 15 minutes, either way; not more.
    for (name, time) in [
        ("ten-minutes-behind", SystemTime::now() - Duration::from_secs(10 * 60)),
        ("ten-minutes-ahead", SystemTime::now() + Duration::from_secs(10 * 60)),
    ] {
        let response = server
            .signed("POST", &format!("/v1/domain?domain={name}"), b"", time, false)
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200, "{name}: {:?}", response.text().await);
    }
    let ahead = SystemTime::now() + Duration::from_secs(20 * 60);
    let response =
        server.signed("POST", "/v1/domain?domain=tampered", b"", ahead, false).send().await.expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    let stale = SystemTime::now() - Duration::from_secs(20 * 60);
    let response =
        server.signed("POST", "/v1/domain?domain=tampered", b"", stale, false).send().await.expect("answered");
    let (status, error_type, message) = error_of(response).await;
    assert_eq!((status, error_type.as_str()), (403, "InvalidSignatureException"), "{message}");
    assert_mentions(&message, &["15 minutes"]);

    for name in ["tampered", "other", "elsewhere", "unsigned"] {
        let err = sdk.describe_domain().domain(name).send().await;
        assert_sdk_error(err, "ResourceNotFoundException", &[name]);
    }
}

/// The external-connections extension lists every known connection with its format and URL,
/// honouring a configured override.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_connections_extension() {
    let mirror = "http://127.0.0.1:9/npm-mirror/";
    let server = TestServer::start_with_env(
        Backend::Sqlite,
        tributary_tests::AdminKeys::Fixed,
        &[("TRIBUTARY_EXTERNAL_PUBLIC_NPMJS_URL", mirror)],
    );
    let sdk = server.sdk_client();
    create_domain(&sdk, "acme").await;
    let token = token_for(&sdk, "acme").await;
    let url = format!("{}/v1/external-connections", server.url());

    let response = server.http().get(&url).send().await.expect("answered");
    assert_eq!(response.status(), 403, "the extension needs credentials like the rest of the control plane");

    let response = server.http().get(&url).bearer_auth(&token).send().await.expect("answered");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    let list = body["externalConnections"].as_array().unwrap_or_else(|| panic!("no list in {body}"));
    let find = |name: &str| {
        list.iter()
            .find(|c| c["externalConnectionName"] == name)
            .unwrap_or_else(|| panic!("`{name}` is not listed: {body}"))
            .clone()
    };
    let npm = find("public:npmjs");
    assert_eq!(npm["packageFormat"], "npm");
    assert_eq!(npm["url"].as_str().map(|u| u.trim_end_matches('/')), Some(mirror.trim_end_matches('/')));
    let pypi = find("public:pypi");
    assert_eq!(pypi["packageFormat"], "pypi");
    assert!(pypi["url"].as_str().is_some_and(|u| u.starts_with("https://")), "the public default: {pypi}");
    for (name, format) in [("public:maven-central", "maven"), ("public:nuget-org", "nuget")] {
        assert_eq!(find(name)["packageFormat"], format);
    }
}
