//! The suite on [`FsBlobStore`], and what only the filesystem store does.

use std::path::Path;

use tempfile::TempDir;
use tributary_blob::{BlobScope, BlobStore, ExpectedDigests, FsBlobStore, body_from_bytes};

use crate::suite::{Fixture, blob_store_suite};

/// A [`FsBlobStore`] in a fresh temporary directory.
#[derive(Debug)]
pub struct FsFixture {
    store: FsBlobStore,
    _dir: TempDir,
}

impl Fixture for FsFixture {
    type Store = FsBlobStore;

    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        Self { store: FsBlobStore::new(dir.path().join("blobs")), _dir: dir }
    }

    fn store(&self) -> &FsBlobStore {
        &self.store
    }

    async fn contents(&self) -> Vec<String> {
        let mut files = Vec::new();
        list_files(self.store.root(), self.store.root(), &mut files);
        files.sort();
        files
    }
}

/// Every file under `dir`, as a `/`-separated path relative to `root`.
fn list_files(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("read a directory entry").path();
        if path.is_dir() {
            list_files(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("a path under the root");
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

blob_store_suite!(FsFixture);

#[tokio::test]
async fn path_is_the_stored_file() {
    let fixture = FsFixture::new().await;
    let scope = BlobScope::new("files").expect("valid scope");
    let digests = fixture.store.put(&scope, body_from_bytes("abc"), &ExpectedDigests::default()).await.expect("put");
    let path = fixture.store.path(&scope, &digests.sha256);
    assert!(path.starts_with(fixture.store.root()));
    assert_eq!(std::fs::read(&path).expect("read the blob file"), b"abc");
}

#[tokio::test]
async fn check_fails_when_the_root_is_not_writable() {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").expect("write a file");
    let store = FsBlobStore::new(&file);
    let err = store.check().await.err();
    assert!(matches!(&err, Some(tributary_blob::BlobError::Io { .. })), "{err:?}");
}

/// Garbage collection's two steps: `idle_blobs` lists blobs not written for a while, and
/// `delete_idle` deletes one only if it is still idle (a fresh `put` of the same bytes stays).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_blobs_are_listed_and_deleted_but_fresh_ones_stay() {
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let store = FsBlobStore::new(dir.path().join("blobs"));
    let scope = BlobScope::new("gc").expect("a scope");
    let digests = store.put(&scope, body_from_bytes(&b"orphan"[..]), &ExpectedDigests::default()).await.expect("put");
    let hour = Duration::from_secs(3600);

    assert!(store.idle_blobs(&scope, hour).await.expect("list").is_empty(), "just written: not idle for an hour");
    assert!(!store.delete_idle(&scope, &digests.sha256, hour).await.expect("delete"), "a fresh blob stays");
    assert!(store.exists(&scope, &digests.sha256).await.expect("exists"));

    assert_eq!(store.idle_blobs(&scope, Duration::ZERO).await.expect("list"), [digests.sha256]);
    assert!(store.delete_idle(&scope, &digests.sha256, Duration::ZERO).await.expect("delete"));
    assert!(!store.exists(&scope, &digests.sha256).await.expect("exists"));
    assert!(!store.delete_idle(&scope, &digests.sha256, Duration::ZERO).await.expect("delete"), "already gone");
    let temp: Vec<_> = std::fs::read_dir(dir.path().join("blobs/.tmp")).expect("the temporary directory").collect();
    assert!(temp.is_empty(), "nothing is left aside");
}
