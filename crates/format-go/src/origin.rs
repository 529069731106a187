//! Origin fetch: modules no proxy has, fetched from their version-control repositories by the go
//! command itself, as Athens does. This module answers the GOPROXY protocol (`@v/list`, `.info`,
//! `.mod`, `.zip`, `@latest`) by running `go list -m -json` and `go mod download -json` with
//! `GOPROXY=direct`, each run in a sandbox of its own (its `HOME`, `GOPATH`, `GOMODCACHE` and
//! build cache, removed when the answer is made). The server serves it on a loopback listener,
//! which the `public:go-origin` external connection reads like any proxy: what it fetches is
//! stored, retained, cached and single-flighted like everything else (docs/DESIGN.md §4).
//!
//! With [`crate::registry`] and [`crate::plane`], the only module of this crate that does I/O:
//! it runs the go command.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tributary_engine::data_plane::Response;
use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_model::{ErrorKind, ServiceError};

use crate::plane::GoEndpoint;
use crate::version::GoVersion;

/// How origin fetches run.
#[derive(Debug, Clone)]
pub struct OriginSettings {
    /// The go command.
    pub go: PathBuf,
    /// Where each fetch's sandbox is made.
    pub work_dir: PathBuf,
    /// What the go command is given besides its sandbox: `PATH` (git must be on it), proxies
    /// (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, in both cases), git's and netrc's credentials
    /// (`GIT_CONFIG_GLOBAL`, `NETRC`), `GOPRIVATE`, `GOINSECURE`, `GOVCS`.
    pub env: Vec<(String, String)>,
    /// The longest one fetch may take.
    pub timeout: Duration,
}

/// What an origin request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginRequest {
    /// `{module}/@v/list`.
    List { module: String },
    /// `{module}/@latest`.
    Latest { module: String },
    /// `{module}/@v/{version}.{info,mod,zip}`.
    File { module: String, version: GoVersion, kind: &'static str },
}

impl OriginRequest {
    /// Parses a GET's path, as a proxy's.
    pub fn parse(method: &Method, path: &str) -> Result<Self, ServiceError> {
        if *method != Method::GET && *method != Method::HEAD {
            return Err(ServiceError::new(ErrorKind::NotFound, "the origin fetcher serves GET only"));
        }
        match GoEndpoint::parse(method, path)? {
            GoEndpoint::List { module } => Ok(Self::List { module }),
            GoEndpoint::Latest { module } => Ok(Self::Latest { module }),
            GoEndpoint::File { module, version, kind } => Ok(Self::File { module, version, kind }),
            _ => Err(ServiceError::new(ErrorKind::NotFound, format!("`{path}` is not a module request"))),
        }
    }
}

/// A sandbox: the go command's home and caches, removed when dropped.
struct Sandbox {
    dir: PathBuf,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The module cache is read-only without -modcacherw; it is set, but be thorough.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn failed(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(ErrorKind::BadGateway, format!("the origin fetch could not {what}: {e}"))
}

impl OriginSettings {
    fn sandbox(&self) -> Result<Sandbox, ServiceError> {
        std::fs::create_dir_all(&self.work_dir).map_err(|e| failed("make its work directory", e))?;
        let dir = self.work_dir.join(format!(
            "fetch-{}-{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| failed("make a sandbox", e))?;
        Ok(Sandbox { dir })
    }

    /// Runs `go {args}` in `sandbox`: its JSON output, or the go command's own error (a 404:
    /// what the origin does not have, the next place is asked for).
    async fn go_json(&self, sandbox: &Sandbox, args: &[&str]) -> Result<serde_json::Value, ServiceError> {
        let dir = &sandbox.dir;
        let mut command = tokio::process::Command::new(&self.go);
        command
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("HOME", dir)
            .env("GOPATH", dir.join("go"))
            .env("GOMODCACHE", dir.join("mod"))
            .env("GOCACHE", dir.join("cache"))
            .env("GOENV", "off")
            .env("GOTELEMETRY", "off")
            .env("GO111MODULE", "on")
            .env("GOPROXY", "direct")
            .env("GOSUMDB", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-modcacherw")
            .env("GIT_TERMINAL_PROMPT", "0")
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(self.timeout, command.output())
            .await
            .map_err(|_| failed("finish", format!("`go {}` took longer than {:?}", args.join(" "), self.timeout)))?
            .map_err(|e| failed(&format!("run `{}`", self.go.display()), e))?;
        let json: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
        let error = json.as_ref().and_then(|j| j.get("Error")).and_then(|e| e.as_str().map(str::to_owned));
        match (output.status.success(), json, error) {
            (true, Some(json), None) => Ok(json),
            (_, _, Some(error)) => {
                Err(ServiceError::new(ErrorKind::NotFound, format!("the origin has no such module: {error}")))
            }
            _ => Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("the origin has no such module: {}", String::from_utf8_lossy(&output.stderr).trim()),
            )),
        }
    }

    /// Answers `request` from the module's origin.
    pub async fn answer(&self, request: OriginRequest) -> Result<Response, ServiceError> {
        let sandbox = self.sandbox()?;
        match request {
            OriginRequest::List { module } => {
                let json = self.go_json(&sandbox, &["list", "-m", "-versions", "-json", &module]).await?;
                let versions: Vec<GoVersion> = json["Versions"]
                    .as_array()
                    .map(|v| v.iter().filter_map(|v| GoVersion::parse(v.as_str()?).ok()).collect())
                    .unwrap_or_default();
                Ok(Response::bytes(StatusCode::OK, "text/plain; charset=utf-8", crate::proxy::list(&versions)))
            }
            OriginRequest::Latest { module } => {
                let query = format!("{module}@latest");
                let json = self.go_json(&sandbox, &["list", "-m", "-json", &query]).await?;
                Ok(Response::json(info_of(&json)?))
            }
            OriginRequest::File { module, version, kind: "info" } => {
                let query = format!("{module}@{version}");
                let json = self.go_json(&sandbox, &["list", "-m", "-json", &query]).await?;
                Ok(Response::json(info_of(&json)?))
            }
            OriginRequest::File { module, version, kind } => {
                let query = format!("{module}@{version}");
                let (args, field): (&[&str], &str) = if kind == "mod" {
                    (&["list", "-m", "-json", &query], "GoMod")
                } else {
                    (&["mod", "download", "-json", &query], "Zip")
                };
                let json = self.go_json(&sandbox, args).await?;
                let path = json[field]
                    .as_str()
                    .ok_or_else(|| failed("find the file", format!("no `{field}` in the go command's answer")))?;
                open_file(Path::new(path), &sandbox)
            }
        }
    }
}

/// An `.info` from `go list -m -json`'s answer.
fn info_of(json: &serde_json::Value) -> Result<Vec<u8>, ServiceError> {
    let version = json["Version"].as_str().ok_or_else(|| failed("read the version", "no `Version`"))?;
    let time = json["Time"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    Ok(crate::proxy::info(version, time))
}

/// The file at `path` inside `sandbox`, opened: it streams from the open file after the sandbox
/// is removed.
fn open_file(path: &Path, sandbox: &Sandbox) -> Result<Response, ServiceError> {
    if !path.starts_with(&sandbox.dir) {
        return Err(failed("find the file", format!("`{}` is outside its sandbox", path.display())));
    }
    let file = std::fs::File::open(path).map_err(|e| failed("open the file", e))?;
    let size = file.metadata().map_err(|e| failed("open the file", e))?.len();
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let body = tributary_engine::AssetBody {
        name: String::new(),
        sha256: None,
        size: Some(size),
        stream: Box::pin(stream),
        redirect: None,
    };
    Ok(Response::asset(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let parse = |path: &str| OriginRequest::parse(&Method::GET, path);
        assert_eq!(
            parse("/git.example.com/acme/lib.git/@v/list"),
            Ok(OriginRequest::List { module: "git.example.com/acme/lib.git".into() })
        );
        assert!(matches!(parse("/example.com/m/@v/v1.0.0.zip"), Ok(OriginRequest::File { kind: "zip", .. })));
        assert!(matches!(parse("/example.com/m/@latest"), Ok(OriginRequest::Latest { .. })));
        assert!(parse("/sumdb/sum.golang.org/latest").is_err());
        assert!(OriginRequest::parse(&Method::PUT, "/example.com/m/@v/v1.0.0.zip").is_err());
    }
}
