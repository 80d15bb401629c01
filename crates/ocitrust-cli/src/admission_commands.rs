//! `ocitrust admission serve`: the Kubernetes admission webhook, deciding under a trust policy.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use ocitrust::{FactCache, Policy, Result, Verifier};
use ocitrust_admission::{
    keep_trust_material_current, serve, tls_config, Admission, PolicyLoader, RedisAddress, RedisFactStore,
};

use ocitrust::registry::file::read_bounded;
use ocitrust::registry::tuf::TUF_LIMITS;

use crate::commands::{parse_duration, RegistryArgs};

#[derive(Debug, Subcommand)]
pub enum AdmissionCommand {
    /// Serve AdmissionReviews over HTTPS: POST /validate (and /mutate with --mutate-digest),
    /// GET /healthz, GET /metrics. Logs one line per decision on standard error.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The trust policy document.
    #[arg(long)]
    policy: PathBuf,
    /// The server's certificate chain (PEM, leaf first).
    #[arg(long, value_name = "FILE")]
    tls_cert: PathBuf,
    /// Its private key (PEM).
    #[arg(long, value_name = "FILE")]
    tls_key: PathBuf,
    /// Address and port to listen on (port 0 picks one; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Serve POST /mutate: a JSONPatch pinning every image to the digest that was verified, when
    /// every image is allowed.
    #[arg(long)]
    mutate_digest: bool,
    /// How many verification facts are kept in process.
    #[arg(long, default_value_t = 10_000)]
    cache_size: usize,
    /// How long a verification fact is kept at most (e.g. 10m; 0s keeps none).
    #[arg(long, value_parser = parse_cache_ttl, default_value = "10m")]
    cache_ttl: Duration,
    /// Share verification facts with the other replicas through Redis or Valkey:
    /// redis://[[USER]:PASSWORD@]HOST[:PORT][/DB].
    #[arg(long, requires = "cache_key_file")]
    redis: Option<String>,
    /// A file of at least 32 random bytes, the same for every replica: entries in Redis are
    /// authenticated with HMAC-SHA256 under it, and any other is ignored.
    #[arg(long, value_name = "FILE", requires = "redis")]
    cache_key_file: Option<PathBuf>,
    /// How long a request to Redis may take before the fact is verified live instead.
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 100)]
    redis_timeout_ms: u64,
    /// The TUF repository the policy's `trustedRoot: embedded` is kept current from (its cache
    /// is set up at start when there is none); without it, the one `ocitrust initialize` set up,
    /// else the embedded public-good root.
    #[arg(long, value_name = "URL")]
    tuf_mirror: Option<String>,
    /// The TUF root.json the --tuf-mirror cache starts from when there is none yet (default: the
    /// public-good root embedded in ocitrust).
    #[arg(long, value_name = "FILE", requires = "tuf_mirror")]
    tuf_root: Option<PathBuf>,
    /// How often the trust material is refreshed (the TUF cache is verified again, and updated
    /// from its mirror once its metadata has expired); a failure keeps the last good material.
    #[arg(long, value_parser = parse_duration, default_value = "5m")]
    trust_refresh_interval: Duration,
    /// Log format.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(flatten)]
    registry: RegistryArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn parse_cache_ttl(text: &str) -> std::result::Result<Duration, String> {
    if text == "0" || text == "0s" {
        return Ok(Duration::ZERO);
    }
    parse_duration(text)
}

pub fn run(command: AdmissionCommand) -> Result<()> {
    match command {
        AdmissionCommand::Serve(args) => serve_reviews(args),
    }
}

/// Compiles the policy at `path` with the public-good root as it is now: `mirror`'s TUF cache
/// (set up from `initial_root`, else the public-good TUF root, when missing), else the default one.
fn policy_loader(path: PathBuf, mirror: Option<String>, initial_root: Option<Vec<u8>>) -> PolicyLoader {
    Box::new(move || {
        Policy::from_file_with_public_good_root(&path, || match &mirror {
            Some(mirror) => ocitrust::trusted_root_from_tuf(Some(mirror), initial_root.as_deref(), None),
            None => ocitrust::public_good_trusted_root(false),
        })
    })
}

fn serve_reviews(args: ServeArgs) -> Result<()> {
    let initial_root = args
        .tuf_root
        .as_deref()
        .map(|path| read_bounded(path, TUF_LIMITS.max_root_size))
        .transpose()?;
    let load = policy_loader(args.policy.clone(), args.tuf_mirror.clone(), initial_root);
    let policy = load()?;
    let refreshes = policy.compiled().document.uses_public_good_root();
    let tls = tls_config(&args.tls_cert, &args.tls_key)?;
    let mut cache = FactCache::new(args.cache_size, args.cache_ttl);
    if let (Some(redis), Some(secret)) = (&args.redis, &args.cache_key_file) {
        let store = RedisFactStore::with_secret_file(
            RedisAddress::parse(redis)?,
            secret,
            Duration::from_millis(args.redis_timeout_ms.max(1)),
        )?;
        cache = cache.shared_with(Arc::new(store));
    }
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false);
    match args.log_format {
        LogFormat::Json => subscriber.json().flatten_event(true).init(),
        LogFormat::Text => subscriber.init(),
    }
    let verifier = Verifier::trusting([]).registry_options(args.registry.options());
    let admission = Arc::new(Admission::new(policy, verifier, cache).mutating(args.mutate_digest));
    if refreshes {
        keep_trust_material_current(admission.clone(), load, args.trust_refresh_interval);
    }
    serve(admission, args.listen, tls, |address| {
        crate::stdout::line(&format!("ocitrust admission: serving on https://{address}"));
        let _ = std::io::stdout().flush();
    })
}
