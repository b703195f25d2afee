//! Cycle detection: recursive function calls (`E1009`, functions are inlined) and types that
//! contain themselves (`E1012`, they would have infinite size).

use stele_diagnostics::{Code, Diagnostic, Span};

use crate::checker::Checker;
use crate::hir::FnId;
use crate::ty::Ty;

/// Strongly connected components of a graph given as adjacency lists (Tarjan, iterative).
fn sccs(n: usize, edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut ei)) = work.last_mut() {
            if *ei == 0 && index[v] == usize::MAX {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if *ei < edges[v].len() {
                let w = edges[v][*ei];
                *ei += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comp.sort();
                out.push(comp);
            }
        }
    }
    out.sort();
    out
}

fn adts_in(ty: &Ty, out: &mut Vec<usize>) {
    match ty {
        Ty::Adt(a) => out.push(a.0 as usize),
        Ty::Array(t, _) => adts_in(t, out),
        Ty::Tuple(ts) => ts.iter().for_each(|t| adts_in(t, out)),
        _ => {}
    }
}

impl Checker<'_> {
    pub fn detect_recursion(&mut self) {
        let n = self.defs.fns.len();
        let edges: Vec<Vec<usize>> = self
            .calls
            .iter()
            .map(|c| c.iter().map(|(f, _)| f.0 as usize).collect())
            .collect();
        for comp in sccs(n, &edges) {
            let cyclic = comp.len() > 1 || edges[comp[0]].contains(&comp[0]);
            if !cyclic {
                continue;
            }
            let first = comp[0];
            let names: Vec<String> = comp
                .iter()
                .map(|f| format!("`{}`", self.defs.fns[*f].name))
                .collect();
            // The first call from `first` that stays in the cycle.
            let call: Option<(FnId, Span)> = self.calls[first]
                .iter()
                .copied()
                .find(|(f, _)| comp.contains(&(f.0 as usize)));
            let def_span = self.defs.fns[first].span;
            let name = self.defs.fns[first].name.clone();
            let d = if comp.len() == 1 {
                Diagnostic::new(
                    Code::E1009,
                    format!("function `{name}` calls itself"),
                    call.map_or(def_span, |c| c.1),
                    "recursive call",
                )
                .with_secondary(def_span, format!("`{name}` defined here"))
            } else {
                let mut d = Diagnostic::new(
                    Code::E1009,
                    format!("functions {} call each other in a cycle", names.join(", ")),
                    call.map_or(def_span, |c| c.1),
                    "this call closes the cycle",
                );
                for f in &comp[1..] {
                    d = d.with_secondary(
                        self.defs.fns[*f].span,
                        format!("`{}` defined here", self.defs.fns[*f].name),
                    );
                }
                d
            };
            self.report(d.with_note("functions are inlined at every call, so recursion is not supported; use a `for` loop"));
        }
    }

    pub fn detect_recursive_types(&mut self) {
        loop {
            let n = self.defs.adts.len();
            let edges: Vec<Vec<usize>> = self
                .defs
                .adts
                .iter()
                .map(|a| {
                    let mut out = Vec::new();
                    for t in a.member_types() {
                        adts_in(t, &mut out);
                    }
                    out
                })
                .collect();
            let Some(comp) = sccs(n, &edges)
                .into_iter()
                .find(|c| c.len() > 1 || edges[c[0]].contains(&c[0]))
            else {
                return;
            };
            let a = comp[0];
            let adt = &self.defs.adts[a];
            // The first member that leads back into the cycle.
            let mut culprit = None;
            for (i, f) in adt.fields.iter().enumerate() {
                let mut out = Vec::new();
                adts_in(&f.ty, &mut out);
                if out.iter().any(|x| comp.contains(x)) {
                    culprit = Some((Some(i), None, f.span));
                    break;
                }
            }
            if culprit.is_none() {
                'outer: for (vi, v) in adt.variants.iter().enumerate() {
                    for (pi, t) in v.payload.iter().enumerate() {
                        let mut out = Vec::new();
                        adts_in(t, &mut out);
                        if out.iter().any(|x| comp.contains(x)) {
                            culprit = Some((None, Some((vi, pi)), v.span));
                            break 'outer;
                        }
                    }
                }
            }
            let Some((field, variant, span)) = culprit else {
                return;
            };
            let d = Diagnostic::new(
                Code::E1012,
                format!("recursive type `{}` has infinite size", adt.name),
                adt.span,
                "recursive type",
            )
            .with_secondary(span, "contains the type itself")
            .with_note("values are flattened into a fixed number of scalars, so a type cannot contain itself");
            self.report(d);
            let adt = &mut self.defs.adts[a];
            if let Some(i) = field {
                adt.fields[i].ty = Ty::Error;
            }
            if let Some((vi, pi)) = variant {
                adt.variants[vi].payload[pi] = Ty::Error;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sccs;

    #[test]
    fn components() {
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![]];
        assert_eq!(sccs(5, &edges), vec![vec![0, 1, 2], vec![3], vec![4]]);
    }
}
