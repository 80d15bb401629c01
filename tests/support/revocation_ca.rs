//! A CA for revocation tests: the test PKI's intermediate (tests/fixtures/notation), its
//! certificate database, the CRLs it issues, and tests/tools/revocation_server.py answering OCSP and
//! serving CRLs on loopback.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::peers::{ok, run, Background};
use crate::support::*;

/// A CA for revocation cases: the test PKI's intermediate, its certificate database, the CRLs it
/// issues, and tests/tools/revocation_server.py answering OCSP and serving CRLs on loopback.
pub struct RevocationCa {
    pub dir: PathBuf,
    pub url: String,
    _server: Background,
}

pub fn openssl(args: &[&str], cwd: &Path) -> Output {
    ok(
        run("openssl", args, cwd, &[]),
        &format!("openssl {}", args.first().unwrap_or(&"")),
    )
}

impl RevocationCa {
    pub fn start(work: &Path) -> Self {
        let dir = work.join("revocation-ca");
        std::fs::create_dir_all(dir.join("crl")).unwrap();
        let pki = root().join("tests/fixtures/notation");
        std::fs::copy(pki.join("intermediate.pem"), dir.join("ca.pem")).unwrap();
        std::fs::copy(pki.join("intermediate.key.pem"), dir.join("ca.key.pem")).unwrap();
        std::fs::write(dir.join("index.txt"), "").unwrap();
        std::fs::write(dir.join("index.txt.attr"), "unique_subject = no\n").unwrap();
        std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
        let config = format!(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = {0}/index.txt\ncrlnumber = {0}/crlnumber\ncertificate = {0}/ca.pem\nprivate_key = {0}/ca.key.pem\ndefault_md = sha256\ndefault_crl_days = 1\n",
            dir.display()
        );
        std::fs::write(dir.join("ca.cnf"), config).unwrap();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = std::process::Command::new("python3")
            .arg(root().join("tests/tools/revocation_server.py"))
            .arg(&dir)
            .stderr(log)
            .spawn()
            .expect("starting the revocation server");
        let server = Background::new(child);
        for _ in 0..100 {
            if let Ok(url) = std::fs::read_to_string(dir.join("url")) {
                return RevocationCa {
                    dir,
                    url,
                    _server: server,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the revocation server did not start");
    }

    /// Issues a code signing certificate `name` naming `ocsp` (a responder URL) and `crl` (a
    /// distribution point URL) when given; records it in the database as valid, revoked, or (for
    /// `None`) not at all. Returns the key file and the chain file (leaf, intermediate, root).
    pub fn issue(&self, name: &str, ocsp: Option<&str>, crl: Option<&str>, status: Option<char>) -> (PathBuf, PathBuf) {
        let ocsp: Vec<&str> = ocsp.into_iter().collect();
        let crl: Vec<&str> = crl.into_iter().collect();
        self.issue_naming(name, &ocsp, &crl, status)
    }

    /// [`RevocationCa::issue`] with any number of responder and distribution point URLs.
    pub fn issue_naming(&self, name: &str, ocsp: &[&str], crl: &[&str], status: Option<char>) -> (PathBuf, PathBuf) {
        let dir = &self.dir;
        let key = dir.join(format!("{name}.key.pem"));
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                key.to_str().unwrap(),
            ],
            dir,
        );
        let csr = dir.join(format!("{name}.csr"));
        openssl(
            &[
                "req",
                "-new",
                "-key",
                key.to_str().unwrap(),
                "-subj",
                &format!("/C=US/ST=WA/O=ocitrust tests/CN={name}"),
                "-out",
                csr.to_str().unwrap(),
            ],
            dir,
        );
        let mut extensions = vec![
            "keyUsage=critical,digitalSignature".to_owned(),
            "extendedKeyUsage=codeSigning".to_owned(),
        ];
        if !ocsp.is_empty() {
            let named: Vec<String> = ocsp.iter().map(|url| format!("OCSP;URI:{url}")).collect();
            extensions.push(format!("authorityInfoAccess={}", named.join(",")));
        }
        if !crl.is_empty() {
            let named: Vec<String> = crl.iter().map(|url| format!("URI:{url}")).collect();
            extensions.push(format!("crlDistributionPoints={}", named.join(",")));
        }
        let ext = dir.join(format!("{name}.ext"));
        std::fs::write(&ext, extensions.join("\n")).unwrap();
        let cert = dir.join(format!("{name}.pem"));
        let serial = format!("{:016X}", rand_serial());
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                csr.to_str().unwrap(),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key.pem",
                "-set_serial",
                &format!("0x{serial}"),
                "-days",
                "3650",
                "-extfile",
                ext.to_str().unwrap(),
                "-out",
                cert.to_str().unwrap(),
            ],
            dir,
        );
        if let Some(status) = status {
            let revoked_at = if status == 'R' { "251201000000Z" } else { "" };
            let line = format!("{status}\t351231235959Z\t{revoked_at}\t{serial}\tunknown\t/CN={name}\n");
            let mut index = std::fs::read_to_string(dir.join("index.txt")).unwrap();
            index.push_str(&line);
            std::fs::write(dir.join("index.txt"), index).unwrap();
        }
        let pki = root().join("tests/fixtures/notation");
        let chain = dir.join(format!("{name}.chain.pem"));
        let text = [
            std::fs::read_to_string(&cert).unwrap(),
            std::fs::read_to_string(pki.join("intermediate.pem")).unwrap(),
            std::fs::read_to_string(pki.join("root.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(&chain, text).unwrap();
        (key, chain)
    }

    /// Writes the CRL of the database as it stands to crl/NAME (DER), current or long expired.
    pub fn publish_crl(&self, name: &str, expired: bool) -> PathBuf {
        let pem = self.dir.join(format!("{name}.pem.crl"));
        let mut args = vec!["ca", "-config", "ca.cnf", "-gencrl", "-out", pem.to_str().unwrap()];
        if expired {
            args.extend_from_slice(&[
                "-crl_lastupdate",
                "20200101000000Z",
                "-crl_nextupdate",
                "20200102000000Z",
            ]);
        }
        openssl(&args, &self.dir);
        let der = self.dir.join("crl").join(name);
        openssl(
            &[
                "crl",
                "-in",
                pem.to_str().unwrap(),
                "-outform",
                "DER",
                "-out",
                der.to_str().unwrap(),
            ],
            &self.dir,
        );
        der
    }
}

fn rand_serial() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    (nanos ^ 0x5deece66d).wrapping_mul(0x9e3779b97f4a7c15) | 0x1000_0000_0000_0000
}
