//! The Project Object Model (<https://maven.apache.org/pom.html>), as far as a repository needs it:
//! the coordinates a POM declares (to check them against the path it was deployed to), and the
//! descriptive metadata and direct dependencies a package version reports
//! ([`tributary_model::VersionMetadata`]).
//!
//! This is not Maven's model builder: nothing is inherited from parent POMs (they may not be
//! here), no profile is activated, no BOM is imported. What a POM says about itself is read, with
//! the interpolation a reader of that one file can do: `${project.version}`,
//! `${project.groupId}`, `${project.parent.version}` and friends, and the POM's own
//! `<properties>`, repeatedly (a property may refer to another), within bounds. A dependency
//! without a version takes it from the POM's own `<dependencyManagement>` when that names it.
//! Only `project/dependencies` are dependencies: not `dependencyManagement`, not profiles', not
//! plugins'.

use std::collections::HashMap;

use tributary_model::{Dependency, License, VersionMetadata};

use crate::MavenError;
use crate::path::ArtifactFile;
use crate::xml::{self, Node};

/// The largest POM read, in bytes. Real POMs are a few KiB; the largest on Maven Central are
/// below 1 MiB.
pub const MAX_POM_LEN: usize = 4 << 20;

/// How many times interpolation goes over a value (a property that refers to a property that
/// refers ... deeper than this stays unresolved).
const MAX_INTERPOLATION_ROUNDS: usize = 10;

/// The longest value interpolation produces; a value that would grow longer stays as it was
/// (properties that double themselves cannot blow up).
const MAX_INTERPOLATED_LEN: usize = 4096;

/// A POM's parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PomParent {
    /// The parent's group id.
    pub group_id: String,
    /// The parent's artifact id.
    pub artifact_id: String,
    /// The parent's version (Maven 4 lets it be omitted).
    pub version: Option<String>,
}

/// A license a POM declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PomLicense {
    /// Its name (`Apache-2.0`, `The Apache Software License, Version 2.0`); the URL when the POM
    /// gives no name.
    pub name: String,
    /// Its URL.
    pub url: Option<String>,
}

/// A direct dependency (`project/dependencies/dependency`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PomDependency {
    /// The group id.
    pub group_id: String,
    /// The artifact id.
    pub artifact_id: String,
    /// The version or version range as written (interpolated); `None` when neither the
    /// dependency nor the POM's own `dependencyManagement` gives one (a parent or an imported BOM
    /// manages it).
    pub version: Option<String>,
    /// The scope: `compile` (the default), `runtime`, `test`, `provided`, `system`, `import`.
    pub scope: String,
    /// Whether it is optional.
    pub optional: bool,
    /// The classifier.
    pub classifier: Option<String>,
    /// The type: `jar` (the default), `pom`, `test-jar`, ...
    pub type_: String,
}

/// What a POM says about its project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pom {
    /// The group id: its own, else its parent's.
    pub group_id: Option<String>,
    /// The artifact id.
    pub artifact_id: String,
    /// The version: its own, else its parent's.
    pub version: Option<String>,
    /// Whether the version was written as an expression (`${revision}`, the CI-friendly
    /// versions): the build may have set it on the command line, so the POM's own properties
    /// need not give the version it was deployed as.
    pub version_from_expression: bool,
    /// The packaging: `jar` (the default), `pom`, `maven-plugin`, `war`, `bundle`, ...
    pub packaging: String,
    /// The parent.
    pub parent: Option<PomParent>,
    /// The display name.
    pub name: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The project's URL.
    pub url: Option<String>,
    /// The licenses.
    pub licenses: Vec<PomLicense>,
    /// The source repository: `<scm><url>`, else its `<connection>`, else its
    /// `<developerConnection>`.
    pub scm: Option<String>,
    /// The direct dependencies, in the POM's order.
    pub dependencies: Vec<PomDependency>,
}

impl Pom {
    /// `groupId:artifactId:version` as the POM declares them (`?` for what it does not).
    pub fn coordinates(&self) -> String {
        format!(
            "{}:{}:{}",
            self.group_id.as_deref().unwrap_or("?"),
            self.artifact_id,
            self.version.as_deref().unwrap_or("?")
        )
    }

    /// The metadata a package version reports (CodeArtifact's `PackageVersionDescription`):
    /// summary (the description, else the name, whitespace collapsed), home page, source code
    /// repository, licenses, and the direct dependencies with their Maven scope as the
    /// dependency type and their version (empty when managed elsewhere) as the requirement.
    pub fn version_metadata(&self) -> VersionMetadata {
        VersionMetadata {
            summary: self.description.as_deref().or(self.name.as_deref()).map(collapse_whitespace),
            home_page: self.url.clone(),
            source_code_repository: self.scm.clone(),
            licenses: self.licenses.iter().map(|l| License { name: l.name.clone(), url: l.url.clone() }).collect(),
            // CodeArtifact's Maven dependency types: the scope, `optional` for an optional
            // dependency, and `parent` for the `<parent>` POM.
            dependencies: self
                .parent
                .iter()
                .map(|p| Dependency {
                    namespace: p.group_id.clone(),
                    package: p.artifact_id.clone(),
                    dependency_type: "parent".to_owned(),
                    version_requirement: p.version.clone().unwrap_or_default(),
                })
                .chain(self.dependencies.iter().map(|d| Dependency {
                    namespace: d.group_id.clone(),
                    package: d.artifact_id.clone(),
                    dependency_type: if d.optional { "optional".to_owned() } else { d.scope.clone() },
                    version_requirement: d.version.clone().unwrap_or_default(),
                }))
                .collect(),
            readme: None,
        }
    }
}

/// Checks that a POM declares the coordinates of the path it was deployed to: the same group id,
/// artifact id and version (for a SNAPSHOT build, the POM says `1.0-SNAPSHOT` and the file is
/// `lib-1.0-20261121.020304-3.pom`). A version written as an expression
/// ([`Pom::version_from_expression`]) is not held against the path.
pub fn check_coordinates(pom: &Pom, file: &ArtifactFile) -> Result<(), MavenError> {
    let deployed_as =
        || format!("it was deployed as `{}` (`{}:{}:{}`)", file.path(), file.group_id, file.artifact_id, file.version);
    let Some(group_id) = &pom.group_id else {
        return Err(MavenError::invalid(format!(
            "the POM declares no `<groupId>` and has no `<parent>`; {}: add `<groupId>{}</groupId>`",
            deployed_as(),
            file.group_id
        )));
    };
    let Some(version) = &pom.version else {
        return Err(MavenError::invalid(format!(
            "the POM declares no `<version>` and has no `<parent>`; {}: add `<version>{}</version>`",
            deployed_as(),
            file.version
        )));
    };
    let version_matches = pom.version_from_expression || *version == file.version || *version == file.file_version();
    if *group_id != file.group_id || pom.artifact_id != file.artifact_id || !version_matches {
        return Err(MavenError::invalid(format!(
            "the POM declares `{}`, but {}; deploy each POM to the path of its own coordinates",
            pom.coordinates(),
            deployed_as()
        )));
    }
    Ok(())
}

/// Parses a POM. Refuses what is not XML, a root element other than `<project>`, a
/// `<!DOCTYPE>` or an undefined entity, a POM without `<artifactId>`, and POMs over
/// [`MAX_POM_LEN`] bytes. Dependencies without a group id or artifact id are left out.
pub fn parse_pom(bytes: &[u8]) -> Result<Pom, MavenError> {
    if bytes.len() > MAX_POM_LEN {
        return Err(MavenError::too_large(format!(
            "the POM is {} bytes; a POM may have at most {MAX_POM_LEN}",
            bytes.len()
        )));
    }
    let raw = read_raw(bytes)?;
    let interpolate = |value: &Option<String>| raw.interpolate_field(value);

    let artifact_id = interpolate(&raw.artifact_id)
        .ok_or_else(|| MavenError::invalid("the POM has no `<artifactId>`; every POM names its artifact"))?;
    let own_or_parent_version = raw.version.as_ref().or(raw.parent_version.as_ref());
    let parent = match (interpolate(&raw.parent_group_id), interpolate(&raw.parent_artifact_id)) {
        (Some(group_id), Some(artifact_id)) => {
            Some(PomParent { group_id, artifact_id, version: interpolate(&raw.parent_version) })
        }
        _ => None,
    };
    let licenses = raw
        .licenses
        .iter()
        .filter_map(|(name, url)| {
            let url = interpolate(url);
            let name = interpolate(name).or_else(|| url.clone())?;
            Some(PomLicense { name, url })
        })
        .collect();
    let management = raw.management();
    let dependencies = raw.dependencies.iter().filter_map(|d| raw.resolve_dependency(d, &management)).collect();
    Ok(Pom {
        group_id: interpolate(&raw.group_id).or_else(|| interpolate(&raw.parent_group_id)),
        artifact_id,
        version: interpolate(&own_or_parent_version.cloned()),
        version_from_expression: own_or_parent_version.is_some_and(|v| v.contains("${")),
        packaging: interpolate(&raw.packaging).unwrap_or_else(|| "jar".to_owned()),
        parent,
        name: interpolate(&raw.name),
        description: interpolate(&raw.description),
        url: interpolate(&raw.url),
        licenses,
        scm: interpolate(&raw.scm_url)
            .or_else(|| interpolate(&raw.scm_connection))
            .or_else(|| interpolate(&raw.scm_developer_connection)),
        dependencies,
    })
}

/// A dependency as written.
#[derive(Debug, Default)]
struct RawDependency {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    type_: Option<String>,
    classifier: Option<String>,
    scope: Option<String>,
    optional: Option<String>,
}

/// The POM's values as written, before interpolation.
#[derive(Debug, Default)]
struct RawPom {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    packaging: Option<String>,
    name: Option<String>,
    description: Option<String>,
    url: Option<String>,
    parent_group_id: Option<String>,
    parent_artifact_id: Option<String>,
    parent_version: Option<String>,
    /// (name, url) of each license.
    licenses: Vec<(Option<String>, Option<String>)>,
    scm_url: Option<String>,
    scm_connection: Option<String>,
    scm_developer_connection: Option<String>,
    properties: HashMap<String, String>,
    dependencies: Vec<RawDependency>,
    managed: Vec<RawDependency>,
}

fn read_raw(bytes: &[u8]) -> Result<RawPom, MavenError> {
    let mut raw = RawPom::default();
    let mut dependency: Option<RawDependency> = None;
    let mut license: Option<(Option<String>, Option<String>)> = None;
    xml::walk(bytes, "the POM", "project", |node| {
        match node {
            Node::Open(
                [_, "dependencies", "dependency"] | [_, "dependencyManagement", "dependencies", "dependency"],
            ) => {
                dependency = Some(RawDependency::default());
            }
            Node::Open([_, "licenses", "license"]) => license = Some((None, None)),
            Node::Open(_) => {}
            Node::Close(path, text) => {
                let value = (!text.is_empty()).then(|| text.to_owned());
                match path {
                    [_, "groupId"] => raw.group_id = value,
                    [_, "artifactId"] => raw.artifact_id = value,
                    [_, "version"] => raw.version = value,
                    [_, "packaging"] => raw.packaging = value,
                    [_, "name"] => raw.name = value,
                    [_, "description"] => raw.description = value,
                    [_, "url"] => raw.url = value,
                    [_, "parent", "groupId"] => raw.parent_group_id = value,
                    [_, "parent", "artifactId"] => raw.parent_artifact_id = value,
                    [_, "parent", "version"] => raw.parent_version = value,
                    [_, "scm", "url"] => raw.scm_url = value,
                    [_, "scm", "connection"] => raw.scm_connection = value,
                    [_, "scm", "developerConnection"] => raw.scm_developer_connection = value,
                    [_, "properties", key] => {
                        raw.properties.insert((*key).to_owned(), text.to_owned());
                    }
                    [_, "licenses", "license", field] => {
                        if let Some((name, url)) = license.as_mut() {
                            match *field {
                                "name" => *name = value,
                                "url" => *url = value,
                                _ => {}
                            }
                        }
                    }
                    [_, "licenses", "license"] => raw.licenses.extend(license.take()),
                    [_, "dependencies", "dependency", field]
                    | [_, "dependencyManagement", "dependencies", "dependency", field] => {
                        if let Some(d) = dependency.as_mut() {
                            match *field {
                                "groupId" => d.group_id = value,
                                "artifactId" => d.artifact_id = value,
                                "version" => d.version = value,
                                "type" => d.type_ = value,
                                "classifier" => d.classifier = value,
                                "scope" => d.scope = value,
                                "optional" => d.optional = value,
                                _ => {}
                            }
                        }
                    }
                    [_, "dependencies", "dependency"] => raw.dependencies.extend(dependency.take()),
                    [_, "dependencyManagement", "dependencies", "dependency"] => raw.managed.extend(dependency.take()),
                    _ => {}
                }
            }
        }
        Ok(())
    })?;
    Ok(raw)
}

/// The key dependency management matches a dependency by: group id, artifact id, type,
/// classifier.
type ManagementKey = (String, String, String, Option<String>);

/// What the POM's own dependency management says about a dependency: (version, scope).
type Managed = (Option<String>, Option<String>);

impl RawPom {
    /// The value of `${key}`, when this POM can tell.
    fn lookup(&self, key: &str) -> Option<&str> {
        let project = key.strip_prefix("project.").or_else(|| key.strip_prefix("pom."));
        let value = match project.unwrap_or(key) {
            "groupId" => self.group_id.as_ref().or(self.parent_group_id.as_ref()),
            "artifactId" => self.artifact_id.as_ref(),
            "version" => self.version.as_ref().or(self.parent_version.as_ref()),
            "parent.groupId" => self.parent_group_id.as_ref(),
            "parent.artifactId" => self.parent_artifact_id.as_ref(),
            "parent.version" => self.parent_version.as_ref(),
            "packaging" if project.is_some() => return Some(self.packaging.as_deref().unwrap_or("jar")),
            "name" if project.is_some() => self.name.as_ref(),
            "description" if project.is_some() => self.description.as_ref(),
            "url" if project.is_some() => self.url.as_ref(),
            _ => None,
        };
        value.or_else(|| self.properties.get(key)).map(String::as_str)
    }

    /// Replaces the `${…}` this POM can resolve, repeatedly, within bounds; leaves the others.
    /// Work and memory per value are bounded by [`MAX_INTERPOLATION_ROUNDS`] and
    /// [`MAX_INTERPOLATED_LEN`], whatever the properties hold.
    fn interpolate(&self, value: &str) -> String {
        let mut current = value.to_owned();
        for _ in 0..MAX_INTERPOLATION_ROUNDS {
            if !current.contains("${") {
                break;
            }
            match self.interpolate_once(&current) {
                Some(next) if next != current => current = next,
                _ => break,
            }
        }
        current
    }

    /// One pass of replacements; `None` when the result would be longer than
    /// [`MAX_INTERPOLATED_LEN`].
    fn interpolate_once(&self, value: &str) -> Option<String> {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                // An unclosed `${`: the rest stays as it is.
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let replacement = self.lookup(after[..end].trim()).unwrap_or(&rest[start..start + 2 + end + 1]);
            if out.len() + replacement.len() > MAX_INTERPOLATED_LEN {
                return None;
            }
            out.push_str(replacement);
            rest = &after[end + 1..];
        }
        if out.len() + rest.len() > MAX_INTERPOLATED_LEN {
            return None;
        }
        out.push_str(rest);
        Some(out)
    }

    fn interpolate_field(&self, value: &Option<String>) -> Option<String> {
        value.as_deref().map(|v| self.interpolate(v)).filter(|v| !v.is_empty())
    }

    /// The POM's own dependency management, interpolated once, BOM imports left out; the first
    /// entry of a key wins.
    fn management(&self) -> HashMap<ManagementKey, Managed> {
        let mut index = HashMap::new();
        for m in &self.managed {
            let (Some(group_id), Some(artifact_id)) =
                (self.interpolate_field(&m.group_id), self.interpolate_field(&m.artifact_id))
            else {
                continue;
            };
            let scope = self.interpolate_field(&m.scope);
            if scope.as_deref() == Some("import") {
                continue;
            }
            let type_ = self.interpolate_field(&m.type_).unwrap_or_else(|| "jar".to_owned());
            let key = (group_id, artifact_id, type_, self.interpolate_field(&m.classifier));
            index.entry(key).or_insert_with(|| (self.interpolate_field(&m.version), scope));
        }
        index
    }

    /// A dependency, interpolated and completed from the POM's own dependency management;
    /// `None` without a group id or artifact id.
    fn resolve_dependency(
        &self,
        d: &RawDependency,
        management: &HashMap<ManagementKey, Managed>,
    ) -> Option<PomDependency> {
        let group_id = self.interpolate_field(&d.group_id)?;
        let artifact_id = self.interpolate_field(&d.artifact_id)?;
        let type_ = self.interpolate_field(&d.type_).unwrap_or_else(|| "jar".to_owned());
        let classifier = self.interpolate_field(&d.classifier);
        let key = (group_id, artifact_id, type_, classifier);
        let (managed_version, managed_scope) = management.get(&key).cloned().unwrap_or_default();
        let (group_id, artifact_id, type_, classifier) = key;
        Some(PomDependency {
            version: self.interpolate_field(&d.version).or(managed_version),
            scope: self.interpolate_field(&d.scope).or(managed_scope).unwrap_or_else(|| "compile".to_owned()),
            optional: self.interpolate_field(&d.optional).is_some_and(|o| o.eq_ignore_ascii_case("true")),
            group_id,
            artifact_id,
            classifier,
            type_,
        })
    }
}

/// Runs of whitespace as one space, trimmed: descriptions are indented like the XML around them.
fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::{MavenPath, parse_path};

    fn file(path: &str) -> ArtifactFile {
        match parse_path(path) {
            Ok(MavenPath::File(f)) => f,
            other => panic!("{path}: {other:?}"),
        }
    }

    fn dep(group_id: &str, artifact_id: &str, version: Option<&str>, scope: &str) -> PomDependency {
        PomDependency {
            group_id: group_id.to_owned(),
            artifact_id: artifact_id.to_owned(),
            version: version.map(str::to_owned),
            scope: scope.to_owned(),
            optional: false,
            classifier: None,
            type_: "jar".to_owned(),
        }
    }

    /// Shaped like commons-lang3's POM on Maven Central: a parent that manages the test
    /// dependencies' versions, properties used by a dependency, a multi-line description, SCM
    /// connections, and build plugins with dependencies of their own.
    const COMMONS_LANG3: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!--
   Licensed to the Apache Software Foundation (ASF) under one or more
   contributor license agreements.
-->
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <parent>
    <groupId>org.apache.commons</groupId>
    <artifactId>commons-parent</artifactId>
    <version>52</version>
  </parent>
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.apache.commons</groupId>
  <artifactId>commons-lang3</artifactId>
  <version>3.12.0</version>
  <name>Apache Commons Lang</name>

  <inceptionYear>2001</inceptionYear>
  <description>
  Apache Commons Lang, a package of Java utility classes for the
  classes that are in java.lang's hierarchy, or are considered to be so
  standard as to justify existence in java.lang.
  </description>

  <url>https://commons.apache.org/proper/commons-lang/</url>

  <scm>
    <connection>scm:git:http://gitbox.apache.org/repos/asf/commons-lang.git</connection>
    <developerConnection>scm:git:https://gitbox.apache.org/repos/asf/commons-lang.git</developerConnection>
    <url>https://gitbox.apache.org/repos/asf?p=commons-lang.git</url>
    <tag>commons-lang-3.12.0</tag>
  </scm>

  <dependencies>
    <!-- testing -->
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.junit-pioneer</groupId>
      <artifactId>junit-pioneer</artifactId>
      <version>1.3.0</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.hamcrest</groupId>
      <artifactId>hamcrest</artifactId>
      <version>2.2</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.easymock</groupId>
      <artifactId>easymock</artifactId>
      <version>4.2</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.openjdk.jmh</groupId>
      <artifactId>jmh-core</artifactId>
      <version>${jmh.version}</version>
      <scope>test</scope>
    </dependency>
  </dependencies>

  <properties>
    <argLine>-Xmx512m</argLine>
    <project.build.sourceEncoding>ISO-8859-1</project.build.sourceEncoding>
    <commons.componentid>lang</commons.componentid>
    <jmh.version>1.27</jmh.version>
  </properties>

  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-surefire-plugin</artifactId>
        <dependencies>
          <dependency>
            <groupId>org.junit.platform</groupId>
            <artifactId>junit-platform-surefire-provider</artifactId>
            <version>1.3.2</version>
          </dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>

  <profiles>
    <profile>
      <id>benchmark</id>
      <dependencies>
        <dependency>
          <groupId>org.openjdk.jmh</groupId>
          <artifactId>jmh-generator-annprocess</artifactId>
          <version>${jmh.version}</version>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
"#;

    #[test]
    fn reads_a_central_pom_with_parent_properties_scm_and_test_dependencies() {
        let pom = parse_pom(COMMONS_LANG3.as_bytes()).expect("commons-lang3's POM");
        assert_eq!(pom.coordinates(), "org.apache.commons:commons-lang3:3.12.0");
        assert!(!pom.version_from_expression);
        assert_eq!(pom.packaging, "jar");
        assert_eq!(
            pom.parent,
            Some(PomParent {
                group_id: "org.apache.commons".to_owned(),
                artifact_id: "commons-parent".to_owned(),
                version: Some("52".to_owned()),
            })
        );
        assert_eq!(pom.name.as_deref(), Some("Apache Commons Lang"));
        assert!(pom.description.as_deref().is_some_and(|d| d.starts_with("Apache Commons Lang, a package")));
        assert_eq!(pom.url.as_deref(), Some("https://commons.apache.org/proper/commons-lang/"));
        assert_eq!(pom.scm.as_deref(), Some("https://gitbox.apache.org/repos/asf?p=commons-lang.git"));
        assert!(pom.licenses.is_empty(), "inherited from the parent, which is not read");
        assert_eq!(
            pom.dependencies,
            [
                dep("org.junit.jupiter", "junit-jupiter", None, "test"),
                dep("org.junit-pioneer", "junit-pioneer", Some("1.3.0"), "test"),
                dep("org.hamcrest", "hamcrest", Some("2.2"), "test"),
                dep("org.easymock", "easymock", Some("4.2"), "test"),
                dep("org.openjdk.jmh", "jmh-core", Some("1.27"), "test"),
            ]
        );
        let metadata = pom.version_metadata();
        assert_eq!(
            metadata.summary.as_deref(),
            Some(
                "Apache Commons Lang, a package of Java utility classes for the classes that are in java.lang's \
                 hierarchy, or are considered to be so standard as to justify existence in java.lang."
            )
        );
        assert_eq!(metadata.home_page, pom.url);
        assert_eq!(metadata.source_code_repository, pom.scm);
        assert_eq!(
            metadata.dependencies[0],
            Dependency {
                namespace: "org.apache.commons".to_owned(),
                package: "commons-parent".to_owned(),
                dependency_type: "parent".to_owned(),
                version_requirement: "52".to_owned(),
            },
            "the parent POM is a dependency of type `parent`, as CodeArtifact reports it"
        );
        assert_eq!(
            metadata.dependencies[1],
            Dependency {
                namespace: "org.junit.jupiter".to_owned(),
                package: "junit-jupiter".to_owned(),
                dependency_type: "test".to_owned(),
                version_requirement: String::new(),
            }
        );
        assert_eq!(metadata.dependencies[5].version_requirement, "1.27");
        assert_eq!(metadata.readme, None);
    }

    /// Shaped like the POM Gradle publishes for a Spring Boot starter: no parent, compile and
    /// runtime scopes, licenses, developers, SCM with only a URL.
    const SPRING_BOOT_STARTER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <!-- This module was also published with a richer model, Gradle metadata,  -->
  <!-- which should be used instead. Do not delete the following line which  -->
  <!-- is to indicate to Gradle or any Gradle module metadata file consumer  -->
  <!-- that they should prefer consuming it instead. -->
  <!-- do_not_remove: published-with-gradle-metadata -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.springframework.boot</groupId>
  <artifactId>spring-boot-starter-web</artifactId>
  <version>3.1.0</version>
  <name>spring-boot-starter-web</name>
  <description>Starter for building web, including RESTful, applications using Spring MVC. Uses Apache Tomcat as the default embedded container</description>
  <url>https://spring.io/projects/spring-boot</url>
  <organization>
    <name>VMware, Inc.</name>
    <url>https://spring.io</url>
  </organization>
  <licenses>
    <license>
      <name>Apache License, Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0</url>
    </license>
  </licenses>
  <developers>
    <developer>
      <name>Spring</name>
      <email>ask@spring.io</email>
      <organization>VMware, Inc.</organization>
      <organizationUrl>https://www.spring.io</organizationUrl>
    </developer>
  </developers>
  <scm>
    <connection>scm:git:git://github.com/spring-projects/spring-boot.git</connection>
    <developerConnection>scm:git:ssh://git@github.com/spring-projects/spring-boot.git</developerConnection>
    <url>https://github.com/spring-projects/spring-boot</url>
  </scm>
  <issueManagement>
    <system>GitHub</system>
    <url>https://github.com/spring-projects/spring-boot/issues</url>
  </issueManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter</artifactId>
      <version>3.1.0</version>
      <scope>compile</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-json</artifactId>
      <version>3.1.0</version>
      <scope>compile</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-tomcat</artifactId>
      <version>3.1.0</version>
      <scope>compile</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework</groupId>
      <artifactId>spring-web</artifactId>
      <version>6.0.9</version>
      <scope>compile</scope>
    </dependency>
    <dependency>
      <groupId>org.springframework</groupId>
      <artifactId>spring-webmvc</artifactId>
      <version>6.0.9</version>
      <scope>runtime</scope>
      <optional>true</optional>
    </dependency>
  </dependencies>
</project>
"#;

    #[test]
    fn reads_a_gradle_published_pom() {
        let pom = parse_pom(SPRING_BOOT_STARTER.as_bytes()).expect("a Gradle POM");
        assert_eq!(pom.coordinates(), "org.springframework.boot:spring-boot-starter-web:3.1.0");
        assert_eq!(pom.parent, None);
        assert_eq!(
            pom.licenses,
            [PomLicense {
                name: "Apache License, Version 2.0".to_owned(),
                url: Some("https://www.apache.org/licenses/LICENSE-2.0".to_owned()),
            }]
        );
        assert_eq!(pom.scm.as_deref(), Some("https://github.com/spring-projects/spring-boot"));
        assert_eq!(pom.dependencies.len(), 5);
        assert_eq!(pom.dependencies[4].scope, "runtime");
        assert!(pom.dependencies[4].optional);
        assert!(!pom.dependencies[0].optional);
        let metadata = pom.version_metadata();
        assert_eq!(
            metadata.licenses,
            [License {
                name: "Apache License, Version 2.0".to_owned(),
                url: Some("https://www.apache.org/licenses/LICENSE-2.0".to_owned()),
            }]
        );
        assert_eq!(
            metadata.dependencies.iter().map(|d| d.dependency_type.as_str()).collect::<Vec<_>>(),
            // The last one is `runtime` and `<optional>true</optional>`: CodeArtifact's type is `optional`.
            ["compile", "compile", "compile", "compile", "optional"]
        );
    }

    /// A module of a multi-module build: group and version from the parent, siblings by
    /// `${project.groupId}` / `${project.version}`, versions managed in the POM itself, a BOM
    /// import that is no dependency, a property chain, a classifier and a type.
    const MODULE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.acme.platform</groupId>
    <artifactId>platform-parent</artifactId>
    <version>2.4.0</version>
    <relativePath>../pom.xml</relativePath>
  </parent>
  <artifactId>platform-server</artifactId>
  <packaging>war</packaging>
  <name>${project.artifactId} (${project.version})</name>
  <url>https://acme.example/${project.artifactId}</url>
  <licenses>
    <license><url>https://acme.example/LICENSE</url></license>
    <license><name>MIT</name></license>
    <license><comments>neither name nor URL</comments></license>
  </licenses>
  <scm><connection>scm:git:https://git.acme.example/platform.git</connection></scm>
  <properties>
    <netty.version>${netty.major}.${netty.minor}</netty.version>
    <netty.major>4.1</netty.major>
    <netty.minor>94.Final</netty.minor>
    <slf4j.version>2.0.7</slf4j.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.fasterxml.jackson</groupId>
        <artifactId>jackson-bom</artifactId>
        <version>2.15.2</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
      <dependency>
        <groupId>org.slf4j</groupId>
        <artifactId>slf4j-api</artifactId>
        <version>${slf4j.version}</version>
      </dependency>
      <dependency>
        <groupId>junit</groupId>
        <artifactId>junit</artifactId>
        <version>4.13.2</version>
        <scope>test</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>platform-core</artifactId>
      <version>${project.version}</version>
    </dependency>
    <dependency>
      <groupId>${project.parent.groupId}</groupId>
      <artifactId>platform-core</artifactId>
      <version>${project.parent.version}</version>
      <type>test-jar</type>
      <classifier>tests</classifier>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>io.netty</groupId>
      <artifactId>netty-transport-native-epoll</artifactId>
      <version>${netty.version}</version>
      <classifier>linux-x86_64</classifier>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
    </dependency>
    <dependency>
      <groupId>junit</groupId>
      <artifactId>junit</artifactId>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <exclusions>
        <exclusion>
          <groupId>com.fasterxml.jackson.core</groupId>
          <artifactId>jackson-annotations</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>javax.servlet</groupId>
      <artifactId>javax.servlet-api</artifactId>
      <version>[3.1,4.0)</version>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <artifactId>no-group</artifactId>
    </dependency>
  </dependencies>
</project>
"#;

    #[test]
    fn reads_a_module_pom_with_inherited_coordinates_and_managed_versions() {
        let pom = parse_pom(MODULE.as_bytes()).expect("a module POM");
        assert_eq!(pom.coordinates(), "com.acme.platform:platform-server:2.4.0");
        assert!(!pom.version_from_expression);
        assert_eq!(pom.packaging, "war");
        assert_eq!(pom.name.as_deref(), Some("platform-server (2.4.0)"));
        assert_eq!(pom.url.as_deref(), Some("https://acme.example/platform-server"));
        assert_eq!(pom.scm.as_deref(), Some("scm:git:https://git.acme.example/platform.git"));
        assert_eq!(
            pom.licenses,
            [
                PomLicense {
                    name: "https://acme.example/LICENSE".to_owned(),
                    url: Some("https://acme.example/LICENSE".to_owned()),
                },
                PomLicense { name: "MIT".to_owned(), url: None },
            ]
        );
        let tests_jar = PomDependency {
            classifier: Some("tests".to_owned()),
            type_: "test-jar".to_owned(),
            ..dep("com.acme.platform", "platform-core", Some("2.4.0"), "test")
        };
        let epoll = PomDependency {
            classifier: Some("linux-x86_64".to_owned()),
            ..dep("io.netty", "netty-transport-native-epoll", Some("4.1.94.Final"), "runtime")
        };
        assert_eq!(
            pom.dependencies,
            [
                dep("com.acme.platform", "platform-core", Some("2.4.0"), "compile"),
                tests_jar,
                epoll,
                dep("org.slf4j", "slf4j-api", Some("2.0.7"), "compile"),
                // Version and scope from the POM's own dependency management.
                dep("junit", "junit", Some("4.13.2"), "test"),
                // Managed by the imported BOM, which is not read.
                dep("com.fasterxml.jackson.core", "jackson-databind", None, "compile"),
                dep("javax.servlet", "javax.servlet-api", Some("[3.1,4.0)"), "provided"),
            ]
        );
        // The summary falls back to the name.
        assert_eq!(pom.version_metadata().summary.as_deref(), Some("platform-server (2.4.0)"));
    }

    /// The POM mvn 3.8.7 deployed for a CI-friendly version (`-Drevision=1.0`, no
    /// flatten-maven-plugin): the version is still `${revision}`, the property's default
    /// `1.0-SNAPSHOT`.
    const CI_FRIENDLY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>lib</artifactId>
  <version>${revision}</version>
  <properties><revision>1.0-SNAPSHOT</revision><maven.compiler.source>17</maven.compiler.source><maven.compiler.target>17</maven.compiler.target></properties>
  <distributionManagement>
    <repository><id>r</id><url>file:///tmp/mvnprobe/repo</url></repository>
    <snapshotRepository><id>s</id><url>file:///tmp/mvnprobe/repo</url></snapshotRepository>
  </distributionManagement>
  <build><plugins>
    <plugin><artifactId>maven-deploy-plugin</artifactId><version>3.0.0</version></plugin>
  </plugins></build>
</project>
"#;

    /// The POM Debian's maven-repo-helper installs for Guava: packaging `bundle`, the parent's
    /// version rewritten to `debian`, dependencies without versions, tabs.
    const DEBIAN_GUAVA: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://maven.apache.org/POM/4.0.0 http://maven.apache.org/maven-v4_0_0.xsd\">\n\t<modelVersion>4.0.0</modelVersion>\n\t<groupId>com.google.guava</groupId>\n\t<artifactId>guava</artifactId>\n\t<version>31.1-jre</version>\n\t<packaging>bundle</packaging>\n\t<parent>\n\t\t<groupId>com.google.guava</groupId>\n\t\t<artifactId>guava-parent</artifactId>\n\t\t<version>debian</version>\n\t</parent>\n\t<properties>\n\t\t\n\t\t\t<debian.originalVersion>31.1-jre</debian.originalVersion>\n\t\t\n\t\t\t<debian.package>libguava-java</debian.package>\n\t</properties>\n\t\n\t<name>Guava: Google Core Libraries for Java</name>\n\t<description>Guava is a suite of core and expanded libraries that include\n    utility classes, Google's collections, I/O classes, andmuch more.</description>\n\t<dependencies>\n\t\t<dependency>\n\t\t\t<groupId>org.jsr-305</groupId>\n\t\t\t<artifactId>jsr305</artifactId>\n\t\t</dependency>\n\t\t<dependency>\n\t\t\t<groupId>com.google.errorprone</groupId>\n\t\t\t<artifactId>error_prone_annotations</artifactId>\n\t\t</dependency>\n\t\t<!-- TODO(cpovirk): does this comment belong on the <dependency> in <profiles>? -->\n\t</dependencies>\n</project>";

    #[test]
    fn reads_ci_friendly_and_debian_poms() {
        let pom = parse_pom(CI_FRIENDLY.as_bytes()).expect("a CI-friendly POM");
        assert_eq!(pom.coordinates(), "com.acme:lib:1.0-SNAPSHOT");
        assert!(pom.version_from_expression);
        assert!(pom.dependencies.is_empty());

        let pom = parse_pom(DEBIAN_GUAVA.as_bytes()).expect("Debian's Guava POM");
        assert_eq!(pom.coordinates(), "com.google.guava:guava:31.1-jre");
        assert_eq!(pom.packaging, "bundle");
        assert_eq!(pom.parent.as_ref().and_then(|p| p.version.as_deref()), Some("debian"));
        assert_eq!(
            pom.dependencies,
            [
                dep("org.jsr-305", "jsr305", None, "compile"),
                dep("com.google.errorprone", "error_prone_annotations", None, "compile"),
            ]
        );
        assert_eq!(
            pom.version_metadata().summary.as_deref(),
            Some(
                "Guava is a suite of core and expanded libraries that include utility classes, Google's collections, I/O classes, andmuch more."
            )
        );
    }

    #[test]
    fn interpolation_is_bounded() {
        // Properties that double themselves thirty times, and properties that refer to each
        // other in a circle, end (unresolved) rather than grow or loop.
        let mut properties = String::from("<p0>xxxxxxxxxx</p0>");
        for i in 1..=30 {
            properties.push_str(&format!("<p{i}>${{p{j}}}${{p{j}}}</p{i}>", j = i - 1));
        }
        let pom = format!(
            r#"<project><groupId>g</groupId><artifactId>a</artifactId><version>${{self}}</version>
               <properties>{properties}<a>${{b}}</a><b>${{a}}</b><self>${{project.version}}</self></properties>
               <dependencies>
                 <dependency><groupId>g</groupId><artifactId>bomb</artifactId><version>${{p30}}</version></dependency>
                 <dependency><groupId>g</groupId><artifactId>circle</artifactId><version>${{a}}</version></dependency>
                 <dependency><groupId>g</groupId><artifactId>small</artifactId><version>${{p3}}</version></dependency>
                 <dependency><groupId>g</groupId><artifactId>unknown</artifactId><version>${{nope}}-${{</version></dependency>
               </dependencies></project>"#
        );
        let pom = parse_pom(pom.as_bytes()).expect("a POM");
        for d in &pom.dependencies {
            let v = d.version.as_deref().unwrap_or_default();
            assert!(v.len() <= MAX_INTERPOLATED_LEN, "{}: {} bytes", d.artifact_id, v.len());
        }
        assert_eq!(pom.dependencies[2].version.as_deref(), Some("x".repeat(80).as_str()));
        assert_eq!(pom.dependencies[3].version.as_deref(), Some("${nope}-${"));
        assert!(pom.dependencies[1].version.as_deref().is_some_and(|v| v.contains("${")));
        assert!(pom.version.as_deref().is_some_and(|v| v.contains("${")));
        assert!(pom.version_from_expression);
    }

    #[test]
    fn a_huge_property_used_everywhere_costs_little() {
        let big = "x".repeat(1 << 20);
        let dependency =
            "<dependency><groupId>g</groupId><artifactId>a</artifactId><version>${big}</version></dependency>";
        let pom = format!(
            "<project><artifactId>a</artifactId><properties><big>{big}</big></properties><dependencies>{}</dependencies>\
             <dependencyManagement><dependencies>{}</dependencies></dependencyManagement></project>",
            dependency.repeat(2000),
            dependency.repeat(2000)
        );
        let pom = parse_pom(pom.as_bytes()).expect("a POM");
        assert_eq!(pom.dependencies.len(), 2000);
        assert!(pom.dependencies.iter().all(|d| d.version.as_deref() == Some("${big}")));
    }

    #[test]
    fn reads_a_latin_1_pom() {
        let pom = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><groupId>de.example</groupId>\
                    <artifactId>b\xFCcher</artifactId><version>1.0</version><name>B\xFCcher f\xFCr J\xF6rg</name></project>";
        let pom = parse_pom(pom).expect("a Latin-1 POM");
        assert_eq!(pom.name.as_deref(), Some("Bücher für Jörg"));
    }

    #[test]
    fn refuses_bad_poms() {
        let big = vec![b' '; MAX_POM_LEN + 1];
        let cases: &[(&[u8], &str)] = &[
            (b"<project><groupId>g</groupId><version>1</version></project>", "has no `<artifactId>`"),
            (b"<project><artifactId> </artifactId></project>", "has no `<artifactId>`"),
            (b"<metadata><artifactId>a</artifactId></metadata>", "the root element `<metadata>`, not `<project>`"),
            (
                b"<?xml version=\"1.0\"?><!DOCTYPE project [<!ENTITY v \"1.0\">]><project><artifactId>a</artifactId><version>&v;</version></project>",
                "`<!DOCTYPE>`",
            ),
            (b"<project><artifactId>&v;</artifactId></project>", "the entity `&v;`"),
            (b"{\"name\": \"lib\", \"version\": \"1.0.0\"}", "has no `<project>` element"),
            (b"PK\x03\x04\x14\x00\x08\x08\x00\x00\xa5\x9c\x75\x57", "not UTF-8"),
            (b"<project><artifactId>a</artifactId>", "truncated"),
            (&big, "a POM may have at most 4194304"),
        ];
        for (doc, expected) in cases {
            let err = parse_pom(doc).expect_err(expected);
            assert!(err.message().contains(expected), "{expected}: {}", err.message());
        }
    }

    #[test]
    fn coordinates_must_match_the_path() {
        let pom = |g: &str, a: &str, v: &str| {
            parse_pom(
                format!("<project><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></project>")
                    .as_bytes(),
            )
            .expect("a POM")
        };
        let accepted = [
            (pom("com.acme", "lib", "1.0"), "com/acme/lib/1.0/lib-1.0.pom"),
            (pom("com.acme", "lib", "1.0-SNAPSHOT"), "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom"),
            (pom("com.acme", "lib", "1.0-SNAPSHOT"), "com/acme/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.pom"),
            (
                pom("com.acme", "lib", "1.0-20261121.021736-2"),
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
            ),
            (
                parse_pom(MODULE.as_bytes()).expect("module"),
                "com/acme/platform/platform-server/2.4.0/platform-server-2.4.0.pom",
            ),
            // `mvn deploy -Drevision=1.0` without flattening: the POM still says `${revision}`.
            (parse_pom(CI_FRIENDLY.as_bytes()).expect("CI-friendly"), "com/acme/lib/1.0/lib-1.0.pom"),
            (
                parse_pom(CI_FRIENDLY.as_bytes()).expect("CI-friendly"),
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
            ),
        ];
        for (pom, path) in &accepted {
            assert_eq!(check_coordinates(pom, &file(path)), Ok(()), "{path}");
        }
        let refused = [
            (
                pom("com.acme", "other", "1.0"),
                "com/acme/lib/1.0/lib-1.0.pom",
                "the POM declares `com.acme:other:1.0`, but it was deployed as `com/acme/lib/1.0/lib-1.0.pom` (`com.acme:lib:1.0`)",
            ),
            (pom("com.evil", "lib", "1.0"), "com/acme/lib/1.0/lib-1.0.pom", "declares `com.evil:lib:1.0`"),
            (pom("com.acme", "lib", "1.1"), "com/acme/lib/1.0/lib-1.0.pom", "declares `com.acme:lib:1.1`"),
            (
                pom("com.acme", "lib", "1.0"),
                "com/acme/lib/1.0-SNAPSHOT/lib-1.0-20261121.021736-2.pom",
                "`com.acme:lib:1.0-SNAPSHOT`",
            ),
            (
                parse_pom(b"<project><artifactId>lib</artifactId><version>1.0</version></project>").expect("POM"),
                "com/acme/lib/1.0/lib-1.0.pom",
                "declares no `<groupId>` and has no `<parent>`",
            ),
            (
                parse_pom(b"<project><groupId>com.acme</groupId><artifactId>lib</artifactId></project>").expect("POM"),
                "com/acme/lib/1.0/lib-1.0.pom",
                "add `<version>1.0</version>`",
            ),
        ];
        for (pom, path, expected) in &refused {
            let err = check_coordinates(pom, &file(path)).expect_err(path);
            assert!(err.message().contains(expected), "{path}: {}", err.message());
        }
    }
}
