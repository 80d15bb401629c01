//! Notation's plugins, as notation finds and runs them: `<plugins>/<name>/notation-<name>`, a
//! regular executable file (not a symlink), run with the request on standard input; its answer
//! is standard output, its failure a non-zero exit with `{"errorCode", "errorMessage"}` on
//! standard error. Each run is bounded in time and in output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ocitrust_core::notation::plugin::{PluginHost, PLUGIN_OUTPUT_SIZE_MAX};
use ocitrust_core::notation::trust_store::is_valid_store_name;
use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::io_error;

/// How long one plugin command may run.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The plugins of one directory (notation's `plugins`).
#[derive(Debug, Clone)]
pub struct DirectoryPluginHost {
    dir: PathBuf,
}

impl DirectoryPluginHost {
    /// The plugins under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DirectoryPluginHost { dir: dir.into() }
    }

    /// The names of the plugins installed (directories holding their executable).
    pub fn installed(&self) -> Result<Vec<String>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&self.dir, e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|name| self.executable(name).is_ok())
            .collect();
        names.sort();
        Ok(names)
    }

    fn executable(&self, name: &str) -> Result<PathBuf> {
        if !is_valid_store_name(name) || name.starts_with('.') {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("{name:?} is not a plugin name"),
            ));
        }
        let path = self.dir.join(name).join(format!("notation-{name}"));
        let metadata = std::fs::symlink_metadata(&path)
            .map_err(|_| Error::new(ErrorCode::NotFound, format!("plugin not found: {}", path.display())))?;
        if !metadata.is_file() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("{} is not a regular file (symlinks are not supported)", path.display()),
            ));
        }
        #[cfg(unix)]
        if std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o111 == 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("{} is not executable", path.display()),
            ));
        }
        Ok(path)
    }
}

/// Reads at most `limit` bytes of `reader`, failing beyond.
fn read_bounded(mut reader: impl Read, limit: usize, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorCode::Io, format!("reading the plugin's {what}: {e}")))?;
    if bytes.len() > limit {
        return Err(Error::new(
            ErrorCode::LimitExceeded,
            format!("the plugin's {what} is larger than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PluginError {
    #[serde(default)]
    error_code: String,
    #[serde(default)]
    error_message: String,
}

impl PluginHost for DirectoryPluginHost {
    fn run(&self, name: &str, command: &str, request: &[u8]) -> Result<Vec<u8>> {
        let path = self.executable(name)?;
        run_plugin(&path, name, command, request)
    }
}

fn run_plugin(path: &Path, name: &str, command: &str, request: &[u8]) -> Result<Vec<u8>> {
    let mut child = Command::new(path)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io_error(path, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A plugin that exits without reading its request is judged by its exit status.
        let _ = stdin.write_all(request);
    }
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out = std::thread::spawn(move || stdout.map(|s| read_bounded(s, PLUGIN_OUTPUT_SIZE_MAX, "output")));
    let err = std::thread::spawn(move || stderr.map(|s| read_bounded(s, PLUGIN_OUTPUT_SIZE_MAX, "error output")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| io_error(path, e))? {
            break status;
        }
        if started.elapsed() > PLUGIN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(
                ErrorCode::Timeout,
                format!(
                    "plugin {name} did not answer {command} within {} seconds",
                    PLUGIN_TIMEOUT.as_secs()
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let joined = |handle: std::thread::JoinHandle<Option<Result<Vec<u8>>>>| -> Result<Vec<u8>> {
        handle
            .join()
            .map_err(|_| Error::new(ErrorCode::Internal, "the plugin reader panicked"))?
            .unwrap_or(Ok(Vec::new()))
    };
    let stdout = joined(out)?;
    let stderr = joined(err)?;
    if !status.success() {
        let detail = match serde_json::from_slice::<PluginError>(&stderr) {
            Ok(e) => format!("{}: {}", e.error_code, e.error_message),
            Err(_) => String::from_utf8_lossy(&stderr).trim().to_owned(),
        };
        return Err(Error::new(
            ErrorCode::NoMatchingSignatures,
            format!("plugin {name} failed {command} ({status}): {detail}"),
        ));
    }
    Ok(stdout)
}
