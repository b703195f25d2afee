fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    match stele_ir::parse(&text) {
        Ok(p) => {
            println!("{p}");
            println!("{:?}", stele_ir::verify(&p).map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>()));
            let mut q = p.clone();
            stele_ir::optimize(&mut q);
            println!("{q}");
        }
        Err(e) => println!("error {e}"),
    }
}
