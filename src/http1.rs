//! HTTP/1.1 wire pieces shared by chaosload's own client and its mock: a buffered socket that
//! skips message bodies as RFC 9112 frames them, and the header fields that decide framing and
//! connection reuse.

use crate::stream::Stream;
use bytes::{Buf, BytesMut};
use std::io;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Heads larger than this are refused (hyper's default read buffer limit is ~400 KiB).
pub(crate) const MAX_HEAD: usize = 256 * 1024;
/// Header fields parsed per message; more is refused, as in hyper (100).
pub(crate) const MAX_HEADERS: usize = 100;
const READ_CHUNK: usize = 8 * 1024;
/// A chunk-size line (with its extensions) longer than this is refused, as hyper does (16 KiB).
const MAX_CHUNK_LINE: usize = 16 * 1024;

/// What a message's header fields say about its body and its connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Framing {
    /// `Connection: close`.
    pub(crate) close: bool,
    /// `Connection: keep-alive` (what keeps an HTTP/1.0 connection open).
    pub(crate) keep_alive: bool,
    /// A `Transfer-Encoding` field is present (it overrides `Content-Length`).
    pub(crate) transfer_encoding: bool,
    /// Its last coding is `chunked`.
    pub(crate) chunked: bool,
    /// `Content-Length`, if given.
    pub(crate) length: Option<u64>,
    /// `Expect: 100-continue`.
    pub(crate) expect_continue: bool,
}

/// A `Content-Length` that is not a number, or two that disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadLength;

impl Framing {
    pub(crate) fn of(headers: &[httparse::Header<'_>]) -> Result<Framing, BadLength> {
        let mut f = Framing::default();
        for header in headers {
            let name = header.name;
            if name.eq_ignore_ascii_case("connection") {
                for token in header.value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                    f.close |= token.eq_ignore_ascii_case(b"close");
                    f.keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                // Chunked must be the last coding.
                let last = header.value.rsplit(|&b| b == b',').next().unwrap_or_default();
                f.transfer_encoding = true;
                f.chunked = last.trim_ascii().eq_ignore_ascii_case(b"chunked");
            } else if name.eq_ignore_ascii_case("content-length") {
                // Digits only (RFC 9110 §8.6): `str::parse` would also take a sign.
                let digits = header.value.trim_ascii();
                let n = if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
                    std::str::from_utf8(digits).ok().and_then(|v| v.parse::<u64>().ok())
                } else {
                    None
                };
                match (n, f.length) {
                    (None, _) => return Err(BadLength),
                    (Some(n), Some(seen)) if n != seen => return Err(BadLength),
                    (Some(n), _) => f.length = Some(n),
                }
            } else if name.eq_ignore_ascii_case("expect") {
                f.expect_continue = header.value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
            }
        }
        Ok(f)
    }

    /// Whether the connection ends after this message: `Connection: close`, or HTTP/1.0
    /// (`minor_version` 0) without `keep-alive`.
    pub(crate) fn closes(&self, minor_version: u8) -> bool {
        self.close || (minor_version == 0 && !self.keep_alive)
    }

    /// Both `Transfer-Encoding` and `Content-Length`: the former wins, but the framing is suspect
    /// (RFC 9112 §6.3: a server must close the connection after answering such a request).
    pub(crate) fn framed_both_ways(&self) -> bool {
        self.transfer_encoding && self.length.is_some()
    }
}

/// Why a body could not be read to its end.
#[derive(Debug)]
pub(crate) enum BodyFailure {
    Io(io::Error),
    /// The connection ended before the body did.
    Eof,
    Malformed,
    /// The body went past the reader's limit (its payload bytes; chunk framing not counted).
    TooLarge,
}

/// A socket and the bytes read from it that nobody consumed yet.
#[derive(Debug)]
pub(crate) struct BufferedStream {
    pub(crate) stream: Stream,
    pub(crate) buf: BytesMut,
    /// The longest wait of one read while skipping a body (the mock's `body_read_timeout`);
    /// past it the skip fails with an I/O error of kind `TimedOut`.
    pub(crate) body_gap: Option<Duration>,
}

impl BufferedStream {
    pub(crate) fn new(stream: impl Into<Stream>) -> BufferedStream {
        BufferedStream { stream: stream.into(), buf: BytesMut::new(), body_gap: None }
    }

    /// Reads more bytes into the buffer; 0 at end of stream.
    pub(crate) async fn fill(&mut self) -> io::Result<usize> {
        self.buf.reserve(READ_CHUNK);
        self.stream.read_buf(&mut self.buf).await
    }

    async fn fill_body(&mut self) -> Result<(), BodyFailure> {
        let filled = match self.body_gap {
            None => self.fill().await,
            Some(gap) => {
                tokio::time::timeout(gap, self.fill()).await.unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
            }
        };
        match filled {
            Ok(0) => Err(BodyFailure::Eof),
            Ok(_) => Ok(()),
            Err(e) => Err(BodyFailure::Io(e)),
        }
    }

    /// Skips the next `remaining` bytes of the stream.
    pub(crate) async fn skip(&mut self, mut remaining: u64) -> Result<(), BodyFailure> {
        loop {
            let take = remaining.min(self.buf.len() as u64);
            self.buf.advance(take as usize);
            remaining -= take;
            if remaining == 0 {
                return Ok(());
            }
            self.buf.clear(); // keep the buffer's memory, not the bytes
            self.fill_body().await?;
        }
    }

    /// Skips a chunked body: chunks (extensions ignored), the last chunk and its trailers; at
    /// most `limit` bytes of chunk data.
    pub(crate) async fn skip_chunked(&mut self, limit: u64) -> Result<(), BodyFailure> {
        let mut data = 0u64;
        loop {
            let size = loop {
                // At least one hex digit (RFC 9112 §7.1): httparse reads an empty size as 0.
                if self.buf.first().is_some_and(|b| !b.is_ascii_hexdigit()) {
                    return Err(BodyFailure::Malformed);
                }
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete((len, size))) => {
                        self.buf.advance(len);
                        break size;
                    }
                    Ok(httparse::Status::Partial) if self.buf.len() < MAX_CHUNK_LINE => self.fill_body().await?,
                    Ok(httparse::Status::Partial) | Err(_) => return Err(BodyFailure::Malformed),
                }
            };
            if size == 0 {
                return self.skip_trailers().await;
            }
            data = data.saturating_add(size);
            if data > limit {
                return Err(BodyFailure::TooLarge);
            }
            self.skip(size).await?;
            self.expect_crlf().await?;
        }
    }

    /// Trailer fields after the last chunk, up to the empty line that ends the body; at most
    /// `MAX_HEAD` bytes of them.
    async fn skip_trailers(&mut self) -> Result<(), BodyFailure> {
        let mut skipped = 0;
        loop {
            match self.buf.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    self.buf.advance(2);
                    return Ok(());
                }
                Some(line) if skipped + line < MAX_HEAD => {
                    self.buf.advance(line + 2);
                    skipped += line + 2;
                }
                None if skipped + self.buf.len() < MAX_HEAD => self.fill_body().await?,
                _ => return Err(BodyFailure::Malformed),
            }
        }
    }

    async fn expect_crlf(&mut self) -> Result<(), BodyFailure> {
        while self.buf.len() < 2 {
            self.fill_body().await?;
        }
        if &self.buf[..2] != b"\r\n" {
            return Err(BodyFailure::Malformed);
        }
        self.buf.advance(2);
        Ok(())
    }

    /// Reads and discards everything up to the peer's close; at most `limit` bytes.
    pub(crate) async fn skip_until_close(&mut self, limit: u64) -> Result<(), BodyFailure> {
        let mut read = self.buf.len() as u64;
        loop {
            if read > limit {
                return Err(BodyFailure::TooLarge);
            }
            self.buf.clear();
            match self.fill().await {
                Ok(0) => return Ok(()),
                Ok(n) => read = read.saturating_add(n as u64),
                Err(e) => return Err(BodyFailure::Io(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(fields: &[(&'static str, &'static [u8])]) -> Result<Framing, BadLength> {
        let headers: Vec<httparse::Header<'_>> =
            fields.iter().map(|&(name, value)| httparse::Header { name, value }).collect();
        Framing::of(&headers)
    }

    #[test]
    fn framing_fields_are_read_case_blind_and_lengths_checked() {
        let f = framing(&[("Connection", b"upgrade, Close"), ("Content-Length", b" 12 ")]).unwrap();
        assert!(f.close && !f.keep_alive);
        assert_eq!(f.length, Some(12));
        let f = framing(&[("transfer-encoding", b"gzip, chunked"), ("expect", b"100-Continue")]).unwrap();
        assert!(f.transfer_encoding && f.chunked && f.expect_continue);
        let f = framing(&[("transfer-encoding", b"chunked, gzip")]).unwrap();
        assert!(f.transfer_encoding && !f.chunked, "chunked must be the last coding");
        assert_eq!(framing(&[("content-length", b"x")]), Err(BadLength));
        assert_eq!(framing(&[("content-length", b"1"), ("content-length", b"2")]), Err(BadLength));
        assert_eq!(framing(&[("content-length", b"2"), ("content-length", b"2")]).unwrap().length, Some(2));
        assert_eq!(framing(&[("content-length", b"+5")]), Err(BadLength), "digits only");
        assert_eq!(framing(&[("content-length", b"")]), Err(BadLength));
    }

    #[test]
    fn a_message_framed_both_ways_is_flagged() {
        let both = framing(&[("content-length", b"5"), ("transfer-encoding", b"chunked")]).unwrap();
        assert!(both.chunked && both.framed_both_ways() && !both.closes(1));
    }

    /// Skips a chunked body arriving as `bytes`, then reports what is left in the buffer.
    async fn skip_chunked(bytes: impl Into<Vec<u8>>) -> Result<Vec<u8>, BodyFailure> {
        skip_chunked_within(bytes, u64::MAX).await
    }

    async fn skip_chunked_within(bytes: impl Into<Vec<u8>>, limit: u64) -> Result<Vec<u8>, BodyFailure> {
        let bytes: Vec<u8> = bytes.into();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(&bytes).await.unwrap();
            stream
        });
        let mut io = BufferedStream::new(TcpStream::connect(addr).await.unwrap());
        let _server_side = writer.await.unwrap();
        io.skip_chunked(limit).await.map(|()| io.buf.to_vec())
    }

    #[tokio::test]
    async fn chunk_data_is_counted_against_the_limit() {
        let body = b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
        assert!(skip_chunked_within(&body[..], 7).await.is_ok(), "exactly the limit");
        assert!(matches!(skip_chunked_within(&body[..], 6).await, Err(BodyFailure::TooLarge)));
    }

    #[tokio::test]
    async fn chunk_sizes_need_a_digit_and_bounded_lines() {
        let rest = skip_chunked(b"3;a=b\r\nabc\r\n0\r\nx: y\r\n\r\nNEXT").await.unwrap();
        assert_eq!(rest, b"NEXT");
        for bad in [&b"\r\nabc\r\n"[..], b";x\r\n\r\n", b"  \r\n\r\n", b"zz\r\n"] {
            assert!(
                matches!(skip_chunked(bad).await, Err(BodyFailure::Malformed)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let endless = format!("5;{}", "e".repeat(MAX_CHUNK_LINE));
        assert!(matches!(skip_chunked(endless).await, Err(BodyFailure::Malformed)), "an extension without end");
    }

    #[test]
    fn http_1_0_closes_unless_kept_alive() {
        let keep = framing(&[("connection", b"keep-alive")]).unwrap();
        assert!(!keep.closes(0) && !keep.closes(1));
        assert!(Framing::default().closes(0) && !Framing::default().closes(1));
        assert!(framing(&[("connection", b"close")]).unwrap().closes(1));
    }
}
