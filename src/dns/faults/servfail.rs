//! `servfail`: the answer is SERVFAIL (a resolver moves on to its next server).

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Servfail;

impl DnsKind for Servfail {
    const NAME: &'static str = "servfail";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Servfail)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.rewrite(Rewrite::Servfail);
    }
}
