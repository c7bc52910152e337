//! The client's failures as the bounded error kinds: each classified once, where it happens
//! (connecting, a hyper exchange, a body), never by message.

use crate::record::ErrorKind;

pub(super) fn classify_connect(e: &std::io::Error) -> ErrorKind {
    use std::io::ErrorKind as Io;
    if crate::resources::is_fd_exhaustion(e) {
        // No socket could even be made: chaosload's own limit, not the target's failure.
        return ErrorKind::FdExhausted;
    }
    match e.kind() {
        Io::ConnectionRefused => ErrorKind::ConnectRefused,
        Io::TimedOut => ErrorKind::ConnectTimeout,
        Io::ConnectionReset => ErrorKind::Reset,
        _ => ErrorKind::ConnectError,
    }
}

/// The io error under a hyper error, if any.
pub(super) fn io_cause(e: &hyper::Error) -> Option<std::io::ErrorKind> {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = err.source();
    }
    None
}

pub(super) fn is_reset(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind as Io;
    matches!(kind, Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe)
}

pub(super) fn classify_hyper(e: &hyper::Error) -> ErrorKind {
    match io_cause(e) {
        Some(kind) if is_reset(kind) => ErrorKind::Reset,
        Some(std::io::ErrorKind::UnexpectedEof) => ErrorKind::ClosedBeforeResponse,
        _ if e.is_incomplete_message() || e.is_canceled() || e.is_closed() => ErrorKind::ClosedBeforeResponse,
        _ => ErrorKind::Protocol,
    }
}

pub(super) fn classify_body(e: &hyper::Error) -> ErrorKind {
    match io_cause(e) {
        Some(kind) if is_reset(kind) => ErrorKind::Reset,
        _ => ErrorKind::BodyError,
    }
}
