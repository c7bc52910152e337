//! One slow connection: connect, carry out its kind's [`Script`] until the server ends it or its
//! window does, and count its fate in the cohort's [`Counters`].
//!
//! A connection is one small task: its socket, one timer, an offset into the shared pattern and
//! a stack buffer for what it reads. It waits on the next tick, the socket and the window's end
//! at once (`select!`), so it notices a server's close or reset when it comes, without polling.

use super::kinds::{Script, Tick};
use super::stats::Counters;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;
use tokio::io::{AsyncWriteExt as _, Interest};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a connect may take before it counts as `connect_failed`. A full listen backlog
/// drops SYNs instead of refusing them, so such a connect would otherwise hang for the kernel's
/// SYN retries (over two minutes on Linux); 10 s is what slowhttptest waits too, near enough.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes read at once (slow_read reads `bytes` a tick in pieces of at most this much; the other
/// kinds read and drop what the server sends).
const READ_PIECE: usize = 512;

/// What the cohort's driver needs from a connection that ended (the fate itself is counted in
/// [`Counters`] by the connection).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct End {
    /// Connected → ended, for a connection the server ended (closed or reset).
    pub held_for: Option<Duration>,
    /// The connect failed for want of file descriptors (EMFILE/ENFILE): the driver backs off.
    pub out_of_descriptors: bool,
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Refused,
    ConnectFailed,
    ClosedByServer,
    Reset,
    HeldToEnd,
}

/// Opens one connection to `addr` and runs `script` on it until the server ends it or `window`
/// is cancelled (its window ended, or the run stopped). The caller counted it in `connecting`.
pub(super) async fn run(addr: SocketAddr, script: &Script, counters: &Counters, window: CancellationToken) -> End {
    let stream = tokio::select! {
        biased;
        () = window.cancelled() => None,
        connected = tokio::time::timeout(CONNECT_TIMEOUT, connect(addr, script.receive_buffer)) => Some(connected),
    };
    counters.connecting.fetch_sub(1, Relaxed);
    let stream = match stream {
        // A connect still in progress when the window ended: it never opened, so it failed.
        None | Some(Err(_)) => return Fate::ConnectFailed.count(counters, End::default()),
        Some(Ok(Err(e))) => {
            let refused = e.kind() == io::ErrorKind::ConnectionRefused;
            let fate = if refused { Fate::Refused } else { Fate::ConnectFailed };
            let out_of_descriptors = crate::client::is_fd_exhaustion(&e);
            return fate.count(counters, End { held_for: None, out_of_descriptors });
        }
        Some(Ok(Ok(stream))) => stream,
    };
    let connected = Instant::now();
    counters.opened.fetch_add(1, Relaxed);
    let now = counters.connected.fetch_add(1, Relaxed) + 1;
    counters.peak_connected.fetch_max(now, Relaxed);
    let (fate, answered) = hold(stream, script, &window).await;
    counters.connected.fetch_sub(1, Relaxed);
    let ended_by_server = matches!(fate, Fate::ClosedByServer | Fate::Reset);
    if answered && ended_by_server {
        counters.answered.fetch_add(1, Relaxed);
    }
    let held_for = ended_by_server.then(|| connected.elapsed());
    fate.count(counters, End { held_for, out_of_descriptors: false })
}

impl Fate {
    /// Counts the fate (the one place a connection's fate is counted) and passes `end` on.
    fn count(self, c: &Counters, end: End) -> End {
        let counter = match self {
            Fate::Refused => &c.refused,
            Fate::ConnectFailed => &c.connect_failed,
            Fate::ClosedByServer => &c.closed_by_server,
            Fate::Reset => &c.reset,
            Fate::HeldToEnd => &c.held_to_end,
        };
        counter.fetch_add(1, Relaxed);
        end
    }
}

async fn connect(addr: SocketAddr, receive_buffer: Option<u32>) -> io::Result<TcpStream> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(size) = receive_buffer {
        // Before connect, so the window advertised in the handshake is already small.
        socket.set_recv_buffer_size(size)?;
    }
    let stream = socket.connect(addr).await?;
    // Each tick's few bytes leave at once instead of waiting for the previous tick's ACK.
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// What the socket said between ticks.
enum Heard {
    /// Response bytes (read and dropped).
    Answer,
    /// The server ended the connection.
    End(Fate),
    /// Nothing after all (a spurious wake-up).
    Nothing,
}

/// Carries out the script on a connected stream; the fate, and whether any response byte came.
async fn hold(mut stream: TcpStream, script: &Script, window: &CancellationToken) -> (Fate, bool) {
    let opening = tokio::select! {
        biased;
        () = window.cancelled() => return (Fate::HeldToEnd, false),
        written = stream.write_all(&script.opening) => written,
    };
    if opening.is_err() {
        return (Fate::Reset, false);
    }
    let mut answered = false;
    let mut offset = 0usize;
    let mut left = match &script.tick {
        Tick::Send { total, .. } => *total,
        Tick::Read { .. } => None,
    };
    let mut next = Instant::now() + script.interval;
    let sleep = tokio::time::sleep_until(next);
    tokio::pin!(sleep);
    loop {
        // slow_read leaves the response in the socket between ticks, so readability says
        // nothing; it waits only for an error (a reset). The others read what comes at once.
        let reads_between_ticks = matches!(script.tick, Tick::Send { .. });
        let ticking = left != Some(0);
        tokio::select! {
            biased;
            () = window.cancelled() => return (Fate::HeldToEnd, answered),
            heard = listen(&stream, reads_between_ticks) => match heard {
                Heard::Answer => answered = true,
                Heard::End(fate) => return (fate, answered),
                Heard::Nothing => {}
            },
            () = &mut sleep, if ticking => {
                let done = match &script.tick {
                    Tick::Send { pattern, bytes, .. } => send(&stream, pattern, &mut offset, *bytes, &mut left),
                    Tick::Read { bytes } => read(&stream, *bytes, &mut answered),
                };
                if let Err(fate) = done {
                    return (fate, answered);
                }
                next += script.interval;
                sleep.as_mut().reset(next);
            }
        }
    }
}

/// Waits for the server to say something: response bytes, its close or a reset (with `reads`),
/// or only a socket error (without).
async fn listen(stream: &TcpStream, reads: bool) -> Heard {
    if !reads {
        return match stream.ready(Interest::ERROR).await {
            Ok(ready) if ready.is_error() => Heard::End(Fate::Reset),
            Ok(_) => Heard::Nothing,
            Err(_) => Heard::End(Fate::Reset),
        };
    }
    if stream.readable().await.is_err() {
        return Heard::End(Fate::Reset);
    }
    let mut buf = [0u8; READ_PIECE];
    match stream.try_read(&mut buf) {
        Ok(0) => Heard::End(Fate::ClosedByServer),
        Ok(_) => Heard::Answer,
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Heard::Nothing,
        Err(_) => Heard::End(Fate::Reset),
    }
}

/// One tick of a sending kind: the next `bytes` of `pattern` (from `offset`, wrapping), at most
/// `left` in all; what the socket cannot take now is skipped (the server is not reading).
fn send(
    stream: &TcpStream,
    pattern: &[u8],
    offset: &mut usize,
    bytes: u64,
    left: &mut Option<u64>,
) -> Result<(), Fate> {
    let mut want = left.map_or(bytes, |left| left.min(bytes));
    while want > 0 {
        let piece = &pattern[*offset..];
        let n = piece.len().min(usize::try_from(want).unwrap_or(usize::MAX));
        match stream.try_write(&piece[..n]) {
            Ok(written) => {
                *offset = (*offset + written) % pattern.len();
                want -= written as u64;
                if let Some(left) = left {
                    *left -= written as u64;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // EPIPE, ECONNRESET: the server reset (or closed and then reset) the connection.
            Err(_) => return Err(Fate::Reset),
        }
    }
    Ok(())
}

/// One tick of slow_read: up to `bytes` of the responses, in pieces through a stack buffer.
fn read(stream: &TcpStream, bytes: u64, answered: &mut bool) -> Result<(), Fate> {
    let mut buf = [0u8; READ_PIECE];
    let mut want = bytes;
    while want > 0 {
        let n = buf.len().min(usize::try_from(want).unwrap_or(usize::MAX));
        match stream.try_read(&mut buf[..n]) {
            Ok(0) => return Err(Fate::ClosedByServer),
            Ok(got) => {
                *answered = true;
                want -= got as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(_) => return Err(Fate::Reset),
        }
    }
    Ok(())
}
