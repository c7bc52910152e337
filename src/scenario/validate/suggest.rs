//! "Did you mean" hints: the closest valid name by edit distance, else the list of valid names.

pub(super) fn quoted_list<'c>(candidates: impl Iterator<Item = &'c str>) -> String {
    candidates.map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// `did you mean "x"?` for the closest candidate, else the list of valid ones (`None` if empty).
pub(super) fn suggestion<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if candidates.is_empty() {
        return None;
    }
    did_you_mean(word, candidates.iter().copied())
        .or_else(|| Some(format!("expected one of {}", quoted_list(candidates.into_iter()))))
}

/// `did you mean "x"?` when some candidate is a few edits away: at most 2, or a third of the
/// word's length for long words, and fewer than the word has characters.
pub(super) fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    let (distance, closest) =
        candidates.into_iter().map(|c| (strsim::levenshtein(word, c), c)).min_by_key(|(d, _)| *d)?;
    let len = word.chars().count();
    (distance <= (len / 3).max(2) && distance < len).then(|| format!("did you mean \"{closest}\"?"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::validate;
    use super::*;
    use crate::scenario::Overrides;
    use std::path::Path;

    #[test]
    fn diagnostics_display_with_hints() {
        let diags = validate(&client("pool_idle_timout = \"1s\""), Path::new("dir/s.toml"), &Overrides::default())
            .expect_err("invalid");
        assert_eq!(
            diags.to_string(),
            "dir/s.toml:9:1: client[0]: unknown field \"pool_idle_timout\"\n  hint: did you mean \"pool_idle_timeout\"?"
        );
        assert_eq!(strsim::levenshtein("kitten", "sitting"), 3);
        assert_eq!(strsim::levenshtein("", "abc"), 3);
        assert_eq!(strsim::levenshtein("µs", "us"), 1);
        assert_eq!(did_you_mean("xyz", ["name", "seed"]), None);
    }
}
