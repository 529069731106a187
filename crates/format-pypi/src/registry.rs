//! The Python package index over the engine: the only module of this crate that does I/O,
//! through `tributary-engine`. The HTTP layer calls one function per request.
//!
//! - A project page is the merge of the project's versions through the search order
//!   ([`Service::package_view`]); each version lists its files through the chain (a file the
//!   winning repository lacks comes from the next place that has it), so a version gains the
//!   wheels its upstream gains.
//! - Files are addressed as `files/{project}/{version}/{filename}` under the endpoint. A wheel's
//!   core metadata (PEP 658) is a file of its own, `{wheel}.metadata`: extracted once at upload,
//!   or fetched from the upstream that advertises it, then stored, retained and served like any
//!   other file.
//! - An Unlisted version stays installable by an exact pin: its files are offered as yanked
//!   (PEP 592), which pip and uv install only for `==` pins; it is absent from `versions`.

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tributary_engine::content::{ExpectedDigests, Md5, Sha256, body_from_bytes};
use tributary_engine::formats::{
    CompanionFile, ExternalAsset, ExternalPackage, ExternalVersion, FileDescription, FormatAdapter,
    VersionMetadataReader,
};
use tributary_engine::{AssetBody, Document, PackageView, RepoTarget, Service, VersionSource, asset_record};
use tributary_model::records::{AssetRecord, NewVersion, PutOutcome};
use tributary_model::{
    ErrorKind, OriginType, PackageCoordinates, PackageFormat, ResourceType, ServiceError, VersionOrigin, VersionStatus,
};

use crate::archive::{Limits, core_metadata};
use crate::filename::{DistKind, parse_filename};
use crate::metadata::parse_core_metadata;
use crate::name::normalize;
use crate::simple::{SimpleFile, SimpleFormat, SimpleProject, Yanked, render_index, render_project};
use crate::upload::{check_upload, parse_upload_form};
use crate::upstream::{UPSTREAM_ACCEPT, parse_project_page, project_page_url};
use crate::version::{compare_versions, normalize_version};

/// The per-file attribute naming the wheel a `.metadata` file describes.
const METADATA_OF: &str = "metadata_of";
/// The suffix of a core metadata file (PEP 658).
const METADATA_SUFFIX: &str = ".metadata";

/// Whether `filename` is a core metadata file (PEP 658: `{wheel}.metadata`), not a distribution.
pub fn is_core_metadata(filename: &str) -> bool {
    filename.ends_with(METADATA_SUFFIX)
}

/// What the engine needs to know of PyPI.
#[derive(Debug, Clone, Copy)]
pub struct PypiAdapter;

impl FormatAdapter for PypiAdapter {
    fn format(&self) -> PackageFormat {
        PackageFormat::Pypi
    }

    fn normalize_name(&self, name: &str) -> String {
        normalize(name)
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        Some(project_page_url(base_url, &package.name))
    }

    fn metadata_accept(&self) -> &'static str {
        UPSTREAM_ACCEPT
    }

    fn lists_asset(&self, file: &str) -> bool {
        !is_core_metadata(file)
    }

    fn retains(&self, file: &str) -> bool {
        // Resolvers read core metadata of versions they never install: only a distribution
        // keeps its version.
        !is_core_metadata(file)
    }

    fn version_metadata_reader(&self, file: &str) -> Option<VersionMetadataReader> {
        file.ends_with(".whl").then_some(read_wheel_metadata as VersionMetadataReader)
    }

    fn parse_upstream(&self, bytes: &[u8], content_type: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        let page = parse_project_page(bytes, content_type, url).map_err(|e| e.to_string())?;
        let mut versions: BTreeMap<String, ExternalVersion> = BTreeMap::new();
        for file in page.files {
            let Ok(dist) = parse_filename(&file.filename) else { continue };
            let Some(version) = normalize_version(&dist.version) else { continue };
            let entry = versions.entry(version.clone()).or_insert_with(|| ExternalVersion {
                version,
                metadata: tributary_model::VersionMetadata::default(),
                format_metadata: json!({}).into(),
                published_at: None,
                assets: Vec::new(),
            });
            if let Some(t) = file.upload_time {
                entry.published_at = Some(entry.published_at.map_or(t, |p| p.min(t)));
            }
            let sha256 = file.sha256.as_deref().and_then(|s| s.parse::<Sha256>().ok());
            if file.core_metadata {
                entry.assets.push(ExternalAsset {
                    name: format!("{}{METADATA_SUFFIX}", file.filename),
                    url: format!("{}{METADATA_SUFFIX}", file.url),
                    expected: ExpectedDigests {
                        sha256: file.core_metadata_sha256.as_deref().and_then(|s| s.parse().ok()),
                        ..ExpectedDigests::default()
                    },
                    attributes: json!({ METADATA_OF: file.filename }),
                });
            }
            entry.assets.push(ExternalAsset {
                attributes: file_attributes(
                    file.requires_python.as_deref(),
                    &file.yanked,
                    file.upload_time,
                    Some(dist.kind.filetype()),
                    dist.python_tag.as_deref(),
                ),
                name: file.filename,
                url: file.url,
                expected: ExpectedDigests {
                    sha256,
                    md5: if sha256.is_none() { file.md5.as_deref().and_then(|s| s.parse::<Md5>().ok()) } else { None },
                    size: file.size,
                    ..ExpectedDigests::default()
                },
            });
        }
        let display_name = page.name.unwrap_or_default();
        Ok(ExternalPackage {
            display_name,
            versions: versions.into_values().map(Arc::new).collect(),
            dist_tags: BTreeMap::new(),
            pages: Vec::new(),
        })
    }
}

/// What a wheel fetched from upstream (small enough to read in memory) tells of its version:
/// its metadata, and its METADATA kept as `{wheel}.metadata`, as an upload would keep it.
fn read_wheel_metadata(name: &str, bytes: &[u8]) -> Option<FileDescription> {
    let dist = parse_filename(name).ok()?;
    let raw = core_metadata(std::io::Cursor::new(bytes), &dist, &Limits::default()).ok()?;
    let metadata = parse_core_metadata(&raw).ok()?.version_metadata();
    let companion = CompanionFile {
        name: format!("{name}{METADATA_SUFFIX}"),
        bytes: bytes::Bytes::from(raw),
        attributes: json!({ METADATA_OF: name }),
    };
    Some(FileDescription { metadata, companions: vec![companion] })
}

/// The per-file attributes kept with a file.
fn file_attributes(
    requires_python: Option<&str>,
    yanked: &Yanked,
    upload_time: Option<DateTime<Utc>>,
    packagetype: Option<&str>,
    python_version: Option<&str>,
) -> Value {
    let mut attributes = serde_json::Map::new();
    if let Some(r) = requires_python.filter(|r| !r.is_empty()) {
        attributes.insert("requires_python".to_owned(), json!(r));
    }
    match yanked {
        Yanked::No => {}
        Yanked::Yes => {
            attributes.insert("yanked".to_owned(), json!(true));
        }
        Yanked::Reason(reason) => {
            attributes.insert("yanked".to_owned(), json!(reason));
        }
    }
    if let Some(t) = upload_time {
        attributes.insert("upload_time".to_owned(), json!(t.to_rfc3339_opts(SecondsFormat::Micros, true)));
    }
    if let Some(p) = packagetype {
        attributes.insert("packagetype".to_owned(), json!(p));
    }
    if let Some(p) = python_version {
        attributes.insert("python_version".to_owned(), json!(p));
    }
    Value::Object(attributes)
}

/// The coordinates of a project (by its normalized name).
pub fn coordinates(project: &str) -> PackageCoordinates {
    PackageCoordinates { format: PackageFormat::Pypi, namespace: String::new(), name: normalize(project) }
}

fn project_not_found(project: &str, target: &RepoTarget) -> ServiceError {
    ServiceError::not_found(
        ResourceType::Package,
        project,
        format!("project `{project}` is not in `{}` nor its upstreams", target.repository),
    )
}

/// The path of a file under the endpoint: `files/{project}/{version}/{filename}`.
pub fn file_path(project: &str, version: &str, filename: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    format!(
        "files/{}/{}/{}",
        utf8_percent_encode(project, SEGMENT),
        utf8_percent_encode(version, SEGMENT),
        utf8_percent_encode(filename, SEGMENT)
    )
}

/// The simple page of `project` (normalized) as `target` serves it, cached until the package
/// or the graph changes; `endpoint` is the repository's PyPI endpoint URL, ending in `/`.
pub async fn project_page(
    service: &Service,
    target: &RepoTarget,
    project: &str,
    format: SimpleFormat,
    endpoint: &str,
) -> Result<Arc<Document>, ServiceError> {
    let rendering = format!("{format:?} {endpoint}");
    let coordinates = coordinates(project);
    service
        .document(target, &coordinates, &rendering, || async {
            let view = service.package_view(target, &PypiAdapter, &coordinates).await?;
            let page = simple_project(project, &view, endpoint).ok_or_else(|| match &view.upstream_error {
                Some(e) => e.clone(),
                None => project_not_found(project, target),
            })?;
            Ok(render_project(&page, format))
        })
        .await
}

/// The project's page from its view; `None` when no version can be installed.
fn simple_project(project: &str, view: &PackageView, endpoint: &str) -> Option<SimpleProject> {
    let mut versions: Vec<&String> = view.versions.keys().collect();
    versions.sort_by(|a, b| compare_versions(a, b));
    let mut page = SimpleProject { name: project.to_owned(), files: Vec::new(), versions: Vec::new() };
    let mut any = false;
    for version in versions {
        let winner = &view.versions[version];
        if let VersionSource::Stored { record, .. } = winner
            && !record.status.is_downloadable()
        {
            continue;
        }
        let listed = winner.is_listed();
        let files = view.files(version);
        for (source, file) in &files {
            if is_core_metadata(file.name()) {
                continue;
            }
            any = true;
            let attributes = file.attributes();
            let text = |key: &str| attributes.get(key).and_then(Value::as_str).map(str::to_owned);
            let metadata_name = format!("{}{METADATA_SUFFIX}", file.name());
            let core_metadata_sha256 =
                files.iter().find(|(_, m)| m.name() == metadata_name).and_then(|(_, m)| m.sha256()).map(|d| d.to_hex());
            let yanked = if listed {
                match attributes.get("yanked") {
                    Some(Value::Bool(true)) => Yanked::Yes,
                    Some(Value::String(reason)) => Yanked::Reason(reason.clone()),
                    _ => Yanked::No,
                }
            } else {
                Yanked::Reason("unlisted: installable only by an exact pin".to_owned())
            };
            let upload_time = text("upload_time")
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.to_utc())
                .or_else(|| source.published_at());
            page.files.push(SimpleFile {
                filename: file.name().to_owned(),
                url: format!("{endpoint}{}", file_path(project, version, file.name())),
                sha256: file.sha256().map(|d| d.to_hex()),
                requires_python: text("requires_python"),
                yanked,
                core_metadata_sha256,
                size: file.size(),
                upload_time,
            });
        }
        if listed && !files.is_empty() {
            page.versions.push(version.clone());
        }
    }
    any.then_some(page)
}

/// The root `simple/` page: the projects stored in `target` itself (the public index's list of
/// every project is not merged in: clients never need it).
pub async fn index_page(service: &Service, target: &RepoTarget, format: SimpleFormat) -> Result<Vec<u8>, ServiceError> {
    let packages = service.search_local(target, PackageFormat::Pypi, "", 100_000).await?;
    let projects: Vec<(String, String)> = packages.into_iter().map(|p| (p.display_name, p.coordinates.name)).collect();
    Ok(render_index(&projects, format))
}

/// Opens `filename` of `version` of `project` for download, retaining it on the way.
pub async fn download(
    service: &Service,
    target: &RepoTarget,
    project: &str,
    version: &str,
    filename: &str,
) -> Result<AssetBody, ServiceError> {
    let version = normalize_version(version).unwrap_or_else(|| version.to_owned());
    service.fetch_asset(target, &PypiAdapter, &coordinates(project), &version, filename).await
}

/// The file part of an upload, spooled to a temporary file by the HTTP layer.
#[derive(Debug)]
pub struct UploadedFile {
    /// The file name the client gave.
    pub filename: String,
    /// The bytes.
    pub file: std::fs::File,
    /// How many bytes.
    pub size: u64,
}

/// What an upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploaded {
    /// A new version.
    NewVersion,
    /// A new file of an existing version.
    NewFile,
    /// The very same file was there already; nothing changed.
    AlreadyThere,
}

/// Handles `:action=file_upload` (what `twine upload` posts): checks the form, the file name and
/// the core metadata inside the file against each other, stores the file (checked against the
/// declared digests) and, for a wheel, its core metadata, then publishes them in one write.
pub async fn upload(
    service: &Service,
    target: &RepoTarget,
    fields: &[(String, String)],
    upload: UploadedFile,
) -> Result<Uploaded, ServiceError> {
    let form = parse_upload_form(fields)?;
    let dist = parse_filename(&upload.filename)?;
    let mut file = upload.file;
    let inspected = file.try_clone().map_err(|e| ServiceError::internal(format!("the upload cannot be read: {e}")))?;
    let kind_dist = dist.clone();
    let metadata_bytes = tokio::task::spawn_blocking(move || {
        let mut reader = inspected;
        reader
            .seek(SeekFrom::Start(0))
            .map_err(|e| ServiceError::internal(format!("the upload cannot be read: {e}")))?;
        core_metadata(std::io::BufReader::new(reader), &kind_dist, &Limits::default()).map_err(ServiceError::from)
    })
    .await
    .map_err(|e| ServiceError::internal(format!("reading the upload failed: {e}")))??;
    let core = parse_core_metadata(&metadata_bytes)?;
    check_upload(&form, &dist, &core)?;

    let expected = ExpectedDigests {
        sha256: parse_digest(form.sha256_digest.as_deref(), "sha256_digest")?,
        md5: parse_digest(form.md5_digest.as_deref(), "md5_digest")?,
        size: Some(upload.size),
        ..ExpectedDigests::default()
    };
    file.seek(SeekFrom::Start(0)).map_err(|e| ServiceError::internal(format!("the upload cannot be read: {e}")))?;
    let body = tributary_engine::data_plane::file_stream(file);
    let digests = service.store_blob(&target.domain, body, &expected).await.map_err(|e| {
        if e.kind == ErrorKind::Validation {
            ServiceError::validation(format!(
                "the file `{}` does not match the digest its upload declared: {}; build and upload it again",
                upload.filename, e.message
            ))
        } else {
            e
        }
    })?;
    let now = Utc::now();
    let mut assets = vec![AssetRecord {
        attributes: file_attributes(
            core.requires_python.as_deref(),
            &Yanked::No,
            Some(now),
            Some(dist.kind.filetype()),
            form.pyversion.as_deref(),
        ),
        ..asset_record(&upload.filename, &digests)
    }];
    if dist.kind == DistKind::Wheel {
        let stored =
            service.store_blob(&target.domain, body_from_bytes(metadata_bytes), &ExpectedDigests::default()).await?;
        assets.push(AssetRecord {
            attributes: json!({ METADATA_OF: upload.filename }),
            ..asset_record(&format!("{}{METADATA_SUFFIX}", upload.filename), &stored)
        });
    }
    let version = normalize_version(&core.version).unwrap_or_else(|| core.version.clone());
    let new = NewVersion {
        version,
        status: VersionStatus::Published,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: core.version_metadata(),
        format_metadata: json!({
            "name": core.name,
            "summary": core.summary,
            "requires_python": core.requires_python,
            "metadata_version": core.metadata_version,
        }),
        published_at: now,
        assets,
    };
    let outcome =
        service.publish(target, &PypiAdapter, &coordinates(&core.name), &core.name, new, &BTreeMap::new()).await?;
    Ok(match outcome {
        PutOutcome::Created(_) => Uploaded::NewVersion,
        PutOutcome::Extended(_) => Uploaded::NewFile,
        PutOutcome::Unchanged(_) => Uploaded::AlreadyThere,
    })
}

fn parse_digest<T: std::str::FromStr>(value: Option<&str>, field: &str) -> Result<Option<T>, ServiceError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                ServiceError::validation(format!("the form field `{field}` is `{v}`, which is not a hex digest"))
            })
        })
        .transpose()
}
