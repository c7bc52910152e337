//! The ceiling of every value a scenario (or a standalone `--config` file) can set, in one table.
//!
//! Validation looks a value's ceiling up by its field path with the indices left out
//! (`phase[2].shape.rate` → `phase.shape.rate`): the longest row of the value's kind whose field
//! is that path or a parent of it, else the kind's default row (field `*`). So a value added later
//! is bounded by its kind's default until it gets a row of its own, and nothing is unbounded.
//! With every value below its ceiling, the run's arithmetic on them (instants, sums of phases,
//! buffers) cannot overflow; README.md's "Ceilings" table is this one (a test checks it).

use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);
/// A fault's times reach over the whole run: all phases (a week at most) and the drain.
const FAULT_TIME: Duration = Duration::from_secs(8 * 24 * 3600);
const GIB: u64 = 1 << 30;

/// The most a value may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Max {
    Duration(Duration),
    /// Requests per second.
    Rate(f64),
    Count(u64),
    Bytes(u64),
    /// A dimensionless number (a log-normal's sigma).
    Number(f64),
}

/// The kinds of value, to pick a row of the right kind for a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Of {
    Duration,
    Rate,
    /// Counts and sizes alike: both are integers.
    Integer,
    Number,
}

impl Max {
    /// The ceiling in its kind's unit: seconds, requests per second, items, bytes.
    pub fn magnitude(self) -> f64 {
        match self {
            Max::Duration(d) => d.as_secs_f64(),
            Max::Rate(x) | Max::Number(x) => x,
            Max::Count(n) | Max::Bytes(n) => n as f64,
        }
    }

    fn of(self) -> Of {
        match self {
            Max::Duration(_) => Of::Duration,
            Max::Rate(_) => Of::Rate,
            Max::Count(_) | Max::Bytes(_) => Of::Integer,
            Max::Number(_) => Of::Number,
        }
    }
}

impl std::fmt::Display for Max {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            // Whole hours as hours (`24h`, where humantime would write `1day`).
            Max::Duration(d) if d.as_secs() % 3600 == 0 && d.subsec_nanos() == 0 => {
                write!(f, "{}h", d.as_secs() / 3600)
            }
            Max::Duration(d) => write!(f, "{}", humantime::format_duration(d)),
            Max::Rate(r) => write!(f, "{r}/s"),
            Max::Count(n) => write!(f, "{n}"),
            Max::Bytes(n) if n >= GIB && n % GIB == 0 => write!(f, "{} GiB", n / GIB),
            Max::Bytes(n) if n >= 1 << 20 && n % (1 << 20) == 0 => write!(f, "{} MiB", n >> 20),
            Max::Bytes(n) => write!(f, "{n} bytes"),
            Max::Number(x) => write!(f, "{x}"),
        }
    }
}

/// One row: the field (a path without indices, or `*` for every value of its kind) and its ceiling.
#[derive(Debug, Clone, Copy)]
pub struct Ceiling {
    pub field: &'static str,
    pub max: Max,
    /// Why this ceiling: the hint beside the error.
    pub why: &'static str,
}

/// Every ceiling; the first rows are the defaults of each kind.
pub const CEILINGS: &[Ceiling] = &[
    Ceiling { field: "*", max: Max::Duration(HOUR), why: "latencies, delays, timeouts and think times" },
    Ceiling { field: "*", max: Max::Rate(10_000_000.0), why: "a rate, in requests per second" },
    Ceiling { field: "*", max: Max::Count(1_000_000_000), why: "a count" },
    Ceiling { field: "*", max: Max::Number(10.0), why: "a log-normal's sigma (p99/median = e^(2.33·sigma))" },
    Ceiling {
        field: "drain",
        max: Max::Duration(Duration::from_secs(10 * 60)),
        why: "the wait for unfinished requests",
    },
    Ceiling { field: "phase.duration", max: Max::Duration(DAY), why: "split a longer test into several runs" },
    // Not a key: all phases' durations added up (a fault left without `for` lasts that long, plus the drain).
    Ceiling { field: "phases", max: Max::Duration(WEEK), why: "all phases together" },
    Ceiling { field: "phase.shape.on", max: Max::Duration(DAY), why: "a burst lasts at most a phase" },
    Ceiling { field: "phase.shape.off", max: Max::Duration(DAY), why: "a gap lasts at most a phase" },
    Ceiling {
        field: "phase.concurrency",
        max: Max::Count(100_000),
        why: "users, each with its own requests in flight",
    },
    Ceiling { field: "phase.max_in_flight", max: Max::Count(10_000_000), why: "or \"unlimited\"" },
    Ceiling { field: "client.max_conns_per_host", max: Max::Count(1_000_000), why: "or \"unlimited\"" },
    Ceiling { field: "client.pool_max_idle_per_host", max: Max::Count(1_000_000), why: "or \"unlimited\"" },
    Ceiling { field: "client.h2_connections", max: Max::Count(1_000), why: "HTTP/2 connections per worker" },
    Ceiling { field: "client.retries.max", max: Max::Count(100), why: "retries of one request" },
    Ceiling {
        field: "client.max_response_header_bytes",
        max: Max::Bytes(16 << 20),
        why: "a response's heads, 1xx included",
    },
    Ceiling {
        field: "client.max_response_body_bytes",
        max: Max::Bytes(1 << 40),
        why: "skipped, never held: bounds time, not memory",
    },
    Ceiling { field: "client.resolver", max: Max::Duration(DAY), why: "a TTL bound of the cache" },
    Ceiling { field: "client.resolver.timeout", max: Max::Duration(MINUTE), why: "musl's cap (glibc's is 30s)" },
    Ceiling {
        field: "client.resolver.serve_stale",
        max: Max::Duration(Duration::from_secs(3 * 24 * 3600)),
        why: "RFC 8767 suggests 1 to 3 days",
    },
    Ceiling { field: "client.resolver.attempts", max: Max::Count(10), why: "musl's cap (glibc's is 5)" },
    Ceiling {
        field: "client.resolver.servers",
        max: Max::Count(3),
        why: "MAXNS: the nameservers resolv.conf may list",
    },
    Ceiling { field: "mock.body_bytes", max: Max::Bytes(GIB), why: "the mock holds one body in memory" },
    Ceiling { field: "mock.max_connections", max: Max::Count(1_000_000), why: "each holds a file descriptor" },
    Ceiling { field: "proxy.max_connections", max: Max::Count(1_000_000), why: "each holds two file descriptors" },
    Ceiling {
        field: "mock.max_header_bytes",
        max: Max::Bytes(crate::mock::plan::MockLimits::MAX_HEADER_BYTES as u64),
        why: "a request head the mock holds",
    },
    Ceiling {
        field: "mock.max_request_body_bytes",
        max: Max::Bytes(GIB),
        why: "a request body the mock reads and discards",
    },
    Ceiling { field: "mock.serverless.instances", max: Max::Count(100_000), why: "instances warm at once" },
    Ceiling { field: "mock.serverless.concurrency", max: Max::Count(100_000), why: "requests per instance" },
    Ceiling { field: "mock.serverless.prewarm", max: Max::Count(100_000), why: "at most instances" },
    Ceiling { field: "mock.serverless.freeze_after", max: Max::Duration(DAY), why: "idle time before a freeze" },
    Ceiling { field: "dns.nameservers", max: Max::Count(16), why: "nameservers, each with a UDP and a TCP port" },
    Ceiling { field: "dns.records", max: Max::Count(100_000), why: "records, every answer held in memory" },
    Ceiling { field: "dns.records.ttl", max: Max::Duration(WEEK), why: "a record's TTL" },
    Ceiling { field: "dns.negative_ttl", max: Max::Duration(DAY), why: "the TTL of negative answers" },
    Ceiling { field: "fault.at", max: Max::Duration(FAULT_TIME), why: "counted from the start of the run" },
    Ceiling {
        field: "fault.for",
        max: Max::Duration(FAULT_TIME),
        why: "one activation; leave for out to last the whole run",
    },
    Ceiling { field: "fault.every", max: Max::Duration(FAULT_TIME), why: "the period of a repeating fault" },
    // Not a key: how often a repeating fault switches on over the run (each is a window in result.json).
    Ceiling { field: "fault.activations", max: Max::Count(10_000), why: "activations of a repeating fault in a run" },
    Ceiling { field: "fault.after_bytes", max: Max::Bytes(GIB), why: "bytes of a response" },
    Ceiling { field: "fault.bytes", max: Max::Bytes(GIB), why: "bytes of a connection" },
    Ceiling { field: "fault.bytes_per_s", max: Max::Bytes(10 * GIB), why: "bytes per second" },
    Ceiling { field: "fault.size", max: Max::Bytes(1 << 20), why: "bytes of a slice" },
    Ceiling { field: "fault.connections", max: Max::Count(1_000_000), why: "slow connections a cohort holds at once" },
    Ceiling { field: "fault.per_second", max: Max::Count(100_000), why: "connections a cohort opens per second" },
    Ceiling { field: "fault.content_length", max: Max::Bytes(GIB), why: "the body a slow_post announces" },
    Ceiling { field: "fault.receive_buffer", max: Max::Bytes(64 << 20), why: "a slow_read socket's receive buffer" },
    Ceiling { field: "fault.pipeline", max: Max::Count(1_000), why: "requests a slow_read writes at once" },
    Ceiling { field: "fault.every_nth", max: Max::Count(1_000_000), why: "a dns fault hits every n-th query" },
    Ceiling { field: "fault.server", max: Max::Count(16), why: "a nameserver of the DNS stub, from 1" },
    Ceiling { field: "fault.ttl", max: Max::Duration(WEEK), why: "the TTL a dns ttl fault gives answers" },
];

/// The ceiling of `field` (a path such as `phase[0].shape.rates[3]`) for a value of kind `of`.
pub fn ceiling(field: &str, of: Of) -> &'static Ceiling {
    let path = without_indices(field);
    let parent_or_self =
        |row: &&Ceiling| path == row.field || path.strip_prefix(row.field).is_some_and(|rest| rest.starts_with('.'));
    let rows = || CEILINGS.iter().filter(move |row| row.max.of() == of);
    rows()
        .filter(parent_or_self)
        .max_by_key(|row| row.field.len())
        .or_else(|| rows().find(|row| row.field == "*"))
        .expect("every kind has a default row")
}

fn without_indices(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut depth = 0;
    for c in field.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The ceilings as README.md's table rows (`| field | ceiling | why |`).
pub fn markdown_rows() -> Vec<String> {
    CEILINGS
        .iter()
        .map(|row| {
            let field = if row.field == "*" { "any other".to_string() } else { format!("`{}`", row.field) };
            format!("| {field} | {} | {} |", row.max, row.why)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_row_of_the_kind_applies() {
        assert_eq!(ceiling("phase[3].duration", Of::Duration).max, Max::Duration(DAY));
        assert_eq!(ceiling("phase[0].think.mean", Of::Duration).max, Max::Duration(HOUR));
        assert_eq!(ceiling("phase[0].shape.rates[2]", Of::Rate).max, Max::Rate(10_000_000.0));
        assert_eq!(ceiling("mock.body_bytes", Of::Integer).max, Max::Bytes(GIB));
        assert_eq!(ceiling("fault[1].at", Of::Duration).max, Max::Duration(FAULT_TIME));
        assert_eq!(ceiling("phases", Of::Duration).max, Max::Duration(WEEK));
        // `fault.after` is not `fault.after_bytes`: a parent ends at a dot.
        assert_eq!(ceiling("fault[1].after", Of::Duration).max, Max::Duration(HOUR));
        assert_eq!(ceiling("drain", Of::Duration).max, Max::Duration(Duration::from_secs(600)));
        assert_eq!(ceiling("fault[0].after_requests", Of::Integer).max, Max::Count(1_000_000_000));
    }

    #[test]
    fn readme_lists_every_ceiling() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
        for row in markdown_rows() {
            assert!(readme.contains(&row), "README.md's Ceilings table lacks\n{row}");
        }
    }
}
