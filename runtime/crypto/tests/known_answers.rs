//! Poseidon known-answer vectors from circomlibjs 0.1.7 (see tests/data/README.md).

use stele_crypto::{Fr, fr_from_str, fr_to_decimal, poseidon, poseidon2};

/// A JSON value, parsed by a minimal reader that supports what the vector file uses.
#[derive(Debug)]
enum Json {
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Obj(fields) => &fields.iter().find(|(k, _)| k == key).expect(key).1,
            _ => panic!("not an object"),
        }
    }
    fn arr(&self) -> &[Json] {
        match self {
            Json::Arr(v) => v,
            _ => panic!("not an array"),
        }
    }
    fn str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            _ => panic!("not a string"),
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn value(&mut self) -> Json {
        self.ws();
        match self.s[self.i] {
            b'"' => Json::Str(self.string()),
            b'[' => {
                self.i += 1;
                let mut v = Vec::new();
                if !self.eat(b']') {
                    loop {
                        v.push(self.value());
                        if self.eat(b']') {
                            break;
                        }
                        assert!(self.eat(b','), "expected , at {}", self.i);
                    }
                }
                Json::Arr(v)
            }
            b'{' => {
                self.i += 1;
                let mut v = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        let k = self.string();
                        assert!(self.eat(b':'), "expected : at {}", self.i);
                        v.push((k, self.value()));
                        if self.eat(b'}') {
                            break;
                        }
                        assert!(self.eat(b','), "expected , at {}", self.i);
                    }
                }
                Json::Obj(v)
            }
            c => panic!("unsupported JSON at {}: {}", self.i, c as char),
        }
    }
    fn string(&mut self) -> String {
        assert_eq!(self.s[self.i], b'"');
        self.i += 1;
        let start = self.i;
        while self.s[self.i] != b'"' {
            assert_ne!(self.s[self.i], b'\\', "escapes unsupported");
            self.i += 1;
        }
        let out = std::str::from_utf8(&self.s[start..self.i])
            .unwrap()
            .to_string();
        self.i += 1;
        out
    }
}

fn load_vectors() -> Vec<(Vec<Fr>, Fr)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/poseidon_vectors.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = Reader {
        s: text.as_bytes(),
        i: 0,
    };
    let doc = r.value();
    doc.get("vectors")
        .arr()
        .iter()
        .map(|v| {
            let inputs = v
                .get("inputs")
                .arr()
                .iter()
                .map(|x| fr_from_str(x.str()).expect("canonical input"))
                .collect();
            let output = fr_from_str(v.get("output").str()).expect("canonical output");
            (inputs, output)
        })
        .collect()
}

#[test]
fn poseidon_1_2_known_answer() {
    let expected = "7853200120776062878684798364095072458815029376092732009249414926327459813530";
    let out = poseidon(&[Fr::from(1), Fr::from(2)]);
    assert_eq!(fr_to_decimal(&out), expected);
    assert_eq!(poseidon2(Fr::from(1), Fr::from(2)), out);
}

#[test]
fn circomlibjs_vectors_all_arities() {
    let vectors = load_vectors();
    let mut seen = [0usize; 17];
    for (inputs, output) in &vectors {
        assert_eq!(
            poseidon(inputs),
            *output,
            "arity {} inputs {:?}",
            inputs.len(),
            inputs.iter().map(fr_to_decimal).collect::<Vec<_>>()
        );
        if inputs.len() == 2 {
            assert_eq!(poseidon2(inputs[0], inputs[1]), *output);
        }
        seen[inputs.len()] += 1;
    }
    for (n, count) in seen.iter().enumerate().skip(1) {
        assert!(*count >= 2, "arity {n} has only {count} vectors");
    }
}

/// Values computed with circomlibjs 0.1.7 (script in tests/data/README.md).
#[test]
fn composite_known_answers() {
    use stele_crypto::{MerkleTree, fr_from_u128, hash_list};
    let dec = |s: &str| fr_from_str(s).unwrap();
    let xs: Vec<Fr> = (1..=17u128).map(fr_from_u128).collect();
    assert_eq!(
        hash_list(&xs),
        dec("8770585823063767024216894608354098830177643380596531891106165958687580947979")
    );
    let z = Fr::zero();
    assert_eq!(
        MerkleTree::empty_root(1, z),
        dec("14744269619966411208579211824598458697587494354926760081771325075741142829156")
    );
    assert_eq!(
        MerkleTree::empty_root(20, z),
        dec("15019797232609675441998260052101280400536945603062888308240081994073687793470")
    );
    let mut tree = MerkleTree::new(2, z);
    tree.set_leaf(2, fr_from_u128(11));
    assert_eq!(
        tree.root(),
        dec("1973306818804876942664028263252800384980949072635163280153553697216277976977")
    );
}
