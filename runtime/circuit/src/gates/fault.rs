//! Test-only witness tampering: the fault-injection hook of the soundness tests.
//!
//! **Not part of the production API.** A chip built with [`GateChip::new`](super::GateChip::new)
//! carries an empty [`Faults`] list and assigns honest witnesses only; nothing in the back end
//! ever calls [`GateChip::with_faults`](super::GateChip::with_faults). Tests use it to play an
//! evil prover: every witness cell a gadget assigns has a label (listed in the gadget's
//! documentation and in the module docs of [`gates`](super); every copy of an existing cell is
//! labelled `copy`), and a [`Fault`] replaces the value of the `nth` cell with that label,
//! counted from 0 within one [`GateCtx`](super::GateCtx). Values computed from a tampered cell
//! later (a running sum, a product) use the tampered value; values computed before it (in the
//! same gadget) do not, so a test that wants a consistently forged witness tampers those too. [`Faults::hits`] tells how many
//! replacements were made, so a test can check that its fault actually landed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use halo2_proofs::circuit::Value;
use halo2_proofs::halo2curves::bn256::Fr;

/// What a [`Fault`] does to the honest value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// Replace the value.
    Set(Fr),
    /// Add to the value.
    Add(Fr),
}

/// One tampered witness cell: the `nth` (from 0) fresh cell labelled `label` in a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub label: &'static str,
    pub nth: usize,
    pub tamper: Tamper,
}

/// A list of faults to inject, shared by the clones of one chip (the hit counter is shared).
#[derive(Clone, Debug, Default)]
pub struct Faults {
    list: Vec<Fault>,
    hits: Arc<AtomicUsize>,
}

impl Faults {
    /// No faults: the honest prover.
    pub fn none() -> Faults {
        Faults::default()
    }

    /// Adds a fault that sets the `nth` cell labelled `label` to `value`.
    pub fn set(mut self, label: &'static str, nth: usize, value: Fr) -> Faults {
        self.list.push(Fault {
            label,
            nth,
            tamper: Tamper::Set(value),
        });
        self
    }

    /// Adds a fault that adds `delta` to the `nth` cell labelled `label`.
    pub fn add(mut self, label: &'static str, nth: usize, delta: Fr) -> Faults {
        self.list.push(Fault {
            label,
            nth,
            tamper: Tamper::Add(delta),
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many cell values were replaced so far (over every synthesis that used these faults).
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// The value to assign to the `nth` fresh cell labelled `label` instead of `honest`.
    pub(crate) fn apply(&self, label: &'static str, nth: usize, honest: Value<Fr>) -> Value<Fr> {
        let mut value = honest;
        for fault in self
            .list
            .iter()
            .filter(|f| f.label == label && f.nth == nth)
        {
            value = value.map(|v| {
                self.hits.fetch_add(1, Ordering::Relaxed);
                match fault.tamper {
                    Tamper::Set(x) => x,
                    Tamper::Add(x) => v + x,
                }
            });
        }
        value
    }
}
