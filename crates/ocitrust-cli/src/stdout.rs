//! Standard output. A reader that goes away early (`ocitrust policy explain … | head`) is a normal
//! end, not a failure: the process exits quietly with status 141, as a C or Go tool killed by
//! SIGPIPE does, instead of panicking on the failed write as `println!` would.

use std::io::{self, Write};

/// Writes `text` and a line break.
pub(crate) fn line(text: &str) {
    write(&format!("{text}\n"));
}

/// Writes `text` as it is.
pub(crate) fn write(text: &str) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(128 + 13);
        }
        eprintln!("Error: writing to standard output: {e}");
        std::process::exit(1);
    }
}
