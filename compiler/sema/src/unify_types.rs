//! Type inference for one body: variables for integer literals (a `Field` or unsigned integer,
//! or an unsigned integer only) and for inferred const generic arguments, solved by unification.

use crate::ty::{Len, Ty};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum VarKind {
    /// `Field` or `uN`; defaults to `Field`.
    Numeric,
    /// `uN` only; defaults to `u32`.
    Integer,
}

#[derive(Clone, Debug)]
enum VarState {
    Unbound(VarKind),
    Bound(Ty),
}

#[derive(Default, Debug)]
pub struct Infer {
    vars: Vec<VarState>,
    lens: Vec<Option<Len>>,
}

impl Infer {
    pub fn new_var(&mut self, kind: VarKind) -> Ty {
        self.vars.push(VarState::Unbound(kind));
        Ty::Var(self.vars.len() as u32 - 1)
    }

    pub fn new_len(&mut self) -> Len {
        self.lens.push(None);
        Len::Var(self.lens.len() as u32 - 1)
    }

    /// Follows bound variables at the top of `ty`.
    pub fn shallow(&self, ty: &Ty) -> Ty {
        let mut t = ty.clone();
        while let Ty::Var(v) = t {
            match &self.vars[v as usize] {
                VarState::Bound(b) => t = b.clone(),
                VarState::Unbound(_) => break,
            }
        }
        t
    }

    pub fn kind(&self, ty: &Ty) -> Option<VarKind> {
        match self.shallow(ty) {
            Ty::Var(v) => match self.vars[v as usize] {
                VarState::Unbound(k) => Some(k),
                VarState::Bound(_) => None,
            },
            _ => None,
        }
    }

    pub fn len(&self, l: Len) -> Len {
        let mut l = l;
        while let Len::Var(v) = l {
            match self.lens[v as usize] {
                Some(b) => l = b,
                None => break,
            }
        }
        l
    }

    /// Substitutes everything known, keeping unsolved variables.
    pub fn resolve(&self, ty: &Ty) -> Ty {
        match self.shallow(ty) {
            Ty::Array(t, l) => Ty::Array(Box::new(self.resolve(&t)), self.len(l)),
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| self.resolve(t)).collect()),
            Ty::Map(k, v, d) => Ty::Map(Box::new(self.resolve(&k)), Box::new(self.resolve(&v)), d),
            t => t,
        }
    }

    /// Substitutes everything, defaulting unsolved integer variables (`Field`, or `u32` for
    /// integer-only ones) and turning unsolved lengths into errors.
    pub fn zonk(&self, ty: &Ty) -> Ty {
        match self.shallow(ty) {
            Ty::Var(v) => match self.vars[v as usize] {
                VarState::Unbound(VarKind::Numeric) => Ty::Field,
                VarState::Unbound(VarKind::Integer) => Ty::UInt(32),
                VarState::Bound(_) => unreachable!("shallow follows bound variables"),
            },
            Ty::Array(t, l) => {
                let l = match self.len(l) {
                    Len::Var(_) => Len::Error,
                    l => l,
                };
                Ty::Array(Box::new(self.zonk(&t)), l)
            }
            Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(|t| self.zonk(t)).collect()),
            Ty::Map(k, v, d) => Ty::Map(Box::new(self.zonk(&k)), Box::new(self.zonk(&v)), d),
            t => t,
        }
    }

    /// Requires an unsigned integer type: narrows a numeric variable. `false` if impossible.
    pub fn require_integer(&mut self, ty: &Ty) -> bool {
        match self.shallow(ty) {
            Ty::Var(v) => {
                self.vars[v as usize] = VarState::Unbound(VarKind::Integer);
                true
            }
            Ty::UInt(_) | Ty::Error => true,
            _ => false,
        }
    }

    /// `Field`, `uN` or an integer variable (or an error).
    pub fn is_numeric(&self, ty: &Ty) -> bool {
        matches!(
            self.shallow(ty),
            Ty::Var(_) | Ty::Field | Ty::UInt(_) | Ty::Error
        )
    }

    pub fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let a = self.shallow(a);
        let b = self.shallow(b);
        match (&a, &b) {
            (Ty::Error, _) | (_, Ty::Error) => true,
            (Ty::Var(x), Ty::Var(y)) => {
                if x != y {
                    let kx = self.kind(&a).unwrap_or(VarKind::Numeric);
                    let ky = self.kind(&b).unwrap_or(VarKind::Numeric);
                    self.vars[*y as usize] = VarState::Unbound(kx.max(ky));
                    self.vars[*x as usize] = VarState::Bound(b.clone());
                }
                true
            }
            (Ty::Var(x), t) | (t, Ty::Var(x)) => {
                let kind = match &self.vars[*x as usize] {
                    VarState::Unbound(k) => *k,
                    VarState::Bound(_) => unreachable!(),
                };
                let ok = match t {
                    Ty::Field => kind == VarKind::Numeric,
                    Ty::UInt(_) => true,
                    _ => false,
                };
                if ok {
                    self.vars[*x as usize] = VarState::Bound(t.clone());
                }
                ok
            }
            (Ty::Field, Ty::Field) | (Ty::Bool, Ty::Bool) => true,
            (Ty::UInt(x), Ty::UInt(y)) => x == y,
            (Ty::Array(t1, l1), Ty::Array(t2, l2)) => {
                let lens = self.unify_len(*l1, *l2);
                self.unify(t1, t2) && lens
            }
            (Ty::Tuple(xs), Ty::Tuple(ys)) => {
                xs.len() == ys.len()
                    && xs
                        .iter()
                        .zip(ys.iter())
                        .fold(true, |ok, (x, y)| self.unify(x, y) && ok)
            }
            (Ty::Adt(x), Ty::Adt(y)) => x == y,
            (Ty::Map(k1, v1, d1), Ty::Map(k2, v2, d2)) => {
                d1 == d2 && self.unify(k1, k2) && self.unify(v1, v2)
            }
            _ => false,
        }
    }

    pub fn unify_len(&mut self, a: Len, b: Len) -> bool {
        let a = self.len(a);
        let b = self.len(b);
        match (a, b) {
            (Len::Error, _) | (_, Len::Error) => true,
            (Len::Var(x), Len::Var(y)) if x == y => true,
            (Len::Var(x), l) | (l, Len::Var(x)) => {
                self.lens[x as usize] = Some(l);
                true
            }
            (Len::Known(x), Len::Known(y)) => x == y,
            (Len::Param(x), Len::Param(y)) => x == y,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_unify_and_default() {
        let mut inf = Infer::default();
        let a = inf.new_var(VarKind::Numeric);
        let b = inf.new_var(VarKind::Numeric);
        assert!(inf.unify(&a, &b));
        assert!(inf.unify(&b, &Ty::UInt(8)));
        assert_eq!(inf.zonk(&a), Ty::UInt(8));
        let c = inf.new_var(VarKind::Numeric);
        assert_eq!(inf.zonk(&c), Ty::Field);
        let d = inf.new_var(VarKind::Integer);
        assert!(!inf.unify(&d, &Ty::Field));
        assert!(!inf.unify(&d, &Ty::Bool));
        assert_eq!(inf.zonk(&d), Ty::UInt(32));
        let l = inf.new_len();
        assert!(inf.unify(
            &Ty::Array(Box::new(Ty::Field), l),
            &Ty::Array(Box::new(Ty::Field), Len::Known(3))
        ));
        assert_eq!(inf.len(l), Len::Known(3));
    }
}
