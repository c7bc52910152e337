//! DNS names as scenarios write them (`upstream.test`, `*.example.test` in a fault), checked
//! with hickory-proto's name parser and kept lowercase without the trailing dot.

use hickory_proto::rr::Name;

/// `text` as a DNS name: lowercase, without its trailing dot, and the wire form (fully
/// qualified). An error says what is wrong, for the diagnostic.
pub fn parse_name(text: &str) -> Result<(String, Name), String> {
    let lower = text.trim_end_matches('.').to_ascii_lowercase();
    if lower.is_empty() {
        return Err("a name needs at least one label".into());
    }
    if !lower.is_ascii() {
        return Err(format!("\"{text}\" is not ASCII: write an internationalized name in its xn-- form"));
    }
    if let Some(c) = lower.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')) {
        return Err(format!("\"{text}\" has '{c}': a name has letters, digits, '-', '_' and dots"));
    }
    if lower.split('.').any(str::is_empty) {
        return Err(format!("\"{text}\" has an empty label (two dots in a row, or a leading dot)"));
    }
    match Name::from_ascii(format!("{lower}.")) {
        Ok(name) => Ok((lower, name)),
        Err(e) => Err(format!("\"{text}\" is not a DNS name: {e}")),
    }
}

/// Which names a dns fault acts on: one name, or every name under a domain (`*.example.test`,
/// not `example.test` itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamePattern {
    Exact(Name),
    Under(Name),
}

impl NamePattern {
    /// `name` or `*.domain`, lowercase; the error for the diagnostic.
    pub fn parse(text: &str) -> Result<NamePattern, String> {
        match text.strip_prefix("*.") {
            Some(domain) => parse_name(domain).map(|(_, name)| NamePattern::Under(name)),
            None if text.contains('*') => {
                Err(format!("\"{text}\": '*' is allowed only as the first label (\"*.example.test\")"))
            }
            None => parse_name(text).map(|(_, name)| NamePattern::Exact(name)),
        }
    }

    /// Whether the pattern takes `name` (compared without regard to case, as DNS does).
    pub fn matches(&self, name: &Name) -> bool {
        match self {
            NamePattern::Exact(exact) => exact == name,
            NamePattern::Under(domain) => name.num_labels() > domain.num_labels() && domain.zone_of(name),
        }
    }

    /// As scenarios write it.
    pub fn text(&self) -> String {
        let plain = |name: &Name| name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
        match self {
            NamePattern::Exact(name) => plain(name),
            NamePattern::Under(name) => format!("*.{}", plain(name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_patterns_match_by_label() {
        assert_eq!(parse_name("Upstream.TEST.").unwrap().0, "upstream.test");
        for bad in ["", ".", "a..b", "a b", "é.test", &format!("{}.test", "x".repeat(64))] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
        let wire = |s: &str| Name::from_ascii(s).unwrap();
        let under = NamePattern::parse("*.example.test").unwrap();
        assert!(under.matches(&wire("a.example.test.")) && under.matches(&wire("B.a.Example.test.")));
        assert!(!under.matches(&wire("example.test.")) && !under.matches(&wire("badexample.test.")));
        let exact = NamePattern::parse("Up.test").unwrap();
        assert!(exact.matches(&wire("up.TEST.")) && !exact.matches(&wire("a.up.test.")));
        assert_eq!((under.text(), exact.text()), ("*.example.test".to_string(), "up.test".to_string()));
        assert!(NamePattern::parse("a.*.test").is_err() && NamePattern::parse("*").is_err());
    }
}
