//! `slow_close`: when the source side closes, waits `delay` before closing the destination.

use super::{Pipe, PipeFuture, Stub, ToxicKind};
use crate::fault::keys::{Keys, Need};
use crate::timer;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlowClose {
    pub delay: Duration,
}

impl ToxicKind for SlowClose {
    const NAME: &'static str = "slow_close";
    const KEYS: &'static [&'static str] = &["delay"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.duration("delay", false, Need::Required("delay = \"2s\"")).map(|delay| SlowClose { delay })
    }

    fn normalized(&self) -> Value {
        json!({ "delay": duration_str(self.delay) })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(*self)
    }
}

impl Pipe for SlowClose {
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            stub.forward().await;
            timer::sleep(self.delay).await;
        })
    }
}
