//! `flap`: the fault's k-th hit answers the k-th of `answers` in turn (A or AAAA by the
//! address), e.g. a dead address then a live one, as a name moving between hosts.

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq)]
pub struct Flap {
    /// At least two.
    pub answers: Vec<IpAddr>,
}

impl DnsKind for Flap {
    const NAME: &'static str = "flap";
    const KEYS: &'static [&'static str] = &["answers"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.addresses("answers", 2, Need::Required("answers = [\"127.0.0.9\", \"127.0.0.1\"]"))
            .map(|answers| Flap { answers })
    }

    fn normalized(&self) -> Value {
        let answers: Vec<String> = self.answers.iter().map(ToString::to_string).collect();
        json!({ "answers": answers })
    }

    fn act(&self, query: &Hit<'_>, out: &mut Effects) {
        let turn = (query.earlier_hits % self.answers.len() as u64) as usize;
        out.rewrite(Rewrite::Address(self.answers[turn]));
    }
}
