//! The commands the console shows: how each client is pointed at a repository, and how it
//! installs one version. Text only; the pages put it in copyable blocks.

use tributary_model::PackageFormat;

/// One client's command (or lines of configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The client, as its users call it: `npm`, `pip`, `Maven (pom.xml)` ...
    pub client: &'static str,
    /// The text, as typed or pasted.
    pub text: String,
}

fn snippet(client: &'static str, text: String) -> Snippet {
    Snippet { client, text }
}

/// The name a package's users type: npm's `@scope/name`, Maven's `group:artifact`, a Go module
/// path, or the name alone.
pub fn display_name(format: PackageFormat, namespace: &str, name: &str) -> String {
    match (format, namespace) {
        (_, "") => name.to_owned(),
        (PackageFormat::Npm, scope) => format!("@{scope}/{name}"),
        (PackageFormat::Maven, group) => format!("{group}:{name}"),
        (_, namespace) => format!("{namespace}/{name}"),
    }
}

/// Quotes `text` for a POSIX shell when it holds anything but safe characters.
fn shell_word(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The commands that install `version` of a package, for each client of its format, once that
/// client points at the repository (see [`connect`]).
pub fn install_version(
    format: PackageFormat,
    namespace: &str,
    name: &str,
    version: &str,
    domain: &str,
    repository: &str,
) -> Vec<Snippet> {
    let package = display_name(format, namespace, name);
    match format {
        PackageFormat::Npm => {
            let spec = shell_word(&format!("{package}@{version}"));
            vec![
                snippet("npm", format!("npm install {spec}")),
                snippet("pnpm", format!("pnpm add {spec}")),
                snippet("yarn", format!("yarn add {spec}")),
            ]
        }
        PackageFormat::Pypi => {
            let spec = shell_word(&format!("{package}=={version}"));
            vec![snippet("pip", format!("pip install {spec}")), snippet("uv", format!("uv pip install {spec}"))]
        }
        PackageFormat::Maven => vec![
            snippet(
                "Maven (pom.xml)",
                format!(
                    "<dependency>\n  <groupId>{namespace}</groupId>\n  <artifactId>{name}</artifactId>\n  <version>{version}</version>\n</dependency>"
                ),
            ),
            snippet("Gradle", format!("implementation(\"{namespace}:{name}:{version}\")")),
            snippet("mvn", format!("mvn dependency:get -Dartifact={}", shell_word(&format!("{package}:{version}")))),
        ],
        PackageFormat::Nuget => vec![
            snippet("dotnet", format!("dotnet add package {} --version {}", shell_word(&package), shell_word(version))),
            snippet("nuget", format!("nuget install {} -Version {}", shell_word(&package), shell_word(version))),
            snippet("PackageReference", format!("<PackageReference Include=\"{package}\" Version=\"{version}\" />")),
        ],
        PackageFormat::Go => vec![snippet("go", format!("go get {}", shell_word(&format!("{package}@{version}"))))],
        _ => {
            let mut command = format!(
                "aws codeartifact list-package-version-assets --domain {} --repository {} --format {format} --package {} --package-version {}",
                shell_word(domain),
                shell_word(repository),
                shell_word(name),
                shell_word(version)
            );
            if !namespace.is_empty() {
                command.push_str(&format!(" --namespace {}", shell_word(namespace)));
            }
            vec![snippet("aws CLI", command)]
        }
    }
}

/// The clients of `format`, as a heading.
pub fn clients_of(format: PackageFormat) -> &'static str {
    match format {
        PackageFormat::Npm => "npm, pnpm, yarn",
        PackageFormat::Pypi => "pip, uv, twine",
        PackageFormat::Maven => "Maven, Gradle",
        PackageFormat::Nuget => "NuGet, dotnet",
        PackageFormat::Go => "Go",
        _ => "the aws CLI",
    }
}

/// A repository as clients reach it.
#[derive(Debug, Clone, Copy)]
pub struct Repository<'a> {
    /// The server's base URL, e.g. `https://artifacts.example.com` (no trailing slash).
    pub base: &'a str,
    /// The domain.
    pub domain: &'a str,
    /// The repository.
    pub repository: &'a str,
}

impl Repository<'_> {
    /// The repository's endpoint for `format`.
    pub fn endpoint(&self, format: PackageFormat) -> String {
        format!("{}/{format}/{}/{}/", self.base.trim_end_matches('/'), self.domain, self.repository)
    }
}

/// How each client is pointed at `repo`: `tributary login`, which asks the server for a token
/// with the keys of the caller's profile and writes the client's own file, and the URL the
/// client ends up reading.
pub fn connect(repo: &Repository<'_>) -> Vec<(PackageFormat, Vec<Snippet>)> {
    let login = |tool: &str| {
        format!(
            "tributary login --tool {tool} --domain {} --repository {} --endpoint-url {}",
            repo.domain,
            repo.repository,
            // The base comes from configuration or the request's Host: quoted when it must be.
            shell_word(repo.base.trim_end_matches('/'))
        )
    };
    let with_url = |tool: &str, then: &str| format!("{}\n{then}", login(tool));
    vec![
        (
            PackageFormat::Npm,
            vec![
                snippet(
                    "npm",
                    with_url("npm", &format!("# writes ~/.npmrc: registry={}", repo.endpoint(PackageFormat::Npm))),
                ),
                snippet("pnpm", with_url("pnpm", "# writes ~/.npmrc, as for npm")),
                snippet("yarn", with_url("yarn", "# writes ~/.npmrc and ~/.yarnrc.yml")),
            ],
        ),
        (
            PackageFormat::Pypi,
            vec![
                snippet(
                    "pip",
                    with_url(
                        "pip",
                        &format!(
                            "# writes pip.conf: index-url = {}simple/ (with a token)",
                            repo.endpoint(PackageFormat::Pypi)
                        ),
                    ),
                ),
                snippet("uv", with_url("uv", "# writes uv.toml")),
                snippet("twine", with_url("twine", "# writes ~/.pypirc; then: twine upload -r tributary dist/*")),
            ],
        ),
        (
            PackageFormat::Maven,
            vec![snippet(
                "Maven",
                with_url(
                    "maven",
                    "# writes ~/.m2/settings.xml: this repository as the mirror of everything, and for mvn deploy",
                ),
            )],
        ),
        (
            PackageFormat::Nuget,
            vec![snippet(
                "NuGet",
                with_url(
                    "nuget",
                    &format!("# writes NuGet.Config: {}v3/index.json", repo.endpoint(PackageFormat::Nuget)),
                ),
            )],
        ),
        (
            PackageFormat::Go,
            vec![snippet(
                "Go",
                format!(
                    "{} --tls-endpoint-url https://HOST:PORT\n# writes go's env: GOPROXY (the go command sends credentials over HTTPS only)",
                    login("go")
                ),
            )],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_their_users_type_them() {
        assert_eq!(display_name(PackageFormat::Npm, "acme", "widget"), "@acme/widget");
        assert_eq!(display_name(PackageFormat::Npm, "", "widget"), "widget");
        assert_eq!(display_name(PackageFormat::Maven, "com.acme", "widget"), "com.acme:widget");
        assert_eq!(display_name(PackageFormat::Go, "github.com/acme", "widget/v2"), "github.com/acme/widget/v2");
    }

    #[test]
    fn install_commands_per_client() {
        let npm = install_version(PackageFormat::Npm, "acme", "widget", "1.2.3", "d", "r");
        assert_eq!(npm[0].text, "npm install @acme/widget@1.2.3");
        assert_eq!(npm[2].text, "yarn add @acme/widget@1.2.3");
        let pip = install_version(PackageFormat::Pypi, "", "requests", "2.0.0", "d", "r");
        assert_eq!(pip[0].text, "pip install requests==2.0.0");
        let go = install_version(PackageFormat::Go, "github.com/acme", "widget/v2", "v2.1.0", "d", "r");
        assert_eq!(go[0].text, "go get github.com/acme/widget/v2@v2.1.0");
        let maven = install_version(PackageFormat::Maven, "com.acme", "widget", "1.0", "d", "r");
        assert!(maven[0].text.contains("<artifactId>widget</artifactId>"));
        assert_eq!(maven[2].text, "mvn dependency:get -Dartifact=com.acme:widget:1.0");
        let generic = install_version(PackageFormat::Generic, "tools", "cli", "1.0", "d", "r");
        assert!(generic[0].text.ends_with("--package-version 1.0 --namespace tools"), "{}", generic[0].text);
    }

    #[test]
    fn the_server_address_is_quoted_when_it_must_be() {
        let plain = Repository { base: "http://127.0.0.1:8080/", domain: "acme", repository: "app" };
        let npm = &connect(&plain)[0].1[0];
        assert!(
            npm.text.starts_with(
                "tributary login --tool npm --domain acme --repository app --endpoint-url http://127.0.0.1:8080\n"
            ),
            "{}",
            npm.text
        );
        let odd = Repository { base: "http://evil;rm -rf ~", domain: "acme", repository: "app" };
        let npm = &connect(&odd)[0].1[0];
        assert!(npm.text.contains("--endpoint-url 'http://evil;rm -rf ~'"), "{}", npm.text);
    }

    #[test]
    fn a_hostile_version_is_quoted() {
        let npm = install_version(PackageFormat::Npm, "", "x", "1.0.0; rm -rf ~", "d", "r");
        assert_eq!(npm[0].text, "npm install 'x@1.0.0; rm -rf ~'");
    }
}
