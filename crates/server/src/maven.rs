//! The Maven repository of each repository: `/maven/{domain}/{repository}/...`, the Maven 2
//! layout.
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

use actix_web::{HttpRequest, HttpResponse, web};
use futures::TryStreamExt as _;
use tributary_engine::RepoTarget;
use tributary_engine::content::{ExpectedDigests, body_from_bytes};
use tributary_format_maven::path::{ArtifactFile, MavenPath, parse_path};
use tributary_format_maven::registry::{self, MAX_POM_LEN};
use tributary_model::{ErrorKind, ServiceError};

use crate::AppState;
use crate::data_plane::{authenticate, plain_error, read_bounded, repository_of, spool, stream, with_etag};

/// What to do without credentials.
const LOGIN_HINT: &str = "this repository needs credentials: put a `<server>` in settings.xml whose password is a token from `aws codeartifact get-authorization-token` (any user name)";

/// The largest uploaded checksum or metadata document.
const MAX_SMALL_BODY: usize = 4 * 1024 * 1024;

/// Serves every request under `/maven/{domain}/{repository}/`.
pub async fn handle(req: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let started = std::time::Instant::now();
    let response = match serve(&req, payload, &state).await {
        Ok(response) => response,
        Err(err) => plain_error(&err, "the Maven endpoint"),
    };
    let endpoint = crate::ops::endpoint_of(&req);
    state.metrics.observe(crate::ops::Plane::Maven, endpoint, response.status().as_u16(), started.elapsed());
    response
}

async fn serve(req: &HttpRequest, payload: web::Payload, state: &AppState) -> Result<HttpResponse, ServiceError> {
    let (domain, repository, tail) = repository_of(req, "maven")?;
    let tail = tail.strip_prefix('/').unwrap_or(tail);
    let method = req.method().as_str();
    let path = parse_path(tail).map_err(|e| {
        let e = ServiceError::from(e);
        match method {
            // A path that is not an artifact's is simply not here.
            "GET" | "HEAD" => ServiceError::new(ErrorKind::NotFound, e.message),
            _ => e,
        }
    })?;
    crate::ops::name_endpoint(req, endpoint_name(&path, method));
    let caller = authenticate(req, state, LOGIN_HINT).await?;
    let service = &state.service;
    let target = service.repo_target(&caller, &domain, &repository).await?;
    match (method, path) {
        ("GET" | "HEAD", MavenPath::File(file)) => Ok(stream(registry::get_file(service, &target, &file).await?)),
        ("GET" | "HEAD", MavenPath::Checksum { target: of, algorithm }) => {
            let hex = registry::get_checksum(service, &target, &of, algorithm).await?;
            Ok(HttpResponse::Ok().content_type("text/plain").body(hex))
        }
        ("GET" | "HEAD", MavenPath::ArtifactMetadata { group_id, artifact_id }) => {
            let document = registry::artifact_metadata(service, &target, &group_id, &artifact_id).await?;
            Ok(with_etag(req, &document, "text/xml"))
        }
        ("GET" | "HEAD", MavenPath::VersionMetadata { group_id, artifact_id, version }) => {
            let document = registry::snapshot_metadata(service, &target, &group_id, &artifact_id, &version).await?;
            Ok(with_etag(req, &document, "text/xml"))
        }
        ("PUT", MavenPath::File(file)) => {
            put_file(req, payload, state, &target, &file).await?;
            Ok(HttpResponse::Created().finish())
        }
        ("PUT", MavenPath::Checksum { target: of, algorithm }) => {
            let body = small_body(payload).await?;
            if let MavenPath::File(file) = *of {
                registry::put_checksum(service, &target, &file, algorithm, &body).await?;
            }
            Ok(HttpResponse::Created().finish())
        }
        ("PUT", MavenPath::ArtifactMetadata { group_id, artifact_id }) => {
            let body = small_body(payload).await?;
            registry::put_artifact_metadata(service, &target, &group_id, &artifact_id, &body).await?;
            Ok(HttpResponse::Created().finish())
        }
        ("PUT", MavenPath::VersionMetadata { .. }) => {
            small_body(payload).await?;
            Ok(HttpResponse::Created().finish())
        }
        (method, path) => Err(ServiceError::new(
            ErrorKind::NotFound,
            format!("`{method}` is not supported for `{path}` on the Maven endpoint"),
        )),
    }
}

/// A small request body (a checksum or a metadata document), whole.
async fn small_body(payload: web::Payload) -> Result<Vec<u8>, ServiceError> {
    read_bounded(payload, MAX_SMALL_BODY, || {
        ServiceError::new(ErrorKind::PayloadTooLarge, format!("this document is larger than {MAX_SMALL_BODY} bytes"))
    })
    .await
}

/// The digests a client sent with a file (`X-Checksum-Sha1` and friends).
fn declared_digests(req: &HttpRequest) -> Result<ExpectedDigests, ServiceError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
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
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    target: &RepoTarget,
    file: &ArtifactFile,
) -> Result<(), ServiceError> {
    let declared = declared_digests(req)?;
    let service = &state.service;
    if file.is_pom() {
        let pom = read_bounded(payload, MAX_POM_LEN, || {
            ServiceError::new(
                ErrorKind::PayloadTooLarge,
                format!("the POM `{}` is larger than {MAX_POM_LEN} bytes", file.filename),
            )
        })
        .await?;
        let metadata = registry::pom_metadata(file, &pom)?;
        return registry::put_file(service, target, file, body_from_bytes(pom), &declared, Some(metadata)).await;
    }
    let limit = state.max_upload_bytes;
    let too_large = || {
        ServiceError::new(
            ErrorKind::PayloadTooLarge,
            format!("`{}` is larger than this server accepts ({limit} bytes)", file.filename),
        )
    };
    let (spooled, _) = spool(payload, limit, too_large).await?;
    let body = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(spooled)).map_ok(bytes::Bytes::from);
    registry::put_file(service, target, file, Box::pin(body), &declared, None).await
}

/// The endpoint's name in metrics: what the path is, and whether it is read or written.
fn endpoint_name(path: &MavenPath, method: &str) -> &'static str {
    let write = method == "PUT";
    match path {
        MavenPath::File(_) if write => "file-upload",
        MavenPath::File(_) => "file",
        MavenPath::Checksum { .. } if write => "checksum-upload",
        MavenPath::Checksum { .. } => "checksum",
        MavenPath::ArtifactMetadata { .. } | MavenPath::VersionMetadata { .. } if write => "metadata-upload",
        MavenPath::ArtifactMetadata { .. } | MavenPath::VersionMetadata { .. } => "metadata",
    }
}
