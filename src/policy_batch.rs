//! Many references under one policy at once: up to `jobs` evaluations run concurrently on one
//! verifier (one connection pool, one token cache), a reference named twice is evaluated once, and
//! results are handed out in the order the references were given, as soon as that order allows.
//! Memory stays flat in the number of references: no more than a window of results is ever
//! waiting for an earlier one.

use std::collections::HashMap;
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use ocitrust_core::policy::Decision;
use ocitrust_core::Result;

use crate::{Policy, Verifier};

/// How many results, per job, may wait for an earlier slow one before no new work is started.
const WINDOW_PER_JOB: usize = 4;

impl Policy {
    /// Evaluates every reference of `references` ([`Policy::evaluate_within`]) with up to `jobs` at
    /// a time, all within `limit` of now, calling `each(index, reference, result)` in the order given.
    pub fn evaluate_all(
        &self,
        verifier: &Verifier,
        references: &[String],
        scope: Option<&str>,
        jobs: usize,
        limit: Option<Duration>,
        mut each: impl FnMut(usize, &str, &Result<Decision>),
    ) {
        let jobs = jobs.max(1);
        let deadline = limit.map(|limit| Instant::now() + limit);
        // Each distinct reference once; `first[i]` is the index of the unique reference i names.
        let mut unique: Vec<&str> = Vec::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let first: Vec<usize> = references
            .iter()
            .map(|r| {
                *seen.entry(r.as_str()).or_insert_with(|| {
                    unique.push(r);
                    unique.len() - 1
                })
            })
            .collect();
        // The last place each unique reference is named: its result is dropped once handed out there.
        let mut last = vec![0; unique.len()];
        for (i, u) in first.iter().enumerate() {
            last[*u] = i;
        }
        let mut results: Vec<Option<Result<Decision>>> = (0..unique.len()).map(|_| None).collect();
        let (work_tx, work_rx) = mpsc::sync_channel::<usize>(jobs);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<Decision>)>();
        std::thread::scope(|threads| {
            for _ in 0..jobs.min(unique.len()) {
                let done_tx = done_tx.clone();
                let work_rx = &work_rx;
                let unique = &unique;
                threads.spawn(move || loop {
                    let next = work_rx.lock().map_err(|_| ()).and_then(|rx| rx.recv().map_err(|_| ()));
                    let Ok(i) = next else { break };
                    let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
                    if done_tx
                        .send((i, self.evaluate_within(verifier, unique[i], scope, left)))
                        .is_err()
                    {
                        break;
                    }
                });
            }
            drop(done_tx);
            let (mut dispatched, mut emitted) = (0, 0);
            while emitted < references.len() {
                let needed = first[emitted];
                while dispatched < unique.len() && dispatched <= needed + WINDOW_PER_JOB * jobs {
                    if work_tx.send(dispatched).is_err() {
                        break;
                    }
                    dispatched += 1;
                }
                while results[first[emitted]].is_none() {
                    match done_rx.recv() {
                        Ok((i, result)) => results[i] = Some(result),
                        Err(_) => return,
                    }
                }
                // Hand out every result now in order; a result is kept only while a later duplicate
                // still needs it.
                while emitted < references.len() {
                    let u = first[emitted];
                    let Some(result) = &results[u] else { break };
                    each(emitted, &references[emitted], result);
                    if last[u] == emitted {
                        results[u] = None;
                    }
                    emitted += 1;
                }
            }
            drop(work_tx);
        });
    }
}
