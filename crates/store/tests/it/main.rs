//! Store tests. Every test runs twice: on SQLite (a file in a temp dir) and on PostgreSQL (a
//! database made for the test and dropped after it). PostgreSQL must answer: the tests fail,
//! never skip, when it does not.

use sea_orm::{ConnectionTrait, Database};
use tributary_model::{ErrorKind, ServiceError};
use tributary_store::{NewPrincipal, RepositoryChange, Store, StoreError, Tag};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database for one test.
struct TestDb {
    store: Store,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.expect("sqlite connects");
        store.migrate().await.expect("migrations run on sqlite");
        Self { store, postgres: None, _dir: Some(dir) }
    }

    async fn postgres() -> Self {
        let admin = std::env::var("TRIBUTARY_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let conn = Database::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is unreachable at {admin} ({e}); the store tests need it"));
        let name = format!("tributary_test_{}", uuid::Uuid::new_v4().simple());
        conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("TRIBUTARY_TEST_POSTGRES_URL must end with /DATABASE"),
        };
        let store = Store::connect(&url).await.expect("postgres connects");
        store.migrate().await.expect("migrations run on postgres");
        Self { store, postgres: Some((admin, name)), _dir: None }
    }

    async fn finish(self) {
        if let Some((admin, name)) = self.postgres {
            drop(self.store);
            let conn = Database::connect(&admin).await.expect("postgres connects");
            conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.expect("drop db");
        }
    }
}

macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = TestDb::sqlite().await;
                ($body)(db.store.clone()).await;
                db.finish().await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = TestDb::postgres().await;
                ($body)(db.store.clone()).await;
                db.finish().await;
            }
        }
    };
}

fn rejected_kind(err: StoreError) -> ErrorKind {
    match err {
        StoreError::Rejected(e) => e.kind,
        other => panic!("expected a rejection, got {other}"),
    }
}

fn create(name: &str, upstreams: &[&str]) -> RepositoryChange {
    RepositoryChange::Create {
        name: name.to_owned(),
        description: None,
        upstreams: upstreams.iter().map(|s| (*s).to_owned()).collect(),
        tags: vec![],
    }
}

fn accept(_: &[tributary_store::GraphRecord]) -> Result<(), ServiceError> {
    Ok(())
}

both_backends!(domains_create_list_delete, |store: Store| async move {
    let tags = vec![Tag { key: "team".into(), value: "core".into() }];
    let created = store.create_domain("acme", "000000000000", None, &tags).await.expect("create");
    assert_eq!(created.name, "acme");
    assert_eq!(created.tags, tags);
    let again = store.create_domain("acme", "000000000000", None, &[]).await.expect_err("duplicate");
    assert_eq!(rejected_kind(again), ErrorKind::Conflict);
    for name in ["beta", "gamma", "delta"] {
        store.create_domain(name, "000000000000", Some("key".into()), &[]).await.expect("create");
    }
    let first = store.list_domains(None, 2).await.expect("list");
    assert_eq!(first.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["acme", "beta"]);
    let rest = store.list_domains(Some("beta"), 10).await.expect("list");
    assert_eq!(rest.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["delta", "gamma"]);
    assert_eq!(rest[0].encryption_key.as_deref(), Some("key"));
    let deleted = store.delete_domain("beta").await.expect("delete");
    assert_eq!(deleted.name, "beta");
    assert!(store.domain("beta").await.expect("read").is_none());
    let missing = store.delete_domain("beta").await.expect_err("gone");
    assert_eq!(rejected_kind(missing), ErrorKind::NotFound);
});

both_backends!(repositories_keep_upstream_order, |store: Store| async move {
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    for name in ["c1", "b1", "a1"] {
        store.change_repository(&domain, create(name, &[]), accept).await.expect("create");
    }
    let app = store.change_repository(&domain, create("app", &["c1", "a1", "b1"]), accept).await.expect("app");
    assert_eq!(app.upstreams, ["c1", "a1", "b1"]);
    let update = RepositoryChange::Update {
        name: "app".into(),
        description: Some(Some("the app".into())),
        upstreams: Some(vec!["b1".into(), "c1".into()]),
    };
    let app = store.change_repository(&domain, update, accept).await.expect("update");
    assert_eq!(app.upstreams, ["b1", "c1"]);
    assert_eq!(app.description.as_deref(), Some("the app"));
    let graph = store.domain_graph(&domain.id).await.expect("graph");
    let app_record = graph.iter().find(|r| r.name == "app").expect("app in graph");
    assert_eq!(app_record.upstreams, ["b1", "c1"]);
    let set = RepositoryChange::SetExternalConnection { name: "a1".into(), connection: Some("public:npmjs".into()) };
    let a1 = store.change_repository(&domain, set, accept).await.expect("connect");
    assert_eq!(a1.external_connection.as_deref(), Some("public:npmjs"));
    let dup = store.change_repository(&domain, create("app", &[]), accept).await.expect_err("duplicate");
    assert_eq!(rejected_kind(dup), ErrorKind::Conflict);
    let listed = store
        .list_repositories(Some(&store.domain("acme").await.expect("read").expect("domain")), None, None, 10)
        .await
        .expect("list");
    assert_eq!(listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a1", "app", "b1", "c1"]);
    let page = store.list_repositories(None, Some("a"), Some(("acme", "a1")), 10).await.expect("list");
    assert_eq!(page.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["app"]);
    assert_eq!(store.domain("acme").await.expect("read").expect("domain").repository_count, 4);
});

both_backends!(validation_refusal_changes_nothing, |store: Store| async move {
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    store.change_repository(&domain, create("up", &[]), accept).await.expect("create");
    let before = store.graph_revision(&domain.id).await.expect("revision");
    let refused = store
        .change_repository(&domain, create("app", &["up"]), |_| Err(ServiceError::validation("no")))
        .await
        .expect_err("refused");
    assert_eq!(rejected_kind(refused), ErrorKind::Validation);
    assert!(store.repository(&domain, "app").await.expect("read").is_none(), "a refused change writes nothing");
    assert_eq!(store.graph_revision(&domain.id).await.expect("revision"), before, "the revision bump rolled back");
    store.change_repository(&domain, create("app", &["up"]), accept).await.expect("create");
    assert!(store.graph_revision(&domain.id).await.expect("revision") > before);
});

both_backends!(foreign_keys_protect_upstreams_and_domains, |store: Store| async move {
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    store.change_repository(&domain, create("up", &[]), accept).await.expect("create");
    store.change_repository(&domain, create("app", &["up"]), accept).await.expect("create");
    // Even when validation lets it through, the database refuses to delete a repository in use.
    let refused = store
        .change_repository(&domain, RepositoryChange::Delete { name: "up".into() }, accept)
        .await
        .expect_err("upstream in use");
    assert_eq!(rejected_kind(refused), ErrorKind::Conflict);
    assert!(store.repository(&domain, "up").await.expect("read").is_some());
    let refused = store.delete_domain("acme").await.expect_err("domain has repositories");
    assert_eq!(rejected_kind(refused), ErrorKind::Conflict);
    store.change_repository(&domain, RepositoryChange::Delete { name: "app".into() }, accept).await.expect("delete");
    store.change_repository(&domain, RepositoryChange::Delete { name: "up".into() }, accept).await.expect("delete");
    store.delete_domain("acme").await.expect("empty domain deletes");
});

both_backends!(principals_and_secrets, |store: Store| async move {
    assert_eq!(store.principal_count().await.expect("count"), 0);
    let new = NewPrincipal {
        name: "admin".into(),
        access_key_id: "TKIAEXAMPLE".into(),
        secret_access_key: "s3cret".into(),
        is_admin: true,
    };
    let created = store.create_principal(new.clone()).await.expect("create");
    let found = store.principal_by_access_key("TKIAEXAMPLE").await.expect("read").expect("found");
    assert_eq!(found, created);
    assert_eq!(store.principal_by_id(&created.id).await.expect("read").expect("found").name, "admin");
    assert!(store.principal_by_access_key("TKIAOTHER").await.expect("read").is_none());
    assert_eq!(rejected_kind(store.create_principal(new).await.expect_err("same key")), ErrorKind::Conflict);
    let first = store.secret_or_insert("k", || "one".into()).await.expect("secret");
    let second = store.secret_or_insert("k", || "two".into()).await.expect("secret");
    assert_eq!((first.as_str(), second.as_str()), ("one", "one"));
});

both_backends!(policies_lock_by_revision_and_go_with_their_repository, |store: Store| async move {
    use tributary_store::PolicyTarget;
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    let repo = store.change_repository(&domain, create("app", &[]), accept).await.expect("repository");
    let of_domain = PolicyTarget { domain_id: &domain.id, repository_id: None, name: "acme" };
    let of_repo = PolicyTarget { domain_id: &domain.id, repository_id: Some(&repo.id), name: "app" };
    assert!(store.policy(of_domain).await.expect("read").is_none());
    let first = store.put_policy(of_domain, "{\"d\":1}", None).await.expect("put");
    let stale = store.put_policy(of_domain, "{\"d\":2}", Some("not-the-revision")).await.expect_err("stale");
    assert_eq!(rejected_kind(stale), ErrorKind::Conflict);
    assert_eq!(store.policy(of_domain).await.expect("read").expect("kept").document, "{\"d\":1}");
    let second = store.put_policy(of_domain, "{\"d\":2}", Some(&first.revision)).await.expect("current revision");
    assert_ne!(first.revision, second.revision);
    let late = store.delete_policy(of_domain, Some(&first.revision)).await.expect_err("old revision");
    assert_eq!(rejected_kind(late), ErrorKind::Conflict);
    store.put_policy(of_repo, "{\"r\":1}", None).await.expect("repository policy");
    store.set_public(&domain.id, &repo.id, true).await.expect("public");
    store.set_public(&domain.id, &repo.id, true).await.expect("public twice");
    let access = store.domain_access(&domain.id).await.expect("access");
    assert_eq!(access.policies.len(), 2);
    assert_eq!(access.public_repositories, vec![repo.id.clone()]);
    let deleted = store.delete_policy(of_domain, Some(&second.revision)).await.expect("delete").expect("there");
    assert_eq!(deleted.document, "{\"d\":2}");
    assert!(store.delete_policy(of_domain, None).await.expect("none").is_none());
    store.change_repository(&domain, RepositoryChange::Delete { name: "app".into() }, accept).await.expect("delete");
    let access = store.domain_access(&domain.id).await.expect("access");
    assert!(access.policies.is_empty() && access.public_repositories.is_empty(), "{access:?}");
});

both_backends!(principals_are_named_rotated_and_deleted, |store: Store| async move {
    let new = |name: &str, key: &str| NewPrincipal {
        name: name.into(),
        access_key_id: key.into(),
        secret_access_key: "s".into(),
        is_admin: false,
    };
    store.create_principal(new("ci", "TKIA1")).await.expect("create");
    let same_name = store.create_principal(new("ci", "TKIA2")).await.expect_err("same name");
    assert_eq!(rejected_kind(same_name), ErrorKind::Conflict);
    let (before, after) = store.replace_access_key("ci", "TKIA3", "t").await.expect("rotate").expect("found");
    assert_eq!((before.access_key_id.as_str(), after.access_key_id.as_str()), ("TKIA1", "TKIA3"));
    assert!(store.principal_by_access_key("TKIA1").await.expect("read").is_none());
    assert_eq!(store.list_principals().await.expect("list").len(), 1);
    assert_eq!(store.delete_principal("ci").await.expect("delete").expect("found").id, before.id);
    assert!(store.delete_principal("ci").await.expect("delete").is_none());
});

fn file(name: &str, sha256: &str) -> tributary_store::AssetRecord {
    tributary_store::AssetRecord {
        name: name.to_owned(),
        size: 3,
        sha256: sha256.repeat(64 / sha256.len()).parse().expect("a SHA-256"),
        sha1: tributary_model::digest::Sha1([0; 20]),
        md5: tributary_model::digest::Md5([0; 16]),
        sha512: tributary_model::digest::Sha512([0; 64]),
        attributes: serde_json::json!({ "requires_python": ">=3.9" }),
    }
}

fn version(number: &str, files: Vec<tributary_store::AssetRecord>) -> tributary_store::NewVersion {
    tributary_store::NewVersion {
        version: number.to_owned(),
        status: tributary_model::VersionStatus::Published,
        origin: tributary_model::VersionOrigin {
            origin_type: tributary_model::OriginType::Internal,
            repository: Some("app".to_owned()),
            external_connection: None,
        },
        metadata: tributary_model::VersionMetadata::default(),
        format_metadata: serde_json::json!({}),
        published_at: chrono::Utc::now(),
        assets: files,
    }
}

both_backends!(versions_gain_files_but_never_change_one, |store: Store| async move {
    use tributary_model::{OriginRestrictions, PackageCoordinates, PackageFormat, VersionMetadata};
    use tributary_store::PutOutcome;
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    let repo = store.change_repository(&domain, create("app", &[]), accept).await.expect("repo");
    let demo = PackageCoordinates { format: PackageFormat::Pypi, namespace: String::new(), name: "demo".into() };
    let tags = std::collections::BTreeMap::new();
    let put = |new: tributary_store::NewVersion| {
        let (store, repo, demo, tags) = (&store, &repo, &demo, &tags);
        async move { store.put_version(&repo.id, demo, "Demo", &new, OriginRestrictions::FIRST_PUBLISHED, tags).await }
    };

    let sdist = file("demo-1.0.tar.gz", "a");
    let wheel = file("demo-1.0-py3-none-any.whl", "b");
    let created = put(version("1.0", vec![sdist.clone()])).await.expect("first file");
    assert!(matches!(created, PutOutcome::Created(_)));
    let revision = created.record().revision.clone();

    // Another file, with metadata this time: added, and the empty metadata learnt.
    let mut described = version("1.0", vec![sdist.clone(), wheel.clone()]);
    described.metadata = VersionMetadata { summary: Some("a demo".into()), ..VersionMetadata::default() };
    let extended = put(described).await.expect("second file");
    let PutOutcome::Extended(record) = extended else { panic!("expected Extended, got {extended:?}") };
    assert_eq!(record.assets.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), [&wheel.name, &sdist.name]);
    assert_ne!(record.revision, revision, "a new file is a new revision");
    assert_eq!(record.metadata.summary.as_deref(), Some("a demo"));
    assert_eq!(record.assets[0].attributes, serde_json::json!({ "requires_python": ">=3.9" }));

    // The same files again: nothing changes (re-runs, --skip-existing).
    let again = put(version("1.0", vec![wheel.clone()])).await.expect("same file");
    let PutOutcome::Unchanged(unchanged) = again else { panic!("expected Unchanged, got {again:?}") };
    assert_eq!(unchanged.revision, record.revision);

    // A file name it holds, with other bytes: refused, and nothing of the put is stored.
    let other = file("demo-1.0-py3-none-any.whl", "c");
    let third = file("demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "d");
    let refused = put(version("1.0", vec![third, other])).await.expect_err("other bytes");
    assert_eq!(rejected_kind(refused), ErrorKind::Conflict);
    let package = store.package(&repo.id, &demo).await.expect("read").expect("package");
    let stored = store.version(&package.id, "1.0").await.expect("read").expect("version");
    assert_eq!(stored.assets.len(), 2, "the refused put added nothing: {:?}", stored.assets);
});

// The marks of a garbage collection: only blobs nothing refers to are marked, by one
// collection; a version refers to no marked blob until the mark is dropped (not deleted after
// all) or, once deleted, the bytes were stored again; a collection that died is taken over;
// finished deletions are forgotten after the grace period.
both_backends!(a_collection_marks_only_what_nothing_refers_to, |store: Store| async move {
    use tributary_model::{OriginRestrictions, PackageCoordinates, PackageFormat};
    let domain = store.create_domain("acme", "000000000000", None, &[]).await.expect("domain");
    let repo = store.change_repository(&domain, create("app", &[]), accept).await.expect("repo");
    let tags = std::collections::BTreeMap::new();
    let put = |name: &str, sha256: &str| {
        let coordinates =
            PackageCoordinates { format: PackageFormat::Npm, namespace: String::new(), name: name.to_owned() };
        let new = version("1.0.0", vec![file(&format!("{name}-1.0.0.tgz"), sha256)]);
        let (store, repo, tags) = (&store, &repo, &tags);
        async move {
            let name = coordinates.name.as_str();
            store.put_version(&repo.id, &coordinates, name, &new, OriginRestrictions::FIRST_PUBLISHED, tags).await
        }
    };
    let hex = |sha256: &str| sha256.repeat(64 / sha256.len());
    let collected = |result: Result<tributary_store::PutOutcome, StoreError>| match result {
        Err(StoreError::BlobCollected { sha256, finished }) => Some((sha256, finished)),
        Err(other) => panic!("expected BlobCollected, got {other}"),
        Ok(_) => None,
    };
    put("kept", "a").await.expect("a version referring to blob a");

    let marked = store.mark_blobs_for_deletion(&domain.id, &[hex("a"), hex("e")], "c1", 1_000).await.expect("mark");
    assert_eq!(marked, [hex("e")], "a blob a version refers to is never marked");
    assert_eq!(collected(put("late", "e").await), Some((hex("e"), false)), "refused while being deleted");
    let other = store.mark_blobs_for_deletion(&domain.id, &[hex("e")], "c2", 1_001).await.expect("mark");
    assert!(other.is_empty(), "another collection leaves it to the first: {other:?}");

    // c1 dies; after the grace period c2 takes its marks over, and c1 can no longer finish.
    let taken = store.take_over_unfinished_deletions(&domain.id, "c2", 5_000, 1_000).await.expect("take over");
    assert!(taken.is_empty(), "a mark of the grace period's start is not stale yet: {taken:?}");
    let taken = store.take_over_unfinished_deletions(&domain.id, "c2", 5_000, 1_001).await.expect("take over");
    assert_eq!(taken, [hex("e")]);
    assert!(!store.still_marked_by(&domain.id, &hex("e"), "c1").await.expect("read"), "c1 deletes nothing more");
    assert!(store.still_marked_by(&domain.id, &hex("e"), "c2").await.expect("read"));
    store.blob_deleted(&domain.id, &hex("e"), "c1", 5_001).await.expect("c1 records");
    assert_eq!(collected(put("late", "e").await), Some((hex("e"), false)), "c1's record changed nothing");
    store.blob_deleted(&domain.id, &hex("e"), "c2", 5_002).await.expect("c2 records");
    assert_eq!(collected(put("late", "e").await), Some((hex("e"), true)), "deleted");
    store.blob_uploaded_again(&domain.id, &hex("e")).await.expect("stored again");
    put("late", "e").await.expect("written once its bytes are back");

    // A mark dropped (the blob was written since it was listed) lets versions refer to it.
    let marked = store.mark_blobs_for_deletion(&domain.id, &[hex("f")], "c3", 6_000).await.expect("mark");
    assert_eq!(marked, [hex("f")]);
    store.blob_uploaded_again(&domain.id, &hex("f")).await.expect("no-op");
    assert_eq!(collected(put("fresh", "f").await), Some((hex("f"), false)), "a deletion running keeps its mark");
    store.unmark_blob(&domain.id, &hex("f"), "c3").await.expect("unmark");
    put("fresh", "f").await.expect("written once unmarked");

    // Finished deletions are forgotten once older than the grace period.
    store.mark_blobs_for_deletion(&domain.id, &[hex("9")], "c4", 7_000).await.expect("mark");
    store.blob_deleted(&domain.id, &hex("9"), "c4", 7_100).await.expect("deleted");
    assert_eq!(store.forget_deletions(&domain.id, 7_100).await.expect("forget"), 0);
    assert_eq!(store.forget_deletions(&domain.id, 7_101).await.expect("forget"), 1);
    put("reborn", "9").await.expect("a forgotten deletion refuses nothing");
});

both_backends!(a_fetch_lease_has_one_holder_until_it_lapses, |store: Store| async move {
    let (key, ttl) = ("acme/gw/npm:lodash/4.17.21/lodash-4.17.21.tgz", 30_000);
    assert!(store.take_lease(key, "replica-a", 1_000, ttl).await.expect("take"), "a free lease is taken");
    assert!(!store.take_lease(key, "replica-b", 2_000, ttl).await.expect("take"), "a held lease is not");
    assert!(store.take_lease("another/file", "replica-b", 2_000, ttl).await.expect("take"), "one lease per key");
    // Renewed by its holder only; the renewal moves the lapse.
    assert!(!store.renew_lease(key, "replica-b", 20_000, ttl).await.expect("renew"));
    assert!(store.renew_lease(key, "replica-a", 20_000, ttl).await.expect("renew"));
    assert!(!store.take_lease(key, "replica-b", 40_000, ttl).await.expect("take"), "renewed until 50 s");
    // Lapsed (its holder died): another takes it over, and the old holder can't renew it.
    assert!(store.take_lease(key, "replica-b", 50_001, ttl).await.expect("take"));
    assert!(!store.renew_lease(key, "replica-a", 50_002, ttl).await.expect("renew"));
    // Released by its holder only; then free.
    store.release_lease(key, "replica-a").await.expect("release");
    assert!(!store.take_lease(key, "replica-c", 50_003, ttl).await.expect("take"), "still replica-b's");
    store.release_lease(key, "replica-b").await.expect("release");
    assert!(store.take_lease(key, "replica-c", 50_004, ttl).await.expect("take"), "free again");
});

/// SQLite has one server: a lease in it at start-up was left by a run that was killed while
/// fetching, and must not hold the next run's fetch back until it lapses. PostgreSQL keeps
/// leases across a start: other replicas may be fetching.
#[tokio::test]
async fn a_start_voids_leases_on_sqlite_only() {
    for (db, voided) in [(TestDb::sqlite().await, true), (TestDb::postgres().await, false)] {
        let store = db.store.clone();
        let now = chrono::Utc::now().timestamp_millis();
        assert!(store.take_lease("acme/gw/file", "killed-run", now, 30_000).await.expect("take"));
        store.migrate().await.expect("migrations");
        store.void_leases_of_a_previous_run().await.expect("a start of `tributary serve`");
        let taken = store.take_lease("acme/gw/file", "next-run", now + 1, 30_000).await.expect("take");
        assert_eq!(taken, voided, "voided on SQLite only");
        db.finish().await;
    }
}
