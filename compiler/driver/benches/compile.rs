//! Compile time of every example: load, parse, check, lower and optimise.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

fn compile_examples(c: &mut Criterion) {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut group = c.benchmark_group("compile");
    for name in ["counter", "token", "vm", "amm"] {
        let sources = stele_driver::load(&examples.join(name));
        group.bench_function(name, |b| {
            b.iter(|| {
                let out = stele_driver::compile(&sources, None, &mut |_, _| {});
                assert!(out.program.is_some());
                out
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compile_examples);
criterion_main!(benches);
