//! Running the checks of one signature in order, recording each outcome for the verdict.

use crate::error::Error;
use crate::verdict::{Check, CheckName, Outcome};

/// Why a check did not pass.
pub(crate) enum Failure {
    /// A check it depends on failed; recorded as [`Outcome::NotReached`].
    NotReached,
    /// The check itself failed.
    Failed(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Failed(e)
    }
}

#[derive(Default)]
pub(crate) struct Checks(pub(crate) Vec<Check>);

impl Checks {
    pub(crate) fn run<T>(
        &mut self,
        name: CheckName,
        check: impl FnOnce() -> std::result::Result<T, Failure>,
    ) -> Option<T> {
        match check() {
            Ok(value) => {
                self.push(name, Outcome::Passed, String::new());
                Some(value)
            }
            Err(Failure::NotReached) => {
                self.push(name, Outcome::NotReached, String::new());
                None
            }
            Err(Failure::Failed(e)) => {
                self.push(name, Outcome::Failed, e.message().to_owned());
                None
            }
        }
    }

    pub(crate) fn push(&mut self, name: CheckName, outcome: Outcome, detail: String) {
        self.0.push(Check { name, outcome, detail });
    }

    pub(crate) fn all_passed_or_skipped(&self) -> bool {
        self.0
            .iter()
            .all(|c| matches!(c.outcome, Outcome::Passed | Outcome::SkippedInsecure))
    }
}
