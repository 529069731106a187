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
