//! `[[client]]`: the HTTP version, the connection pool, timeouts and retries.

use super::diagnostic::Cx;
use super::suggest::{did_you_mean, quoted_list, suggestion};
use crate::record::ErrorKind;
use crate::scenario::plan::{
    ClientPlan, HttpVersion, ReadBody, RetryOn, RetryPlan, RESPONSE_BODY_BYTES, RESPONSE_HEADER_BYTES,
};
use crate::scenario::raw::{RawClient, RawRetries};
use crate::vocabulary::Words;

/// Failures a client can meet and retry on (overflow and unfinished never reach a client).
const RETRYABLE_EXTRA: &[&str] = &["closed", "5xx"];

impl Cx<'_> {
    pub(super) fn client(&mut self, i: usize, raw: Option<&RawClient>) -> ClientPlan {
        let f = |name: &str| format!("client[{i}].{name}");
        let Some(raw) = raw else {
            return ClientPlan::defaults("");
        };
        let name = match &raw.name {
            None => {
                self.error_hint(&format!("client[{i}]"), "missing field \"name\"", "e.g. name = \"default\"");
                String::new()
            }
            Some(n) => {
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    self.error_hint(
                        &f("name"),
                        format!("\"{n}\" may contain only letters, digits, '-', '_' and '.'"),
                        "client names label results and report columns",
                    );
                }
                n.clone()
            }
        };
        let mut plan = ClientPlan::defaults(name);
        if let Some(word) = raw.http.as_deref() {
            match HttpVersion::from_word(word) {
                Some(http) => plan.http = http,
                None => self.error_hint(
                    &f("http"),
                    format!("unknown HTTP version \"{word}\""),
                    "\"1\" (HTTP/1.1) or \"2\" (HTTP/2 with prior knowledge, h2c)",
                ),
            }
        }
        plan.keep_alive = raw.keep_alive.unwrap_or(true);
        if plan.http == HttpVersion::Http2 && !plan.keep_alive {
            self.error_hint(
                &f("keep_alive"),
                "keep_alive = false is not available with http = \"2\"",
                "HTTP/2 multiplexes every request on one connection; compare keep-alive on and off with http = \"1\"",
            );
        }
        if let Some(t) = &raw.pool_idle_timeout {
            plan.pool_idle_timeout = self.timeout(&f("pool_idle_timeout"), t);
        }
        if let Some(n) = &raw.pool_max_idle_per_host {
            plan.pool_max_idle_per_host =
                self.limit(&f("pool_max_idle_per_host"), n, 0).flatten().unwrap_or(usize::MAX);
        }
        if let Some(n) = &raw.max_conns_per_host {
            plan.max_conns_per_host = self.limit(&f("max_conns_per_host"), n, 1).flatten();
        }
        if let Some(t) = &raw.connect_timeout {
            plan.connect_timeout = self.timeout(&f("connect_timeout"), t);
        }
        if let Some(t) = &raw.request_timeout {
            plan.request_timeout = self.timeout(&f("request_timeout"), t);
        }
        if let Some(word) = raw.read_body.as_deref() {
            match ReadBody::from_word(word) {
                Some(read_body) => plan.read_body = read_body,
                None => {
                    let hint = suggestion(word, ReadBody::WORDS.iter().map(|(w, _)| *w));
                    let message = format!("read_body must be \"full\" or \"none\", got \"{word}\"");
                    self.report(&f("read_body"), message, hint);
                }
            }
        }
        if let Some(r) = &raw.retries {
            plan.retries = self.retries(&f("retries"), r);
        }
        let (_, least) = RESPONSE_HEADER_BYTES;
        if let Some(n) = raw.max_response_header_bytes {
            if let Some(n) = self.count(&f("max_response_header_bytes"), n, least) {
                plan.max_response_header_bytes = n;
            }
        }
        let (_, least) = RESPONSE_BODY_BYTES;
        if let Some(n) = raw.max_response_body_bytes {
            if let Some(n) = self.count(&f("max_response_body_bytes"), n, least) {
                plan.max_response_body_bytes = n as u64;
            }
        }
        plan
    }

    fn retries(&mut self, field: &str, raw: &RawRetries) -> RetryPlan {
        let mut plan = RetryPlan::default();
        if let Some(max) = raw.max {
            if let Some(m) = self.count(&format!("{field}.max"), max, 0) {
                plan.max = m as u32; // at most its ceiling, 100
            }
        }
        for (j, name) in raw.on.iter().flatten().enumerate() {
            let kind = if name == "5xx" { Some(RetryOn::Status5xx) } else { ErrorKind::parse(name).map(retry_on) };
            match kind {
                Some(RetryOn::Status(code)) if code < 400 => {
                    self.error(&format!("{field}.on[{j}]"), format!("status {code} is not a failure"));
                }
                Some(RetryOn::Error(k @ (ErrorKind::Overflow | ErrorKind::Unfinished))) => {
                    self.error(&format!("{field}.on[{j}]"), format!("\"{k}\" is not a failure a client can retry"));
                }
                Some(k) => plan.on.push(k),
                None => {
                    let names: Vec<String> = retryable_names();
                    let hint = did_you_mean(name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                        format!(
                            "expected one of {}, or http_NNN for one status",
                            quoted_list(names.iter().map(String::as_str))
                        )
                    });
                    self.error_hint(&format!("{field}.on[{j}]"), format!("unknown failure kind \"{name}\""), hint);
                }
            }
        }
        if let Some(b) = &raw.backoff {
            plan.backoff = self.duration(&format!("{field}.backoff"), b).unwrap_or_default();
        }
        plan
    }
}

fn retry_on(kind: ErrorKind) -> RetryOn {
    match kind {
        ErrorKind::HttpStatus(code) => RetryOn::Status(code),
        other => RetryOn::Error(other),
    }
}

fn retryable_names() -> Vec<String> {
    let transport = ErrorKind::TRANSPORT.iter().filter(|k| !matches!(k, ErrorKind::Overflow | ErrorKind::Unfinished));
    transport.map(|k| k.name()).chain(RETRYABLE_EXTRA.iter().map(|s| s.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn client_values_and_retries() {
        assert_eq!(
            errs(&client("http = \"3\"\nread_body = \"nope\"")),
            [
                "9:8 client[0].http: unknown HTTP version \"3\"",
                "10:13 client[0].read_body: read_body must be \"full\" or \"none\", got \"nope\""
            ]
        );
        let src = client(
            "retries = { max = -1, on = [\"rst\", \"http_200\", \"unfinished\", \"http_503\"], backoff = \"0s\" }",
        );
        assert_eq!(
            errs(&src),
            [
                "9:19 client[0].retries.max: must be ≥ 0, got -1",
                "9:29 client[0].retries.on[0]: unknown failure kind \"rst\"",
                "9:36 client[0].retries.on[1]: status 200 is not a failure",
                "9:48 client[0].retries.on[2]: \"unfinished\" is not a failure a client can retry",
            ]
        );
        assert_eq!(hints(&src), ["did you mean \"reset\"?"]);
        let hint = hints(&client("retries = { on = [\"timeout\"] }")).remove(0);
        assert!(hint.contains("\"request_timeout\"") && hint.ends_with("or http_NNN for one status"), "{hint}");
        assert_eq!(
            errs(&client("http = \"2\"\nkeep_alive = false")),
            ["10:14 client[0].keep_alive: keep_alive = false is not available with http = \"2\""]
        );
        assert_eq!(
            errs(&client("max_response_header_bytes = 100\nmax_response_body_bytes = -1")),
            [
                "9:29 client[0].max_response_header_bytes: must be ≥ 1024, got 100",
                "10:27 client[0].max_response_body_bytes: must be ≥ 0, got -1",
            ]
        );
        assert_eq!(
            errs(&client("max_response_header_bytes = 16777217\nmax_response_body_bytes = 1099511627777")),
            [
                "9:29 client[0].max_response_header_bytes: 16777217 is above the ceiling of 16 MiB",
                "10:27 client[0].max_response_body_bytes: 1099511627777 is above the ceiling of 1024 GiB",
            ]
        );
        let caps = ok(&client("max_response_header_bytes = 2048\nmax_response_body_bytes = 0"));
        assert_eq!((caps.clients[0].max_response_header_bytes, caps.clients[0].max_response_body_bytes), (2048, 0));
        assert_eq!(
            errs(&format!("threads = 4\n{}", client("max_conns_per_host = 2"))),
            ["10:22 client[0].max_conns_per_host: max_conns_per_host (2) is below threads (4)"]
        );
    }
}
