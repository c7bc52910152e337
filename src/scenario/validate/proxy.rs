//! `[proxy]`: the chaos proxy's limits (for a run, and for `chaosload proxy --config`).

use super::diagnostic::Cx;
use crate::chaos::ProxyLimits;
use crate::scenario::raw::RawProxy;

impl Cx<'_> {
    pub(super) fn proxy_section(&mut self) -> ProxyLimits {
        let mut limits = ProxyLimits::default();
        let Some(value) = self.doc.get("proxy") else {
            return limits;
        };
        let Some(raw) = self.section::<RawProxy>("proxy", value) else {
            return limits;
        };
        if let Some(n) = raw.max_connections {
            if let Some(n) = self.count("proxy.max_connections", n, 1) {
                limits.max_connections = n;
            }
        }
        if let Some(timeout) = &raw.half_close_timeout {
            if let Some(timeout) = self.positive_duration("proxy.half_close_timeout", timeout) {
                limits.half_close_timeout = timeout;
            }
        }
        limits
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn proxy_limits_reach_the_plan_and_are_bounded() {
        let plan = ok(&with("[proxy]\nmax_connections = 64\nhalf_close_timeout = \"750ms\"\n"));
        assert_eq!(plan.proxy, ProxyLimits { max_connections: 64, half_close_timeout: ms(750) });
        assert_round_trip(&plan);
        assert_eq!(ok(&with("")).proxy, ProxyLimits::default());
        assert_eq!(
            errs(&with("[proxy]\nmax_connections = 0\nhalf_close_timeout = \"0s\"\nmax_conns = 1\n")),
            ["12:1 proxy: unknown field \"max_conns\""]
        );
        assert_eq!(
            errs(&with("[proxy]\nmax_connections = 0\nhalf_close_timeout = \"0s\"\n")),
            [
                "10:19 proxy.max_connections: must be ≥ 1, got 0",
                "11:22 proxy.half_close_timeout: must be longer than 0s",
            ]
        );
    }
}
