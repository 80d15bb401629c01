//! One registry's HTTP: authentication (Basic, Bearer tokens cached per scope, one retry on 401),
//! bounded retries with backoff on 429 and 5xx, bodies read with a limit, and every URL the registry
//! steers the client to — a redirect, an upload `Location`, a token realm — judged by one set of
//! rules ([`Transport::check_hop`]): a limit on redirects, never from HTTPS to HTTP, the address
//! policy ([`super::address_policy`]), and `Authorization` only for the origin it belongs to.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use ocitrust_core::{Error, ErrorCode, Result};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Client, Method, StatusCode, Url};
use serde::Deserialize;

use super::address_policy::{AddressPolicy, GuardedResolver};
use super::auth::Challenge;
use super::endpoint::Endpoint;
use super::options::Credentials;
use super::tls::TlsSettings;
use super::token_realm::check_token_url;

/// Redirects followed for one request.
pub(crate) const REDIRECTS_MAX: usize = 5;
/// Attempts for one request when the registry answers 429 or 5xx.
pub(crate) const ATTEMPTS_MAX: u32 = 4;
/// The first retry waits this long; each later one twice as long (capped by RETRY_WAIT_MAX).
const RETRY_WAIT_FIRST: Duration = Duration::from_millis(200);
/// The longest wait before a retry, whatever `Retry-After` says.
const RETRY_WAIT_MAX: Duration = Duration::from_secs(5);
/// Largest token-endpoint answer.
const TOKEN_SIZE_MAX: u64 = 1024 * 1024;
/// Connecting may take this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP exchange to make: method, what is accepted, and what is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    pub accept: &'a [&'a str],
    /// The body and its media type, for PUT and POST.
    pub body: Option<(&'a str, &'a [u8])>,
    /// The largest response body read.
    pub size_max: u64,
}

/// A response whose body was read (within its limit).
#[derive(Debug)]
pub(crate) struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// How to authenticate to the registry, learned from its challenges.
#[derive(Debug, Clone)]
enum Scheme {
    Anonymous,
    Basic,
    Bearer { realm: String, service: Option<String> },
}

/// The HTTP side of one registry.
pub(crate) struct Transport {
    client: Client,
    endpoint: Endpoint,
    policy: AddressPolicy,
    credentials: Option<Credentials>,
    scheme: Mutex<Scheme>,
    tokens: Mutex<HashMap<String, Arc<str>>>,
    /// Set once an insecure registry turned out not to speak TLS: use plain HTTP from then on.
    plain_http: std::sync::atomic::AtomicBool,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

fn network(message: String) -> Error {
    Error::new(ErrorCode::Network, message)
}

impl Transport {
    pub(crate) fn new(
        endpoint: Endpoint,
        credentials: Option<Credentials>,
        timeout: Duration,
        tls: &TlsSettings,
    ) -> Result<Self> {
        let tls = tls.client_config(&endpoint)?;
        let client = Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::for_registry(&endpoint.host)))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(timeout)
            .user_agent(concat!("ocitrust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| network(format!("building the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            policy: AddressPolicy::for_registry(&endpoint.host),
            endpoint,
            credentials,
            scheme: Mutex::new(Scheme::Anonymous),
            tokens: Mutex::new(HashMap::new()),
            plain_http: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// GETs `path` on the registry for an operation needing `scope` (e.g. `repository:a/b:pull`),
    /// reading at most `size_max` bytes of body. Statuses other than 401/429/5xx are returned to
    /// the caller; a body over the limit is an error.
    pub(crate) async fn get(&self, path: &str, accept: &[&str], scope: &str, size_max: u64) -> Result<Fetched> {
        let call = Call {
            method: &Method::GET,
            accept,
            body: None,
            size_max,
        };
        self.send(&self.url(path), call, scope).await
    }

    /// The URL of `path` on this registry.
    pub(crate) fn url(&self, path: &str) -> String {
        let url = self.endpoint.url(path);
        if self.plain_http.load(std::sync::atomic::Ordering::Relaxed) {
            return url.replacen("https://", "http://", 1);
        }
        url
    }

    /// Makes `call` to `url` (on this registry, or where it sent us: an upload `Location`) for an
    /// operation needing `scope`, authenticating as the registry asks. A URL elsewhere than the
    /// registry is judged as a redirect would be. Statuses other than 401/429/5xx are returned.
    pub(crate) async fn send(&self, url: &str, call: Call<'_>, scope: &str) -> Result<Fetched> {
        match self.send_authenticated(url, call, scope).await {
            // An insecure registry that does not speak TLS: plain HTTP, as go-containerregistry does.
            Err(e) if e.code() == ErrorCode::Network && self.endpoint.insecure && url.starts_with("https://") => {
                self.plain_http.store(true, std::sync::atomic::Ordering::Relaxed);
                let plain = url.replacen("https://", "http://", 1);
                self.send_authenticated(&plain, call, scope).await.map_err(|second| {
                    Error::new(
                        ErrorCode::Network,
                        format!("{} (and over TLS: {})", second.message(), e.message()),
                    )
                })
            }
            Ok(fetched) if url.starts_with("http://") && speaks_only_https(&fetched) => Err(network(format!(
                "{url}: the registry speaks HTTPS; give its CA certificate with --registry-cacert (or, insecurely, skip the check with --allow-insecure-registry)"
            ))),
            other => other,
        }
    }

    async fn send_authenticated(&self, url: &str, call: Call<'_>, scope: &str) -> Result<Fetched> {
        let url = url.to_owned();
        let origin = self.registry_origin()?;
        let mut retried_auth = false;
        loop {
            let authorization = self.authorization(scope).await?;
            let fetched = self
                .send_following_redirects(&url, call, authorization.as_deref(), &origin, Hop::Registry)
                .await?;
            if fetched.status != StatusCode::UNAUTHORIZED || retried_auth {
                if fetched.status == StatusCode::UNAUTHORIZED || fetched.status == StatusCode::FORBIDDEN {
                    return Err(Error::new(
                        ErrorCode::Unauthorized,
                        format!(
                            "{url}: {} (credentials {})",
                            fetched.status,
                            self.describe_credentials()
                        ),
                    ));
                }
                return Ok(fetched);
            }
            retried_auth = true;
            let challenge = fetched
                .headers
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .and_then(Challenge::parse)
                .ok_or_else(|| {
                    Error::new(
                        ErrorCode::Unauthorized,
                        format!("{url}: 401 without a challenge ocitrust understands"),
                    )
                })?;
            *self.scheme.lock().expect("scheme lock") = match challenge {
                Challenge::Basic => Scheme::Basic,
                Challenge::Bearer { realm, service, .. } => Scheme::Bearer { realm, service },
            };
            self.tokens.lock().expect("token lock").remove(scope);
        }
    }

    /// The registry's own origin: where its credentials may go.
    fn registry_origin(&self) -> Result<Url> {
        let base = self.url("/");
        Url::parse(&base).map_err(|e| Error::new(ErrorCode::Internal, format!("registry URL {base}: {e}")))
    }

    fn describe_credentials(&self) -> String {
        match &self.credentials {
            Some(c) => format!("of user {:?}", c.username),
            None => "none: anonymous".to_owned(),
        }
    }

    /// The `Authorization` value for `scope`, fetching a bearer token when needed.
    async fn authorization(&self, scope: &str) -> Result<Option<String>> {
        let scheme = self.scheme.lock().expect("scheme lock").clone();
        match scheme {
            Scheme::Anonymous => Ok(None),
            Scheme::Basic => Ok(self.credentials.as_ref().map(basic)),
            Scheme::Bearer { realm, service } => {
                if let Some(token) = self.tokens.lock().expect("token lock").get(scope) {
                    return Ok(Some(format!("Bearer {token}")));
                }
                let token: Arc<str> = self.fetch_token(&realm, service.as_deref(), scope).await?.into();
                self.tokens
                    .lock()
                    .expect("token lock")
                    .insert(scope.to_owned(), token.clone());
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    async fn fetch_token(&self, realm: &str, service: Option<&str>, scope: &str) -> Result<String> {
        let mut url = Url::parse(realm).map_err(|e| network(format!("token realm {realm:?} is not a URL: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            query.append_pair("scope", scope);
        }
        let authorization = self.credentials.as_ref().map(basic);
        let call = Call {
            method: &Method::GET,
            accept: &["application/json"],
            body: None,
            size_max: TOKEN_SIZE_MAX,
        };
        let origin = url.clone();
        let fetched = self
            .send_following_redirects(url.as_str(), call, authorization.as_deref(), &origin, Hop::TokenServer)
            .await?;
        if !fetched.status.is_success() {
            let code = if matches!(fetched.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                ErrorCode::Unauthorized
            } else {
                ErrorCode::Network
            };
            return Err(Error::new(
                code,
                format!(
                    "token endpoint {realm}: {} (credentials {})",
                    fetched.status,
                    self.describe_credentials()
                ),
            ));
        }
        let answer: TokenAnswer = serde_json::from_slice(&fetched.body)
            .map_err(|e| network(format!("token endpoint {realm}: unreadable answer: {e}")))?;
        answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| network(format!("token endpoint {realm}: no usable token in the answer")))
    }

    /// Whether a request may go to `url` on the way to `origin` (the registry, or the token server
    /// for a token request): the first URL of a request and every redirect are judged here. It
    /// answers whether the request may carry `Authorization` there (only to `origin` itself).
    async fn check_hop(&self, origin: &Url, url: &Url, hop: Hop) -> Result<bool> {
        if !matches!(url.scheme(), "https" | "http") {
            return Err(network(format!("{url}: unsupported scheme; refused")));
        }
        if origin.scheme() == "https" && url.scheme() != "https" {
            return Err(network(format!(
                "{url}: would leave HTTPS (the request started at {origin}); refused"
            )));
        }
        match hop {
            Hop::TokenServer => {
                let over_http = self.endpoint.scheme == "http" || self.endpoint.insecure;
                check_token_url(url, &self.policy, over_http).await?;
            }
            Hop::Registry => self.policy.check(url, "a request the registry steered to").await?,
        }
        Ok(same_origin(origin, url))
    }

    /// Sends `call` to `url`, following at most REDIRECTS_MAX redirects, each hop (the first one
    /// too) judged by [`Transport::check_hop`] against `origin`; retries 429 and 5xx.
    async fn send_following_redirects(
        &self,
        url: &str,
        call: Call<'_>,
        authorization: Option<&str>,
        origin: &Url,
        hop: Hop,
    ) -> Result<Fetched> {
        let mut url = Url::parse(url).map_err(|e| network(format!("{url}: not a URL: {e}")))?;
        for _ in 0..=REDIRECTS_MAX {
            let credentials_go_here = self.check_hop(origin, &url, hop).await?;
            let fetched = self
                .send_with_retries(&url, call, authorization.filter(|_| credentials_go_here))
                .await?;
            if !fetched.status.is_redirection() {
                return Ok(fetched);
            }
            let location = fetched
                .headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| network(format!("{url}: {} without a Location", fetched.status)))?;
            url = url
                .join(location)
                .map_err(|e| network(format!("{url}: bad redirect {location:?}: {e}")))?;
        }
        Err(network(format!("{origin}: more than {REDIRECTS_MAX} redirects")))
    }

    async fn send_with_retries(&self, url: &Url, call: Call<'_>, authorization: Option<&str>) -> Result<Fetched> {
        let mut wait = RETRY_WAIT_FIRST;
        for attempt in 1..=ATTEMPTS_MAX {
            let fetched = self.send_once(url, call, authorization).await?;
            let retryable = fetched.status == StatusCode::TOO_MANY_REQUESTS || fetched.status.is_server_error();
            if !retryable {
                return Ok(fetched);
            }
            if attempt == ATTEMPTS_MAX {
                return Err(network(format!(
                    "{url}: {} after {ATTEMPTS_MAX} attempts",
                    fetched.status
                )));
            }
            let asked = fetched
                .headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            tokio::time::sleep(asked.unwrap_or(wait).min(RETRY_WAIT_MAX)).await;
            wait = (wait * 2).min(RETRY_WAIT_MAX);
        }
        unreachable!("the loop returns on its last attempt")
    }

    async fn send_once(&self, url: &Url, call: Call<'_>, authorization: Option<&str>) -> Result<Fetched> {
        let size_max = call.size_max;
        let mut request = self
            .client
            .request(call.method.clone(), url.clone())
            .header(ACCEPT, call.accept.join(", "));
        if let Some((content_type, body)) = call.body {
            request = request.header(CONTENT_TYPE, content_type).body(body.to_vec());
        }
        if let Some(authorization) = authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| network(format!("{url}: {}{}", error_chain(&e), client_certificate_hint(&e))))?;
        let status = response.status();
        let headers = response.headers().clone();
        // A HEAD answer's Content-Length describes the resource, not a body.
        if call.method != Method::HEAD && response.content_length().is_some_and(|n| n > size_max) {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!(
                    "{url}: the body is {} bytes, limit is {size_max}",
                    response.content_length().unwrap_or(0)
                ),
            ));
        }
        let body = read_body(&mut response, url.as_str(), size_max).await?;
        Ok(Fetched { status, headers, body })
    }
}

/// Whom a request is for: the registry, or its token server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    Registry,
    TokenServer,
}

/// Whether `url` is on `origin` (scheme, host and port): the only place credentials meant for
/// `origin` may go.
fn same_origin(origin: &Url, url: &Url) -> bool {
    url.scheme() == origin.scheme()
        && url.host_str().map(str::to_ascii_lowercase) == origin.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == origin.port_or_known_default()
}

/// Reads a response body, failing (not truncating) once it passes `size_max` bytes.
pub(crate) async fn read_body(response: &mut reqwest::Response, url: &str, size_max: u64) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| network(format!("{url}: reading the body: {}", error_chain(&e))))?
    {
        if body.len() as u64 + chunk.len() as u64 > size_max {
            return Err(Error::new(
                ErrorCode::LimitExceeded,
                format!("{url}: the body is larger than the limit of {size_max} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn basic(credentials: &Credentials) -> String {
    let raw = format!("{}:{}", credentials.username, credentials.password);
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
}

/// The error and its causes, which is where reqwest says what actually went wrong.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// What to do when the server ended the handshake over the client certificate: it demands one
/// (mutual TLS), or did not accept the one presented.
fn client_certificate_hint(error: &reqwest::Error) -> &'static str {
    use rustls::AlertDescription::{BadCertificate, CertificateRequired};
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        // io::Error hides the error it wraps from `source()`; look inside it too.
        let wrapped = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref());
        let tls = e
            .downcast_ref::<rustls::Error>()
            .or_else(|| wrapped.and_then(|w| w.downcast_ref::<rustls::Error>()));
        if let Some(rustls::Error::AlertReceived(BadCertificate | CertificateRequired)) = tls {
            return " (the registry refused the client certificate, or wants one: see --registry-client-cert and --registry-client-key)";
        }
        source = e.source();
    }
    ""
}

/// Whether a plain-HTTP answer is a TLS server's refusal (Go's net/http, nginx).
fn speaks_only_https(fetched: &Fetched) -> bool {
    let body = String::from_utf8_lossy(&fetched.body[..fetched.body.len().min(256)]);
    fetched.status == StatusCode::BAD_REQUEST
        && (body.contains("HTTP request to an HTTPS server")
            || body.contains("plain HTTP request was sent to HTTPS port"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_go_only_to_their_origin() {
        let origin = Url::parse("https://registry.example/v2/").unwrap();
        let at = |u: &str| same_origin(&origin, &Url::parse(u).unwrap());
        assert!(at("https://registry.example/v2/app/blobs/uploads/x"));
        assert!(at("https://REGISTRY.example:443/upload"));
        assert!(!at("https://storage.example/blob"));
        assert!(!at("http://registry.example/v2/"));
        assert!(!at("https://registry.example:8443/v2/"));
    }

    #[test]
    fn a_hop_from_https_to_http_is_refused_whatever_steered_it() {
        let options = super::super::options::RegistryOptions::default();
        let endpoint = Endpoint::for_registry("registry.example", &options).unwrap();
        let transport = Transport::new(
            endpoint,
            None,
            Duration::from_secs(5),
            &TlsSettings::from_options(&options).unwrap(),
        )
        .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let origin = transport.registry_origin().unwrap();
        let hop = |url: &str, hop| runtime.block_on(transport.check_hop(&origin, &Url::parse(url).unwrap(), hop));
        // An upload Location (or a redirect) on plain HTTP, even to a public address.
        let err = hop("http://8.8.8.8:5002/upload/x", Hop::Registry).unwrap_err();
        assert!(err.message().contains("would leave HTTPS"), "{err}");
        let err = hop("ftp://8.8.8.8/upload", Hop::Registry).unwrap_err();
        assert!(err.message().contains("unsupported scheme"), "{err}");
        // The registry's own origin gets the credentials; a public host elsewhere does not.
        assert!(hop("https://registry.example/v2/app/blobs/uploads/1", Hop::Registry).unwrap());
        assert!(!hop("https://8.8.8.8/blob", Hop::Registry).unwrap());
    }

    /// What a loopback plain-HTTP server saw: connections that opened with a TLS handshake, those
    /// that spoke HTTP, and the requests answered.
    #[derive(Default)]
    struct Seen {
        tls: std::sync::atomic::AtomicUsize,
        http: std::sync::atomic::AtomicUsize,
        requests: std::sync::atomic::AtomicUsize,
    }

    /// A plain-HTTP server on loopback answering the requests in turn with `answers` (status line
    /// and headers; the last answer repeats), each with the body `{}`, keeping connections alive.
    fn plain_http_server(answers: &[&'static str]) -> (u16, Arc<Seen>) {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Seen::default());
        let answers = Arc::new(answers.to_vec());
        let watching = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (seen, answers) = (watching.clone(), answers.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    if reader.fill_buf().map(|b| b.first() == Some(&0x16)).unwrap_or(true) {
                        seen.tls.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    seen.http.fetch_add(1, Ordering::SeqCst);
                    let mut writer = stream;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => return,
                            Ok(_) if line == "\r\n" => {
                                let turn = seen.requests.fetch_add(1, Ordering::SeqCst);
                                let head = answers[turn.min(answers.len() - 1)];
                                let answer = format!("{head}\r\nContent-Length: 2\r\n\r\n{{}}");
                                if writer.write_all(answer.as_bytes()).is_err() {
                                    return;
                                }
                            }
                            Ok(_) => {}
                        }
                    }
                });
            }
        });
        (port, seen)
    }

    const OK: &str = "HTTP/1.1 200 OK\r\nContent-Type: application/json";

    /// A transport to the loopback registry on `port`, and a runtime to drive it.
    fn loopback_transport(port: u16, allow_insecure: bool) -> (Transport, tokio::runtime::Runtime) {
        let options = super::super::options::RegistryOptions {
            allow_insecure,
            ..Default::default()
        };
        let endpoint = Endpoint::for_registry(&format!("127.0.0.1:{port}"), &options).unwrap();
        let tls = TlsSettings::from_options(&options).unwrap();
        let transport = Transport::new(endpoint, None, Duration::from_secs(30), &tls).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (transport, runtime)
    }

    fn get(transport: &Transport, runtime: &tokio::runtime::Runtime) -> Result<Fetched> {
        runtime.block_on(transport.get(
            "/v2/app/manifests/v1",
            &["application/json"],
            "repository:app:pull",
            1024,
        ))
    }

    #[test]
    fn an_insecure_registry_found_to_speak_plain_http_is_not_tried_over_tls_again() {
        use std::sync::atomic::Ordering;
        let (port, seen) = plain_http_server(&[OK]);
        let (transport, runtime) = loopback_transport(port, true);
        for _ in 0..3 {
            assert_eq!(get(&transport, &runtime).unwrap().status, StatusCode::OK);
        }
        assert_eq!(
            seen.tls.load(Ordering::SeqCst),
            1,
            "TLS is tried once, by the first request"
        );
        assert_eq!(seen.http.load(Ordering::SeqCst), 1, "one kept-alive plain connection");
        assert!(transport.url("x").starts_with("http://"));
    }

    #[test]
    fn a_429_is_retried_after_the_time_the_registry_asks() {
        use std::sync::atomic::Ordering;
        let (port, seen) = plain_http_server(&["HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1", OK]);
        let (transport, runtime) = loopback_transport(port, false);
        let started = std::time::Instant::now();
        assert_eq!(get(&transport, &runtime).unwrap().status, StatusCode::OK);
        assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
        assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_registry_asking_to_wait_an_hour_is_waited_for_at_most_the_cap() {
        use std::sync::atomic::Ordering;
        let (port, seen) = plain_http_server(&["HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600", OK]);
        let (transport, runtime) = loopback_transport(port, false);
        let started = std::time::Instant::now();
        assert_eq!(get(&transport, &runtime).unwrap().status, StatusCode::OK);
        let took = started.elapsed();
        assert!(took >= RETRY_WAIT_MAX && took < RETRY_WAIT_MAX * 2, "{took:?}");
        assert_eq!(seen.requests.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_registry_failing_every_attempt_is_an_error_after_the_last_one() {
        use std::sync::atomic::Ordering;
        let (port, seen) = plain_http_server(&["HTTP/1.1 503 Service Unavailable"]);
        let (transport, runtime) = loopback_transport(port, false);
        let err = get(&transport, &runtime).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network);
        assert!(
            err.message().contains("503 Service Unavailable after 4 attempts"),
            "{err}"
        );
        assert_eq!(seen.requests.load(Ordering::SeqCst), ATTEMPTS_MAX as usize);
    }

    #[test]
    fn a_404_is_an_answer_not_retried() {
        use std::sync::atomic::Ordering;
        let (port, seen) = plain_http_server(&["HTTP/1.1 404 Not Found"]);
        let (transport, runtime) = loopback_transport(port, false);
        assert_eq!(get(&transport, &runtime).unwrap().status, StatusCode::NOT_FOUND);
        assert_eq!(seen.requests.load(Ordering::SeqCst), 1);
    }
}
