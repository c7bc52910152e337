//! `latency`: extra latency drawn per request, added to `[mock].latency`.

use super::{Protocols, MockFaultKind, Request, RequestFaults, Role};
use crate::dist::Dist;
use crate::fault::keys::{latency_key, Keys};
use crate::seeded::Purpose;
use crate::vocabulary::dist_json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Latency(pub Dist);

impl MockFaultKind for Latency {
    const NAME: &'static str = "latency";
    const KEYS: &'static [&'static str] = &["latency"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        latency_key(keys).map(Latency)
    }

    fn normalized(&self) -> Value {
        json!({ "latency": dist_json(&self.0) })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
        out.extra_latency += self.0.sample(&mut request.rng(Purpose::FaultLatency));
        out.hit = true;
    }
}
