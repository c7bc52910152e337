//! How the two directions of one proxied connection end together: once one side's end (EOF) has
//! been passed on to the other, the side still open keeps the pair only while it still speaks.
//!
//! A TCP peer that has half-closed and one that has gone entirely look the same (a FIN) until
//! something is written to it, so a proxy that passed every half-close on and waited for both
//! ends would hold both sockets forever behind an upstream that never answers a client that
//! gave up. So after side X's EOF, the other side Y's reader gets a quiet limit: no byte from Y
//! for `half_close_timeout` is taken as Y's end too, and the pair then closes as if Y had
//! closed (HAProxy's `timeout client-fin` / `server-fin`). Every byte Y sends restarts it, so
//! an answer that is still coming is relayed whole.
//!
//! Why no shortcut when X "has nothing pending" (X said nothing since Y last spoke): reads of
//! the two sides race, so Y's answer to X's earlier words can be read after X's last words and
//! before X's EOF, and ending at once then cut the answer to X's last words (the latency
//! round-trip test lost most of its echo that way).

use super::toxics::Flow;
use bytes::BytesMut;
use std::future::{poll_fn, Future as _};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::task::Poll;
use std::time::Duration;
use tokio::net::tcp::ReadHalf;

/// One connection's end state, shared by its two readers. Both readers are polled by one task
/// (the connection's `join!`, which polls every unfinished branch each time it runs), so a flag
/// is enough: a reader sees the other side's end at its next poll, and the reader that ends
/// yields once so that poll comes at once. No waker list, no lock: the relay's cost per read
/// stays that of the read.
#[derive(Debug)]
pub(crate) struct Ends {
    half_close_timeout: Duration,
    /// Per flow: its source has ended (EOF, or taken as ended after the quiet limit).
    source_ended: [AtomicBool; 2],
}

/// What one read of a source gave.
pub(crate) enum Read {
    Data,
    /// The source closed, or stayed quiet past the limit after the other side closed (`quiet`).
    End {
        quiet: bool,
    },
}

impl Ends {
    pub(crate) fn new(half_close_timeout: Duration) -> Self {
        Ends { half_close_timeout, source_ended: Default::default() }
    }

    /// Reads `flow`'s source into `buf`, under the quiet limit once the other flow's source has
    /// ended; records when this source ends.
    pub(crate) async fn read(&self, flow: Flow, source: &mut ReadHalf<'_>, buf: &mut BytesMut) -> io::Result<Read> {
        let other_ended = &self.source_ended[other(flow) as usize];
        let mut quiet_limit: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let n = poll_fn(|cx| {
            if let Poll::Ready(n) = tokio_util::io::poll_read_buf(Pin::new(&mut *source), cx, buf) {
                return Poll::Ready(n.map(Some));
            }
            if quiet_limit.is_none() && other_ended.load(Relaxed) {
                quiet_limit = Some(Box::pin(tokio::time::sleep(self.half_close_timeout)));
            }
            match &mut quiet_limit {
                Some(limit) => limit.as_mut().poll(cx).map(|()| Ok(None)),
                None => Poll::Pending,
            }
        })
        .await?;
        Ok(match n {
            Some(0) | None => {
                self.source_ended[flow as usize].store(true, Relaxed);
                // The other reader may have been polled before this one in this turn of the
                // connection's task: run the task again so it sees this end now.
                tokio::task::yield_now().await;
                Read::End { quiet: n.is_none() }
            }
            Some(_) => Read::Data,
        })
    }
}
fn other(flow: Flow) -> Flow {
    match flow {
        Flow::Up => Flow::Down,
        Flow::Down => Flow::Up,
    }
}
