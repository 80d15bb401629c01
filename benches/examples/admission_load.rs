//! A load client for `ocitrust admission serve`: sends one AdmissionReview over and over from
//! `--concurrency` connections (kept alive), round-robin across `--url`s, for `--requests` each or
//! for `--seconds`, checks every answer's `allowed` against `--expect`, and prints one JSON line:
//! requests, failed (not HTTP 200 or not a review), wrong (another decision), p50/p99/max latency in
//! milliseconds, and throughput.
//!   cargo run --release --example admission_load -- --url https://127.0.0.1:8443/validate \
//!     --ca ca.pem --body review.json --expect allowed --concurrency 8 --seconds 10

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Options {
    urls: Vec<String>,
    ca: String,
    body: Vec<u8>,
    expect: bool,
    concurrency: usize,
    requests: Option<usize>,
    seconds: Option<f64>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let need = |name: &str| value(name).unwrap_or_else(|| panic!("{name} is required"));
    Options {
        urls: need("--url").split(',').map(str::to_owned).collect(),
        ca: need("--ca"),
        body: std::fs::read(need("--body")).expect("reading --body"),
        expect: match need("--expect").as_str() {
            "allowed" => true,
            "denied" => false,
            other => panic!("--expect allowed|denied, not {other}"),
        },
        concurrency: value("--concurrency").map_or(1, |v| v.parse().expect("--concurrency")),
        requests: value("--requests").map(|v| v.parse().expect("--requests")),
        seconds: value("--seconds").map(|v| v.parse().expect("--seconds")),
    }
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    failed: usize,
    wrong: usize,
}

fn main() {
    let options = Arc::new(options());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&options.ca).expect("reading --ca")).expect("--ca");
    let tally = Arc::new(Mutex::new(Tally::default()));
    let began = Instant::now();
    let deadline = options.seconds.map(|s| began + Duration::from_secs_f64(s));
    let workers: Vec<_> = (0..options.concurrency)
        .map(|worker| {
            let (options, tally, ca) = (options.clone(), tally.clone(), ca.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .add_root_certificate(ca)
                    .tls_built_in_root_certs(false)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("an HTTPS client");
                let mut mine = Tally::default();
                let mut sent = 0;
                loop {
                    if options.requests.is_some_and(|n| sent >= n) || deadline.is_some_and(|d| Instant::now() >= d) {
                        break;
                    }
                    let url = &options.urls[(worker + sent) % options.urls.len()];
                    sent += 1;
                    let start = Instant::now();
                    let answer = client
                        .post(url)
                        .header("Content-Type", "application/json")
                        .body(options.body.clone())
                        .send()
                        .and_then(|r| r.error_for_status())
                        .and_then(|r| r.bytes());
                    let took = start.elapsed();
                    let allowed = answer
                        .ok()
                        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                        .and_then(|v| v["response"]["allowed"].as_bool());
                    match allowed {
                        None => mine.failed += 1,
                        Some(allowed) if allowed != options.expect => mine.wrong += 1,
                        Some(_) => {}
                    }
                    mine.latencies.push(took);
                }
                let mut tally = tally.lock().unwrap();
                tally.latencies.extend(mine.latencies);
                tally.failed += mine.failed;
                tally.wrong += mine.wrong;
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker");
    }
    let wall = began.elapsed();
    let mut tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
    tally.latencies.sort();
    let n = tally.latencies.len();
    let at = |q: f64| {
        let i = ((n as f64 * q).ceil() as usize).clamp(1, n.max(1)) - 1;
        tally.latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{}",
        serde_json::json!({
            "requests": n,
            "failed": tally.failed,
            "wrong": tally.wrong,
            "p50_ms": at(0.50),
            "p99_ms": at(0.99),
            "max_ms": at(1.0),
            "per_second": n as f64 / wall.as_secs_f64(),
        })
    );
}
