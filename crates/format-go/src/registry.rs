//! Go modules over the engine: with [`crate::plane`] and [`crate::origin`] (which runs the go
//! command), the only module of this crate that does I/O, here through `tributary-engine`. The
//! endpoint calls one function per request.
//!
//! - A module is a package whose namespace and name are its path split by
//!   [`crate::module::split`]; a version holds three files, `{version}.info`, `.mod` and `.zip`,
//!   the `.zip` and `.mod` with their `h1:` hashes as attributes when Tributary computed them.
//! - Upstream, a gateway's `public:go-proxy` connection is a module proxy: its `@v/list` is the
//!   package document, and any version's files are fetched on request, listed or not (proxies
//!   serve pseudo-versions they do not list).
//! - A module published to the domain is private: asked for a version it does not have, a
//!   repository answers 403, not 404, so `GOPROXY=ours,next` does not ask `next` for its path.
//! - The checksum database is passed through from the gateway's proxy (`{proxy}/sumdb/{name}/…`,
//!   which the public proxy serves), tiles and lookups cached for good, `/latest` kept for when
//!   the proxy cannot be reached.

use std::collections::BTreeMap;

use chrono::Utc;
use serde_json::json;
use tributary_engine::content::{ExpectedDigests, body_from_bytes};
use tributary_engine::data_plane::file_stream;
use tributary_engine::formats::{CheckFuture, CheckedFile, ExternalAsset, ExternalPackage, FormatAdapter, IngestCheck};
use tributary_engine::{AssetBody, Document, PackageView, RepoTarget, Service, VersionSource, asset_record, off_io};
use tributary_model::records::{NewVersion, PutOutcome};
use tributary_model::{
    ErrorKind, OriginType, PackageCoordinates, PackageFormat, ResourceType, ServiceError, VersionOrigin, VersionStatus,
};

use crate::hash::go_mod_h1;
use crate::module::{self, escape};
use crate::proxy::{self, asset_name};
use crate::sumdb::{self, VerifierKey};
use crate::version::GoVersion;

/// What the engine needs to know of Go.
#[derive(Debug, Clone, Copy)]
pub struct GoAdapter;

impl FormatAdapter for GoAdapter {
    fn format(&self) -> PackageFormat {
        PackageFormat::Go
    }

    fn upstream_metadata_url(&self, base_url: &str, package: &PackageCoordinates) -> Option<String> {
        Some(proxy::list_url(base_url, &module::join(&package.namespace, &package.name)))
    }

    fn metadata_accept(&self) -> &'static str {
        "text/plain"
    }

    fn ingest_check(&self, setting: Option<&str>, file: &str) -> Option<std::sync::Arc<dyn IngestCheck>> {
        // Only with a checksum database's key set; a module's zip and go.mod are in the
        // database, its .info is not.
        let setting = setting?;
        (file.ends_with(".zip") || file.ends_with(".mod")).then(|| {
            std::sync::Arc::new(SumdbCheck { key: VerifierKey::parse(setting) }) as std::sync::Arc<dyn IngestCheck>
        })
    }

    fn registry_declares_digests(&self) -> bool {
        // A module proxy declares none: the go command checks each module against its checksum
        // database, which each repository passes through.
        false
    }

    fn parse_upstream(&self, bytes: &[u8], _: Option<&str>, url: &str) -> Result<ExternalPackage, String> {
        // `{base}/{escaped module}/@v/list`: the files are beside the list.
        let files_url = url.strip_suffix("list").filter(|u| u.ends_with("/@v/"));
        let files_url = files_url.ok_or_else(|| format!("`{url}` is not a module's version list"))?;
        let mut package = proxy::parse_list(bytes, files_url)?;
        package.display_name = display_name_of(files_url.trim_end_matches("/@v/"))?;
        Ok(package)
    }

    fn unlisted_asset(
        &self,
        base_url: &str,
        package: &PackageCoordinates,
        version: &str,
        file: &str,
    ) -> Option<ExternalAsset> {
        let kind = file.strip_prefix(version)?.strip_prefix('.')?;
        if !proxy::FILE_KINDS.contains(&kind) || GoVersion::parse(version).is_err() {
            return None;
        }
        let module_path = module::join(&package.namespace, &package.name);
        Some(proxy::external_asset(&proxy::files_url(base_url, &module_path), version, kind))
    }
}

/// The check of a module's zip or go.mod fetched through a proxy against the checksum database
/// whose key is configured (`go_sumdb`), read through that proxy's pass-through
/// (`{proxy}/sumdb/{name}/…`): the lookup's signed tree verified with the key, the record
/// proven in it from the tiles, and the file's `h1:` hash equal to the record's. A module the
/// database does not have is refused too. (Each lookup is proven in the tree it comes with;
/// consistency between the trees of successive lookups is not checked.)
#[derive(Debug)]
struct SumdbCheck {
    key: Result<VerifierKey, String>,
}

impl IngestCheck for SumdbCheck {
    fn check<'a>(&'a self, file: CheckedFile<'a>) -> CheckFuture<'a, ()> {
        Box::pin(async move {
            let key = self.key.as_ref().map_err(Clone::clone)?;
            let module_path = module::join(&file.package.namespace, &file.package.name);
            let lookup_path = format!("sumdb/{}/lookup/{}@{}", key.name, escape(&module_path), escape(file.version));
            let answer = file.registry.read(&lookup_path, true).await?.ok_or_else(|| {
                format!("{module_path}@{} is not in the checksum database `{}`", file.version, key.name)
            })?;
            let lookup = sumdb::parse_lookup(&answer)?;
            let tree = key.verify_tree(lookup.signed_tree)?;
            let leaf = sumdb::record_hash(lookup.record.as_bytes());
            let root = sumdb::root_with_record(tree.size, lookup.id, leaf, |tile| {
                let path = format!("sumdb/{}/{}", key.name, tile.path());
                async move {
                    file.registry
                        .read(&path, true)
                        .await?
                        .map(|b| b.to_vec())
                        .ok_or_else(|| format!("the tile `{path}` is missing"))
                }
            })
            .await?;
            if root != tree.hash {
                return Err(format!(
                    "the checksum database's record of {module_path}@{} is not in its signed tree",
                    file.version
                ));
            }
            let (zip_h1, mod_h1) = sumdb::record_hashes(lookup.record, &module_path, file.version);
            let (recorded, actual) = if file.file.ends_with(".zip") {
                let bytes = file.bytes;
                (zip_h1, off_io(move || crate::modzip::zip_h1(bytes)).await.map_err(|e| e.message)??)
            } else {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut &file.bytes, &mut bytes)
                    .map_err(|e| format!("the go.mod cannot be read: {e}"))?;
                (mod_h1, go_mod_h1(&bytes))
            };
            match recorded {
                Some(recorded) if recorded == actual => Ok(()),
                Some(recorded) => Err(format!(
                    "checksum mismatch for {module_path}@{}: the checksum database `{}` records {recorded}, the file hashes to {actual}",
                    file.version, key.name
                )),
                None => Err(format!(
                    "the checksum database's record of {module_path}@{} has no hash of its {}",
                    file.version, file.file
                )),
            }
        })
    }
}

/// The display name ([`module::split`]'s name) of the module whose escaped path ends `url`:
/// the split reads only a path's last two elements.
fn display_name_of(url: &str) -> Result<String, String> {
    let mut elements = url.rsplit('/');
    let last = module::unescape(elements.next().unwrap_or_default())?;
    let before = module::unescape(elements.next().unwrap_or_default())?;
    Ok(module::split(&format!("{before}/{last}")).1)
}

/// The coordinates of a module path.
pub fn coordinates(module_path: &str) -> PackageCoordinates {
    let (namespace, name) = module::split(module_path);
    PackageCoordinates { format: PackageFormat::Go, namespace, name }
}

fn not_found(what: &str, target: &RepoTarget) -> ServiceError {
    ServiceError::new(ErrorKind::NotFound, format!("{what} is not in `{}` nor its upstreams", target.repository))
}

/// Whether the module is held privately in the domain: published (not fetched) to a repository
/// of the search order.
fn is_private(view: &PackageView) -> bool {
    view.versions.values().chain(view.shadowed.values().flatten()).any(|source| {
        matches!(source, VersionSource::Stored { record, .. } if record.origin.origin_type == OriginType::Internal)
    })
}

/// The 403 for a module held here that lacks what was asked: the go command stops at it
/// rather than asking the next proxy in `GOPROXY` for a private path.
fn private_refusal(module_path: &str, what: &str, target: &RepoTarget) -> ServiceError {
    ServiceError::new(
        ErrorKind::AccessDenied,
        format!(
            "{what} of `{module_path}` is not in `{}`; the module is published privately in this domain, so no other proxy is asked for it",
            target.repository
        ),
    )
}

/// The versions a view can serve.
fn versions(view: &PackageView) -> Vec<GoVersion> {
    view.versions
        .iter()
        .filter(|(_, source)| match source {
            VersionSource::Stored { record, .. } => record.status.is_downloadable(),
            VersionSource::External { .. } => true,
        })
        .filter_map(|(version, _)| GoVersion::parse(version).ok())
        .collect()
}

/// `@v/list`.
pub async fn list(
    service: &Service,
    target: &RepoTarget,
    module_path: &str,
) -> Result<std::sync::Arc<Document>, ServiceError> {
    service
        .document(target, &coordinates(module_path), "list", || async {
            let view = service.package_view(target, &GoAdapter, &coordinates(module_path)).await?;
            let found = versions(&view);
            if found.is_empty() && !is_private(&view) {
                if let Some(e) = view.upstream_error {
                    return Err(e);
                }
                // A module without tags has an empty list and a pseudo-version at `@latest`:
                // an empty list here, so that the go command asks for `@latest`.
                if upstream_latest(service, target, module_path).await.is_none() {
                    return Err(not_found(&format!("the module `{module_path}`"), target));
                }
            }
            Ok(proxy::list(&found))
        })
        .await
}

/// A version's `.info`, `.mod` or `.zip`, retaining the version on the way.
pub async fn file(
    service: &Service,
    target: &RepoTarget,
    module_path: &str,
    version: &GoVersion,
    kind: &str,
) -> Result<AssetBody, ServiceError> {
    let coordinates = coordinates(module_path);
    let asset = asset_name(version.as_str(), kind);
    match service.fetch_asset(target, &GoAdapter, &coordinates, version.as_str(), &asset).await {
        Err(e) if e.kind == ErrorKind::NotFound => {
            let view = service.package_view(target, &GoAdapter, &coordinates).await?;
            Err(if is_private(&view) { private_refusal(module_path, &format!("`{version}`"), target) } else { e })
        }
        other => other,
    }
}

/// `@latest`: the `.info` of the version the go command would pick from the list (a pseudo-
/// version only when nothing else is there); for a module with no version here nor listed
/// upstream, the first gateway proxy's own `@latest`.
pub async fn latest(service: &Service, target: &RepoTarget, module_path: &str) -> Result<LatestInfo, ServiceError> {
    let view = service.package_view(target, &GoAdapter, &coordinates(module_path)).await?;
    let found = versions(&view);
    if let Some(version) = crate::version::latest(&found) {
        return file(service, target, module_path, version, "info").await.map(LatestInfo::Stored);
    }
    if is_private(&view) {
        return Err(private_refusal(module_path, "a version", target));
    }
    if let Some(bytes) = upstream_latest(service, target, module_path).await {
        return Ok(LatestInfo::Upstream(bytes));
    }
    Err(match view.upstream_error {
        Some(e) => e,
        None => not_found(&format!("the module `{module_path}`"), target),
    })
}

/// The first gateway proxy's `@latest` of the module, when one answers with an `.info`.
async fn upstream_latest(service: &Service, target: &RepoTarget, module_path: &str) -> Option<Vec<u8>> {
    let path = format!("{}/@latest", escape(module_path));
    let answers = service.external_documents(target, &GoAdapter, |base| Some(format!("{base}/{path}"))).await;
    answers.into_iter().find_map(|(_, answer)| {
        let bytes = answer.ok().flatten()?;
        proxy::read_info(&bytes).is_ok().then(|| bytes.to_vec())
    })
}

/// What `@latest` answers with.
#[derive(Debug)]
pub enum LatestInfo {
    /// A version's `.info`, from the chain.
    Stored(AssetBody),
    /// An upstream proxy's answer, passed through.
    Upstream(Vec<u8>),
}

/// Publishes a version from its module zip (spooled): the zip is checked by the module zip
/// rules, its `go.mod` becomes the version's `.mod` and its `.info` says now. A version is
/// immutable: the same zip again changes nothing, another is a conflict.
pub async fn publish_zip(
    service: &Service,
    target: &RepoTarget,
    module_path: &str,
    version: &GoVersion,
    spooled: std::fs::File,
) -> Result<bool, ServiceError> {
    let reading =
        spooled.try_clone().map_err(|e| ServiceError::internal(format!("cannot read the spooled zip: {e}")))?;
    let (module_owned, version_owned) = (module_path.to_owned(), version.as_str().to_owned());
    let inspected = off_io(move || crate::modzip::inspect(reading, &module_owned, &version_owned, true))
        .await?
        .map_err(|e| ServiceError::validation(format!("the module zip of {module_path}@{version} is refused: {e}")))?;
    let go_mod = inspected.go_mod.clone().unwrap_or_default();
    let mut spooled = spooled;
    std::io::Seek::rewind(&mut spooled)
        .map_err(|e| ServiceError::internal(format!("cannot read the spooled zip: {e}")))?;
    let domain = &target.domain;
    let zip = service.store_blob(domain, file_stream(spooled), &ExpectedDigests::default()).await?;
    // The same zip again changes nothing (its `.info`, made now, would differ by its time).
    let coordinates = coordinates(module_path);
    if let Some(package) = service.local_package(target, &coordinates).await?
        && let Some(existing) =
            service.local_versions(&package).await?.into_iter().find(|v| v.version == version.as_str())
    {
        let zip_name = asset_name(version.as_str(), "zip");
        if existing.assets.iter().any(|a| a.name == zip_name && a.sha256 == zip.sha256) {
            return Ok(false);
        }
        return Err(ServiceError::new(
            ErrorKind::Conflict,
            format!(
                "{module_path}@{version} is already published with another zip, and published versions are immutable"
            ),
        ));
    }
    let mod_h1 = go_mod_h1(&go_mod);
    let mod_digests = service.store_blob(domain, body_from_bytes(go_mod), &ExpectedDigests::default()).await?;
    let now = Utc::now();
    let info = proxy::info(version.as_str(), now);
    let info_digests = service.store_blob(domain, body_from_bytes(info), &ExpectedDigests::default()).await?;
    let with_h1 = |mut record: tributary_model::records::AssetRecord, h1: &str| {
        record.attributes = json!({ "h1": h1 });
        record
    };
    let new = NewVersion {
        version: version.as_str().to_owned(),
        status: VersionStatus::Published,
        origin: VersionOrigin { origin_type: OriginType::Internal, repository: None, external_connection: None },
        metadata: Default::default(),
        format_metadata: json!({ "module": module_path, "h1": inspected.h1, "goModH1": mod_h1 }),
        published_at: now,
        assets: vec![
            asset_record(&asset_name(version.as_str(), "info"), &info_digests),
            with_h1(asset_record(&asset_name(version.as_str(), "mod"), &mod_digests), &mod_h1),
            with_h1(asset_record(&asset_name(version.as_str(), "zip"), &zip), &inspected.h1),
        ],
    };
    let display_name = coordinates.name.clone();
    let outcome = service
        .publish(target, &GoAdapter, &coordinates, &display_name, new, &BTreeMap::new())
        .await
        .map_err(|e| match e.kind {
            ErrorKind::Conflict => ServiceError::new(
                ErrorKind::Conflict,
                format!("{module_path}@{version} is already published with other content, and published versions are immutable: {}", e.message),
            ),
            _ => e,
        })?;
    Ok(matches!(outcome, PutOutcome::Created(_)))
}

/// A `.mod` or `.info` put for a version: the `.zip` publishes a version and both are derived
/// from it, so one put afterwards is accepted only when it is what is stored.
pub async fn confirm_file(
    service: &Service,
    target: &RepoTarget,
    module_path: &str,
    version: &GoVersion,
    kind: &str,
    bytes: &[u8],
) -> Result<(), ServiceError> {
    let name = asset_name(version.as_str(), kind);
    let missing = || {
        ServiceError::not_found(
            ResourceType::PackageVersion,
            format!("{module_path}@{version}"),
            format!(
                "{module_path}@{version} is not published in `{}`: PUT its .zip first (the .mod and .info come from it)",
                target.repository
            ),
        )
    };
    let package = service.local_package(target, &coordinates(module_path)).await?.ok_or_else(missing)?;
    let record = service
        .local_versions(&package)
        .await?
        .into_iter()
        .find(|v| v.version == version.as_str())
        .ok_or_else(missing)?;
    let stored = record.assets.iter().find(|a| a.name == name).ok_or_else(missing)?;
    let same = match kind {
        // An .info agrees when it names the version; its time is the server's.
        "info" => proxy::read_info(bytes).map_err(ServiceError::validation)?.0 == version.as_str(),
        _ => {
            use sha2::Digest as _;
            let digest: [u8; 32] = sha2::Sha256::digest(bytes).into();
            stored.sha256 == digest.into()
        }
    };
    if same {
        Ok(())
    } else {
        Err(ServiceError::new(
            ErrorKind::Conflict,
            format!(
                "{module_path}@{version} is published, and its {kind} differs from this one: published versions are immutable"
            ),
        ))
    }
}

/// Whether any repository of the search order reaches a Go proxy (whose checksum database is
/// then passed through).
pub fn reaches_a_proxy(target: &RepoTarget) -> bool {
    target.reaches_external_connection(PackageFormat::Go)
}

/// A checksum-database request (`lookup/…`, `tile/…`, `latest`) passed to the gateways' proxies
/// in search order; the first that answers is served. Tiles and lookups never change and are
/// cached; `/latest` is fetched each time, the last answer kept for when no proxy answers.
pub async fn sumdb(service: &Service, target: &RepoTarget, name: &str, path: &str) -> Result<Vec<u8>, ServiceError> {
    let immutable = path != "latest";
    let url_of = |base: &str| Some(format!("{base}/sumdb/{name}/{path}"));
    match service.external_document_cached(target, &GoAdapter, url_of, immutable).await? {
        Some(bytes) => Ok(bytes.to_vec()),
        None => Err(not_found(&format!("`sumdb/{name}/{path}`"), target)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_adapter_reads_lists_and_serves_unlisted_versions() {
        let coordinates = coordinates("example.com/Acme/m");
        let url = GoAdapter.upstream_metadata_url("http://p/proxy", &coordinates).expect("a url");
        assert_eq!(url, "http://p/proxy/example.com/!acme/m/@v/list");
        let package = GoAdapter.parse_upstream(b"v1.0.0\n", None, &url).expect("a list");
        assert_eq!(package.display_name, "m");
        let v2 = GoAdapter.parse_upstream(b"", None, "http://p/example.com/!acme/m/v2/@v/list").expect("a list");
        assert_eq!(v2.display_name, "m/v2");
        let short = GoAdapter.parse_upstream(b"", None, "http://p/example.com/v2/@v/list").expect("a list");
        assert_eq!(short.display_name, "example.com/v2", "as module::split names it");
        assert_eq!(package.versions[0].assets[1].url, "http://p/proxy/example.com/!acme/m/@v/v1.0.0.mod");
        let pseudo = "v0.0.0-20200101000000-abcdefabcdef";
        let asset =
            GoAdapter.unlisted_asset("http://p", &coordinates, pseudo, &format!("{pseudo}.zip")).expect("an asset");
        assert_eq!(asset.url, format!("http://p/example.com/!acme/m/@v/{pseudo}.zip"));
        assert!(GoAdapter.unlisted_asset("http://p", &coordinates, "v1", "v1.zip").is_none());
        assert!(GoAdapter.unlisted_asset("http://p", &coordinates, "v1.0.0", "v1.0.0.tar").is_none());
    }
}
