//! Generates the parser from `grammar/stele.lalrpop` into `OUT_DIR`.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let grammar_dir = manifest.join("../../grammar");
    println!(
        "cargo:rerun-if-changed={}",
        grammar_dir.join("stele.lalrpop").display()
    );
    println!("cargo:rerun-if-changed=build.rs");
    let out_dir = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    lalrpop::Configuration::new()
        .set_in_dir(&grammar_dir)
        .set_out_dir(out_dir)
        .process()
        .expect("grammar/stele.lalrpop must be a valid LR(1) grammar");
}
