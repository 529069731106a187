//! Sync tasks (docs/ARCHITECTURE.md, "Sync tasks"; cnpmcore's package sync): a package's
//! versions ingested ahead of need, from the search order of the repository asked, as downloads
//! would ingest them (kept in that repository and in the gateway that fetched them). Tasks are
//! rows; any replica's worker claims one under a lease and logs each version.
//!
//! A task names its versions with selectors, read when it runs (so a range takes the versions
//! published by then): a version (`1.2.0`), a dist-tag (`tag:latest`), or a range of the
//! format's (`range:^1.2.0`); none means every version.

use chrono::{TimeDelta, Utc};
use futures::StreamExt;
use tributary_model::{DomainName, ErrorKind, PackageCoordinates, RepositoryName, ServiceError};
use tributary_store::{SyncState, SyncTask};

use crate::resolve::{RepoTarget, VersionSource};
use crate::{Caller, Service};

/// How long a worker holds a task without a word (each logged line extends it): a task whose
/// worker died is claimed again this long after its last line.
pub const SYNC_LEASE_SECONDS: i64 = 60;

/// A task taken more than this many times (its workers died each time) is not run again.
pub const MAX_SYNC_ATTEMPTS: i32 = 3;

impl Service {
    /// Queues a sync of `coordinates` through `target` for `caller`: the versions `selectors`
    /// name (see the module documentation), or every version its search order offers. Pulling
    /// from upstream must be allowed to the caller (`ReadFromUpstream`), and an anonymous reader
    /// of a public repository queues nothing.
    pub async fn queue_sync(
        &self,
        caller: &Caller,
        target: &RepoTarget,
        coordinates: &PackageCoordinates,
        selectors: &[String],
    ) -> Result<SyncTask, ServiceError> {
        if caller.is_anonymous() {
            return Err(ServiceError::new(ErrorKind::MissingAuthentication, "log in to queue a sync"));
        }
        let adapter = self.formats.adapter(coordinates.format).ok_or_else(|| {
            ServiceError::new(ErrorKind::Validation, format!("the format of {coordinates} is not served here"))
        })?;
        for selector in selectors {
            match selector.split_once(':') {
                Some(("range", range)) => {
                    adapter.in_range(range, "0.0.0").map_err(ServiceError::validation)?;
                }
                Some(("tag", tag)) if !tag.is_empty() => {}
                _ if !selector.is_empty() && !selector.starts_with("tag:") => {}
                _ => return Err(ServiceError::validation(format!("`{selector}` names no version"))),
            }
        }
        target.check_reads_upstream(coordinates, "the versions to sync")?;
        Ok(self.store.queue_sync(&target.domain.id, &target.repository, coordinates, selectors, Utc::now()).await?)
    }

    /// The sync task `id` of `target`'s repository and package `coordinates`.
    pub async fn sync_task(
        &self,
        target: &RepoTarget,
        coordinates: &PackageCoordinates,
        id: &str,
    ) -> Result<SyncTask, ServiceError> {
        match self.store.sync_task(id).await? {
            Some(task)
                if task.domain_id == target.domain.id
                    && task.repository == target.repository
                    && task.coordinates == *coordinates =>
            {
                Ok(task)
            }
            _ => Err(ServiceError::new(ErrorKind::NotFound, format!("no sync task `{id}` of {coordinates} here"))),
        }
    }

    /// Claims one task (if any waits) as `worker`, runs it, and records how it ended: whether
    /// there was one.
    pub async fn run_one_sync(&self, worker: &str) -> Result<bool, ServiceError> {
        let lease = TimeDelta::seconds(SYNC_LEASE_SECONDS);
        let Some(task) = self.store.claim_sync_task(worker, lease, Utc::now()).await? else {
            return Ok(false);
        };
        if task.attempts > MAX_SYNC_ATTEMPTS {
            self.log_sync(worker, &task, &format!("given up after {MAX_SYNC_ATTEMPTS} attempts")).await?;
            self.store.finish_sync(&task.id, worker, SyncState::Failed, Utc::now()).await?;
            return Ok(true);
        }
        let state = match self.run_sync(worker, &task).await {
            Ok(true) => SyncState::Done,
            Ok(false) => SyncState::Failed,
            Err(e) => {
                self.log_sync(worker, &task, &format!("stopped: {}", e.message)).await?;
                SyncState::Failed
            }
        };
        self.store.finish_sync(&task.id, worker, state, Utc::now()).await?;
        Ok(true)
    }

    async fn log_sync(&self, worker: &str, task: &SyncTask, line: &str) -> Result<(), ServiceError> {
        let lease_until = Utc::now() + TimeDelta::seconds(SYNC_LEASE_SECONDS);
        if !self.store.log_sync(&task.id, worker, line, lease_until).await? {
            return Err(ServiceError::new(ErrorKind::Conflict, "another worker took this task over"));
        }
        Ok(())
    }

    /// Ingests the task's versions: whether all went well (the log says what did not).
    async fn run_sync(&self, worker: &str, task: &SyncTask) -> Result<bool, ServiceError> {
        let domain = self
            .store
            .domain_by_id(&task.domain_id)
            .await?
            .ok_or_else(|| ServiceError::new(ErrorKind::NotFound, "the task's domain is gone"))?;
        let target = self
            .repo_target(
                &Caller::system(),
                &DomainName::parse(&domain.name)?,
                &RepositoryName::parse(&task.repository)?,
            )
            .await?;
        let coordinates = &task.coordinates;
        let adapter = self.formats.adapter(coordinates.format).ok_or_else(|| {
            ServiceError::new(ErrorKind::Validation, format!("the format of {coordinates} is not served here"))
        })?;
        self.log_sync(worker, task, &format!("syncing {coordinates} through `{}`", task.repository)).await?;
        // A sync reads the registries as they are now, not as cached.
        let mut view = self.package_view(&target, adapter, coordinates).await?;
        if self.revalidate_upstream(&target, &view, adapter, coordinates, 0).await {
            view = self.package_view(&target, adapter, coordinates).await?;
        }
        if let Some(e) = &view.upstream_error {
            self.log_sync(worker, task, &format!("an external connection failed: {}", e.message)).await?;
            return Ok(false);
        }
        if view.versions.is_empty() {
            self.log_sync(worker, task, &format!("{coordinates} has no version in the search order")).await?;
            return Ok(false);
        }
        let mut all_well = true;
        let mut wanted = Vec::new();
        for selected in select(&task.versions, &view, adapter) {
            match selected {
                Ok(version) => wanted.push(version),
                Err(line) => {
                    all_well = false;
                    self.log_sync(worker, task, &line).await?;
                }
            }
        }
        for version in &wanted {
            let line = match view.versions.get(version) {
                None => {
                    all_well = false;
                    format!("{version}: not in the search order")
                }
                Some(VersionSource::Stored { repository, .. }) => format!("{version}: already in `{repository}`"),
                Some(VersionSource::External { version: external, gateway, .. }) => {
                    let mut failed = None;
                    for asset in &external.assets {
                        if let Err(e) = self.ingest_one(&target, adapter, coordinates, version, &asset.name).await {
                            failed = Some(format!("{}: {}", asset.name, e.message));
                            break;
                        }
                    }
                    match failed {
                        None => format!("{version}: ingested ({} files) into `{gateway}`", external.assets.len()),
                        Some(why) => {
                            all_well = false;
                            format!("{version}: failed, {why}")
                        }
                    }
                }
            };
            self.log_sync(worker, task, &line).await?;
        }
        self.log_sync(worker, task, &format!("{} versions looked at", wanted.len())).await?;
        Ok(all_well)
    }

    /// Downloads one file through `target` as a client would, to the last byte (which stores it).
    async fn ingest_one(
        &self,
        target: &RepoTarget,
        adapter: &dyn crate::formats::FormatAdapter,
        coordinates: &PackageCoordinates,
        version: &str,
        asset: &str,
    ) -> Result<(), ServiceError> {
        let mut body = self.fetch_asset(target, adapter, coordinates, version, asset).await?;
        while let Some(chunk) = body.stream.next().await {
            chunk.map_err(|e| ServiceError::new(ErrorKind::BadGateway, e.to_string()))?;
        }
        Ok(())
    }
}

/// The versions `selectors` name in `view`, in the order named (each once), or for a selector
/// that names none, the log line that says so; every version of the view when there is none.
fn select(
    selectors: &[String],
    view: &crate::resolve::PackageView,
    adapter: &dyn crate::formats::FormatAdapter,
) -> Vec<Result<String, String>> {
    if selectors.is_empty() {
        return view.versions.keys().cloned().map(Ok).collect();
    }
    let mut seen = std::collections::HashSet::new();
    let mut selected = Vec::new();
    let mut add = |version: &str, selected: &mut Vec<Result<String, String>>| {
        if seen.insert(version.to_owned()) {
            selected.push(Ok(version.to_owned()));
        }
    };
    for selector in selectors {
        match selector.split_once(':') {
            Some(("tag", tag)) => match view.dist_tags.get(tag) {
                Some(version) => add(version, &mut selected),
                None => selected.push(Err(format!("{selector}: no such dist-tag in the search order"))),
            },
            Some(("range", range)) => {
                let matched: Vec<&String> =
                    view.versions.keys().filter(|v| adapter.in_range(range, v).unwrap_or(false)).collect();
                if matched.is_empty() {
                    selected.push(Err(format!("{selector}: no version in the search order is in that range")));
                }
                for version in matched {
                    add(version, &mut selected);
                }
            }
            _ => add(selector, &mut selected),
        }
    }
    selected
}
