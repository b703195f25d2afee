//! A reference interpreter for IR without `hash`, built on `stele_ir::eval`: enough to check that
//! a pass keeps what a program does (the executor crate is the real one).

use std::collections::BTreeMap;

use stele_ir::eval::{self, EvalError};
use stele_ir::{Felt, Function, Loc, Op, Program, Ty, ValueId};

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Committed {
        state: Vec<Felt>,
        maps: BTreeMap<(u32, u128), Vec<Felt>>,
    },
    Rejected {
        msg: String,
        loc: Option<Loc>,
    },
}

pub fn run(program: &Program, f: &Function, params: &[Felt], state: &[Felt]) -> Outcome {
    let maps = program.maps();
    let mut values: BTreeMap<ValueId, (Ty, Felt)> = BTreeMap::new();
    let mut new_state = state.to_vec();
    let mut map_state: BTreeMap<(u32, u128), Vec<Felt>> = BTreeMap::new();
    for inst in &f.body {
        let get = |v: &ValueId| values[v].1;
        let ty = |v: &ValueId| values[v].0;
        let on = inst.guard.is_none_or(|g| !get(&g).is_zero());
        let reject = |msg: &str| Outcome::Rejected {
            msg: msg.to_string(),
            loc: inst.loc,
        };
        if !on {
            for &(v, t) in &inst.results {
                values.insert(v, (t, Felt::ZERO));
            }
            continue;
        }
        let result_ty = inst.results.first().map(|r| r.1);
        let single = |r: Result<Felt, EvalError>| match r {
            Ok(x) => Ok(vec![x]),
            Err(EvalError::Fails(msg)) => Err(msg.to_string()),
            Err(EvalError::Unsupported) => panic!("ill-typed instruction {inst:?}"),
        };
        let out: Result<Vec<Felt>, String> = match &inst.op {
            Op::Const(x) => Ok(vec![*x]),
            Op::Param(i) => Ok(vec![params[*i as usize]]),
            Op::SLoad(i) => Ok(vec![state[*i as usize]]),
            Op::SStore(i, v) => {
                new_state[*i as usize] = get(v);
                Ok(vec![])
            }
            Op::Unary(op, x) => single(eval::unary(*op, ty(x), get(x))),
            Op::Binary(op, a, b) => single(eval::binary(*op, ty(a), get(a), get(b))),
            Op::Cast(x) => single(eval::cast(ty(x), result_ty.unwrap(), get(x))),
            Op::Select(c, a, b) => Ok(vec![if get(c).is_zero() { get(b) } else { get(a) }]),
            Op::Pick { index, items } => {
                let i = get(index).to_u128().unwrap() as usize;
                Ok(vec![items.get(i).map_or(Felt::ZERO, get)])
            }
            Op::Assert { cond, msg } => {
                if get(cond).is_zero() {
                    Err(msg.clone())
                } else {
                    Ok(vec![])
                }
            }
            Op::MapRead { map, key } | Op::MapWrite { map, key, .. } => {
                let depth = maps[*map as usize].3;
                let key = get(key).to_u128().unwrap();
                if depth < 128 && key >> depth != 0 {
                    Err("map key out of range".to_string())
                } else if let Op::MapWrite { value, .. } = &inst.op {
                    map_state.insert((*map, key), value.iter().map(get).collect());
                    Ok(vec![])
                } else {
                    let zeros = vec![Felt::ZERO; inst.results.len()];
                    Ok(map_state.get(&(*map, key)).cloned().unwrap_or(zeros))
                }
            }
            Op::Hash(_) => panic!("the reference interpreter does not model hash"),
            Op::EddsaVerify(_) => panic!("the reference interpreter does not model eddsa.verify"),
            Op::MerkleRoot { .. } => panic!("the reference interpreter does not model merkle.root"),
        };
        match out {
            Ok(xs) => {
                for (&(v, t), x) in inst.results.iter().zip(xs) {
                    values.insert(v, (t, x));
                }
            }
            Err(msg) => return reject(&msg),
        }
    }
    Outcome::Committed {
        state: new_state,
        maps: map_state,
    }
}
