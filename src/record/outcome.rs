//! The bounded set of ways a request can end: errors are classified here once, never counted by message.

use std::fmt;

/// Why a request failed. `HttpStatus` codes are bounded (100–599), so counts stay bounded too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// No answer from any nameserver within the resolver's timeouts and attempts.
    DnsTimeout,
    /// The lookup failed otherwise: SERVFAIL or REFUSED from every nameserver, an answer that
    /// could not be used, a failed TCP retry.
    DnsError,
    /// The name does not exist (NXDOMAIN) or has no address ("no such host").
    DnsNxdomain,
    ConnectRefused,
    ConnectTimeout,
    /// Any other failure to open a connection (unreachable, address in use…).
    ConnectError,
    /// The process or the system ran out of file descriptors (EMFILE, ENFILE): chaosload's own
    /// limit, not the target's doing, so never folded into `ConnectError`.
    FdExhausted,
    /// The peer reset the connection (ECONNRESET, EPIPE).
    Reset,
    /// The connection closed (EOF) before a complete response arrived.
    ClosedBeforeResponse,
    /// The client's own request timeout fired.
    RequestTimeout,
    /// The client's response-header or read timeout fired: the response (or its next byte) did
    /// not come in time.
    ReadTimeout,
    /// The TLS handshake did not finish within the configuration's `tls_handshake_timeout`.
    TlsHandshakeTimeout,
    /// The server's certificate was refused: untrusted, for another name, expired.
    TlsCert,
    /// Any other TLS failure: an alert, no agreed ALPN protocol, a peer that closed during the
    /// handshake, a body cut off by a close without TLS's close_notify.
    TlsError,
    /// HTTP/2: the server refused the stream unprocessed — RST_STREAM REFUSED_STREAM, or a
    /// graceful GOAWAY (NO_ERROR) whose last-stream id it was past: safe to send again.
    RefusedStream,
    /// HTTP/2: the server reset the stream (RST_STREAM) with any other error code.
    StreamReset,
    /// HTTP/2: the server ended the connection with a GOAWAY carrying an error code.
    Goaway,
    /// HTTP/2: a keep-alive PING went unanswered for `h2_keepalive_timeout`; the client closed
    /// the connection.
    PingTimeout,
    /// The response started but its body failed.
    BodyError,
    /// The response could not be parsed.
    Protocol,
    /// The response's head or body went past the configuration's `max_response_header_bytes` or
    /// `max_response_body_bytes`; the connection is closed.
    ResponseTooLarge,
    /// An arrival beyond `max_in_flight`: never sent.
    Overflow,
    /// Still in flight when the drain period ended; cancelled.
    Unfinished,
    /// A response with a 4xx or 5xx status.
    HttpStatus(u16),
}

impl ErrorKind {
    /// Every kind except `HttpStatus`, in report order.
    pub const TRANSPORT: [ErrorKind; 23] = [
        ErrorKind::DnsTimeout,
        ErrorKind::DnsError,
        ErrorKind::DnsNxdomain,
        ErrorKind::ConnectRefused,
        ErrorKind::ConnectTimeout,
        ErrorKind::ConnectError,
        ErrorKind::FdExhausted,
        ErrorKind::Reset,
        ErrorKind::ClosedBeforeResponse,
        ErrorKind::RequestTimeout,
        ErrorKind::ReadTimeout,
        ErrorKind::TlsHandshakeTimeout,
        ErrorKind::TlsCert,
        ErrorKind::TlsError,
        ErrorKind::RefusedStream,
        ErrorKind::StreamReset,
        ErrorKind::Goaway,
        ErrorKind::PingTimeout,
        ErrorKind::BodyError,
        ErrorKind::Protocol,
        ErrorKind::ResponseTooLarge,
        ErrorKind::Overflow,
        ErrorKind::Unfinished,
    ];

    /// Dense index for counting arrays: transport kinds first, then one slot per status 100..=599.
    pub const SLOTS: usize = Self::TRANSPORT.len() + 500;

    pub fn slot(self) -> usize {
        match self {
            ErrorKind::HttpStatus(code) => Self::TRANSPORT.len() + (code.clamp(100, 599) - 100) as usize,
            other => Self::TRANSPORT.iter().position(|k| *k == other).expect("every transport kind is listed"),
        }
    }

    pub fn from_slot(slot: usize) -> ErrorKind {
        match Self::TRANSPORT.get(slot) {
            Some(kind) => *kind,
            None => ErrorKind::HttpStatus((slot - Self::TRANSPORT.len()) as u16 + 100),
        }
    }

    /// The stable name used in scenarios (`retries.on`) and in result.json (`http_503` for statuses).
    pub fn name(self) -> String {
        match self {
            ErrorKind::HttpStatus(code) => format!("http_{code}"),
            other => other.static_name().to_string(),
        }
    }

    fn static_name(self) -> &'static str {
        match self {
            ErrorKind::DnsTimeout => "dns_timeout",
            ErrorKind::DnsError => "dns_error",
            ErrorKind::DnsNxdomain => "dns_nxdomain",
            ErrorKind::ConnectRefused => "connect_refused",
            ErrorKind::ConnectTimeout => "connect_timeout",
            ErrorKind::ConnectError => "connect_error",
            ErrorKind::FdExhausted => "fd_exhausted",
            ErrorKind::Reset => "reset",
            ErrorKind::ClosedBeforeResponse => "closed_before_response",
            ErrorKind::RequestTimeout => "request_timeout",
            ErrorKind::ReadTimeout => "read_timeout",
            ErrorKind::TlsHandshakeTimeout => "tls_handshake_timeout",
            ErrorKind::TlsCert => "tls_cert",
            ErrorKind::TlsError => "tls_error",
            ErrorKind::RefusedStream => "refused_stream",
            ErrorKind::StreamReset => "stream_reset",
            ErrorKind::Goaway => "goaway",
            ErrorKind::PingTimeout => "ping_timeout",
            ErrorKind::BodyError => "body_error",
            ErrorKind::Protocol => "protocol",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Overflow => "overflow",
            ErrorKind::Unfinished => "unfinished",
            ErrorKind::HttpStatus(_) => "http_status",
        }
    }

    /// Parses a name as written in a scenario; `closed` is accepted for `closed_before_response`.
    pub fn parse(name: &str) -> Option<ErrorKind> {
        if name == "closed" {
            return Some(ErrorKind::ClosedBeforeResponse);
        }
        if let Some(code) = name.strip_prefix("http_") {
            return code.parse().ok().filter(|c| (100..=599).contains(c)).map(ErrorKind::HttpStatus);
        }
        Self::TRANSPORT.iter().copied().find(|k| k.static_name() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// How one request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A complete response with a 1xx–3xx status.
    Ok(u16),
    Error(ErrorKind),
}

impl Outcome {
    /// A response's status: 4xx and 5xx are errors of kind `HttpStatus`.
    pub fn from_status(status: u16) -> Outcome {
        if status >= 400 {
            Outcome::Error(ErrorKind::HttpStatus(status))
        } else {
            Outcome::Ok(status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_round_trip_and_names_parse() {
        for slot in 0..ErrorKind::SLOTS {
            let kind = ErrorKind::from_slot(slot);
            assert_eq!(kind.slot(), slot);
            assert_eq!(ErrorKind::parse(&kind.name()), Some(kind));
        }
        assert_eq!(ErrorKind::parse("closed"), Some(ErrorKind::ClosedBeforeResponse));
        assert_eq!(ErrorKind::parse("http_700"), None);
        assert_eq!(ErrorKind::parse("bogus"), None);
    }
}
