//! The blocking face of the async registry client. The client runs its own single-threaded tokio
//! runtime; a caller that is itself inside a tokio runtime (an admission webhook on axum, say)
//! cannot block on another runtime from its thread, nor drop one there, without tokio panicking.
//! So from inside a runtime the work runs on a scoped thread of its own, and the runtime is shut
//! down without blocking when dropped.

use std::future::Future;

use ocitrust_core::{Error, ErrorCode, Result};

/// A private runtime to block on, usable from any thread.
pub(crate) struct BlockingRuntime {
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingRuntime {
    pub(crate) fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::new(ErrorCode::Io, format!("starting the async runtime: {e}")))?;
        Ok(BlockingRuntime { runtime: Some(runtime) })
    }

    /// Runs `future` to completion and returns its output, blocking the calling thread.
    pub(crate) fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        if tokio::runtime::Handle::try_current().is_err() {
            return runtime.block_on(future);
        }
        std::thread::scope(|scope| {
            match scope.spawn(|| runtime.block_on(future)).join() {
                Ok(output) => output,
                // A panic in the work is the caller's panic, as it would be without the thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
