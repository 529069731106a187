//! `tributary go publish DIR --version vX.Y.Z --endpoint URL`: makes the module zip of the
//! module in `DIR` (its `go.mod` names the module) and uploads it to a repository's module proxy,
//! which derives the version's `.mod` and `.info` from it.
//!
//! The zip holds what the go command's own would: every regular file under `DIR` except
//! version-control directories, `vendor` directories and directories with a `go.mod` of their
//! own (other modules), each under `module@version/`. It is written to a temporary file, checked
//! by the same rules the server applies (`tributary_format_go::modzip`), then streamed up.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use futures::TryStreamExt as _;
use tributary_format_go::module::{check_path, check_version_of, escape};
use tributary_format_go::modzip::{check_file_path, inspect, module_line};
use tributary_format_go::version::GoVersion;

/// `tributary go publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The module's directory (where its go.mod is).
    pub dir: PathBuf,
    /// The version to publish, e.g. `v1.2.3`.
    #[arg(long)]
    pub version: String,
    /// The repository's module proxy, e.g. `https://host/go/DOMAIN/REPOSITORY`.
    #[arg(long)]
    pub endpoint: String,
    /// An authorization token (`aws codeartifact get-authorization-token`).
    #[arg(long, env = "CODEARTIFACT_AUTH_TOKEN", hide_env_values = true)]
    pub token: String,
}

/// Directories a module zip never holds.
const SKIPPED_DIRECTORIES: &[&str] = &[".git", ".hg", ".svn", ".bzr", "vendor"];

/// The files of the module at `root`: (path inside the module, file), sorted.
fn module_files(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
            let path = entry.path();
            let kind = entry.file_type().with_context(|| format!("cannot read `{}`", path.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if kind.is_dir() {
                // Another module's directory, or one the go command leaves out.
                if !SKIPPED_DIRECTORIES.contains(&name.as_str()) && !path.join("go.mod").exists() {
                    pending.push(path);
                }
            } else if kind.is_file() {
                let relative = path.strip_prefix(root).context("a file outside the module")?;
                let relative = relative.to_str().with_context(|| format!("`{}` is not UTF-8", path.display()))?;
                let relative = relative.replace(std::path::MAIN_SEPARATOR, "/");
                check_file_path(&relative).map_err(anyhow::Error::msg)?;
                files.push((relative, path));
            }
            // Symbolic links and other files are left out, as the go command leaves them.
        }
    }
    files.sort();
    Ok(files)
}

/// Writes the module zip of `files` for `module@version` to a temporary file.
fn write_zip(module: &str, version: &str, files: &[(String, PathBuf)]) -> anyhow::Result<std::fs::File> {
    let file = tempfile::tempfile().context("cannot make a temporary file for the zip")?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (relative, path) in files {
        zip.start_file(format!("{module}@{version}/{relative}"), options)?;
        let mut source = std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        std::io::copy(&mut source, &mut zip).with_context(|| format!("cannot zip `{}`", path.display()))?;
    }
    let mut file = zip.finish().context("cannot finish the zip")?;
    file.flush()?;
    std::io::Seek::rewind(&mut file)?;
    Ok(file)
}

/// Runs `tributary go publish`.
pub async fn publish(args: PublishArgs) -> anyhow::Result<()> {
    let go_mod = std::fs::read(args.dir.join("go.mod"))
        .with_context(|| format!("`{}` has no go.mod: publish a module's directory", args.dir.display()))?;
    let module = module_line(&go_mod).context("the go.mod has no `module` line")?;
    check_path(&module).map_err(anyhow::Error::msg)?;
    let version = GoVersion::parse(&args.version).map_err(anyhow::Error::msg)?;
    check_version_of(&module, &version).map_err(anyhow::Error::msg)?;
    let files = module_files(&args.dir)?;
    let mut zip = write_zip(&module, version.as_str(), &files)?;
    let checked = inspect(&mut zip, &module, version.as_str(), true).map_err(anyhow::Error::msg)?;
    std::io::Seek::rewind(&mut zip)?;
    let size = zip.metadata()?.len();
    let url =
        format!("{}/{}/@v/{}.zip", args.endpoint.trim_end_matches('/'), escape(&module), escape(version.as_str()));
    let bar = crate::progress::bytes(size, &format!("uploading {module}@{version}"));
    let counted = bar.clone();
    let chunks = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(zip)).inspect_ok(move |chunk| {
        counted.inc(chunk.len() as u64);
    });
    let body = reqwest::Body::wrap_stream(chunks);
    let response = reqwest::Client::new()
        .put(&url)
        .bearer_auth(&args.token)
        .header(reqwest::header::CONTENT_LENGTH, size)
        .header(reqwest::header::CONTENT_TYPE, "application/zip")
        .body(body)
        .send()
        .await
        .with_context(|| format!("cannot reach `{}`", args.endpoint))?;
    bar.finish_and_clear();
    let status = response.status();
    let message = response.text().await.unwrap_or_default();
    match status.as_u16() {
        201 => println!("published {module}@{version} ({} files, {})", checked.files, checked.h1),
        200 => println!("{module}@{version} was already published with these files ({})", checked.h1),
        _ => bail!("{module}@{version} was not published: {status}: {}", message.trim()),
    }
    Ok(())
}
