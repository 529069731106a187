//! Changes-stream followers (docs/ARCHITECTURE.md, "Sync tasks"; cnpmcore's `syncMode`): an npm
//! gateway reads a registry's CouchDB-style `_changes` feed from where it stopped, and queues a
//! sync task for each changed package it holds (`exist`) or for each (`all`). The registry is the
//! gateway's own external connection, or one made in the domain (a gateway follows each at most
//! once); either way only the packages the gateway reads from that registry are synced (a scope
//! bound to another connection is not). One server reads a feed at a time (a fetch lease per
//! follower); the sequence read up to is kept in the database.

use chrono::Utc;
use tributary_model::{ErrorKind, PackageCoordinates, PackageFormat, ServiceError};
use tributary_store::ChangesFollower;

use crate::access::{Permission, Resource};
use crate::{Caller, RepoRef, Service};

/// How many changes one read of a feed takes at most.
pub const CHANGES_PAGE: usize = 500;

/// The `since` that starts a follower at the registry's current sequence, read from the feed's
/// database root (CouchDB's `update_seq`, as cnpmcore does) when the follower is set; a new
/// follower's default (from its first change, one of the public registry would read its whole
/// history first).
const NOW: &str = "now";

/// What a follower is set to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerSettings {
    /// `exist` or `all`.
    pub mode: String,
    /// Whether it is paused.
    pub paused: bool,
    /// The feed's URL, when not the registry's `/_changes`.
    pub changes_url: Option<String>,
    /// Where to start reading (the feed's sequence, or `now`: the registry's current one), when
    /// given; else where it stopped, or, for a new follower, `now`.
    pub since: Option<String>,
    /// The external connection followed, when not the gateway's own: one made in the domain.
    pub connection: Option<String>,
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
        let (domain, repository_id, own) = self.npm_gateway(caller, repo).await?;
        if let Some(connection) = &settings.connection {
            let remotes = self.domain_remotes(&domain).await?;
            if tributary_model::ExternalConnection::find(connection).is_some() || remotes.custom(connection).is_none() {
                return Err(crate::remotes::connection_not_found(connection, &domain.name));
            }
            if crate::resolve::connection_format(connection) != Some(PackageFormat::Npm) {
                return Err(ServiceError::validation(format!("`{connection}` is no npm registry")));
            }
        }
        let connection = settings.connection.unwrap_or_default();
        let existing = self.store.changes_follower(&repository_id, &connection).await?;
        // `now` (asked, or for a new follower by default) is read from the registry as the
        // follower is set, so what it publishes after this answer is followed.
        let since = match settings.since {
            Some(since) if since != NOW => Some(since),
            None if existing.is_some() => None,
            _ => {
                let remotes = self.domain_remotes(&domain).await?;
                let followed = if connection.is_empty() { own.as_str() } else { connection.as_str() };
                let (remote, feed) = self.feed(&remotes, followed, settings.changes_url.as_deref())?;
                Some(self.current_sequence(&remote, &feed).await?)
            }
        };
        let follower = ChangesFollower {
            repository_id,
            connection,
            domain_id: domain.id,
            mode: settings.mode,
            paused: settings.paused,
            changes_url: settings.changes_url,
            since: since.clone().unwrap_or_default(),
            last_error: None,
            updated_at: Utc::now(),
        };
        Ok(self.store.set_changes_follower(&follower, since.is_some()).await?)
    }

    /// cnpmcore's `POST /-/registry/{id}/sync`: the first npm gateway of `target`'s search
    /// order follows the feed of `connection` (one made in the domain, or the gateway's own)
    /// from `since`, syncing every package it reads from that registry.
    pub async fn follow_registry(
        &self,
        caller: &Caller,
        target: &crate::RepoTarget,
        connection: &str,
        since: Option<String>,
    ) -> Result<ChangesFollower, ServiceError> {
        let (gateway, own) = target.gateways(PackageFormat::Npm).into_iter().next().ok_or_else(|| {
            ServiceError::validation(format!(
                "the search order of `{}` reaches no npm external connection: no gateway could follow a registry",
                target.repository
            ))
        })?;
        let repo = RepoRef {
            domain: tributary_model::DomainName::parse(&target.domain.name)?,
            owner: None,
            repository: tributary_model::RepositoryName::parse(&gateway)?,
        };
        let settings = FollowerSettings {
            mode: "all".to_owned(),
            paused: false,
            changes_url: None,
            since,
            connection: (connection != own).then(|| connection.to_owned()),
        };
        self.set_changes_follower(caller, &repo, settings).await
    }

    /// The changes follower of a gateway for `connection` (`None`: its own), and how many sync
    /// tasks wait or run.
    pub async fn changes_follower(
        &self,
        caller: &Caller,
        repo: &RepoRef,
        connection: Option<&str>,
    ) -> Result<(Option<ChangesFollower>, u64), ServiceError> {
        let permission = Permission {
            action: "codeartifact:DescribeRepository",
            resource: Resource::Repository(&repo.domain, &repo.repository),
        };
        self.authorize(caller, permission).await?;
        let (_, repository_id, _) = self.npm_gateway(caller, repo).await?;
        let follower = self.store.changes_follower(&repository_id, connection.unwrap_or_default()).await?;
        Ok((follower, self.store.pending_syncs().await?))
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

    /// The domain of `repo`, an npm gateway, the repository's id and its external connection.
    async fn npm_gateway(
        &self,
        caller: &Caller,
        repo: &RepoRef,
    ) -> Result<(tributary_store::Domain, String, String), ServiceError> {
        caller.check_domain(&repo.domain)?;
        let domain = self.domain(&repo.domain, repo.owner.as_ref()).await?;
        let graph = self.graph(&domain).await?;
        let id = graph
            .ids
            .get(repo.repository.as_str())
            .cloned()
            .ok_or_else(|| tributary_store::repository_not_found(&domain.name, repo.repository.as_str()))?;
        let connection = graph.graph.node(repo.repository.as_str()).and_then(|n| n.external_connection.clone());
        match connection {
            Some(own) if crate::resolve::connection_format(&own) == Some(PackageFormat::Npm) => Ok((domain, id, own)),
            _ => Err(ServiceError::validation(format!(
                "`{}` has no npm external connection: a changes follower belongs on an npm gateway",
                repo.repository
            ))),
        }
    }

    /// Reads each active follower's feed once (those another server is reading are passed over):
    /// how many sync tasks were queued.
    pub async fn follow_changes_once(&self, worker: &str) -> Result<usize, ServiceError> {
        let mut queued = 0;
        for follower in self.store.active_changes_followers().await? {
            let key = format!("changes/{}/{}", follower.repository_id, follower.connection);
            let now = Utc::now().timestamp_millis();
            if !self.store.take_lease(&key, worker, now, 60_000).await? {
                continue;
            }
            // Read again under the lease, from the database itself: another server may have
            // moved it since the list was read.
            let follower = match self.store.changes_follower(&follower.repository_id, &follower.connection).await? {
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
                        .advance_changes_follower(
                            &follower.repository_id,
                            &follower.connection,
                            &follower.since,
                            Some(&e.message),
                        )
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
        let Some(own) = graph.graph.node(gateway).and_then(|n| n.external_connection.clone()) else {
            return Ok(0);
        };
        let remotes = self.domain_remotes(&domain).await?;
        let connection = if follower.connection.is_empty() { own.as_str() } else { follower.connection.as_str() };
        let (remote, feed) = self.feed(&remotes, connection, follower.changes_url.as_deref())?;
        let separator = if feed.contains('?') { '&' } else { '?' };
        let url = format!("{feed}{separator}since={}&limit={CHANGES_PAGE}", follower.since);
        let bytes = self.upstreams.file(&remote, &url, 64 * 1024 * 1024).await?.ok_or_else(|| {
            ServiceError::new(
                ErrorKind::BadGateway,
                format!("`{connection}` has no changes feed at `{}`", crate::upstream::redact(&feed)),
            )
        })?;
        let page: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ServiceError::new(ErrorKind::BadGateway, format!("the changes feed is not JSON: {e}")))?;
        let mut queued = 0;
        for change in page["results"].as_array().into_iter().flatten() {
            let Some(name) = change["id"].as_str().filter(|id| !id.starts_with("_design/")) else { continue };
            let Some(coordinates) = npm_coordinates(name) else { continue };
            // Only what the gateway reads from this registry (a scope bound elsewhere is not).
            if remotes.connection_for(&own, &coordinates) != connection {
                continue;
            }
            let wanted =
                follower.mode == "all" || self.store.package(&follower.repository_id, &coordinates).await?.is_some();
            if wanted {
                self.store.queue_sync(&follower.domain_id, gateway, &coordinates, &[], Utc::now()).await?;
                queued += 1;
            }
        }
        // CouchDB's `last_seq`; a feed without one (cnpmcore's) is read up to its last change.
        let last = page["results"].as_array().and_then(|results| results.last()).map(|change| &change["seq"]);
        let since = match page.get("last_seq").or(last) {
            Some(serde_json::Value::String(seq)) => seq.clone(),
            Some(serde_json::Value::Number(seq)) => seq.to_string(),
            _ => follower.since.clone(),
        };
        self.store.advance_changes_follower(&follower.repository_id, &follower.connection, &since, None).await?;
        Ok(queued)
    }
}

impl Service {
    /// The registry `connection` as requests to it are made, and its changes feed: `changes_url`,
    /// else the connection's own (one made in the domain may name it), else `{base}/_changes`.
    fn feed(
        &self,
        remotes: &crate::remotes::DomainRemotes,
        connection: &str,
        changes_url: Option<&str>,
    ) -> Result<(crate::upstream::Remote, String), ServiceError> {
        let remote = self.remote(remotes, connection)?;
        let feed = match changes_url.or_else(|| remotes.custom(connection).and_then(|c| c.changes_url.as_deref())) {
            Some(url) => url.to_owned(),
            None => format!("{}/_changes", remote.base),
        };
        Ok((remote, feed))
    }

    /// The current sequence of the feed `feed`: `update_seq` of its database's root (the feed's
    /// URL without `/_changes` and its query).
    async fn current_sequence(&self, remote: &crate::upstream::Remote, feed: &str) -> Result<String, ServiceError> {
        let root = feed_root(feed)
            .ok_or_else(|| ServiceError::validation(format!("`{}` is not a URL", crate::upstream::redact(feed))))?;
        let unknown = |why: String| {
            ServiceError::new(
                ErrorKind::BadGateway,
                format!(
                    "the current sequence of `{remote}` cannot be read at `{}` ({why}): give the follower a `since`",
                    crate::upstream::redact(&root)
                ),
            )
        };
        let bytes =
            self.upstreams.file(remote, &root, 1024 * 1024).await?.ok_or_else(|| unknown("not found".into()))?;
        let document: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| unknown(format!("not JSON: {e}")))?;
        match &document["update_seq"] {
            serde_json::Value::String(seq) => Ok(seq.clone()),
            serde_json::Value::Number(seq) => Ok(seq.to_string()),
            _ => Err(unknown("no `update_seq`".to_owned())),
        }
    }
}

/// The database root of a CouchDB-style changes feed: its URL without the query and without a
/// last path segment `_changes`, ending in `/`.
fn feed_root(feed: &str) -> Option<String> {
    let mut url = url::Url::parse(feed).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    let mut segments: Vec<String> = url.path_segments()?.filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if segments.last().is_some_and(|last| last == "_changes") {
        segments.pop();
    }
    let path = segments.iter().map(|s| format!("{s}/")).collect::<String>();
    url.set_path(&format!("/{path}"));
    Some(url.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_roots() {
        for (feed, root) in [
            ("https://replicate.npmjs.com/registry/_changes", "https://replicate.npmjs.com/registry/"),
            ("http://127.0.0.1:9/_changes?since=3", "http://127.0.0.1:9/"),
            ("https://r.example/npm_changes", "https://r.example/npm_changes/"),
            ("https://r.example/feed/", "https://r.example/feed/"),
        ] {
            assert_eq!(feed_root(feed).as_deref(), Some(root), "{feed}");
        }
        assert_eq!(feed_root("not a url"), None);
    }
}
