//! What every package-format endpoint shares: the caller from its credentials, documents with
//! their ETag and pre-compressed gzip, asset downloads.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use tributary_engine::{AssetBody, Caller, Document};
use tributary_model::{DomainName, ErrorKind, RepositoryName, ServiceError};

use crate::AppState;

/// A data-plane request's repository, from its path `/{format}/{domain}/{repository}{tail}`:
/// the names, checked, and the tail (empty, or from the `/` after the repository on). The
/// routes are static prefixes and this splits the rest, so no request runs a pattern match.
pub(crate) fn repository_of<'a>(
    req: &'a HttpRequest,
    format: &str,
) -> Result<(DomainName, RepositoryName, &'a str), ServiceError> {
    let path = req.uri().path();
    let rest = path.strip_prefix('/').and_then(|p| p.strip_prefix(format)).and_then(|p| p.strip_prefix('/'));
    let mut parts = rest.unwrap_or_default().splitn(3, '/');
    let (domain, repository) = match (parts.next(), parts.next()) {
        (Some(domain), Some(repository)) if !domain.is_empty() && !repository.is_empty() => (domain, repository),
        _ => {
            return Err(ServiceError::new(
                ErrorKind::NotFound,
                format!("`{path}` names no repository: the {format} endpoint is /{format}/DOMAIN/REPOSITORY/"),
            ));
        }
    };
    let tail = &path[1 + format.len() + 1 + domain.len() + 1 + repository.len()..];
    Ok((DomainName::parse(domain)?, RepositoryName::parse(repository)?, tail))
}

/// The caller: `Authorization: Bearer <token>`, or HTTP Basic with the token as the password.
pub(crate) async fn authenticate(req: &HttpRequest, state: &AppState, hint: &str) -> Result<Caller, ServiceError> {
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let token = if let Some(token) = header.strip_prefix("Bearer ") {
        Some(token.trim().to_owned())
    } else if let Some(basic) = header.strip_prefix("Basic ") {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, password)| password.to_owned()))
    } else {
        None
    };
    let token = token.ok_or_else(|| ServiceError::new(ErrorKind::MissingAuthentication, hint))?;
    // A token that is invalid, expired or whose principal is gone asks for new credentials: 401
    // (the client asks for, or the user fetches, new credentials), not 403, which clients word as
    // a policy refusal.
    // A valid token for another domain stays 403 (`repo_target`).
    state.service.authenticate_token(&token, Utc::now()).await.map_err(|err| match err.kind {
        ErrorKind::AccessDenied => ServiceError::new(ErrorKind::UnrecognizedClient, err.message),
        _ => err,
    })
}

/// A document with its strong ETag; `If-None-Match` with it answers 304.
pub(crate) fn with_etag(req: &HttpRequest, document: &Document, content_type: &str) -> HttpResponse {
    let etag = document.etag.clone();
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        return HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish();
    }
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some("gzip")));
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type.to_owned())
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"));
    let bytes = if gzip {
        // Compressed once, when the document was rendered.
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        document.gzip.clone()
    } else {
        document.body.clone()
    };
    if bytes.len() <= LARGE_DOCUMENT {
        return response.body(bytes);
    }
    // A large document goes out in slices of the one shared copy: the server copies what it
    // writes into each connection's buffer, and 64 clients of a 9 MB packument would otherwise
    // hold 64 copies of it at once.
    response.no_chunking(bytes.len() as u64);
    let slices = (0..bytes.len())
        .step_by(SLICE)
        .map(move |start| Ok::<_, std::io::Error>(bytes.slice(start..(start + SLICE).min(bytes.len()))));
    response.streaming(futures::stream::iter(slices.collect::<Vec<_>>()))
}

/// Documents above this size are written in slices of [`SLICE`] bytes.
const LARGE_DOCUMENT: usize = 1024 * 1024;
const SLICE: usize = 64 * 1024;

/// An asset's bytes; stored ones with their length, fetched ones chunked (an error before the
/// end aborts the response, so the client sees a failed download). For `HEAD` the server sends
/// the headers only, with the length of the body it would send.
pub(crate) fn stream(asset: AssetBody) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type("application/octet-stream");
    if !asset.asset.sha256.is_empty() {
        response.insert_header((header::ETAG, format!("\"{}\"", asset.asset.sha256)));
    }
    if let Some(size) = asset.size {
        response.no_chunking(size);
    }
    response.streaming(asset.stream)
}

/// A small request body (or part of one) read whole, refusing it with `too_large` past `limit`
/// bytes: documents, checksums, POMs, form fields. Files go through [`spool`] instead.
pub(crate) async fn read_bounded<S, E>(
    mut body: S,
    limit: usize,
    too_large: impl Fn() -> ServiceError,
) -> Result<Vec<u8>, ServiceError>
where
    S: futures::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures::StreamExt as _;
    let mut whole = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ServiceError::validation(format!("the upload was cut short: {e}")))?;
        if whole.len() + chunk.len() > limit {
            return Err(too_large());
        }
        whole.extend_from_slice(&chunk);
    }
    Ok(whole)
}

/// Writes a request body (or a part of one) to an anonymous temporary file, refusing it with
/// `too_large` past `limit` bytes: bodies stream to disk, never into memory, and the file then
/// streams to the blob store. Returns the file, rewound, and its size.
pub(crate) async fn spool<S, E>(
    mut body: S,
    limit: u64,
    too_large: impl Fn() -> ServiceError,
) -> Result<(std::fs::File, u64), ServiceError>
where
    S: futures::Stream<Item = Result<actix_web::web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures::StreamExt as _;
    use tokio::io::AsyncWriteExt as _;
    let failed =
        |e: std::io::Error| ServiceError::internal(format!("cannot spool the upload to a temporary file: {e}"));
    let file = tempfile::tempfile().map_err(failed)?;
    let mut writer = tokio::fs::File::from_std(file.try_clone().map_err(failed)?);
    let mut size = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| ServiceError::validation(format!("the upload was cut short: {e}")))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large());
        }
        writer.write_all(&chunk).await.map_err(failed)?;
    }
    writer.flush().await.map_err(failed)?;
    drop(writer);
    let mut file = file;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)).map_err(failed)?;
    Ok((file, size))
}

/// A plain-text error whose message is also the reason phrase: twine, pip and Maven print the
/// reason phrase of a failed request. 401 asks for Basic credentials.
pub(crate) fn plain_error(err: &ServiceError, endpoint: &str) -> HttpResponse {
    let status = match err.kind {
        ErrorKind::MissingAuthentication | ErrorKind::UnrecognizedClient | ErrorKind::InvalidSignature => {
            StatusCode::UNAUTHORIZED
        }
        kind => StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    };
    if err.kind == ErrorKind::Internal {
        tracing::error!(error.message = %err.message, endpoint, "internal error");
    }
    let mut response = HttpResponse::build(status);
    if let Some(reason) = reason_phrase(&err.message) {
        response.reason(reason);
    }
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"tributary\""));
    }
    if let Some(seconds) = err.retry_after {
        response.insert_header((header::RETRY_AFTER, seconds));
    }
    response.content_type("text/plain; charset=utf-8").body(format!("{}\n", err.message))
}

/// The message as a reason phrase: one line of visible ASCII, at most 400 characters.
/// Reason phrases must be `'static`; distinct messages are kept (leaked) up to a bound, after
/// which errors keep the standard phrase and carry the message in the body only.
fn reason_phrase(message: &str) -> Option<&'static str> {
    const MAX_KEPT: usize = 4096;
    static KEPT: Mutex<Option<HashMap<String, &'static str>>> = Mutex::new(None);
    let clean: String = message
        .chars()
        .map(|c| match c {
            c if c.is_ascii_graphic() || c == ' ' => c,
            '\u{2014}' | '\u{2013}' => '-',
            _ => ' ',
        })
        .take(400)
        .collect();
    let mut kept = KEPT.lock().ok()?;
    let kept = kept.get_or_insert_with(HashMap::new);
    if let Some(found) = kept.get(&clean) {
        return Some(found);
    }
    if kept.len() >= MAX_KEPT {
        return None;
    }
    let leaked: &'static str = Box::leak(clean.clone().into_boxed_str());
    kept.insert(clean, leaked);
    Some(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_are_one_clean_line() {
        let phrase = reason_phrase("bad `x`\r\nInjected: header").expect("kept");
        assert_eq!(phrase, "bad `x`  Injected: header");
        assert!(std::ptr::eq(phrase, reason_phrase("bad `x`\r\nInjected: header").expect("kept")));
        let long = "é".repeat(1000);
        assert!(reason_phrase(&long).expect("kept").len() <= 400);
    }

    #[test]
    fn a_repository_path_splits_into_names_and_tail() {
        let split = |path: &str, format: &str| {
            let req = actix_web::test::TestRequest::get().uri(path).to_http_request();
            repository_of(&req, format).map(|(d, r, tail)| (d.to_string(), r.to_string(), tail.to_owned()))
        };
        let ok = |d: &str, r: &str, tail: &str| Ok((d.to_owned(), r.to_owned(), tail.to_owned()));
        assert_eq!(split("/npm/dd/rr/lodash", "npm"), ok("dd", "rr", "/lodash"));
        assert_eq!(split("/npm/dd/rr/@s%2fn?write=true", "npm"), ok("dd", "rr", "/@s%2fn"));
        assert_eq!(split("/npm/dd/rr", "npm"), ok("dd", "rr", ""));
        assert_eq!(split("/pypi/dd/rr/", "pypi"), ok("dd", "rr", "/"));
        assert_eq!(split("/maven/dd/rr/com/acme/x/1/x-1.jar", "maven"), ok("dd", "rr", "/com/acme/x/1/x-1.jar"));
        for missing in ["/npm/dd", "/npm/dd/", "/npm//rr/x", "/npm"] {
            assert_eq!(split(missing, "npm").map_err(|e| e.kind), Err(ErrorKind::NotFound), "{missing}");
        }
        assert_eq!(split("/npm/DD/rr/x", "npm").map_err(|e| e.kind), Err(ErrorKind::Validation));
    }
}
