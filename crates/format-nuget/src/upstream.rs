//! What a NuGet v3 registry (nuget.org, or any other) serves, read: its service index, the
//! registration documents of a package (index and pages), its search results. Pure.
//!
//! Registration documents of the `-gz` hives come gzip-encoded whatever the request asked;
//! a body that starts with gzip's magic is inflated here, under a limit.

use std::io::Read;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Value, json};
use tributary_engine::content::ExpectedDigests;
use tributary_engine::formats::{ExternalAsset, ExternalPackage, ExternalVersion};

use crate::nuspec::version_metadata;
use crate::package::{nupkg_name, nuspec_name};
use crate::version::NugetVersion;

/// The largest document inflated from gzip.
const MAX_INFLATED: u64 = 256 * 1024 * 1024;

/// The parts of a registry its service index names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resources {
    /// The registrations base, SemVer 2 hive when there is one (ends with `/`).
    pub registrations: String,
    /// The flat container (ends with `/`).
    pub flat_container: Option<String>,
    /// The search service.
    pub search: Option<String>,
    /// The vulnerability index (`VulnerabilityInfo/6.7.0`).
    #[serde(default)]
    pub vulnerabilities: Option<String>,
}

impl Resources {
    /// As the engine keeps it (the "base" its metadata URLs are made from).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What [`Resources::encode`] made.
    pub fn decode(base: &str) -> Option<Self> {
        serde_json::from_str(base).ok()
    }
}

/// The bytes, inflated when they are gzip.
pub fn inflate(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(bytes).take(MAX_INFLATED + 1);
    decoder.read_to_end(&mut out).map_err(|e| format!("its gzip encoding is corrupt ({e})"))?;
    if out.len() as u64 > MAX_INFLATED {
        return Err(format!("it inflates to more than {MAX_INFLATED} bytes"));
    }
    Ok(std::borrow::Cow::Owned(out))
}

fn resource_types(resource: &Value) -> Vec<&str> {
    match resource.get("@type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Reads a service index (`v3/index.json`).
pub fn parse_service_index(bytes: &[u8]) -> Result<Resources, String> {
    let bytes = inflate(bytes)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let resources = doc.get("resources").and_then(Value::as_array).ok_or("it has no `resources`")?;
    let find = |preferred: &[&str]| -> Option<String> {
        preferred.iter().find_map(|wanted| {
            resources.iter().find_map(|r| {
                (resource_types(r).contains(wanted))
                    .then(|| r.get("@id").and_then(Value::as_str))
                    .flatten()
                    .map(str::to_owned)
            })
        })
    };
    let slash = |mut url: String| {
        if !url.ends_with('/') {
            url.push('/');
        }
        url
    };
    let registrations = find(&[
        "RegistrationsBaseUrl/3.6.0",
        "RegistrationsBaseUrl/Versioned",
        "RegistrationsBaseUrl/3.4.0",
        "RegistrationsBaseUrl/3.0.0-rc",
        "RegistrationsBaseUrl/3.0.0-beta",
        "RegistrationsBaseUrl",
    ])
    .ok_or("it names no `RegistrationsBaseUrl`")?;
    Ok(Resources {
        registrations: slash(registrations),
        flat_container: find(&["PackageBaseAddress/3.0.0"]).map(slash),
        search: find(&["SearchQueryService/3.5.0", "SearchQueryService/3.0.0-rc", "SearchQueryService"]),
        vulnerabilities: find(&["VulnerabilityInfo/6.7.0"]),
    })
}

/// A vulnerability index (`[{"@name": "base", "@id": URL, "@updated": ...}, ...]`): each page's
/// name and URL. Names other than letters, digits, `-` and `_` are left out (they become paths).
pub fn parse_vulnerability_index(bytes: &[u8]) -> Result<Vec<(String, String, Value)>, String> {
    let bytes = inflate(bytes)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let pages = doc.as_array().ok_or("it is not a list")?;
    Ok(pages
        .iter()
        .filter_map(|page| {
            let name = page.get("@name").and_then(Value::as_str)?;
            let url = page.get("@id").and_then(Value::as_str)?;
            let safe = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            safe.then(|| (name.to_owned(), url.to_owned(), page.clone()))
        })
        .collect())
}

/// Reads a registration index: its inlined versions, and the pages it links to instead.
pub fn parse_registration_index(bytes: &[u8], id: &str) -> Result<ExternalPackage, String> {
    let bytes = inflate(bytes)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let pages = doc.get("items").and_then(Value::as_array).ok_or("it has no `items`")?;
    let mut package = ExternalPackage { display_name: id.to_owned(), ..ExternalPackage::default() };
    for page in pages {
        match page.get("items").and_then(Value::as_array) {
            Some(leaves) => package.versions.extend(leaves.iter().filter_map(read_leaf)),
            None => {
                let url = page.get("@id").and_then(Value::as_str).ok_or("a page has neither `items` nor `@id`")?;
                package.pages.push(url.to_owned());
            }
        }
    }
    if let Some(first) = package.versions.first().and_then(|v| v.format_metadata.to_value().get("id").cloned()) {
        package.display_name = first.as_str().unwrap_or(id).to_owned();
    }
    Ok(package)
}

/// Reads a registration page.
pub fn parse_registration_page(bytes: &[u8]) -> Result<Vec<Arc<ExternalVersion>>, String> {
    let bytes = inflate(bytes)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let leaves = doc.get("items").and_then(Value::as_array).ok_or("it has no `items`")?;
    Ok(leaves.iter().filter_map(read_leaf).collect())
}

/// One leaf of a registration: a version with its catalog entry and its files. A leaf that
/// cannot be read (no version, no package content) is skipped: one bad version does not hide a
/// package.
fn read_leaf(leaf: &Value) -> Option<Arc<ExternalVersion>> {
    let entry = leaf.get("catalogEntry").filter(|e| e.is_object())?;
    let id = entry.get("id").and_then(Value::as_str)?;
    let written = entry.get("version").and_then(Value::as_str)?;
    let version = NugetVersion::parse(written).ok()?;
    let content =
        leaf.get("packageContent").or_else(|| entry.get("packageContent")).and_then(Value::as_str)?.to_owned();
    let mut kept = entry.clone();
    if let Some(map) = kept.as_object_mut() {
        map.remove("@id");
        map.remove("@type");
        map.remove("packageContent");
        map.insert("version".into(), json!(version.full()));
        // Unlisted on nuget.org: `listed: false`, or published in 1900.
        let published = map.get("published").and_then(Value::as_str).unwrap_or_default().to_owned();
        if !map.contains_key("listed") {
            map.insert("listed".into(), json!(!published.starts_with("1900")));
        }
    }
    let published_at = entry
        .get("published")
        .and_then(Value::as_str)
        .and_then(|p| chrono::DateTime::parse_from_rfc3339(p).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .filter(|d| chrono::Datelike::year(d) > 1900);
    let mut expected = ExpectedDigests::default();
    let algorithm = entry.get("packageHashAlgorithm").and_then(Value::as_str).unwrap_or("SHA512");
    if let Some(hash) = entry.get("packageHash").and_then(Value::as_str)
        && algorithm.eq_ignore_ascii_case("SHA512")
        && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(hash)
    {
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        expected.sha512 = hex.parse().ok();
    }
    if let Some(size) = entry.get("packageSize").and_then(Value::as_u64) {
        expected.size = Some(size);
    }
    let key = version.key();
    // The nuspec sits beside the package in a flat container.
    let nuspec_url = content.rsplit_once('/').map(|(dir, _)| format!("{dir}/{}", nuspec_name(id)));
    let mut assets =
        vec![ExternalAsset { name: nupkg_name(id, &version), url: content, expected, attributes: json!({}) }];
    if let Some(url) = nuspec_url {
        assets.push(ExternalAsset {
            name: nuspec_name(id),
            url,
            expected: ExpectedDigests::default(),
            attributes: json!({}),
        });
    }
    Some(Arc::new(ExternalVersion {
        version: key,
        metadata: version_metadata(&kept),
        format_metadata: kept.into(),
        published_at,
        assets,
    }))
}

/// One package of an upstream's search results, as this server shows it.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The result as the registry sent it.
    pub raw: Value,
    /// The id.
    pub id: String,
    /// Its versions, as written.
    pub versions: Vec<String>,
}

/// Reads a search response (`{"totalHits": n, "data": [...]}`).
pub fn parse_search(bytes: &[u8]) -> Result<Vec<SearchHit>, String> {
    let bytes = inflate(bytes)?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let data = doc.get("data").and_then(Value::as_array).ok_or("it has no `data`")?;
    Ok(data
        .iter()
        .filter_map(|hit| {
            let id = hit.get("id").and_then(Value::as_str)?.to_owned();
            let versions = match hit.get("versions").and_then(Value::as_array) {
                Some(vs) => {
                    vs.iter().filter_map(|v| v.get("version").and_then(Value::as_str)).map(str::to_owned).collect()
                }
                None => hit.get("version").and_then(Value::as_str).map(str::to_owned).into_iter().collect(),
            };
            Some(SearchHit { raw: hit.clone(), id, versions })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_service_index_names_the_semver2_registrations() {
        let index = br#"{"version":"3.0.0","resources":[
            {"@id":"https://r.example/v3-flatcontainer/","@type":"PackageBaseAddress/3.0.0"},
            {"@id":"https://r.example/reg/","@type":"RegistrationsBaseUrl"},
            {"@id":"https://r.example/reg-gz-semver2","@type":"RegistrationsBaseUrl/3.6.0"},
            {"@id":"https://s.example/query","@type":["SearchQueryService/3.5.0"]}]}"#;
        let r = parse_service_index(index).expect("read");
        assert_eq!(r.registrations, "https://r.example/reg-gz-semver2/");
        assert_eq!(r.flat_container.as_deref(), Some("https://r.example/v3-flatcontainer/"));
        assert_eq!(r.search.as_deref(), Some("https://s.example/query"));
        assert_eq!(r.vulnerabilities, None);
        assert_eq!(Resources::decode(&r.encode()), Some(r));
        assert!(parse_service_index(br#"{"resources":[]}"#).is_err());
        assert!(parse_service_index(b"<html>").is_err());
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("written");
        encoder.finish().expect("gzip")
    }

    #[test]
    fn registrations_inline_and_paged_gzip_or_not() {
        let index = json!({"items": [
            {"@id": "https://r.example/reg/a/index.json#page/1.0.0/1.0.0", "items": [
                {"packageContent": "https://r.example/flat/a/1.0.0/a.1.0.0.nupkg",
                 "catalogEntry": {"@id": "x", "id": "A", "version": "1.0.0", "listed": true,
                   "published": "2020-01-01T00:00:00+00:00",
                   "packageHash": base64::engine::general_purpose::STANDARD.encode([0xab; 64]),
                   "dependencyGroups": [{"targetFramework": "net6.0", "dependencies": [{"id": "B", "range": "[1.0.0, )"}]}]}},
                {"catalogEntry": {"id": "A", "version": "2.0", "published": "1900-01-01T00:00:00+00:00",
                   "packageContent": "https://r.example/flat/a/2.0.0/a.2.0.0.nupkg"}},
                {"catalogEntry": {"id": "A", "version": "bad"}}
            ]},
            {"@id": "https://r.example/reg/a/page/3.0.0/4.0.0.json", "lower": "3.0.0", "upper": "4.0.0"}
        ]});
        let bytes = serde_json::to_vec(&index).expect("json");
        for body in [bytes.clone(), gzip(&bytes)] {
            let package = parse_registration_index(&body, "a").expect("read");
            assert_eq!(package.display_name, "A");
            assert_eq!(package.pages, vec!["https://r.example/reg/a/page/3.0.0/4.0.0.json".to_owned()]);
            let versions: Vec<&str> = package.versions.iter().map(|v| v.version.as_str()).collect();
            assert_eq!(versions, ["1.0.0", "2.0.0"]);
            let first = &package.versions[0];
            assert_eq!(first.assets[0].name, "a.1.0.0.nupkg");
            assert_eq!(first.assets[1].url, "https://r.example/flat/a/1.0.0/a.nuspec");
            assert_eq!(first.assets[0].expected.sha512.map(|d| d.to_hex()), Some("ab".repeat(64)));
            assert_eq!(first.metadata.dependencies[0].dependency_type, "net6.0");
            assert_eq!(package.versions[1].format_metadata.to_value()["listed"], false);
            assert!(package.versions[1].published_at.is_none());
        }
        let page = json!({"items": [{"catalogEntry": {"id": "A", "version": "3.0.0",
            "packageContent": "https://r.example/flat/a/3.0.0/a.3.0.0.nupkg"}}]});
        let page = parse_registration_page(&serde_json::to_vec(&page).expect("json")).expect("read");
        assert_eq!(page[0].version, "3.0.0");
        assert!(parse_registration_index(b"{}", "a").is_err());
    }

    #[test]
    fn vulnerability_indexes() {
        let index = br#"[{"@name":"base","@id":"https://r.example/v/base.json","@updated":"2024-01-01T00:00:00Z"},
            {"@name":"../x","@id":"https://r.example/v/x.json"},{"@id":"https://r.example/v/none.json"}]"#;
        let pages = parse_vulnerability_index(index).expect("read");
        assert_eq!(pages.len(), 1);
        assert_eq!((pages[0].0.as_str(), pages[0].1.as_str()), ("base", "https://r.example/v/base.json"));
        assert!(parse_vulnerability_index(b"{}").is_err());
    }

    #[test]
    fn search_results() {
        let body = br#"{"totalHits":1,"data":[{"id":"Foo","version":"2.0.0","versions":[{"version":"1.0.0"},{"version":"2.0.0"}]},{"nope":1}]}"#;
        let hits = parse_search(body).expect("read");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].versions, ["1.0.0", "2.0.0"]);
    }
}
