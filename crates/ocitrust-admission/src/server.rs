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
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio_rustls::TlsAcceptor;

use crate::admit::{answer_by, Admission, Reviewed};

/// How long a client has to finish its TLS handshake and send its request headers.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long reviews in flight may take to finish once the server is told to stop (the longest a
/// webhook configuration lets the API server wait).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves `admission` on `listen` until the process is told to stop (SIGTERM, as Kubernetes does
/// before it removes a Pod, or SIGINT); `ready` is called with the address bound (a port of 0 picks
/// one). Told to stop, it accepts nothing more, lets the reviews in flight finish (at most
/// [`SHUTDOWN_GRACE`]), and returns.
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
        let mut terminate = signal(SignalKind::terminate()).map_err(io)?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        let acceptor = TlsAcceptor::from(tls);
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let mut connections = tokio::task::JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = terminate.recv() => break,
                _ = interrupt.recv() => break,
            };
            let (stream, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, a connection reset before it was accepted: keep serving.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            connections.spawn(connection(
                stream,
                peer,
                acceptor.clone(),
                admission.clone(),
                stopping.clone(),
            ));
        }
        drop(listener);
        tracing::info!(
            in_flight = connections.len(),
            "stopping: finishing the reviews in flight"
        );
        let _ = stop.send(true);
        let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        });
        if finished.await.is_err() {
            tracing::warn!("stopping with reviews still in flight after {SHUTDOWN_GRACE:?}");
        }
        Ok(())
    })
}

/// Serves one connection until it closes, or, once `stopping`, until its request in flight is
/// answered.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    admission: Arc<Admission>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
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
        .serve_connection(TokioIo::new(tls), service);
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        _ = async { drop(stopping.wait_for(|stop| *stop).await) } => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection");
    }
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
