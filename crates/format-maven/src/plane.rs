//! The Maven repository of each repository, `/maven/{domain}/{repository}/...` (the Maven 2
//! layout), on the engine's data-plane seam.
//!
//! - `GET`/`HEAD` of a file, of `maven-metadata.xml` (artifact and SNAPSHOT level, rendered) and
//!   of any `.md5` `.sha1` `.sha256` `.sha512` checksum (from stored digests or the rendered
//!   document's bytes).
//! - `PUT` of a file (spooled to a temporary file, then stored; a POM is read and checked
//!   against its path first; `X-Checksum-*` headers are checked against the bytes), of a
//!   checksum (checked against the stored file), of the artifact-level `maven-metadata.xml`
//!   (publishes the `Unfinished` versions it names). Uploaded SNAPSHOT-level metadata and
//!   checksums of metadata are accepted and ignored: those documents are rendered.
//!
//! Errors are plain text with the message as the reason phrase (Maven prints it); 401 asks for
//! Basic credentials, which is how mvn learns to send them.

use std::sync::Arc;

use tributary_engine::RepoTarget;
use tributary_engine::content::{ExpectedDigests, body_from_bytes};
use tributary_engine::data_plane::http::{Method, StatusCode};
use tributary_engine::data_plane::{Access, Context, DataPlane, Endpoint, Request, RequestBody, Response, file_stream};
use tributary_engine::formats::FormatAdapter;
use tributary_model::{ErrorKind, ServiceError};

use crate::path::{ArtifactFile, MavenPath, parse_path};
use crate::registry::{self, MAX_POM_LEN};

/// The largest uploaded checksum or metadata document.
const MAX_SMALL_BODY: usize = 4 * 1024 * 1024;

/// What a Maven request asks for: a path of the layout, read or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MavenEndpoint {
    /// `GET` or `HEAD` of a path.
    Read(MavenPath),
    /// `PUT` of a path.
    Write(MavenPath),
}

impl Endpoint for MavenEndpoint {
    fn name(&self) -> &'static str {
        match self {
            Self::Write(MavenPath::File(_)) => "file-upload",
            Self::Read(MavenPath::File(_)) => "file",
            Self::Write(MavenPath::Checksum { .. }) => "checksum-upload",
            Self::Read(MavenPath::Checksum { .. }) => "checksum",
            Self::Write(MavenPath::ArtifactMetadata { .. } | MavenPath::VersionMetadata { .. }) => "metadata-upload",
            Self::Read(MavenPath::ArtifactMetadata { .. } | MavenPath::VersionMetadata { .. }) => "metadata",
        }
    }

    fn access(&self) -> Access {
        match self {
            Self::Read(_) => Access::Read,
            Self::Write(_) => Access::Publish,
        }
    }
}

impl MavenEndpoint {
    /// Parses a request's method and the path after `/maven/{domain}/{repository}`.
    pub fn parse(method: &Method, tail: &str) -> Result<Self, ServiceError> {
        let tail = tail.strip_prefix('/').unwrap_or(tail);
        let read = *method == Method::GET || *method == Method::HEAD;
        if !read && *method != Method::PUT {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("`{method}` is not supported on the Maven endpoint: it serves GET, HEAD and PUT"),
            ));
        }
        match parse_path(tail) {
            Ok(path) if read => Ok(Self::Read(path)),
            Ok(path) => Ok(Self::Write(path)),
            // A path that is not an artifact's is simply not here.
            Err(e) if read => Err(ServiceError::new(ErrorKind::NotFound, ServiceError::from(e).message)),
            Err(e) => Err(e.into()),
        }
    }
}

/// Maven on the data plane.
#[derive(Debug, Clone, Copy, Default)]
pub struct MavenPlane;

impl DataPlane for MavenPlane {
    type Endpoint = MavenEndpoint;

    fn prefix(&self) -> &'static str {
        "maven"
    }

    fn adapter(&self) -> Arc<dyn FormatAdapter> {
        Arc::new(registry::MavenAdapter)
    }

    fn login_hint(&self) -> &'static str {
        "this repository needs credentials: put a `<server>` in settings.xml whose password is a token from `aws codeartifact get-authorization-token` (any user name)"
    }

    fn parse(&self, request: &Request<'_>) -> Result<MavenEndpoint, ServiceError> {
        MavenEndpoint::parse(&request.method, request.tail)
    }

    async fn serve(
        &self,
        cx: Context<'_>,
        endpoint: MavenEndpoint,
        body: RequestBody,
    ) -> Result<Response, ServiceError> {
        let service = cx.service;
        let target = cx.target()?;
        let created = || Response::empty(StatusCode::CREATED);
        match endpoint {
            MavenEndpoint::Read(MavenPath::File(file)) => {
                Ok(Response::asset(registry::get_file(service, target, &file).await?))
            }
            MavenEndpoint::Read(MavenPath::Checksum { target: of, algorithm }) => {
                let hex = registry::get_checksum(service, target, &of, algorithm).await?;
                Ok(Response::bytes(StatusCode::OK, "text/plain", hex))
            }
            MavenEndpoint::Read(MavenPath::ArtifactMetadata { group_id, artifact_id }) => {
                let document = registry::artifact_metadata(service, target, &group_id, &artifact_id).await?;
                Ok(Response::document(cx.request, &document, "text/xml"))
            }
            MavenEndpoint::Read(MavenPath::VersionMetadata { group_id, artifact_id, version }) => {
                let document = registry::snapshot_metadata(service, target, &group_id, &artifact_id, &version).await?;
                Ok(Response::document(cx.request, &document, "text/xml"))
            }
            MavenEndpoint::Write(MavenPath::File(file)) => {
                put_file(&cx, target, &file, body).await?;
                Ok(created())
            }
            MavenEndpoint::Write(MavenPath::Checksum { target: of, algorithm }) => {
                let body = small_body(cx.request, body).await?;
                if let MavenPath::File(file) = *of {
                    registry::put_checksum(service, target, &file, algorithm, &body).await?;
                }
                Ok(created())
            }
            MavenEndpoint::Write(MavenPath::ArtifactMetadata { group_id, artifact_id }) => {
                let body = small_body(cx.request, body).await?;
                registry::put_artifact_metadata(service, target, &group_id, &artifact_id, &body).await?;
                Ok(created())
            }
            MavenEndpoint::Write(MavenPath::VersionMetadata { .. }) => {
                small_body(cx.request, body).await?;
                Ok(created())
            }
        }
    }

    fn error(&self, err: &ServiceError) -> Response {
        Response::plain_error(err)
    }
}

/// A small request body (a checksum or a metadata document), whole.
async fn small_body(request: &Request<'_>, body: RequestBody) -> Result<Vec<u8>, ServiceError> {
    body.read_bounded(request.content_length(), MAX_SMALL_BODY, || {
        ServiceError::new(ErrorKind::PayloadTooLarge, format!("this document is larger than {MAX_SMALL_BODY} bytes"))
    })
    .await
}

/// The digests a client sent with a file (`X-Checksum-Sha1` and friends).
fn declared_digests(request: &Request<'_>) -> Result<ExpectedDigests, ServiceError> {
    let header = |name: &str| request.header(name).map(str::trim);
    let bad =
        |name: &str, value: &str| ServiceError::validation(format!("the header `{name}: {value}` is not a hex digest"));
    let mut expected = ExpectedDigests::default();
    if let Some(v) = header("x-checksum-sha256") {
        expected.sha256 = Some(v.to_ascii_lowercase().parse().map_err(|_| bad("X-Checksum-Sha256", v))?);
    }
    if let Some(v) = header("x-checksum-sha1") {
        expected.sha1 = Some(v.to_ascii_lowercase().parse().map_err(|_| bad("X-Checksum-Sha1", v))?);
    }
    if let Some(v) = header("x-checksum-md5") {
        expected.md5 = Some(v.to_ascii_lowercase().parse().map_err(|_| bad("X-Checksum-Md5", v))?);
    }
    Ok(expected)
}

async fn put_file(
    cx: &Context<'_>,
    target: &RepoTarget,
    file: &ArtifactFile,
    body: RequestBody,
) -> Result<(), ServiceError> {
    let declared = declared_digests(cx.request)?;
    let service = cx.service;
    if file.is_pom() {
        let pom = body
            .read_bounded(None, MAX_POM_LEN, || {
                ServiceError::new(
                    ErrorKind::PayloadTooLarge,
                    format!("the POM `{}` is larger than {MAX_POM_LEN} bytes", file.filename),
                )
            })
            .await?;
        let metadata = registry::pom_metadata(file, &pom)?;
        return registry::put_file(service, target, file, body_from_bytes(pom), &declared, Some(metadata)).await;
    }
    let limit = cx.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!("`{}` is larger than this server accepts ({limit} bytes)", file.filename),
        )
    };
    let (spooled, _) = body.spool(limit, too_large).await?;
    registry::put_file(service, target, file, file_stream(spooled), &declared, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let parsed = |method: Method, tail: &str| MavenEndpoint::parse(&method, tail).map(|e| (e.name(), e.access()));
        let kind = |method: Method, tail: &str| MavenEndpoint::parse(&method, tail).map_err(|e| e.kind);
        let jar = "/com/acme/lib/1.0/lib-1.0.jar";
        assert_eq!(parsed(Method::GET, jar), Ok(("file", Access::Read)));
        assert_eq!(parsed(Method::HEAD, jar), Ok(("file", Access::Read)));
        assert_eq!(parsed(Method::PUT, jar), Ok(("file-upload", Access::Publish)));
        assert_eq!(parsed(Method::GET, "/com/acme/lib/1.0/lib-1.0.jar.sha1"), Ok(("checksum", Access::Read)));
        assert_eq!(parsed(Method::PUT, "/com/acme/lib/1.0/lib-1.0.pom.md5"), Ok(("checksum-upload", Access::Publish)));
        assert_eq!(parsed(Method::GET, "/com/acme/lib/maven-metadata.xml"), Ok(("metadata", Access::Read)));
        assert_eq!(
            parsed(Method::PUT, "/com/acme/lib/1.0-SNAPSHOT/maven-metadata.xml"),
            Ok(("metadata-upload", Access::Publish))
        );
        assert_eq!(kind(Method::DELETE, jar), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::POST, jar), Err(ErrorKind::NotFound));
        // Not a path of the layout: not here when read, a bad request when written.
        assert_eq!(kind(Method::GET, "/../etc/passwd"), Err(ErrorKind::NotFound));
        assert_eq!(kind(Method::PUT, "/../etc/passwd"), Err(ErrorKind::Validation));
    }
}
