//! "did you mean" suggestions: the closest candidate by edit distance, if close enough.

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `name` within a third of its length (at least one edit, none for
/// names of one or two characters); a candidate differing only in case always qualifies.
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    let len = name.chars().count();
    let limit = if len <= 2 { 0 } else { (len / 3).max(1) };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(name) {
            0
        } else {
            distance(name, c)
        };
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// `d` with a `did you mean` help when a candidate is close to `name`.
pub fn with_suggestion<'c>(
    d: stele_diagnostics::Diagnostic,
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> stele_diagnostics::Diagnostic {
    match suggest(name, candidates) {
        Some(h) => d.with_help(format!("did you mean `{h}`?")),
        None => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("balanse", ["balance", "nonce"]),
            Some("balance".to_string())
        );
        assert_eq!(suggest("x", ["y", "xs"]), None);
        assert_eq!(
            suggest("amout", ["amount", "x"]),
            Some("amount".to_string())
        );
        assert_eq!(suggest("account", ["Account"]), Some("Account".to_string()));
        assert_eq!(suggest("foo", ["completely", "other"]), None);
    }
}
