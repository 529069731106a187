//! Control-plane errors on the wire, as AWS clients read them: the HTTP status of the error
//! table, `x-amzn-ErrorType`, and a JSON body with `message` (plus `resourceId`/`resourceType`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use tributary_model::{ErrorKind, ServiceError};

/// The HTTP status of `err`, from the error table.
pub(crate) fn status_of(err: &ServiceError) -> StatusCode {
    StatusCode::from_u16(err.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Renders `err` for the control plane; `request_id` goes in a header and the body.
pub(crate) fn aws_error(err: &ServiceError, request_id: &str) -> HttpResponse {
    let status = status_of(err);
    let message = if err.kind == ErrorKind::Internal {
        tracing::error!(error.message = %err.message, request.id = request_id, "internal error");
        format!("an internal error occurred; quote request id `{request_id}` to the operator")
    } else {
        err.message.clone()
    };
    let mut body = serde_json::json!({ "message": message, "requestId": request_id });
    if let Some((kind, id)) = &err.resource {
        body["resourceId"] = id.clone().into();
        body["resourceType"] = kind.as_str().into();
    }
    let mut response = HttpResponse::build(status);
    response.insert_header(("x-amzn-ErrorType", err.kind.error_type())).insert_header(("x-amzn-RequestId", request_id));
    if let Some(seconds) = err.retry_after {
        response.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
    }
    response.json(body)
}

/// Any path no route serves.
pub(crate) async fn not_found(req: HttpRequest) -> HttpResponse {
    let err = ServiceError::new(
        ErrorKind::NotFound,
        format!(
            "no such endpoint `{} {}`; the control plane is under `/v1/`, repositories under `/{{format}}/{{domain}}/{{repository}}/`",
            req.method(),
            req.path()
        ),
    );
    aws_error(&err, &uuid::Uuid::new_v4().to_string())
}
