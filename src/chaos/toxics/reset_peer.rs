//! `reset_peer`: resets both sides (RST, linger 0) `after` the connection was accepted.

use super::{PipeFuture, Stub, Teardown, Toxic};
use crate::timer;
use std::time::Duration;

pub(crate) struct ResetPeer {
    after: Duration,
}

impl ResetPeer {
    pub fn new(after: Duration) -> Self {
        ResetPeer { after }
    }
}

impl Toxic for ResetPeer {
    /// Forwards data unchanged (and the end of its direction) until the deadline, then resets the
    /// connection, even if this direction has already ended.
    fn pipe(self: Box<Self>, stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let Stub { mut input, output, link, .. } = stub;
            let deadline = link.opened() + self.after;
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
