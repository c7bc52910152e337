//! `limit_data`: forwards the first `bytes` bytes of one direction, then closes the connection.

use super::{PipeFuture, Stub, Toxic};

pub(crate) struct LimitData {
    bytes: u64,
}

impl LimitData {
    pub fn new(bytes: u64) -> Self {
        LimitData { bytes }
    }
}

impl Toxic for LimitData {
    /// The chunk that crosses the limit is cut. Then the direction ends and, once the writer has
    /// delivered those bytes, both sides are closed (FIN). A source that ends before the limit
    /// just ends its direction, as without the toxic.
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let mut left = self.bytes;
            while left > 0 {
                let Some(mut chunk) = stub.recv().await else { return };
                if chunk.data.len() as u64 > left {
                    chunk.data.truncate(left as usize);
                }
                left -= chunk.data.len() as u64;
                if !stub.send(chunk).await {
                    return;
                }
            }
            stub.link.close_at_eof(stub.flow);
        })
    }
}
