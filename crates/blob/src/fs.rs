//! The filesystem blob store: one file per blob under a root directory.
//!
//! An upload is written to `{root}/.tmp/{uuid}` while it is hashed, checked against the declared
//! digests, fsynced, then renamed to its content address (see [`StorageKey`]) and the directory is
//! fsynced, so a crash leaves either no blob or the whole blob. A failed or cancelled upload removes
//! its temporary file.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures::StreamExt as _;
use tokio::fs;
use tokio::io::{AsyncWriteExt as _, BufWriter};
use tokio_util::io::ReaderStream;

use crate::digest::{Digests, ExpectedDigests, Hasher, Sha256};
use crate::error::BlobError;
use crate::key::{BlobScope, StorageKey, TEMP_PREFIX};
use crate::{BlobBodyIn, BlobBodyOut, BlobStore};

/// Bytes gathered before each write to the temporary file.
const WRITE_BUFFER: usize = 256 * 1024;
/// Bytes per chunk when reading a blob.
const READ_CHUNK: usize = 64 * 1024;

/// A [`BlobStore`] in a local directory.
///
/// The directory is created on first use. Uploads in progress live in `{root}/.tmp/`; a file left
/// there by a crash can be removed once it is older than any upload could take.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store rooted at `root`. Does no I/O; [`BlobStore::check`] tells whether it is usable.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds (or would hold) a blob, e.g. to send it with `sendfile`.
    ///
    /// The file may be absent. Its bytes never change once it is in place; it may be deleted.
    pub fn path(&self, scope: &BlobScope, sha256: &Sha256) -> PathBuf {
        self.root.join(StorageKey::Blob { scope, sha256 }.to_string())
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join(TEMP_PREFIX)
    }

    /// Where a garbage collection moves a blob while it decides (`{scope}.{sha256}`).
    fn aside_dir(&self) -> PathBuf {
        self.root.join(".gc")
    }

    /// Puts back what a collection killed mid-way left aside, unless the blob is in place again.
    async fn put_back_set_aside(&self) -> Result<(), BlobError> {
        let dir = self.aside_dir();
        let mut entries = match fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(BlobError::io("list", &dir)(err)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(BlobError::io("list", &dir))? {
            let name = entry.file_name();
            let Some((scope, sha256)) = name.to_str().and_then(|n| n.split_once('.')) else { continue };
            let (Ok(scope), Ok(sha256)) = (BlobScope::new(scope), sha256.parse::<Sha256>()) else { continue };
            let dest = self.path(&scope, &sha256);
            if fs::try_exists(&dest).await.unwrap_or(false) {
                let _ = fs::remove_file(entry.path()).await;
            } else {
                self.create_dir_durably(dest.parent().unwrap_or(&self.root)).await?;
                fs::rename(entry.path(), &dest).await.map_err(BlobError::io("put back", &dest))?;
            }
        }
        Ok(())
    }

    /// Writes the body to `temp`, hashing and checking it, and fsyncs it.
    async fn write_temp(
        &self,
        temp: &Path,
        mut body: BlobBodyIn,
        expected: &ExpectedDigests,
    ) -> Result<Digests, BlobError> {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .await
            .map_err(BlobError::io("create temporary file", temp))?;
        let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
        let mut hasher = Hasher::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(BlobError::Body)?;
            hasher.update(&chunk);
            expected.check_size_so_far(hasher.size())?;
            writer.write_all(&chunk).await.map_err(BlobError::io("write temporary file", temp))?;
        }
        writer.flush().await.map_err(BlobError::io("write temporary file", temp))?;
        let digests = hasher.finalize();
        expected.check(&digests)?;
        writer.into_inner().sync_all().await.map_err(BlobError::io("fsync temporary file", temp))?;
        Ok(digests)
    }

    /// Creates `dir` and its missing ancestors, fsyncing the parents of new directories up to the
    /// root so the new entries survive a crash.
    async fn create_dir_durably(&self, dir: &Path) -> Result<(), BlobError> {
        if fs::try_exists(dir).await.unwrap_or(false) {
            return Ok(());
        }
        fs::create_dir_all(dir).await.map_err(BlobError::io("create directory", dir))?;
        let mut current = dir.parent();
        while let Some(parent) = current {
            sync_dir(parent).await?;
            if parent == self.root {
                break;
            }
            current = parent.parent();
        }
        Ok(())
    }
}

async fn sync_dir(dir: &Path) -> Result<(), BlobError> {
    let handle = fs::File::open(dir).await.map_err(BlobError::io("open directory", dir))?;
    handle.sync_all().await.map_err(BlobError::io("fsync directory", dir))
}

/// A temporary file that is removed when dropped, unless [`TempFile::keep`] was called.
///
/// Dropping also covers a cancelled upload (the `put` future dropped mid-way).
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl TempFile {
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        // A blocking unlink, but a short one; it must also run when the future is cancelled.
        if let Err(err) = std::fs::remove_file(&self.path)
            && err.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(
                path = %self.path.display(),
                error = %err,
                "could not remove temporary blob file"
            );
        }
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, scope: &BlobScope, body: BlobBodyIn, expected: &ExpectedDigests) -> Result<Digests, BlobError> {
        let temp_dir = self.temp_dir();
        fs::create_dir_all(&temp_dir).await.map_err(BlobError::io("create directory", &temp_dir))?;
        let temp = TempFile { path: self.root.join(StorageKey::new_temp().to_string()), armed: true };
        let digests = self.write_temp(&temp.path, body, expected).await?;

        let dest = self.path(scope, &digests.sha256);
        let dir = dest.parent().unwrap_or(&self.root);
        self.create_dir_durably(dir).await?;
        // Replacing an existing blob swaps identical bytes: harmless, and it leaves the blob in
        // place even if a delete raced with this put.
        fs::rename(&temp.path, &dest).await.map_err(BlobError::io("rename temporary file to", &dest))?;
        temp.keep();
        sync_dir(dir).await?;
        tracing::debug!(
            blob.scope = %scope,
            blob.sha256 = %digests.sha256,
            size_bytes = digests.size,
            "stored blob"
        );
        Ok(digests)
    }

    async fn get(&self, scope: &BlobScope, sha256: &Sha256) -> Result<BlobBodyOut, BlobError> {
        let path = self.path(scope, sha256);
        let file = match fs::File::open(&path).await {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound { scope: scope.clone(), sha256: *sha256 });
            }
            Err(err) => return Err(BlobError::io("open", path)(err)),
        };
        let size = file.metadata().await.map_err(BlobError::io("read metadata of", &path))?.len();
        Ok(BlobBodyOut { size, stream: Box::pin(ReaderStream::with_capacity(file, READ_CHUNK)) })
    }

    async fn exists(&self, scope: &BlobScope, sha256: &Sha256) -> Result<bool, BlobError> {
        let path = self.path(scope, sha256);
        fs::try_exists(&path).await.map_err(BlobError::io("check existence of", path))
    }

    async fn delete(&self, scope: &BlobScope, sha256: &Sha256) -> Result<(), BlobError> {
        let path = self.path(scope, sha256);
        match fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(BlobError::io("delete", path)(err)),
        }
    }

    async fn remove_abandoned_uploads(&self, older_than: std::time::Duration) -> Result<u64, BlobError> {
        self.put_back_set_aside().await?;
        let temp_dir = self.temp_dir();
        let mut entries = match fs::read_dir(&temp_dir).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(BlobError::io("list", &temp_dir)(err)),
        };
        let now = std::time::SystemTime::now();
        let mut freed = 0;
        while let Some(entry) = entries.next_entry().await.map_err(BlobError::io("list", &temp_dir))? {
            let Ok(metadata) = entry.metadata().await else { continue };
            // A file written since `now` (an upload that just began) is never idle.
            let Some(idle) = metadata.modified().ok().and_then(|m| now.duration_since(m).ok()) else { continue };
            if metadata.is_file() && idle >= older_than && fs::remove_file(entry.path()).await.is_ok() {
                freed += metadata.len();
            }
        }
        Ok(freed)
    }

    async fn idle_blobs(&self, scope: &BlobScope, older_than: std::time::Duration) -> Result<Vec<Sha256>, BlobError> {
        // `{root}/{scope}/sha256/{ab}/{cd}/{hex}`, as `StorageKey` lays it out.
        let base = self.root.join(scope.as_str()).join("sha256");
        let now = std::time::SystemTime::now();
        let mut found = Vec::new();
        let mut dirs = vec![(base, 0u8)];
        while let Some((dir, depth)) = dirs.pop() {
            let mut entries = match fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(BlobError::io("list", &dir)(err)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(BlobError::io("list", &dir))? {
                if depth < 2 {
                    // A stray file among the fan-out directories is no blob.
                    if entry.file_type().await.is_ok_and(|t| t.is_dir()) {
                        dirs.push((entry.path(), depth + 1));
                    }
                    continue;
                }
                let Some(sha256) = entry.file_name().to_str().and_then(|n| n.parse::<Sha256>().ok()) else { continue };
                let Ok(metadata) = entry.metadata().await else { continue };
                let idle = metadata.modified().ok().and_then(|m| now.duration_since(m).ok());
                if idle.is_some_and(|idle| idle >= older_than) {
                    found.push(sha256);
                }
            }
        }
        Ok(found)
    }

    async fn delete_idle(
        &self,
        scope: &BlobScope,
        sha256: &Sha256,
        older_than: std::time::Duration,
    ) -> Result<bool, BlobError> {
        // Skip a blob written since it was listed. Then move whatever is at its place aside
        // (atomic) and look at what was moved: a `put` renames a fresh file into place, so a
        // file written within `older_than` is one a version may be about to refer to, and goes
        // back. An idle one is deleted. What is aside lives in `.gc/` under its own address, so
        // a process killed meanwhile puts it back at its next start (`remove_abandoned_uploads`).
        let path = self.path(scope, sha256);
        let idle = |metadata: io::Result<std::fs::Metadata>| {
            metadata
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|m| std::time::SystemTime::now().duration_since(m).ok())
                .is_some_and(|idle| idle >= older_than)
        };
        if !idle(fs::metadata(&path).await) {
            return Ok(false);
        }
        let aside_dir = self.aside_dir();
        fs::create_dir_all(&aside_dir).await.map_err(BlobError::io("create directory", &aside_dir))?;
        let aside = aside_dir.join(format!("{scope}.{sha256}"));
        match fs::rename(&path, &aside).await {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(err) => return Err(BlobError::io("move aside", &path)(err)),
        }
        sync_dir(&aside_dir).await?;
        if idle(fs::metadata(&aside).await) {
            fs::remove_file(&aside).await.map_err(BlobError::io("delete", &aside))?;
            return Ok(true);
        }
        // The same bytes, whichever copy ends up in place.
        fs::rename(&aside, &path).await.map_err(BlobError::io("move back", &path))?;
        Ok(false)
    }

    async fn check(&self) -> Result<(), BlobError> {
        let temp_dir = self.temp_dir();
        fs::create_dir_all(&temp_dir).await.map_err(BlobError::io("create directory", &temp_dir))?;
        let probe = TempFile { path: self.root.join(StorageKey::new_temp().to_string()), armed: true };
        fs::write(&probe.path, b"readiness probe").await.map_err(BlobError::io("write", &probe.path))?;
        fs::remove_file(&probe.path).await.map_err(BlobError::io("delete", &probe.path))?;
        probe.keep();
        Ok(())
    }
}
