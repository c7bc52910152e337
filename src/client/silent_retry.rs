//! The retries real clients make without being asked (`silent_retry`), one rule per client
//! family, matched exhaustively: which failed attempts a client sends again on a fresh try.
//! They are never counted as `retries`; the engine records them as `hidden_retries`.

use super::http1::Reached;
use crate::record::ErrorKind;
use crate::scenario::SilentRetry;
use http::{HeaderMap, Method};

/// What a rule asks of the request itself, worked out once per phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Replay {
    /// Go's `Request.isReplayable`: GET, HEAD, OPTIONS or TRACE, or an `Idempotency-Key` or
    /// `X-Idempotency-Key` header. (Its body condition — none, or one `GetBody` can rewind —
    /// always holds here: a body is bytes sent again as they are, as http.NewRequest's
    /// bytes and strings readers are.)
    go_replayable: bool,
    /// Java's HttpClient retries GET and HEAD only.
    get_or_head: bool,
}

impl Replay {
    pub(super) fn of(method: &Method, headers: &HeaderMap) -> Replay {
        let idempotency_key = headers.contains_key("idempotency-key") || headers.contains_key("x-idempotency-key");
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
        Replay { go_replayable: safe || idempotency_key, get_or_head: matches!(*method, Method::GET | Method::HEAD) }
    }
}

/// An attempt that failed on a connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct FailedAttempt {
    /// The connection had carried a request before.
    pub(super) reused: bool,
    pub(super) reached: Reached,
    pub(super) kind: ErrorKind,
}

impl SilentRetry {
    /// Whether this client sends the request again, having already done so `hidden` times.
    pub(super) fn retries(self, failed: FailedAttempt, replay: Replay, hidden: u32) -> bool {
        // Every rule is about a pooled connection the server dropped: none retries on a fresh
        // one, and none retries its own timeouts or caps (they are not a dropped connection).
        let dropped = !matches!(
            failed.kind,
            ErrorKind::RequestTimeout | ErrorKind::ReadTimeout | ErrorKind::ResponseTooLarge | ErrorKind::Unfinished
        );
        if !failed.reused || !dropped {
            return false;
        }
        let before_response = failed.reached != Reached::Response;
        match self {
            SilentRetry::None => false,
            SilentRetry::Unwritten => failed.reached == Reached::Nothing,
            // shouldRetryRequest: nothingWrittenError → retried (the body can be rewound); else
            // only a replayable request, on transportReadFromServerError (the read before any
            // response byte failed) or errServerClosedIdle.
            SilentRetry::Go => failed.reached == Reached::Nothing || (replay.go_replayable && before_response),
            // MultiExchange: ConnectionExpiredException, once.
            SilentRetry::Idempotent => replay.get_or_head && before_response && hidden == 0,
            SilentRetry::BeforeResponse => before_response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(reused: bool, reached: Reached, kind: ErrorKind) -> FailedAttempt {
        FailedAttempt { reused, reached, kind }
    }

    fn replay(method: Method, header: Option<&'static str>) -> Replay {
        let mut headers = HeaderMap::new();
        if let Some(name) = header {
            headers.insert(name, "k-1".parse().unwrap());
        }
        Replay::of(&method, &headers)
    }

    /// Go's cases: fresh vs reused, written vs not, replayable vs not, before vs after the
    /// response began.
    #[test]
    fn go_retries_as_should_retry_request_does() {
        let get = replay(Method::GET, None);
        let post = replay(Method::POST, None);
        let keyed_post = replay(Method::POST, Some("idempotency-key"));
        let x_keyed_put = replay(Method::PUT, Some("x-idempotency-key"));
        let reset = ErrorKind::Reset;
        let go = SilentRetry::Go;
        // A fresh connection is never retried, whatever happened on it.
        for reached in [Reached::Nothing, Reached::Written, Reached::Response] {
            assert!(!go.retries(failed(false, reached, reset), get, 0));
        }
        // Nothing written: retried for any method.
        assert!(go.retries(failed(true, Reached::Nothing, reset), post, 0));
        assert!(go.retries(failed(true, Reached::Nothing, ErrorKind::ClosedBeforeResponse), get, 0));
        // Written, no response byte: only a replayable request.
        assert!(go.retries(failed(true, Reached::Written, reset), get, 0));
        assert!(go.retries(failed(true, Reached::Written, ErrorKind::ClosedBeforeResponse), get, 0));
        assert!(!go.retries(failed(true, Reached::Written, reset), post, 0));
        assert!(go.retries(failed(true, Reached::Written, reset), keyed_post, 0));
        assert!(go.retries(failed(true, Reached::Written, reset), x_keyed_put, 0));
        for method in [Method::HEAD, Method::OPTIONS, Method::TRACE] {
            assert!(go.retries(failed(true, Reached::Written, reset), replay(method, None), 0));
        }
        assert!(!go.retries(failed(true, Reached::Written, reset), replay(Method::DELETE, None), 0));
        // Once the response began, never; nor its own timeouts; and again on the next reused
        // connection (Go's loop has no count).
        assert!(!go.retries(failed(true, Reached::Response, ErrorKind::Protocol), get, 0));
        assert!(!go.retries(failed(true, Reached::Written, ErrorKind::ReadTimeout), get, 0));
        assert!(go.retries(failed(true, Reached::Written, reset), get, 5));
    }

    #[test]
    fn the_other_rules() {
        let (get, post) = (replay(Method::GET, None), replay(Method::POST, None));
        let written = failed(true, Reached::Written, ErrorKind::Reset);
        let unwritten = failed(true, Reached::Nothing, ErrorKind::Reset);
        assert!(!SilentRetry::None.retries(unwritten, get, 0));
        assert!(SilentRetry::Unwritten.retries(unwritten, post, 0));
        assert!(!SilentRetry::Unwritten.retries(written, get, 0));
        assert!(SilentRetry::Idempotent.retries(written, get, 0));
        assert!(!SilentRetry::Idempotent.retries(written, get, 1), "Java retries once");
        assert!(!SilentRetry::Idempotent.retries(written, post, 0));
        assert!(!SilentRetry::Idempotent.retries(written, replay(Method::OPTIONS, None), 0));
        assert!(SilentRetry::BeforeResponse.retries(written, post, 3));
        assert!(!SilentRetry::BeforeResponse.retries(failed(true, Reached::Response, ErrorKind::BodyError), get, 0));
        assert!(!SilentRetry::BeforeResponse.retries(failed(false, Reached::Written, ErrorKind::Reset), get, 0));
    }
}
