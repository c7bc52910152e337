//! The parallel strategy, musl's `res_msend`: the query goes to every server at once on one
//! socket and is sent again to all every `timeout / attempts`, until the first acceptable reply
//! or `timeout` (the whole lookup's limit, not one query's). NOERROR and NXDOMAIN are accepted;
//! SERVFAIL is sent again at once to that server (at most twice a round); REFUSED and other codes
//! are ignored. A truncated reply is asked again over TCP of the server that sent it, within
//! what is left of `timeout`; a TCP retry that fails ends the lookup, as in musl.

use super::query::{self, Question, Reply, Verdict};
use super::Counters;
use crate::record::ErrorKind;
use crate::scenario::QueryPlan;
use hickory_proto::op::Message;
use std::net::SocketAddr;
use tokio::time::Instant;

/// musl's `servfail_retry`: SERVFAIL re-sends allowed per round, per query.
const SERVFAIL_RESENDS_PER_ROUND: u32 = 2;
const UDP_BUFFER: usize = 4096;

/// One question answered by whichever server answers acceptably first.
pub(super) async fn ask(
    plan: &QueryPlan,
    servers: &[SocketAddr],
    question: &Question,
    counters: &Counters,
) -> Result<Reply, ErrorKind> {
    let started = Instant::now();
    let deadline = Instant::from_std(crate::timer::after(started.into_std(), plan.timeout));
    let interval = plan.timeout / plan.attempts.max(1);
    let socket = super::query::udp_socket_for(servers[0]).await.map_err(|_| ErrorKind::DnsError)?;
    let id = rand::random::<u16>();
    let query = question.message(id);
    let mut buffer = vec![0u8; UDP_BUFFER];
    // Whether any server replied (SERVFAIL, REFUSED…): at the deadline, an error, not a timeout.
    let mut replied = false;
    let mut next_round = started;
    let mut servfail_resends = 0;
    // Per server: replied in this round (its query is not counted as timed out).
    let mut answered_round = vec![false; servers.len()];
    loop {
        let now = Instant::now();
        if now >= next_round && now < deadline {
            if next_round > started {
                count_round_timeouts(&mut answered_round, counters);
            }
            for &server in servers {
                counters.add(&counters.queries_udp);
                // A server of another address family, or a full buffer: musl ignores it too.
                let _ = socket.send_to(&query, server).await;
            }
            next_round = Instant::from_std(crate::timer::after(now.into_std(), interval));
            servfail_resends = SERVFAIL_RESENDS_PER_ROUND;
        }
        if now >= deadline {
            count_round_timeouts(&mut answered_round, counters);
            return Err(if replied { ErrorKind::DnsError } else { ErrorKind::DnsTimeout });
        }
        let received = tokio::time::timeout_at(next_round.min(deadline), socket.recv_from(&mut buffer)).await;
        let Ok(received) = received else { continue }; // time for the next round, or the end
                                                       // An unconnected socket is not told of ICMP errors; any other failure is the socket's.
        let (n, from) = received.map_err(|_| ErrorKind::DnsError)?;
        let Some(index) = servers.iter().position(|s| *s == from) else {
            counters.add(&counters.replies_ignored); // not from a server asked
            continue;
        };
        let reply = match Message::from_vec(&buffer[..n]) {
            Ok(reply) if question.answered_by(id, &reply) => reply,
            _ => {
                counters.add(&counters.replies_ignored);
                continue;
            }
        };
        answered_round[index] = true;
        match question.verdict(&reply) {
            Verdict::Answer(answer) => return Ok(answer),
            Verdict::ServFail => {
                replied = true;
                if servfail_resends > 0 {
                    servfail_resends -= 1;
                    counters.add(&counters.queries_udp);
                    let _ = socket.send_to(&query, from).await;
                }
            }
            Verdict::Refused | Verdict::Misbehaving => replied = true,
            Verdict::Truncated => {
                counters.add(&counters.tcp_retries);
                let left = deadline.saturating_duration_since(Instant::now());
                return match query::tcp(from, question, left, counters).await {
                    Ok(Verdict::Answer(answer)) => Ok(answer),
                    Ok(_) | Err(query::Failure::Unreachable) => Err(ErrorKind::DnsError),
                    Err(query::Failure::Timeout) => Err(ErrorKind::DnsTimeout),
                };
            }
        }
    }
}

/// Ends a round: each server that did not reply in it had a UDP query time out.
fn count_round_timeouts(answered_round: &mut [bool], counters: &Counters) {
    for answered in answered_round.iter_mut() {
        if !std::mem::replace(answered, false) {
            counters.add(&counters.udp_timeouts);
        }
    }
}
