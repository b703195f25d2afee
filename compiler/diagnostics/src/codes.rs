//! Every diagnostic code, one line each: `E0xxx` syntax, `E1xxx` names, `E2xxx` types,
//! `E3xxx` lowering limits, `E4xxx` project and files, `Wxxxx` warnings.

macro_rules! codes {
    ($($name:ident = $sev:ident, $text:literal;)*) => {
        /// A diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($name),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name),*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => stringify!($name)),* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $(Code::$name => $text),* }
            }

            pub fn severity(self) -> crate::Severity {
                match self { $(Code::$name => crate::Severity::$sev),* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }
        }
    };
}

codes! {
    E0001 = Error, "unexpected token";
    E0002 = Error, "unexpected end of file";
    E0003 = Error, "unknown character";
    E0004 = Error, "unterminated block comment";
    E0005 = Error, "unterminated or invalid string literal";
    E0006 = Error, "invalid integer literal";
    E0007 = Error, "unsupported syntax (`return`, `while`, `loop` and the like)";
    E0008 = Error, "comparison operators cannot be chained";
    E0009 = Error, "nesting too deep";

    E1001 = Error, "unknown name";
    E1002 = Error, "unknown type";
    E1003 = Error, "duplicate definition";
    E1004 = Error, "unresolved import or module";
    E1005 = Error, "unknown field";
    E1006 = Error, "unknown enum variant";
    E1007 = Error, "`state` declared more than once";
    E1008 = Error, "`state` used outside a transition or test";
    E1009 = Error, "recursive function calls";
    E1010 = Error, "constant defined in terms of itself";
    E1011 = Error, "`builtin fn` outside the standard library, or unknown builtin";
    E1012 = Error, "recursive type has infinite size";
    E1013 = Error, "chain declares no transitions and no tests";

    E2001 = Error, "mismatched types";
    E2002 = Error, "operator cannot be applied to this type";
    E2003 = Error, "wrong number of arguments";
    E2004 = Error, "assignment to an immutable variable";
    E2005 = Error, "invalid assignment target";
    E2006 = Error, "expression is not a compile-time constant";
    E2007 = Error, "non-exhaustive `match`";
    E2008 = Error, "integer literal out of range for its type";
    E2009 = Error, "constant index out of bounds";
    E2010 = Error, "invalid cast";
    E2011 = Error, "type annotations needed";
    E2012 = Error, "invalid `Map` type or use";
    E2013 = Error, "missing or duplicate struct field";
    E2014 = Error, "no such field on this type";
    E2015 = Error, "value cannot be indexed";
    E2016 = Error, "`assert` needs a condition and a string literal";
    E2017 = Error, "not a function";
    E2018 = Error, "pattern does not match the scrutinee";
    E2019 = Error, "value, type or argument not allowed here";
    E2020 = Error, "function, type or module used as a value";

    E3001 = Error, "too large: instructions after unrolling, or scalars in state or parameters";
    E3002 = Error, "constant arithmetic fails at compile time";
    E3003 = Error, "a builtin's size out of range: `poseidon` takes 1 to 16 inputs, a Merkle path 1 to 64 siblings";
    E3004 = Error, "internal compiler error while lowering a checked program";

    E4001 = Error, "cannot read source file";
    E4002 = Error, "invalid `Stele.toml` manifest";
    E4003 = Error, "chain has no source files";

    W2001 = Warning, "unused variable";
    W2002 = Warning, "unreachable `match` arm";

}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_unique_and_prefixed_by_severity() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            let warning = c.as_str().starts_with('W');
            assert_eq!(warning, c.severity() == crate::Severity::Warning);
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
