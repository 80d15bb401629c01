//! The HTTPS server (rustls, HTTP/1.1): `POST /validate` and `POST /mutate` take an AdmissionReview
//! and answer one, `GET /healthz` says it serves, `GET /metrics` counts. Bodies are bounded (the API
//! server's 3 MiB), slow clients are cut off, and a malformed request is an HTTP 400 with a message.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use ocitrust::core::admission::{request_timeout, REVIEW_SIZE_MAX};
use ocitrust::{Error, ErrorCode, Result};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::admit::{answer_by, Admission, Reviewed};

/// How long a client has to finish its TLS handshake and send its request headers.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `admission` on `listen` until the process ends; `ready` is called with the address
/// bound (a port of 0 picks one).
pub fn serve(
    admission: Arc<Admission>,
    listen: SocketAddr,
    tls: Arc<rustls::ServerConfig>,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let io = |e: std::io::Error| Error::new(ErrorCode::Io, format!("serving on {listen}: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await.map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        let acceptor = TlsAcceptor::from(tls);
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, a connection reset before it was accepted: keep serving.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let (acceptor, admission) = (acceptor.clone(), admission.clone());
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => return tracing::debug!(%peer, error = %e, "TLS handshake"),
                    Err(_) => return tracing::debug!(%peer, "TLS handshake timed out"),
                };
                let service = service_fn(move |request| handle(admission.clone(), request));
                let served = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HANDSHAKE_TIMEOUT)
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "connection");
                }
            });
        }
    })
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

fn refused(status: StatusCode, why: &str) -> Response<Full<Bytes>> {
    reply(status, "text/plain; charset=utf-8", format!("{why}\n"))
}

async fn handle(
    admission: Arc<Admission>,
    request: Request<Incoming>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let received = Instant::now();
    let (path, mutate): (&'static str, bool) = match request.uri().path() {
        "/validate" => ("/validate", false),
        "/mutate" => ("/mutate", true),
        "/healthz" => ("/healthz", false),
        "/metrics" => ("/metrics", false),
        _ => ("other", false),
    };
    let response = match (request.method(), path) {
        (&Method::GET, "/healthz") => reply(StatusCode::OK, "text/plain; charset=utf-8", "ok\n"),
        (&Method::GET, "/metrics") => reply(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            admission.metrics.render(admission.cache().stats()),
        ),
        (&Method::POST, "/mutate") if !admission.mutates() => refused(
            StatusCode::NOT_FOUND,
            "this server does not mutate: start it with --mutate-digest",
        ),
        (&Method::POST, "/validate" | "/mutate") => review(&admission, request, mutate, received).await,
        (_, "other") => refused(
            StatusCode::NOT_FOUND,
            "not found: the paths are /validate, /mutate, /healthz, /metrics",
        ),
        _ => refused(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    };
    admission.metrics.request(path, response.status().as_u16());
    Ok(response)
}

async fn review(
    admission: &Arc<Admission>,
    request: Request<Incoming>,
    mutate: bool,
    received: Instant,
) -> Response<Full<Bytes>> {
    let timeout = match request_timeout(request.uri().query()) {
        Ok(timeout) => timeout,
        Err(e) => return refused(StatusCode::BAD_REQUEST, &e.0),
    };
    let deadline = answer_by(received, timeout);
    let body = match tokio::time::timeout_at(
        deadline.into(),
        Limited::new(request.into_body(), REVIEW_SIZE_MAX).collect(),
    )
    .await
    {
        Ok(Ok(body)) => body.to_bytes(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return refused(
                StatusCode::BAD_REQUEST,
                &format!("the AdmissionReview is more than the API server's limit of {REVIEW_SIZE_MAX} bytes"),
            )
        }
        Ok(Err(e)) => return refused(StatusCode::BAD_REQUEST, &format!("reading the request body: {e}")),
        Err(_) => return refused(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time"),
    };
    match admission.review(&body, mutate, deadline, timeout).await {
        Reviewed::Answer(bytes) => reply(StatusCode::OK, "application/json", bytes),
        Reviewed::Refused(why) => refused(StatusCode::BAD_REQUEST, &why),
    }
}
