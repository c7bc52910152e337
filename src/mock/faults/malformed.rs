//! `malformed`: a broken response, then a close: bytes that are not HTTP, a chunked body with an
//! invalid chunk size line, or a body shorter than its `Content-Length`.

use super::{Protocols, response_head, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{word, Keys, Need};
use crate::mock::wire::Wire;
use crate::vocabulary::{words, Words};
use bytes::Bytes;
use serde_json::{json, Value};

/// The kind is its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Bytes that are not HTTP at all.
    Garbage,
    /// `Transfer-Encoding: chunked` with an invalid chunk size line.
    BadChunk,
    /// A `Content-Length` larger than the body sent before the close.
    ShortBody,
}

words!(Malformed { Garbage => "garbage", BadChunk => "bad_chunk", ShortBody => "short_body" });

impl MockFaultKind for Malformed {
    const NAME: &'static str = "malformed";
    const KEYS: &'static [&'static str] = &["form"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        word(keys, "form", Need::Default(Malformed::Garbage))
    }

    fn normalized(&self) -> Value {
        json!({ "form": self.word() })
    }

    /// HTTP/2 has no chunked framing; garbage is written instead of frames, and a short body is
    /// DATA short of `content-length`, then the connection closed (FIN, no GOAWAY).
    fn protocols(&self) -> Protocols {
        match self {
            Malformed::BadChunk => Protocols::Http1,
            Malformed::Garbage | Malformed::ShortBody => Protocols::Both,
        }
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
        if out.decided() {
            return;
        }
        let bytes = match self {
            Malformed::Garbage => Bytes::from_static(b"\x16\x03\x01\x00 %%garbage%% not http\0\r\n\r\n"),
            Malformed::BadChunk => {
                let mut bytes = response_head(request.status, "transfer-encoding: chunked\r\n");
                bytes.extend_from_slice(b"zz;not-a-size\r\nabc\r\n");
                bytes.into()
            }
            Malformed::ShortBody if request.h2 => {
                let after_bytes = request.body.len().max(2) / 2;
                return out.decide(Decision::Cut { after_bytes, then: Wire::Fin });
            }
            Malformed::ShortBody => {
                let declared = request.body.len().max(2);
                let mut bytes = response_head(request.status, &format!("content-length: {declared}\r\n"));
                bytes.extend((0..declared / 2).map(|i| b'a' + (i % 26) as u8));
                bytes.into()
            }
        };
        out.decide(Decision::Takeover(Some(Wire::Raw { bytes, rst: false })));
    }
}
