//! One fetch of an upstream file across the replicas of a fleet (docs/DESIGN.md §4).
//!
//! Within a replica, concurrent requests for one uncached file already wait on one in-process
//! lock. Across replicas, the one that takes the file's fetch lease in the database fetches it;
//! the others poll until the file is stored (then serve it from the shared blob store) or the
//! lease is free again (the fetch failed: the next one tries). The holder renews its lease while
//! the fetch runs; a replica that dies holding one delays the others by at most [`LEASE_TTL`].

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;
use tributary_model::ServiceError;
use tributary_store::Store;

use crate::Service;

/// How long a lease lasts unless renewed.
const LEASE_TTL: Duration = Duration::from_secs(30);
/// How often its holder renews it.
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// How often a waiting replica looks again.
pub(crate) const LEASE_POLL: Duration = Duration::from_millis(100);

/// This replica's right to fetch one file for the fleet; renewed while held, given up on drop.
#[derive(Debug)]
pub(crate) struct FetchLease {
    store: Store,
    key: String,
    holder: Arc<str>,
    renewer: JoinHandle<()>,
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn ttl_ms() -> i64 {
    i64::try_from(LEASE_TTL.as_millis()).unwrap_or(i64::MAX)
}

impl Service {
    /// Takes the fetch lease `key` for this replica, or `None` while another replica holds it.
    pub(crate) async fn take_fetch_lease(&self, key: &str) -> Result<Option<FetchLease>, ServiceError> {
        FetchLease::take(&self.store, &self.replica, key).await
    }
}

impl FetchLease {
    /// Takes the lease `key` for `holder` in `store`, or `None` while another replica holds it;
    /// renewed until dropped.
    pub(crate) async fn take(store: &Store, holder: &Arc<str>, key: &str) -> Result<Option<Self>, ServiceError> {
        if !store.take_lease(key, holder, now_ms(), ttl_ms()).await? {
            return Ok(None);
        }
        let (renewing, owned_key, renewer_holder) = (store.clone(), key.to_owned(), holder.clone());
        let renewer = tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                match renewing.renew_lease(&owned_key, &renewer_holder, now_ms(), ttl_ms()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(lease = %owned_key, "a fetch lease lapsed while its fetch ran");
                        return;
                    }
                    Err(e) => tracing::warn!(lease = %owned_key, error.message = %e, "a fetch lease was not renewed"),
                }
            }
        });
        Ok(Some(Self { store: store.clone(), key: key.to_owned(), holder: holder.clone(), renewer }))
    }
}

impl Drop for FetchLease {
    fn drop(&mut self) {
        self.renewer.abort();
        let (store, key, holder) = (self.store.clone(), std::mem::take(&mut self.key), self.holder.clone());
        // Outside a runtime (shutting down), the lease simply lapses.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = store.release_lease(&key, &holder).await {
                    tracing::warn!(lease = %key, error.message = %e, "a fetch lease was not given up; it will lapse");
                }
            });
        }
    }
}

impl Service {
    /// Whether this replica should run the periodic job `job` now: the first replica of the
    /// fleet to ask in each `period` is told yes, the others no until the period has passed
    /// (a lease in the database, kept, not given up: it marks the period as taken). On SQLite
    /// (one server), always yes.
    pub async fn claim_periodic_job(&self, job: &str, period: Duration) -> Result<bool, ServiceError> {
        if !self.store.is_shared() {
            return Ok(true);
        }
        // A little less than the period, so that the replica that ran it can take it again at
        // its next turn, whatever the clocks' drift.
        let ttl = i64::try_from(period.as_millis()).unwrap_or(i64::MAX).saturating_mul(9) / 10;
        Ok(self.store.take_lease(&format!("periodic/{job}"), &self.replica, now_ms(), ttl).await?)
    }
}
