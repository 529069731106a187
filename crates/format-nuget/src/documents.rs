//! The v3 documents a repository serves, rendered from the versions it sees (pure): the
//! service index, the flat container's version list, registrations (index, pages, leaves) and
//! search results (<https://learn.microsoft.com/nuget/api/overview>). Every URL points at the
//! asking repository.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::version::NugetVersion;

/// Below this many versions a registration index inlines them all; above, it links pages of
/// [`PAGE_SIZE`] (as nuget.org does).
pub const INLINE_LIMIT: usize = 128;
/// Versions per registration page.
pub const PAGE_SIZE: usize = 64;

/// The URLs of one repository's endpoint.
#[derive(Debug, Clone)]
pub struct Urls {
    /// `{public_url}/nuget/{domain}/{repository}`, no trailing slash.
    pub base: String,
}

/// A registrations hive: which versions it shows, as NuGet's resource versions define them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hive {
    /// `RegistrationsBaseUrl` (and `/3.0.0-*`): SemVer 1 versions only.
    Plain,
    /// `RegistrationsBaseUrl/3.4.0`: the same, gzip-encoded.
    Gzip,
    /// `RegistrationsBaseUrl/3.6.0`: every version, gzip-encoded.
    SemVer2,
}

impl Hive {
    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            Self::Plain => "registration",
            Self::Gzip => "registration-gz",
            Self::SemVer2 => "registration-gz-semver2",
        }
    }

    /// The hive of a path segment.
    pub fn of_segment(segment: &str) -> Option<Self> {
        [Self::Plain, Self::Gzip, Self::SemVer2].into_iter().find(|h| h.segment() == segment)
    }

    /// Whether it shows `version`.
    pub fn shows(self, version: &NugetVersion) -> bool {
        self == Self::SemVer2 || !version.is_semver2()
    }
}

impl Urls {
    /// The flat container (`PackageBaseAddress/3.0.0`).
    pub fn flat(&self) -> String {
        format!("{}/v3/flatcontainer/", self.base)
    }
    /// A hive's base.
    pub fn registrations(&self, hive: Hive) -> String {
        format!("{}/v3/{}/", self.base, hive.segment())
    }
    /// A package's registration index.
    pub fn registration_index(&self, hive: Hive, id: &str) -> String {
        format!("{}{}/index.json", self.registrations(hive), crate::id::normalize(id))
    }
    /// A version's registration leaf.
    pub fn registration_leaf(&self, hive: Hive, id: &str, version: &NugetVersion) -> String {
        format!("{}{}/{}.json", self.registrations(hive), crate::id::normalize(id), version.key())
    }
    /// A version's package file.
    pub fn package_content(&self, id: &str, version: &NugetVersion) -> String {
        let lower = crate::id::normalize(id);
        format!("{}{lower}/{}/{}", self.flat(), version.key(), crate::package::nupkg_name(id, version))
    }
    /// The push endpoint (`PackagePublish/2.0.0`), also the v2 download base.
    pub fn publish(&self) -> String {
        format!("{}/api/v2/package", self.base)
    }
}

/// A version as a repository shows it.
#[derive(Debug, Clone)]
pub struct VersionEntry {
    /// The version.
    pub version: NugetVersion,
    /// Whether search and listings show it.
    pub listed: bool,
    /// When it was published.
    pub published: Option<DateTime<Utc>>,
    /// Its catalog entry (the nuspec's fields, or the upstream's entry).
    pub entry: Value,
}

impl VersionEntry {
    /// The id as the publisher wrote it.
    pub fn id<'a>(&'a self, fallback: &'a str) -> &'a str {
        self.entry.get("id").and_then(Value::as_str).unwrap_or(fallback)
    }

    fn published_text(&self) -> String {
        match (self.listed, self.published) {
            // nuget.org's mark of an unlisted version, which older clients read.
            (false, _) => "1900-01-01T00:00:00+00:00".to_owned(),
            (true, Some(at)) => at.to_rfc3339(),
            (true, None) => "2000-01-01T00:00:00+00:00".to_owned(),
        }
    }
}

/// The service index.
pub fn service_index(urls: &Urls) -> Vec<u8> {
    let search = format!("{}/v3/search", urls.base);
    let autocomplete = format!("{}/v3/autocomplete", urls.base);
    let mut resources = vec![
        json!({"@id": urls.flat(), "@type": "PackageBaseAddress/3.0.0", "comment": "Base URL of where NuGet packages are stored, in the format {base}/{id-lower}/{version-lower}/{id-lower}.{version-lower}.nupkg"}),
        json!({"@id": urls.publish(), "@type": "PackagePublish/2.0.0"}),
        json!({"@id": format!("{}/api/v2", urls.base), "@type": "LegacyGallery/2.0.0"}),
        json!({"@id": format!("{}/v3/vulnerabilities/index.json", urls.base), "@type": "VulnerabilityInfo/6.7.0"}),
        json!({"@id": urls.registrations(Hive::SemVer2), "@type": "RegistrationsBaseUrl/Versioned", "clientVersion": "4.3.0-alpha"}),
    ];
    for kind in [
        "SearchQueryService",
        "SearchQueryService/3.0.0-beta",
        "SearchQueryService/3.0.0-rc",
        "SearchQueryService/3.5.0",
    ] {
        resources.push(json!({"@id": search, "@type": kind}));
    }
    for kind in [
        "SearchAutocompleteService",
        "SearchAutocompleteService/3.0.0-beta",
        "SearchAutocompleteService/3.0.0-rc",
        "SearchAutocompleteService/3.5.0",
    ] {
        resources.push(json!({"@id": autocomplete, "@type": kind}));
    }
    for (hive, kinds) in [
        (
            Hive::Plain,
            &["RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.0.0-rc"][..],
        ),
        (Hive::Gzip, &["RegistrationsBaseUrl/3.4.0"][..]),
        (Hive::SemVer2, &["RegistrationsBaseUrl/3.6.0"][..]),
    ] {
        for kind in kinds {
            resources.push(json!({"@id": urls.registrations(hive), "@type": kind}));
        }
    }
    let doc = json!({
        "version": "3.0.0",
        "resources": resources,
        "@context": {"@vocab": "http://schema.nuget.org/services#", "comment": "http://www.w3.org/2000/01/rdf-schema#comment"},
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The flat container's list of versions (every version, listed or not, lowercase, as
/// nuget.org's: an exact version stays restorable after it is unlisted).
pub fn flat_index(versions: &[VersionEntry]) -> Vec<u8> {
    let keys: Vec<String> = sorted(versions).iter().map(|v| v.version.key()).collect();
    serde_json::to_vec(&json!({"versions": keys})).unwrap_or_default()
}

fn sorted(versions: &[VersionEntry]) -> Vec<&VersionEntry> {
    let mut sorted: Vec<&VersionEntry> = versions.iter().collect();
    sorted.sort_by(|a, b| a.version.cmp(&b.version));
    sorted
}

fn leaf(urls: &Urls, hive: Hive, id: &str, v: &VersionEntry) -> Value {
    let registration = urls.registration_index(hive, id);
    let content = urls.package_content(id, &v.version);
    let leaf_url = urls.registration_leaf(hive, id, &v.version);
    let mut entry = v.entry.clone();
    if let Some(map) = entry.as_object_mut() {
        map.insert("@id".into(), json!(format!("{leaf_url}#entry")));
        map.insert("@type".into(), json!("PackageDetails"));
        map.insert("id".into(), json!(v.id(id)));
        map.insert("version".into(), json!(v.version.full()));
        map.insert("listed".into(), json!(v.listed));
        map.insert("published".into(), json!(v.published_text()));
        map.insert("packageContent".into(), json!(content));
        for key in ["authors", "description", "title", "summary", "iconUrl", "licenseUrl", "projectUrl", "language"] {
            map.entry(key).or_insert_with(|| json!(""));
        }
        if let Some(Value::Array(groups)) = map.get_mut("dependencyGroups") {
            for (g, group) in groups.iter_mut().enumerate() {
                let group_url = format!("{leaf_url}#dependencygroup/{g}");
                if let Some(deps) = group.get_mut("dependencies").and_then(Value::as_array_mut) {
                    for dep in deps.iter_mut() {
                        let dep_id = dep.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
                        dep["@id"] = json!(format!("{group_url}/{}", crate::id::normalize(&dep_id)));
                        dep["@type"] = json!("PackageDependency");
                        dep["registration"] = json!(urls.registration_index(hive, &dep_id));
                    }
                }
                group["@id"] = json!(group_url);
                group["@type"] = json!("PackageDependencyGroup");
            }
        }
    }
    json!({
        "@id": leaf_url,
        "@type": "Package",
        "commitTimeStamp": v.published_text(),
        "catalogEntry": entry,
        "packageContent": content,
        "registration": registration,
    })
}

fn page_url(urls: &Urls, hive: Hive, id: &str, lower: &NugetVersion, upper: &NugetVersion) -> String {
    format!("{}{}/page/{}/{}.json", urls.registrations(hive), crate::id::normalize(id), lower.key(), upper.key())
}

fn page(urls: &Urls, hive: Hive, id: &str, chunk: &[&VersionEntry], inline: bool) -> Value {
    let (lower, upper) = (&chunk[0].version, &chunk[chunk.len() - 1].version);
    let registration = urls.registration_index(hive, id);
    let mut page = json!({
        "@id": if inline { format!("{registration}#page/{}/{}", lower.key(), upper.key()) } else { page_url(urls, hive, id, lower, upper) },
        "@type": "catalog:CatalogPage",
        "count": chunk.len(),
        "lower": lower.normalized(),
        "upper": upper.normalized(),
        "parent": registration,
    });
    if inline {
        page["items"] = chunk.iter().map(|v| leaf(urls, hive, id, v)).collect();
    }
    page
}

/// A package's registration index in `hive`: every version it shows, inlined below
/// [`INLINE_LIMIT`], else pages of [`PAGE_SIZE`] linked. `None` when it shows none.
pub fn registration_index(urls: &Urls, hive: Hive, id: &str, versions: &[VersionEntry]) -> Option<Vec<u8>> {
    let shown: Vec<&VersionEntry> = sorted(versions).into_iter().filter(|v| hive.shows(&v.version)).collect();
    if shown.is_empty() {
        return None;
    }
    let inline = shown.len() <= INLINE_LIMIT;
    let pages: Vec<Value> = if inline {
        vec![page(urls, hive, id, &shown, true)]
    } else {
        shown.chunks(PAGE_SIZE).map(|chunk| page(urls, hive, id, chunk, false)).collect()
    };
    let doc = json!({
        "@id": urls.registration_index(hive, id),
        "@type": ["catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"],
        "count": pages.len(),
        "items": pages,
    });
    serde_json::to_vec(&doc).ok()
}

/// A registration page (`page/{lower}/{upper}.json`): the versions it shows in that range.
pub fn registration_page(
    urls: &Urls,
    hive: Hive,
    id: &str,
    versions: &[VersionEntry],
    lower: &NugetVersion,
    upper: &NugetVersion,
) -> Option<Vec<u8>> {
    let shown: Vec<&VersionEntry> = sorted(versions)
        .into_iter()
        .filter(|v| hive.shows(&v.version) && v.version >= *lower && v.version <= *upper)
        .collect();
    if shown.is_empty() {
        return None;
    }
    let mut doc = page(urls, hive, id, &shown, true);
    doc["@id"] = json!(page_url(urls, hive, id, lower, upper));
    serde_json::to_vec(&doc).ok()
}

/// A registration leaf (`{version}.json`).
pub fn registration_leaf(urls: &Urls, hive: Hive, id: &str, v: &VersionEntry) -> Vec<u8> {
    let full = leaf(urls, hive, id, v);
    let doc = json!({
        "@id": full["@id"],
        "@type": ["Package", "http://schema.nuget.org/catalog#Permalink"],
        "catalogEntry": full["catalogEntry"]["@id"],
        "listed": v.listed,
        "packageContent": full["packageContent"],
        "published": v.published_text(),
        "registration": full["registration"],
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// What a search asks (`q`, `skip`, `take`, `prerelease`, `semVerLevel`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// The search terms.
    pub q: String,
    /// Results skipped.
    pub skip: usize,
    /// Results returned.
    pub take: usize,
    /// Whether pre-releases count.
    pub prerelease: bool,
    /// Whether SemVer 2 versions count (`semVerLevel=2.0.0`).
    pub semver2: bool,
    /// Autocomplete of versions: the package id (`id=`).
    pub id: Option<String>,
}

impl SearchQuery {
    /// The most results a search returns.
    pub const MAX_TAKE: usize = 1000;
    /// The most results a search skips (nuget.org's bound).
    pub const MAX_SKIP: usize = 3000;

    /// Reads a query string.
    pub fn parse(query: &str) -> Self {
        let mut q = Self { take: 20, ..Self::default() };
        for (key, value) in query.split('&').filter_map(|p| p.split_once('=')) {
            let value = percent_encoding::percent_decode_str(&value.replace('+', " ")).decode_utf8_lossy().into_owned();
            match key.to_ascii_lowercase().as_str() {
                "q" => q.q = value.trim().to_owned(),
                "skip" => q.skip = value.parse::<usize>().unwrap_or(0).min(Self::MAX_SKIP),
                "take" => q.take = value.parse::<usize>().unwrap_or(20).min(Self::MAX_TAKE),
                "prerelease" => q.prerelease = value.eq_ignore_ascii_case("true"),
                "semverlevel" => q.semver2 = value.starts_with('2'),
                "id" => q.id = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        q
    }

    /// Whether a version counts in this search.
    pub fn admits(&self, version: &NugetVersion) -> bool {
        (self.prerelease || !version.is_prerelease()) && (self.semver2 || !version.is_semver2())
    }

    /// Whether a package id matches: every term is in it (without case); `id:X` or
    /// `packageid:X` asks for exactly X.
    pub fn matches(&self, id: &str) -> bool {
        let id = id.to_ascii_lowercase();
        self.q.split_whitespace().all(|term| {
            let term = term.to_ascii_lowercase();
            match term.split_once(':') {
                Some(("id" | "packageid", exact)) => id == exact.trim_matches('"'),
                _ => id.contains(term.trim_matches('"')),
            }
        })
    }
}

/// One package of a search response, rendered: its newest admitted version's entry, and every
/// admitted listed version. `None` when it has none.
pub fn search_result(urls: &Urls, id: &str, versions: &[VersionEntry], query: &SearchQuery) -> Option<Value> {
    let shown: Vec<&VersionEntry> =
        sorted(versions).into_iter().filter(|v| v.listed && query.admits(&v.version)).collect();
    let latest = shown.last()?;
    let hive = if query.semver2 { Hive::SemVer2 } else { Hive::Plain };
    let entry = &latest.entry;
    let text = |key: &str| entry.get(key).cloned().unwrap_or_else(|| json!(""));
    let authors: Vec<String> = entry
        .get("authors")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split(',')
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let registration = urls.registration_index(hive, id);
    Some(json!({
        "@id": registration,
        "@type": "Package",
        "registration": registration,
        "id": latest.id(id),
        "version": latest.version.full(),
        "description": text("description"),
        "summary": text("summary"),
        "title": text("title"),
        "iconUrl": text("iconUrl"),
        "licenseUrl": text("licenseUrl"),
        "projectUrl": text("projectUrl"),
        "tags": entry.get("tags").cloned().unwrap_or_else(|| json!([])),
        "authors": authors,
        "owners": [],
        "totalDownloads": 0,
        "verified": false,
        "packageTypes": [{"name": "Dependency"}],
        "versions": shown.iter().map(|v| json!({
            "version": v.version.full(),
            "downloads": 0,
            "@id": urls.registration_leaf(hive, id, &v.version),
        })).collect::<Vec<_>>(),
    }))
}

/// A search response of `hits` (already skipped and taken) out of `total`.
pub fn search_response(total: usize, hits: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"totalHits": total, "data": hits})).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str, listed: bool) -> VersionEntry {
        VersionEntry {
            version: NugetVersion::parse(version).expect("a version"),
            listed,
            published: None,
            entry: json!({"id": "Foo.Bar", "version": version, "authors": "Ann, Bob", "description": "d",
                "dependencyGroups": [{"targetFramework": "net6.0", "dependencies": [{"id": "Dep", "range": "[1.0.0, )"}]}]}),
        }
    }

    fn urls() -> Urls {
        Urls { base: "http://h/nuget/d/r".into() }
    }

    fn json_of(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("json")
    }

    #[test]
    fn the_service_index_points_at_the_repository() {
        let doc = json_of(&service_index(&urls()));
        let find = |kind: &str| {
            doc["resources"]
                .as_array()
                .expect("resources")
                .iter()
                .find(|r| r["@type"] == kind)
                .map(|r| r["@id"].clone())
        };
        assert_eq!(find("PackageBaseAddress/3.0.0"), Some(json!("http://h/nuget/d/r/v3/flatcontainer/")));
        assert_eq!(find("RegistrationsBaseUrl/3.6.0"), Some(json!("http://h/nuget/d/r/v3/registration-gz-semver2/")));
        assert_eq!(find("PackagePublish/2.0.0"), Some(json!("http://h/nuget/d/r/api/v2/package")));
        assert!(find("SearchQueryService/3.5.0").is_some() && find("VulnerabilityInfo/6.7.0").is_some());
    }

    #[test]
    fn registrations_inline_below_128_and_page_above() {
        let versions: Vec<VersionEntry> = vec![entry("2.0.0", true), entry("1.0.0-beta.1", true), entry("1.0", false)];
        let doc = json_of(&registration_index(&urls(), Hive::SemVer2, "Foo.Bar", &versions).expect("a document"));
        let leaves = doc["items"][0]["items"].as_array().expect("inlined");
        let shown: Vec<&str> =
            leaves.iter().map(|l| l["catalogEntry"]["version"].as_str().expect("a version")).collect();
        assert_eq!(shown, ["1.0.0-beta.1", "1.0.0", "2.0.0"]);
        assert_eq!(doc["items"][0]["lower"], "1.0.0-beta.1");
        let unlisted = &leaves[1]["catalogEntry"];
        assert_eq!(unlisted["listed"], false);
        assert_eq!(unlisted["published"], "1900-01-01T00:00:00+00:00");
        assert_eq!(
            leaves[2]["packageContent"],
            "http://h/nuget/d/r/v3/flatcontainer/foo.bar/2.0.0/foo.bar.2.0.0.nupkg"
        );
        assert_eq!(
            leaves[2]["catalogEntry"]["dependencyGroups"][0]["dependencies"][0]["registration"],
            "http://h/nuget/d/r/v3/registration-gz-semver2/dep/index.json"
        );
        // The SemVer 1 hives do not show `1.0.0-beta.1`.
        let plain = json_of(&registration_index(&urls(), Hive::Plain, "Foo.Bar", &versions).expect("a document"));
        assert_eq!(plain["items"][0]["count"], 2);
        assert!(registration_index(&urls(), Hive::Plain, "Foo.Bar", &[entry("1.0.0+meta", true)]).is_none());

        let many: Vec<VersionEntry> = (0..500).map(|i| entry(&format!("1.0.{i}"), true)).collect();
        let doc = json_of(&registration_index(&urls(), Hive::SemVer2, "Foo.Bar", &many).expect("a document"));
        assert_eq!(doc["count"], 8);
        assert!(doc["items"][0].get("items").is_none());
        assert_eq!(
            doc["items"][0]["@id"],
            "http://h/nuget/d/r/v3/registration-gz-semver2/foo.bar/page/1.0.0/1.0.63.json"
        );
        let (lower, upper) = (NugetVersion::parse("1.0.64").expect("v"), NugetVersion::parse("1.0.127").expect("v"));
        let page =
            json_of(&registration_page(&urls(), Hive::SemVer2, "Foo.Bar", &many, &lower, &upper).expect("a page"));
        assert_eq!(page["count"], 64);
        assert_eq!(page["items"][0]["catalogEntry"]["version"], "1.0.64");
    }

    #[test]
    fn the_flat_index_lists_every_version_lowercase() {
        let doc = json_of(&flat_index(&[entry("2.0.0-RC", true), entry("1.0", false)]));
        assert_eq!(doc, json!({"versions": ["1.0.0", "2.0.0-rc"]}));
    }

    #[test]
    fn searches() {
        let q = SearchQuery::parse("q=foo+BAR&skip=2&take=5&prerelease=true&semVerLevel=2.0.0");
        assert_eq!((q.q.as_str(), q.skip, q.take, q.prerelease, q.semver2), ("foo BAR", 2, 5, true, true));
        assert!(q.matches("Foo.Bar") && !q.matches("Foo"));
        assert!(SearchQuery::parse("q=id:foo.bar").matches("Foo.Bar"));
        assert!(!SearchQuery::parse("q=id:foo").matches("Foo.Bar"));
        assert_eq!(SearchQuery::parse("take=99999").take, SearchQuery::MAX_TAKE);
        assert_eq!(SearchQuery::parse("skip=99999999999").skip, SearchQuery::MAX_SKIP);

        let versions = [entry("1.0.0", true), entry("2.0.0-beta.1", true), entry("3.0.0", false)];
        let stable = SearchQuery::parse("q=");
        let hit = search_result(&urls(), "foo.bar", &versions, &stable).expect("a hit");
        assert_eq!(hit["version"], "1.0.0");
        assert_eq!(hit["authors"], json!(["Ann", "Bob"]));
        let all = SearchQuery::parse("prerelease=true&semVerLevel=2.0.0");
        let hit = search_result(&urls(), "foo.bar", &versions, &all).expect("a hit");
        assert_eq!(hit["version"], "2.0.0-beta.1");
        assert_eq!(hit["versions"].as_array().map(Vec::len), Some(2));
        assert!(search_result(&urls(), "foo.bar", &[entry("3.0.0", false)], &all).is_none());
    }
}
