//! OCSP responders and CRL servers that lie, steer and stall, served from this test on loopback,
//! against the revocation source notation verification fetches through: a forged CRL is used once
//! and never kept, whatever is planted in the CRL cache neither hangs nor floods a verification, a
//! redirect into the network (a cloud metadata address, another loopback service) or away from
//! HTTPS is refused, and the verification's deadline ends every fetch. The CAs and CRLs are made
//! by openssl in a scratch directory.

#[path = "support/http_server.rs"]
mod http_server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_server::{reply, Body, Reply, Server};
use ocitrust_core::x509::revocation::RevocationSource;
use ocitrust_core::x509::{certificates_from_pem, Certificate};
use ocitrust_core::ErrorCode;
use ocitrust_registry::remote::HttpRevocationSource;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ocitrust-hostile-revocation-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openssl(args: &[&str], cwd: &Path) {
    let out = Command::new("openssl").args(args).current_dir(cwd).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA named CN=revocation test CA in `dir` (its own key), and its CRL (DER), current for a
/// century or, when `expired`, long past.
struct Ca {
    certificate: Certificate,
    crl: Vec<u8>,
}

fn make_ca(dir: &Path, expired: bool) -> Ca {
    std::fs::create_dir_all(dir).unwrap();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key.pem",
            "-subj",
            "/CN=revocation test CA",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "ca.pem",
        ],
        dir,
    );
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\ncertificate = ca.pem\nprivate_key = ca.key.pem\ndefault_md = sha256\n",
    )
    .unwrap();
    let mut gencrl = vec!["ca", "-config", "ca.cnf", "-gencrl", "-out", "crl.pem"];
    if expired {
        gencrl.extend([
            "-crl_lastupdate",
            "20200101000000Z",
            "-crl_nextupdate",
            "20200102000000Z",
        ]);
    } else {
        gencrl.extend(["-crldays", "36500"]);
    }
    openssl(&gencrl, dir);
    openssl(&["crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der"], dir);
    Ca {
        certificate: certificates_from_pem(&std::fs::read(dir.join("ca.pem")).unwrap())
            .unwrap()
            .remove(0),
        crl: std::fs::read(dir.join("crl.der")).unwrap(),
    }
}

fn source(cache: &Path) -> HttpRevocationSource {
    HttpRevocationSource {
        cache_dir: Some(cache.to_owned()),
        ..Default::default()
    }
}

/// The files kept in the CRL cache.
fn kept(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// A server answering with `answers` in turn (the last one ever after); counts the requests.
fn serving(answers: Vec<Vec<u8>>) -> (Server, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let server = Server::start(move |_| {
        let n = counted.fetch_add(1, Ordering::SeqCst);
        reply(200, &answers[n.min(answers.len() - 1)])
    });
    (server, count)
}

#[test]
fn a_forged_crl_is_used_once_and_never_kept() {
    let dir = scratch("forged");
    let genuine = make_ca(&dir.join("genuine"), false);
    let forger = make_ca(&dir.join("forger"), false); // the same name, another key
    let (server, requests) = serving(vec![forger.crl.clone(), genuine.crl.clone()]);
    let url = format!("http://{}/ca.crl", server.address);
    let cache = dir.join("cache");
    let source = source(&cache);

    // The forged answer goes to the core, which refuses it; nothing of it is kept.
    assert_eq!(source.crl(&url, &genuine.certificate).unwrap(), forger.crl);
    assert!(kept(&cache).is_empty(), "{:?}", kept(&cache));
    // The genuine one is fetched next time, and kept.
    assert_eq!(source.crl(&url, &genuine.certificate).unwrap(), genuine.crl);
    assert_eq!(kept(&cache).len(), 1);
    assert_eq!(std::fs::read(&kept(&cache)[0]).unwrap(), genuine.crl);
    // And served from the cache after that.
    assert_eq!(source.crl(&url, &genuine.certificate).unwrap(), genuine.crl);
    assert_eq!(requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_kept_crl_that_no_longer_verifies_or_has_expired_is_removed_and_fetched_again() {
    let dir = scratch("replanted");
    let genuine = make_ca(&dir.join("genuine"), false);
    let forger = make_ca(&dir.join("forger"), false);
    let expired = make_ca(&dir.join("expired"), true);
    let (server, requests) = serving(vec![genuine.crl.clone()]);
    let url = format!("http://{}/ca.crl", server.address);
    let cache = dir.join("cache");
    let source = source(&cache);
    source.crl(&url, &genuine.certificate).unwrap();
    let path = kept(&cache).remove(0);
    for (planted, what) in [
        (&forger.crl, "a forged CRL"),
        (&expired.crl, "another CA's expired CRL"),
        (&b"junk".to_vec(), "junk"),
    ] {
        std::fs::write(&path, planted).unwrap();
        let before = requests.load(Ordering::SeqCst);
        assert_eq!(source.crl(&url, &genuine.certificate).unwrap(), genuine.crl, "{what}");
        assert_eq!(requests.load(Ordering::SeqCst), before + 1, "{what}: fetched again");
        assert_eq!(std::fs::read(&path).unwrap(), genuine.crl, "{what}: replaced");
    }
}

/// Runs `f` on a thread; fails the test when it does not finish within `limit` (a hang).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result.recv_timeout(limit).expect("it hung")
}

#[test]
fn a_fifo_or_a_device_link_planted_in_the_cache_neither_hangs_nor_floods() {
    let dir = scratch("planted");
    let genuine = make_ca(&dir.join("genuine"), false);
    let (server, requests) = serving(vec![genuine.crl.clone()]);
    let url = format!("http://{}/ca.crl", server.address);
    let cache = dir.join("cache");
    source(&cache).crl(&url, &genuine.certificate).unwrap();
    let path = kept(&cache).remove(0);

    std::fs::remove_file(&path).unwrap();
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success());
    let (cache_dir, fifo_url, issuer) = (cache.clone(), url.clone(), genuine.certificate.clone());
    let got = within(Duration::from_secs(20), move || {
        source(&cache_dir).crl(&fifo_url, &issuer)
    });
    assert_eq!(got.unwrap(), genuine.crl);
    assert!(
        std::fs::symlink_metadata(&path).unwrap().is_file(),
        "the FIFO was replaced"
    );

    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let (cache_dir, zero_url, issuer) = (cache.clone(), url.clone(), genuine.certificate.clone());
    let got = within(Duration::from_secs(20), move || {
        source(&cache_dir).crl(&zero_url, &issuer)
    });
    assert_eq!(got.unwrap(), genuine.crl);
    assert!(
        std::fs::symlink_metadata(&path).unwrap().is_file(),
        "the link was replaced"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

/// A server that redirects every request to `location`.
fn redirecting(location: String) -> Server {
    Server::start(move |_| Reply {
        status: 302,
        headers: vec![("Location".into(), location.clone())],
        body: Body::Bytes(Vec::new()),
    })
}

#[test]
fn redirects_into_the_network_are_refused_and_the_named_host_is_not() {
    let dir = scratch("redirects");
    let genuine = make_ca(&dir.join("genuine"), false);
    let source = HttpRevocationSource::default();
    let request = [0x30, 0x03, 0x02, 0x01, 0x01];

    // To a cloud metadata address, and to another service on loopback: refused, never reached.
    let metadata = redirecting("http://169.254.169.254/latest/meta-data/".into());
    let err = source
        .ocsp(&format!("http://{}/ocsp", metadata.address), &request)
        .unwrap_err();
    assert!(err.message().contains("link-local address; refused"), "{err}");
    let (elsewhere, reached) = serving(vec![genuine.crl.clone()]);
    let inward = redirecting(format!("http://{}/ca.crl", elsewhere.address));
    let err = source
        .crl(&format!("http://{}/ca.crl", inward.address), &genuine.certificate)
        .unwrap_err();
    assert!(err.message().contains("loopback address; refused"), "{err}");
    assert_eq!(reached.load(Ordering::SeqCst), 0);
    let err = source
        .ocsp(&format!("http://{}/ocsp", inward.address), &request)
        .unwrap_err();
    assert!(err.message().contains("loopback address; refused"), "{err}");

    // Within the host the certificate named, a redirect is followed: a private CRL server stays
    // usable.
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let crl = genuine.crl.clone();
    let moved = Server::start(move |request| {
        counted.fetch_add(1, Ordering::SeqCst);
        if request.path == "/old.crl" {
            Reply {
                status: 301,
                headers: vec![("Location".into(), "/new.crl".into())],
                body: Body::Bytes(Vec::new()),
            }
        } else {
            reply(200, &crl)
        }
    });
    let got = source.crl(&format!("http://{}/old.crl", moved.address), &genuine.certificate);
    assert_eq!(got.unwrap(), genuine.crl);
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // Schemes other than http(s) are not fetched at all.
    let err = source.crl("file:///etc/passwd", &genuine.certificate).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported, "{err}");
}

#[test]
fn the_deadline_of_a_verification_ends_every_fetch() {
    let (stalling, requests) = {
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        let server = Server::start(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            Reply {
                status: 200,
                headers: vec![],
                body: Body::Slow,
            }
        });
        (server, count)
    };
    let source = HttpRevocationSource {
        deadline: Some(Instant::now() + Duration::from_millis(500)),
        ..Default::default()
    };
    let url = format!("http://{}/ocsp", stalling.address);
    let request = [0x30, 0x03, 0x02, 0x01, 0x01];
    let err = source.ocsp(&url, &request).unwrap_err();
    assert!(err.message().contains("timed out"), "{err}");
    // Past the deadline nothing more is asked.
    let asked = requests.load(Ordering::SeqCst);
    let err = source.ocsp(&url, &request).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(err.message().contains("deadline (--timeout) has passed"), "{err}");
    assert_eq!(requests.load(Ordering::SeqCst), asked);
}
