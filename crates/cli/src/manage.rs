//! `tributary domain|repo|package|version|search-order`: the control plane from the command line
//! (docs/ARCHITECTURE.md, "The tributary CLI"), signed like the `aws` CLI, answering with a
//! table for people, or the server's own JSON with `--json` (every page of a list, merged).
//!
//! Each command is one or a few CodeArtifact API calls; what the answer means is the server's.
//! A refusal is shown with the server's message and, where one helps, what to run next.

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::principal::{Connection, call, url_encode};
use crate::profile::Server;

/// How to show an answer.
#[derive(Debug, Clone, Args)]
pub struct Shown {
    /// Print the server's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub server: Server,
}

/// `tributary domain ...`.
#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// List the domains.
    List(#[command(flatten)] Shown),
    /// Create a domain.
    Create {
        /// Its name (2 to 50 of lowercase letters, digits and `-`).
        name: String,
        #[command(flatten)]
        shown: Shown,
    },
    /// Describe a domain.
    Describe {
        /// The domain.
        name: String,
        #[command(flatten)]
        shown: Shown,
    },
    /// Delete a domain (it must hold no repository).
    Delete {
        /// The domain.
        name: String,
        #[command(flatten)]
        shown: Shown,
    },
}

/// A repository, as the commands name it.
#[derive(Debug, Clone, Args)]
pub struct RepoName {
    /// The domain.
    #[arg(long)]
    pub domain: String,
    /// The repository.
    pub repository: String,
}

impl RepoName {
    fn query(&self) -> String {
        format!("domain={}&repository={}", url_encode(&self.domain), url_encode(&self.repository))
    }
}

/// `tributary repo ...`.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// List the repositories (of one domain with `--domain`).
    List {
        /// Only this domain's.
        #[arg(long)]
        domain: Option<String>,
        #[command(flatten)]
        shown: Shown,
    },
    /// Create a repository, with its upstreams in search order, and an external connection.
    Create {
        #[command(flatten)]
        repo: RepoName,
        /// An upstream repository (`NAME` or `NAME@VIEW`); repeat for more, in search order (at
        /// most 10).
        #[arg(long = "upstream")]
        upstreams: Vec<String>,
        /// An external connection to associate (`public:npmjs`, ...): a gateway.
        #[arg(long)]
        connection: Option<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        shown: Shown,
    },
    /// Describe a repository: its upstreams and external connection.
    Describe {
        #[command(flatten)]
        repo: RepoName,
        #[command(flatten)]
        shown: Shown,
    },
    /// Delete a repository and what it holds.
    Delete {
        #[command(flatten)]
        repo: RepoName,
        #[command(flatten)]
        shown: Shown,
    },
    /// Replace a repository's upstreams (in search order; none to clear them).
    SetUpstreams {
        #[command(flatten)]
        repo: RepoName,
        /// The upstreams, in search order.
        upstreams: Vec<String>,
        #[command(flatten)]
        shown: Shown,
    },
    /// Associate an external connection (`public:npmjs`, ...): the repository becomes a gateway.
    Connect {
        #[command(flatten)]
        repo: RepoName,
        /// The connection.
        connection: String,
        #[command(flatten)]
        shown: Shown,
    },
    /// Remove a repository's external connection.
    Disconnect {
        #[command(flatten)]
        repo: RepoName,
        /// The connection.
        connection: String,
        #[command(flatten)]
        shown: Shown,
    },
}

/// A package, as the commands name it.
#[derive(Debug, Clone, Args)]
pub struct PackageName {
    /// The domain.
    #[arg(long)]
    pub domain: String,
    /// The repository.
    #[arg(long)]
    pub repository: String,
    /// The format: npm, pypi, maven, nuget, go or generic.
    #[arg(long)]
    pub format: String,
    /// The namespace (npm scope without `@`, Maven group id, go module path prefix).
    #[arg(long)]
    pub namespace: Option<String>,
    /// The package.
    pub package: String,
}

impl PackageName {
    fn query(&self) -> String {
        let mut query = format!(
            "domain={}&repository={}&format={}&package={}",
            url_encode(&self.domain),
            url_encode(&self.repository),
            url_encode(&self.format),
            url_encode(&self.package)
        );
        if let Some(namespace) = &self.namespace {
            query.push_str(&format!("&namespace={}", url_encode(namespace)));
        }
        query
    }
}

/// `tributary package ...`.
#[derive(Debug, Subcommand)]
pub enum PackageCommand {
    /// List a repository's packages.
    List {
        /// The domain.
        #[arg(long)]
        domain: String,
        /// The repository.
        #[arg(long)]
        repository: String,
        /// Only this format's.
        #[arg(long)]
        format: Option<String>,
        /// Only names starting with this.
        #[arg(long)]
        prefix: Option<String>,
        #[command(flatten)]
        shown: Shown,
    },
    /// Describe a package: its origin controls.
    Describe {
        #[command(flatten)]
        package: PackageName,
        #[command(flatten)]
        shown: Shown,
    },
    /// Delete a package with every version.
    Delete {
        #[command(flatten)]
        package: PackageName,
        #[command(flatten)]
        shown: Shown,
    },
}

/// `tributary version ...`.
#[derive(Debug, Subcommand)]
pub enum VersionCommand {
    /// List a package's versions.
    List {
        #[command(flatten)]
        package: PackageName,
        /// Only those of this status (Published, Unlisted, Archived, Disposed, Unfinished).
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        shown: Shown,
    },
    /// Describe a version.
    Describe {
        #[command(flatten)]
        package: PackageName,
        /// The version.
        #[arg(long)]
        version: String,
        #[command(flatten)]
        shown: Shown,
    },
    /// Change versions' status.
    Status {
        #[command(flatten)]
        package: PackageName,
        /// The versions.
        #[arg(long = "version", required = true)]
        versions: Vec<String>,
        /// The new status: Published, Unlisted or Archived.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        shown: Shown,
    },
    /// Delete versions.
    Delete {
        #[command(flatten)]
        package: PackageName,
        /// The versions.
        #[arg(long = "version", required = true)]
        versions: Vec<String>,
        #[command(flatten)]
        shown: Shown,
    },
}

/// `tributary search-order`.
#[derive(Debug, Args)]
pub struct SearchOrderArgs {
    #[command(flatten)]
    pub repo: RepoName,
    #[command(flatten)]
    pub shown: Shown,
}

/// A table of `rows` under `header`.
fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING).set_header(header.to_vec());
    for row in rows {
        table.add_row(row);
    }
    table.to_string().lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// `value[key]` as text: a string as is, nothing as `-`.
fn text(value: &Value, key: &str) -> String {
    match &value[key] {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

/// `value[key]`, a CodeArtifact timestamp (seconds since 1970), as an RFC 3339 date.
fn time(value: &Value, key: &str) -> String {
    let seconds = value[key].as_f64().unwrap_or_default();
    #[expect(clippy::cast_possible_truncation, reason = "a timestamp in seconds fits an i64")]
    let at = chrono::DateTime::from_timestamp(seconds as i64, 0);
    at.map_or_else(|| text(value, key), |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Every page of a list call (`key` holds the items), merged into one answer.
async fn all_pages(connection: &Connection, method: &str, path: &str, key: &str) -> anyhow::Result<Value> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let page_path = match &next {
            Some(token) => format!("{path}{separator}next-token={}", url_encode(token)),
            None => path.to_owned(),
        };
        let mut answer = call(connection, method, &page_path, b"{}").await?;
        if let Some(Value::Array(page)) = answer.get_mut(key).map(Value::take) {
            items.extend(page);
        }
        next = answer.get("nextToken").and_then(Value::as_str).map(str::to_owned);
        if next.is_none() {
            return Ok(json!({ key: items }));
        }
    }
}

/// Prints `answer` as JSON, or as `render` makes it.
fn show(shown: &Shown, answer: &Value, render: impl FnOnce(&Value) -> String) -> anyhow::Result<()> {
    if shown.json {
        println!("{}", serde_json::to_string_pretty(answer)?);
    } else {
        println!("{}", render(answer));
    }
    Ok(())
}

/// `error` with `hint` after it, for a refusal a next command can help with.
fn hinted(error: anyhow::Error, hint: &str) -> anyhow::Error {
    let message = error.to_string();
    if message.contains("(404") || message.contains("does not exist") || message.contains("not found") {
        anyhow::anyhow!("{message}\n  hint: {hint}")
    } else {
        error
    }
}

fn domains_table(answer: &Value) -> String {
    let rows = answer["domains"].as_array().into_iter().flatten();
    let rows = rows.map(|d| vec![text(d, "name"), text(d, "owner"), text(d, "status"), time(d, "createdTime")]);
    table(&["DOMAIN", "OWNER", "STATUS", "CREATED"], rows.collect())
}

fn domain_details(answer: &Value) -> String {
    let d = &answer["domain"];
    let mut rows: Vec<Vec<String>> = ["name", "owner", "status", "repositoryCount", "assetSizeBytes", "arn"]
        .iter()
        .map(|key| vec![(*key).to_owned(), text(d, key)])
        .collect();
    rows.push(vec!["createdTime".to_owned(), time(d, "createdTime")]);
    table(&["FIELD", "VALUE"], rows)
}

fn repositories_table(answer: &Value) -> String {
    let rows = answer["repositories"].as_array().into_iter().flatten();
    let rows = rows.map(|r| vec![text(r, "domainName"), text(r, "name"), text(r, "description")]);
    table(&["DOMAIN", "REPOSITORY", "DESCRIPTION"], rows.collect())
}

fn repository_details(answer: &Value) -> String {
    let r = &answer["repository"];
    let names = |key: &str, field: &str| -> String {
        let list: Vec<String> = r[key].as_array().into_iter().flatten().map(|u| text(u, field)).collect::<Vec<_>>();
        if list.is_empty() { "-".to_owned() } else { list.join(", ") }
    };
    let rows = vec![
        vec!["domain".to_owned(), text(r, "domainName")],
        vec!["repository".to_owned(), text(r, "name")],
        vec!["description".to_owned(), text(r, "description")],
        vec!["upstreams".to_owned(), names("upstreams", "repositoryName")],
        vec!["external connection".to_owned(), names("externalConnections", "externalConnectionName")],
        vec!["arn".to_owned(), text(r, "arn")],
    ];
    table(&["FIELD", "VALUE"], rows)
}

fn packages_table(answer: &Value) -> String {
    let rows = answer["packages"].as_array().into_iter().flatten().map(|p| {
        let origin = &p["originConfiguration"]["restrictions"];
        vec![
            text(p, "format"),
            text(p, "namespace"),
            text(p, "package"),
            text(origin, "publish"),
            text(origin, "upstream"),
        ]
    });
    table(&["FORMAT", "NAMESPACE", "PACKAGE", "PUBLISH", "UPSTREAM"], rows.collect())
}

fn versions_table(answer: &Value) -> String {
    let rows =
        answer["versions"].as_array().into_iter().flatten().map(|v| {
            vec![text(v, "version"), text(v, "status"), text(&v["origin"], "originType"), text(v, "revision")]
        });
    table(&["VERSION", "STATUS", "ORIGIN", "REVISION"], rows.collect())
}

fn version_details(answer: &Value) -> String {
    let v = &answer["packageVersion"];
    let mut rows: Vec<Vec<String>> = [
        "format",
        "namespace",
        "packageName",
        "version",
        "status",
        "displayName",
        "summary",
        "publishedTime",
        "revision",
    ]
    .iter()
    .map(|key| vec![(*key).to_owned(), text(v, key)])
    .collect();
    rows.push(vec!["origin".to_owned(), text(&v["origin"], "originType")]);
    table(&["FIELD", "VALUE"], rows)
}

fn search_order_table(answer: &Value) -> String {
    let rows = answer["searchOrder"].as_array().into_iter().flatten().enumerate().map(|(i, step)| {
        let via = match (step.get("externalConnectionName"), step.get("view")) {
            (Some(c), _) => format!("external connection {}", c.as_str().unwrap_or_default()),
            (None, Some(view)) => format!("view @{}", view.as_str().unwrap_or_default()),
            (None, None) => "-".to_owned(),
        };
        vec![(i + 1).to_string(), text(step, "repositoryName"), via]
    });
    table(&["#", "REPOSITORY", "READS"], rows.collect())
}

fn status_table(answer: &Value) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Some(done) = answer["successfulVersions"].as_object() {
        rows.extend(done.iter().map(|(version, v)| vec![version.clone(), text(v, "status"), "-".to_owned()]));
    }
    if let Some(failed) = answer["failedVersions"].as_object() {
        rows.extend(
            failed.iter().map(|(version, v)| vec![version.clone(), text(v, "errorCode"), text(v, "errorMessage")]),
        );
    }
    table(&["VERSION", "STATUS", "ERROR"], rows)
}

/// Runs one `tributary domain` command.
pub async fn domain(command: DomainCommand) -> anyhow::Result<()> {
    let hint = "list the domains with `tributary domain list`";
    match command {
        DomainCommand::List(shown) => {
            let answer = all_pages(&shown.server.resolve()?, "POST", "/v1/domains", "domains").await?;
            show(&shown, &answer, domains_table)
        }
        DomainCommand::Create { name, shown } => {
            let path = format!("/v1/domain?domain={}", url_encode(&name));
            let answer = call(&shown.server.resolve()?, "POST", &path, b"{}").await?;
            show(&shown, &answer, domain_details)
        }
        DomainCommand::Describe { name, shown } => {
            let path = format!("/v1/domain?domain={}", url_encode(&name));
            let answer = call(&shown.server.resolve()?, "GET", &path, b"").await.map_err(|e| hinted(e, hint))?;
            show(&shown, &answer, domain_details)
        }
        DomainCommand::Delete { name, shown } => {
            let path = format!("/v1/domain?domain={}", url_encode(&name));
            let answer = call(&shown.server.resolve()?, "DELETE", &path, b"").await.map_err(|e| hinted(e, hint))?;
            show(&shown, &answer, domain_details)
        }
    }
}

/// The body of an upstream list.
fn upstream_list(upstreams: &[String]) -> Value {
    json!(upstreams.iter().map(|u| json!({ "repositoryName": u })).collect::<Vec<_>>())
}

/// Runs one `tributary repo` command.
pub async fn repo(command: RepoCommand) -> anyhow::Result<()> {
    let hint = |domain: &str| format!("list the repositories with `tributary repo list --domain {domain}`");
    match command {
        RepoCommand::List { domain, shown } => {
            let connection = shown.server.resolve()?;
            let answer = match &domain {
                Some(domain) => {
                    let path = format!("/v1/domain/repositories?domain={}", url_encode(domain));
                    all_pages(&connection, "POST", &path, "repositories")
                        .await
                        .map_err(|e| hinted(e, "list the domains with `tributary domain list`"))?
                }
                None => all_pages(&connection, "POST", "/v1/repositories", "repositories").await?,
            };
            show(&shown, &answer, repositories_table)
        }
        RepoCommand::Create { repo, upstreams, connection, description, shown } => {
            let server = shown.server.resolve()?;
            let mut body = json!({ "upstreams": upstream_list(&upstreams) });
            if let Some(description) = description {
                body["description"] = description.into();
            }
            let path = format!("/v1/repository?{}", repo.query());
            let mut answer = call(&server, "POST", &path, body.to_string().as_bytes())
                .await
                .map_err(|e| hinted(e, "list the domains with `tributary domain list`"))?;
            if let Some(connection) = connection {
                let path = format!(
                    "/v1/repository/external-connection?{}&external-connection={}",
                    repo.query(),
                    url_encode(&connection)
                );
                answer = call(&server, "POST", &path, b"").await?;
            }
            show(&shown, &answer, repository_details)
        }
        RepoCommand::Describe { repo, shown } => {
            let path = format!("/v1/repository?{}", repo.query());
            let answer =
                call(&shown.server.resolve()?, "GET", &path, b"").await.map_err(|e| hinted(e, &hint(&repo.domain)))?;
            show(&shown, &answer, repository_details)
        }
        RepoCommand::Delete { repo, shown } => {
            let path = format!("/v1/repository?{}", repo.query());
            let answer = call(&shown.server.resolve()?, "DELETE", &path, b"")
                .await
                .map_err(|e| hinted(e, &hint(&repo.domain)))?;
            show(&shown, &answer, repository_details)
        }
        RepoCommand::SetUpstreams { repo, upstreams, shown } => {
            let path = format!("/v1/repository?{}", repo.query());
            let body = json!({ "upstreams": upstream_list(&upstreams) }).to_string();
            let answer = call(&shown.server.resolve()?, "PUT", &path, body.as_bytes())
                .await
                .map_err(|e| hinted(e, &hint(&repo.domain)))?;
            show(&shown, &answer, repository_details)
        }
        RepoCommand::Connect { repo, connection, shown } => connection_call(&repo, &connection, &shown, "POST").await,
        RepoCommand::Disconnect { repo, connection, shown } => {
            connection_call(&repo, &connection, &shown, "DELETE").await
        }
    }
}

/// Associates (`POST`) or removes (`DELETE`) `repo`'s external connection `connection`.
async fn connection_call(repo: &RepoName, connection: &str, shown: &Shown, method: &str) -> anyhow::Result<()> {
    let path =
        format!("/v1/repository/external-connection?{}&external-connection={}", repo.query(), url_encode(connection));
    let answer = call(&shown.server.resolve()?, method, &path, b"").await.map_err(|e| {
        hinted(e, &format!("list the repositories with `tributary repo list --domain {}`", repo.domain))
    })?;
    show(shown, &answer, repository_details)
}

/// Runs one `tributary package` command.
pub async fn package(command: PackageCommand) -> anyhow::Result<()> {
    match command {
        PackageCommand::List { domain, repository, format, prefix, shown } => {
            let mut path =
                format!("/v1/packages?domain={}&repository={}", url_encode(&domain), url_encode(&repository));
            if let Some(format) = format {
                path.push_str(&format!("&format={}", url_encode(&format)));
            }
            if let Some(prefix) = prefix {
                path.push_str(&format!("&package-prefix={}", url_encode(&prefix)));
            }
            let answer = all_pages(&shown.server.resolve()?, "POST", &path, "packages").await.map_err(|e| {
                hinted(e, &format!("list the repositories with `tributary repo list --domain {domain}`"))
            })?;
            show(&shown, &answer, packages_table)
        }
        PackageCommand::Describe { package, shown } => {
            let path = format!("/v1/package?{}", package.query());
            let answer =
                call(&shown.server.resolve()?, "GET", &path, b"").await.map_err(|e| hinted(e, &list_hint(&package)))?;
            show(&shown, &answer, |a| serde_json::to_string_pretty(&a["package"]).unwrap_or_default())
        }
        PackageCommand::Delete { package, shown } => {
            let path = format!("/v1/package?{}", package.query());
            let answer = call(&shown.server.resolve()?, "DELETE", &path, b"")
                .await
                .map_err(|e| hinted(e, &list_hint(&package)))?;
            show(&shown, &answer, |a| format!("Deleted {}", text(&a["deletedPackage"], "package")))
        }
    }
}

fn list_hint(package: &PackageName) -> String {
    format!(
        "list the packages with `tributary package list --domain {} --repository {}`",
        package.domain, package.repository
    )
}

/// Runs one `tributary version` command.
pub async fn version(command: VersionCommand) -> anyhow::Result<()> {
    match command {
        VersionCommand::List { package, status, shown } => {
            let mut path = format!("/v1/package/versions?{}", package.query());
            if let Some(status) = status {
                path.push_str(&format!("&status={}", url_encode(&status)));
            }
            let answer = all_pages(&shown.server.resolve()?, "POST", &path, "versions")
                .await
                .map_err(|e| hinted(e, &list_hint(&package)))?;
            show(&shown, &answer, versions_table)
        }
        VersionCommand::Describe { package, version, shown } => {
            let path = format!("/v1/package/version?{}&version={}", package.query(), url_encode(&version));
            let answer = call(&shown.server.resolve()?, "GET", &path, b"")
                .await
                .map_err(|e| hinted(e, "list the versions with `tributary version list` and the same options"))?;
            show(&shown, &answer, version_details)
        }
        VersionCommand::Status { package, versions, to, shown } => {
            let path = format!("/v1/package/versions/update_status?{}", package.query());
            let body = json!({ "versions": versions, "targetStatus": to }).to_string();
            let answer = call(&shown.server.resolve()?, "POST", &path, body.as_bytes())
                .await
                .map_err(|e| hinted(e, &list_hint(&package)))?;
            show(&shown, &answer, status_table)
        }
        VersionCommand::Delete { package, versions, shown } => {
            let path = format!("/v1/package/versions/delete?{}", package.query());
            let body = json!({ "versions": versions }).to_string();
            let answer = call(&shown.server.resolve()?, "POST", &path, body.as_bytes())
                .await
                .map_err(|e| hinted(e, &list_hint(&package)))?;
            show(&shown, &answer, status_table)
        }
    }
}

/// Runs `tributary search-order`.
pub async fn search_order(args: SearchOrderArgs) -> anyhow::Result<()> {
    let path = format!("/v1/repository/search-order?{}", args.repo.query());
    let answer = call(&args.shown.server.resolve()?, "GET", &path, b"").await.map_err(|e| {
        hinted(e, &format!("list the repositories with `tributary repo list --domain {}`", args.repo.domain))
    })?;
    show(&args.shown, &answer, search_order_table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_order_is_numbered_and_marks_the_gateway() {
        let answer = json!({ "searchOrder": [
            { "repositoryName": "app" },
            { "repositoryName": "shared", "view": "release" },
            { "repositoryName": "gateway", "externalConnectionName": "public:npmjs" },
        ]});
        let shown = search_order_table(&answer);
        let lines: Vec<&str> = shown.lines().map(str::trim).collect();
        assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["#", "REPOSITORY", "READS"]);
        assert_eq!(lines[1].split_whitespace().collect::<Vec<_>>(), ["1", "app", "-"]);
        assert_eq!(lines[2].split_whitespace().collect::<Vec<_>>(), ["2", "shared", "view", "@release"]);
        assert_eq!(
            lines[3].split_whitespace().collect::<Vec<_>>(),
            ["3", "gateway", "external", "connection", "public:npmjs"]
        );
    }

    #[test]
    fn a_refusal_that_names_something_missing_gets_a_hint() {
        let missing =
            hinted(anyhow::anyhow!("the server refused it (404 Not Found): domain `x` does not exist"), "list");
        assert!(missing.to_string().ends_with("\n  hint: list"));
        let other = hinted(anyhow::anyhow!("the server refused it (409 Conflict): it exists"), "list");
        assert!(!other.to_string().contains("hint"));
    }
}
