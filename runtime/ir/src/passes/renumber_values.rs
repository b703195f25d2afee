//! `renumber_values`: numbers each function's values densely, `%0`, `%1`, ... in order of
//! definition, so that printed IR is stable and compact after other passes left gaps. Assumes
//! every use follows its definition (a verified program); changes no meaning.

use std::collections::HashMap;

use crate::{Program, ValueId};

pub fn renumber_values(program: &mut Program) {
    for f in program
        .transitions
        .iter_mut()
        .chain(program.tests.iter_mut())
    {
        let mut renamed: HashMap<ValueId, ValueId> = HashMap::new();
        let mut next = 0u32;
        for inst in &mut f.body {
            inst.map_uses(|v| renamed.get(&v).copied().unwrap_or(v));
            for (v, _) in &mut inst.results {
                let new = ValueId(next);
                next = next.wrapping_add(1);
                renamed.insert(*v, new);
                *v = new;
            }
        }
    }
}
