//! `stall`: the mock stops answering; responses due inside the window go out when it ends (a
//! stop-the-world pause, as in wrk2's coordinated-omission demonstration).

use super::{Protocols, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall;

impl MockFaultKind for Stall {
    const NAME: &'static str = "stall";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Stall)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    /// The hold itself is the behaviour's (`Behaviour::hold_while_stalled`): it waits out every
    /// window of a stall that hit the request, back to back.
    fn role(&self) -> Role {
        Role::Hold
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
