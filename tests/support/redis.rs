//! Debian's redis-server on a free loopback port (no persistence), for the admission server's
//! shared fact store; stopped on drop. OCITRUST_REDIS_SERVER and OCITRUST_REDIS_CLI name the
//! binaries (tests/tools/install.sh).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::peers::{tool, Background};

pub struct Redis {
    pub port: u16,
    process: Option<Background>,
}

impl Redis {
    pub fn start(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(tool("OCITRUST_REDIS_SERVER"))
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting redis-server");
        let redis = Redis {
            port,
            process: Some(Background::new(child)),
        };
        for _ in 0..200 {
            if redis.cli(&["PING"]).trim() == "PONG" {
                return redis;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Runs redis-cli against this server; its standard output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(tool("OCITRUST_REDIS_CLI"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("running redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The keys under `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .cli(&["--raw", "KEYS", &format!("{prefix}*")])
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        keys.sort();
        keys
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        self.process = None;
    }
}
