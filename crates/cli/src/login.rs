//! `tributary login --tool TOOL --domain D --repository R`: points a package manager at a
//! repository by writing the client's own configuration (`clients.rs` says what each file
//! becomes), with a token from GetAuthorizationToken (or `--token`), as `aws codeartifact login`
//! does for npm, pip and twine. `--dry-run` prints the files instead.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Args;

use crate::clients::{Edit, Places, Target, Tool, edits};
use crate::principal::{call, url_encode};
use crate::profile::Server;

/// `tributary login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The client to configure.
    #[arg(long, value_enum)]
    pub tool: Tool,
    /// The domain.
    #[arg(long)]
    pub domain: String,
    /// The repository.
    #[arg(long)]
    pub repository: String,
    /// A token of the domain to write, instead of asking the server for one with an access key.
    #[arg(long, env = "TRIBUTARY_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// How long the token asked for lasts, in seconds (900 to 43200).
    #[arg(long, default_value_t = 43_200)]
    pub duration_seconds: u64,
    /// The server's HTTPS URL (its `tls_listen`), for the go command, which sends credentials
    /// over HTTPS only, e.g. `https://artifacts.example:8443`.
    #[arg(long, env = "TRIBUTARY_TLS_ENDPOINT_URL")]
    pub tls_endpoint_url: Option<String>,
    /// Print the files that would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub server: Server,
}

/// Runs `tributary login`.
pub async fn run(args: LoginArgs) -> anyhow::Result<()> {
    let base = args.server.endpoint()?;
    if args.tool == Tool::Go && args.tls_endpoint_url.is_none() {
        bail!(
            "the go command sends credentials over HTTPS only: pass --tls-endpoint-url https://HOST:PORT, the \
             server's HTTPS listener (`tls_listen`)"
        );
    }
    let (token, expires) = match &args.token {
        Some(token) => (token.clone(), None),
        None => {
            let connection = args.server.resolve()?;
            let path = format!(
                "/v1/authorization-token?domain={}&duration={}",
                url_encode(&args.domain),
                args.duration_seconds
            );
            let answer = call(&connection, "POST", &path, b"").await.context("cannot get a token")?;
            let token = answer["authorizationToken"].as_str().context("the server's answer holds no token")?;
            (token.to_owned(), answer["expiration"].as_str().map(str::to_owned))
        }
    };
    let target = Target {
        base,
        tls_base: args.tls_endpoint_url.map(|url| url.trim_end_matches('/').to_owned()),
        domain: args.domain.clone(),
        repository: args.repository.clone(),
        token,
    };
    let read = |path: &Path| std::fs::read_to_string(path).ok();
    let edits = edits(args.tool, &target, &Places::from_env(), &read);
    if args.dry_run {
        for edit in &edits {
            println!(
                "# {}{}\n{}",
                edit.path.display(),
                if edit.backup { " (kept first as .bak)" } else { "" },
                edit.content
            );
        }
        return Ok(());
    }
    for edit in &edits {
        write(edit)?;
        println!("Wrote {}", edit.path.display());
    }
    let until = expires.map(|at| format!(" The token expires at {at}.")).unwrap_or_default();
    let next = match args.tool {
        Tool::Twine => " Upload with `twine upload -r tributary dist/*`.",
        _ => "",
    };
    println!("{:?} now uses {}/{}.{until}{next}", args.tool, args.domain, args.repository);
    Ok(())
}

/// Writes `edit`, readable by its owner only (it holds a token), keeping the file it replaces as
/// `.bak` when asked to.
fn write(edit: &Edit) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = &edit.path;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    if edit.backup {
        let backup = path.with_extension(format!(
            "{}bak",
            path.extension().map(|e| format!("{}.", e.to_string_lossy())).unwrap_or_default()
        ));
        std::fs::copy(path, &backup)
            .with_context(|| format!("cannot keep `{}` as `{}`", path.display(), backup.display()))?;
        println!("Kept the previous {} as {}", path.display(), backup.display());
    }
    // Written beside, then renamed: a reader never sees half a file.
    let temporary = path.with_file_name(format!(
        ".{}.tributary-login",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("cannot write `{}`", temporary.display()))?;
    file.write_all(edit.content.as_bytes()).with_context(|| format!("cannot write `{}`", temporary.display()))?;
    file.sync_all()?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}
