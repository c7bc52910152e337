//! `refused`: the answer is REFUSED.

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Refused;

impl DnsKind for Refused {
    const NAME: &'static str = "refused";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Refused)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.rewrite(Rewrite::Refused);
    }
}
