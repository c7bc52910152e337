//! `nxdomain`: the answer is NXDOMAIN, with the SOA of `negative_ttl`, even for a name the stub knows.

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Nxdomain;

impl DnsKind for Nxdomain {
    const NAME: &'static str = "nxdomain";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Nxdomain)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.rewrite(Rewrite::Nxdomain);
    }
}
