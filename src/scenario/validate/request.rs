//! `[request]` and a phase's `request`: method, path, headers and body, merged over the defaults.

use super::diagnostic::Cx;
use crate::scenario::plan::RequestPlan;
use crate::scenario::raw::RawRequest;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};

impl Cx<'_> {
    pub(super) fn request(&mut self, field: &str, raw: &RawRequest) -> PartialRequest {
        let mut out = PartialRequest::default();
        if let Some(m) = &raw.method {
            match Method::from_bytes(m.as_bytes()) {
                Ok(m) => out.method = Some(m),
                Err(_) => self.error_hint(
                    &format!("{field}.method"),
                    format!("invalid method \"{m}\""),
                    "e.g. \"GET\" or \"POST\"",
                ),
            }
        }
        if let Some(p) = &raw.path {
            if !p.starts_with('/') {
                self.error_hint(
                    &format!("{field}.path"),
                    format!("path \"{p}\" must start with '/'"),
                    format!("did you mean \"/{p}\"?"),
                );
            } else if p.parse::<http::uri::PathAndQuery>().is_err() {
                self.error(&format!("{field}.path"), format!("invalid path \"{p}\""));
            } else {
                out.path = Some(p.clone());
            }
        }
        if let Some(headers) = &raw.headers {
            let mut list = Vec::new();
            for (name, value) in headers {
                let hfield = format!("{field}.headers.{name}");
                match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                    (Err(_), _) => self.error(&hfield, format!("invalid header name \"{name}\"")),
                    (_, Err(_)) => self.error_hint(
                        &hfield,
                        format!("invalid value for header \"{name}\""),
                        "a header value is visible ASCII, spaces and tabs: no line breaks, NUL or escapes",
                    ),
                    (Ok(n), Ok(v)) => list.push((n, v)),
                }
            }
            out.headers = Some(list);
        }
        out.body = raw.body.as_ref().map(|b| Bytes::from(b.clone()));
        out
    }
}

/// A request as written in `[request]` or a phase: unset fields fall back to the level above.
#[derive(Debug, Default)]
pub(super) struct PartialRequest {
    method: Option<Method>,
    path: Option<String>,
    headers: Option<Vec<(HeaderName, HeaderValue)>>,
    body: Option<Bytes>,
}

impl PartialRequest {
    /// `self` (the `[request]` defaults) overridden by a phase's own fields; headers merge by name.
    pub(super) fn merged(&self, own: PartialRequest) -> RequestPlan {
        let mut headers = self.headers.clone().unwrap_or_default();
        for (name, value) in own.headers.unwrap_or_default() {
            headers.retain(|(n, _)| *n != name);
            headers.push((name, value));
        }
        let defaults = RequestPlan::default();
        RequestPlan {
            method: own.method.or_else(|| self.method.clone()).unwrap_or(defaults.method),
            path: own.path.or_else(|| self.path.clone()).unwrap_or(defaults.path),
            headers,
            body: own.body.or_else(|| self.body.clone()).unwrap_or(defaults.body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn requests() {
        assert_eq!(
            errs(&with("[request]\nmethod = \"GE T\"\npath = \"x\"\nheaders = { \"bad header\" = \"v\", ok = \"line\\nbreak\" }\n")),
            [
                "10:10 request.method: invalid method \"GE T\"",
                "11:8 request.path: path \"x\" must start with '/'",
                "12:28 request.headers.bad header: invalid header name \"bad header\"",
                "12:38 request.headers.ok: invalid value for header \"ok\"",
            ]
        );
        assert_eq!(hints(&with("[request]\npath = \"x\"\n")), ["did you mean \"/x\"?"]);
        assert_eq!(
            errs(&phase("concurrency = 1\nrequest = { path = \"nope\" }")),
            ["9:20 phase[0].request.path: path \"nope\" must start with '/'"]
        );
    }
}
