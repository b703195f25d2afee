//! The IR optimisation pipeline: passes are plain `fn(&mut Program)` over verified programs,
//! run in the order of [`PIPELINE`]; each must leave a verified program verified.

mod eliminate_common_subexpressions;
mod eliminate_dead_code;
mod fold_constants;
mod merge_map_accesses;
mod renumber_values;

use crate::Program;
use crate::verify::{VerifyError, verify};

pub use eliminate_common_subexpressions::eliminate_common_subexpressions;
pub use eliminate_dead_code::eliminate_dead_code;
pub use fold_constants::fold_constants;
pub use merge_map_accesses::merge_map_accesses;
pub use renumber_values::renumber_values;

/// A named transformation of a verified program.
pub type Pass = fn(&mut Program);

/// The passes [`optimize`] runs, in order. One round suffices: folding runs forward and sees
/// every constant it creates, dead-code elimination runs backward and sees every use it removes.
pub const PIPELINE: &[(&str, Pass)] = &[
    // First: turns instructions into constants and constant guards into none, which is what
    // makes their operands dead.
    ("fold_constants", fold_constants),
    // After folding: constants are canonical, so equal folded values merge; before dead-code
    // elimination, which removes the operands that merging leaves unused.
    (
        "eliminate_common_subexpressions",
        eliminate_common_subexpressions,
    ),
    // After merging: map keys that are equal values are one value. Before dead-code
    // elimination, which removes what the dropped reads and writes used.
    ("merge_map_accesses", merge_map_accesses),
    // After folding: drops the operands and `assert true`s that folding left unused.
    ("eliminate_dead_code", eliminate_dead_code),
    // Last: the passes before it leave gaps in the numbering, and it changes no meaning.
    ("renumber_values", renumber_values),
];

/// The pass called `name`, for a `--print-after` option to check its argument.
pub fn pass(name: &str) -> Option<Pass> {
    PIPELINE.iter().find(|(n, _)| *n == name).map(|&(_, p)| p)
}

/// Runs the whole pipeline.
pub fn optimize(program: &mut Program) {
    optimize_with(program, None, &mut |_, _| {});
}

/// Runs the whole pipeline, handing `sink` the program right after the pass named `print_after`
/// (what `--print-after PASS` shows). A name that is no pass gets nothing; see [`pass`].
pub fn optimize_with(
    program: &mut Program,
    print_after: Option<&str>,
    sink: &mut dyn FnMut(&str, &Program),
) {
    for &(name, pass) in PIPELINE {
        pass(program);
        if print_after == Some(name) {
            sink(name, program);
        }
    }
}

/// A pass that broke the verifier's rules: which one, and what it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassError {
    /// The pass that ran last, or `"input"` when the program was broken before any pass.
    pub pass: String,
    pub errors: Vec<VerifyError>,
}

impl std::fmt::Display for PassError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IR verification failed after `{}`", self.pass)?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PassError {}

/// Like [`optimize`], verifying the input and the program after every pass: what tests and
/// debug builds of the compiler run, so that a pass bug is caught where it happens.
pub fn optimize_verified(program: &mut Program) -> Result<(), PassError> {
    let check = |pass: &str, program: &Program| {
        verify(program).map_err(|errors| PassError {
            pass: pass.to_string(),
            errors,
        })
    };
    check("input", program)?;
    for &(name, pass) in PIPELINE {
        pass(program);
        check(name, program)?;
    }
    Ok(())
}
