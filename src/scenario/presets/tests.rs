//! Each preset's plan against the values its sources give, and the sources against the plan.

use super::{find, PRESETS};
use crate::scenario::plan::{ClientPlan, PoolOrder, ResolverPlan, SilentRetry};
use std::time::Duration;

fn plan(name: &str) -> ClientPlan {
    find(name).unwrap_or_else(|| panic!("preset {name} is registered")).plan("c")
}

const fn secs(n: u64) -> Option<Duration> {
    Some(Duration::from_secs(n))
}

#[test]
fn go_is_default_transport_with_a_zero_client() {
    let p = plan("go");
    assert_eq!(p.preset, Some("go"));
    assert_eq!((p.connect_timeout, p.tcp_keepalive), (secs(30), secs(30)));
    assert_eq!((p.pool_idle_timeout, p.idle_reaper, p.pool_max_idle_per_host), (secs(90), true, 2));
    assert_eq!((p.pool_order, p.max_conns_per_host), (PoolOrder::Lifo, None));
    assert_eq!(p.expect_continue_timeout, secs(1));
    assert_eq!((p.request_timeout, p.response_header_timeout, p.read_timeout), (None, None, None));
    assert_eq!(p.silent_retry, SilentRetry::Go);
    assert_eq!((p.retries.max, p.lookup_resolver()), (0, None));
}

#[test]
fn hyper_util_and_reqwest() {
    let h = plan("hyper-util");
    assert_eq!((h.pool_idle_timeout, h.idle_reaper, h.pool_max_idle_per_host), (secs(90), false, usize::MAX));
    assert_eq!((h.connect_timeout, h.tcp_keepalive, h.silent_retry), (None, None, SilentRetry::Unwritten));
    let r = plan("reqwest");
    assert_eq!((r.pool_idle_timeout, r.idle_reaper, r.pool_max_idle_per_host), (secs(90), true, usize::MAX));
    assert_eq!((r.request_timeout, r.connect_timeout, r.tcp_keepalive), (None, None, secs(15)));
    assert_eq!(r.silent_retry, SilentRetry::Unwritten);
}

#[test]
fn node_clients() {
    let u = plan("undici");
    assert_eq!((u.pool_idle_timeout, u.response_header_timeout, u.read_timeout), (secs(4), secs(300), secs(300)));
    assert_eq!((u.connect_timeout, u.max_conns_per_host, u.silent_retry), (secs(10), None, SilentRetry::None));
    let a = plan("node-agent");
    assert_eq!((a.keep_alive, a.pool_idle_timeout, a.pool_order), (true, secs(5), PoolOrder::Lifo));
    assert_eq!((a.pool_max_idle_per_host, a.max_conns_per_host, a.silent_retry), (256, None, SilentRetry::None));
}

#[test]
fn python_clients() {
    let r = plan("python-requests");
    assert_eq!((r.pool_max_idle_per_host, r.max_conns_per_host, r.pool_idle_timeout), (10, None, None));
    assert_eq!((r.request_timeout, r.silent_retry), (None, SilentRetry::None));
    let x = plan("httpx");
    assert_eq!((x.connect_timeout, x.read_timeout, x.max_conns_per_host), (secs(5), secs(5), Some(100)));
    assert_eq!((x.pool_max_idle_per_host, x.pool_idle_timeout, x.idle_reaper), (20, secs(5), false));
    assert_eq!(x.silent_retry, SilentRetry::Unwritten);
}

#[test]
fn jvm_clients() {
    let j = plan("java-httpclient");
    assert_eq!((j.pool_idle_timeout, j.max_conns_per_host, j.pool_order), (secs(30), None, PoolOrder::Fifo));
    assert_eq!(j.silent_retry, SilentRetry::Idempotent);
    let Some(ResolverPlan::Cached(cache)) = j.lookup_resolver() else { panic!("the JVM caches names") };
    assert_eq!((cache.min_ttl, cache.max_ttl), (Duration::from_secs(30), Duration::from_secs(30)));
    let o = plan("okhttp");
    assert_eq!((o.pool_max_idle_per_host, o.pool_idle_timeout), (5, secs(300)));
    assert_eq!((o.connect_timeout, o.read_timeout, o.request_timeout), (secs(10), secs(10), None));
    assert_eq!(o.silent_retry, SilentRetry::BeforeResponse);
    assert!(o.lookup_resolver().is_some());
    let mut own = o.clone();
    own.resolver = Some(ResolverPlan::System);
    assert_eq!(own.lookup_resolver(), Some(ResolverPlan::System), "a configuration's own resolver wins");
}

/// Every knob a preset sets differently from chaosload's defaults has a source line, and every
/// source names a knob of the normalized scenario.
#[test]
fn every_value_has_its_source() {
    let defaults = ClientPlan::defaults("c").normalized();
    for preset in PRESETS {
        let normalized = preset.plan("c").normalized();
        let listed: Vec<&str> = preset.knobs.iter().map(|k| k.key).collect();
        for knob in preset.knobs {
            assert!(defaults.get(knob.key).is_some(), "{}: {} is not a client knob", preset.name, knob.key);
            assert!(!knob.source.is_empty());
        }
        for (key, value) in normalized.as_object().unwrap() {
            if key != "preset" && defaults.get(key) != Some(value) {
                assert!(listed.contains(&key.as_str()), "{}: {key} = {value} has no source", preset.name);
            }
        }
        let mut names: Vec<&str> = listed.clone();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), listed.len(), "{}: a knob listed twice", preset.name);
    }
}

#[test]
fn names_are_unique_and_found() {
    for preset in PRESETS {
        assert!(std::ptr::eq(find(preset.name).unwrap(), *preset));
    }
    assert!(find("curl").is_none());
}
