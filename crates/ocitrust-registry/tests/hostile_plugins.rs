//! Notation verification plugins that misbehave, as shell scripts in a scratch plugin directory:
//! one deadline covers writing the request, the run and reading the answer, whatever the plugin
//! does with its input, its exit or the processes it starts, and those processes go with it; its
//! output is bounded; it gets only a few variables of the verifier's environment.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ocitrust_core::notation::plugin::PluginHost;
use ocitrust_core::ErrorCode;
use ocitrust_registry::notation_plugins::DirectoryPluginHost;

/// A plugin directory holding the plugin `name` whose executable is the shell `script`; the
/// script runs in the plugin's own directory's parent's `work` folder, where it may leave files.
fn plugin(test: &str, name: &str, script: &str) -> (DirectoryPluginHost, PathBuf) {
    let dir = std::env::temp_dir().join(format!("ocitrust-hostile-plugins-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let home = dir.join("plugins").join(name);
    std::fs::create_dir_all(&home).unwrap();
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    let executable = home.join(format!("notation-{name}"));
    std::fs::write(&executable, format!("#!/bin/sh\ncd '{}'\n{script}\n", work.display())).unwrap();
    std::fs::set_permissions(&executable, std::fs::Permissions::from_mode(0o755)).unwrap();
    (
        DirectoryPluginHost::new(dir.join("plugins")).with_timeout(Duration::from_secs(2)),
        work,
    )
}

/// Whether the process whose ID is in `pid_file` has ended (gone, or a zombie left to its reaper).
fn ended(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    let started = Instant::now();
    loop {
        let state = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
            .ok()
            .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().chars().next()));
        if matches!(state, None | Some(Some('Z'))) {
            return true;
        }
        if started.elapsed() > Duration::from_secs(5) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_plugin_that_reads_no_request_is_ended_at_the_deadline() {
    let (host, work) = plugin("no-reader", "stuck", "echo $$ > plugin.pid\nsleep 60");
    let started = Instant::now();
    let err = host
        .run("stuck", "verify-signature", &vec![b'x'; 4 * 1024 * 1024])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert!(ended(&work.join("plugin.pid")));
}

#[test]
fn a_plugin_that_leaves_a_process_holding_its_output_is_read_when_it_exits() {
    let (host, work) = plugin(
        "holder",
        "holder",
        "(sleep 60; echo late) &\necho $! > child.pid\necho '{\"ok\":true}'",
    );
    let started = Instant::now();
    let out = host.run("holder", "get-plugin-metadata", b"{}").unwrap();
    assert_eq!(out, b"{\"ok\":true}\n");
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert!(ended(&work.join("child.pid")), "the process it left was killed");
}

#[test]
fn a_plugin_that_never_exits_is_killed_with_what_it_started() {
    let (host, work) = plugin(
        "never",
        "never",
        "sleep 60 &\necho $! > child.pid\necho $$ > plugin.pid\ncat > /dev/null\nsleep 60",
    );
    let err = host.run("never", "verify-signature", b"{}").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
    assert!(ended(&work.join("plugin.pid")));
    assert!(ended(&work.join("child.pid")));
}

#[test]
fn a_plugin_answer_past_its_bound_is_refused() {
    let (host, _) = plugin("flood", "flood", "head -c 3000000 /dev/zero");
    let err = host.run("flood", "verify-signature", b"{}").unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded, "{err}");
}

#[test]
fn a_plugin_gets_only_a_few_environment_variables() {
    let (host, _) = plugin("environment", "env", "env");
    let out = String::from_utf8(host.run("env", "verify-signature", b"{}").unwrap()).unwrap();
    let names: Vec<&str> = out.lines().filter_map(|l| l.split_once('=').map(|(k, _)| k)).collect();
    assert!(names.contains(&"PATH"), "{names:?}");
    // cargo gives every test its CARGO_* variables; a plugin is given none of them.
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    assert!(!names.iter().any(|n| n.starts_with("CARGO")), "{names:?}");
    let allowed = |n: &&str| {
        [
            "PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "PWD", "OLDPWD", "SHLVL", "_",
        ]
        .contains(n)
            || n.starts_with("LC_")
            || n.starts_with("AWS_")
            || n.starts_with("XDG_")
            || n.starts_with("SSL_CERT_")
            || n.to_ascii_uppercase().ends_with("_PROXY")
    };
    assert!(names.iter().all(allowed), "{names:?}");
}
