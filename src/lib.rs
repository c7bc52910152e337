//! chaosload: a load-testing and chaos harness for HTTP clients and services.
//!
//! Data flow: `scenario.toml → scenario::load → Plan → run (mock ← proxy, fresh per configuration)
//! → load::engine (intended send times) → client (per configuration) → record::Recorder
//! (per worker, merged at the end) → result::RunResult → result.json / terminal summary`.
//!
//! Layout (ARCHITECTURE.md says more):
//! - `adhoc`     — `run --url …`: an ad-hoc run written as the scenario it stands for.
//! - `scenario/` — `raw` serde types, `validate/` (raw → `Plan`, every problem at once, one file per
//!   section), `plan` (the validated plan, built only through `PlanParts::build`), `faults` (the
//!   plan's faults across layers: `FaultKind`, `ByLayer`, the registry of every kind).
//! - `fault/`    — what every layer's faults are made of: `FaultPlan` on the timeline, the `Keys` kinds read.
//! - `load/`     — `schedule` (traffic shapes as data → intended send times), `engine`.
//! - `client/`   — the client under test: a pool of our own, HTTP/1.1 of our own (`http1`), HTTP/2 on hyper, TLS on rustls (`tls`).
//! - `http1`     — HTTP/1.1 framing and body skipping shared by the client and the mock.
//! - `mock/`     — the built-in mock upstream: fault kinds (`faults/`), the serverless model, behaviour, servers.
//! - `chaos/`    — the chaos proxy: a chain of toxics per connection and direction (`toxics/`, one a file).
//! - `dns/`      — the DNS stub: `[dns]` records over UDP and TCP on hickory-proto, dns fault kinds (`faults/`).
//! - `record/`   — outcomes, histograms, timelines, connection statistics.
//! - `report/`   — report.html and its charts, compare (terminal, Markdown, HTML page), Markdown, HdrHistogram logs.
//! - `gate/`     — CI gates: `[gate]` conditions, one file per metric, noise-aware verdicts, JUnit and Markdown.
//! - `stats`     — 95% intervals of a percentile (order statistics) and a rate (Wilson); "moved" only when disjoint.
//! - `result`    — the `result.json` contract; `summary` — the terminal table; `run` — one run.
//! - `standalone`, `server_thread` — the mock, proxy and DNS stub on their own; servers on their own threads.
//! - `signals`   — SIGINT/SIGTERM/SIGHUP: a `Stop` the engine obeys, a second signal exits at once.
//! - `seeded`    — the seeded draws of mock, proxy and DNS stub; `vocabulary` — values and words as scenarios write them.
//! - `resources` — file descriptors: the open-file limit raised, sockets checked before a run.
//! - `units`     — how durations are shown (`fmt_us`).
//! - `stream`    — a connection's bytes, plain TCP or TLS: what HTTP/1.1 code reads and writes.
//! - `timer`     — sub-millisecond sleeps for dispatch and mock latency.
//! - `escape`    — control characters escaped in everything shown on a terminal.

pub mod adhoc;
pub mod chaos;
pub mod cli;
pub mod client;
pub mod dist;
pub mod dns;
pub mod escape;
pub mod fault;
pub mod gate;
pub(crate) mod http1;
pub mod load;
pub mod mock;
pub mod record;
pub mod report;
pub mod resources;
pub mod result;
pub mod run;
pub mod scenario;
pub mod seeded;
pub mod server_thread;
pub mod signals;
pub mod slow;
pub mod standalone;
pub mod stats;
pub(crate) mod stream;
pub mod summary;
pub mod timer;
pub mod units;
pub mod verdict;
pub mod vocabulary;
