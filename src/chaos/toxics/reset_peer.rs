//! `reset_peer`: resets both sides (RST, linger 0) `after` the connection was accepted.

use super::{Pipe, PipeFuture, Stub, Teardown, ToxicKind};
use crate::fault::keys::{Keys, Need};
use crate::timer;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetPeer {
    pub after: Duration,
}

impl ToxicKind for ResetPeer {
    const NAME: &'static str = "reset_peer";
    const KEYS: &'static [&'static str] = &["after"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.duration("after", false, Need::Default(Duration::ZERO)).map(|after| ResetPeer { after })
    }

    fn normalized(&self) -> Value {
        json!({ "after": duration_str(self.after) })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(*self)
    }
}

impl Pipe for ResetPeer {
    /// Forwards data unchanged (and the end of its direction) until the deadline, then resets the
    /// connection, even if this direction has already ended.
    fn pipe(self: Box<Self>, stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let Stub { mut input, output, link, .. } = stub;
            let deadline = timer::after(link.opened(), self.after);
            let forward = async move {
                while let Some(chunk) = input.recv().await {
                    if output.send(chunk).await.is_err() {
                        break;
                    }
                }
                drop(output);
                std::future::pending::<()>().await;
            };
            tokio::select! {
                () = timer::sleep_until(deadline) => link.end(Teardown::RESET),
                () = forward => {}
            }
        })
    }
}
