//! Cleanup (docs/DESIGN.md §2, "Cleanup"): a repository's policy says which of its versions go,
//! and a cleanup disposes them (the records stay, Disposed; the files go, their blobs with the
//! next garbage collection). By default only versions that came from upstream, never the
//! newest `keepNewest` of a package, and only those nobody downloaded from the repository for
//! `unusedDays`. A dry run says what a cleanup would dispose. Servers run it hourly.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use tributary_model::{ServiceError, VersionStatus};
use tributary_store::{CleanupCandidate, CleanupPolicy};

use crate::{Caller, RepoRef, Service};

/// The versions `policy` disposes among `candidates` (one repository's) at `now`.
pub fn chosen(policy: &CleanupPolicy, candidates: Vec<CleanupCandidate>, now: DateTime<Utc>) -> Vec<CleanupCandidate> {
    if policy.unused_days.is_none() && policy.keep_newest.is_none() {
        return Vec::new();
    }
    let mut by_package: BTreeMap<_, Vec<CleanupCandidate>> = BTreeMap::new();
    for candidate in candidates {
        let key = (
            candidate.coordinates.format.as_str(),
            candidate.coordinates.namespace.clone(),
            candidate.coordinates.name.clone(),
        );
        by_package.entry(key).or_default().push(candidate);
    }
    let unused_since = policy.unused_days.map(|days| now - TimeDelta::days(i64::from(days)));
    let mut out = Vec::new();
    for (_, mut versions) in by_package {
        versions.sort_by(|a, b| b.published_at.cmp(&a.published_at).then_with(|| b.version.cmp(&a.version)));
        let keep = policy.keep_newest.map_or(0, |k| k as usize);
        for candidate in versions.into_iter().skip(keep) {
            let from_upstream = candidate.origin_type == "EXTERNAL";
            let unused = unused_since.is_none_or(|since| candidate.last_used_at < since);
            if (from_upstream || policy.include_published) && unused {
                out.push(candidate);
            }
        }
    }
    out
}

impl Service {
    /// Sets (or, with `None`, removes) a repository's cleanup policy.
    pub async fn set_cleanup_policy(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        policy: Option<CleanupPolicy>,
    ) -> Result<(), ServiceError> {
        if let Some(p) = &policy
            && p.unused_days.is_none()
            && p.keep_newest.is_none()
        {
            return Err(ServiceError::validation(
                "a cleanup policy needs `unusedDays`, `keepNewest` or both: without either it removes nothing",
            ));
        }
        let target = self.repo_target(caller, &repo.domain, &repo.repository).await?;
        Ok(self.store.set_cleanup_policy(&target.repository_id, policy).await?)
    }

    /// A repository's cleanup policy.
    pub async fn cleanup_policy(&self, caller: &Caller, repo: &RepoRef) -> Result<Option<CleanupPolicy>, ServiceError> {
        let target = self.repo_target(caller, &repo.domain, &repo.repository).await?;
        Ok(self.store.cleanup_policy(&target.repository_id).await?)
    }

    /// Cleans a repository up by its policy at `now` (nothing without one): the versions chosen,
    /// disposed unless `dry_run`.
    pub async fn clean_up(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<CleanupCandidate>, ServiceError> {
        let target = self.repo_target(caller, &repo.domain, &repo.repository).await?;
        self.clean_up_repository(&target.domain, &target.repository_id, dry_run, now).await
    }

    async fn clean_up_repository(
        &self,
        domain: &tributary_store::Domain,
        repository_id: &str,
        dry_run: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<CleanupCandidate>, ServiceError> {
        let Some(policy) = self.store.cleanup_policy(repository_id).await? else {
            return Ok(Vec::new());
        };
        let chosen = chosen(&policy, self.store.cleanup_candidates(repository_id).await?, now);
        if dry_run {
            return Ok(chosen);
        }
        let mut by_package: BTreeMap<_, (tributary_model::PackageCoordinates, Vec<String>)> = BTreeMap::new();
        for c in &chosen {
            let key = (c.coordinates.format.as_str(), c.coordinates.namespace.clone(), c.coordinates.name.clone());
            by_package.entry(key).or_insert_with(|| (c.coordinates.clone(), Vec::new())).1.push(c.version.clone());
        }
        for (coordinates, versions) in by_package.into_values() {
            let Some(package) = self.store.package(repository_id, &coordinates).await? else { continue };
            self.store.set_statuses(&package.id, &versions, None, None, VersionStatus::Disposed).await?;
            self.caches.package_changed(&domain.id, &coordinates).await;
        }
        Ok(chosen)
    }

    /// Cleans up every repository that has a policy (what servers run hourly); how many versions
    /// were disposed.
    pub async fn clean_up_all(&self, now: DateTime<Utc>) -> Result<usize, ServiceError> {
        let mut disposed = 0;
        for repository_id in self.store.repositories_with_cleanup().await? {
            let Some(domain) = self.store.domain_of_repository(&repository_id).await? else { continue };
            disposed += self.clean_up_repository(&domain, &repository_id, false, now).await?.len();
        }
        Ok(disposed)
    }

    /// Deletes the fleet's copies of registry documents that no replica asked the registry about
    /// for a day (or a metadata TTL, if longer): copies still read are refreshed every TTL. How
    /// many were deleted (none on one server, which keeps none).
    pub async fn forget_unread_documents(&self) -> Result<u64, ServiceError> {
        if !self.store.is_shared() {
            return Ok(0);
        }
        let kept = self.upstreams.metadata_ttl().max(std::time::Duration::from_secs(24 * 3600));
        let before = Utc::now().timestamp_millis() - i64::try_from(kept.as_millis()).unwrap_or(i64::MAX);
        Ok(self.store.delete_shared_documents_before(before).await?)
    }
}
