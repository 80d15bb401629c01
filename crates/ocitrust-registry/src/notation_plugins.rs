//! Notation's plugins, as notation finds and runs them: `<plugins>/<name>/notation-<name>`, a
//! regular executable file (not a symlink), run with the request on standard input; its answer
//! is standard output, its failure a non-zero exit with `{"errorCode", "errorMessage"}` on
//! standard error. Each run is bounded in time (one deadline over writing, running and reading;
//! the plugin's process group killed at it) and in output, and gets only a few variables of the
//! verifier's environment.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ocitrust_core::notation::plugin::{PluginHost, PLUGIN_OUTPUT_SIZE_MAX};
use ocitrust_core::notation::trust_store::is_valid_store_name;
use ocitrust_core::{Error, ErrorCode, Result};

use crate::file::io_error;

/// How long one plugin command may run, by default.
pub const PLUGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The plugins of one directory (notation's `plugins`).
#[derive(Debug, Clone)]
pub struct DirectoryPluginHost {
    dir: PathBuf,
    timeout: Duration,
}

impl DirectoryPluginHost {
    /// The plugins under `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DirectoryPluginHost {
            dir: dir.into(),
            timeout: PLUGIN_TIMEOUT,
        }
    }

    /// The same plugins, each command given `timeout` instead of [`PLUGIN_TIMEOUT`].
    pub fn with_timeout(self, timeout: Duration) -> Self {
        DirectoryPluginHost { timeout, ..self }
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
        run_plugin(&path, name, command, request, self.timeout)
    }
}

/// Variables a plugin gets from the verifier's environment: where things are and how to reach the
/// network, and the AWS SDK's (AWS Signer's plugin asks AWS about revocation). Nothing else — a
/// registry password in `NOTATION_PASSWORD` or `OCITRUST_REGISTRY_PASSWORD` is not the plugin's.
const PLUGIN_ENVIRONMENT: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_RUNTIME_DIR",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

fn passed_to_plugins(name: &str) -> bool {
    PLUGIN_ENVIRONMENT.contains(&name) || name.starts_with("LC_") || name.starts_with("AWS_")
}

fn timed_out(name: &str, command: &str, timeout: Duration) -> Error {
    Error::new(
        ErrorCode::Timeout,
        format!("plugin {name} did not answer {command} within {timeout:?}"),
    )
}

/// A plugin process in its own process group. Once it has exited (seen without reaping it, so its
/// process ID, which is also its group's, cannot be reused meanwhile) or when dropped, the group is
/// killed whole: whatever the plugin started goes with it.
struct PluginProcess {
    child: std::process::Child,
    reaped: bool,
}

impl PluginProcess {
    fn group(&self) -> Option<rustix::process::Pid> {
        rustix::process::Pid::from_raw(i32::try_from(self.child.id()).ok()?)
    }

    /// Whether the plugin has exited, its group then killed; it is left to be reaped.
    fn has_exited(&self) -> std::io::Result<bool> {
        use rustix::process::{waitid, WaitId, WaitIdOptions};
        let Some(group) = self.group() else {
            return Ok(true);
        };
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
        let exited = waitid(WaitId::Pid(group), options)?.is_some();
        if exited {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        Ok(exited)
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        if self.reaped {
            return; // its process ID may be another process's now
        }
        if let Some(group) = self.group() {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.wait();
    }
}

/// Runs the plugin at `path` with `command` and `request` on its standard input. One deadline
/// covers writing the request, the plugin's run and reading what it writes: a plugin that reads no
/// input, never exits, or leaves a process holding its output open is killed, with its process
/// group, when it passes. Output and error output are bounded.
fn run_plugin(path: &Path, name: &str, command: &str, request: &[u8], timeout: Duration) -> Result<Vec<u8>> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use std::os::unix::process::CommandExt;

    let deadline = Instant::now() + timeout;
    let child = Command::new(path)
        .arg(command)
        .env_clear()
        .envs(std::env::vars_os().filter(|(k, _)| k.to_str().is_some_and(passed_to_plugins)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| io_error(path, e))?;
    let mut process = PluginProcess { child, reaped: false };
    let io = |e: std::io::Error| Error::new(ErrorCode::Io, format!("plugin {name}: {e}"));
    let mut stdin = process.child.stdin.take();
    let mut stdout = process.child.stdout.take();
    let mut stderr = process.child.stderr.take();
    for fd in [
        stdin.as_ref().map(AsFd::as_fd),
        stdout.as_ref().map(AsFd::as_fd),
        stderr.as_ref().map(AsFd::as_fd),
    ]
    .into_iter()
    .flatten()
    {
        rustix::io::ioctl_fionbio(fd, true).map_err(|e| io(e.into()))?;
    }
    let (mut written, mut out, mut err) = (0, Vec::new(), Vec::new());
    let mut exited = false;
    loop {
        // Once it exited, whatever it left running is killed with its group, so its pipes close.
        exited = exited || process.has_exited().map_err(io)?;
        if stdout.is_none() && stderr.is_none() && exited {
            break;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(name, command, timeout));
        }
        if written == request.len() {
            stdin = None; // closed: the plugin sees the end of its request
        }
        let mut fds = Vec::with_capacity(3);
        if let Some(pipe) = &stdin {
            fds.push(PollFd::new(pipe, PollFlags::OUT));
        }
        if let Some(pipe) = &stdout {
            fds.push(PollFd::new(pipe, PollFlags::IN));
        }
        if let Some(pipe) = &stderr {
            fds.push(PollFd::new(pipe, PollFlags::IN));
        }
        // Wake up now and then to see whether the plugin exited.
        let wait = Timespec::try_from(left.min(Duration::from_millis(20))).unwrap_or_default();
        if !fds.is_empty() {
            poll(&mut fds, Some(&wait)).map_err(|e| io(e.into()))?;
        } else {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(fds);
        if let Some(pipe) = stdin.as_mut() {
            match pipe.write(&request[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                // A plugin that exits without reading its request is judged by its exit status.
                Err(_) => written = request.len(),
            }
        }
        drain(&mut stdout, &mut out, "output")?;
        drain(&mut stderr, &mut err, "error output")?;
    }
    let status = process.child.wait().map_err(io)?;
    process.reaped = true;
    if !status.success() {
        let detail = match serde_json::from_slice::<PluginError>(&err) {
            Ok(e) => format!("{}: {}", e.error_code, e.error_message),
            Err(_) => String::from_utf8_lossy(&err).trim().to_owned(),
        };
        return Err(Error::new(
            ErrorCode::NoMatchingSignatures,
            format!("plugin {name} failed {command} ({status}): {detail}"),
        ));
    }
    Ok(out)
}

/// Reads what `pipe` has now into `bytes`, closing it at its end.
fn drain(pipe: &mut Option<impl Read>, bytes: &mut Vec<u8>, what: &str) -> Result<()> {
    if let Some(reader) = pipe.as_mut() {
        if !read_available(reader, bytes, what)? {
            *pipe = None;
        }
    }
    Ok(())
}

/// Appends what `reader` has now to `bytes`; `false` at its end. More than
/// [`PLUGIN_OUTPUT_SIZE_MAX`] bytes in all is an error.
fn read_available(reader: &mut impl Read, bytes: &mut Vec<u8>, what: &str) -> Result<bool> {
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                if bytes.len() + n > PLUGIN_OUTPUT_SIZE_MAX {
                    return Err(Error::new(
                        ErrorCode::LimitExceeded,
                        format!("the plugin's {what} is larger than {PLUGIN_OUTPUT_SIZE_MAX} bytes"),
                    ));
                }
                bytes.extend_from_slice(&chunk[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::new(ErrorCode::Io, format!("reading the plugin's {what}: {e}"))),
        }
    }
}
