//! The client's failures as the bounded error kinds: each classified once, where it happens
//! (connecting, a hyper exchange, a body), never by message.

use crate::record::ErrorKind;

/// EMFILE (this process's limit) or ENFILE (the system's): a failure of chaosload's own
/// resources, not of the target.
pub(crate) fn is_fd_exhaustion(e: &std::io::Error) -> bool {
    use nix::errno::Errno;
    matches!(e.raw_os_error(), Some(code) if code == Errno::EMFILE as i32 || code == Errno::ENFILE as i32)
}

pub(super) fn classify_connect(e: &std::io::Error) -> ErrorKind {
    use std::io::ErrorKind as Io;
    if is_fd_exhaustion(e) {
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

/// What an HTTP/2 stream error under a hyper error says happened: the stream refused
/// unprocessed (RST_STREAM REFUSED_STREAM, or past a graceful GOAWAY's last-stream id: h2 fails
/// those streams with the GOAWAY's NO_ERROR), reset otherwise, or the connection ended by a
/// GOAWAY with an error code. `None` for anything else (an I/O error, hyper's own).
pub(super) fn h2_cause(e: &hyper::Error) -> Option<ErrorKind> {
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        if let Some(h2) = err.downcast_ref::<h2::Error>() {
            // The client's own resets (a header list past its cap) are not the server's doing.
            if !h2.is_remote() {
                return None;
            }
            let reason = h2.reason()?;
            return match (h2.is_go_away(), h2.is_reset(), reason) {
                (true, _, h2::Reason::NO_ERROR) | (_, true, h2::Reason::REFUSED_STREAM) => {
                    Some(ErrorKind::RefusedStream)
                }
                (true, _, _) => Some(ErrorKind::Goaway),
                (false, true, _) => Some(ErrorKind::StreamReset),
                (false, false, _) => None,
            };
        }
        source = err.source();
    }
    None
}

pub(super) fn classify_hyper(e: &hyper::Error) -> ErrorKind {
    if let Some(kind) = h2_cause(e) {
        return kind;
    }
    if e.is_timeout() {
        // hyper's only timer here: the HTTP/2 keep-alive PING's (`h2_keepalive_timeout`).
        return ErrorKind::PingTimeout;
    }
    if e.is_canceled() && io_cause(e).is_none() {
        // Queued in hyper's HTTP/2 dispatcher when the connection went away (a GOAWAY came
        // first): never sent, so never processed.
        return ErrorKind::RefusedStream;
    }
    match io_cause(e) {
        Some(kind) if is_reset(kind) => ErrorKind::Reset,
        Some(std::io::ErrorKind::UnexpectedEof) => ErrorKind::ClosedBeforeResponse,
        _ if e.is_incomplete_message() || e.is_canceled() || e.is_closed() => ErrorKind::ClosedBeforeResponse,
        _ => ErrorKind::Protocol,
    }
}

pub(super) fn classify_body(e: &hyper::Error) -> ErrorKind {
    if let Some(kind) = h2_cause(e) {
        return kind;
    }
    if e.is_timeout() {
        return ErrorKind::PingTimeout;
    }
    match io_cause(e) {
        Some(kind) if is_reset(kind) => ErrorKind::Reset,
        _ => ErrorKind::BodyError,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_emfile_and_enfile_are_fd_exhaustion() {
        use nix::errno::Errno;
        assert!(is_fd_exhaustion(&std::io::Error::from_raw_os_error(Errno::EMFILE as i32)));
        assert!(is_fd_exhaustion(&std::io::Error::from_raw_os_error(Errno::ENFILE as i32)));
        assert!(!is_fd_exhaustion(&std::io::Error::from_raw_os_error(Errno::ECONNREFUSED as i32)));
        assert!(!is_fd_exhaustion(&std::io::Error::other("too many open files")));
    }
}
