//! The npm registry over the engine: what each npm request does with a repository. The HTTP
//! layer (`tributary-server`) extracts the request, calls one function here, and writes the
//! answer; the engine does resolution, retention, storage and publish rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;
use tributary_engine::content::{ExpectedDigests, Sha1, Sha512, body_from_bytes};
use tributary_engine::formats::{ExternalAsset, ExternalPackage, ExternalVersion, FormatAdapter, FormatDocument};
use tributary_engine::{AssetBody, Document, PackageView, RepoTarget, Service, VersionSource, asset_record};
use tributary_model::records::NewVersion;
use tributary_model::{ErrorKind, PackageCoordinates, PackageFormat, ResourceType, ServiceError, VersionStatus};

use crate::integrity::Integrity;
use crate::upstream::{DistHead, manifest_head};
use crate::{
    Manifest, NpmName, PackumentDoc, PackumentVersion, PutKind, classify_put, parse_publish, parse_upstream_packument,
    render_abbreviated, render_full, tarball_filename, tarball_url, version_from_tarball_filename,
};

/// The engine's view of npm.
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmAdapter;

/// The coordinates of an npm package: the scope (without `@`) is the namespace.
pub fn coordinates(name: &NpmName) -> PackageCoordinates {
    PackageCoordinates {
        format: PackageFormat::Npm,
        namespace: name.namespace().to_owned(),
        name: name.package().to_owned(),
    }
}

impl FormatAdapter for NpmAdapter {
    fn format(&self) -> PackageFormat {
        PackageFormat::Npm
    }

    fn default_display_tag(&self) -> Option<&'static str> {
        Some("latest")
    }

    fn upstream_publish_times(&self) -> bool {
        true
    }

    fn in_range(&self, range: &str, version: &str) -> Result<bool, String> {
        crate::version::in_range(range, version)
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        let name = if package.namespace.is_empty() {
            package.name.clone()
        } else {
            format!("@{}%2f{}", package.namespace, package.name)
        };
        Some(format!("{base_url}/{name}"))
    }

    fn external_metadata(&self, version: &ExternalVersion) -> tributary_model::VersionMetadata {
        crate::version_metadata(&version.format_metadata.to_value(), None)
    }

    fn parse_upstream(&self, bytes: &[u8], _: Option<&str>, _: &str) -> Result<ExternalPackage, String> {
        let doc = parse_upstream_packument(bytes).map_err(|e| e.to_string())?;
        let versions: Vec<Arc<ExternalVersion>> = doc
            .versions
            .into_iter()
            .map(|v| {
                let mut expected = ExpectedDigests::default();
                if let Some(integrity) = v.integrity.as_deref().and_then(|i| Integrity::parse(i).ok()) {
                    expected.sha512 = integrity
                        .hashes()
                        .iter()
                        .find(|h| h.algorithm == crate::integrity::Algorithm::Sha512)
                        .and_then(|h| <[u8; 64]>::try_from(h.digest.as_slice()).ok())
                        .map(Sha512);
                }
                expected.sha1 = v.shasum.as_deref().and_then(|s| s.parse::<Sha1>().ok());
                Arc::new(ExternalVersion {
                    // Derived when the version is kept (`external_metadata`).
                    metadata: tributary_model::VersionMetadata::default(),
                    assets: vec![ExternalAsset {
                        name: tarball_filename(&doc.name, &v.version),
                        url: v.tarball_url.clone(),
                        expected,
                        attributes: serde_json::json!({}),
                    }],
                    published_at: v.published_at,
                    format_metadata: FormatDocument::Raw(v.manifest),
                    version: v.version,
                })
            })
            .collect();
        Ok(ExternalPackage {
            display_name: doc.name.package().to_owned(),
            versions,
            dist_tags: doc.dist_tags,
            pages: Vec::new(),
        })
    }
}

fn not_found(name: &NpmName) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Package,
        name.full(),
        format!("package `{}` is not in this repository nor its upstreams", name.full()),
    )
}

/// The packument of `name` as `target` serves it (cached until the package or the graph changes);
/// `endpoint` is the repository's npm endpoint URL.
pub async fn packument(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    endpoint: &str,
    abbreviated: bool,
) -> Result<Arc<Document>, ServiceError> {
    let rendering = format!("{} {endpoint}", if abbreviated { "abbreviated" } else { "full" });
    let coordinates = coordinates(name);
    service
        .document(target, &coordinates, &rendering, || async {
            let view = service.package_view(target, &NpmAdapter, &coordinates).await?;
            let doc = packument_doc(name, &view, endpoint)?;
            Ok(if abbreviated { render_abbreviated(&doc) } else { render_full(&doc) })
        })
        .await
}

fn packument_doc<'v>(name: &NpmName, view: &'v PackageView, endpoint: &str) -> Result<PackumentDoc<'v>, ServiceError> {
    let listed: Vec<(&String, &VersionSource)> = view.versions.iter().filter(|(_, s)| s.is_listed()).collect();
    if listed.is_empty() {
        return Err(match &view.upstream_error {
            Some(e) => e.clone(),
            None => not_found(name),
        });
    }
    let versions: Vec<PackumentVersion> = listed
        .iter()
        .map(|(version, source)| {
            let (manifest, deprecated, (shasum, integrity)) = match source.raw_format_metadata() {
                // Kept as text: parsed when it is written, piece by piece; its head (digests,
                // deprecation) once here.
                Some(raw) => {
                    let head = manifest_head(raw).unwrap_or_default();
                    (Manifest::Raw(raw), text_of(head.deprecated), dist_fields(head.dist.unwrap_or_default()))
                }
                None => {
                    let manifest = source.format_metadata();
                    let deprecated = text_of(manifest.get("deprecated").cloned());
                    (Manifest::Value(manifest), deprecated, dist_of(source))
                }
            };
            PackumentVersion {
                version: (*version).clone(),
                deprecated,
                manifest,
                tarball_url: tarball_url(endpoint, name, version),
                shasum,
                integrity,
                published_at: source.published_at().unwrap_or_else(Utc::now),
            }
        })
        .collect();
    let created = versions.iter().map(|v| v.published_at).min().unwrap_or_else(Utc::now);
    let modified = versions.iter().map(|v| v.published_at).max().unwrap_or_else(Utc::now);
    let dist_tags: BTreeMap<String, String> = view
        .dist_tags
        .iter()
        .filter(|(_, v)| view.versions.get(*v).is_some_and(VersionSource::is_listed))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let readme = dist_tags.get("latest").and_then(|v| view.versions.get(v)).and_then(|s| match s {
        VersionSource::Stored { record, .. } => record.metadata.readme.clone(),
        VersionSource::External { version, .. } => version.metadata.readme.clone(),
    });
    Ok(PackumentDoc { name: name.clone(), versions, dist_tags, created, modified, readme })
}

/// `dist.shasum` and `dist.integrity` of a version.
fn dist_of(source: &VersionSource) -> (String, String) {
    match source {
        VersionSource::Stored { record, .. } => match record.assets.first() {
            Some(a) => (a.sha1.to_hex(), crate::sha512_sri(&a.sha512.0)),
            None => (String::new(), String::new()),
        },
        VersionSource::External { .. } => {
            let (shasum, integrity) = match source.raw_format_metadata() {
                Some(raw) => return dist_fields(manifest_head(raw).and_then(|h| h.dist).unwrap_or_default()),
                None => {
                    let dist = source.format_metadata().get("dist").cloned().unwrap_or_default();
                    (dist.get("shasum").cloned(), dist.get("integrity").cloned())
                }
            };
            (text_of(shasum).unwrap_or_default(), text_of(integrity).unwrap_or_default())
        }
    }
}

/// `dist.shasum` and `dist.integrity` of an upstream manifest kept as text.
fn dist_fields(dist: DistHead) -> (String, String) {
    (text_of(dist.shasum).unwrap_or_default(), text_of(dist.integrity).unwrap_or_default())
}

/// The string in `value`, if it is one.
fn text_of(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

/// One version's manifest (`GET /{name}/{version-or-tag}`).
pub async fn version_manifest(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    version_or_tag: &str,
    endpoint: &str,
) -> Result<Vec<u8>, ServiceError> {
    let view = service.package_view(target, &NpmAdapter, &coordinates(name)).await?;
    let version = view.dist_tags.get(version_or_tag).cloned().unwrap_or_else(|| version_or_tag.to_owned());
    let source = view
        .versions
        .get(&version)
        .filter(|s| match s {
            VersionSource::Stored { record, .. } => record.status.is_downloadable(),
            VersionSource::External { .. } => true,
        })
        .ok_or_else(|| {
            ServiceError::not_found(
                ResourceType::PackageVersion,
                version.clone(),
                format!("version `{version}` of `{}` is not in this repository nor its upstreams", name.full()),
            )
        })?;
    let (shasum, integrity) = dist_of(source);
    let mut manifest = source.format_metadata().into_owned();
    if let Some(obj) = manifest.as_object_mut() {
        obj.insert(
            "dist".to_owned(),
            serde_json::json!({ "tarball": tarball_url(endpoint, name, &version), "shasum": shasum, "integrity": integrity }),
        );
    }
    Ok(serde_json::to_vec(&manifest).unwrap_or_default())
}

/// A tarball (`GET /{name}/-/{filename}`).
pub async fn tarball(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    filename: &str,
) -> Result<AssetBody, ServiceError> {
    let version = version_from_tarball_filename(name, filename).ok_or_else(|| {
        ServiceError::not_found(
            ResourceType::Asset,
            filename,
            format!("`{filename}` is not a tarball of `{}`", name.full()),
        )
    })?;
    let asset = tarball_filename(name, &version);
    service.fetch_asset(target, &NpmAdapter, &coordinates(name), &version, &asset).await
}

/// `PUT /{name}` and `PUT /{name}/-rev/{rev}`: publish, deprecate, unpublish of versions.
pub async fn put(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    rev: Option<&str>,
    body: Vec<u8>,
) -> Result<Vec<u8>, ServiceError> {
    // Reading a body of up to hundreds of megabytes is CPU work: off the I/O threads.
    let (kind, body) = {
        let (name, rev) = (name.clone(), rev.map(str::to_owned));
        tributary_engine::off_io(move || classify_put(&name, &body, rev.as_deref()).map(|kind| (kind, body))).await??
    };
    let seen = match rev {
        Some(rev) => Some(check_revision(service, target, name, rev).await?),
        None => None,
    };
    match kind {
        PutKind::Publish => publish(service, target, name, body).await,
        PutKind::Deprecate { versions } => deprecate(service, target, name, &versions).await,
        PutKind::UnpublishVersions { remaining, .. } => {
            let coordinates = coordinates(name);
            let package = service.local_package(target, &coordinates).await?.ok_or_else(|| not_found(name))?;
            // Only versions the client saw, in the very view whose revision it named, can be
            // missing from what it sent back: one published since is never taken for removed.
            let seen = seen.unwrap_or_default();
            let gone: Vec<String> = seen.into_iter().filter(|v| !remaining.contains(v)).collect();
            service.set_local_statuses(target, &package, &gone, VersionStatus::Deleted).await?;
            for (tag, version) in service.package_view(target, &NpmAdapter, &coordinates).await?.dist_tags {
                if gone.contains(&version) {
                    service.remove_dist_tag(target, &package, &tag).await?;
                }
            }
            Ok(ok_body())
        }
        PutKind::Maintainers { .. } | PutKind::Star { .. } => Err(ServiceError::validation(
            "maintainers and stars are not kept by this registry; access is managed with domain tokens",
        )),
    }
}

/// Refuses a write naming a revision of the packument that is no longer current (409, as the
/// npm registry answers): a client holding a stale document (npm's unpublish and deprecate send
/// one back) would otherwise undo what was published after it read it. Returns the listed
/// versions stored in `target` itself as of that revision: all such a write may remove.
async fn check_revision(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    rev: &str,
) -> Result<Vec<String>, ServiceError> {
    let view = service.package_view(target, &NpmAdapter, &coordinates(name)).await?;
    // The tarball URLs do not enter the revision.
    let current = crate::revision(&packument_doc(name, &view, "")?);
    if current != rev {
        return Err(ServiceError::new(
            ErrorKind::Conflict,
            format!(
                "revision `{rev}` of `{}` is not current (it is `{current}`): the package changed since it was read; read it again and retry",
                name.full()
            ),
        ));
    }
    let here = |source: &VersionSource| match source {
        VersionSource::Stored { repository, record } => *repository == target.repository && record.status.is_listed(),
        VersionSource::External { .. } => false,
    };
    Ok(view.versions.iter().filter(|(_, source)| here(source)).map(|(version, _)| version.clone()).collect())
}

fn ok_body() -> Vec<u8> {
    br#"{"ok":true}"#.to_vec()
}

async fn publish(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    body: Vec<u8>,
) -> Result<Vec<u8>, ServiceError> {
    name.validate_new()?;
    // JSON, base64, three digests and a gunzip of the tarball: off the I/O threads.
    let request = {
        let name = name.clone();
        tributary_engine::off_io(move || parse_publish(&name, &body)).await??
    };
    let expected = ExpectedDigests { sha256: request.digests.sha256_hex().parse().ok(), ..Default::default() };
    let digests = service.store_blob(&target.domain, body_from_bytes(request.tarball), &expected).await?;
    let metadata = crate::version_metadata(&request.manifest, request.readme.clone());
    let new = NewVersion {
        version: request.version.clone(),
        status: VersionStatus::Published,
        origin: tributary_model::VersionOrigin {
            origin_type: tributary_model::OriginType::Internal,
            repository: None,
            external_connection: None,
        },
        metadata,
        format_metadata: request.manifest,
        published_at: Utc::now(),
        assets: vec![asset_record(&request.tarball_filename, &digests)],
    };
    service.publish(target, &NpmAdapter, &coordinates(name), name.package(), new, &request.dist_tags).await?;
    Ok(ok_body())
}

async fn deprecate(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    versions: &BTreeMap<String, String>,
) -> Result<Vec<u8>, ServiceError> {
    let package = service.local_package(target, &coordinates(name)).await?.ok_or_else(|| not_found(name))?;
    for record in service.local_versions(&package).await? {
        let Some(message) = versions.get(&record.version) else { continue };
        let current = record.format_metadata.get("deprecated").and_then(Value::as_str).unwrap_or_default();
        if current == message {
            continue;
        }
        let mut manifest = record.format_metadata.clone();
        if let Some(obj) = manifest.as_object_mut() {
            if message.is_empty() {
                obj.remove("deprecated");
            } else {
                obj.insert("deprecated".to_owned(), Value::String(message.clone()));
            }
        }
        service.set_format_metadata(target, &package, &record, &manifest).await?;
    }
    Ok(ok_body())
}

/// `DELETE /{name}/-rev/{rev}`: unpublishes every version stored in `target`, when `rev` is the
/// current revision.
pub async fn unpublish_package(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    rev: &str,
) -> Result<Vec<u8>, ServiceError> {
    // The listed versions the client saw, not those listed by the time they are removed (a
    // version published since stays), and the unlisted ones, which no client sees.
    let mut versions = check_revision(service, target, name, rev).await?;
    let package = service.local_package(target, &coordinates(name)).await?.ok_or_else(|| not_found(name))?;
    let unlisted = service.local_versions(&package).await?.into_iter().filter(|v| !v.status.is_listed());
    versions.extend(unlisted.map(|v| v.version));
    service.set_local_statuses(target, &package, &versions, VersionStatus::Deleted).await?;
    Ok(ok_body())
}

/// `PUT /-/package/{name}/syncs`: queues a sync of `versions` (all when empty).
pub async fn queue_sync(
    service: &Service,
    caller: &tributary_engine::Caller,
    target: &RepoTarget,
    name: &NpmName,
    versions: &[String],
) -> Result<tributary_engine::SyncTask, ServiceError> {
    service.queue_sync(caller, target, &coordinates(name), versions).await
}

/// `GET /-/package/{name}/syncs/{id}`.
pub async fn sync_task(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    id: &str,
) -> Result<tributary_engine::SyncTask, ServiceError> {
    service.sync_task(target, &coordinates(name), id).await
}

/// `GET /-/package/{name}/dist-tags`.
pub async fn dist_tags(service: &Service, target: &RepoTarget, name: &NpmName) -> Result<Vec<u8>, ServiceError> {
    let view = service.package_view(target, &NpmAdapter, &coordinates(name)).await?;
    if view.versions.is_empty() {
        return Err(view.upstream_error.unwrap_or_else(|| not_found(name)));
    }
    Ok(crate::dist_tags::render_dist_tags(&view.dist_tags))
}

/// `PUT /-/package/{name}/dist-tags/{tag}` with the version as a JSON string.
pub async fn set_dist_tag(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    tag: &str,
    body: &[u8],
) -> Result<Vec<u8>, ServiceError> {
    crate::dist_tags::validate_dist_tag(tag)?;
    let version = crate::dist_tags::parse_dist_tag_body(&name.full(), body)?;
    let coordinates = coordinates(name);
    let view = service.package_view(target, &NpmAdapter, &coordinates).await?;
    if !view.versions.contains_key(&version) {
        return Err(ServiceError::not_found(
            ResourceType::PackageVersion,
            version.clone(),
            format!("version `{version}` of `{}` does not exist; tag an existing version", name.full()),
        ));
    }
    let package = view.local.ok_or_else(|| {
        ServiceError::new(
            ErrorKind::NotFound,
            format!(
                "`{}` is not stored in this repository; dist-tags can only be set where the package lives",
                name.full()
            ),
        )
    })?;
    service.set_dist_tag(target, &package, tag, &version).await?;
    Ok(ok_body())
}

/// `DELETE /-/package/{name}/dist-tags/{tag}`.
pub async fn remove_dist_tag(
    service: &Service,
    target: &RepoTarget,
    name: &NpmName,
    tag: &str,
) -> Result<Vec<u8>, ServiceError> {
    if tag == "latest" {
        return Err(ServiceError::validation("the `latest` dist-tag cannot be removed; point it at another version"));
    }
    let package = service.local_package(target, &coordinates(name)).await?.ok_or_else(|| not_found(name))?;
    if !service.remove_dist_tag(target, &package, tag).await? {
        return Err(ServiceError::not_found(
            ResourceType::Package,
            tag,
            format!("`{}` has no dist-tag `{tag}`", name.full()),
        ));
    }
    Ok(ok_body())
}

/// `GET /-/v1/search?text=...&size=...`: packages stored in `target` whose name contains `text`.
pub async fn search(service: &Service, target: &RepoTarget, text: &str, size: usize) -> Result<Vec<u8>, ServiceError> {
    let found = service.search_local(target, PackageFormat::Npm, text, size.clamp(1, 250)).await?;
    let mut hits = Vec::new();
    for package in &found {
        let versions = service.local_versions(package).await?;
        let Some(latest) = versions
            .iter()
            .filter(|v| v.status.is_listed())
            .max_by(|a, b| crate::version::compare_versions(&a.version, &b.version))
        else {
            continue;
        };
        // The display name is the unscoped part; npm shows (and installs) the full name.
        let name = match package.coordinates.namespace.as_str() {
            "" => package.display_name.clone(),
            scope => format!("@{scope}/{}", package.display_name),
        };
        hits.push(crate::responses::SearchHit {
            name,
            version: latest.version.clone(),
            description: latest.metadata.summary.clone(),
            keywords: latest
                .format_metadata
                .get("keywords")
                .and_then(Value::as_array)
                .map(|k| k.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            date: latest.published_at,
            link: latest.metadata.home_page.clone(),
        });
    }
    Ok(crate::responses::render_search(&hits, hits.len(), Utc::now()))
}
