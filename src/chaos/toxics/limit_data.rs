//! `limit_data`: forwards the first `bytes` bytes of one direction, then closes the connection.

use super::{Pipe, PipeFuture, Stub, ToxicKind};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitData {
    pub bytes: u64,
}

impl ToxicKind for LimitData {
    const NAME: &'static str = "limit_data";
    const KEYS: &'static [&'static str] = &["bytes"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.count("bytes", 0, Need::Required("bytes = 1000")).map(|bytes| LimitData { bytes })
    }

    fn normalized(&self) -> Value {
        json!({ "bytes": self.bytes })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(*self)
    }
}

impl Pipe for LimitData {
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
