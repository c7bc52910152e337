//! How a layer registers its fault kinds for validation: one [`KindSpec`] per kind, listed in the
//! layer's `KINDS` (generated from its one-line-a-kind registry).

use super::keys::Keys;

/// One fault kind of a layer whose kinds are `K`: its name, the keys it takes besides `kind`,
/// `layer` and its window, and how it reads them.
#[derive(Debug)]
pub struct KindSpec<K: 'static> {
    pub name: &'static str,
    /// The kind's own keys, in the order messages list them.
    pub keys: &'static [&'static str],
    /// The keys every kind of its layer takes (a toxic's `direction`), listed after its own.
    pub layer_keys: &'static [&'static str],
    pub parse: fn(&mut dyn Keys) -> Option<K>,
}
