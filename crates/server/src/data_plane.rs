//! What every package-format endpoint shares: the caller from its credentials, documents with
//! their ETag and pre-compressed gzip, asset downloads.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use tributary_engine::{AssetBody, Caller, Document};
use tributary_model::{ErrorKind, ServiceError};

use crate::AppState;

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
    if gzip {
        // Compressed once, when the document was rendered.
        response.insert_header((header::CONTENT_ENCODING, "gzip")).body(document.gzip.clone())
    } else {
        response.body(document.body.clone())
    }
}

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
