//! MockProver tests of `stele_circuit::eddsa`: every circomlibjs vector verifies in the circuit
//! and every negative or changed one gives 0, the circuit's verdict equals
//! `stele_crypto::eddsa::verify` on random valid and invalid signatures, a tampered cell of
//! every kind is rejected, and the rows per verification are pinned.

use std::cell::Cell;
use std::rc::Rc;

use halo2_proofs::circuit::Value;
use halo2_proofs::dev::MockProver;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::Field;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stele_circuit::eddsa::{self, PointVar};
use stele_circuit::gates::{Faults, GateCtx};
use stele_circuit::poseidon_wide;
use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::PrivateKey;

#[path = "support/chips.rs"]
mod chips;

use chips::{ChipCircuit, EddsaCase as Case, circomlibjs_eddsa, smallest_k};

fn point_var(ctx: &mut GateCtx<'_, '_>, p: &Point) -> PointVar {
    PointVar {
        x: ctx.witness(Value::known(p.x)),
        y: ctx.witness(Value::known(p.y)),
    }
}

/// A circuit verifying `cases` (each with the Poseidon of its challenge), the verdicts public;
/// `verify_rows` receives the rows of the verifications alone.
fn circuit(cases: &[Case], verify_rows: Rc<Cell<usize>>) -> ChipCircuit {
    let cases = cases.to_vec();
    ChipCircuit::new(move |ctx, poseidon| {
        let mut rows = 0;
        let mut verdicts = Vec::new();
        for case in &cases {
            let a = point_var(ctx, &case.pubkey);
            let r8 = point_var(ctx, &case.sig.r8);
            let msg = ctx.witness(Value::known(case.msg));
            let s = ctx.witness(Value::known(case.sig.s));
            let inputs = [r8.x.clone(), r8.y.clone(), a.x.clone(), a.y.clone(), msg];
            let h = poseidon_wide::poseidon(ctx, poseidon, &inputs).expect("5 inputs");
            let before = ctx.height();
            let ok = eddsa::verify(ctx, &a, &r8, &s, &h);
            rows += ctx.height() - before;
            verdicts.push(ok.var().clone());
        }
        verify_rows.set(rows);
        verdicts
    })
}

/// Rows of a circuit verifying `cases`: of the verifications alone, and in all (the Poseidon
/// challenges included).
fn total_rows(cases: &[Case]) -> (usize, usize) {
    let verify_rows = Rc::new(Cell::new(0));
    let probe = circuit(cases, verify_rows.clone());
    let public = vec![Fr::ZERO; cases.len()];
    // Synthesis only measures: the verdict of this run is not looked at.
    let _ = MockProver::run(16, &probe, vec![public]).expect("synthesis");
    (verify_rows.get(), probe.height())
}

/// The `k` of a circuit of `cases` (the layout depends only on their number).
fn k_for_cases(cases: &[Case]) -> u32 {
    thread_local! {
        static KS: std::cell::RefCell<std::collections::HashMap<usize, u32>> =
            Default::default();
    }
    if let Some(k) = KS.with(|ks| ks.borrow().get(&cases.len()).copied()) {
        return k;
    }
    let k = smallest_k(total_rows(cases).1);
    KS.with(|ks| ks.borrow_mut().insert(cases.len(), k));
    k
}

/// Whether MockProver accepts the circuit with the given faults and public verdicts.
fn accepts(cases: &[Case], faults: Faults, verdicts: &[bool]) -> bool {
    let k = k_for_cases(cases);
    let circuit = circuit(cases, Rc::new(Cell::new(0))).with_faults(faults.clone());
    let public = verdicts.iter().map(|&b| Fr::from(u64::from(b))).collect();
    let result = MockProver::run(k, &circuit, vec![public])
        .expect("synthesis")
        .verify();
    if !faults.is_empty() {
        assert!(faults.hits() > 0, "the fault hit no cell");
    }
    result.is_ok()
}

/// The circuit accepts the native verdicts and rejects a flipped one: for the first case, and
/// for every invalid signature (claiming it valid is the forgery that matters).
fn agrees(cases: &[Case]) {
    let verdicts: Vec<bool> = cases.iter().map(Case::native).collect();
    assert!(
        accepts(cases, Faults::none(), &verdicts),
        "honest run rejected"
    );
    for i in 0..cases.len() {
        if i > 0 && verdicts[i] {
            continue;
        }
        let mut wrong = verdicts.clone();
        wrong[i] = !wrong[i];
        assert!(
            !accepts(cases, Faults::none(), &wrong),
            "case {i}: wrong verdict accepted"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------------------------

fn valid_cases() -> Vec<Case> {
    circomlibjs_eddsa().0
}

#[test]
fn circomlibjs_vectors_verify_and_changes_fail() {
    let valid = valid_cases();
    assert!(valid.iter().all(Case::native));
    // Every valid vector, four per circuit.
    for chunk in valid.chunks(4) {
        agrees(chunk);
    }
    // Changes to the key, the message, R8 and S.
    let base = valid[0];
    let other = valid[2];
    let mut changed = Vec::new();
    let mut c = base;
    c.pubkey = other.pubkey;
    changed.push(c);
    let mut c = base;
    c.msg += Fr::ONE;
    changed.push(c);
    let mut c = base;
    c.sig.r8 = other.sig.r8;
    changed.push(c);
    let mut c = base;
    c.sig.s += Fr::ONE;
    changed.push(c);
    assert!(changed.iter().all(|c| !c.native()));
    agrees(&changed);
}

#[test]
fn negative_vectors_give_false() {
    let negative = circomlibjs_eddsa().1;
    assert_eq!(negative.len(), 11);
    assert!(negative.iter().all(|c| !c.native()));
    for chunk in negative.chunks(4) {
        agrees(chunk);
    }
}

#[test]
fn random_signatures_agree_with_the_executor() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut cases = Vec::new();
    for i in 0..4 {
        let key = PrivateKey::from_bytes(rng.r#gen());
        let msg = Fr::random(&mut rng);
        let mut c = Case {
            pubkey: key.public_key(),
            msg,
            sig: key.sign(msg),
        };
        match i {
            0 => {}
            1 => c.sig.s = Fr::random(&mut rng),
            2 => c.sig.r8.x = Fr::random(&mut rng),
            _ => c.pubkey = PrivateKey::from_bytes(rng.r#gen()).public_key(),
        }
        cases.push(c);
    }
    agrees(&cases);
}

#[test]
fn rows_per_verification() {
    let valid = valid_cases();
    let (verify, total) = total_rows(&valid[..1]);
    println!("one verification: {verify} rows, {total} with the challenge's Poseidon");
    assert_eq!(verify, 5023, "rows of one verification");
    assert_eq!(
        total, 5588,
        "rows with the 5-input Poseidon of the challenge"
    );
}

/// Every witness cell kind of the chip, tampered in one valid verification, is rejected.
#[test]
fn tampered_cells_are_rejected() {
    let valid = valid_cases();
    let cases = [valid[0]];
    let labels: &[(&str, usize)] = &[
        ("eddsa.bit", 3),
        ("eddsa.bit", 300),
        ("eddsa.horner", 5),
        ("eddsa.horner", 200),
        ("eddsa.curve.xx", 0),
        ("eddsa.curve.yy", 1),
        ("eddsa.curve.xxyy", 0),
        ("eddsa.curve.eq", 0),
        ("eddsa.sel.x", 0),
        ("eddsa.sel.y", 1),
        ("eddsa.cond.x", 10),
        ("eddsa.cond.y", 10),
        ("eddsa.add.x1y2", 20),
        ("eddsa.add.y1x2", 20),
        ("eddsa.add.x1x2", 20),
        ("eddsa.add.y1y2", 20),
        ("eddsa.add.tau", 20),
        ("eddsa.add.x3", 20),
        ("eddsa.add.y3", 20),
        ("eddsa.add.x3", 200),
        ("eddsa.add.y3", 200),
        ("eddsa.dbl.xy", 7),
        ("eddsa.dbl.xx", 7),
        ("eddsa.dbl.yy", 7),
        ("eddsa.dbl.x3", 0),
        ("eddsa.dbl.y3", 100),
        ("eddsa.win.b0b1", 5),
        ("eddsa.win.x", 5),
        ("eddsa.win.y", 5),
        ("eddsa.win.x", 0),
        ("select.out", 10),
        ("select.out", 11),
        ("is_zero.out", 0),
        ("is_zero.inv", 2),
        ("const", 0),
        ("range.z", 0),
        ("lt.diff", 0),
        ("or.out", 0),
        ("not.out", 0),
        ("is_equal.out", 0),
        ("lt.bit", 0),
        ("and.out", 0),
    ];
    for &(label, nth) in labels {
        let faults = Faults::none().add(label, nth, Fr::ONE);
        assert!(
            !accepts(&cases, faults, &[true]),
            "tampered {label} #{nth} accepted"
        );
    }
}
