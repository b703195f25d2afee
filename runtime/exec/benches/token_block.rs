//! Executor throughput on the workload every rollup cares about: a block of 1,000 signed token
//! transfers on a depth-20 account map, compiled from `examples/token`, beside the same transfer
//! written by hand in Rust on the same Poseidon, EdDSA and Merkle tree. Both must reach the same
//! root. Every account holds the same public key (signing is set-up, not measured); each
//! transfer carries its own signature, which both sides verify.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use stele_crypto::babyjub::Point;
use stele_crypto::eddsa::{self, PrivateKey, Signature};
use stele_crypto::{Fr, MerkleTree, fr_from_u128, fr_to_decimal, hash_list, poseidon};
use stele_exec::{Executable, State, Tx, Val, apply_block, apply_tx_traced};

const ACCOUNTS: u32 = 1_000;
const BLOCK: usize = 1_000;
const START_BALANCE: u64 = 1_000_000;

/// (from, to, amount, fee, nonce) for transfers that all succeed.
fn transfers() -> Vec<(u32, u32, u64, u64, u32)> {
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut nonces = HashMap::new();
    (0..BLOCK)
        .map(|_| {
            let from = (next() % ACCOUNTS as u64) as u32;
            let to = (from + 1 + (next() % (ACCOUNTS as u64 - 1)) as u32) % ACCOUNTS;
            let nonce = nonces.entry(from).or_insert(0u32);
            *nonce += 1;
            (from, to, next() % 100, 1, *nonce - 1)
        })
        .collect()
}

/// (from, to, amount, fee, nonce) and the sender's signature.
type Signed = ((u32, u32, u64, u64, u32), Signature);

/// The key of every account.
fn owner() -> PrivateKey {
    PrivateKey::from_bytes([7; 32])
}

/// The message a transfer signs, as `examples/token` defines it.
fn message((from, to, amount, fee, nonce): (u32, u32, u64, u64, u32)) -> Fr {
    poseidon(&[
        Fr::from(from as u64),
        Fr::from(to as u64),
        Fr::from(amount),
        Fr::from(fee),
        Fr::from(nonce as u64),
    ])
}

/// Every transfer with its signature.
fn signed() -> Vec<Signed> {
    let key = owner();
    transfers()
        .into_iter()
        .map(|t| (t, key.sign(message(t))))
        .collect()
}

fn compiled(block: &[Signed]) -> (Executable, State, Vec<Tx>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/token");
    let program = stele_driver::compile(&stele_driver::load(&path), None, &mut |_, _| {})
        .program
        .expect("examples/token compiles");
    let exe = Executable::new(&program).expect("loads");
    let public = owner().public_key();
    let accounts: Map<String, Value> = (0..ACCOUNTS)
        .map(|k| {
            (
                k.to_string(),
                json!({
                    "balance": START_BALANCE.to_string(),
                    "nonce": 0,
                    "key": { "x": fr_to_decimal(&public.x), "y": fr_to_decimal(&public.y) },
                }),
            )
        })
        .collect();
    let state = State::from_json(&program, &json!({ "accounts": accounts })).expect("state");
    let transfer = exe.transition_index("transfer").expect("transfer");
    let txs = block
        .iter()
        .map(|&((from, to, amount, fee, nonce), sig)| Tx {
            transition: transfer,
            args: vec![
                Val::from(from as u64),
                Val::from(to as u64),
                Val::from(amount),
                Val::from(fee),
                Val::from(nonce as u64),
                Val::Field(sig.r8.x),
                Val::Field(sig.r8.y),
                Val::Field(sig.s),
            ],
        })
        .collect();
    (exe, state, txs)
}

/// The token chain by hand: same checks, same leaf and root encoding.
#[derive(Clone)]
struct Hand {
    /// The key of every account.
    key: Point,
    accounts: HashMap<u32, (u64, u32)>,
    tree: MerkleTree,
    fees: u64,
    supply: u64,
    /// Written keys whose path update is deferred to the end of the block (`deferred` mode).
    dirty: BTreeSet<u32>,
}

fn leaf(balance: u64, nonce: u32, key: &Point) -> Fr {
    poseidon(&[
        fr_from_u128(balance as u128),
        fr_from_u128(nonce as u128),
        key.x,
        key.y,
    ])
}

impl Hand {
    fn new() -> Hand {
        let key = owner().public_key();
        let mut tree = MerkleTree::new(
            20,
            leaf(
                0,
                0,
                &Point {
                    x: Fr::zero(),
                    y: Fr::zero(),
                },
            ),
        );
        let mut accounts = HashMap::new();
        for k in 0..ACCOUNTS {
            accounts.insert(k, (START_BALANCE, 0));
            tree.set_leaf(k as u64, leaf(START_BALANCE, 0, &key));
        }
        Hand {
            key,
            accounts,
            tree,
            fees: 0,
            supply: 0,
            dirty: BTreeSet::new(),
        }
    }

    fn transfer(
        &mut self,
        ((from, to, amount, fee, nonce), sig): Signed,
        deferred: bool,
    ) -> Result<(), &'static str> {
        if from >= 1 << 20 || to >= 1 << 20 {
            return Err("map key out of range");
        }
        let (balance, n) = self.accounts.get(&from).copied().unwrap_or((0, 0));
        if from == to {
            return Err("transfer to self");
        }
        if !self.accounts.contains_key(&to) {
            return Err("recipient not open");
        }
        if nonce != n {
            return Err("bad nonce");
        }
        if !eddsa::verify(&self.key, message((from, to, amount, fee, nonce)), &sig) {
            return Err("bad signature");
        }
        let total = amount.checked_add(fee).ok_or("arithmetic overflow")?;
        if balance < total {
            return Err("insufficient balance");
        }
        let sender = (
            balance - total,
            n.checked_add(1).ok_or("arithmetic overflow")?,
        );
        let (to_balance, to_nonce) = self.accounts.get(&to).copied().unwrap_or((0, 0));
        let receiver = (
            to_balance
                .checked_add(amount)
                .ok_or("arithmetic overflow")?,
            to_nonce,
        );
        let fees = self.fees.checked_add(fee).ok_or("arithmetic overflow")?;
        for (key, (b, n)) in [(from, sender), (to, receiver)] {
            self.accounts.insert(key, (b, n));
            if deferred {
                self.dirty.insert(key);
            } else {
                self.tree.set_leaf(key as u64, leaf(b, n, &self.key));
            }
        }
        self.fees = fees;
        Ok(())
    }

    fn root(&mut self) -> Fr {
        for key in std::mem::take(&mut self.dirty) {
            let (b, n) = self.accounts[&key];
            self.tree.set_leaf(key as u64, leaf(b, n, &self.key));
        }
        hash_list(&[
            self.tree.root(),
            fr_from_u128(self.fees as u128),
            fr_from_u128(self.supply as u128),
        ])
    }

    fn apply(&mut self, block: &[Signed], deferred: bool) -> Fr {
        for &tx in block {
            self.transfer(tx, deferred).expect("every transfer applies");
        }
        self.root()
    }
}

fn bench(c: &mut Criterion) {
    let block = signed();
    let (exe, state, txs) = compiled(&block);
    let hand = Hand::new();

    // All three must agree before any of them is timed.
    let stele_root = apply_block(&exe, &mut state.clone(), &txs).root;
    assert_eq!(
        stele_root,
        hand.clone().apply(&block, false),
        "compiled and hand-written roots differ"
    );
    assert_eq!(stele_root, hand.clone().apply(&block, true));

    let mut group = c.benchmark_group("token_block");
    group.throughput(Throughput::Elements(BLOCK as u64));
    group.sample_size(10);
    group.bench_function("stele", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| apply_block(&exe, &mut s, &txs).root,
            BatchSize::LargeInput,
        )
    });
    group.bench_function("hand-written eager paths", |b| {
        b.iter_batched(
            || hand.clone(),
            |mut h| h.apply(&block, false),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("hand-written deferred paths", |b| {
        b.iter_batched(
            || hand.clone(),
            |mut h| h.apply(&block, true),
            BatchSize::LargeInput,
        )
    });
    group.finish();

    c.bench_function("apply_tx_traced 1 transfer", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| apply_tx_traced(&exe, &mut s, &txs[0]),
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
