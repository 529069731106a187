//! A local stand-in for nuget.org (`https://api.nuget.org/v3/index.json`), for the
//! `public:nuget-org` external connection in end-to-end tests, and the NuGet clients' set-up.
//!
//! - [`NugetFixture::start`] serves a v3 feed of the [`NugetPackage`]s it is given, as
//!   nuget.org does: `/v3/index.json` names the parts; registrations
//!   (`/v3/registration/{id}/index.json`) are gzip-encoded whatever the request asks, inline
//!   every version up to 128 and link pages of 64 above (`/v3/registration/{id}/page/{n}.json`);
//!   the flat container (`/v3/flat/{id}/index.json`, `…/{version}/{id}.{version}.nupkg`,
//!   `….nuspec`); search (`/v3/query?q=`, by id). A package made with `hashed` publishes its
//!   SHA-512 in its catalog entry (`packageHash`), as a registry may (nuget.org does not); one
//!   made `tampered` is served with other bytes than that hash's; an id with `Old` in it is
//!   deprecated in its catalog entry, as nuget.org marks one. Its vulnerability index
//!   (`VulnerabilityInfo/6.7.0`) has one page, [`vulnerabilities`].
//! - [`nupkg`] builds a package (a zip with its nuspec) without any client.
//! - [`nuget_command`] runs a real NuGet client (on mono) in a home of its own.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

pub use crate::fixture_server::Mode;
use crate::fixture_server::{Fixture, Request, Response, lock};

/// The environment variable naming nuget.exe 5.8 (set by `cargo xtask test`).
pub const ENV_NUGET_EXE: &str = "TRIBUTARY_TEST_NUGET_EXE";
/// The environment variable naming nuget.exe 3.4.4.
pub const ENV_NUGET3_EXE: &str = "TRIBUTARY_TEST_NUGET3_EXE";

/// The NuGet clients the tests drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NugetClient {
    /// nuget.exe 5.8 (npm `nuget-exe`), on mono.
    V58,
    /// nuget.exe 3.4.4 (npm `nuget@2.0.2`), on mono.
    V34,
    /// Debian's `nuget` 2.8.7 (v2 only).
    V28,
}

fn exe(variable: &str, relative: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target/tools/nuget").join(relative))
}

/// A command running `client` with `home` as its home (its caches and default config there),
/// non-interactive. Add the verb and its arguments.
pub fn nuget_command(client: NugetClient, home: &Path) -> Command {
    let mut command = match client {
        NugetClient::V58 => {
            let mut c = Command::new("mono");
            c.arg(exe(ENV_NUGET_EXE, "nuget-exe-5.8.0/package/nuget-5.8.0.exe"));
            c
        }
        NugetClient::V34 => {
            let mut c = Command::new("mono");
            c.arg(exe(ENV_NUGET3_EXE, "nuget-2.0.2/package/bin/nuget.exe"));
            c
        }
        NugetClient::V28 => Command::new("/usr/bin/nuget"),
    };
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("NUGET_PACKAGES", home.join("packages"))
        .env("NUGET_HTTP_CACHE_PATH", home.join("http-cache"))
        .env("LANG", "C.UTF-8")
        // mono's certificate store and telemetry stay out of the way.
        .env("MONO_ENV_OPTIONS", "")
        .current_dir(home);
    command
}

/// Writes a `nuget.config` in `home` whose only source is `url` (after `<clear/>`), with `token`
/// as its password; returns its path.
pub fn nuget_config(home: &Path, name: &str, url: &str, token: &str) -> PathBuf {
    let path = home.join("nuget.config");
    let config = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="{name}" value="{url}" />
  </packageSources>
  <packageSourceCredentials>
    <{name}>
      <add key="Username" value="aws" />
      <add key="ClearTextPassword" value="{token}" />
    </{name}>
  </packageSourceCredentials>
</configuration>
"#
    );
    std::fs::write(&path, config).expect("write nuget.config");
    path
}

/// A package the fixture serves.
#[derive(Debug, Clone)]
pub struct NugetPackage {
    /// The id as written.
    pub id: String,
    /// The version as written.
    pub version: String,
    /// The `.nupkg`.
    pub nupkg: Vec<u8>,
    /// The nuspec.
    pub nuspec: Vec<u8>,
    /// Its dependencies (id, range), for any framework.
    pub dependencies: Vec<(String, String)>,
    /// Whether the fixture publishes its SHA-512.
    pub hashed: bool,
    /// Other bytes the fixture serves as its `.nupkg` (its published hash stays the real one's):
    /// an upstream that corrupted a file.
    pub served: Option<Vec<u8>>,
}

impl NugetPackage {
    /// Its lowercased id.
    pub fn lower_id(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// Its normalized version (lowercased, as URLs carry it).
    pub fn lower_version(&self) -> String {
        self.version.split('+').next().unwrap_or_default().to_ascii_lowercase()
    }

    /// The same, with its SHA-512 published.
    pub fn hashed(mut self) -> Self {
        self.hashed = true;
        self
    }

    /// The same, served corrupted: other bytes than its published SHA-512's.
    pub fn tampered(mut self) -> Self {
        let mut bytes = self.nupkg.clone();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        self.served = Some(bytes);
        self.hashed()
    }
}

/// The nuspec of `id` `version` with `dependencies`.
pub fn nuspec(id: &str, version: &str, dependencies: &[(&str, &str)]) -> String {
    let deps: String =
        dependencies.iter().map(|(d, r)| format!("<dependency id=\"{d}\" version=\"{r}\" />")).collect::<String>();
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>{id}</id>
    <version>{version}</version>
    <authors>Fixture Authors</authors>
    <description>The {id} fixture package.</description>
    <license type="expression">MIT</license>
    <projectUrl>https://example.com/{id}</projectUrl>
    <tags>fixture test</tags>
    <dependencies><group targetFramework=".NETStandard2.0">{deps}</group></dependencies>
  </metadata>
</package>
"#
    )
}

/// A `.nupkg` of `id` `version` with `dependencies` and one content file.
pub fn nupkg(id: &str, version: &str, dependencies: &[(&str, &str)]) -> NugetPackage {
    let spec = nuspec(id, version, dependencies);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let content_types = r#"<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="txt" ContentType="application/octet" /></Types>"#;
    for (name, bytes) in [
        (format!("{id}.nuspec"), spec.as_bytes().to_vec()),
        ("[Content_Types].xml".to_owned(), content_types.as_bytes().to_vec()),
        (format!("content/{id}.txt"), format!("{id} {version}\n").into_bytes()),
    ] {
        zip.start_file(name, options).expect("a zip entry");
        zip.write_all(&bytes).expect("written");
    }
    let nupkg = zip.finish().expect("a zip").into_inner();
    NugetPackage {
        id: id.to_owned(),
        version: version.to_owned(),
        nupkg,
        nuspec: spec.into_bytes(),
        dependencies: dependencies.iter().map(|(d, r)| ((*d).to_owned(), (*r).to_owned())).collect(),
        hashed: false,
        served: None,
    }
}

/// What the fixture serves.
#[derive(Debug, Default)]
pub struct Feed {
    packages: Mutex<Vec<NugetPackage>>,
}

/// The stand-in for nuget.org.
pub type NugetFixture = Fixture<Feed>;

impl NugetFixture {
    /// Serves `packages` on a free port.
    pub fn start(packages: Vec<NugetPackage>) -> Self {
        Fixture::serve("nuget", Feed { packages: Mutex::new(packages) }, routes)
    }

    /// The URL of its service index.
    pub fn index_url(&self) -> String {
        format!("{}/v3/index.json", self.url())
    }

    /// Adds a package.
    pub fn add(&self, package: NugetPackage) {
        lock(&self.state().packages).push(package);
    }

    /// How often the `.nupkg` of `package` was downloaded.
    pub fn downloads(&self, package: &NugetPackage) -> usize {
        let (id, version) = (package.lower_id(), package.lower_version());
        self.requests(&format!("/v3/flat/{id}/{version}/{id}.{version}.nupkg"))
    }
}

/// The fixture's vulnerability data: one advisory for `Fixture.Json` below 2.0.0.
pub fn vulnerabilities() -> Value {
    json!({"fixture.json": [{"url": "https://example.com/advisories/1", "severity": 2, "versions": "(, 2.0.0)"}]})
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn leaf(url: &str, p: &NugetPackage) -> Value {
    let (id, version) = (p.lower_id(), p.lower_version());
    let mut entry = json!({
        "@id": format!("{url}/catalog/{id}.{version}.json"),
        "@type": "PackageDetails",
        "id": p.id,
        "version": p.version,
        "authors": "Fixture Authors",
        "description": format!("The {} fixture package.", p.id),
        "licenseExpression": "MIT",
        "licenseUrl": "https://licenses.nuget.org/MIT",
        "projectUrl": format!("https://example.com/{}", p.id),
        "tags": ["fixture", "test"],
        "listed": true,
        "published": "2024-01-01T00:00:00+00:00",
        "packageContent": format!("{url}/v3/flat/{id}/{version}/{id}.{version}.nupkg"),
        "dependencyGroups": [{
            "targetFramework": ".NETStandard2.0",
            "dependencies": p.dependencies.iter().map(|(d, r)| json!({"id": d, "range": r})).collect::<Vec<_>>(),
        }],
        "deprecation": if p.id.contains("Old") { json!({"reasons": ["Legacy"], "message": "use the new one"}) } else { Value::Null },
    });
    if p.hashed {
        entry["packageHash"] = json!(base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&p.nupkg)));
        entry["packageHashAlgorithm"] = json!("SHA512");
    }
    if entry["deprecation"].is_null()
        && let Some(map) = entry.as_object_mut()
    {
        map.remove("deprecation");
    }
    json!({
        "@id": format!("{url}/v3/registration/{id}/{version}.json"),
        "@type": "Package",
        "catalogEntry": entry,
        "packageContent": format!("{url}/v3/flat/{id}/{version}/{id}.{version}.nupkg"),
        "registration": format!("{url}/v3/registration/{id}/index.json"),
    })
}

fn routes(request: &Request, feed: &Feed, url: &str) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        return Response::text(405, "GET only");
    }
    let (path, query) = (request.path.as_str(), request.query.as_str());
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let packages = lock(&feed.packages).clone();
    let of = |id: &str| -> Vec<NugetPackage> { packages.iter().filter(|p| p.lower_id() == id).cloned().collect() };
    let json_response =
        |value: Value| Response::new(200, "application/json", serde_json::to_vec(&value).unwrap_or_default());
    match segments.as_slice() {
        ["v3", "index.json"] => json_response(json!({"version": "3.0.0", "resources": [
            {"@id": format!("{url}/v3/flat/"), "@type": "PackageBaseAddress/3.0.0"},
            {"@id": format!("{url}/v3/registration/"), "@type": "RegistrationsBaseUrl/3.6.0"},
            {"@id": format!("{url}/v3/registration/"), "@type": "RegistrationsBaseUrl"},
            {"@id": format!("{url}/v3/query"), "@type": "SearchQueryService/3.5.0"},
            {"@id": format!("{url}/v3/vulnerabilities/index.json"), "@type": "VulnerabilityInfo/6.7.0"},
        ]})),
        ["v3", "vulnerabilities", "index.json"] => json_response(json!([
            {"@name": "base", "@id": format!("{url}/v3/vulnerabilities/base.json"), "@updated": "2024-01-01T00:00:00Z"}
        ])),
        ["v3", "vulnerabilities", "base.json"] => json_response(vulnerabilities()),
        ["v3", "registration", id, "index.json"] => {
            let versions = of(id);
            if versions.is_empty() {
                return Response::text(404, "not found");
            }
            let registration = format!("{url}/v3/registration/{id}/index.json");
            let items: Vec<Value> = if versions.len() <= 128 {
                vec![json!({"@id": format!("{registration}#page/all"), "count": versions.len(),
                    "items": versions.iter().map(|p| leaf(url, p)).collect::<Vec<_>>()})]
            } else {
                versions
                    .chunks(64)
                    .enumerate()
                    .map(|(n, chunk)| json!({"@id": format!("{url}/v3/registration/{id}/page/{n}.json"), "count": chunk.len()}))
                    .collect()
            };
            let body = serde_json::to_vec(&json!({"count": items.len(), "items": items})).unwrap_or_default();
            Response::new(200, "application/json", gzip(&body)).with_header("Content-Encoding", "gzip")
        }
        ["v3", "registration", id, "page", page] => {
            let n: usize = page.trim_end_matches(".json").parse().unwrap_or(usize::MAX);
            let versions = of(id);
            let Some(chunk) = versions.chunks(64).nth(n) else { return Response::text(404, "no such page") };
            let body = serde_json::to_vec(&json!({"items": chunk.iter().map(|p| leaf(url, p)).collect::<Vec<_>>()}))
                .unwrap_or_default();
            Response::new(200, "application/json", gzip(&body)).with_header("Content-Encoding", "gzip")
        }
        ["v3", "flat", id, "index.json"] => {
            let versions = of(id);
            if versions.is_empty() {
                return Response::text(404, "not found");
            }
            json_response(json!({"versions": versions.iter().map(NugetPackage::lower_version).collect::<Vec<_>>()}))
        }
        ["v3", "flat", id, version, file] => match of(id).into_iter().find(|p| p.lower_version() == *version) {
            Some(p) if *file == format!("{id}.{version}.nupkg") => {
                Response::new(200, "application/octet-stream", p.served.unwrap_or(p.nupkg))
            }
            Some(p) if *file == format!("{id}.nuspec") => Response::new(200, "application/xml", p.nuspec),
            _ => Response::text(404, "not found"),
        },
        ["v3", "query"] => {
            let q = query
                .split('&')
                .find_map(|p| p.strip_prefix("q="))
                .map(|q| q.replace("%2E", ".").replace("%2e", ".").to_ascii_lowercase())
                .unwrap_or_default();
            let mut ids: Vec<String> =
                packages.iter().map(NugetPackage::lower_id).filter(|id| id.contains(&q)).collect();
            ids.dedup();
            let data: Vec<Value> = ids
                .iter()
                .map(|id| {
                    let versions = of(id);
                    let latest = versions.last().map(|p| p.version.clone()).unwrap_or_default();
                    json!({"@id": format!("{url}/v3/registration/{id}/index.json"), "id": versions[0].id, "version": latest,
                        "description": format!("The {} fixture package.", versions[0].id), "authors": ["Fixture Authors"],
                        "versions": versions.iter().map(|p| json!({"version": p.version, "downloads": 1})).collect::<Vec<_>>()})
                })
                .collect();
            json_response(json!({"totalHits": data.len(), "data": data}))
        }
        _ => Response::text(404, "not found"),
    }
}
