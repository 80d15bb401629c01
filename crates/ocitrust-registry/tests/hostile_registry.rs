//! A registry that lies, stalls and misdirects, served from this test on loopback: every case must
//! end in a clear error within its limit, and nothing it serves may be accepted. Also the Bearer
//! token flow, against a token endpoint the test serves.

#[path = "support/http_server.rs"]
mod http_server;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use http_server::{reply, Body, Reply, Server};

use ocitrust_core::{Digest, ErrorCode, Reference};
use ocitrust_registry::remote::{Credentials, RegistryClient, RegistryOptions};

const MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;

fn client() -> RegistryClient {
    RegistryClient::new(RegistryOptions {
        timeout: Some(Duration::from_secs(3)),
        ..Default::default()
    })
    .unwrap()
}

/// A client that signs in to every registry as alice with `password`.
fn client_as_alice(password: &str) -> RegistryClient {
    RegistryClient::new(RegistryOptions {
        credentials: Some(Credentials {
            username: "alice".into(),
            password: password.into(),
        }),
        ..Default::default()
    })
    .unwrap()
}

fn tag_ref(server: &Server) -> Reference {
    Reference::parse(&format!("{}/app:v1", server.address)).unwrap()
}

#[test]
fn an_honest_registry_serves_manifests_by_tag_and_digest() {
    let digest = Digest::sha256(MANIFEST).to_string();
    let server = Server::start(move |_| reply(200, MANIFEST).header("Docker-Content-Digest", digest.clone()));
    let manifest = client().manifest(&tag_ref(&server)).unwrap().unwrap();
    assert_eq!(manifest.digest(), &Digest::sha256(MANIFEST));
    let accept = server.requests()[0].header("accept").unwrap().to_owned();
    for media_type in [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ] {
        assert!(accept.contains(media_type), "Accept {accept} lacks {media_type}");
    }
}

#[test]
fn wrong_digests_are_caught() {
    // By tag: the header claims a digest the bytes do not have.
    let server =
        Server::start(|_| reply(200, MANIFEST).header("Docker-Content-Digest", Digest::sha256(b"other").to_string()));
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DigestMismatch, "{err}");
    // By digest: the registry serves other bytes.
    let server = Server::start(|_| reply(200, MANIFEST));
    let pinned = tag_ref(&server).with_digest(Digest::sha256(b"what was asked for"));
    assert_eq!(
        client().manifest(&pinned).unwrap_err().code(),
        ErrorCode::DigestMismatch
    );
    // A blob whose bytes or length differ from its descriptor.
    let server = Server::start(|_| reply(200, b"tampered"));
    let c = client();
    let want = Digest::sha256(b"original");
    assert_eq!(
        c.blob(&server.address, "app", &want, 8, 1024).unwrap_err().code(),
        ErrorCode::DigestMismatch
    );
    assert_eq!(
        c.blob(&server.address, "app", &want, 5, 1024).unwrap_err().code(),
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        c.blob(&server.address, "app", &want, 9, 1024).unwrap_err().code(),
        ErrorCode::DigestMismatch
    );
}

#[test]
fn oversize_endless_and_slow_bodies_end_within_their_limits() {
    let server = Server::start(|_| reply(200, &vec![b' '; 5 * 1024 * 1024]));
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");

    let server = Server::start(|_| Reply {
        status: 200,
        headers: vec![],
        body: Body::Endless,
    });
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");

    let server = Server::start(|_| Reply {
        status: 200,
        headers: vec![],
        body: Body::Slow,
    });
    let started = Instant::now();
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "the 3 s timeout ended it");
}

#[test]
fn malformed_json_is_an_invalid_manifest() {
    let server = Server::start(|_| reply(200, b"{\"schemaVersion\": 2, \"layers\": [oops"));
    assert_eq!(
        client().manifest(&tag_ref(&server)).unwrap_err().code(),
        ErrorCode::InvalidManifest
    );
}

#[test]
fn redirect_loops_and_429_storms_give_up() {
    let server = Server::start(|r| reply(307, b"").header("Location", format!("{}x", r.path)));
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(err.message().contains("more than 5 redirects"), "{err}");
    assert_eq!(server.requests().len(), 6);

    let server = Server::start(|_| reply(429, b"slow down").header("Retry-After", "0"));
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network);
    assert!(err.message().contains("429"), "{err}");
    assert_eq!(server.requests().len(), 4, "bounded attempts");

    // A 503 that clears up is retried and then served.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let server = Server::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            reply(503, b"")
        } else {
            reply(200, MANIFEST)
        }
    });
    assert!(client().manifest(&tag_ref(&server)).unwrap().is_some());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_redirect_into_the_network_is_never_followed() {
    // Blob "storage" on another loopback port, named or literal, or the cloud metadata address:
    // an internal address other than the registry itself is refused before any request goes there
    // (so the credentials cannot follow either).
    let storage = Server::start(|_| reply(200, b"original"));
    let storage_port = storage.address.rsplit(':').next().unwrap().to_owned();
    for target in [
        format!("http://localhost:{storage_port}/blob"),
        format!("http://127.0.0.1:{storage_port}/blob"),
        format!("http://[::ffff:127.0.0.1]:{storage_port}/blob"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let registry = Server::start(move |r| {
            if r.header("authorization").is_none() {
                return reply(401, b"").header("WWW-Authenticate", "Basic realm=\"test\"");
            }
            reply(307, b"").header("Location", target.clone())
        });
        let err = client_as_alice("s3cr3t")
            .blob(&registry.address, "app", &Digest::sha256(b"original"), 8, 1024)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{err}");
        assert!(err.message().contains("not the registry itself; refused"), "{err}");
    }
    assert!(storage.requests().is_empty(), "{:?}", storage.requests());
}

#[test]
fn an_upload_location_elsewhere_gets_nothing() {
    // The registry answers the upload session with a Location on another service: the blob and
    // the credentials must not go there.
    let elsewhere = Server::start(|_| reply(201, b""));
    for location in [
        format!("http://{}/upload/x", elsewhere.address),
        format!(
            "http://localhost:{}/upload/x",
            elsewhere.address.rsplit(':').next().unwrap()
        ),
        "https://169.254.169.254/upload/x".to_owned(),
    ] {
        let registry = Server::start(move |r| {
            if r.header("authorization").is_none() {
                return reply(401, b"").header("WWW-Authenticate", "Basic realm=\"test\"");
            }
            if r.path.starts_with("/v2/app/blobs/uploads/") {
                return reply(202, b"").header("Location", location.clone());
            }
            reply(404, b"")
        });
        let err = client_as_alice("s3cr3t")
            .push_blob(&registry.address, "app", b"payload")
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{err}");
        assert!(err.message().contains("refused"), "{err}");
    }
    assert!(elsewhere.requests().is_empty(), "{:?}", elsewhere.requests());
    // A relative Location is the registry's own, and gets the blob with the credentials.
    let registry = Server::start(move |r| {
        if r.header("authorization").is_none() {
            return reply(401, b"").header("WWW-Authenticate", "Basic realm=\"test\"");
        }
        match r.path.as_str() {
            p if p.starts_with("/v2/app/blobs/uploads/") => reply(202, b"").header("Location", "/upload/1?state=x"),
            p if p.starts_with("/upload/1") => reply(201, b""),
            _ => reply(404, b""),
        }
    });
    client_as_alice("s3cr3t")
        .push_blob(&registry.address, "app", b"payload")
        .unwrap();
    let upload = registry
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/upload/1"))
        .unwrap();
    assert!(upload.path.contains("digest=sha256%3A"), "{}", upload.path);
    assert!(upload.header("authorization").is_some());
}

#[test]
fn one_deadline_bounds_every_request_of_an_operation() {
    // Each answer takes 400 ms; twenty requests would take 8 s. The operation has 1 s in all.
    let server = Server::start(|_| {
        thread::sleep(Duration::from_millis(400));
        reply(404, b"")
    });
    let bounded = client().bounded(Duration::from_secs(1), Default::default());
    let mut outcome = Ok(());
    for i in 0..20 {
        if let Err(e) = bounded.manifest(&Reference::parse(&format!("{}/app:v{i}", server.address)).unwrap()) {
            outcome = Err(e);
            break;
        }
    }
    let err = outcome.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(err.message().contains("time limit of 1.0 s ran out"), "{err}");
    assert!(server.requests().len() < 20, "{} requests", server.requests().len());
}

/// Four manifests of the same length, distinct digests.
fn four_manifests() -> Vec<Vec<u8>> {
    (0..4)
        .map(|i| {
            String::from_utf8_lossy(MANIFEST)
                .replace("\"size\":2", &format!("\"size\":{}", i + 2))
                .into_bytes()
        })
        .collect()
}

#[test]
fn one_read_budget_bounds_every_answer_of_an_operation() {
    let manifests = four_manifests();
    let served = manifests.clone();
    let server = Server::start(move |r| {
        let body = served
            .iter()
            .find(|m| r.path.ends_with(Digest::sha256(m).as_str()))
            .unwrap();
        reply(200, body)
    });
    let budget = std::sync::Arc::new(ocitrust_registry::limits::ReadBudget::new(
        3 * manifests[0].len() as u64,
    ));
    let bounded = client().bounded(Duration::from_secs(30), budget);
    let pinned = |m: &[u8]| Reference::parse(&format!("{}/app@{}", server.address, Digest::sha256(m))).unwrap();
    for manifest in &manifests[..3] {
        assert!(bounded.manifest(&pinned(manifest)).unwrap().is_some());
    }
    let err = bounded.manifest(&pinned(&manifests[3])).unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    assert!(err.message().contains("budget"), "{err}");
    assert!(bounded.budget_is_spent());
}

#[test]
fn what_is_named_by_digest_is_read_once_and_what_is_named_by_tag_every_time() {
    let digest = Digest::sha256(MANIFEST);
    let server = Server::start(|_| reply(200, MANIFEST));
    let client = client();
    let pinned = Reference::parse(&format!("{}/app@{digest}", server.address)).unwrap();
    let tagged = Reference::parse(&format!("{}/app:v1", server.address)).unwrap();
    for _ in 0..3 {
        assert_eq!(client.manifest(&pinned).unwrap().unwrap().digest(), &digest);
    }
    assert_eq!(server.requests().len(), 1, "by digest: read once");
    for _ in 0..3 {
        assert_eq!(client.manifest(&tagged).unwrap().unwrap().digest(), &digest);
    }
    assert_eq!(server.requests().len(), 4, "by tag: asked every time");
    // Another repository of the same registry is asked: content readable in one says nothing of another.
    let elsewhere = Reference::parse(&format!("{}/other@{digest}", server.address)).unwrap();
    client.manifest(&elsewhere).unwrap();
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn bearer_tokens_are_fetched_with_credentials_and_cached_per_scope() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = tokens.clone();
    let server = Server::start(move |r| {
        if r.path.starts_with("/token") {
            // base64("alice:s3cr3t")
            if r.header("authorization") != Some("Basic YWxpY2U6czNjcjN0") {
                return reply(401, b"{}");
            }
            assert!(r.path.contains("scope=repository%3Aapp%3Apull"), "{}", r.path);
            assert!(r.path.contains("service=test-registry"), "{}", r.path);
            issued.fetch_add(1, Ordering::SeqCst);
            return reply(200, br#"{"token":"t0k3n","expires_in":300}"#);
        }
        if r.header("authorization") != Some("Bearer t0k3n") {
            let port = r.header("host").unwrap_or_default().to_owned();
            return reply(401, b"").header(
                "WWW-Authenticate",
                format!("Bearer realm=\"http://{port}/token\",service=\"test-registry\",scope=\"repository:app:pull\""),
            );
        }
        reply(200, MANIFEST)
    });

    let c = client_as_alice("s3cr3t");
    assert!(c.manifest(&tag_ref(&server)).unwrap().is_some());
    assert!(c.manifest(&tag_ref(&server)).unwrap().is_some());
    assert_eq!(
        tokens.load(Ordering::SeqCst),
        1,
        "the token is reused for the same scope"
    );

    let err = client_as_alice("wrong").manifest(&tag_ref(&server)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthorized, "{err}");
    assert!(err.message().contains("token endpoint"), "{err}");
}

#[test]
fn a_token_realm_inside_the_network_is_never_asked() {
    // The realm names another service on loopback, or the cloud metadata address: the client must
    // not send the registry's credentials (or any request) there.
    let elsewhere = Server::start(|_| reply(200, br#"{"token":"stolen"}"#));
    for realm in [
        format!("http://{}/token", elsewhere.address),
        format!(
            "http://localhost:{}/token",
            elsewhere.address.rsplit(':').next().unwrap()
        ),
        "http://169.254.169.254/latest/meta-data/iam".to_owned(),
        "http://100.100.100.200/latest/meta-data/".to_owned(),
    ] {
        let server = Server::start(move |_| {
            reply(401, b"").header("WWW-Authenticate", format!("Bearer realm=\"{realm}\",service=\"x\""))
        });
        let err = client_as_alice("s3cr3t").manifest(&tag_ref(&server)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Network, "{err}");
        assert!(err.message().contains("not the registry itself"), "{err}");
    }
    // Nor through the back door: the registry's own token endpoint redirecting there.
    let target = format!("http://{}/token", elsewhere.address);
    let server = Server::start(move |r| {
        if r.path.starts_with("/token") {
            return reply(302, b"").header("Location", target.clone());
        }
        let host = r.header("host").unwrap_or_default().to_owned();
        reply(401, b"").header("WWW-Authenticate", format!("Bearer realm=\"http://{host}/token\""))
    });
    let err = client().manifest(&tag_ref(&server)).unwrap_err();
    assert!(err.message().contains("not the registry itself"), "{err}");
    assert!(elsewhere.requests().is_empty(), "{:?}", elsewhere.requests());
}

#[test]
fn an_unreachable_registry_is_a_network_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    let reference = Reference::parse(&format!("{address}/app:v1")).unwrap();
    assert_eq!(client().manifest(&reference).unwrap_err().code(), ErrorCode::Network);
}

fn referrers_index(entries: &[(&str, &str)]) -> Vec<u8> {
    let manifests: Vec<String> = entries
        .iter()
        .map(|(digest_of, artifact_type)| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":100,"artifactType":"{artifact_type}"}}"#,
                Digest::sha256(digest_of.as_bytes())
            )
        })
        .collect();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        manifests.join(",")
    )
    .into_bytes()
}

const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const NOTATION: &str = "application/vnd.cncf.notary.signature";

#[test]
fn referrers_api_pages_are_followed_and_filtered() {
    let subject = Digest::sha256(MANIFEST);
    let server = Server::start(|r| {
        if r.path.contains("/referrers/") && !r.path.contains("last=") {
            return reply(200, &referrers_index(&[("a", BUNDLE), ("b", NOTATION)]))
                .header("Link", "</v2/app/referrers/x?last=b&n=2>; rel=\"next\"");
        }
        if r.path.contains("last=b") {
            return reply(200, &referrers_index(&[("c", BUNDLE)]));
        }
        reply(404, b"")
    });
    let repo = tag_ref(&server);
    let (all, source) = client().referrers(&repo, &subject, None).unwrap();
    assert_eq!(source, ocitrust_registry::remote::ReferrersSource::Api);
    assert_eq!(all.len(), 3);
    let (bundles, _) = client().referrers(&repo, &subject, Some(BUNDLE)).unwrap();
    assert_eq!(
        bundles.len(),
        2,
        "the registry ignored the filter; the client applies it"
    );
    assert!(server.requests().iter().any(|r| r
        .path
        .contains("artifactType=application%2Fvnd.dev.sigstore.bundle.v0.3%2Bjson")));
}

#[test]
fn referrers_fall_back_to_the_tag_schema_only_on_404() {
    let subject = Digest::sha256(MANIFEST);
    let fallback_tag = format!("/v2/app/manifests/sha256-{}", subject.hex());
    let server = Server::start(move |r| {
        if r.path == fallback_tag {
            return reply(200, &referrers_index(&[("n", NOTATION)]));
        }
        reply(404, b"")
    });
    let remembering = client();
    let (found, source) = remembering.referrers(&tag_ref(&server), &subject, None).unwrap();
    assert_eq!(source, ocitrust_registry::remote::ReferrersSource::TagSchema);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].artifact_type.as_deref(), Some(NOTATION));
    // A registry that answered 404 once has no referrers API: the next listing skips it.
    let (again, _) = remembering.referrers(&tag_ref(&server), &subject, None).unwrap();
    assert_eq!(again.len(), 1);
    let api_calls = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/referrers/"))
        .count();
    assert_eq!(api_calls, 1, "{:?}", server.requests());

    // Any other failure is reported, never turned into "nothing attached".
    let server = Server::start(|_| reply(400, b"bad request"));
    let err = client().referrers(&tag_ref(&server), &subject, None).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    let server = Server::start(|_| reply(200, b"{not json"));
    assert_eq!(
        client()
            .referrers(&tag_ref(&server), &subject, None)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidManifest
    );
}

#[test]
fn endless_referrer_pages_end_at_the_limit() {
    let server = Server::start(|r| {
        reply(200, &referrers_index(&[("x", BUNDLE)])).header(
            "Link",
            format!("<{}&more=1>; rel=\"next\"", r.path.replace("?", "?p=1&")),
        )
    });
    let err = client()
        .referrers(&tag_ref(&server), &Digest::sha256(MANIFEST), None)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
    assert_eq!(server.requests().len(), ocitrust_registry::remote::REFERRER_PAGES_MAX);
}
