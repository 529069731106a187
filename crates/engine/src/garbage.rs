//! Garbage collection of blobs (docs/ARCHITECTURE.md, "Garbage collection"): a blob no asset of
//! its domain refers to, and not written for a grace period, is deleted. Such blobs are what
//! refused uploads leave (the blob is stored before the version is written, and a conflict
//! refuses the version) and what a process killed between the two leaves.
//!
//! Safe on any blob store, against uploads of the same bytes running meanwhile:
//! - the database arbitrates (`tributary_store`'s `collections`): a blob is marked, under the
//!   domain's lock, only while no asset refers to it, and a version that would refer to a
//!   marked blob is refused (or let through once its bytes are stored again after the
//!   deletion: `Service::write_version`);
//! - the grace period bounds how long a version may take to be written after its blob: a mark
//!   of a finished deletion is kept that long, so an upload that found the blob before it was
//!   deleted cannot commit without seeing the mark;
//! - the blob store's `delete_idle` skips a blob written within the grace period (a `put` of
//!   the same bytes since it was listed).

use std::time::Duration;

use tributary_blob::{BlobError, Sha256};
use tributary_model::ServiceError;

use crate::Service;

/// What one collection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GarbageReport {
    /// Blobs looked at (idle ones, in every domain).
    pub idle: u64,
    /// Blobs deleted.
    pub deleted: u64,
}

/// How many idle blobs are marked, then deleted, at a time.
const BATCH: usize = 100;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A blob store's failure, as the client sees it.
pub(crate) fn blob_error(e: BlobError) -> ServiceError {
    ServiceError::internal(format!("the blob store failed: {e}"))
}

/// The digest of a blob a collection marked (hex in the database).
pub(crate) fn marked_digest(sha256: &str) -> Result<Sha256, ServiceError> {
    sha256.parse().map_err(|_| ServiceError::internal(format!("a collection marked a bad SHA-256 `{sha256}`")))
}

impl Service {
    /// What [`Service::collect_garbage`] with `grace` would delete now, by domain name: the
    /// blobs not written for `grace` that no asset refers to. Nothing is marked or deleted
    /// (`tributary gc --dry-run`).
    pub async fn garbage_preview(&self, grace: Duration) -> Result<Vec<(String, String)>, ServiceError> {
        let mut found = Vec::new();
        for domain in self.every_domain().await? {
            let scope = crate::resolve::scope(&domain)?;
            let idle: Vec<String> =
                self.blobs.idle_blobs(&scope, grace).await.map_err(blob_error)?.iter().map(Sha256::to_hex).collect();
            let unreferenced = self.store.unreferenced_among(&domain.id, &idle).await?;
            found.extend(unreferenced.into_iter().map(|sha256| (domain.name.clone(), sha256)));
        }
        Ok(found)
    }

    /// Every domain, read a page at a time.
    async fn every_domain(&self) -> Result<Vec<tributary_store::Domain>, ServiceError> {
        let mut all = Vec::new();
        loop {
            let page =
                self.store.list_domains(all.last().map(|d: &tributary_store::Domain| d.name.as_str()), 100).await?;
            if page.is_empty() {
                return Ok(all);
            }
            all.extend(page);
        }
    }

    /// Deletes, in every domain, the blobs no asset refers to that were not written for `grace`.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<GarbageReport, ServiceError> {
        // Each run its own name: a run takes over only what a run that died left.
        let collector = format!("{}-{}", self.replica, hex::encode(&tributary_auth::generate_token_secret()[..4]));
        let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        let mut report = GarbageReport::default();
        for domain in &self.every_domain().await? {
            let scope = crate::resolve::scope(domain)?;
            // What a collection that died mid-way left marked: nothing can refer to it.
            let now = now_ms();
            let unfinished =
                self.store.take_over_unfinished_deletions(&domain.id, &collector, now, now - grace_ms).await?;
            for sha256 in unfinished {
                match self.blobs.delete(&scope, &marked_digest(&sha256)?).await {
                    Ok(()) => report.deleted += 1,
                    Err(e) => {
                        tracing::warn!(error.message = %e, blob.sha256 = %sha256, "a blob taken over for deletion was not deleted")
                    }
                }
                // Done either way: a version that would refer to it checks its bytes first.
                self.store.blob_deleted(&domain.id, &sha256, &collector, now_ms()).await?;
            }
            // Every upload that found one of these blobs before its deletion is done by now.
            self.store.forget_deletions(&domain.id, now_ms() - grace_ms).await?;

            let idle = self.blobs.idle_blobs(&scope, grace).await.map_err(blob_error)?;
            report.idle += idle.len() as u64;
            // Marked and deleted a batch at a time: a mark lives seconds, not the whole run.
            for batch in idle.chunks(BATCH) {
                let batch: Vec<String> = batch.iter().map(Sha256::to_hex).collect();
                let marked = self.store.mark_blobs_for_deletion(&domain.id, &batch, &collector, now_ms()).await?;
                for sha256 in marked {
                    if self.delete_marked(&scope, &domain.id, &sha256, &collector, grace).await? {
                        report.deleted += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Deletes a blob `collector` marked, unless it was written since it was listed (then its
    /// mark is dropped) or the mark was taken over by another run (this one was slow, not dead).
    /// A blob store's failure ends the deletion as well: the mark is recorded as done, and a
    /// version that would refer to the blob checks its bytes first, so no upload waits on a
    /// mark that nothing will finish.
    async fn delete_marked(
        &self,
        scope: &tributary_blob::BlobScope,
        domain_id: &str,
        sha256: &str,
        collector: &str,
        grace: Duration,
    ) -> Result<bool, ServiceError> {
        if !self.store.still_marked_by(domain_id, sha256, collector).await? {
            return Ok(false);
        }
        match self.blobs.delete_idle(scope, &marked_digest(sha256)?, grace).await {
            Ok(true) => {
                self.store.blob_deleted(domain_id, sha256, collector, now_ms()).await?;
                Ok(true)
            }
            Ok(false) => {
                self.store.unmark_blob(domain_id, sha256, collector).await?;
                Ok(false)
            }
            Err(e) => {
                tracing::warn!(error.message = %e, blob.sha256 = %sha256, "a blob marked for deletion was not deleted");
                self.store.blob_deleted(domain_id, sha256, collector, now_ms()).await?;
                Ok(false)
            }
        }
    }
}
