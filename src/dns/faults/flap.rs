//! `flap`: the fault's k-th hit answers the k-th of `answers` in turn, counted per family: A
//! queries take the IPv4 answers in turn, AAAA queries the IPv6 ones (a lookup asks both at
//! once), e.g. a dead address then a live one, as a name moving between hosts. A query whose
//! family has no answer among them gets the stub's usual answer.

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};
use hickory_proto::rr::RecordType;
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
        let fits = |ip: &&IpAddr| match query.rtype {
            RecordType::A => ip.is_ipv4(),
            RecordType::AAAA => ip.is_ipv6(),
            _ => false,
        };
        let family: Vec<&IpAddr> = self.answers.iter().filter(fits).collect();
        if !family.is_empty() {
            let turn = (query.earlier_hits_of_type % family.len() as u64) as usize;
            out.rewrite(Rewrite::Address(*family[turn]));
        }
    }
}
