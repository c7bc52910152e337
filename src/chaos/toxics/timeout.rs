//! `timeout`: stops every byte of its direction and closes the connection (FIN) `after` it was
//! accepted, as toxiproxy's toxic of that name: a peer that went quiet and then gave up.

use super::{Pipe, PipeFuture, Stub, Teardown, ToxicKind};
use crate::fault::keys::{Keys, Need};
use crate::timer;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    pub after: Duration,
}

impl ToxicKind for Timeout {
    const NAME: &'static str = "timeout";
    const KEYS: &'static [&'static str] = &["after"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.duration("after", true, Need::Required("after = \"5s\"")).map(|after| Timeout { after })
    }

    fn normalized(&self) -> Value {
        json!({ "after": duration_str(self.after) })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(*self)
    }
}

impl Pipe for Timeout {
    /// Swallows every chunk until the deadline, then closes both sides; a source that closes
    /// first ends the direction as without the toxic (like `blackhole`).
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let deadline = timer::after(stub.link.opened(), self.after);
            let link = std::sync::Arc::clone(&stub.link);
            tokio::select! {
                () = timer::sleep_until(deadline) => link.end(Teardown::CLOSE),
                () = async { while stub.recv().await.is_some() {} } => {}
            }
        })
    }
}
