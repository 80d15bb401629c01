//! The threads evaluations run on: plain threads outside the server's runtime (the registry client
//! blocks on a runtime of its own, which it cannot do from a runtime thread without another hop),
//! kept for reuse. A warm review takes about a millisecond of CPU; starting and tearing down a
//! thread for each of its images cost a sixth of that.
//!
//! The number of threads is not bounded here: the caller bounds the evaluations running at once.
//! A thread idle for [`IDLE_LIMIT`] ends.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long a thread waits for work before it ends.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);

type Job = Box<dyn FnOnce() + Send>;

/// The threads waiting for work: each one's number, and the channel that reaches it.
type Idle = Mutex<Vec<(u64, Sender<Job>)>>;

/// Threads waiting for work, each reached through its own channel.
#[derive(Clone, Default)]
pub struct EvaluationThreads {
    idle: Arc<Idle>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

impl EvaluationThreads {
    /// Runs `job` on an idle thread, or on a new one when none is idle.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        let mut job: Job = Box::new(job);
        loop {
            let Some((_, thread)) = lock(&self.idle).pop() else {
                break;
            };
            // A thread that just ended at its idle limit gives the job back.
            match thread.send(job) {
                Ok(()) => return,
                Err(returned) => job = returned.0,
            }
        }
        self.start(job);
    }

    /// How many threads are idle.
    #[cfg(test)]
    fn idle(&self) -> usize {
        lock(&self.idle).len()
    }

    fn start(&self, first: Job) {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let idle = self.idle.clone();
        std::thread::spawn(move || {
            let (sender, jobs) = channel::<Job>();
            first();
            loop {
                lock(&idle).push((id, sender.clone()));
                match jobs.recv_timeout(IDLE_LIMIT) {
                    Ok(job) => job(),
                    Err(RecvTimeoutError::Timeout) => {
                        let mut waiting = lock(&idle);
                        match waiting.iter().position(|(each, _)| *each == id) {
                            Some(at) => {
                                waiting.swap_remove(at);
                                return;
                            }
                            // Taken off the list by `run`, which is sending a job now.
                            None => {
                                drop(waiting);
                                match jobs.recv() {
                                    Ok(job) => job(),
                                    Err(_) => return,
                                }
                            }
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::mpsc::sync_channel;

    fn thread_of(threads: &EvaluationThreads) -> std::thread::ThreadId {
        let (sent, got) = sync_channel(1);
        threads.run(move || sent.send(std::thread::current().id()).unwrap());
        got.recv().unwrap()
    }

    fn wait_idle(threads: &EvaluationThreads, n: usize) {
        while threads.idle() < n {
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_thread_is_reused_once_it_is_idle() {
        let threads = EvaluationThreads::default();
        let first = thread_of(&threads);
        wait_idle(&threads, 1);
        assert_eq!(thread_of(&threads), first);
        wait_idle(&threads, 1);
        assert_eq!(threads.idle(), 1, "no second thread was started");
    }

    #[test]
    fn jobs_at_the_same_time_get_threads_of_their_own() {
        let threads = EvaluationThreads::default();
        let gate = Arc::new(std::sync::Barrier::new(4));
        let (sent, got) = channel();
        for _ in 0..4 {
            let (gate, sent) = (gate.clone(), sent.clone());
            // Each waits for the others: they can only finish if all four run at once.
            threads.run(move || {
                gate.wait();
                sent.send(std::thread::current().id()).unwrap();
            });
        }
        let ids: HashSet<_> = (0..4)
            .map(|_| got.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(ids.len(), 4);
        wait_idle(&threads, 4);
    }

    #[test]
    fn a_panicking_job_costs_its_thread_and_nothing_else() {
        let threads = EvaluationThreads::default();
        threads.run(|| panic!("a job that panics"));
        let (sent, got) = sync_channel(1);
        threads.run(move || sent.send(7).unwrap());
        assert_eq!(got.recv_timeout(Duration::from_secs(10)).unwrap(), 7);
    }
}
