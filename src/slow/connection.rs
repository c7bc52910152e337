//! The slow connections of the cohort thread: a slab of small slots (a non-blocking socket
//! registered with the thread's `mio::Poll`, its phase and a few counters), each carrying out its
//! kind's [`Script`], and the one place a connection's fate is counted in its cohort's
//! [`Counters`].
//!
//! A slot holds no timer and no buffer: its tick and connect deadlines are entries in its
//! cohort's [`Deadlines`](super::deadlines::Deadlines), checked against the slot's generation, and
//! reads go through a stack buffer. Its socket is registered edge-triggered, so the server's
//! close (EPOLLRDHUP), its answers (readable) and a reset (error) wake the thread when they come,
//! without polling.

use super::deadlines::Nanos;
use super::kinds::{Script, Tick};
use super::stats::Counters;
use mio::net::TcpStream;
use mio::{event::Event, Interest, Registry, Token};
use socket2::{Domain, Protocol, Socket, Type};
use std::io::{self, Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// How long a connect may take before it counts as `connect_failed`. A full listen backlog
/// drops SYNs instead of refusing them, so such a connect would otherwise hang for the kernel's
/// SYN retries (over two minutes on Linux); 10 s is what slowhttptest waits too, near enough.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Bytes read at once (slow_read reads `bytes` a tick in pieces of at most this much; the other
/// kinds read and drop what the server sends).
const READ_PIECE: usize = 512;

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    Refused,
    ConnectFailed,
    ClosedByServer,
    Reset,
    HeldToEnd,
}

impl Fate {
    /// A connect's failure: refused (nothing listening, or a full backlog answered with RST) or
    /// failed otherwise.
    fn of_connect(e: &io::Error) -> Fate {
        if e.kind() == io::ErrorKind::ConnectionRefused {
            Fate::Refused
        } else {
            Fate::ConnectFailed
        }
    }

    /// Counts the fate (the one place a connection's fate is counted).
    fn count(self, c: &Counters) {
        let counter = match self {
            Fate::Refused => &c.refused,
            Fate::ConnectFailed => &c.connect_failed,
            Fate::ClosedByServer => &c.closed_by_server,
            Fate::Reset => &c.reset,
            Fate::HeldToEnd => &c.held_to_end,
        };
        counter.fetch_add(1, Relaxed);
    }
}

/// What the cohort needs from a connection that ended (its fate is already counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct End {
    /// Connected → ended, for a connection the server ended (closed or reset).
    pub held_for: Option<Duration>,
    /// The connect failed for want of file descriptors (EMFILE/ENFILE): the cohort backs off.
    pub out_of_descriptors: bool,
}

/// What a socket event, or a tick, did to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// Nothing the cohort must act on.
    Nothing,
    /// The opening is written: the first tick falls due an `interval` from now.
    Ticking,
    /// The tick was carried out; the next one falls due an `interval` after it.
    TickAgain,
    /// The connection ended (its slot is free again).
    Ended(End),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The connect is in progress.
    Connecting,
    /// Connected; the script's opening is not all written yet (`offset` bytes are).
    Opening,
    /// The opening is written; ticks carry out the script (`offset` into its pattern).
    Holding,
}

/// One connection (32 bytes): what it is doing and how far it got. A free slot has no socket.
#[derive(Debug)]
struct Slot {
    stream: Option<TcpStream>,
    /// Bumped each time the slot frees, so deadlines of an earlier occupant are told apart.
    generation: u32,
    /// Where the script is: bytes of the opening written, or the offset into the pattern.
    offset: u32,
    /// When the connect began (connecting), or when it completed (since then).
    since: Nanos,
    /// Bytes a sending kind may still send (`Tick::Send::total`); unused without a total.
    left: u64,
    /// The cohort's index in the thread's list.
    cohort: u16,
    phase: Phase,
    /// A response byte came.
    answered: bool,
}

// What a held connection costs the thread besides the kernel's socket (debug builds add mio's
// selector id to the stream).
#[cfg(not(debug_assertions))]
const _: () = assert!(std::mem::size_of::<Slot>() <= 32);

/// The connections of every cohort of the thread; a slot's index is its `mio::Token`.
#[derive(Debug, Default)]
pub(super) struct Slab {
    slots: Vec<Slot>,
    free: Vec<u32>,
}

/// A slot's place and occupant: what a deadline names.
pub(super) type SlotId = (u32, u32);

impl Slab {
    /// Room for `connections` slots (allocated, touched only as connections come).
    pub fn with_capacity(connections: usize) -> Slab {
        Slab { slots: Vec::with_capacity(connections), free: Vec::new() }
    }

    /// The generation of the slot's occupant.
    pub fn generation(&self, slot: u32) -> u32 {
        self.slots[slot as usize].generation
    }

    /// The cohort of the connection at `slot`, unless the slot is free.
    pub fn cohort_of(&self, slot: usize) -> Option<usize> {
        self.slots.get(slot).filter(|s| s.stream.is_some()).map(|s| usize::from(s.cohort))
    }

    /// Begins a connect to `addr` for cohort `cohort` (counted in `attempts` and `connecting`):
    /// the slot to await it in, or how it ended at once (refused, out of descriptors).
    pub fn open(
        &mut self,
        registry: &Registry,
        addr: SocketAddr,
        cohort: u16,
        script: &Script,
        counters: &Counters,
        now: Nanos,
    ) -> Result<SlotId, End> {
        counters.attempts.fetch_add(1, Relaxed);
        counters.connecting.fetch_add(1, Relaxed);
        let failed = |e: io::Error| {
            counters.connecting.fetch_sub(1, Relaxed);
            Fate::of_connect(&e).count(counters);
            End { held_for: None, out_of_descriptors: crate::client::is_fd_exhaustion(&e) }
        };
        let mut stream = connect(addr, script.receive_buffer).map_err(failed)?;
        let index = match self.free.last() {
            Some(&index) => index,
            None => u32::try_from(self.slots.len()).map_err(|_| failed(io::ErrorKind::OutOfMemory.into()))?,
        };
        // Writable: the connect's end. The sending kinds also read what comes between ticks (and
        // so hear a close); slow_read leaves the response unread, so only an error (a reset,
        // always reported) wakes it.
        let interest = match script.tick {
            Tick::Send { .. } => Interest::WRITABLE | Interest::READABLE,
            Tick::Read { .. } => Interest::WRITABLE,
        };
        registry.register(&mut stream, Token(index as usize), interest).map_err(failed)?;
        let left = match script.tick {
            Tick::Send { total, .. } => total.unwrap_or(0),
            Tick::Read { .. } => 0,
        };
        let slot = Slot {
            stream: Some(stream),
            generation: self.slots.get(index as usize).map_or(0, |s| s.generation),
            offset: 0,
            since: now,
            left,
            cohort,
            phase: Phase::Connecting,
            answered: false,
        };
        if self.free.pop().is_none() {
            self.slots.push(slot);
        } else {
            self.slots[index as usize] = slot;
        }
        Ok((index, self.slots[index as usize].generation))
    }

    /// A socket event for `slot` (which holds a connection).
    pub fn on_event(
        &mut self,
        registry: &Registry,
        slot: usize,
        event: &Event,
        script: &Script,
        counters: &Counters,
        now: Nanos,
    ) -> Step {
        let s = &mut self.slots[slot];
        let Some(stream) = &s.stream else { return Step::Nothing };
        if s.phase == Phase::Connecting {
            match connected(stream) {
                Ok(false) => return Step::Nothing,
                Ok(true) => {
                    counters.connecting.fetch_sub(1, Relaxed);
                    counters.opened.fetch_add(1, Relaxed);
                    let now_open = counters.connected.fetch_add(1, Relaxed) + 1;
                    counters.peak_connected.fetch_max(now_open, Relaxed);
                    (s.phase, s.since) = (Phase::Opening, now);
                }
                Err(e) => return Step::Ended(self.end(registry, slot, Fate::of_connect(&e), counters, now)),
            }
        }
        // The same event may already say the server answered or closed (edge-triggered: it
        // would not be said again), so a sending kind reads before it writes the opening.
        let heard = match script.tick {
            Tick::Send { .. } => listen(stream, &mut s.answered),
            Tick::Read { .. } if event.is_error() => Err(Fate::Reset),
            Tick::Read { .. } => Ok(()),
        };
        let step = heard.and_then(|()| match s.phase {
            Phase::Opening => write_opening(s, &script.opening),
            Phase::Connecting | Phase::Holding => Ok(Step::Nothing),
        });
        match step {
            Ok(step) => step,
            Err(fate) => Step::Ended(self.end(registry, slot, fate, counters, now)),
        }
    }

    /// A tick fell due for `id`: carries it out, unless the slot's occupant is another now.
    pub fn tick(&mut self, registry: &Registry, id: SlotId, script: &Script, counters: &Counters, now: Nanos) -> Step {
        let (slot, generation) = (id.0 as usize, id.1);
        let Some(s) = self.slots.get_mut(slot).filter(|s| s.generation == generation && s.phase == Phase::Holding)
        else {
            return Step::Nothing;
        };
        let Some(stream) = &s.stream else { return Step::Nothing };
        let done = match &script.tick {
            Tick::Send { pattern, bytes, total } => {
                send(stream, pattern, &mut s.offset, *bytes, total.map(|_| &mut s.left))
            }
            Tick::Read { bytes } => read(stream, *bytes, &mut s.answered),
        };
        match done {
            Ok(more) if more => Step::TickAgain,
            Ok(_) => Step::Nothing,
            Err(fate) => Step::Ended(self.end(registry, slot, fate, counters, now)),
        }
    }

    /// A connect timeout fell due for `id`: a connect still in progress has failed.
    pub fn expire(&mut self, registry: &Registry, id: SlotId, counters: &Counters, now: Nanos) -> Option<End> {
        let (slot, generation) = (id.0 as usize, id.1);
        let s = self.slots.get(slot)?;
        (s.generation == generation && s.stream.is_some() && s.phase == Phase::Connecting)
            .then(|| self.end(registry, slot, Fate::ConnectFailed, counters, now))
    }

    /// Ends every connection of `cohort` (its window ended, or the run stopped): the open ones
    /// were held to the end, connects in progress never opened, so they failed.
    pub fn close_cohort(&mut self, registry: &Registry, cohort: u16, counters: &Counters, now: Nanos) {
        for slot in 0..self.slots.len() {
            let s = &self.slots[slot];
            if s.stream.is_some() && s.cohort == cohort {
                let fate = if s.phase == Phase::Connecting { Fate::ConnectFailed } else { Fate::HeldToEnd };
                self.end(registry, slot, fate, counters, now);
            }
        }
    }

    /// Ends the connection at `slot` with `fate`: counts it, closes the socket, frees the slot.
    fn end(&mut self, registry: &Registry, slot: usize, fate: Fate, counters: &Counters, now: Nanos) -> End {
        let s = &mut self.slots[slot];
        if let Some(mut stream) = s.stream.take() {
            let _ = registry.deregister(&mut stream);
        }
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot as u32);
        let ended_by_server = matches!(fate, Fate::ClosedByServer | Fate::Reset);
        if s.phase == Phase::Connecting {
            counters.connecting.fetch_sub(1, Relaxed);
        } else {
            counters.connected.fetch_sub(1, Relaxed);
            if s.answered && ended_by_server {
                counters.answered.fetch_add(1, Relaxed);
            }
        }
        fate.count(counters);
        let held_for = (ended_by_server && s.phase != Phase::Connecting).then(|| Duration::from_nanos(now - s.since));
        End { held_for, out_of_descriptors: false }
    }
}

/// A non-blocking socket whose connect to `addr` has begun (`SO_RCVBUF` set first, if given).
fn connect(addr: SocketAddr, receive_buffer: Option<u32>) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    if let Some(size) = receive_buffer {
        // Before connect, so the window advertised in the handshake is already small.
        socket.set_recv_buffer_size(size as usize)?;
    }
    // Each tick's few bytes leave at once instead of waiting for the previous tick's ACK.
    socket.set_tcp_nodelay(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(nix::libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(TcpStream::from_std(socket.into()))
}

/// Whether a connect in progress has completed (`false`: not yet, a spurious wake-up).
fn connected(stream: &TcpStream) -> io::Result<bool> {
    if let Some(e) = stream.take_error()? {
        return Err(e);
    }
    match stream.peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes what the socket takes of the rest of the opening; once it is all written the slot
/// holds, and its ticks begin.
fn write_opening(s: &mut Slot, opening: &[u8]) -> Result<Step, Fate> {
    let Some(stream) = &s.stream else { return Ok(Step::Nothing) };
    let mut stream = stream;
    while (s.offset as usize) < opening.len() {
        match stream.write(&opening[s.offset as usize..]) {
            Ok(written) => s.offset += written as u32,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Step::Nothing),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Fate::Reset),
        }
    }
    (s.phase, s.offset) = (Phase::Holding, 0);
    Ok(Step::Ticking)
}

/// Reads and drops what the server sent (to the end: the socket is edge-triggered); its close
/// or a reset ends the connection.
fn listen(mut stream: &TcpStream, answered: &mut bool) -> Result<(), Fate> {
    let mut buf = [0u8; READ_PIECE];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Err(Fate::ClosedByServer),
            Ok(_) => *answered = true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Fate::Reset),
        }
    }
}

/// One tick of a sending kind: the next `bytes` of `pattern` (from `offset`, wrapping), at most
/// `left` in all; what the socket cannot take now is skipped (the server is not reading).
/// Whether there is more to send.
fn send(
    mut stream: &TcpStream,
    pattern: &[u8],
    offset: &mut u32,
    bytes: u64,
    mut left: Option<&mut u64>,
) -> Result<bool, Fate> {
    let mut want = left.as_deref().map_or(bytes, |left| (*left).min(bytes));
    while want > 0 {
        let piece = &pattern[*offset as usize..];
        let n = piece.len().min(usize::try_from(want).unwrap_or(usize::MAX));
        match stream.write(&piece[..n]) {
            Ok(written) => {
                *offset = ((*offset as usize + written) % pattern.len()) as u32;
                want -= written as u64;
                if let Some(left) = left.as_deref_mut() {
                    *left -= written as u64;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // EPIPE, ECONNRESET: the server reset (or closed and then reset) the connection.
            Err(_) => return Err(Fate::Reset),
        }
    }
    Ok(left.is_none_or(|left| *left > 0))
}

/// One tick of slow_read: up to `bytes` of the responses, in pieces through a stack buffer.
/// Always more to read.
fn read(mut stream: &TcpStream, bytes: u64, answered: &mut bool) -> Result<bool, Fate> {
    let mut buf = [0u8; READ_PIECE];
    let mut want = bytes;
    while want > 0 {
        let n = buf.len().min(usize::try_from(want).unwrap_or(usize::MAX));
        match stream.read(&mut buf[..n]) {
            Ok(0) => return Err(Fate::ClosedByServer),
            Ok(got) => {
                *answered = true;
                want -= got as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(Fate::Reset),
        }
    }
    Ok(true)
}
