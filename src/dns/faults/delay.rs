//! `delay`: the answer is sent that much later (a duration or a distribution, drawn per query);
//! composes with every other kind (a delayed SERVFAIL).

use super::{DnsKind, Effects, Hit};
use crate::dist::Dist;
use crate::fault::keys::{Keys, Need};
use crate::seeded::Purpose;
use crate::vocabulary::dist_json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Delay(pub Dist);

impl DnsKind for Delay {
    const NAME: &'static str = "delay";
    const KEYS: &'static [&'static str] = &["delay"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.delay("delay", Need::Required("delay = \"2s\"")).map(Delay)
    }

    fn normalized(&self) -> Value {
        json!({ "delay": dist_json(&self.0) })
    }

    fn act(&self, query: &Hit<'_>, out: &mut Effects) {
        out.delay += self.0.sample(&mut query.rng(Purpose::DnsDelay));
    }
}
