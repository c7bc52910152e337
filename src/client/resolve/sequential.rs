//! The sequential strategy, Go's pure resolver (`net/dnsclient_unix.go`, `tryOneName`) and
//! glibc's `res_send`: for each attempt, each server in turn, each query with its own `timeout`.
//! SERVFAIL, REFUSED and misbehaviour move on to the next server; an answer (addresses, NXDOMAIN
//! or NODATA) ends the loop at once. The worst case is `timeout × attempts × servers`.

use super::query::{self, Failure, Question, Reply, Verdict};
use super::Counters;
use crate::record::ErrorKind;
use crate::scenario::QueryPlan;
use std::net::SocketAddr;

/// One question answered by the first server that answers it, in order, round after round.
pub(super) async fn ask(
    plan: &QueryPlan,
    servers: &[SocketAddr],
    question: &Question,
    counters: &Counters,
) -> Result<Reply, ErrorKind> {
    // Whether any server replied at all: with none, the lookup timed out; otherwise it failed.
    let mut replied = false;
    for _ in 0..plan.attempts {
        for &server in servers {
            match exchange(server, question, plan, counters).await {
                Ok(Verdict::Answer(reply)) => return Ok(reply),
                Ok(Verdict::ServFail | Verdict::Refused | Verdict::Misbehaving | Verdict::Truncated)
                | Err(Failure::Unreachable) => replied = true,
                Err(Failure::Timeout) => {}
            }
        }
    }
    Err(if replied { ErrorKind::DnsError } else { ErrorKind::DnsTimeout })
}

/// UDP first; a truncated reply is asked again over TCP, with a fresh `timeout` (as Go does).
async fn exchange(
    server: SocketAddr,
    question: &Question,
    plan: &QueryPlan,
    counters: &Counters,
) -> Result<Verdict, Failure> {
    match query::udp(server, question, plan.timeout, counters).await? {
        Verdict::Truncated => {
            counters.add(&counters.tcp_retries);
            query::tcp(server, question, plan.timeout, counters).await
        }
        verdict => Ok(verdict),
    }
}
