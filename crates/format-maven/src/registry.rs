//! The Maven repository over the engine: the only module of this crate that does I/O, through
//! `tributary-engine`. The HTTP layer calls one function per request.
//!
//! - A package is (groupId, artifactId); a version holds every file under its directory (jar,
//!   pom, sources, SNAPSHOT builds), each a stored asset. Files come from the first place of
//!   the search order that has them; a gateway's registry is asked for any file it lacks
//!   (registries list versions, not files), checked against the registry's `.sha1` / `.sha256`.
//! - `maven-metadata.xml` is never stored: the artifact level is rendered from the versions the
//!   repository sees through its search order, the SNAPSHOT level from the version's files.
//!   Checksums of a stored file come from its stored digests, of a document from its bytes.
//! - Deploys: files arrive one PUT at a time into an `Unfinished` version; the artifact-level
//!   `maven-metadata.xml` naming the version publishes it (CodeArtifact's rule). The uploaded
//!   document is read for the versions it names, never trusted to remove any.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use tributary_engine::content::{BlobBodyIn, DigestAlgorithm, ExpectedDigests, Hasher};
use tributary_engine::formats::{
    ExternalAsset, ExternalPackage, ExternalVersion, FileDescription, FormatAdapter, VersionMetadataReader,
};
use tributary_engine::{
    AssetBody, Document, PackageView, RepoTarget, Service, VersionFile, VersionSource, asset_record,
};
use tributary_model::records::NewVersion;
use tributary_model::{
    ErrorKind, OriginType, PackageCoordinates, PackageFormat, ResourceType, ServiceError, VersionMetadata,
    VersionOrigin, VersionStatus,
};

use crate::checksum::parse_checksum_file;
use crate::metadata::{
    merged, parse_artifact_metadata, render_artifact_metadata, render_snapshot_metadata, resolve_snapshot_filename,
    snapshot_metadata_from_files,
};
use crate::path::{ArtifactFile, ChecksumAlgorithm, MavenPath, parse_path};
use crate::pom::{check_coordinates, parse_pom};
use crate::version::is_snapshot;

pub use crate::pom::MAX_POM_LEN;

/// What the engine needs to know of Maven.
#[derive(Debug, Clone, Copy)]
pub struct MavenAdapter;

fn group_path(group_id: &str) -> String {
    group_id.replace('.', "/")
}

impl FormatAdapter for MavenAdapter {
    fn format(&self) -> PackageFormat {
        PackageFormat::Maven
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        Some(format!("{base_url}/{}/{}/maven-metadata.xml", group_path(&package.namespace), package.name))
    }

    fn metadata_accept(&self) -> &'static str {
        "application/xml, text/xml;q=0.9, */*;q=0.1"
    }

    fn parse_upstream(&self, bytes: &[u8], _: Option<&str>, _: &str) -> Result<ExternalPackage, String> {
        let doc = parse_artifact_metadata(bytes).map_err(|e| e.to_string())?;
        let versions = doc
            .versions
            .into_iter()
            .map(|version| {
                Arc::new(ExternalVersion {
                    version,
                    metadata: VersionMetadata::default(),
                    format_metadata: json!({}).into(),
                    published_at: None,
                    assets: Vec::new(),
                })
            })
            .collect();
        Ok(ExternalPackage {
            display_name: doc.artifact_id.unwrap_or_default(),
            versions,
            dist_tags: BTreeMap::new(),
            pages: Vec::new(),
        })
    }

    fn unlisted_asset(
        &self,
        base_url: &str,
        package: &PackageCoordinates,
        version: &str,
        file: &str,
    ) -> Option<ExternalAsset> {
        Some(ExternalAsset {
            name: file.to_owned(),
            url: format!("{base_url}/{}/{}/{version}/{file}", group_path(&package.namespace), package.name),
            expected: ExpectedDigests::default(),
            attributes: json!({}),
        })
    }

    fn checksum_sidecars(&self, url: &str) -> Vec<(String, DigestAlgorithm)> {
        // Maven Central publishes `.sha1` for every file, `.sha256` for newer ones.
        vec![(format!("{url}.sha256"), DigestAlgorithm::Sha256), (format!("{url}.sha1"), DigestAlgorithm::Sha1)]
    }

    fn read_checksum(&self, bytes: &[u8]) -> Option<String> {
        let algorithm = match bytes.iter().take_while(|b| b.is_ascii_hexdigit()).count() {
            64 => ChecksumAlgorithm::Sha256,
            40 => ChecksumAlgorithm::Sha1,
            128 => ChecksumAlgorithm::Sha512,
            32 => ChecksumAlgorithm::Md5,
            _ => return None,
        };
        parse_checksum_file(bytes, algorithm).ok()
    }

    fn version_metadata_reader(&self, file: &str) -> Option<VersionMetadataReader> {
        file.ends_with(".pom").then_some(read_pom as VersionMetadataReader)
    }
}

fn read_pom(_: &str, bytes: &[u8]) -> Option<FileDescription> {
    let pom = parse_pom(bytes).ok()?;
    Some(FileDescription { metadata: pom.version_metadata(), companions: Vec::new() })
}

/// The coordinates of an artifact.
pub fn coordinates(group_id: &str, artifact_id: &str) -> PackageCoordinates {
    PackageCoordinates { format: PackageFormat::Maven, namespace: group_id.to_owned(), name: artifact_id.to_owned() }
}

fn not_found(what: &str, target: &RepoTarget) -> ServiceError {
    ServiceError::new(ErrorKind::NotFound, format!("`{what}` is not in `{}` nor its upstreams", target.repository))
}

/// The file names of `version` through the chain, as artifact files.
fn version_files(view: &PackageView, file: &ArtifactFile) -> Vec<ArtifactFile> {
    view.files(&file.version)
        .iter()
        .filter_map(|(_, f)| {
            let path = format!("{}/{}/{}/{}", group_path(&file.group_id), file.artifact_id, file.version, f.name());
            match parse_path(&path) {
                Ok(MavenPath::File(found)) => Some(found),
                _ => None,
            }
        })
        .collect()
}

/// The stored name of a requested file: a SNAPSHOT file asked for without its timestamp is
/// the newest build of it.
async fn stored_name(service: &Service, target: &RepoTarget, file: &ArtifactFile) -> Result<String, ServiceError> {
    if !is_snapshot(&file.version) || file.snapshot.is_some() {
        return Ok(file.filename.clone());
    }
    let view = service.package_view(target, &MavenAdapter, &coordinates(&file.group_id, &file.artifact_id)).await?;
    let files = version_files(&view, file);
    Ok(resolve_snapshot_filename(&files, file).map_or_else(|| file.filename.clone(), |f| f.filename.clone()))
}

/// Opens a file for download, retaining its version on the way.
pub async fn get_file(service: &Service, target: &RepoTarget, file: &ArtifactFile) -> Result<AssetBody, ServiceError> {
    let name = stored_name(service, target, file).await?;
    service
        .fetch_asset(target, &MavenAdapter, &coordinates(&file.group_id, &file.artifact_id), &file.version, &name)
        .await
}

fn hex_of(asset: &tributary_model::records::AssetRecord, algorithm: ChecksumAlgorithm) -> String {
    match algorithm {
        ChecksumAlgorithm::Md5 => asset.md5.to_hex(),
        ChecksumAlgorithm::Sha1 => asset.sha1.to_hex(),
        ChecksumAlgorithm::Sha256 => asset.sha256.to_hex(),
        ChecksumAlgorithm::Sha512 => asset.sha512.to_hex(),
    }
}

fn hex_of_bytes(bytes: &[u8], algorithm: ChecksumAlgorithm) -> String {
    let mut hasher = Hasher::new();
    hasher.update(bytes);
    let d = hasher.finalize();
    match algorithm {
        ChecksumAlgorithm::Md5 => d.md5.to_hex(),
        ChecksumAlgorithm::Sha1 => d.sha1.to_hex(),
        ChecksumAlgorithm::Sha256 => d.sha256.to_hex(),
        ChecksumAlgorithm::Sha512 => d.sha512.to_hex(),
    }
}

/// The checksum (lowercase hex) of a file or metadata document, as `{path}.sha1` and friends
/// answer it.
pub async fn get_checksum(
    service: &Service,
    target: &RepoTarget,
    of: &MavenPath,
    algorithm: ChecksumAlgorithm,
) -> Result<String, ServiceError> {
    match of {
        MavenPath::File(file) => {
            let coordinates = coordinates(&file.group_id, &file.artifact_id);
            let name = stored_name(service, target, file).await?;
            let stored = |view: &PackageView| {
                view.files(&file.version).iter().find_map(|(_, f)| match f {
                    VersionFile::Stored(asset) if asset.name == name => Some(hex_of(asset, algorithm)),
                    _ => None,
                })
            };
            if let Some(hex) = stored(&service.package_view(target, &MavenAdapter, &coordinates).await?) {
                return Ok(hex);
            }
            // Not stored anywhere yet: fetch it (which stores it), then read its digests.
            let mut body = get_file(service, target, file).await?;
            use futures::StreamExt as _;
            while let Some(chunk) = body.stream.next().await {
                chunk.map_err(|e| ServiceError::new(ErrorKind::BadGateway, e.to_string()))?;
            }
            stored(&service.package_view(target, &MavenAdapter, &coordinates).await?)
                .ok_or_else(|| not_found(&file.path(), target))
        }
        MavenPath::ArtifactMetadata { group_id, artifact_id } => {
            let document = artifact_metadata(service, target, group_id, artifact_id).await?;
            Ok(hex_of_bytes(&document.body, algorithm))
        }
        MavenPath::VersionMetadata { group_id, artifact_id, version } => {
            let document = snapshot_metadata(service, target, group_id, artifact_id, version).await?;
            Ok(hex_of_bytes(&document.body, algorithm))
        }
        MavenPath::Checksum { .. } => Err(ServiceError::new(ErrorKind::NotFound, "a checksum has no checksum")),
    }
}

/// The artifact-level `maven-metadata.xml`: the versions `target` sees through its search order.
pub async fn artifact_metadata(
    service: &Service,
    target: &RepoTarget,
    group_id: &str,
    artifact_id: &str,
) -> Result<Arc<Document>, ServiceError> {
    let coordinates = coordinates(group_id, artifact_id);
    service
        .document(target, &coordinates, "maven-metadata.xml", || async {
            let view = service.package_view(target, &MavenAdapter, &coordinates).await?;
            let listed: Vec<(&String, &VersionSource)> =
                view.versions.iter().filter(|(_, source)| source.is_listed()).collect();
            if listed.is_empty() {
                return Err(match &view.upstream_error {
                    Some(e) => e.clone(),
                    None => not_found(&format!("{group_id}:{artifact_id}"), target),
                });
            }
            let last_updated =
                listed.iter().filter_map(|(_, s)| s.published_at()).max().unwrap_or_else(chrono::Utc::now);
            let doc = merged(group_id, artifact_id, listed.iter().map(|(v, _)| (*v).clone()), last_updated);
            Ok(render_artifact_metadata(&doc).into_bytes())
        })
        .await
}

/// The SNAPSHOT-level `maven-metadata.xml`: the newest build of each file of the version.
pub async fn snapshot_metadata(
    service: &Service,
    target: &RepoTarget,
    group_id: &str,
    artifact_id: &str,
    version: &str,
) -> Result<Arc<Document>, ServiceError> {
    let rendering = format!("{version}/maven-metadata.xml");
    let coordinates = coordinates(group_id, artifact_id);
    service
        .document(target, &coordinates, &rendering, || async {
            let view = service.package_view(target, &MavenAdapter, &coordinates).await?;
            let probe = ArtifactFile {
                group_id: group_id.to_owned(),
                artifact_id: artifact_id.to_owned(),
                version: version.to_owned(),
                filename: String::new(),
                classifier: None,
                extension: String::new(),
                snapshot: None,
            };
            let files = version_files(&view, &probe);
            let doc = snapshot_metadata_from_files(group_id, artifact_id, version, &files)
                .ok_or_else(|| not_found(&format!("{group_id}:{artifact_id}:{version}"), target))?;
            Ok(render_snapshot_metadata(&doc).into_bytes())
        })
        .await
}

/// The version metadata a POM gives, after checking it names the path it is uploaded to.
pub fn pom_metadata(file: &ArtifactFile, bytes: &[u8]) -> Result<VersionMetadata, ServiceError> {
    let pom = parse_pom(bytes)?;
    check_coordinates(&pom, file)?;
    Ok(pom.version_metadata())
}

/// Stores an uploaded file (checked against `declared` digests) into its version: a new
/// version is `Unfinished` until its artifact-level metadata arrives; a stored file name with
/// other bytes is a conflict (published bytes never change), the same bytes succeed.
pub async fn put_file(
    service: &Service,
    target: &RepoTarget,
    file: &ArtifactFile,
    body: BlobBodyIn,
    declared: &ExpectedDigests,
    metadata: Option<VersionMetadata>,
) -> Result<(), ServiceError> {
    let digests = service.store_blob(&target.domain, body, declared).await.map_err(|e| {
        if e.kind == ErrorKind::Validation {
            ServiceError::validation(format!(
                "`{}` does not match the checksum sent with it: {}; deploy it again",
                file.filename, e.message
            ))
        } else {
            e
        }
    })?;
    let new = NewVersion {
        version: file.version.clone(),
        status: VersionStatus::Unfinished,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: metadata.unwrap_or_default(),
        format_metadata: json!({}),
        published_at: chrono::Utc::now(),
        assets: vec![asset_record(&file.filename, &digests)],
    };
    let coordinates = coordinates(&file.group_id, &file.artifact_id);
    service.publish(target, &MavenAdapter, &coordinates, &file.artifact_id, new, &BTreeMap::new()).await?;
    Ok(())
}

/// An uploaded checksum of a stored file: checked against the file's bytes.
pub async fn put_checksum(
    service: &Service,
    target: &RepoTarget,
    file: &ArtifactFile,
    algorithm: ChecksumAlgorithm,
    bytes: &[u8],
) -> Result<(), ServiceError> {
    let declared = parse_checksum_file(bytes, algorithm)?;
    let package = service
        .local_package(target, &coordinates(&file.group_id, &file.artifact_id))
        .await?
        .ok_or_else(|| not_found(&file.path(), target))?;
    let versions = service.local_versions(&package).await?;
    let asset = versions
        .iter()
        .filter(|v| v.version == file.version)
        .flat_map(|v| v.assets.iter())
        .find(|a| a.name == file.filename)
        .ok_or_else(|| {
            ServiceError::not_found(
                ResourceType::Asset,
                &file.filename,
                format!("`{}` has no file to check: upload the file before its checksum", file.path()),
            )
        })?;
    let actual = hex_of(asset, algorithm);
    if actual != declared {
        return Err(ServiceError::validation(format!(
            "the {} of `{}` is `{actual}`, but the uploaded checksum says `{declared}`; the upload was corrupted, deploy again",
            algorithm.name(),
            file.filename
        )));
    }
    Ok(())
}

/// An uploaded artifact-level `maven-metadata.xml`: every `Unfinished` version of `target` it
/// names becomes `Published`. Nothing else changes: versions it omits stay.
pub async fn put_artifact_metadata(
    service: &Service,
    target: &RepoTarget,
    group_id: &str,
    artifact_id: &str,
    bytes: &[u8],
) -> Result<(), ServiceError> {
    let doc = parse_artifact_metadata(bytes)?;
    let Some(named) = doc.artifact_id.as_deref() else {
        // A group's plugin-prefix metadata (a plugin deploy): rendered, never stored.
        return Ok(());
    };
    if named != artifact_id || doc.group_id.as_deref().is_some_and(|g| g != group_id) {
        return Err(ServiceError::validation(format!(
            "the maven-metadata.xml uploaded to `{group_id}:{artifact_id}` describes `{}:{named}`",
            doc.group_id.as_deref().unwrap_or_default()
        )));
    }
    let Some(package) = service.local_package(target, &coordinates(group_id, artifact_id)).await? else {
        return Ok(());
    };
    let finished: Vec<String> = service
        .local_versions(&package)
        .await?
        .into_iter()
        .filter(|v| v.status == VersionStatus::Unfinished && doc.versions.contains(&v.version))
        .map(|v| v.version)
        .collect();
    if !finished.is_empty() {
        service.set_local_statuses(target, &package, &finished, VersionStatus::Published).await?;
    }
    Ok(())
}
