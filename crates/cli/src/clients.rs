//! What points each package manager at a repository (docs/ARCHITECTURE.md, "The tributary
//! CLI"): the repository's URL per format, and for `tributary login` each client's own
//! configuration file, computed from what the file held before. Pure: no I/O here; `login.rs`
//! reads and writes the files.
//!
//! Line-based files (`.npmrc`, `pip.conf`, `.pypirc`, go's `env`) keep every line that is not
//! the client's registry setting; `uv.toml` and `.yarnrc.yml` keep their other keys. The XML files
//! (Maven's `settings.xml`, `NuGet.Config`) are written whole: one that `tributary login` did not
//! write is kept beside it as `.bak` first.

use std::path::{Path, PathBuf};

/// A client `tributary login` configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Tool {
    /// npm (`.npmrc`).
    Npm,
    /// pnpm (`.npmrc`).
    Pnpm,
    /// yarn: classic reads `.npmrc` (written with `always-auth` for the repository), berry
    /// `.yarnrc.yml`; both are written.
    Yarn,
    /// pip (`pip.conf`).
    Pip,
    /// uv (`uv.toml`).
    Uv,
    /// twine (`.pypirc`; upload with `twine upload -r tributary`).
    Twine,
    /// Maven (`~/.m2/settings.xml`).
    Maven,
    /// NuGet (`NuGet.Config`, where nuget.exe and dotnet read it).
    Nuget,
    /// The go command (its `env` file: `GOPROXY`).
    Go,
}

/// A repository as clients reach it, and the token they send.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's base URL, e.g. `http://127.0.0.1:8080` (no trailing slash).
    pub base: String,
    /// The server's HTTPS base URL, when it has one (the go command sends credentials over HTTPS
    /// only).
    pub tls_base: Option<String>,
    /// The domain.
    pub domain: String,
    /// The repository.
    pub repository: String,
    /// A token of the domain.
    pub token: String,
}

/// Where a client's files are: the home directory and the variables that move them.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// `HOME`.
    pub home: PathBuf,
    /// `XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// `NPM_CONFIG_USERCONFIG`.
    pub npmrc: Option<PathBuf>,
    /// `PIP_CONFIG_FILE`.
    pub pip_conf: Option<PathBuf>,
    /// `GOENV`.
    pub goenv: Option<PathBuf>,
}

impl Places {
    /// From the environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Self {
            home: var("HOME").unwrap_or_else(|| PathBuf::from(".")),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            npmrc: var("NPM_CONFIG_USERCONFIG"),
            pip_conf: var("PIP_CONFIG_FILE"),
            goenv: var("GOENV").filter(|p| p.as_os_str() != "off"),
        }
    }

    fn config_home(&self) -> PathBuf {
        self.xdg_config_home.clone().unwrap_or_else(|| self.home.join(".config"))
    }
}

/// The marker the XML files `tributary login` writes carry.
pub const MARKER: &str = "Written by `tributary login`";

/// One file to write: where, and its new content given its old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file.
    pub path: PathBuf,
    /// Its new content.
    pub content: String,
    /// Whether an existing file must be kept as `.bak` first (it is replaced whole, and
    /// `tributary login` did not write it).
    pub backup: bool,
}

impl Target {
    /// The repository's endpoint for the format mounted at `plane` (`npm`, `pypi`, ...), with a
    /// trailing slash.
    pub fn endpoint(&self, plane: &str) -> String {
        format!("{}/{plane}/{}/{}/", self.base.trim_end_matches('/'), self.domain, self.repository)
    }

    /// `url` with the token as its password (user `aws`), as pip and the go command take it.
    pub fn with_credentials(&self, url: &str) -> String {
        match url.split_once("://") {
            Some((scheme, rest)) => format!("{scheme}://aws:{}@{rest}", self.token),
            None => url.to_owned(),
        }
    }

    /// pip's and uv's index URL, with the token in it.
    pub fn simple_index(&self) -> String {
        self.with_credentials(&format!("{}simple/", self.endpoint("pypi")))
    }

    /// The NuGet service index.
    pub fn nuget_index(&self) -> String {
        format!("{}v3/index.json", self.endpoint("nuget"))
    }

    /// The go command's proxy URL, with the token in it, over HTTPS; `None` without HTTPS.
    pub fn goproxy(&self) -> Option<String> {
        let tls = self.tls_base.as_ref()?;
        let url = format!("{}/go/{}/{}/", tls.trim_end_matches('/'), self.domain, self.repository);
        Some(self.with_credentials(&url))
    }

    /// npm's key for the setting `name` of this registry only: `//host/path/:{name}`.
    pub fn npm_key(&self, name: &str) -> String {
        let endpoint = self.endpoint("npm");
        let without_scheme = endpoint.split_once("://").map_or(endpoint.as_str(), |(_, rest)| rest);
        format!("//{without_scheme}:{name}")
    }
}

/// The files that point `tool` at `target`, given the current content of each (`read`: `None`
/// for a file that does not exist).
pub fn edits(tool: Tool, target: &Target, places: &Places, read: &dyn Fn(&Path) -> Option<String>) -> Vec<Edit> {
    let line_edit = |path: PathBuf, edit: &dyn Fn(&str) -> String| {
        let old = read(&path).unwrap_or_default();
        Edit { content: edit(&old), path, backup: false }
    };
    let whole = |path: PathBuf, content: String| {
        let backup = read(&path).is_some_and(|old| !old.contains(MARKER));
        Edit { path, content, backup }
    };
    let npmrc = || places.npmrc.clone().unwrap_or_else(|| places.home.join(".npmrc"));
    match tool {
        Tool::Npm | Tool::Pnpm => vec![line_edit(npmrc(), &|old| npmrc_with(old, target, false))],
        Tool::Yarn => vec![
            line_edit(npmrc(), &|old| npmrc_with(old, target, true)),
            line_edit(places.home.join(".yarnrc.yml"), &|old| yarnrc_with(old, target)),
        ],
        Tool::Pip => {
            let path = places.pip_conf.clone().unwrap_or_else(|| places.config_home().join("pip/pip.conf"));
            vec![line_edit(path, &|old| ini_with(old, "global", &[("index-url", &target.simple_index())]))]
        }
        Tool::Uv => vec![line_edit(places.config_home().join("uv/uv.toml"), &|old| uv_toml_with(old, target))],
        Tool::Twine => vec![line_edit(places.home.join(".pypirc"), &|old| pypirc_with(old, target))],
        Tool::Maven => vec![whole(places.home.join(".m2/settings.xml"), maven_settings(target))],
        // nuget.exe on mono reads ~/.config/NuGet, dotnet ~/.nuget/NuGet.
        Tool::Nuget => vec![
            whole(places.config_home().join("NuGet/NuGet.Config"), nuget_config(target)),
            whole(places.home.join(".nuget/NuGet/NuGet.Config"), nuget_config(target)),
        ],
        Tool::Go => {
            let path = places.goenv.clone().unwrap_or_else(|| places.config_home().join("go/env"));
            let proxy = target.goproxy().unwrap_or_default();
            vec![line_edit(path, &|old| go_env_with(old, &proxy))]
        }
    }
}

/// `.npmrc` with `registry` and this registry's token set, every other line kept. With
/// `always_auth` (for yarn classic), also `always-auth` for this registry only: yarn classic sends
/// the token with a request for an unscoped package only then, and the repository answers `401`
/// without it (npm 9 and later ignore the key, with a warning).
fn npmrc_with(old: &str, target: &Target, always_auth: bool) -> String {
    let auth_key = target.npm_key("_authToken");
    let always_auth_key = target.npm_key("always-auth");
    let is_ours = |line: &str| {
        let key = line.split('=').next().unwrap_or_default().trim();
        key == "registry" || key == auth_key || (always_auth && key == always_auth_key)
    };
    let mut lines: Vec<String> = old.lines().filter(|l| !is_ours(l)).map(str::to_owned).collect();
    lines.push(format!("registry={}", target.endpoint("npm")));
    lines.push(format!("{auth_key}={}", target.token));
    if always_auth {
        lines.push(format!("{always_auth_key}=true"));
    }
    lines.join("\n") + "\n"
}

/// `.yarnrc.yml` (yarn berry) with the registry and token keys set, the other keys kept.
fn yarnrc_with(old: &str, target: &Target) -> String {
    const KEYS: [&str; 3] = ["npmRegistryServer", "npmAuthToken", "npmAlwaysAuth"];
    let is_ours = |line: &str| KEYS.iter().any(|key| line.strip_prefix(key).is_some_and(|rest| rest.starts_with(':')));
    let mut lines: Vec<String> = old.lines().filter(|l| !is_ours(l)).map(str::to_owned).collect();
    lines.push(format!("npmRegistryServer: \"{}\"", target.endpoint("npm")));
    lines.push(format!("npmAuthToken: \"{}\"", target.token));
    lines.push("npmAlwaysAuth: true".to_owned());
    lines.join("\n") + "\n"
}

/// An INI file with `settings` set in `[section]` (made if missing), after the section's last
/// line, every other line kept.
fn ini_with(old: &str, section: &str, settings: &[(&str, &str)]) -> String {
    let header = format!("[{section}]");
    let lines: Vec<String> = settings.iter().map(|(key, value)| format!("{key} = {value}")).collect();
    let mut out: Vec<String> = Vec::new();
    // Where the settings go: after the last line of the section, once it is found.
    let mut insert_at: Option<usize> = None;
    let mut in_section = false;
    for line in old.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_section = trimmed == header && insert_at.is_none();
            out.push(line.to_owned());
            if in_section {
                insert_at = Some(out.len());
            }
            continue;
        }
        let key = trimmed.split(['=', ':']).next().unwrap_or_default().trim();
        if in_section && settings.iter().any(|(k, _)| *k == key) {
            continue;
        }
        out.push(line.to_owned());
        if in_section && !trimmed.is_empty() {
            insert_at = Some(out.len());
        }
    }
    match insert_at {
        Some(at) => {
            out.splice(at..at, lines);
        }
        None => {
            if out.last().is_some_and(|l| !l.trim().is_empty()) {
                out.push(String::new());
            }
            out.push(header);
            out.extend(lines);
        }
    }
    out.join("\n") + "\n"
}

/// `.pypirc` with the server `tributary` listed in `[distutils]` (written first) and described.
fn pypirc_with(old: &str, target: &Target) -> String {
    // The servers already listed (on the `index-servers` line or the lines that continue it),
    // and the other sections, kept.
    let mut servers: Vec<String> = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    let mut in_distutils = false;
    for line in old.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_distutils = trimmed == "[distutils]";
        } else if in_distutils {
            let names =
                trimmed.strip_prefix("index-servers").map_or(trimmed, |r| r.trim_start_matches([' ', '=', ':']));
            servers.extend(names.split_whitespace().map(str::to_owned));
        }
        if !in_distutils {
            kept.push(line);
        }
    }
    if !servers.iter().any(|s| s == "tributary") {
        servers.push("tributary".to_owned());
    }
    let rest = kept.join("\n");
    let rest = ini_with(
        rest.trim_start(),
        "tributary",
        &[("repository", &target.endpoint("pypi")), ("username", "aws"), ("password", &target.token)],
    );
    format!("[distutils]\nindex-servers = {}\n\n{rest}", servers.join(" "))
}

/// `uv.toml` whose default index is the repository (an index named `tributary`), the rest kept.
fn uv_toml_with(old: &str, target: &Target) -> String {
    let mut table: toml::Table = old.parse().unwrap_or_default();
    let mut indexes: Vec<toml::Value> = match table.remove("index") {
        Some(toml::Value::Array(list)) => list,
        _ => Vec::new(),
    };
    indexes.retain(|index| index.get("name").and_then(toml::Value::as_str) != Some("tributary"));
    let mut ours = toml::Table::new();
    ours.insert("name".to_owned(), "tributary".into());
    ours.insert("url".to_owned(), target.simple_index().into());
    ours.insert("default".to_owned(), true.into());
    indexes.insert(0, toml::Value::Table(ours));
    table.insert("index".to_owned(), toml::Value::Array(indexes));
    toml::to_string(&table).unwrap_or_default()
}

/// Maven's `settings.xml`: the repository mirrors everything, with the token as the server's
/// password, and `mvn deploy` deploys to it (`altDeploymentRepository`).
fn maven_settings(target: &Target) -> String {
    let url = xml_escape(&target.endpoint("maven"));
    let token = xml_escape(&target.token);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- {MARKER} for {domain}/{repository}. -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <servers>
    <server>
      <id>tributary</id>
      <username>aws</username>
      <password>{token}</password>
    </server>
  </servers>
  <mirrors>
    <mirror>
      <id>tributary</id>
      <mirrorOf>*</mirrorOf>
      <url>{url}</url>
    </mirror>
  </mirrors>
  <profiles>
    <profile>
      <id>tributary</id>
      <properties>
        <altDeploymentRepository>tributary::default::{url}</altDeploymentRepository>
      </properties>
    </profile>
  </profiles>
  <activeProfiles>
    <activeProfile>tributary</activeProfile>
  </activeProfiles>
</settings>
"#,
        domain = xml_escape(&target.domain),
        repository = xml_escape(&target.repository),
    )
}

/// `NuGet.Config` with the repository as the only package source, the token as its password.
fn nuget_config(target: &Target) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<!-- {MARKER} for {domain}/{repository}. -->
<configuration>
  <packageSources>
    <clear />
    <add key="tributary" value="{url}" protocolVersion="3" />
  </packageSources>
  <packageSourceCredentials>
    <tributary>
      <add key="Username" value="aws" />
      <add key="ClearTextPassword" value="{token}" />
    </tributary>
  </packageSourceCredentials>
</configuration>
"#,
        url = xml_escape(&target.nuget_index()),
        token = xml_escape(&target.token),
        domain = xml_escape(&target.domain),
        repository = xml_escape(&target.repository),
    )
}

/// The go command's `env` file with `GOPROXY` set, the other settings kept.
fn go_env_with(old: &str, proxy: &str) -> String {
    let mut lines: Vec<String> =
        old.lines().filter(|l| l.split('=').next().map(str::trim) != Some("GOPROXY")).map(str::to_owned).collect();
    lines.push(format!("GOPROXY={proxy}"));
    lines.join("\n") + "\n"
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            base: "http://127.0.0.1:8080".to_owned(),
            tls_base: Some("https://127.0.0.1:8443".to_owned()),
            domain: "acme".to_owned(),
            repository: "app".to_owned(),
            token: "TOKEN".to_owned(),
        }
    }

    fn places() -> Places {
        Places { home: PathBuf::from("/home/u"), ..Places::default() }
    }

    fn one(tool: Tool, old: Option<&str>) -> Edit {
        let old = old.map(str::to_owned);
        edits(tool, &target(), &places(), &|_| old.clone()).remove(0)
    }

    #[test]
    fn npmrc_keeps_other_lines_and_replaces_the_registry() {
        let old = "registry=https://registry.npmjs.org/\nsave-exact=true\n//127.0.0.1:8080/npm/acme/app/:_authToken=OLD\n//other/:_authToken=X\n";
        let edit = one(Tool::Npm, Some(old));
        assert_eq!(edit.path, PathBuf::from("/home/u/.npmrc"));
        assert_eq!(
            edit.content,
            "save-exact=true\n//other/:_authToken=X\nregistry=http://127.0.0.1:8080/npm/acme/app/\n//127.0.0.1:8080/npm/acme/app/:_authToken=TOKEN\n"
        );
        // Twice: the same file.
        let again = one(Tool::Npm, Some(&edit.content));
        assert_eq!(again.content, edit.content);
    }

    #[test]
    fn pip_conf_sets_the_index_in_global() {
        let edit = one(Tool::Pip, None);
        assert_eq!(edit.path, PathBuf::from("/home/u/.config/pip/pip.conf"));
        assert_eq!(edit.content, "[global]\nindex-url = http://aws:TOKEN@127.0.0.1:8080/pypi/acme/app/simple/\n");
        let old = "[global]\ntimeout = 60\nindex-url = https://pypi.org/simple\n[install]\nuser = true\n";
        assert_eq!(
            one(Tool::Pip, Some(old)).content,
            "[global]\ntimeout = 60\nindex-url = http://aws:TOKEN@127.0.0.1:8080/pypi/acme/app/simple/\n[install]\nuser = true\n"
        );
    }

    #[test]
    fn pypirc_lists_the_server_once() {
        let old = "[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\n";
        let edit = one(Tool::Twine, Some(old));
        assert!(edit.content.contains("index-servers = pypi tributary\n"), "{}", edit.content);
        assert!(
            edit.content.starts_with("[distutils]\nindex-servers = pypi tributary\n\n[pypi]\nusername = __token__\n"),
            "{}",
            edit.content
        );
        assert!(edit.content.contains(
            "[tributary]\nrepository = http://127.0.0.1:8080/pypi/acme/app/\nusername = aws\npassword = TOKEN\n"
        ));
        assert_eq!(one(Tool::Twine, Some(&edit.content)).content, edit.content);
    }

    #[test]
    fn uv_toml_puts_the_repository_first_as_default() {
        let old = "cache-dir = \"/tmp/uv\"\n[[index]]\nname = \"internal\"\nurl = \"https://x/simple\"\n";
        let content = one(Tool::Uv, Some(old)).content;
        let parsed: toml::Table = content.parse().expect("TOML");
        assert_eq!(parsed["cache-dir"].as_str(), Some("/tmp/uv"));
        let indexes = parsed["index"].as_array().expect("indexes");
        assert_eq!(indexes.len(), 2);
        assert_eq!(indexes[0]["url"].as_str(), Some("http://aws:TOKEN@127.0.0.1:8080/pypi/acme/app/simple/"));
        assert_eq!(indexes[0]["default"].as_bool(), Some(true));
        assert_eq!(one(Tool::Uv, Some(&content)).content, content);
    }

    #[test]
    fn xml_files_are_backed_up_unless_login_wrote_them() {
        assert!(one(Tool::Maven, Some("<settings/>")).backup);
        let ours = one(Tool::Maven, None);
        assert!(!ours.backup && ours.content.contains("<url>http://127.0.0.1:8080/maven/acme/app/</url>"));
        assert!(!one(Tool::Maven, Some(&ours.content)).backup);
        let nuget = one(Tool::Nuget, None);
        assert_eq!(nuget.path, PathBuf::from("/home/u/.config/NuGet/NuGet.Config"));
        assert!(nuget.content.contains("value=\"http://127.0.0.1:8080/nuget/acme/app/v3/index.json\""));
    }

    #[test]
    fn go_env_sets_an_https_proxy() {
        let edit = one(Tool::Go, Some("GOPRIVATE=corp.example\nGOPROXY=direct\n"));
        assert_eq!(edit.content, "GOPRIVATE=corp.example\nGOPROXY=https://aws:TOKEN@127.0.0.1:8443/go/acme/app/\n");
    }

    #[test]
    fn yarn_classic_gets_always_auth_for_this_registry_only() {
        let old = "save-exact=true\n//127.0.0.1:8080/npm/acme/app/:always-auth=true\n";
        let edit = edits(Tool::Yarn, &target(), &places(), &|_| Some(old.to_owned())).remove(0);
        assert_eq!(edit.path, PathBuf::from("/home/u/.npmrc"));
        assert_eq!(
            edit.content,
            "save-exact=true\nregistry=http://127.0.0.1:8080/npm/acme/app/\n//127.0.0.1:8080/npm/acme/app/:_authToken=TOKEN\n//127.0.0.1:8080/npm/acme/app/:always-auth=true\n"
        );
        let again = edits(Tool::Yarn, &target(), &places(), &|_| Some(edit.content.clone())).remove(0);
        assert_eq!(again.content, edit.content);
        // npm's login neither writes it nor drops the one yarn's wrote.
        assert!(!one(Tool::Npm, None).content.contains("always-auth"));
        assert!(one(Tool::Npm, Some(&edit.content)).content.contains(":always-auth=true\n"));
    }

    #[test]
    fn yarnrc_sets_the_registry_keys() {
        let edits = edits(Tool::Yarn, &target(), &places(), &|_| {
            Some("enableTelemetry: false\nnpmAuthToken: \"OLD\"\n".to_owned())
        });
        assert_eq!(
            edits[1].content,
            "enableTelemetry: false\nnpmRegistryServer: \"http://127.0.0.1:8080/npm/acme/app/\"\nnpmAuthToken: \"TOKEN\"\nnpmAlwaysAuth: true\n"
        );
    }
}
