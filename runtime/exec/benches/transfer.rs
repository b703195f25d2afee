//! The hot path: a block of token transfers on a depth-20 map (two reads, two writes, one
//! state store per transaction), untraced and traced.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};
use stele_exec::{Executable, State, Tx, Val, apply_block, apply_tx_traced};

const TOKEN: &str = r#"stele-ir 1
chain "token"
file 0 "src/main.stele"
struct token::Account { balance: u64, nonce: u32 }
state {
  accounts: map<u32, token::Account, 20>
  transfers: u64
}
transition transfer(from: u32, to: u32, amount: u64) @0:12:1 {
  %0: u32 = param 0
  %1: u32 = param 1
  %2: u64 = param 2
  %3: u64, %4: u32 = map.read accounts[%0] @0:13:18
  %5: bool = le %2, %3
  assert %5, "insufficient balance" @0:14:5
  %6: u64 = sub %3, %2 @0:15:30
  %7: u32 = const 1
  %8: u32 = add %4, %7 @0:16:28
  map.write accounts[%0] = [%6, %8] @0:15:5
  %9: u64, %10: u32 = map.read accounts[%1] @0:17:5
  %11: u64 = add %9, %2 @0:17:5
  map.write accounts[%1] = [%11, %10] @0:17:5
  %12: u64 = sload 0
  %14: u64 = const 1
  %13: u64 = add %12, %14 @0:18:5
  sstore 0 = %13
}
"#;

const ACCOUNTS: u64 = 1000;
const BLOCK: usize = 64;

fn setup() -> (Executable, State, Vec<Tx>) {
    let program = stele_ir::parse(TOKEN).expect("parses");
    let exe = Executable::new(&program).expect("loads");
    let accounts: Map<String, Value> = (0..ACCOUNTS)
        .map(|k| (k.to_string(), json!({ "balance": "1000000", "nonce": 0 })))
        .collect();
    let state = State::from_json(&program, &json!({ "accounts": accounts })).expect("state");
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let txs = (0..BLOCK)
        .map(|_| Tx {
            transition: 0,
            args: vec![
                Val::from(next() % ACCOUNTS),
                Val::from(next() % ACCOUNTS),
                Val::from(next() % 100),
            ],
        })
        .collect();
    (exe, state, txs)
}

fn bench(c: &mut Criterion) {
    let (exe, state, txs) = setup();
    c.bench_function("apply_block 64 transfers (depth 20)", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| {
                let r = apply_block(&exe, &mut s, &txs);
                (s, r)
            },
            BatchSize::LargeInput,
        )
    });
    let (a, b) = (stele_crypto::fr_from_u128(1), stele_crypto::fr_from_u128(2));
    c.bench_function("poseidon2 (reference point)", |bench| {
        bench.iter(|| stele_crypto::poseidon2(a, b))
    });
    c.bench_function("apply_tx_traced 1 transfer (depth 20)", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| {
                let t = apply_tx_traced(&exe, &mut s, &txs[0]);
                (s, t)
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
