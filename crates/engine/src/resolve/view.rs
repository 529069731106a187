//! The merged view of a package as one repository sees it through its search order.

use std::collections::{BTreeMap, HashMap, HashSet};

use std::sync::Arc;

use chrono::{DateTime, Utc};

use tributary_graph::SearchStep;
use tributary_model::package_group::OriginRule;
use tributary_model::release_age::ReleaseAgePolicy;
use tributary_model::view::RepositoryView;
use tributary_model::{OriginSetting, OriginType, PackageCoordinates, ServiceError};
use tributary_store::{AssetRecord, PackageRecord, VersionRecord};

use super::{RepoTarget, connection_format};
use crate::Service;
use crate::formats::{ExternalAsset, ExternalVersion, FormatAdapter, FormatDocument};

/// Where a version of the view comes from.
#[derive(Debug, Clone)]
pub enum VersionSource {
    /// Stored in a repository of the search order.
    Stored {
        /// The repository.
        repository: String,
        /// The version there.
        record: Arc<VersionRecord>,
    },
    /// Available through a gateway's external connection.
    External {
        /// The gateway repository.
        gateway: String,
        /// Its connection.
        connection: String,
        /// The version as the registry describes it.
        version: Arc<ExternalVersion>,
    },
}

impl VersionSource {
    /// Whether listings show it.
    pub fn is_listed(&self) -> bool {
        match self {
            Self::Stored { record, .. } => record.status.is_listed(),
            Self::External { .. } => true,
        }
    }

    /// The format's document for the version (parsed now when it is kept as text: see
    /// [`VersionSource::raw_format_metadata`]).
    pub fn format_metadata(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        match self {
            Self::Stored { record, .. } => std::borrow::Cow::Borrowed(&record.format_metadata),
            Self::External { version, .. } => match &version.format_metadata {
                FormatDocument::Parsed(value) => std::borrow::Cow::Borrowed(value),
                FormatDocument::Raw(_) => std::borrow::Cow::Owned(version.format_metadata.to_value()),
            },
        }
    }

    /// The format's document as the JSON text it is kept as, when it is (an upstream document's
    /// versions): a renderer can parse it piece by piece rather than whole.
    pub fn raw_format_metadata(&self) -> Option<&serde_json::value::RawValue> {
        match self {
            Self::External { version, .. } => match &version.format_metadata {
                FormatDocument::Raw(raw) => Some(raw),
                FormatDocument::Parsed(_) => None,
            },
            Self::Stored { .. } => None,
        }
    }

    /// When it was published, if known.
    pub fn published_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Stored { record, .. } => Some(record.published_at),
            Self::External { version, .. } => version.published_at,
        }
    }
}

/// A package as one repository sees it through its search order.
#[derive(Debug, Clone, Default)]
pub struct PackageView {
    /// The display name (the nearest definition).
    pub display_name: Option<String>,
    /// Version → where it comes from; the first in search order wins.
    pub versions: BTreeMap<String, VersionSource>,
    /// Version → the later places that hold it too, in search order. A version's status and
    /// metadata are the winner's; a file the winner lacks comes from the first of these that has
    /// it (a PyPI version gains wheels upstream after it was retained here).
    pub shadowed: BTreeMap<String, Vec<VersionSource>>,
    /// Merged dist-tags.
    pub dist_tags: BTreeMap<String, String>,
    /// The package in the asking repository itself, if stored there.
    pub local: Option<PackageRecord>,
    /// An external connection that failed while the view was built (the view lacks its versions).
    pub upstream_error: Option<ServiceError>,
    /// The gateways (repository, external connection) of the package's format the search reached.
    pub gateways: Vec<(String, String)>,
    /// Versions from an external connection the repository's release-age quarantine holds back,
    /// with when they become available (docs/DESIGN.md §2, "Release age").
    pub held_back: BTreeMap<String, DateTime<Utc>>,
}

impl PackageView {
    /// Takes out the versions from an external connection younger than `policy` wants at `now`
    /// (by the time their registry says they were published), noting when each comes. Stored
    /// ones count only when `stored_times` (their format stores the registry's time: elsewhere a
    /// stored version's time is its ingestion's, which says nothing of its age).
    fn hold_back(
        &mut self,
        policy: &ReleaseAgePolicy,
        coordinates: &PackageCoordinates,
        now: DateTime<Utc>,
        stored_times: bool,
    ) {
        let mut held = BTreeMap::new();
        self.versions.retain(|version, source| {
            let published = match source {
                VersionSource::External { version, .. } => version.published_at,
                VersionSource::Stored { record, .. }
                    if stored_times && record.origin.origin_type == OriginType::External =>
                {
                    Some(record.published_at)
                }
                VersionSource::Stored { .. } => None,
            };
            match published.and_then(|at| policy.held_until(coordinates, at, now)) {
                Some(until) => {
                    held.insert(version.clone(), until);
                    false
                }
                None => true,
            }
        });
        for version in held.keys() {
            self.shadowed.remove(version);
        }
        self.held_back = held;
    }

    fn add(&mut self, version: String, source: VersionSource) {
        match self.versions.entry(version) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(source);
            }
            std::collections::btree_map::Entry::Occupied(slot) => {
                self.shadowed.entry(slot.key().clone()).or_default().push(source);
            }
        }
    }

    /// Every place that holds `version`, the winner first.
    pub fn sources<'a>(&'a self, version: &str) -> impl Iterator<Item = &'a VersionSource> + 'a {
        self.versions.get(version).into_iter().chain(self.shadowed.get(version).into_iter().flatten())
    }

    /// The files of `version` through the chain: the winner's, then those only later places
    /// have (first place wins per file name). Each with the place it comes from.
    pub fn files<'a>(&'a self, version: &str) -> Vec<(&'a VersionSource, VersionFile<'a>)> {
        let mut files: Vec<(&VersionSource, VersionFile<'_>)> = Vec::new();
        for source in self.sources(version) {
            let found: Vec<VersionFile<'_>> = match source {
                VersionSource::Stored { record, .. } => record.assets.iter().map(VersionFile::Stored).collect(),
                VersionSource::External { version, .. } => version.assets.iter().map(VersionFile::External).collect(),
            };
            for file in found {
                if !files.iter().any(|(_, f)| f.name() == file.name()) {
                    files.push((source, file));
                }
            }
        }
        files
    }
}

/// One file of a version in a [`PackageView`].
#[derive(Debug, Clone, Copy)]
pub enum VersionFile<'a> {
    /// Stored (in the domain's blob store).
    Stored(&'a AssetRecord),
    /// Available through an external connection.
    External(&'a ExternalAsset),
}

impl VersionFile<'_> {
    /// The file name.
    pub fn name(&self) -> &str {
        match self {
            Self::Stored(a) => &a.name,
            Self::External(a) => &a.name,
        }
    }

    /// The format's attributes of the file.
    pub fn attributes(&self) -> &serde_json::Value {
        match self {
            Self::Stored(a) => &a.attributes,
            Self::External(a) => &a.attributes,
        }
    }

    /// Its SHA-256, when known.
    pub fn sha256(&self) -> Option<tributary_blob::Sha256> {
        match self {
            Self::Stored(a) => Some(a.sha256),
            Self::External(a) => a.expected.sha256,
        }
    }

    /// Its size, when known.
    pub fn size(&self) -> Option<u64> {
        match self {
            Self::Stored(a) => Some(a.size),
            Self::External(a) => a.expected.size,
        }
    }
}

/// How much of a package a [`PackageView`] holds.
#[derive(Debug, Clone, Copy)]
enum ViewScope<'a> {
    /// Every version and dist-tag (a listing).
    Whole,
    /// One version, and no dist-tags (a download): a few rows to read whatever the package's size.
    Version(&'a str),
}

impl Service {
    /// The package as `target` sees it through its search order.
    pub async fn package_view(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
    ) -> Result<PackageView, ServiceError> {
        self.view(target, adapter, coordinates, ViewScope::Whole).await
    }

    /// The package as `target` sees it, with only `version` among its versions (and no
    /// dist-tags): all a download needs.
    pub(crate) async fn version_view(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        version: &str,
    ) -> Result<PackageView, ServiceError> {
        self.view(target, adapter, coordinates, ViewScope::Version(version)).await
    }

    async fn view(
        &self,
        target: &RepoTarget,
        adapter: &dyn FormatAdapter,
        coordinates: &PackageCoordinates,
        scope: ViewScope<'_>,
    ) -> Result<PackageView, ServiceError> {
        let full = target.graph.graph.search_order(&target.repository).unwrap_or_default();
        let ids: Vec<String> = full.iter().filter_map(|s| target.graph.ids.get(&s.repository).cloned()).collect();
        let packages: HashMap<String, PackageRecord> = self
            .store
            .packages_in(&ids, coordinates)
            .await?
            .into_iter()
            .map(|p| (p.repository_id.clone(), p))
            .collect();
        let package_of = |name: &str| target.graph.ids.get(name).and_then(|id| packages.get(id));
        let order = target
            .graph
            .graph
            .search_order_with(&target.repository, |name| {
                package_of(name).is_some_and(|p| p.restrictions.upstream == OriginSetting::Block)
            })
            .unwrap_or_default();
        // A view (`REPOSITORY@release`) sees the repository's own versions only, those promoted
        // into it (docs/DESIGN.md §2, "Views"): no upstream, no external connection.
        let mut order = order;
        if target.view.is_some() {
            order.retain(|step| step.repository == target.repository);
        }
        let package_ids: Vec<String> = packages.values().map(|p| p.id.clone()).collect();
        let mut versions_by_package: HashMap<String, Vec<Arc<VersionRecord>>> = HashMap::new();
        let stored = match scope {
            ViewScope::Whole => self.store.versions_of(&package_ids).await?,
            ViewScope::Version(version) => self.store.versions_named(&package_ids, version).await?,
        };
        for v in stored {
            versions_by_package.entry(v.package_id.clone()).or_default().push(Arc::new(v));
        }
        // The promoted views the search reads: the endpoint's own (`REPOSITORY@release`), for
        // the asking repository, and those upstream entries name (`shared@release`); a step
        // reading one sees only the versions promoted into it.
        let step_view = |step: &SearchStep| -> Option<RepositoryView> {
            let view = match target.view {
                Some(view) if step.repository == target.repository => Some(view),
                _ => step.view.as_deref().and_then(RepositoryView::parse),
            };
            view.filter(|v| v.is_promoted())
        };
        let mut promoted: HashMap<RepositoryView, HashSet<String>> = HashMap::new();
        for read in RepositoryView::ALL.into_iter().filter(|&v| order.iter().any(|step| step_view(step) == Some(v))) {
            let ids: Vec<String> = order
                .iter()
                .filter(|step| step_view(step) == Some(read))
                .filter_map(|step| package_of(&step.repository))
                .flat_map(|package| versions_by_package.get(&package.id).into_iter().flatten())
                .map(|v| v.id.clone())
                .collect();
            promoted.insert(read, self.store.promoted_among(&ids, read).await?);
        }
        let mut tags_by_package: HashMap<String, Vec<(String, String)>> = HashMap::new();
        if let ViewScope::Whole = scope {
            for (package_id, tag, version) in self.store.dist_tags(&package_ids).await? {
                tags_by_package.entry(package_id).or_default().push((tag, version));
            }
        }
        let mut view = PackageView { local: package_of(&target.repository).cloned(), ..PackageView::default() };
        // Package groups: versions from upstream repositories reach `target` only if its
        // INTERNAL_UPSTREAM rule lets them into it; from an external connection only if the
        // EXTERNAL_UPSTREAM rule lets them into the gateway (docs/DESIGN.md §2).
        let groups = self.package_groups(&target.domain).await?;
        let internal_refused = groups.refusal(coordinates, OriginRule::InternalUpstream, &target.repository).is_some();
        for step in &order {
            let upstream = step.repository != target.repository;
            if let Some(package) = package_of(&step.repository)
                && !(upstream && internal_refused)
            {
                view.display_name.get_or_insert_with(|| package.display_name.clone());
                // A repository is searched once as itself and once per view of it at most: its
                // versions and tags are read, not taken, as a later step may read them again.
                let shown = step_view(step).and_then(|read| promoted.get(&read));
                let mut added = HashSet::new();
                for record in versions_by_package.get(&package.id).into_iter().flatten() {
                    if shown.is_none_or(|ids| ids.contains(&record.id)) {
                        added.insert(record.version.as_str());
                        let source =
                            VersionSource::Stored { repository: step.repository.clone(), record: Arc::clone(record) };
                        view.add(record.version.clone(), source);
                    }
                }
                for (tag, version) in tags_by_package.get(&package.id).into_iter().flatten() {
                    if shown.is_none() || added.contains(version.as_str()) {
                        view.dist_tags.insert(tag.clone(), version.clone());
                    }
                }
            }
            if let Some(connection) = &step.external_connection {
                if connection_format(connection) != Some(coordinates.format)
                    || target.view.is_some()
                    || (upstream && internal_refused)
                    || groups.refusal(coordinates, OriginRule::ExternalUpstream, &step.repository).is_some()
                {
                    continue;
                }
                // A scope bound to a connection of the domain is read from it instead.
                let connection = target.remotes.connection_for(connection, coordinates);
                let found = async {
                    let remote = self.remote(&target.remotes, connection)?;
                    let base = self.upstreams.discovered_base(&remote, adapter).await?;
                    Ok::<_, ServiceError>((remote, base))
                };
                let (remote, base) = match found.await {
                    Ok(found) => found,
                    Err(e) => {
                        view.upstream_error = Some(e);
                        continue;
                    }
                };
                // A format with no upstream registry searches no external connection.
                let Some(url) = adapter.upstream_metadata_url(&base, coordinates) else { continue };
                view.gateways.push((step.repository.clone(), connection.to_owned()));
                match self.upstreams.package(&remote, &url, adapter).await {
                    Ok(Some(external)) => {
                        view.display_name.get_or_insert_with(|| external.display_name.clone());
                        let wanted = |v: &ExternalVersion| match scope {
                            ViewScope::Whole => true,
                            ViewScope::Version(only) => v.version == only,
                        };
                        for version in external.versions.iter().filter(|v| wanted(v)) {
                            let source = VersionSource::External {
                                gateway: step.repository.clone(),
                                connection: connection.to_owned(),
                                version: version.clone(),
                            };
                            view.add(version.version.clone(), source);
                        }
                        if let ViewScope::Whole = scope {
                            for (tag, version) in &external.dist_tags {
                                view.dist_tags.insert(tag.clone(), version.clone());
                            }
                        }
                    }
                    Ok(None) => {}
                    Err(e) => view.upstream_error = Some(e),
                }
            }
        }
        if let Some(policy) = &target.release_age {
            view.hold_back(policy, coordinates, Utc::now(), adapter.upstream_publish_times());
        }
        if target.view.is_some() || !view.held_back.is_empty() {
            // A tag of a version the view does not hold points nowhere (a client then takes the
            // newest version the view holds).
            view.dist_tags.retain(|_, version| view.versions.contains_key(version));
        }
        Ok(view)
    }
}
