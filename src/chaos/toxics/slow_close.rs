//! `slow_close`: when the source side closes, waits `delay` before closing the destination.

use super::{PipeFuture, Stub, Toxic};
use crate::timer;
use std::time::Duration;

pub(crate) struct SlowClose {
    delay: Duration,
}

impl SlowClose {
    pub fn new(delay: Duration) -> Self {
        SlowClose { delay }
    }
}

impl Toxic for SlowClose {
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            stub.forward().await;
            timer::sleep(self.delay).await;
        })
    }
}
