//! The fuzz targets: what chaosload does with a file a user hands it, checked for panics and
//! broken properties. `fuzz/main.rs` (`just fuzz`) feeds them mutated inputs; the integration
//! test `fuzz_regressions` replays every input committed under `tests/fixtures/fuzz/`.
//!
//! A target panics when chaosload would: on a panic inside chaosload, or when a property fails
//! (a plan that validates must read back the same from its normalized form; a result that loads
//! must render; the DNS stub's answer to any packet must be a well-formed response within the
//! size the query allows).

use chaosload::load::schedule::Schedule;
use chaosload::result::RunResult;
use chaosload::scenario::{self, Load, Overrides, Plan};
use std::path::Path;
use std::time::Duration;

/// A fuzz target: panics on what it finds.
pub type Run = fn(&[u8]);

/// The targets by name, as `just fuzz` and the regression test list them.
pub const TARGETS: &[(&str, Run)] = &[("scenario", scenario_file), ("result", result_file), ("dns_packet", dns_packet)];

/// A scenario file through `run`'s and `validate`'s path, and the same bytes as a `--config` file.
/// A plan that validates must (1) read back the same from its normalized form written as TOML,
/// (2) build each phase's schedule for a 100 ms dry slice, (3) give its planned load and warnings.
pub fn scenario_file(bytes: &[u8]) {
    let path = Path::new("fuzz.toml");
    let _ = scenario::parse_parts_bytes(bytes.to_vec(), path).map_err(|d| d.to_string());
    let plan = match scenario::parse_bytes(bytes.to_vec(), path, &Overrides::default()) {
        Ok(plan) => plan,
        Err(diagnostics) => {
            let shown = diagnostics.to_string();
            assert!(
                !shown.chars().any(|c| c.is_control() && c != '\n'),
                "a diagnostic shows a raw control character: {shown:?}"
            );
            return;
        }
    };
    assert_reads_back(&plan);
    dry_slice(&plan);
    let _ = (plan.planned_load(), plan.remote_target_notice(plan.clients.len()), plan.warnings(), plan.run_length());
}

/// `plan.normalized()` written as TOML validates to the same plan.
pub fn assert_reads_back(plan: &Plan) {
    let json = plan.normalized();
    let text = toml::to_string(&json).expect("normalized JSON is TOML-serializable");
    let again = scenario::parse(&text, Path::new("fuzz.toml"))
        .unwrap_or_else(|d| panic!("normalized form is invalid: {d}\n{text}"));
    assert_eq!(again.normalized(), json, "normalized twice differs:\n{text}");
    let parts = |p: &Plan| {
        format!(
            "{:?}",
            (&p.name, p.seed, p.threads, p.drain, &p.target, &p.mock, &p.dns, &p.phases, &p.clients, &p.faults)
        )
    };
    assert_eq!(parts(&again), parts(plan), "normalized form reads back as another plan:\n{text}");
}

/// The first 100 ms of every open-model phase's schedule, as the engine would draw it.
pub fn dry_slice(plan: &Plan) {
    const SLICE: Duration = Duration::from_millis(100);
    for (i, phase) in plan.phases.iter().enumerate() {
        if let Load::Open { shape, poisson, .. } = &phase.load {
            let mut last = Duration::ZERO;
            for offset in Schedule::new(shape.clone(), phase.duration, *poisson, i as u64).take_while(|t| *t < SLICE) {
                assert!(offset >= last && offset < phase.duration, "phase {i}: offset {offset:?} after {last:?}");
                last = offset;
            }
        }
    }
}

/// A result.json through `report` and `compare`: loaded as they load it, then rendered as
/// report.html, a comparison with itself (terminal, Markdown, HTML), hlogs and the summary.
pub fn result_file(bytes: &[u8]) {
    let Ok(result) = RunResult::parse(bytes, Path::new("fuzz.json")) else { return };
    let _ = chaosload::report::html::render(&result);
    let _ = chaosload::summary::render(&result);
    if let Some(start) = chaosload::report::hlog::started_at(&result) {
        for client in &result.clients {
            let _ = chaosload::report::hlog::write_interval_log(client, start);
        }
    }
    let labelled = vec![("a".to_string(), result.clone()), ("b".to_string(), result)];
    let comparison = chaosload::report::compare::compare(&labelled);
    let _ = chaosload::report::compare::terminal_table(&comparison);
    let _ = chaosload::report::markdown::comparison_markdown(&comparison);
    let _ = chaosload::report::compare_html::render(&comparison, &labelled);
}

/// The DNS stub's records and faults for [`dns_packet`]: every kind of answer a packet can get.
const DNS_CONFIG: &str = r#"
[dns]
records = [
  { name = "upstream.test", a = ["127.0.0.1", "127.0.0.2"] },
  { name = "v6.test", aaaa = "::1" },
  { name = "alias.test", cname = "upstream.test" },
  { name = "big.test", a = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10", "10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14", "10.0.0.15", "10.0.0.16", "10.0.0.17", "10.0.0.18", "10.0.0.19", "10.0.0.20", "10.0.0.21", "10.0.0.22", "10.0.0.23", "10.0.0.24", "10.0.0.25", "10.0.0.26", "10.0.0.27", "10.0.0.28", "10.0.0.29", "10.0.0.30", "10.0.0.31", "10.0.0.32", "10.0.0.33"] },
]
[[fault]]
layer = "dns"
kind = "truncate"
name = "*.trunc.test"
[[fault]]
layer = "dns"
kind = "flap"
name = "v6.test"
answers = ["127.0.0.9", "::2"]
[[fault]]
layer = "dns"
kind = "ttl"
ttl = "0s"
every_nth = 2
[[fault]]
layer = "dns"
kind = "nxdomain"
probability = 0.1
"#;

/// A packet to the DNS stub, over UDP and over TCP: whatever is answered must parse as a
/// response to the packet's id; over UDP it must fit the query's EDNS size (512 without).
pub fn dns_packet(bytes: &[u8]) {
    use hickory_proto::op::{Message, MessageType};
    use std::sync::OnceLock;
    static RESPONDER: OnceLock<chaosload::dns::DnsResponder> = OnceLock::new();
    let responder = RESPONDER.get_or_init(|| {
        let parts =
            scenario::parse_parts(DNS_CONFIG, Path::new("dns.toml")).expect("the fuzz target's config is valid");
        let faults = scenario::ByLayer::split(&parts.faults).dns;
        let config = chaosload::dns::DnsConfig { plan: parts.dns, faults, seed: 1, epoch: std::time::Instant::now() };
        chaosload::dns::DnsResponder::new(&config)
    });
    let limit = match Message::from_vec(bytes) {
        Ok(query) => query.edns.map_or(512, |edns| usize::from(edns.max_payload().max(512))),
        Err(_) => 512,
    };
    for udp in [true, false] {
        if let Some((answer, _delay)) = responder.answer(bytes, udp) {
            let parsed = Message::from_vec(&answer).unwrap_or_else(|e| panic!("the stub's answer does not parse: {e}"));
            assert_eq!(parsed.metadata.message_type, MessageType::Response);
            assert_eq!(parsed.metadata.id, u16::from_be_bytes([bytes[0], bytes[1]]), "the answer keeps the query's id");
            if udp {
                assert!(answer.len() <= limit, "{} bytes over UDP for a {limit}-byte client", answer.len());
            }
        }
    }
}
