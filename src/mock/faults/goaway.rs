//! `goaway`: an HTTP/2 connection gets a GOAWAY at a moment drawn within the window, as a rolling
//! deploy drains its instances one by one: `graceful` (NO_ERROR, streams past the last-stream id
//! refused, the rest finished or, with `in_flight = "refuse"`, refused too, then the connection closed) or `abrupt` (`error_code`, the
//! connection closed at once).

use super::{H2Code, H2Fault, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::{word, Keys, Need};
use crate::vocabulary::{words, Words};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goaway {
    /// GOAWAY (NO_ERROR) as a server shutting down gracefully sends it (RFC 9113 section 6.8:
    /// last-stream id 2^31-1 and a PING, then the highest stream id received); streams past it
    /// are refused, every stream up to it is answered, then the connection is closed.
    /// `refuse_in_flight`: streams received but not yet answered are refused too
    /// (RST_STREAM REFUSED_STREAM), as an instance that stops taking work at once
    /// (`in_flight = "refuse"`; `"finish"` answers them).
    Graceful { refuse_in_flight: bool },
    /// GOAWAY with this code and the highest stream id answered, then the connection closed
    /// (FIN) without waiting: the streams in flight fail with the code.
    Abrupt { error_code: H2Code },
}

/// The two modes, as scenarios name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Graceful,
    Abrupt,
}

words!(Mode { Graceful => "graceful", Abrupt => "abrupt" });

/// What a graceful GOAWAY does to the streams it finds unanswered.
const IN_FLIGHT: &[&str] = &["finish", "refuse"];

/// The keys only one mode takes, with the mode that takes it.
const MODE_KEYS: &[(&str, Mode)] = &[("in_flight", Mode::Graceful), ("error_code", Mode::Abrupt)];

impl MockFaultKind for Goaway {
    const NAME: &'static str = "goaway";
    const KEYS: &'static [&'static str] = &["mode", "in_flight", "error_code"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let mode = word(keys, "mode", Need::Default(Mode::Graceful))?;
        for &(key, owner) in MODE_KEYS {
            if owner != mode && keys.given(key) {
                keys.invalid(
                    key,
                    format!("{key} does not apply to mode \"{}\"", mode.word()),
                    Some(format!("{key} is a key of mode = \"{}\"", owner.word())),
                );
                return None;
            }
        }
        match mode {
            Mode::Graceful => {
                let refuse = keys.choice("in_flight", IN_FLIGHT, Need::Default(0));
                Some(Goaway::Graceful { refuse_in_flight: refuse? == 1 })
            }
            Mode::Abrupt => {
                Some(Goaway::Abrupt { error_code: word(keys, "error_code", Need::Default(H2Code::InternalError))? })
            }
        }
    }

    fn normalized(&self) -> Value {
        match self {
            Goaway::Graceful { refuse_in_flight } => {
                json!({ "mode": Mode::Graceful.word(), "in_flight": IN_FLIGHT[usize::from(*refuse_in_flight)] })
            }
            Goaway::Abrupt { error_code } => json!({ "mode": Mode::Abrupt.word(), "error_code": error_code.word() }),
        }
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::H2(H2Fault::Goaway(*self))
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
