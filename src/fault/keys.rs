//! How a fault kind reads its own keys from a `[[fault]]` table: typed values with their
//! defaults and limits, every problem reported at its place. Validation implements [`Keys`] (it
//! knows the file and the spans); each kind's `parse` only says what it needs.

use crate::dist::Dist;
use crate::vocabulary::Words;
use std::time::Duration;

/// What a kind needs of one of its keys.
#[derive(Debug, Clone, Copy)]
pub enum Need<T> {
    /// The key must be given; the example goes into the hint of the "missing field" message
    /// (`over = "5s"`).
    Required(&'static str),
    /// The value when the key is left out.
    Default(T),
}

/// A `[[fault]]` table's kind-specific keys, as one kind reads them. Every method reports what
/// is wrong with the key itself (missing, a wrong type, out of its limits) and returns `None`
/// then; a kind that rejects a valid-looking value reports it with [`Keys::invalid`].
pub trait Keys {
    /// Whether the table gives `key`.
    fn given(&self, key: &str) -> bool;

    /// A duration with a unit (`"250ms"`); longer than 0s when `positive`.
    fn duration(&mut self, key: &'static str, positive: bool, need: Need<Duration>) -> Option<Duration>;

    /// A duration (a fixed delay) or a distribution table.
    fn delay(&mut self, key: &'static str, need: Need<Dist>) -> Option<Dist>;

    /// An integer ≥ `min`.
    fn count(&mut self, key: &'static str, min: u64, need: Need<u64>) -> Option<u64>;

    /// An integer the kind checks itself.
    fn integer(&mut self, key: &'static str, need: Need<i64>) -> Option<i64>;

    /// A string the kind checks itself (a DNS name).
    fn text(&mut self, key: &'static str, need: Need<String>) -> Option<String>;

    /// A list of IP addresses, each parsed (`["127.0.0.9", "::1"]`); at least `min` of them.
    fn addresses(
        &mut self,
        key: &'static str,
        min: usize,
        need: Need<Vec<std::net::IpAddr>>,
    ) -> Option<Vec<std::net::IpAddr>>;

    /// One of `words`, as its index (see [`word`] for an enum's own table).
    fn choice(&mut self, key: &'static str, words: &[&'static str], need: Need<usize>) -> Option<usize>;

    /// Reports that `key`'s value is not acceptable to the kind.
    fn invalid(&mut self, key: &'static str, message: String, hint: Option<String>);
}

/// One of the words of `T`'s table, read from `key`.
pub fn word<T: Words>(keys: &mut dyn Keys, key: &'static str, need: Need<T>) -> Option<T> {
    let words: Vec<&'static str> = T::WORDS.iter().map(|(w, _)| *w).collect();
    let need = match need {
        Need::Required(example) => Need::Required(example),
        Need::Default(value) => Need::Default(T::WORDS.iter().position(|(_, v)| *v == value).unwrap_or(0)),
    };
    keys.choice(key, &words, need).map(|i| T::WORDS[i].1)
}

/// The `latency` key of the mock's and the proxy's `latency` kinds: a duration or a
/// distribution, required.
pub fn latency_key(keys: &mut dyn Keys) -> Option<Dist> {
    keys.delay("latency", Need::Required("latency = { dist = \"uniform\", min = \"50ms\", max = \"200ms\" }"))
}
