//! Changes-stream followers (docs/ARCHITECTURE.md, "Sync tasks"; cnpmcore's `syncMode`): an npm
//! gateway reads its registry's CouchDB-style `_changes` feed from where it stopped, and queues a
//! sync task for each changed package it holds (`exist`) or for each (`all`). One server reads a
//! feed at a time (a fetch lease per follower); the sequence read up to is kept in the database.

use chrono::Utc;
use tributary_model::{ErrorKind, PackageCoordinates, PackageFormat, ServiceError};
use tributary_store::ChangesFollower;

use crate::access::{Permission, Resource};
use crate::{Caller, RepoRef, Service};

/// How many changes one read of a feed takes at most.
pub const CHANGES_PAGE: usize = 500;

/// What a follower is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerSettings {
    /// `exist` or `all`.
    pub mode: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The feed's URL, when not the registry's `/_changes`.
    pub changes_url: Option<String>,
    /// Where to start reading (the feed's sequence), when given; else where it stopped, or `0`.
    pub since: Option<String>,
}

impl Service {
    /// Sets the changes follower of an npm gateway (a Tributary extension).
    pub async fn set_changes_follower(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        settings: FollowerSettings,
    ) -> Result<ChangesFollower, ServiceError> {
        if !matches!(settings.mode.as_str(), "exist" | "all") {
            return Err(ServiceError::validation("`mode` is `exist` (the packages the gateway holds) or `all`"));
        }
        let permission = Permission {
            action: "tributary:PutChangesFollower",
            resource: Resource::Repository(&repo.domain, &repo.repository),
        };
        self.authorize(caller, permission).await?;
        let (domain_id, repository_id) = self.npm_gateway(caller, repo).await?;
        let since_given = settings.since.is_some();
        let follower = ChangesFollower {
            repository_id,
            domain_id,
            mode: settings.mode,
            paused: settings.paused,
            changes_url: settings.changes_url,
            since: settings.since.unwrap_or_else(|| "0".to_owned()),
            last_error: None,
            updated_at: Utc::now(),
        };
        Ok(self.store.set_changes_follower(&follower, since_given).await?)
    }

    /// The changes follower of a gateway, and how many sync tasks wait or run.
    pub async fn changes_follower(
        &self,
        caller: &Caller,
        repo: &RepoRef,
    ) -> Result<(Option<ChangesFollower>, u64), ServiceError> {
        let permission = Permission {
            action: "codeartifact:DescribeRepository",
            resource: Resource::Repository(&repo.domain, &repo.repository),
        };
        self.authorize(caller, permission).await?;
        let (_, repository_id) = self.npm_gateway(caller, repo).await?;
        Ok((self.store.changes_follower(&repository_id).await?, self.store.pending_syncs().await?))
    }

    /// For `/metrics`: how many sync tasks wait or run, and for each followed gateway (by
    /// repository id) how many seconds ago its follower last read its feed.
    pub async fn sync_status(&self) -> Result<(u64, Vec<(String, i64)>), ServiceError> {
        let pending = self.store.pending_syncs().await?;
        let now = Utc::now();
        let lags = self
            .store
            .active_changes_followers()
            .await?
            .into_iter()
            .map(|f| (f.repository_id, (now - f.updated_at).num_seconds().max(0)))
            .collect();
        Ok((pending, lags))
    }

    /// The domain's and the repository's ids of `repo`, an npm gateway.
    async fn npm_gateway(&self, caller: &Caller, repo: &RepoRef) -> Result<(String, String), ServiceError> {
        caller.check_domain(&repo.domain)?;
        let domain = self.domain(&repo.domain, repo.owner.as_ref()).await?;
        let graph = self.graph(&domain).await?;
        let id = graph
            .ids
            .get(repo.repository.as_str())
            .cloned()
            .ok_or_else(|| tributary_store::repository_not_found(&domain.name, repo.repository.as_str()))?;
        let connection = graph.graph.node(repo.repository.as_str()).and_then(|n| n.external_connection.clone());
        if connection.as_deref().and_then(crate::resolve::connection_format) != Some(PackageFormat::Npm) {
            return Err(ServiceError::validation(format!(
                "`{}` has no npm external connection: a changes follower belongs on an npm gateway",
                repo.repository
            )));
        }
        Ok((domain.id, id))
    }

    /// Reads each active follower's feed once (those another server is reading are passed over):
    /// how many sync tasks were queued.
    pub async fn follow_changes_once(&self, worker: &str) -> Result<usize, ServiceError> {
        let mut queued = 0;
        for follower in self.store.active_changes_followers().await? {
            let key = format!("changes/{}", follower.repository_id);
            let now = Utc::now().timestamp_millis();
            if !self.store.take_lease(&key, worker, now, 60_000).await? {
                continue;
            }
            // Read again under the lease, from the database itself: another server may have
            // moved it since the list was read.
            let follower = match self.store.changes_follower(&follower.repository_id).await? {
                Some(current) if !current.paused => current,
                _ => {
                    self.store.release_lease(&key, worker).await?;
                    continue;
                }
            };
            let outcome = self.follow(&follower).await;
            self.store.release_lease(&key, worker).await?;
            match outcome {
                Ok(n) => queued += n,
                Err(e) => {
                    self.store
                        .advance_changes_follower(&follower.repository_id, &follower.since, Some(&e.message))
                        .await?;
                }
            }
        }
        Ok(queued)
    }

    /// One read of `follower`'s feed: the sync tasks queued.
    async fn follow(&self, follower: &ChangesFollower) -> Result<usize, ServiceError> {
        let domain = self
            .store
            .domain_by_id(&follower.domain_id)
            .await?
            .ok_or_else(|| ServiceError::new(ErrorKind::NotFound, "the follower's domain is gone"))?;
        let graph = self.graph(&domain).await?;
        let Some((gateway, _)) = graph.ids.iter().find(|(_, id)| **id == follower.repository_id) else {
            return Ok(0);
        };
        let Some(connection) = graph.graph.node(gateway).and_then(|n| n.external_connection.clone()) else {
            return Ok(0);
        };
        let feed = match &follower.changes_url {
            Some(url) => url.clone(),
            None => format!("{}/_changes", self.upstreams.base_url(&connection).trim_end_matches('/')),
        };
        let separator = if feed.contains('?') { '&' } else { '?' };
        let url = format!("{feed}{separator}since={}&limit={CHANGES_PAGE}", follower.since);
        let bytes = self.upstreams.file(&connection, &url, 64 * 1024 * 1024).await?.ok_or_else(|| {
            ServiceError::new(ErrorKind::BadGateway, format!("`{connection}` has no changes feed at `{feed}`"))
        })?;
        let page: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ServiceError::new(ErrorKind::BadGateway, format!("the changes feed is not JSON: {e}")))?;
        let mut queued = 0;
        for change in page["results"].as_array().into_iter().flatten() {
            let Some(name) = change["id"].as_str().filter(|id| !id.starts_with("_design/")) else { continue };
            let Some(coordinates) = npm_coordinates(name) else { continue };
            let wanted =
                follower.mode == "all" || self.store.package(&follower.repository_id, &coordinates).await?.is_some();
            if wanted {
                self.store.queue_sync(&follower.domain_id, gateway, &coordinates, &[], Utc::now()).await?;
                queued += 1;
            }
        }
        let since = match &page["last_seq"] {
            serde_json::Value::String(seq) => seq.clone(),
            serde_json::Value::Number(seq) => seq.to_string(),
            _ => follower.since.clone(),
        };
        self.store.advance_changes_follower(&follower.repository_id, &since, None).await?;
        Ok(queued)
    }
}

/// An npm package name (`name`, `@scope/name`) as coordinates; `None` for what is none.
fn npm_coordinates(name: &str) -> Option<PackageCoordinates> {
    let (namespace, name) = match name.strip_prefix('@') {
        Some(scoped) => scoped.split_once('/')?,
        None => ("", name),
    };
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some(PackageCoordinates { format: PackageFormat::Npm, namespace: namespace.to_owned(), name: name.to_owned() })
}
