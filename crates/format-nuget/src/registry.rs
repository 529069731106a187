//! NuGet over the engine: the only module of this crate (with [`crate::plane`]) that does I/O,
//! through `tributary-engine`. The endpoint calls one function per request.
//!
//! - A package is its id, lowercased; a version is its normalized version, lowercased
//!   ([`NugetVersion::key`]), holding two files: `{id}.{version}.nupkg` and `{id}.nuspec`
//!   (lowercase, as the flat container names them). Its format metadata is its catalog entry
//!   (the nuspec's fields as registrations carry them; an upstream's entry as it came), so
//!   stored and upstream versions render alike.
//! - Every document (flat container, registrations) is rendered from the versions the asking
//!   repository sees through its search order, cached until the package changes.
//! - Search goes through the search order too: packages stored in any repository of it, then
//!   each external connection's own search, merged by id, the first in search order winning.
//! - Push reads the nuspec out of the spooled `.nupkg` under limits ([`crate::package`]); the
//!   id and version come from it. `DELETE` unlists, `POST` relists (nuget.org's verbs).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};
use tributary_engine::content::{ExpectedDigests, body_from_bytes};
use tributary_engine::data_plane::file_stream;
use tributary_engine::formats::{
    ExternalPackage, ExternalVersion, FileDescription, FormatAdapter, VersionMetadataReader,
};
use tributary_engine::{AssetBody, Document, PackageView, RepoTarget, Service, VersionSource, asset_record, off_io};
use tributary_model::records::NewVersion;
use tributary_model::{
    ErrorKind, OriginType, PackageCoordinates, PackageFormat, ResourceType, ServiceError, VersionOrigin, VersionStatus,
};

use crate::documents::{self, Hive, SearchQuery, Urls, VersionEntry};
use crate::nuspec::{self, Nuspec, version_metadata};
use crate::package::{Limits, read_nuspec};
use crate::package::{nupkg_name, nuspec_name};
use crate::upstream::{self, Resources};
use crate::version::NugetVersion;

/// What the engine needs to know of NuGet.
#[derive(Debug, Clone, Copy)]
pub struct NugetAdapter;

impl FormatAdapter for NugetAdapter {
    fn format(&self) -> PackageFormat {
        PackageFormat::Nuget
    }

    fn normalize_name(&self, name: &str) -> String {
        crate::id::normalize(name)
    }

    fn service_index_url(&self, base_url: &str) -> Option<String> {
        // A NuGet source is named by its service index; a bare base gets the usual path.
        Some(if base_url.ends_with(".json") { base_url.to_owned() } else { format!("{base_url}/v3/index.json") })
    }

    fn read_service_index(&self, bytes: &[u8], _url: &str) -> Result<String, String> {
        upstream::parse_service_index(bytes).map(|r| r.encode())
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        let resources = Resources::decode(base_url)?;
        Some(format!("{}{}/index.json", resources.registrations, package.name))
    }

    fn parse_upstream(&self, bytes: &[u8], _: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        let id = url.trim_end_matches("/index.json").rsplit('/').next().unwrap_or_default();
        upstream::parse_registration_index(bytes, id)
    }

    fn parse_upstream_page(&self, bytes: &[u8], _url: &str) -> Result<Vec<Arc<ExternalVersion>>, String> {
        upstream::parse_registration_page(bytes)
    }

    fn retains(&self, file: &str) -> bool {
        file.ends_with(".nupkg")
    }

    fn version_metadata_reader(&self, file: &str) -> Option<VersionMetadataReader> {
        file.ends_with(".nupkg").then_some(read_upstream_nupkg as VersionMetadataReader)
    }
}

/// What a `.nupkg` fetched from upstream tells: its metadata, and its nuspec kept beside it.
fn read_upstream_nupkg(_: &str, bytes: &[u8]) -> Option<FileDescription> {
    let raw = read_nuspec(std::io::Cursor::new(bytes), &Limits::default()).ok()?;
    let manifest = nuspec::parse(&raw).ok()?;
    Some(FileDescription {
        metadata: version_metadata(&manifest.entry()),
        companions: vec![tributary_engine::formats::CompanionFile {
            name: nuspec_name(&manifest.id),
            bytes: raw.into(),
            attributes: json!({}),
        }],
    })
}

/// The coordinates of a package id.
pub fn coordinates(id: &str) -> PackageCoordinates {
    PackageCoordinates { format: PackageFormat::Nuget, namespace: String::new(), name: crate::id::normalize(id) }
}

fn not_found(what: &str, target: &RepoTarget) -> ServiceError {
    ServiceError::new(ErrorKind::NotFound, format!("{what} is not in `{}` nor its upstreams", target.repository))
}

/// The versions of a view as the documents show them: what can be downloaded, each with its
/// entry.
fn entries(view: &PackageView) -> Vec<VersionEntry> {
    view.versions
        .iter()
        .filter(|(_, source)| match source {
            VersionSource::Stored { record, .. } => record.status.is_downloadable(),
            VersionSource::External { .. } => true,
        })
        .filter_map(|(key, source)| {
            let entry = source.format_metadata().into_owned();
            let written = entry.get("version").and_then(Value::as_str).unwrap_or(key);
            let version = NugetVersion::parse(written).or_else(|_| NugetVersion::parse(key)).ok()?;
            let listed = source.is_listed() && entry.get("listed").and_then(Value::as_bool) != Some(false);
            Some(VersionEntry { version, listed, published: source.published_at(), entry })
        })
        .collect()
}

async fn view(
    service: &Service,
    target: &RepoTarget,
    id: &str,
) -> Result<(PackageView, Vec<VersionEntry>), ServiceError> {
    let view = service.package_view(target, &NugetAdapter, &coordinates(id)).await?;
    let entries = entries(&view);
    if entries.is_empty() {
        return Err(match &view.upstream_error {
            Some(e) => e.clone(),
            None => not_found(&format!("the NuGet package `{id}`"), target),
        });
    }
    Ok((view, entries))
}

/// The flat container's version list of a package.
pub async fn flat_index(service: &Service, target: &RepoTarget, id: &str) -> Result<Arc<Document>, ServiceError> {
    service
        .document(target, &coordinates(id), "flat-index", || async {
            let (_, entries) = view(service, target, id).await?;
            Ok(documents::flat_index(&entries))
        })
        .await
}

/// A package's registration index in `hive`.
pub async fn registration_index(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    hive: Hive,
    id: &str,
) -> Result<Arc<Document>, ServiceError> {
    service
        .document(target, &coordinates(id), &format!("{}/index", hive.segment()), || async {
            let (_, entries) = view(service, target, id).await?;
            documents::registration_index(urls, hive, id, &entries)
                .ok_or_else(|| not_found(&format!("the NuGet package `{id}` (SemVer 1 versions)"), target))
        })
        .await
}

/// A page of a package's registration.
pub async fn registration_page(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    hive: Hive,
    id: &str,
    lower: &NugetVersion,
    upper: &NugetVersion,
) -> Result<Arc<Document>, ServiceError> {
    let rendering = format!("{}/page/{}/{}", hive.segment(), lower.key(), upper.key());
    service
        .document(target, &coordinates(id), &rendering, || async {
            let (_, entries) = view(service, target, id).await?;
            documents::registration_page(urls, hive, id, &entries, lower, upper)
                .ok_or_else(|| not_found(&format!("a page of the NuGet package `{id}`"), target))
        })
        .await
}

/// A registration leaf.
pub async fn registration_leaf(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    hive: Hive,
    id: &str,
    version: &NugetVersion,
) -> Result<Arc<Document>, ServiceError> {
    let rendering = format!("{}/leaf/{}", hive.segment(), version.key());
    service
        .document(target, &coordinates(id), &rendering, || async {
            let (_, entries) = view(service, target, id).await?;
            let entry = entries
                .iter()
                .find(|e| e.version == *version && hive.shows(&e.version))
                .ok_or_else(|| not_found(&format!("`{id}` {version}"), target))?;
            Ok(documents::registration_leaf(urls, hive, id, entry))
        })
        .await
}

/// The entry of one version (the v2 reads).
pub async fn version_entries(
    service: &Service,
    target: &RepoTarget,
    id: &str,
) -> Result<Vec<VersionEntry>, ServiceError> {
    Ok(view(service, target, id).await?.1)
}

/// Opens a package's `.nupkg` or `.nuspec` for download, retaining its version on the way.
pub async fn get_file(
    service: &Service,
    target: &RepoTarget,
    id: &str,
    version: &NugetVersion,
    file: &str,
) -> Result<AssetBody, ServiceError> {
    service.fetch_asset(target, &NugetAdapter, &coordinates(id), &version.key(), &file.to_ascii_lowercase()).await
}

/// A pushed package: its nuspec is read from the spooled file under limits, then the file is
/// stored and the version published (the same bytes again change nothing; other bytes for a
/// version that exists are a conflict).
pub async fn push(
    service: &Service,
    target: &RepoTarget,
    spooled: std::fs::File,
) -> Result<(Nuspec, bool), ServiceError> {
    let reading =
        spooled.try_clone().map_err(|e| ServiceError::internal(format!("cannot read the spooled package: {e}")))?;
    let raw = off_io(move || read_nuspec(reading, &Limits::default())).await??;
    let manifest = nuspec::parse(&raw)?;
    let version = manifest.parsed_version()?;
    let key = version.key();
    let mut spooled = spooled;
    std::io::Seek::rewind(&mut spooled)
        .map_err(|e| ServiceError::internal(format!("cannot read the spooled package: {e}")))?;
    let nupkg = service.store_blob(&target.domain, file_stream(spooled), &ExpectedDigests::default()).await?;
    let nuspec_digests = service.store_blob(&target.domain, body_from_bytes(raw), &ExpectedDigests::default()).await?;
    let entry = manifest.entry();
    let new = NewVersion {
        version: key.clone(),
        status: VersionStatus::Published,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: version_metadata(&entry),
        format_metadata: entry,
        published_at: chrono::Utc::now(),
        assets: vec![
            asset_record(&nupkg_name(&manifest.id, &version), &nupkg),
            asset_record(&nuspec_name(&manifest.id), &nuspec_digests),
        ],
    };
    // A conflict says why: the version exists upstream, or here with other bytes.
    let outcome =
        service.publish(target, &NugetAdapter, &coordinates(&manifest.id), &manifest.id, new, &BTreeMap::new()).await?;
    let created = matches!(outcome, tributary_model::records::PutOutcome::Created(_));
    Ok((manifest, created))
}

/// Unlists (`listed: false`) or relists a version stored in `target`.
pub async fn set_listed(
    service: &Service,
    target: &RepoTarget,
    id: &str,
    version: &NugetVersion,
    listed: bool,
) -> Result<(), ServiceError> {
    let missing = || {
        ServiceError::not_found(
            ResourceType::PackageVersion,
            format!("{id}/{version}"),
            format!(
                "`{id}` {version} is not stored in `{}` (only what it stores can be unlisted here)",
                target.repository
            ),
        )
    };
    let package = service.local_package(target, &coordinates(id)).await?.ok_or_else(missing)?;
    let key = version.key();
    let record = service.local_versions(&package).await?.into_iter().find(|v| v.version == key).ok_or_else(missing)?;
    if !record.status.is_downloadable() {
        return Err(missing());
    }
    let status = if listed { VersionStatus::Published } else { VersionStatus::Unlisted };
    service.set_local_statuses(target, &package, &[key], status).await
}

/// The most results a search through the chain considers.
const MAX_CANDIDATES: usize = 10_000;

/// A search through the search order: stored packages first (in search order), then each
/// external connection's results; each id once, the first place winning.
pub async fn search(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    query: &SearchQuery,
) -> Result<Vec<u8>, ServiceError> {
    let (total, hits) = search_hits(service, target, urls, query).await?;
    Ok(documents::search_response(total, hits.into_iter().skip(query.skip).take(query.take).map(|(_, h)| h).collect()))
}

/// Every hit of a search (as a v3 search result), in order, with its id; and how many there are.
pub async fn search_hits(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    query: &SearchQuery,
) -> Result<(usize, Vec<(String, Value)>), ServiceError> {
    let wanted = query.skip.saturating_add(query.take);
    let mut seen: HashSet<String> = HashSet::new();
    let mut hits: Vec<(String, Value)> = Vec::new();
    // Only the packages a page shows are resolved through the chain; the others that match are
    // counted in `totalHits` as they are listed.
    let mut counted = 0usize;
    for (_, package) in service.visible_packages(target, PackageFormat::Nuget, MAX_CANDIDATES).await? {
        if !query.matches(&package.display_name) || !seen.insert(package.coordinates.name.clone()) {
            continue;
        }
        if hits.len() >= wanted {
            counted += 1;
            continue;
        }
        let Ok((_, entries)) = view(service, target, &package.display_name).await else { continue };
        if let Some(hit) = documents::search_result(urls, &package.display_name, &entries, query) {
            hits.push((package.display_name.clone(), hit));
        }
    }
    let upstream_query = format!(
        "q={}&skip=0&take={wanted}&prerelease={}&semVerLevel=2.0.0",
        percent_encoding::utf8_percent_encode(&query.q, percent_encoding::NON_ALPHANUMERIC),
        query.prerelease
    );
    let documents = service
        .external_documents(target, &NugetAdapter, |base| {
            Resources::decode(base)?.search.map(|s| format!("{s}?{upstream_query}"))
        })
        .await;
    for (_, document) in documents {
        // A registry that cannot be searched now leaves its packages out of this answer only.
        let Ok(Some(bytes)) = document else { continue };
        let Ok(found) = upstream::parse_search(&bytes) else { continue };
        for hit in found {
            if !seen.insert(crate::id::normalize(&hit.id)) {
                continue;
            }
            if let Some(rendered) = upstream_hit(urls, &hit, query) {
                hits.push((hit.id.clone(), rendered));
            }
        }
    }
    Ok((hits.len() + counted, hits))
}

/// An upstream's search result as this repository shows it: its URLs here, its versions those
/// the query admits.
fn upstream_hit(urls: &Urls, hit: &upstream::SearchHit, query: &SearchQuery) -> Option<Value> {
    let hive = if query.semver2 { Hive::SemVer2 } else { Hive::Plain };
    let mut admitted: Vec<NugetVersion> =
        hit.versions.iter().filter_map(|v| NugetVersion::parse(v).ok()).filter(|v| query.admits(v)).collect();
    admitted.sort();
    let latest = admitted.last()?;
    let mut rendered = hit.raw.clone();
    let registration = urls.registration_index(hive, &hit.id);
    rendered["@id"] = json!(registration);
    rendered["registration"] = json!(registration);
    rendered["version"] = json!(latest.full());
    rendered["versions"] = admitted
        .iter()
        .map(|v| json!({"version": v.full(), "downloads": 0, "@id": urls.registration_leaf(hive, &hit.id, v)}))
        .collect();
    Some(rendered)
}

/// Autocomplete: package ids matching `q`, or with `id=` the versions of that package.
pub async fn autocomplete(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    query: &SearchQuery,
) -> Result<Vec<u8>, ServiceError> {
    if let Some(id) = &query.id {
        let versions: Vec<String> = match view(service, target, id).await {
            Ok((_, mut entries)) => {
                entries.sort_by(|a, b| a.version.cmp(&b.version));
                entries.iter().filter(|e| e.listed && query.admits(&e.version)).map(|e| e.version.full()).collect()
            }
            Err(e) if e.kind == ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e),
        };
        return Ok(serde_json::to_vec(&json!({"totalHits": versions.len(), "data": versions})).unwrap_or_default());
    }
    let (total, hits) = search_hits(service, target, urls, query).await?;
    let ids: Vec<String> = hits.into_iter().skip(query.skip).take(query.take).map(|(id, _)| id).collect();
    Ok(serde_json::to_vec(&json!({"totalHits": total, "data": ids})).unwrap_or_default())
}

/// The vulnerability index: the first gateway's registry's, its pages pointing here; an empty
/// list where none publishes one or none answers (NuGetAudit then audits nothing rather than
/// warning that the source has no vulnerability data).
pub async fn vulnerability_index(service: &Service, target: &RepoTarget, urls: &Urls) -> Vec<u8> {
    let documents =
        service.external_documents(target, &NugetAdapter, |base| Resources::decode(base)?.vulnerabilities).await;
    let pages = documents
        .into_iter()
        .find_map(|(_, document)| document.ok().flatten().and_then(|b| upstream::parse_vulnerability_index(&b).ok()));
    let pages: Vec<Value> = pages
        .unwrap_or_default()
        .into_iter()
        .map(|(name, _, mut page)| {
            page["@id"] = json!(format!("{}/v3/vulnerabilities/{name}.json", urls.base));
            page
        })
        .collect();
    serde_json::to_vec(&pages).unwrap_or_else(|_| b"[]".to_vec())
}

/// A page of the vulnerability index, as the gateway's registry serves it.
pub async fn vulnerability_page(service: &Service, target: &RepoTarget, name: &str) -> Result<Vec<u8>, ServiceError> {
    let missing = || not_found(&format!("the vulnerability page `{name}`"), target);
    let documents =
        service.external_documents(target, &NugetAdapter, |base| Resources::decode(base)?.vulnerabilities).await;
    let url = documents
        .into_iter()
        .filter_map(|(_, document)| document.ok().flatten())
        .filter_map(|bytes| upstream::parse_vulnerability_index(&bytes).ok())
        .find_map(|pages| pages.into_iter().find(|(n, _, _)| n == name).map(|(_, url, _)| url))
        .ok_or_else(missing)?;
    // The first registry that names the page serves it.
    let asked = std::cell::Cell::new(false);
    let pages =
        service.external_documents(target, &NugetAdapter, |_| (!asked.replace(true)).then(|| url.clone())).await;
    match pages.into_iter().find_map(|(_, page)| page.transpose()) {
        Some(Ok(bytes)) => {
            Ok(upstream::inflate(&bytes).map_err(|e| ServiceError::new(ErrorKind::BadGateway, e))?.into_owned())
        }
        Some(Err(e)) => Err(e),
        None => Err(missing()),
    }
}
