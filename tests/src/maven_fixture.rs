//! A local stand-in for Maven Central (`https://repo1.maven.org/maven2/`), for the
//! `public:maven-central` external connection (and the other Maven external connections) in
//! end-to-end tests.
//!
//! - [`MavenFixture::start`] serves Debian's Maven repository ([`crate::maven_repo`]: the plugins
//!   `mvn` runs and their dependencies, installed by `cargo xtask tools`), and
//!   [`MavenFixture::serving`] any directory in the [Maven 2 repository layout], on
//!   `127.0.0.1:<free port>`, as Central does:
//!   - `GET`/`HEAD /{path}` answers the file, following symlinks (most of Debian's repository links
//!     into `/usr/share/java`); files added with [`MavenFixture::add_file`] overlay the directory;
//!   - `{path}.md5`, `.sha1`, `.sha256` and `.sha512` of anything it serves are computed when not on
//!     disk (Debian ships none), as lowercase hex without a newline ([`MavenFixture::set_checksums`]
//!     turns that off: then only checksum files on disk answer);
//!   - `{group path}/{artifact}/maven-metadata.xml` (artifact-level [repository metadata]) is
//!     generated when not on disk, as Central always has it: the version directories holding a file
//!     of the artifact, in Maven's version order, `latest`, `release` (the highest version that is
//!     not a SNAPSHOT) and a fixed `lastUpdated` ([`LAST_UPDATED`]);
//!   - anything else (directories, group-level metadata, `..` segments) is `404`; methods other
//!     than `GET` and `HEAD` are `405`.
//! - [`MavenFixture::serve_tampered`] makes a path answer other bytes while its checksums (and the
//!   metadata naming its version) stay those of the real file: an upstream that corrupted a file.
//! - Its [`FixtureServer`] counts the requests it answered per (percent-decoded) path and logs
//!   each with its headers (an upstream fetch sends no `Authorization`), switches [`Mode`] at
//!   runtime ([`FixtureServer::set_mode`]), and stops when the fixture drops.
//!
//! [Maven 2 repository layout]: https://maven.apache.org/repositories/layout.html
//! [repository metadata]: https://maven.apache.org/repositories/metadata.html
//! [`FixtureServer`]: crate::fixture_server::FixtureServer
//! [`FixtureServer::set_mode`]: crate::fixture_server::FixtureServer::set_mode

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::Digest as _;

pub use crate::fixture_server::Mode;
use crate::fixture_server::{Fixture, Request, Response, lock};

/// The `lastUpdated` of every generated `maven-metadata.xml` (`yyyyMMddHHmmss`, UTC).
pub const LAST_UPDATED: &str = "20240101000000";

/// The checksum extensions computed for any file, as Central serves them.
pub const CHECKSUM_EXTENSIONS: [&str; 4] = ["md5", "sha1", "sha256", "sha512"];

/// The path of a file in the Maven 2 layout, without a leading `/`:
/// `{group with / for .}/{artifact}/{version}/{artifact}-{version}[-{classifier}].{extension}`
/// (`maven_path("org.apache.maven.plugins", "maven-deploy-plugin", "3.0.0", None, "jar")`).
pub fn maven_path(group: &str, artifact: &str, version: &str, classifier: Option<&str>, extension: &str) -> String {
    let classifier = classifier.map(|c| format!("-{c}")).unwrap_or_default();
    format!("{}/{artifact}/{version}/{artifact}-{version}{classifier}.{extension}", group.replace('.', "/"))
}

/// The path of the artifact-level `maven-metadata.xml` of `group:artifact`, without a leading `/`.
pub fn metadata_path(group: &str, artifact: &str) -> String {
    format!("{}/{artifact}/maven-metadata.xml", group.replace('.', "/"))
}

/// `bytes`' digest for a checksum `extension` (`md5`, `sha1`, `sha256`, `sha512`), lowercase hex:
/// the body of the checksum file.
pub fn checksum_hex(extension: &str, bytes: &[u8]) -> Option<String> {
    let digest: Vec<u8> = match extension {
        "md5" => md5::Md5::digest(bytes).to_vec(),
        "sha1" => sha1::Sha1::digest(bytes).to_vec(),
        "sha256" => sha2::Sha256::digest(bytes).to_vec(),
        "sha512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest.iter().fold(String::with_capacity(digest.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    }))
}

/// What the fixture repository serves.
#[derive(Debug)]
pub struct Repository {
    root: PathBuf,
    checksums: Mutex<bool>,
    /// Files served over the directory, by path without the leading `/`.
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Bytes served instead of the real ones, by path without the leading `/`.
    tampered: Mutex<BTreeMap<String, Vec<u8>>>,
}

/// The fixture repository, serving until dropped. It derefs to its [`FixtureServer`]: `url()`
/// (`http://127.0.0.1:PORT`, the value for `TRIBUTARY_EXTERNAL_PUBLIC_MAVEN_CENTRAL_URL`: the
/// repository's root, files are at `{url}/{path}`), the [`Mode`]s, and the requests it answered
/// (`requests` takes a path with or without its leading `/`).
///
/// [`FixtureServer`]: crate::fixture_server::FixtureServer
pub type MavenFixture = Fixture<Repository>;

impl MavenFixture {
    /// Starts a fixture serving Debian's Maven repository ([`crate::maven_repo`]), [`Mode::Up`],
    /// with computed checksums, on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::serving(&crate::maven_repo())
    }

    /// Starts a fixture serving the directory `root` (which must exist) in the Maven 2 layout.
    pub fn serving(root: &Path) -> Self {
        assert!(root.is_dir(), "the Maven fixture cannot serve `{}`: not a directory", root.display());
        let repository = Repository {
            root: root.to_path_buf(),
            checksums: Mutex::new(true),
            files: Mutex::new(BTreeMap::new()),
            tampered: Mutex::new(BTreeMap::new()),
        };
        Self::serve("Maven", repository, route)
    }

    /// The directory it serves.
    pub fn root(&self) -> &Path {
        &self.state().root
    }

    /// Serves `bytes` at `path` (`com/example/x/1.0/x-1.0.jar`, a leading `/` allowed), over
    /// whatever the directory holds there; its version directory then counts in the generated
    /// `maven-metadata.xml`. The same path again replaces it.
    pub fn add_file(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        let path = relative_path(path).unwrap_or_else(|| panic!("`{path}` is not a file path the fixture serves"));
        lock(&self.state().files).insert(path, bytes.into());
    }

    /// Adds every file below `dir` (e.g. what `mvn deploy` wrote to a `file://` repository) at its
    /// path relative to `dir`, as [`MavenFixture::add_file`] does.
    pub fn add_dir(&self, dir: &Path) {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let entries =
                std::fs::read_dir(&current).unwrap_or_else(|e| panic!("cannot list `{}`: {e}", current.display()));
            for entry in entries {
                let path = entry.unwrap_or_else(|e| panic!("cannot list `{}`: {e}", current.display())).path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let bytes =
                        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read `{}`: {e}", path.display()));
                    let relative = path.strip_prefix(dir).expect("a file below `dir` is below `dir`");
                    self.add_file(&relative.to_string_lossy(), bytes);
                }
            }
        }
    }

    /// Makes `path` answer `bytes` instead of its real contents, while its checksum files (and
    /// anything else) still describe the real file: an upstream serving corrupted bytes. Panics
    /// when the fixture serves nothing at `path`.
    pub fn serve_tampered(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        let relative = relative_path(path).unwrap_or_else(|| panic!("`{path}` is not a file path the fixture serves"));
        assert!(
            resolve(self.state(), &relative).is_some(),
            "the Maven fixture serves nothing at `{path}` to tamper with (under `{}`)",
            self.state().root.display()
        );
        lock(&self.state().tampered).insert(relative, bytes.into());
    }

    /// Whether checksum files not on disk are computed (the default) or answered `404`.
    pub fn set_checksums(&self, computed: bool) {
        *lock(&self.state().checksums) = computed;
    }

    /// The bytes it answers at `path` now (tampered ones included), or `None` for a `404`.
    pub fn contents(&self, path: &str) -> Option<Vec<u8>> {
        let relative = relative_path(path)?;
        let tampered = lock(&self.state().tampered).get(&relative).cloned();
        tampered.or_else(|| resolve(self.state(), &relative))
    }
}

/// `path` without its leading `/`, when it names a file the fixture may serve: no empty, `.` or
/// `..` segment (so nothing outside the root), no backslash or NUL.
fn relative_path(path: &str) -> Option<String> {
    let relative = path.strip_prefix('/').unwrap_or(path);
    let valid = !relative.is_empty()
        && !relative.contains(['\\', '\0'])
        && relative.split('/').all(|segment| !matches!(segment, "" | "." | ".."));
    valid.then(|| relative.to_owned())
}

/// The real bytes at `relative` (checked by [`relative_path`]): an added file, else the file on
/// disk (through symlinks), else a generated `maven-metadata.xml`, else a computed checksum.
fn resolve(repository: &Repository, relative: &str) -> Option<Vec<u8>> {
    if let Some(bytes) = stored(repository, relative) {
        return Some(bytes);
    }
    let (base, extension) = relative.rsplit_once('.')?;
    if !CHECKSUM_EXTENSIONS.contains(&extension) || !*lock(&repository.checksums) {
        return None;
    }
    // A checksum of a checksum is not a thing Central serves.
    if base.rsplit_once('.').is_some_and(|(_, inner)| CHECKSUM_EXTENSIONS.contains(&inner)) {
        return None;
    }
    let bytes = stored(repository, base)?;
    checksum_hex(extension, &bytes).map(String::into_bytes)
}

/// An added file, a file on disk, or a generated `maven-metadata.xml` at `relative`.
fn stored(repository: &Repository, relative: &str) -> Option<Vec<u8>> {
    if let Some(bytes) = lock(&repository.files).get(relative) {
        return Some(bytes.clone());
    }
    let path = repository.root.join(relative);
    if path.is_file() {
        return std::fs::read(&path).ok();
    }
    let artifact_dir = relative.strip_suffix("/maven-metadata.xml")?;
    artifact_metadata(repository, artifact_dir)
}

/// The generated artifact-level metadata of the artifact directory `artifact_dir`
/// (`org/apache/maven/plugins/maven-deploy-plugin`), when it has versions.
fn artifact_metadata(repository: &Repository, artifact_dir: &str) -> Option<Vec<u8>> {
    let (group_dir, artifact) = artifact_dir.rsplit_once('/')?;
    let prefix = format!("{artifact}-");
    let mut versions: BTreeSet<String> = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(repository.root.join(artifact_dir)) {
        for entry in entries.flatten() {
            let dir = entry.path();
            let has_file = std::fs::read_dir(&dir).is_ok_and(|files| {
                files.flatten().any(|f| f.path().is_file() && f.file_name().to_string_lossy().starts_with(&prefix))
            });
            if has_file {
                versions.insert(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    let added = lock(&repository.files);
    for path in added.keys() {
        let Some(rest) = path.strip_prefix(artifact_dir).and_then(|r| r.strip_prefix('/')) else { continue };
        if let Some((version, file)) = rest.split_once('/')
            && !file.contains('/')
            && file.starts_with(&prefix)
        {
            versions.insert(version.to_owned());
        }
    }
    drop(added);
    if versions.is_empty() {
        return None;
    }
    let mut versions: Vec<String> = versions.into_iter().collect();
    versions.sort_by(|a, b| compare_versions(a, b));
    let latest = versions.last().cloned().unwrap_or_default();
    let release = versions.iter().rev().find(|v| !v.ends_with("-SNAPSHOT")).cloned();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n");
    let _ = writeln!(xml, "  <groupId>{}</groupId>", xml_escape(&group_dir.replace('/', ".")));
    let _ = writeln!(xml, "  <artifactId>{}</artifactId>", xml_escape(artifact));
    xml.push_str("  <versioning>\n");
    let _ = writeln!(xml, "    <latest>{}</latest>", xml_escape(&latest));
    if let Some(release) = release {
        let _ = writeln!(xml, "    <release>{}</release>", xml_escape(&release));
    }
    xml.push_str("    <versions>\n");
    for version in &versions {
        let _ = writeln!(xml, "      <version>{}</version>", xml_escape(version));
    }
    xml.push_str("    </versions>\n");
    let _ = writeln!(xml, "    <lastUpdated>{LAST_UPDATED}</lastUpdated>");
    xml.push_str("  </versioning>\n</metadata>\n");
    Some(xml.into_bytes())
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// One item of a version, as Maven's `ComparableVersion` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum VersionItem {
    /// Digits, without leading zeros.
    Number(String),
    /// A qualifier, lowercase, with the aliases of `ComparableVersion` applied (`a` → `alpha`...).
    Qualifier(String),
}

impl VersionItem {
    /// The rank of a qualifier: the known ones in order, the release (empty) among them, any
    /// other after all of them.
    fn qualifier_rank(qualifier: &str) -> usize {
        const KNOWN: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
        KNOWN.iter().position(|known| *known == qualifier).unwrap_or(KNOWN.len())
    }

    fn compare(&self, other: Option<&Self>) -> Ordering {
        match (self, other) {
            (Self::Number(n), None) => {
                if n.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Self::Qualifier(q), None) => Self::qualifier_rank(q).cmp(&Self::qualifier_rank("")),
            (Self::Number(a), Some(Self::Number(b))) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Self::Number(_), Some(Self::Qualifier(_))) => Ordering::Greater,
            (Self::Qualifier(_), Some(Self::Number(_))) => Ordering::Less,
            (Self::Qualifier(a), Some(Self::Qualifier(b))) => {
                Self::qualifier_rank(a).cmp(&Self::qualifier_rank(b)).then_with(|| a.cmp(b))
            }
        }
    }
}

/// The items of `version`: split at `.`, `-` and between digits and letters; `ga`, `final` and
/// `release` are the release (empty); trailing release items dropped.
fn version_items(version: &str) -> Vec<VersionItem> {
    let mut items = Vec::new();
    let mut current = String::new();
    let push = |current: &mut String, items: &mut Vec<VersionItem>| {
        if current.is_empty() {
            return;
        }
        let item = if current.bytes().all(|b| b.is_ascii_digit()) {
            VersionItem::Number(current.trim_start_matches('0').to_owned())
        } else {
            let qualifier = match current.as_str() {
                "a" => "alpha",
                "b" => "beta",
                "m" => "milestone",
                "cr" => "rc",
                "ga" | "final" | "release" => "",
                other => other,
            };
            // `1.0-alpha` is `1-alpha`: zeros before a qualifier do not count.
            while items.last() == Some(&VersionItem::Number(String::new())) {
                items.pop();
            }
            VersionItem::Qualifier(qualifier.to_owned())
        };
        items.push(item);
        current.clear();
    };
    for c in version.to_ascii_lowercase().chars() {
        if c == '.' || c == '-' {
            push(&mut current, &mut items);
        } else {
            if current.chars().last().is_some_and(|last| last.is_ascii_digit() != c.is_ascii_digit()) {
                push(&mut current, &mut items);
            }
            current.push(c);
        }
    }
    push(&mut current, &mut items);
    while items.last().is_some_and(|item| {
        matches!(item, VersionItem::Number(n) if n.is_empty()) || *item == VersionItem::Qualifier(String::new())
    }) {
        items.pop();
    }
    items
}

/// Maven's version order, as its `ComparableVersion` defines it (simplified: one flat list of
/// items): `1.0-alpha-1 < 1.0-beta < 1.0-rc1 < 1.0-SNAPSHOT < 1.0 = 1.0.0 < 1.0-sp < 1.0.1 < 1.10`,
/// and a version of letters only (Debian's `debian`) below any number.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (a, b) = (version_items(a), version_items(b));
    for i in 0..a.len().max(b.len()) {
        let ordering = match (a.get(i), b.get(i)) {
            (Some(x), y) => x.compare(y),
            (None, Some(y)) => y.compare(None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

/// The media type Central answers for a file name.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("jar" | "war" | "ear") => "application/java-archive",
        Some("pom" | "xml") => "text/xml",
        Some("md5" | "sha1" | "sha256" | "sha512" | "asc" | "txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The answer to `request`: the file at its path, or `404`.
fn route(request: &Request, repository: &Repository, _: &str) -> Response {
    let not_found = || Response::text(404, "404 Not Found\n");
    let Some(relative) = relative_path(&request.path) else { return not_found() };
    let tampered = lock(&repository.tampered).get(&relative).cloned();
    match tampered.or_else(|| resolve(repository, &relative)) {
        Some(body) => Response::new(200, content_type(&relative), body),
        None => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder().no_proxy().build().expect("a plain reqwest client builds")
    }

    /// `GET {url}{path}`: status and body.
    async fn get(fixture: &MavenFixture, path: &str) -> (u16, Vec<u8>) {
        let response = client().get(format!("{}{path}", fixture.url())).send().await.expect("an answer");
        (response.status().as_u16(), response.bytes().await.expect("a body").to_vec())
    }

    /// `GET {path}` sent as is (a client library would resolve `..` first): the status.
    fn raw_status(fixture: &MavenFixture, path: &str) -> u16 {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", fixture.port())).expect("the fixture accepts");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("an answer");
        response.get(9..12).and_then(|status| status.parse().ok()).unwrap_or_else(|| panic!("no status: {response}"))
    }

    fn write(path: &Path, bytes: &[u8]) {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("make the directories");
        std::fs::write(path, bytes).expect("write a file");
    }

    /// A small repository: `com.example:lib` in versions 1.0 (with an on-disk `.sha1` of its POM),
    /// 1.10 (its jar a symlink outside the root), 1.2, 2.0-SNAPSHOT and `debian`; `notes/` (no file
    /// of the artifact: not a version); `com.example:other` with no version.
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::Builder::new().prefix("maven-fixture-").tempdir().expect("a temp dir");
        let lib = dir.path().join("repo/com/example/lib");
        write(&lib.join("1.0/lib-1.0.jar"), b"jar 1.0");
        write(&lib.join("1.0/lib-1.0.pom"), b"<project/>");
        write(&lib.join("1.0/lib-1.0.pom.sha1"), b"on-disk sha1");
        write(&dir.path().join("outside/lib.jar"), b"jar 1.10, through a symlink");
        std::fs::create_dir_all(lib.join("1.10")).expect("make a directory");
        std::os::unix::fs::symlink(dir.path().join("outside/lib.jar"), lib.join("1.10/lib-1.10.jar"))
            .expect("make a symlink");
        write(&lib.join("1.2/lib-1.2.jar"), b"jar 1.2");
        write(&lib.join("2.0-SNAPSHOT/lib-2.0-20240101.000000-1.jar"), b"snapshot");
        write(&lib.join("debian/lib-debian.pom"), b"<project/>");
        write(&lib.join("notes/readme.txt"), b"not a version");
        std::fs::create_dir_all(dir.path().join("repo/com/example/other/1.0")).expect("make a directory");
        dir
    }

    #[tokio::test]
    async fn serves_files_checksums_and_metadata() {
        let dir = repository();
        let fixture = MavenFixture::serving(&dir.path().join("repo"));
        let jar = "/com/example/lib/1.0/lib-1.0.jar";
        assert_eq!(get(&fixture, jar).await, (200, b"jar 1.0".to_vec()));
        let response = client().get(format!("{}{jar}", fixture.url())).send().await.expect("an answer");
        assert_eq!(response.headers()["content-type"], "application/java-archive");
        let response = client().head(format!("{}{jar}", fixture.url())).send().await.expect("an answer");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-length"], "7");
        assert!(response.bytes().await.expect("a body").is_empty());
        assert_eq!(
            get(&fixture, "/com/example/lib/1.10/lib-1.10.jar").await,
            (200, b"jar 1.10, through a symlink".to_vec())
        );

        // Checksums: computed, except when on disk; none of a checksum.
        let expected = [
            ("md5", md5::Md5::digest(b"jar 1.0").to_vec()),
            ("sha1", sha1::Sha1::digest(b"jar 1.0").to_vec()),
            ("sha256", sha2::Sha256::digest(b"jar 1.0").to_vec()),
            ("sha512", sha2::Sha512::digest(b"jar 1.0").to_vec()),
        ];
        for (extension, digest) in expected {
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(get(&fixture, &format!("{jar}.{extension}")).await, (200, hex.into_bytes()), "{extension}");
        }
        assert_eq!(get(&fixture, "/com/example/lib/1.0/lib-1.0.pom.sha1").await, (200, b"on-disk sha1".to_vec()));
        assert_eq!(get(&fixture, &format!("{jar}.sha1.sha1")).await.0, 404);
        assert_eq!(get(&fixture, &format!("{jar}.sha384")).await.0, 404);

        // Artifact-level metadata: the versions in Maven's order.
        let metadata = get(&fixture, "/com/example/lib/maven-metadata.xml").await;
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<metadata>
  <groupId>com.example</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>2.0-SNAPSHOT</latest>
    <release>1.10</release>
    <versions>
      <version>debian</version>
      <version>1.0</version>
      <version>1.2</version>
      <version>1.10</version>
      <version>2.0-SNAPSHOT</version>
    </versions>
    <lastUpdated>20240101000000</lastUpdated>
  </versioning>
</metadata>
";
        assert_eq!((metadata.0, String::from_utf8_lossy(&metadata.1).into_owned()), (200, expected.to_owned()));
        assert_eq!(
            get(&fixture, "/com/example/lib/maven-metadata.xml.sha1").await,
            (200, checksum_hex("sha1", expected.as_bytes()).expect("sha1").into_bytes())
        );

        // Nothing else.
        for path in [
            "/com/example/other/maven-metadata.xml",
            "/com/example/maven-metadata.xml",
            "/com/example/lib/1.0/",
            "/com/example/lib/1.0/lib-9.jar",
            "/com/example/lib/1.0/../1.0/lib-1.0.jar",
            "/com//example/lib/1.0/lib-1.0.jar",
            "/",
        ] {
            assert_eq!(raw_status(&fixture, path), 404, "{path}");
        }
        let response = client().put(format!("{}{jar}", fixture.url())).body("x").send().await.expect("an answer");
        assert_eq!(response.status(), 405);

        // Checksums off: only those on disk.
        fixture.set_checksums(false);
        assert_eq!(get(&fixture, &format!("{jar}.sha1")).await.0, 404);
        assert_eq!(get(&fixture, "/com/example/lib/1.0/lib-1.0.pom.sha1").await.0, 200);
        assert_eq!(get(&fixture, "/com/example/lib/maven-metadata.xml").await.0, 200);

        assert_eq!(fixture.requests(jar), 4, "GET, GET, HEAD, PUT");
        assert_eq!(fixture.requests(&jar[1..]), 4, "the leading `/` may be left out");
        assert_eq!(fixture.requests(&format!("{jar}.sha1")), 2);
        assert_eq!(fixture.total_requests(), fixture.request_log().len());
        assert_eq!(fixture.request_log()[1].method, "GET");
        assert_eq!(fixture.request_log()[2].method, "HEAD");
    }

    #[tokio::test]
    async fn added_and_tampered_files() {
        let dir = repository();
        let fixture = MavenFixture::serving(&dir.path().join("repo"));
        fixture.add_file("com/example/lib/3.0/lib-3.0.jar", b"jar 3.0".to_vec());
        fixture.add_file("/com/example/new/0.1/new-0.1.pom", b"<project/>".to_vec());
        fixture.add_file("com/example/lib/1.0/lib-1.0.jar", b"jar 1.0, replaced".to_vec());
        assert_eq!(get(&fixture, "/com/example/lib/3.0/lib-3.0.jar").await, (200, b"jar 3.0".to_vec()));
        assert_eq!(get(&fixture, "/com/example/lib/1.0/lib-1.0.jar").await, (200, b"jar 1.0, replaced".to_vec()));
        let metadata = String::from_utf8(get(&fixture, "/com/example/lib/maven-metadata.xml").await.1).expect("UTF-8");
        assert!(
            metadata.contains("<release>3.0</release>") && metadata.contains("<version>3.0</version>"),
            "{metadata}"
        );
        let metadata = String::from_utf8(get(&fixture, "/com/example/new/maven-metadata.xml").await.1).expect("UTF-8");
        assert!(metadata.contains("<groupId>com.example</groupId>\n  <artifactId>new</artifactId>"), "{metadata}");

        // Tampered: other bytes, the real checksums.
        let jar = "com/example/lib/1.2/lib-1.2.jar";
        fixture.serve_tampered(jar, b"corrupted".to_vec());
        assert_eq!(get(&fixture, &format!("/{jar}")).await, (200, b"corrupted".to_vec()));
        assert_eq!(
            get(&fixture, &format!("/{jar}.sha1")).await,
            (200, checksum_hex("sha1", b"jar 1.2").expect("sha1").into_bytes())
        );
        assert_eq!(fixture.contents(jar), Some(b"corrupted".to_vec()));
        // A tampered checksum file, for a file that stays right.
        fixture.serve_tampered("com/example/lib/3.0/lib-3.0.jar.sha256", b"0000".to_vec());
        assert_eq!(get(&fixture, "/com/example/lib/3.0/lib-3.0.jar.sha256").await, (200, b"0000".to_vec()));
        assert_eq!(get(&fixture, "/com/example/lib/3.0/lib-3.0.jar").await, (200, b"jar 3.0".to_vec()));

        // `add_dir`: what a `file://` deployment wrote.
        let deployed = dir.path().join("deployed");
        write(&deployed.join("org/acme/x/1.0/x-1.0.jar"), b"x");
        fixture.add_dir(&deployed);
        assert_eq!(get(&fixture, "/org/acme/x/1.0/x-1.0.jar").await, (200, b"x".to_vec()));
    }

    #[test]
    #[should_panic(expected = "serves nothing at `com/example/lib/9/lib-9.jar` to tamper with")]
    fn tampering_with_nothing_is_a_test_bug() {
        let dir = repository();
        MavenFixture::serving(&dir.path().join("repo")).serve_tampered("com/example/lib/9/lib-9.jar", b"x".to_vec());
    }

    #[tokio::test]
    async fn switches_modes() {
        let dir = repository();
        let fixture = MavenFixture::serving(&dir.path().join("repo"));
        let url = format!("{}/com/example/lib/1.0/lib-1.0.jar", fixture.url());
        crate::fixture_server::assert_switches_modes(&fixture, &url).await;
        assert_eq!(fixture.requests("/com/example/lib/1.0/lib-1.0.jar"), 3);
    }

    #[test]
    fn maven_version_order() {
        let ordered = [
            "debian",
            "1-alpha-1",
            "1.0-alpha-2",
            "1-beta",
            "1.0-beta-2",
            "1.0-M1",
            "1.0-rc1",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-sp",
            "1.0-xyz",
            "1.0.1",
            "1.2",
            "1.10",
            "2.0.0-RC1",
            "2",
            "10.0",
        ];
        for window in ordered.windows(2) {
            assert_eq!(compare_versions(window[0], window[1]), Ordering::Less, "{} < {}", window[0], window[1]);
            assert_eq!(compare_versions(window[1], window[0]), Ordering::Greater, "{} > {}", window[1], window[0]);
        }
        for (a, b) in [("1", "1.0.0"), ("1.0", "1-ga"), ("1.0-FINAL", "1"), ("1.0-cr1", "1.0-RC1"), ("1.01", "1.1")] {
            assert_eq!(compare_versions(a, b), Ordering::Equal, "{a} = {b}");
        }
    }

    #[test]
    fn layout_paths() {
        assert_eq!(
            maven_path("org.apache.maven.plugins", "maven-deploy-plugin", "3.0.0", None, "jar"),
            "org/apache/maven/plugins/maven-deploy-plugin/3.0.0/maven-deploy-plugin-3.0.0.jar"
        );
        assert_eq!(
            maven_path("com.example.acme", "greeting", "1.0.0", Some("sources"), "jar"),
            "com/example/acme/greeting/1.0.0/greeting-1.0.0-sources.jar"
        );
        assert_eq!(metadata_path("com.example.acme", "greeting"), "com/example/acme/greeting/maven-metadata.xml");
        assert_eq!(relative_path("/a/b"), Some("a/b".to_owned()));
        for bad in ["", "/", "a//b", "a/./b", "a/../b", "a\\b", "a/b/"] {
            assert_eq!(relative_path(bad), None, "{bad}");
        }
    }

    /// The real `mvn`, with every plugin and dependency from Debian's repository through the
    /// fixture: `mvn clean deploy` of the fixture library (`tests/fixtures/maven/lib`) to a `file://`
    /// repository, then `mvn package` of the consumer (`app`) with that deployment added to the
    /// fixture, and the consumer runs. No checksum warnings: the fixture computes them. Needs
    /// Debian's Maven plugins (`cargo xtask tools`); about 15 s.
    #[test]
    fn real_mvn_builds_through_the_fixture() {
        let work = tempfile::Builder::new().prefix("maven-fixture-mvn-").tempdir().expect("a temp dir");
        let fixture = MavenFixture::start();
        let home = work.path().join("home");
        let settings = work.path().join("settings.xml");
        crate::maven_settings(&settings, &fixture.url(), "aws", "not-a-token");
        let deployed = work.path().join("deployed");
        let run = |command: &mut std::process::Command| {
            let stdout = crate::fixture_server::run_ok(command, &fixture);
            assert!(!stdout.contains("Could not validate integrity"), "mvn missed a checksum:\n{stdout}");
            assert!(!stdout.contains("[ERROR]"), "{stdout}");
            stdout
        };

        let lib = crate::maven_project("lib", work.path(), &[("revision", "1.2.3")]);
        run(crate::mvn_command(&home, &settings, &work.path().join("m2-lib"))
            .current_dir(&lib)
            .args(["clean", "deploy"])
            .arg(format!("-DaltDeploymentRepository=local::file://{}", deployed.display())));
        let version_dir = deployed.join("com/example/acme/greeting/1.2.3");
        for file in ["greeting-1.2.3.jar", "greeting-1.2.3-sources.jar", "greeting-1.2.3.pom"] {
            assert!(version_dir.join(file).is_file(), "mvn deploy wrote no `{file}`");
        }
        let plugin = maven_path("org.apache.maven.plugins", "maven-deploy-plugin", "3.0.0", None, "jar");
        assert_eq!(fixture.requests(&plugin), 1, "the deploy plugin came through the fixture");
        assert_eq!(fixture.requests(&format!("{plugin}.sha1")), 1);
        let log = fixture.request_log();
        assert!(log.iter().all(|r| r.method == "GET" && r.header("authorization").is_none()), "{log:?}");
        let missing: Vec<&str> =
            log.iter().map(|r| r.path.as_str()).filter(|path| fixture.contents(path).is_none()).collect();
        assert!(missing.is_empty(), "mvn asked for files Debian's repository lacks: {missing:?}");

        fixture.add_dir(&deployed);
        let app = crate::maven_project("app", work.path(), &[("greeting.version", "1.2.3")]);
        let local_repo = work.path().join("m2-app");
        run(crate::mvn_command(&home, &settings, &local_repo).current_dir(&app).arg("package"));
        assert_eq!(fixture.requests(&maven_path("com.example.acme", "greeting", "1.2.3", None, "jar")), 1);
        assert_eq!(fixture.requests(&plugin), 1, "package does not run the deploy plugin");

        let classpath = format!(
            "{}:{}",
            app.join("target/app-1.0.0.jar").display(),
            local_repo.join(maven_path("com.example.acme", "greeting", "1.2.3", None, "jar")).display()
        );
        let output = std::process::Command::new("java")
            .args(["-cp", &classpath, "com.example.app.App"])
            .output()
            .expect("java runs");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "Hello, Tributary!\n");
    }
}
