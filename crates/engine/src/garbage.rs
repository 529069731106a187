//! Garbage collection of blobs (docs/ARCHITECTURE.md, "Leftovers"): a blob no asset of its
//! domain refers to, and not written for a grace period, is deleted. Such blobs are what refused
//! uploads leave (the blob is stored before the version is written, and a conflict refuses the
//! version) and what a process killed between the two leaves.
//!
//! The grace period is what keeps this safe: an upload writes its version right after its blob,
//! so a blob written within the grace period may be about to be referred to; and a `put` of the
//! same bytes always renames a fresh copy into place, which the blob store's `delete_idle`
//! recognises and keeps.

use std::time::Duration;

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

impl Service {
    /// Deletes, in every domain, the blobs no asset refers to that were not written for `grace`.
    pub async fn collect_garbage(&self, grace: Duration) -> Result<GarbageReport, ServiceError> {
        let mut report = GarbageReport::default();
        let mut after: Option<String> = None;
        loop {
            let domains = self.store.list_domains(after.as_deref(), 100).await?;
            let Some(last) = domains.last() else { break };
            after = Some(last.name.clone());
            for domain in &domains {
                let scope = crate::resolve::scope(domain)?;
                let blob_error =
                    |e: tributary_blob::BlobError| ServiceError::internal(format!("the blob store failed: {e}"));
                let idle = self.blobs.idle_blobs(&scope, grace).await.map_err(blob_error)?;
                if idle.is_empty() {
                    continue;
                }
                // Read after listing: a version written since refers to a blob written since,
                // which is not idle.
                let referenced = self.store.referenced_blobs(&domain.id).await?;
                for sha256 in idle {
                    report.idle += 1;
                    if !referenced.contains(&sha256.to_hex())
                        && self.blobs.delete_idle(&scope, &sha256, grace).await.map_err(blob_error)?
                    {
                        report.deleted += 1;
                    }
                }
            }
        }
        Ok(report)
    }
}
