//! The Maven repository protocols, pure: what a path of a Maven 2 repository names, the order of
//! Maven versions, repository metadata (`maven-metadata.xml`), POMs and checksum files — parsed
//! from what mvn uploads and upstream repositories serve, and rendered for what clients read. No
//! HTTP, no database, no async: every function takes bytes or values and returns bytes or values.
//!
//! Specs followed: the Maven 2 repository layout
//! (<https://maven.apache.org/repository/layout.html>), the POM reference and its version order
//! specification (<https://maven.apache.org/pom.html>), repository metadata
//! (<https://maven.apache.org/repositories/metadata.html>, maven-repository-metadata's
//! `metadata.mdo`), and what mvn 3.8 (maven-resolver, maven-deploy-plugin 3) actually writes:
//! timestamped SNAPSHOT builds, bare-hex checksum files, version-level metadata with
//! `<snapshotVersions>`.
//!
//! Modules:
//! - [`path`]: paths of the repository layout — artifact files, checksum files, the two levels of
//!   metadata — and the coordinates they hold (group id, artifact id, version, classifier,
//!   extension, SNAPSHOT build).
//! - [`version`]: Maven's version order (`ComparableVersion`), SNAPSHOT versions, valid versions.
//! - [`metadata`]: `maven-metadata.xml` at the artifact level (versions, latest, release) and at
//!   the SNAPSHOT version level (latest build per classifier and extension), parsed, merged,
//!   built from stored files, rendered as mvn writes it.
//! - [`pom`]: what a POM says about its project (coordinates, licenses, SCM, direct dependencies
//!   with their scopes), the control plane's view of it, and the check that a deployed POM
//!   matches its path.
//! - [`checksum`]: the digest in a `.md5` / `.sha1` / `.sha256` / `.sha512` file.
//!
//! - [`registry`]: the repository over the engine (with [`plane`], the only modules that do
//!   I/O, through `tributary-engine`): one function per request.
//! - [`plane`]: the endpoint on the engine's data-plane seam: requests parsed into endpoints
//!   (method and path), each served by one [`registry`] call, errors in the protocol's form.
//!
//! XML is read by one private walker (no DOCTYPE, no entities, bounded nesting) shared by
//! [`metadata`] and [`pom`].

pub mod checksum;
pub mod error;
pub mod metadata;
pub mod path;
pub mod plane;
pub mod pom;
pub mod registry;
pub mod version;
mod xml;

pub use error::MavenError;
