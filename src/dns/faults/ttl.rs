//! `ttl`: every answer record gets this TTL instead of its own (`ttl = "0s"`: nothing may be
//! cached), so a caching resolver meets what it would after a record change.

use super::{DnsKind, Effects, Hit};
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Ttl(pub Duration);

impl DnsKind for Ttl {
    const NAME: &'static str = "ttl";
    const KEYS: &'static [&'static str] = &["ttl"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.duration("ttl", false, Need::Required("ttl = \"0s\"")).map(Ttl)
    }

    fn normalized(&self) -> Value {
        json!({ "ttl": duration_str(self.0) })
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.ttl = Some(self.0);
    }
}
