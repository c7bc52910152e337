//! Properties of validation over generated scenarios (proptest): validation never panics; a
//! plan that validates reads back the same from its normalized form, and builds every phase's
//! schedule for a 100 ms dry slice. Values are drawn around their ceilings and past them.

use super::test_support::assert_round_trip;
use super::validate;
use crate::load::schedule::Schedule;
use crate::scenario::{Load, Overrides};
use proptest::prelude::*;
use std::path::Path;
use std::time::Duration;

/// Mostly values in range, now and then one at or past its ceiling, or hostile.
fn duration() -> BoxedStrategy<String> {
    let units = prop::sample::select(vec!["ns", "us", "ms", "s"]);
    prop_oneof![
        60 => (0u64..600, units).prop_map(|(n, unit)| format!("\"{n}{unit}\"")),
        1 => Just("\"none\"".to_string()),
        1 => Just("\"1h\"".to_string()),
        1 => Just("\"24h\"".to_string()),
        1 => Just("\"18446744073709551615s\"".to_string()),
        1 => any::<u64>().prop_map(|n| format!("\"{n}ms\"")),
    ]
    .boxed()
}

fn rate() -> BoxedStrategy<String> {
    prop_oneof![
        40 => (0.0f64..20_000.0).prop_map(|r| format!("{r}")),
        1 => Just("10000000".to_string()),
        1 => Just("10000001".to_string()),
        1 => Just("9.2e18".to_string()),
        1 => Just("nan".to_string()),
    ]
    .boxed()
}

fn count() -> BoxedStrategy<String> {
    prop_oneof![
        40 => (1i64..200).prop_map(|n| n.to_string()),
        1 => Just("0".to_string()),
        1 => Just("\"unlimited\"".to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
    .boxed()
}

/// A duration or a distribution table.
fn delay() -> BoxedStrategy<String> {
    prop_oneof![duration(), dist()].boxed()
}

/// A distribution table.
fn dist() -> BoxedStrategy<String> {
    prop_oneof![
        duration().prop_map(|d| format!("{{ dist = \"fixed\", value = {d} }}")),
        (duration(), duration()).prop_map(|(a, b)| format!("{{ dist = \"uniform\", min = {a}, max = {b} }}")),
        (duration(), duration()).prop_map(|(a, b)| format!("{{ dist = \"normal\", mean = {a}, stddev = {b} }}")),
        (duration(), duration()).prop_map(|(a, b)| format!("{{ dist = \"lognormal\", median = {a}, p99 = {b} }}")),
        (duration(), 0.0f64..12.0).prop_map(|(a, s)| format!("{{ dist = \"lognormal\", median = {a}, sigma = {s} }}")),
    ]
    .boxed()
}

fn phase() -> BoxedStrategy<String> {
    let shape = prop_oneof![
        rate().prop_map(|r| format!("{{ kind = \"constant\", rate = {r} }}")),
        (rate(), rate()).prop_map(|(a, b)| format!("{{ kind = \"ramp\", from = {a}, to = {b} }}")),
        prop::collection::vec(rate(), 1..4)
            .prop_map(|rs| format!("{{ kind = \"steps\", rates = [{}] }}", rs.join(", "))),
        (rate(), duration(), duration())
            .prop_map(|(r, on, off)| format!("{{ kind = \"bursts\", rate = {r}, on = {on}, off = {off} }}")),
    ];
    let open = (shape, any::<bool>(), count())
        .prop_map(|(s, p, m)| format!("shape = {s}\npoisson = {p}\nmax_in_flight = {m}\n"));
    let closed = (1i64..50, delay()).prop_map(|(c, t)| format!("concurrency = {c}\nthink = {t}\n"));
    (duration(), prop_oneof![open, closed]).prop_map(|(d, load)| format!("[[phase]]\nduration = {d}\n{load}")).boxed()
}

fn client() -> BoxedStrategy<String> {
    (duration(), count(), count(), duration(), 0i64..5, duration(), any::<bool>(), prop::option::weighted(0.2, resolver())).prop_map(
        |(idle, max_idle, max_conns, timeout, retries, backoff, http2, resolver)| {
            let http = if http2 { "2" } else { "1" };
            let resolver = resolver.map(|r| format!("resolver = {r}\n")).unwrap_or_default();
            format!(
                "pool_idle_timeout = {idle}\npool_max_idle_per_host = {max_idle}\nmax_conns_per_host = {max_conns}\n\
                 request_timeout = {timeout}\nhttp = \"{http}\"\nretries = {{ max = {retries}, on = [\"reset\", \"5xx\"], backoff = {backoff} }}\n{resolver}"
            )
        },
    )
    .boxed()
}

/// A `resolver` table of each kind, its values mostly in range.
fn resolver() -> BoxedStrategy<String> {
    let timeout = prop_oneof![20 => (1u64..60_000).prop_map(|n| format!("\"{n}ms\"")), 1 => duration()];
    // Mostly within limits (1 to 10 attempts, 1 to 3 servers), sometimes not.
    let attempts = prop_oneof![9 => 1i64..11, 1 => 0i64..12];
    let servers = prop_oneof![9 => 1i64..4, 1 => 0i64..5];
    let query = (timeout, attempts, servers, any::<bool>(), any::<bool>()).prop_map(|(t, a, s, parallel, c)| {
        let strategy = if parallel { "parallel" } else { "sequential" };
        format!("timeout = {t}, attempts = {a}, servers = {s}, strategy = \"{strategy}\", coalesce = {c}")
    });
    let cache = (duration(), duration(), any::<bool>(), duration()).prop_map(|(min, max, n, stale)| {
        format!("min_ttl = {min}, max_ttl = {max}, negative = {n}, serve_stale = {stale}")
    });
    prop_oneof![
        1 => Just("{ kind = \"system\" }".to_string()),
        2 => query.clone().prop_map(|q| format!("{{ kind = \"uncached\", {q} }}")),
        2 => (query, cache).prop_map(|(q, c)| format!("{{ kind = \"cached\", {q}, {c} }}")),
    ]
    .boxed()
}

fn fault() -> BoxedStrategy<String> {
    let kind = prop_oneof![
        Just("kind = \"stall\"".to_string()),
        delay().prop_map(|d| format!("kind = \"latency\"\nlatency = {d}")),
        Just("kind = \"status\"\ncode = 503".to_string()),
        count().prop_map(|n| format!("kind = \"close\"\nafter_requests = {n}")),
        duration().prop_map(|d| format!("kind = \"reset_peer\"\nlayer = \"proxy\"\nafter = {d}")),
        count().prop_map(|n| format!("kind = \"bandwidth\"\nlayer = \"proxy\"\nbytes_per_s = {n}")),
        (count(), duration())
            .prop_map(|(n, d)| format!("kind = \"slowloris\"\nlayer = \"clients\"\nconnections = {n}\ninterval = {d}")),
        (count(), count()).prop_map(|(n, b)| format!(
            "kind = \"slow_read\"\nlayer = \"clients\"\nper_second = {n}\nreceive_buffer = {b}"
        )),
    ];
    (kind, duration(), prop::option::of(duration()), prop::option::of(duration()), 0.0f64..1.0)
        .prop_map(|(kind, at, for_, every, p)| {
            // A cohort takes no probability (validation refuses one).
            let p = if kind.contains("layer = \"clients\"") { String::new() } else { format!("probability = {p}\n") };
            let mut s = format!("[[fault]]\n{kind}\nat = {at}\n{p}");
            if let Some(f) = for_ {
                s += &format!("for = {f}\n");
                if let Some(e) = every {
                    s += &format!("every = {e}\n");
                }
            }
            s
        })
        .boxed()
}

fn scenario() -> BoxedStrategy<String> {
    (
        duration(),
        dist(),
        count(),
        prop::collection::vec(phase(), 1..3),
        prop::collection::vec(client(), 1..3),
        prop::collection::vec(fault(), 0..3),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(drain, latency, body, phases, clients, faults, named)| {
            let clients: String =
                clients.iter().enumerate().map(|(i, c)| format!("[[client]]\nname = \"c{i}\"\n{c}")).collect();
            // Mostly a mock reached by name (a resolver needs one), on as many nameservers as a
            // resolver may be given.
            let dns = if named { "[dns]\nmock_name = \"up.test\"\nnameservers = 3\n" } else { "" };
            format!(
                "name = \"p\"\ndrain = {drain}\n[target]\nmock = true\n[mock]\nlatency = {latency}\nbody_bytes = {body}\n{dns}{}{clients}{}",
                phases.concat(),
                faults.concat()
            )
        })
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_plan_reads_back_the_same_and_schedules_a_dry_slice(src in scenario()) {
        let Ok(plan) = validate(&src, Path::new("t.toml"), &Overrides::default()) else {
            return Ok(()); // invalid: reported, not panicked (proptest fails on a panic)
        };
        assert_round_trip(&plan);
        for (i, phase) in plan.phases.iter().enumerate() {
            if let Load::Open { shape, poisson, .. } = &phase.load {
                let slice = Schedule::new(shape.clone(), phase.duration, *poisson, i as u64)
                    .take_while(|t| *t < Duration::from_millis(100));
                prop_assert!(slice.take(2_000_000).all(|t| t < phase.duration));
            }
        }
    }

    #[test]
    fn values_beyond_their_ceiling_never_validate(src in scenario()) {
        let over = ["\"18446744073709551615s\"", "10000001", "9.2e18"];
        if let Ok(plan) = validate(&src, Path::new("t.toml"), &Overrides::default()) {
            prop_assert!(plan.drain <= Duration::from_secs(600));
            prop_assert!(plan.phases.iter().all(|p| p.duration <= Duration::from_secs(86_400)));
            prop_assert!(plan.mock.body_bytes <= 1 << 30);
            prop_assert!(!src.contains(over[0]) && !src.contains(over[1]) && !src.contains(over[2]), "{src}");
        }
    }
}

/// The properties above say something only if enough generated scenarios validate.
#[test]
fn enough_generated_scenarios_validate_for_the_properties_to_mean_something() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = scenario();
    let (mut valid, mut open, total) = (0, 0, 400);
    for _ in 0..total {
        let src = strategy.new_tree(&mut runner).expect("a scenario").current();
        if let Ok(plan) = validate(&src, Path::new("t.toml"), &Overrides::default()) {
            valid += 1;
            open += usize::from(plan.phases.iter().any(|p| matches!(p.load, Load::Open { .. })));
        }
    }
    assert!(valid * 10 >= total, "only {valid} of {total} generated scenarios validate");
    assert!(open * 20 >= total, "only {open} valid scenarios with an open-model phase");
    eprintln!("{valid} of {total} generated scenarios validate, {open} with an open-model phase");
}
