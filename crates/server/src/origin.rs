//! The Go origin fetcher's listener: `tributary_format_go::origin` answering the GOPROXY protocol
//! on a loopback address, which the `public:go-origin` external connection reads (the
//! binary points the connection there). Nothing but the server itself needs to reach it.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use tributary_engine::data_plane::Response;
use tributary_engine::data_plane::http::Method;
use tributary_format_go::origin::{OriginRequest, OriginSettings};

/// Serves origin fetches on `listener` until the process stops.
pub async fn run(listener: std::net::TcpListener, settings: OriginSettings) -> std::io::Result<()> {
    let settings = web::Data::new(settings);
    HttpServer::new(move || App::new().app_data(settings.clone()).default_service(web::route().to(handle)))
        .workers(1)
        .listen(listener)?
        .run()
        .await
}

async fn handle(req: HttpRequest, settings: web::Data<OriginSettings>) -> HttpResponse {
    let method = Method::from_bytes(req.method().as_str().as_bytes()).unwrap_or(Method::GET);
    let answer = match OriginRequest::parse(&method, req.path()) {
        Ok(request) => settings.answer(request).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(response) => crate::data_plane::to_actix(response, false),
        Err(e) => {
            if e.kind != tributary_model::ErrorKind::NotFound {
                tracing::warn!(path = req.path(), error.message = %e.message, "origin fetch failed");
            }
            crate::data_plane::to_actix(Response::plain_error(&e), false)
        }
    }
}
