//! How values are written in scenario vocabulary, for `result.json`'s normalized scenario and
//! for parsing: durations (`"250ms"`, `"none"`), limits (`"unlimited"`), distributions, and the
//! one word table of each enum that scenarios name by a word ([`Words`], [`words!`]).

use crate::dist::Dist;
use serde_json::{json, Value};
use std::time::Duration;

/// An enum that scenarios write as one of a few words (`keep_alive_close = "race"`). Its table is
/// the only place the words are written: parsing looks them up in [`Words::WORDS`], normalizing
/// writes [`Words::word`]. Implemented by [`words!`], whose `match` is exhaustive.
pub trait Words: Copy + PartialEq + 'static {
    /// Every variant with its word, in the order messages list them.
    const WORDS: &'static [(&'static str, Self)];

    fn word(self) -> &'static str;

    /// The variant named `word`.
    fn from_word(word: &str) -> Option<Self> {
        Self::WORDS.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
    }
}

/// Implements [`Words`] for an enum of unit variants: `words!(Direction { Downstream => "downstream", … })`.
macro_rules! words {
    ($ty:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $crate::vocabulary::Words for $ty {
            const WORDS: &'static [(&'static str, Self)] = &[$(($word, $ty::$variant)),+];

            fn word(self) -> &'static str {
                match self {
                    $($ty::$variant => $word),+
                }
            }
        }
    };
}
pub(crate) use words;

/// `"250ms"`, `"2s"`, `"1m 30s"` (humantime's format, which the scenario parser reads back).
pub fn duration_str(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A duration, or `"none"`.
pub fn opt_duration_str(d: Option<Duration>) -> String {
    d.map_or_else(|| "none".to_string(), duration_str)
}

/// A count, or `"unlimited"` for `None` and `usize::MAX`.
pub fn limit_json(n: Option<usize>) -> Value {
    match n {
        Some(n) if n != usize::MAX => json!(n),
        _ => json!("unlimited"),
    }
}

/// A distribution as a scenario writes it: `{ "dist": "uniform", "min": "1ms", "max": "5ms" }`.
pub fn dist_json(d: &Dist) -> Value {
    match d {
        Dist::Fixed(value) => json!({ "dist": "fixed", "value": duration_str(*value) }),
        Dist::Uniform { min, max } => {
            json!({ "dist": "uniform", "min": duration_str(*min), "max": duration_str(*max) })
        }
        Dist::Normal { mean, stddev } => {
            json!({ "dist": "normal", "mean": duration_str(*mean), "stddev": duration_str(*stddev) })
        }
        Dist::LogNormal { median, sigma } => {
            json!({ "dist": "lognormal", "median": duration_str(*median), "sigma": sigma })
        }
    }
}
