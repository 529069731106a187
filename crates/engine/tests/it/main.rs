//! The service on an embedded store (SQLite in a temporary directory, filesystem blobs).

mod chain;

use std::sync::Arc;

use chrono::{Duration, Utc};
use tributary_blob::FsBlobStore;
use tributary_engine::{Caller, Formats, Service, Settings, UpstreamSettings};
use tributary_model::{AccountId, DomainName, ErrorKind};
use tributary_store::Store;

async fn service(dir: &std::path::Path) -> Service {
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display())).await.expect("store");
    store.migrate().await.expect("migrations");
    let settings = Settings { owner: AccountId::parse("000000000000").expect("account"), region: "us-east-1".into() };
    let blobs = Arc::new(FsBlobStore::new(dir.join("blobs")));
    Service::new(store, blobs, settings, UpstreamSettings::default(), Formats::default()).await.expect("service")
}

/// A token's signature is checked once and its claims kept; its lifetime is still checked on
/// every use, and a token that differs by one character is checked (and refused) on its own.
#[tokio::test]
async fn a_token_kept_after_its_first_check_still_expires() {
    let dir = tempfile::tempdir().expect("temp dir");
    let service = service(dir.path()).await;
    service.bootstrap_admin(Some(("AKIDENGINETEST".into(), "engine-test-secret".into()))).await.expect("admin");
    let admin = Caller {
        principal_id: "admin".to_owned(),
        name: "admin".to_owned(),
        is_admin: true,
        domain_scope: None,
        repositories: None,
        read_only: false,
    };
    let domain = DomainName::parse("acme").expect("name");
    service.create_domain(&admin, &domain, None, None, &[]).await.expect("domain");
    let now = Utc::now();
    let (token, expires) =
        service.token_for_keys(&domain, "AKIDENGINETEST", "engine-test-secret", now).await.expect("token");

    for _ in 0..2 {
        let caller = service.authenticate_token(&token, now).await.expect("a valid token");
        assert_eq!(caller.domain_scope.as_deref(), Some("acme"));
    }
    let late = service.authenticate_token(&token, expires + Duration::minutes(5)).await.expect_err("expired");
    assert_eq!(late.kind, ErrorKind::AccessDenied, "{}", late.message);
    assert!(late.message.contains("expired"), "{}", late.message);
    assert!(service.authenticate_token(&token, now).await.is_ok(), "still valid at `now`");

    let mut altered = token.clone();
    let last = altered.pop().expect("a character");
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert!(service.authenticate_token(&altered, now).await.is_err(), "an altered token is refused");
}
