//! The NuGet v2 (OData, Atom) reads older clients install with, under `api/v2/`: the service
//! document, `$metadata`, `Packages(Id='..',Version='..')`, `FindPackagesById()?id='..'`,
//! `Packages()?$filter=…Id eq '..'`, and downloads at `package/{id}/{version}` (the `content`
//! each entry links to). What NuGet 2.8 needs to install; the feed is rendered from the same
//! versions as the v3 documents.

use std::fmt::Write as _;

use serde_json::Value;
use tributary_engine::data_plane::Response;
use tributary_engine::data_plane::http::StatusCode;
use tributary_engine::{RepoTarget, Service};
use tributary_model::{ErrorKind, ServiceError};

use crate::documents::{SearchQuery, Urls, VersionEntry};
use crate::registry;
use crate::version::NugetVersion;

/// A v2 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V2Endpoint {
    /// `api/v2/` (the service document).
    Root,
    /// `api/v2/$metadata`.
    Metadata,
    /// `Packages(Id='..',Version='..')`.
    Package { id: String, version: NugetVersion },
    /// `FindPackagesById()?id='..'` or `Packages()?$filter=Id eq '..'`.
    FindById { id: String },
    /// `Search()`: the v3 search through the chain, as a feed (every admitted version of each
    /// package, or only its latest).
    Search { query: SearchQuery, latest_only: bool },
    /// Other queries: answered with an empty feed.
    EmptyFeed,
    /// `package/{id}/{version}`.
    Download { id: String, version: NugetVersion },
}

impl V2Endpoint {
    /// Its name in metrics.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Root => "v2-root",
            Self::Metadata => "v2-metadata",
            Self::Package { .. } => "v2-package",
            Self::FindById { .. } => "v2-find-by-id",
            Self::Search { .. } => "v2-search",
            Self::EmptyFeed => "v2-query",
            Self::Download { .. } => "v2-download",
        }
    }

    /// Parses the path after `api/v2/` and the query.
    pub fn parse(path: &str, query: &str) -> Result<Self, ServiceError> {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned();
        let path = decoded.trim_end_matches('/');
        let query = percent_encoding::percent_decode_str(&query.replace('+', " ")).decode_utf8_lossy().into_owned();
        let param = |name: &str| {
            query.split('&').find_map(|p| {
                p.split_once('=').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_owned())
            })
        };
        let not_here =
            || ServiceError::new(ErrorKind::NotFound, format!("`api/v2/{path}` is not part of this NuGet v2 feed"));
        if path.is_empty() {
            return Ok(Self::Root);
        }
        if path == "$metadata" {
            return Ok(Self::Metadata);
        }
        if let Some(args) = path.strip_prefix("Packages(").and_then(|r| r.strip_suffix(')'))
            && !args.is_empty()
        {
            let (mut id, mut version) = (None, None);
            for arg in args.split(',') {
                let (key, value) = arg.split_once('=').ok_or_else(not_here)?;
                let value = value.trim().trim_matches('\'').to_owned();
                match key.trim() {
                    "Id" => id = Some(value),
                    "Version" => version = Some(value),
                    _ => return Err(not_here()),
                }
            }
            let (Some(id), Some(version)) = (id, version) else { return Err(not_here()) };
            let version =
                NugetVersion::parse(&version).map_err(|e| ServiceError::new(ErrorKind::NotFound, e.message))?;
            return Ok(Self::Package { id, version });
        }
        if path.eq_ignore_ascii_case("FindPackagesById()") {
            let id = param("id").ok_or_else(not_here)?.trim_matches('\'').to_owned();
            return Ok(Self::FindById { id });
        }
        if path == "Packages()" || path == "Packages" {
            // `$filter=Id eq 'x'`, `tolower(Id) eq 'x'`, perhaps with more conditions after.
            if let Some(filter) = param("$filter")
                && let Some(at) =
                    filter.find("Id) eq '").map(|i| i + 8).or_else(|| filter.find("Id eq '").map(|i| i + 7))
                && let Some(end) = filter[at..].find('\'')
            {
                return Ok(Self::FindById { id: filter[at..at + end].to_owned() });
            }
            return Ok(Self::EmptyFeed);
        }
        if path == "Search()" {
            let unquote = |v: String| v.trim().trim_matches('\'').to_owned();
            let filter = param("$filter").unwrap_or_default();
            let query = SearchQuery {
                q: param("searchTerm").map(unquote).unwrap_or_default(),
                skip: param("$skip").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0).min(SearchQuery::MAX_SKIP),
                take: param("$top").and_then(|v| v.parse().ok()).unwrap_or(30).min(SearchQuery::MAX_TAKE),
                prerelease: param("includePrerelease").is_some_and(|v| v.eq_ignore_ascii_case("true")),
                semver2: param("semVerLevel").is_some_and(|v| v.starts_with('2')),
                id: None,
            };
            return Ok(Self::Search { query, latest_only: filter.contains("LatestVersion") });
        }
        if path.starts_with("Search()") || path.starts_with("GetUpdates()") || path.ends_with("/$count") {
            return Ok(Self::EmptyFeed);
        }
        Err(not_here())
    }
}

/// Serves a v2 request.
pub async fn serve(
    service: &Service,
    target: &RepoTarget,
    urls: &Urls,
    endpoint: V2Endpoint,
) -> Result<Response, ServiceError> {
    let atom = "application/atom+xml;type=feed;charset=utf-8";
    match endpoint {
        V2Endpoint::Root | V2Endpoint::Metadata => Ok(static_document(urls, &endpoint)),
        V2Endpoint::Package { id, version } => {
            let entries = registry::version_entries(service, target, &id).await?;
            let entry = entries.iter().find(|e| e.version == version).ok_or_else(|| {
                ServiceError::new(
                    ErrorKind::NotFound,
                    format!("`{id}` {version} is not in `{}` nor its upstreams", target.repository),
                )
            })?;
            let latest = latest_of(&entries);
            let body =
                format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{}", entry_xml(urls, &id, entry, latest, true));
            Ok(odata("application/atom+xml;type=entry;charset=utf-8", body))
        }
        V2Endpoint::FindById { id } => {
            let entries = match registry::version_entries(service, target, &id).await {
                Ok(entries) => entries,
                Err(e) if e.kind == ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            };
            let latest = latest_of(&entries);
            let listed: Vec<&VersionEntry> = entries.iter().filter(|e| e.listed && !e.version.is_semver2()).collect();
            Ok(odata(atom, feed(urls, "FindPackagesById", &id, &listed, latest)))
        }
        V2Endpoint::Search { query, latest_only } => {
            let (_, hits) = registry::search_hits(service, target, urls, &query).await?;
            let mut entries = Vec::new();
            for (id, hit) in hits.into_iter().skip(query.skip).take(query.take) {
                entries.extend(hit_entries(&id, &hit, latest_only));
            }
            let shown: Vec<&VersionEntry> = entries.iter().collect();
            Ok(odata(atom, feed(urls, "Search", "", &shown, None)))
        }
        V2Endpoint::EmptyFeed => Ok(odata(atom, feed(urls, "Packages", "", &[], None))),
        V2Endpoint::Download { id, version } => {
            let file = crate::package::nupkg_name(&id, &version);
            Ok(Response::asset(registry::get_file(service, target, &id, &version, &file).await?))
        }
    }
}

/// The versions of a v3 search result as feed entries (its latest only, when asked).
fn hit_entries(id: &str, hit: &Value, latest_only: bool) -> Vec<VersionEntry> {
    let mut entry = hit.clone();
    if let Some(Value::Array(authors)) = hit.get("authors") {
        let joined: Vec<&str> = authors.iter().filter_map(Value::as_str).collect();
        entry["authors"] = Value::from(joined.join(", "));
    }
    entry["id"] = Value::from(id);
    let latest = hit.get("version").and_then(Value::as_str).unwrap_or_default();
    let versions: Vec<&str> = match hit.get("versions").and_then(Value::as_array) {
        Some(all) if !latest_only => all.iter().filter_map(|v| v.get("version").and_then(Value::as_str)).collect(),
        _ => vec![latest],
    };
    versions
        .into_iter()
        .filter_map(|v| NugetVersion::parse(v).ok())
        .map(|version| VersionEntry { version, listed: true, published: None, entry: entry.clone() })
        .collect()
}

/// An OData response: the client of NuGet 2.x (WCF Data Services) reads only a response that
/// says which protocol version it speaks.
fn odata(content_type: &'static str, body: String) -> Response {
    use tributary_engine::data_plane::http::header::{HeaderName, HeaderValue};
    Response::bytes(StatusCode::OK, content_type, body)
        .header(HeaderName::from_static("dataserviceversion"), HeaderValue::from_static("2.0;"))
}

/// The service document or the entity model: the same for every repository, served to anyone.
pub fn static_document(urls: &Urls, endpoint: &V2Endpoint) -> Response {
    let xml = "application/xml;charset=utf-8";
    match endpoint {
        V2Endpoint::Metadata => odata(xml, METADATA.to_owned()),
        _ => odata(xml, service_document(urls)),
    }
}

fn latest_of(entries: &[VersionEntry]) -> Option<NugetVersion> {
    entries.iter().filter(|e| e.listed && !e.version.is_semver2()).map(|e| e.version.clone()).max()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

fn service_document(urls: &Urls) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><service xml:base=\"{}/api/v2/\" xmlns=\"http://www.w3.org/2007/app\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><workspace><atom:title>Default</atom:title><collection href=\"Packages\"><atom:title>Packages</atom:title></collection></workspace></service>",
        escape(&urls.base)
    )
}

fn feed(urls: &Urls, title: &str, id: &str, entries: &[&VersionEntry], latest: Option<NugetVersion>) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xml:base=\"{base}/api/v2/\" xmlns=\"http://www.w3.org/2005/Atom\" xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\"><id>{base}/api/v2/{title}</id><title type=\"text\">{title}</title><updated>{now}</updated><link rel=\"self\" title=\"{title}\" href=\"{title}\" />",
        base = escape(&urls.base),
        now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
    );
    for entry in entries {
        out.push_str(&entry_xml(urls, id, entry, latest.clone(), false));
    }
    out.push_str("</feed>");
    out
}

fn entry_xml(urls: &Urls, fallback_id: &str, v: &VersionEntry, latest: Option<NugetVersion>, root: bool) -> String {
    let e = &v.entry;
    let text = |key: &str| escape(e.get(key).and_then(Value::as_str).unwrap_or_default());
    let id = escape(v.id(fallback_id));
    let version = v.version.normalized();
    let published = v.published.unwrap_or_else(chrono::Utc::now).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let tags = match e.get("tags") {
        Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let mut dependencies = Vec::new();
    for group in e.get("dependencyGroups").and_then(Value::as_array).into_iter().flatten() {
        let framework = group.get("targetFramework").and_then(Value::as_str).unwrap_or_default();
        let deps = group.get("dependencies").and_then(Value::as_array).cloned().unwrap_or_default();
        if deps.is_empty() {
            dependencies.push(format!("::{framework}"));
        }
        for dep in deps {
            let dep_id = dep.get("id").and_then(Value::as_str).unwrap_or_default();
            let range = dep.get("range").and_then(Value::as_str).unwrap_or_default();
            dependencies.push(format!("{dep_id}:{range}:{framework}"));
        }
    }
    let is_latest = latest.as_ref() == Some(&v.version);
    let namespaces = if root {
        " xmlns=\"http://www.w3.org/2005/Atom\" xmlns:d=\"http://schemas.microsoft.com/ado/2007/08/dataservices\" xmlns:m=\"http://schemas.microsoft.com/ado/2007/08/dataservices/metadata\""
    } else {
        ""
    };
    let mut out = String::new();
    let self_path = format!("Packages(Id='{id}',Version='{version}')");
    let _ = write!(
        out,
        "<entry xml:base=\"{base}/api/v2/\"{namespaces}><id>{base}/api/v2/{self_path}</id><category term=\"NuGetGallery.V2FeedPackage\" scheme=\"http://schemas.microsoft.com/ado/2007/08/dataservices/scheme\" /><link rel=\"edit\" title=\"V2FeedPackage\" href=\"{self_path}\" /><title type=\"text\">{id}</title><summary type=\"text\">{summary}</summary><updated>{published}</updated><author><name>{authors}</name></author><link rel=\"edit-media\" title=\"V2FeedPackage\" href=\"{self_path}/$value\" /><content type=\"application/zip\" src=\"{content}\" /><m:properties>",
        base = escape(&urls.base),
        summary = text("summary"),
        authors = text("authors"),
        content = escape(&format!("{}/{}/{}", urls.publish(), v.id(fallback_id), version)),
    );
    let properties: [(&str, String, &str); 22] = [
        ("Id", id.clone(), ""),
        ("Version", escape(&version), ""),
        ("NormalizedVersion", escape(&version), ""),
        ("Title", text("title"), ""),
        ("Authors", text("authors"), ""),
        ("Owners", text("authors"), ""),
        ("Description", text("description"), ""),
        ("Summary", text("summary"), ""),
        ("ReleaseNotes", text("releaseNotes"), ""),
        ("Copyright", text("copyright"), ""),
        ("Language", text("language"), ""),
        ("Tags", escape(&tags), ""),
        ("Dependencies", escape(&dependencies.join("|")), ""),
        ("LicenseUrl", text("licenseUrl"), ""),
        ("ProjectUrl", text("projectUrl"), ""),
        ("IconUrl", text("iconUrl"), ""),
        ("IsLatestVersion", is_latest.to_string(), "Edm.Boolean"),
        ("IsAbsoluteLatestVersion", is_latest.to_string(), "Edm.Boolean"),
        ("IsPrerelease", v.version.is_prerelease().to_string(), "Edm.Boolean"),
        ("Listed", v.listed.to_string(), "Edm.Boolean"),
        (
            "RequireLicenseAcceptance",
            e.get("requireLicenseAcceptance").and_then(Value::as_bool).unwrap_or(false).to_string(),
            "Edm.Boolean",
        ),
        ("DownloadCount", "0".to_owned(), "Edm.Int32"),
    ];
    for (name, value, kind) in properties {
        if kind.is_empty() {
            let _ = write!(out, "<d:{name}>{value}</d:{name}>");
        } else {
            let _ = write!(out, "<d:{name} m:type=\"{kind}\">{value}</d:{name}>");
        }
    }
    let _ = write!(
        out,
        "<d:VersionDownloadCount m:type=\"Edm.Int32\">0</d:VersionDownloadCount><d:Published m:type=\"Edm.DateTime\">{published}</d:Published><d:Created m:type=\"Edm.DateTime\">{published}</d:Created><d:LastUpdated m:type=\"Edm.DateTime\">{published}</d:LastUpdated><d:PackageHash></d:PackageHash><d:PackageHashAlgorithm>SHA512</d:PackageHashAlgorithm><d:PackageSize m:type=\"Edm.Int64\">0</d:PackageSize><d:MinClientVersion>{}</d:MinClientVersion></m:properties></entry>",
        text("minClientVersion")
    );
    out
}

/// The entity model NuGet 2.x reads to learn which service methods the feed has.
const METADATA: &str = r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<edmx:Edmx Version="1.0" xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx">
  <edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" m:DataServiceVersion="2.0">
    <Schema Namespace="NuGetGallery" xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata" xmlns="http://schemas.microsoft.com/ado/2006/04/edm">
      <EntityType Name="V2FeedPackage" m:HasStream="true">
        <Key><PropertyRef Name="Id" /><PropertyRef Name="Version" /></Key>
        <Property Name="Id" Type="Edm.String" Nullable="false" m:FC_TargetPath="SyndicationTitle" m:FC_ContentKind="text" m:FC_KeepInContent="false" />
        <Property Name="Version" Type="Edm.String" Nullable="false" />
        <Property Name="NormalizedVersion" Type="Edm.String" Nullable="true" />
        <Property Name="Authors" Type="Edm.String" Nullable="true" m:FC_TargetPath="SyndicationAuthorName" m:FC_ContentKind="text" m:FC_KeepInContent="false" />
        <Property Name="Copyright" Type="Edm.String" Nullable="true" />
        <Property Name="Created" Type="Edm.DateTime" Nullable="false" />
        <Property Name="Dependencies" Type="Edm.String" Nullable="true" />
        <Property Name="Description" Type="Edm.String" Nullable="true" />
        <Property Name="DownloadCount" Type="Edm.Int32" Nullable="false" />
        <Property Name="IconUrl" Type="Edm.String" Nullable="true" />
        <Property Name="IsLatestVersion" Type="Edm.Boolean" Nullable="false" />
        <Property Name="IsAbsoluteLatestVersion" Type="Edm.Boolean" Nullable="false" />
        <Property Name="IsPrerelease" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Language" Type="Edm.String" Nullable="true" />
        <Property Name="LastUpdated" Type="Edm.DateTime" Nullable="false" />
        <Property Name="Published" Type="Edm.DateTime" Nullable="false" />
        <Property Name="PackageHash" Type="Edm.String" Nullable="true" />
        <Property Name="PackageHashAlgorithm" Type="Edm.String" Nullable="true" />
        <Property Name="PackageSize" Type="Edm.Int64" Nullable="false" />
        <Property Name="ProjectUrl" Type="Edm.String" Nullable="true" />
        <Property Name="ReleaseNotes" Type="Edm.String" Nullable="true" />
        <Property Name="RequireLicenseAcceptance" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Summary" Type="Edm.String" Nullable="true" m:FC_TargetPath="SyndicationSummary" m:FC_ContentKind="text" m:FC_KeepInContent="false" />
        <Property Name="Tags" Type="Edm.String" Nullable="true" />
        <Property Name="Title" Type="Edm.String" Nullable="true" />
        <Property Name="VersionDownloadCount" Type="Edm.Int32" Nullable="false" />
        <Property Name="MinClientVersion" Type="Edm.String" Nullable="true" />
        <Property Name="LastEdited" Type="Edm.DateTime" Nullable="true" />
        <Property Name="LicenseUrl" Type="Edm.String" Nullable="true" />
        <Property Name="Listed" Type="Edm.Boolean" Nullable="false" />
        <Property Name="Owners" Type="Edm.String" Nullable="true" />
      </EntityType>
      <EntityContainer Name="FeedContext_x0060_1" m:IsDefaultEntityContainer="true">
        <EntitySet Name="Packages" EntityType="NuGetGallery.V2FeedPackage" />
        <FunctionImport Name="Search" EntitySet="Packages" ReturnType="Collection(NuGetGallery.V2FeedPackage)" m:HttpMethod="GET">
          <Parameter Name="searchTerm" Type="Edm.String" Mode="In" />
          <Parameter Name="targetFramework" Type="Edm.String" Mode="In" />
          <Parameter Name="includePrerelease" Type="Edm.Boolean" Mode="In" />
        </FunctionImport>
        <FunctionImport Name="FindPackagesById" EntitySet="Packages" ReturnType="Collection(NuGetGallery.V2FeedPackage)" m:HttpMethod="GET">
          <Parameter Name="id" Type="Edm.String" Mode="In" />
        </FunctionImport>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(V2Endpoint::parse("", ""), Ok(V2Endpoint::Root));
        assert_eq!(V2Endpoint::parse("$metadata", ""), Ok(V2Endpoint::Metadata));
        assert_eq!(
            V2Endpoint::parse("Packages(Id='Foo',Version='1.0')", ""),
            Ok(V2Endpoint::Package { id: "Foo".into(), version: NugetVersion::parse("1.0.0").expect("v") })
        );
        assert_eq!(
            V2Endpoint::parse("Packages(Id=%27Foo%27,Version=%271.0%27)", "").map(|e| e.name()),
            Ok("v2-package")
        );
        assert_eq!(
            V2Endpoint::parse("FindPackagesById()", "id=%27Foo%27"),
            Ok(V2Endpoint::FindById { id: "Foo".into() })
        );
        assert_eq!(
            V2Endpoint::parse("Packages()", "$filter=tolower(Id)%20eq%20'foo'&$orderby=Id"),
            Ok(V2Endpoint::FindById { id: "foo".into() })
        );
        let search = V2Endpoint::parse(
            "Search()",
            "$filter=IsLatestVersion&searchTerm='hello'&includePrerelease=true&$skip=0&$top=30",
        );
        let Ok(V2Endpoint::Search { query, latest_only: true }) = search else { panic!("a search: {search:?}") };
        assert_eq!((query.q.as_str(), query.prerelease, query.take), ("hello", true, 30));
        assert_eq!(V2Endpoint::parse("GetUpdates()", ""), Ok(V2Endpoint::EmptyFeed));
        assert!(V2Endpoint::parse("Packages(Id='Foo')", "").is_err());
        assert!(V2Endpoint::parse("nope", "").is_err());
    }

    #[test]
    fn entries_escape_and_link_the_download() {
        let v = VersionEntry {
            version: NugetVersion::parse("1.0.0").expect("v"),
            listed: true,
            published: None,
            entry: serde_json::json!({"id": "Foo", "description": "a <b> & c",
                "dependencyGroups": [{"dependencies": [{"id": "Bar", "range": "[1.0.0, )"}]}]}),
        };
        let urls = Urls { base: "http://h/nuget/d/r".into() };
        let xml = entry_xml(&urls, "foo", &v, Some(v.version.clone()), true);
        assert!(xml.contains("<d:Description>a &lt;b&gt; &amp; c</d:Description>"), "{xml}");
        assert!(xml.contains("src=\"http://h/nuget/d/r/api/v2/package/Foo/1.0.0\""), "{xml}");
        assert!(xml.contains("<d:Dependencies>Bar:[1.0.0, ):</d:Dependencies>"), "{xml}");
        assert!(xml.contains("<d:IsLatestVersion m:type=\"Edm.Boolean\">true</d:IsLatestVersion>"));
    }
}
