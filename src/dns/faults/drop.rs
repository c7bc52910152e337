//! `drop`: no answer: over UDP nothing is sent; over TCP the query is read and never answered (the connection stays open until the client closes it or the stub stops).

use super::{DnsKind, Effects, Hit, Rewrite};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct NoAnswer;

impl DnsKind for NoAnswer {
    const NAME: &'static str = "drop";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(NoAnswer)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn act(&self, _: &Hit<'_>, out: &mut Effects) {
        out.rewrite(Rewrite::Drop);
    }
}
