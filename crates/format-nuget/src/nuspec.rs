//! The `.nuspec` manifest of a package (<https://learn.microsoft.com/nuget/reference/nuspec>):
//! what a push is identified by (id, version) and what registrations and the control plane show.
//!
//! Read safely: a `<!DOCTYPE>` is refused (no entity is ever declared), references other than
//! XML's predefined ones are refused, nesting is bounded, the caller bounds the size, and
//! namespaces are ignored (elements match by local name: nuspecs use several schema URIs).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Value, json};
use tributary_model::{Dependency, License, ServiceError, VersionMetadata};

use crate::version::{NugetVersion, normalize_range};

/// The deepest nesting accepted.
const MAX_DEPTH: usize = 32;
/// The most dependencies (over all groups) a manifest may list.
const MAX_DEPENDENCIES: usize = 10_000;

/// A dependency of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NuspecDependency {
    /// The package id.
    pub id: String,
    /// The version range as written (empty for any).
    pub range: String,
}

/// The dependencies for one target framework (empty: any framework).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DependencyGroup {
    /// The target framework, as written (`net6.0`, `.NETStandard2.0`), empty for any.
    pub target_framework: String,
    /// Its dependencies.
    pub dependencies: Vec<NuspecDependency>,
}

/// What a nuspec says of its package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nuspec {
    /// The id as written.
    pub id: String,
    /// The version as written.
    pub version: String,
    /// The title.
    pub title: Option<String>,
    /// The authors, comma-separated as written.
    pub authors: String,
    /// The description.
    pub description: String,
    /// The summary.
    pub summary: Option<String>,
    /// The release notes.
    pub release_notes: Option<String>,
    /// The copyright.
    pub copyright: Option<String>,
    /// The language.
    pub language: Option<String>,
    /// The project URL.
    pub project_url: Option<String>,
    /// The icon URL.
    pub icon_url: Option<String>,
    /// The license URL.
    pub license_url: Option<String>,
    /// The SPDX license expression (`<license type="expression">`).
    pub license_expression: Option<String>,
    /// Whether installing asks to accept the license.
    pub require_license_acceptance: bool,
    /// The tags, space-separated as written.
    pub tags: Option<String>,
    /// The oldest client that may install it.
    pub min_client_version: Option<String>,
    /// The source repository URL.
    pub repository_url: Option<String>,
    /// The dependency groups (a manifest with a flat `<dependencies>` list has one, for any
    /// framework).
    pub dependency_groups: Vec<DependencyGroup>,
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>, ServiceError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| invalid(&format!("a malformed attribute ({e})")))?;
        if attr.key.local_name().as_ref() == name.as_bytes() {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| invalid(&format!("a malformed attribute value ({e})")))?;
            return Ok(Some(value.trim().to_owned()));
        }
    }
    Ok(None)
}

fn invalid(why: &str) -> ServiceError {
    ServiceError::validation(format!("the package's .nuspec is not valid: {why}; pack it again with `nuget pack`"))
}

fn local(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

/// Parses a nuspec; the id and version must be there and valid.
pub fn parse(bytes: &[u8]) -> Result<Nuspec, ServiceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| invalid("it is not UTF-8 text"))?;
    let mut reader = Reader::from_str(text);
    let mut nuspec = Nuspec::default();
    let mut path: Vec<String> = Vec::new();
    let mut content = String::new();
    let mut dependency_count = 0usize;
    let mut saw_package = false;
    loop {
        let event = reader.read_event().map_err(|e| invalid(&format!("it is not well-formed XML ({e})")))?;
        let (start, empty) = match &event {
            Event::Start(s) => (Some(s.clone()), false),
            Event::Empty(s) => (Some(s.clone()), true),
            _ => (None, false),
        };
        if let Some(start) = start {
            let name = local(&start);
            if path.is_empty() {
                if name != "package" || saw_package {
                    return Err(invalid(&format!("the root element is `<{name}>`, not one `<package>`")));
                }
                saw_package = true;
            }
            if path.len() >= MAX_DEPTH {
                return Err(invalid("elements nest too deep"));
            }
            let parent: Vec<&str> = path.iter().map(String::as_str).collect();
            match (parent.as_slice(), name.as_str()) {
                (["package"], "metadata") => {
                    nuspec.min_client_version = attribute(&start, "minClientVersion")?;
                }
                // The expression is the element's text, read when it closes.
                (["package", "metadata"], "license") if attribute(&start, "type")?.as_deref() == Some("expression") => {
                    nuspec.license_expression = Some(String::new());
                }
                (["package", "metadata"], "repository") => {
                    nuspec.repository_url = attribute(&start, "url")?.filter(|u| !u.is_empty());
                }
                (["package", "metadata", "dependencies"], "group") => {
                    nuspec.dependency_groups.push(DependencyGroup {
                        target_framework: attribute(&start, "targetFramework")?.unwrap_or_default(),
                        dependencies: Vec::new(),
                    });
                }
                (
                    ["package", "metadata", "dependencies"] | ["package", "metadata", "dependencies", "group"],
                    "dependency",
                ) => {
                    dependency_count += 1;
                    if dependency_count > MAX_DEPENDENCIES {
                        return Err(invalid(&format!("it lists more than {MAX_DEPENDENCIES} dependencies")));
                    }
                    let id = attribute(&start, "id")?
                        .filter(|i| !i.is_empty())
                        .ok_or_else(|| invalid("a `<dependency>` has no `id`"))?;
                    let range = attribute(&start, "version")?.unwrap_or_default();
                    if parent.len() == 3 {
                        // A flat list: one group, for any framework.
                        if nuspec.dependency_groups.first().is_none_or(|g| !g.target_framework.is_empty()) {
                            nuspec.dependency_groups.insert(0, DependencyGroup::default());
                        }
                        nuspec.dependency_groups[0].dependencies.push(NuspecDependency { id, range });
                    } else if let Some(group) = nuspec.dependency_groups.last_mut() {
                        group.dependencies.push(NuspecDependency { id, range });
                    }
                }
                _ => {}
            }
            if !empty {
                path.push(name);
                content.clear();
            }
            continue;
        }
        match event {
            Event::End(_) => {
                let value = content.trim().to_owned();
                let names: Vec<&str> = path.iter().map(String::as_str).collect();
                if let ["package", "metadata", field] = names.as_slice() {
                    let text = || Some(value.clone()).filter(|v| !v.is_empty());
                    match *field {
                        "id" => nuspec.id = value.clone(),
                        "version" => nuspec.version = value.clone(),
                        "title" => nuspec.title = text(),
                        "authors" => nuspec.authors = value.clone(),
                        "description" => nuspec.description = value.clone(),
                        "summary" => nuspec.summary = text(),
                        "releaseNotes" => nuspec.release_notes = text(),
                        "copyright" => nuspec.copyright = text(),
                        "language" => nuspec.language = text(),
                        "projectUrl" => nuspec.project_url = text(),
                        "iconUrl" => nuspec.icon_url = text(),
                        "licenseUrl" => nuspec.license_url = text(),
                        "license" if nuspec.license_expression.is_some() => nuspec.license_expression = text(),
                        "requireLicenseAcceptance" => {
                            nuspec.require_license_acceptance = value.eq_ignore_ascii_case("true")
                        }
                        "tags" => nuspec.tags = text(),
                        _ => {}
                    }
                }
                path.pop();
                content.clear();
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| invalid(&e.to_string()))?;
                content.push_str(&s);
            }
            Event::CData(t) => {
                let s = t.xml10_content().map_err(|e| invalid(&e.to_string()))?;
                content.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let c = match r.as_ref() {
                    b"lt" => '<',
                    b"gt" => '>',
                    b"amp" => '&',
                    b"apos" => '\'',
                    b"quot" => '"',
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or_else(|| invalid("it refers to an entity; only XML's predefined ones are read"))?,
                };
                content.push(c);
            }
            Event::DocType(_) => return Err(invalid("it has a `<!DOCTYPE>`, which nuspecs never have")),
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = path.last() {
        return Err(invalid(&format!("it ends inside `<{open}>`: it is truncated")));
    }
    if !saw_package {
        return Err(invalid("it has no `<package>` element"));
    }
    if nuspec.id.is_empty() {
        return Err(invalid("`<id>` is missing"));
    }
    crate::id::validate(&nuspec.id)?;
    if nuspec.version.is_empty() {
        return Err(invalid("`<version>` is missing"));
    }
    NugetVersion::parse(&nuspec.version)?;
    Ok(nuspec)
}

impl Nuspec {
    /// The parsed version (checked by [`parse`]).
    pub fn parsed_version(&self) -> Result<NugetVersion, ServiceError> {
        NugetVersion::parse(&self.version)
    }

    /// The license URL shown: the one written, else nuget.org's page of the expression.
    pub fn shown_license_url(&self) -> Option<String> {
        self.license_url.clone().or_else(|| {
            self.license_expression.as_ref().map(|e| format!("https://licenses.nuget.org/{}", e.replace(' ', "%20")))
        })
    }

    /// The package's entry, as registrations' `catalogEntry` carries it (without the URLs,
    /// which depend on the asking repository): what a stored version keeps as its format
    /// metadata, the same shape as an upstream's catalog entry.
    pub fn entry(&self) -> Value {
        let version = self.parsed_version().map(|v| v.full()).unwrap_or_else(|_| self.version.clone());
        let tags: Vec<&str> =
            self.tags.as_deref().unwrap_or_default().split([' ', ',', ';']).filter(|t| !t.is_empty()).collect();
        let groups: Vec<Value> = self
            .dependency_groups
            .iter()
            .map(|g| {
                let deps: Vec<Value> =
                    g.dependencies.iter().map(|d| json!({"id": d.id, "range": normalize_range(&d.range)})).collect();
                let mut group = json!({"dependencies": deps});
                if !g.target_framework.is_empty() {
                    group["targetFramework"] = json!(g.target_framework);
                }
                group
            })
            .collect();
        let mut entry = json!({
            "id": self.id,
            "version": version,
            "authors": self.authors,
            "description": self.description,
            "tags": tags,
            "requireLicenseAcceptance": self.require_license_acceptance,
            "dependencyGroups": groups,
        });
        let optional = [
            ("title", self.title.clone()),
            ("summary", self.summary.clone()),
            ("releaseNotes", self.release_notes.clone()),
            ("copyright", self.copyright.clone()),
            ("language", self.language.clone()),
            ("projectUrl", self.project_url.clone()),
            ("iconUrl", self.icon_url.clone()),
            ("licenseUrl", self.shown_license_url()),
            ("licenseExpression", self.license_expression.clone()),
            ("minClientVersion", self.min_client_version.clone()),
            ("repositoryUrl", self.repository_url.clone()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                entry[key] = json!(value);
            }
        }
        entry
    }
}

/// The control plane's metadata of a catalog entry (a stored version's, or an upstream's).
pub fn version_metadata(entry: &Value) -> VersionMetadata {
    let text = |key: &str| entry.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut licenses = Vec::new();
    if let Some(expression) = text("licenseExpression") {
        licenses.push(License { name: expression, url: text("licenseUrl") });
    } else if let Some(url) = text("licenseUrl") {
        licenses.push(License { name: url.clone(), url: Some(url) });
    }
    let mut dependencies = Vec::new();
    for group in entry.get("dependencyGroups").and_then(Value::as_array).into_iter().flatten() {
        let framework = group.get("targetFramework").and_then(Value::as_str).unwrap_or("any");
        for dep in group.get("dependencies").and_then(Value::as_array).into_iter().flatten() {
            dependencies.push(Dependency {
                namespace: String::new(),
                package: dep.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
                dependency_type: framework.to_owned(),
                version_requirement: dep.get("range").and_then(Value::as_str).unwrap_or_default().to_owned(),
            });
        }
    }
    VersionMetadata {
        summary: text("summary")
            .or_else(|| text("description").map(|d| d.lines().next().unwrap_or_default().to_owned())),
        home_page: text("projectUrl"),
        source_code_repository: text("repositoryUrl"),
        licenses,
        dependencies,
        readme: text("description"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.12">
    <id>Contoso.Utils</id>
    <version>1.2.0-beta.1+build.5</version>
    <title>Contoso &amp; friends</title>
    <authors>Ann, Bob</authors>
    <description>Helpers.
Second line.</description>
    <license type="expression">MIT OR Apache-2.0</license>
    <projectUrl>https://contoso.example/utils</projectUrl>
    <repository type="git" url="https://git.example/utils.git" />
    <tags>util helpers</tags>
    <dependencies>
      <group targetFramework="net6.0">
        <dependency id="Newtonsoft.Json" version="13.0.1" />
        <dependency id="Contoso.Core" version="[1.0,2.0)" exclude="Build" />
      </group>
      <group targetFramework=".NETStandard2.0" />
    </dependencies>
  </metadata>
</package>"#;

    #[test]
    fn a_full_manifest() {
        let n = parse(FULL.as_bytes()).expect("parses");
        assert_eq!(n.id, "Contoso.Utils");
        assert_eq!(n.version, "1.2.0-beta.1+build.5");
        assert_eq!(n.title.as_deref(), Some("Contoso & friends"));
        assert_eq!(n.license_expression.as_deref(), Some("MIT OR Apache-2.0"));
        assert_eq!(n.min_client_version.as_deref(), Some("2.12"));
        assert_eq!(n.repository_url.as_deref(), Some("https://git.example/utils.git"));
        assert_eq!(n.dependency_groups.len(), 2);
        assert_eq!(
            n.dependency_groups[0].dependencies[1],
            NuspecDependency { id: "Contoso.Core".into(), range: "[1.0,2.0)".into() }
        );
        let entry = n.entry();
        assert_eq!(entry["version"], "1.2.0-beta.1+build.5");
        assert_eq!(entry["licenseUrl"], "https://licenses.nuget.org/MIT%20OR%20Apache-2.0");
        assert_eq!(entry["dependencyGroups"][0]["dependencies"][0]["range"], "[13.0.1, )");
        assert_eq!(entry["dependencyGroups"][1]["targetFramework"], ".NETStandard2.0");
        assert_eq!(entry["tags"], json!(["util", "helpers"]));
        let metadata = version_metadata(&entry);
        assert_eq!(metadata.summary.as_deref(), Some("Helpers."));
        assert_eq!(metadata.licenses[0].name, "MIT OR Apache-2.0");
        assert_eq!(metadata.dependencies.len(), 2);
        assert_eq!(metadata.dependencies[1].dependency_type, "net6.0");
        assert_eq!(metadata.dependencies[1].version_requirement, "[1.0.0, 2.0.0)");
        assert_eq!(metadata.source_code_repository.as_deref(), Some("https://git.example/utils.git"));
    }

    #[test]
    fn a_flat_dependency_list_is_one_group_for_any_framework() {
        let xml =
            br#"<package><metadata><id>A</id><version>1.0</version><authors>x</authors><description>d</description>
            <dependencies><dependency id="B" version="2.0"/></dependencies></metadata></package>"#;
        let n = parse(xml).expect("parses");
        assert_eq!(
            n.dependency_groups,
            vec![DependencyGroup {
                target_framework: String::new(),
                dependencies: vec![NuspecDependency { id: "B".into(), range: "2.0".into() }]
            }]
        );
        assert_eq!(version_metadata(&n.entry()).dependencies[0].dependency_type, "any");
    }

    #[test]
    fn refused() {
        let cases: [(&[u8], &str); 8] = [
            (b"<package><metadata><version>1.0</version></metadata></package>", "`<id>` is missing"),
            (b"<package><metadata><id>A</id></metadata></package>", "`<version>` is missing"),
            (b"<package><metadata><id>A</id><version>one</version></metadata></package>", "not a NuGet version"),
            (
                b"<package><metadata><id>../A</id><version>1.0</version></metadata></package>",
                "not a valid NuGet package id",
            ),
            (b"<!DOCTYPE x [<!ENTITY a 'b'>]><package/>", "DOCTYPE"),
            (b"<package><metadata><id>&xxe;</id></metadata></package>", "entity"),
            (b"<nope/>", "root element"),
            (b"<package><metadata><id>A</id>", "truncated"),
        ];
        for (xml, expected) in cases {
            let err = parse(xml).expect_err("refused");
            assert!(err.message.contains(expected), "{}: {}", String::from_utf8_lossy(xml), err.message);
        }
        let deep = format!("<package>{}{}</package>", "<a>".repeat(40), "</a>".repeat(40));
        assert!(parse(deep.as_bytes()).expect_err("too deep").message.contains("nest"));
    }
}
