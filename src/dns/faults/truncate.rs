//! `truncate`: over UDP, an empty answer with the TC bit set, so the client must retry over TCP; over TCP, the normal answer.

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Truncate;

impl DnsKind for Truncate {
    const NAME: &'static str = "truncate";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Truncate)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.rewrite(Rewrite::Truncate);
    }
}
