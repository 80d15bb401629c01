//! `ocitrust policy`: check a trust policy document, evaluate it for images, explain a decision.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use ocitrust::core::policy::{Decision, Explanation, Mode};
use ocitrust::{Error, ErrorCode, FactCache, Platform, Policy, Result, Verifier};

use crate::commands::{parse_platform, RegistryArgs};
use crate::terminal::{field, say, show};

/// How many verification facts one `policy eval` keeps (a fact is a few KiB).
const BATCH_FACTS_MAX: usize = 4096;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a trust policy document and the files it names; prints FILE:LINE:COLUMN: message
    /// for the first problem and exits 1.
    Check {
        /// The document (YAML or JSON).
        file: PathBuf,
    },
    /// Decide whether images may run under a trust policy: exit 0 when every image is allowed,
    /// 12 when one is denied by a policy in enforce mode.
    Eval(EvalArgs),
    /// Print, for a person, why each image is allowed or denied: the policy that applied, each
    /// requirement, authority, signature and check.
    Explain(EvalArgs),
    /// Print the ocitrust document equivalent to another tool's policy.
    Import {
        #[command(subcommand)]
        from: ImportCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// notation's trust policy (trustpolicy.json or trustpolicy.oci.json) and its trust stores.
    Notation {
        /// The trust policy document.
        trust_policy: PathBuf,
        /// notation's trust store directory (holding x509/<type>/<name>/); default: the one in
        /// notation's configuration directory.
        #[arg(long, value_name = "DIR")]
        trust_store: Option<PathBuf>,
    },
    /// containers-policy.json (podman, CRI-O, skopeo): its docker transport.
    Containers {
        /// The policy (usually /etc/containers/policy.json).
        policy: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The trust policy document.
    #[arg(long)]
    policy: PathBuf,
    /// Output format: text (one line per image) or json (one object per image, a line each).
    #[arg(short = 'o', long, value_enum, default_value = "text")]
    output: EvalFormat,
    /// Judge the manifest for this platform of an index (os/arch[/variant]), as the policy's
    /// `platforms` says.
    #[arg(long, value_parser = parse_platform)]
    platform: Option<Platform>,
    /// The scope an OCI layout is matched as (without it, oci:PATH).
    #[arg(long)]
    scope: Option<String>,
    /// Evaluate up to N images at a time (one connection pool and token cache; a reference named
    /// twice is evaluated once; output stays in the order given).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
    /// Also read images from FILE, one a line (blank lines and lines starting with # are skipped).
    #[arg(long, value_name = "FILE")]
    from_file: Option<PathBuf>,
    /// `trustedRoot: embedded` is the root compiled into ocitrust, not the TUF cache `ocitrust
    /// initialize` keeps (no TUF refresh is attempted).
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    registry: RegistryArgs,
    /// Images: registry/repo[:tag|@digest], oci:PATH[:TAG|@DIGEST] for a layout, or oci-archive:FILE[:TAG|@DIGEST] (- for stdin) for one in a tar.
    #[arg(required_unless_present = "from_file")]
    references: Vec<String>,
}

/// Largest `--from-file` read.
const REFERENCE_FILE_SIZE_MAX: u64 = 16 * 1024 * 1024;

/// The references given, then those of `--from-file`.
fn references(args: &EvalArgs) -> Result<Vec<String>> {
    let mut references = args.references.clone();
    if let Some(path) = &args.from_file {
        let bytes = ocitrust::registry::file::read_bounded(path, REFERENCE_FILE_SIZE_MAX)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::new(
                ErrorCode::InvalidArgument,
                format!("{}: not UTF-8 text", path.display()),
            )
        })?;
        references.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if references.is_empty() {
        return Err(Error::new(ErrorCode::InvalidArgument, "no image to evaluate"));
    }
    Ok(references)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EvalFormat {
    Text,
    Json,
}

pub fn run(command: PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Check { file } => check(&file),
        PolicyCommand::Eval(args) => evaluate(args, false),
        PolicyCommand::Explain(args) => evaluate(args, true),
        PolicyCommand::Import { from } => import(from),
    }
}

fn import(from: ImportCommand) -> Result<()> {
    let document = match from {
        ImportCommand::Notation {
            trust_policy,
            trust_store,
        } => {
            let trust_store = match trust_store {
                Some(dir) => dir,
                None => ocitrust::NotationConfigDir::from_environment()?.trust_store_path(),
            };
            ocitrust::import_notation_policy(&trust_policy, &trust_store)?
        }
        ImportCommand::Containers { policy } => {
            let imported = ocitrust::import_containers_policy(&policy)?;
            for note in &imported.notes {
                say!("Note: {note}");
            }
            imported.document
        }
    };
    crate::stdout::write(&crate::terminal::escape(&document));
    Ok(())
}

fn check(file: &Path) -> Result<()> {
    let policy = Policy::from_file(file)?;
    let document = &policy.compiled().document;
    show!(
        "{}: valid: {} policies, {} authorities, {} trust roots",
        file.display(),
        document.policies.len(),
        document.authorities.len(),
        document.trust_roots.len()
    );
    Ok(())
}

fn evaluate(args: EvalArgs, explain: bool) -> Result<()> {
    let policy =
        Policy::from_file_with_public_good_root(&args.policy, || ocitrust::public_good_trusted_root(args.offline))?;
    let references = references(&args)?;
    // Images named twice, or by two tags of one digest, share their facts: verified once.
    let facts = FactCache::new(BATCH_FACTS_MAX, Duration::from_secs(600));
    let verifier = Verifier::trusting([])
        .platform(args.platform)
        .registry_options(args.registry.options())
        .fact_cache(Some(Arc::new(facts)));
    let total = references.len();
    let progress = args.jobs > 1 && std::io::stderr().is_terminal();
    let (mut denied, mut failed) = (0, 0);
    let mut printed = Ok(());
    policy.evaluate_all(
        &verifier,
        &references,
        args.scope.as_deref(),
        usize::from(args.jobs),
        None,
        |index, reference, result| {
            if progress {
                // The bar is redrawn after each result; a message clears it first.
                eprint!("{CLEAR_LINE}");
            }
            let decision = match result {
                Ok(decision) => decision,
                Err(error) => {
                    say!("Error: {}: {}", field(reference), error);
                    failed += 1;
                    return;
                }
            };
            if let Some(warning) = decision.warning() {
                say!("Warning: {}", field(&warning));
            }
            if !decision.allowed {
                denied += 1;
            }
            if explain {
                print_tree(decision);
            } else if args.output == EvalFormat::Json {
                match decision.to_json() {
                    Ok(json) => crate::stdout::line(&json),
                    Err(error) => printed = Err(error),
                }
            } else {
                print_line(decision);
            }
            if progress {
                eprint!("{}", progress_bar(index + 1, total, denied));
            }
        },
    );
    if progress {
        eprint!("{CLEAR_LINE}");
    }
    printed?;
    if failed > 0 {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("{failed} of {total} images could not be evaluated"),
        ));
    }
    if denied > 0 {
        return Err(Error::new(
            ErrorCode::NoMatchingSignatures,
            format!("{denied} of {total} images denied by the trust policy"),
        ));
    }
    Ok(())
}

/// Returns the cursor to the start of the terminal's line and erases it.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// `[#####---------] 12/40, 1 denied`, 30 columns of bar.
fn progress_bar(done: usize, total: usize, denied: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH).min(WIDTH);
    format!(
        "[{}{}] {done}/{total}, {denied} denied",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

fn verdict_word(decision: &Decision) -> &'static str {
    match (decision.allowed, decision.satisfied) {
        (true, true) => "ALLOWED",
        (true, false) if decision.mode == Mode::Audit => "ALLOWED (audit: the policy does not hold)",
        (true, false) => "ALLOWED (warn: the policy does not hold)",
        (false, _) => "DENIED",
    }
}

fn applied(decision: &Decision) -> String {
    match (&decision.policy, &decision.scope) {
        (Some(policy), Some(scope)) => format!(
            "policy {:?} (scope {scope}, mode {})",
            field(policy),
            decision.mode.name()
        ),
        _ => "no policy".to_owned(),
    }
}

fn print_line(decision: &Decision) {
    let summary = decision.summary();
    show!(
        "{} {} ({}): {}{}",
        verdict_word(decision),
        field(&decision.reference),
        decision.digest,
        applied(decision),
        if summary.is_empty() {
            String::new()
        } else {
            format!(": {}", field(&summary))
        }
    );
}

fn print_tree(decision: &Decision) {
    show!(
        "{} {} ({}): {}",
        verdict_word(decision),
        field(&decision.reference),
        decision.digest,
        applied(decision)
    );
    for option in &decision.insecure {
        show!("  insecure: {}", field(option));
    }
    print_node(&decision.explanation, 1);
}

fn print_node(node: &Explanation, depth: usize) {
    show!(
        "{}{} {}: {}",
        "  ".repeat(depth),
        if node.passed { "PASS" } else { "FAIL" },
        field(&node.subject),
        field(&node.reason)
    );
    for child in &node.children {
        print_node(child, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_bar_fills_with_the_share_done() {
        assert_eq!(progress_bar(0, 4, 0), format!("[{}] 0/4, 0 denied", "-".repeat(30)));
        assert_eq!(
            progress_bar(2, 4, 1),
            format!("[{}{}] 2/4, 1 denied", "#".repeat(15), "-".repeat(15))
        );
        assert_eq!(progress_bar(4, 4, 0), format!("[{}] 4/4, 0 denied", "#".repeat(30)));
        assert_eq!(progress_bar(0, 0, 0), format!("[{}] 0/0, 0 denied", "#".repeat(30)));
    }
}
