//! Joining concurrent lookups of one name into one, as Go's `singleflight` does in
//! `net.Resolver.lookupIPAddr`: the first caller looks the name up, the others wait for its
//! result. Runtime-agnostic (a std mutex and tokio's oneshot channels), so the workers' separate
//! runtimes can share it; the leader's queries run on the leader's runtime.

use crate::record::ErrorKind;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Mutex;
use tokio::sync::oneshot;

type Outcome = Result<IpAddr, ErrorKind>;

#[derive(Default)]
pub(super) struct Flights {
    /// Names being looked up, with the callers waiting for each.
    waiting: Mutex<HashMap<String, Vec<oneshot::Sender<Outcome>>>>,
}

impl Flights {
    /// `lookup`'s result, or that of the lookup of `host` already under way. `joined` is called
    /// when this caller got another's result.
    pub(super) async fn join(&self, host: &str, lookup: impl Future<Output = Outcome>, joined: impl Fn()) -> Outcome {
        let mut lookup = std::pin::pin!(lookup);
        loop {
            let wait = {
                let mut waiting = self.waiting.lock().expect("flights lock");
                match waiting.get_mut(host) {
                    Some(waiters) => {
                        let (send, receive) = oneshot::channel();
                        waiters.push(send);
                        Some(receive)
                    }
                    None => {
                        waiting.insert(host.to_string(), Vec::new());
                        None
                    }
                }
            };
            match wait {
                Some(receive) => match receive.await {
                    Ok(outcome) => {
                        joined();
                        return outcome;
                    }
                    // The leader was dropped (its request timed out): look it up anew. (Go's
                    // singleflight lets a shared lookup run on without its first caller; here
                    // the next waiter starts a fresh one, so a lookup longer than
                    // `request_timeout` costs one more query per waiter that outlives it.)
                    Err(_) => continue,
                },
                None => {
                    let flight = Flight { flights: self, host };
                    let outcome = lookup.as_mut().await;
                    flight.land(outcome);
                    return outcome;
                }
            }
        }
    }
}

/// The leader's claim on a name: removed when it lands, or when the leader is dropped (its
/// waiters' channels close, so each looks the name up itself).
struct Flight<'a> {
    flights: &'a Flights,
    host: &'a str,
}

impl Flight<'_> {
    fn land(self, outcome: Outcome) {
        let waiters = self.flights.waiting.lock().expect("flights lock").remove(self.host);
        std::mem::forget(self);
        for waiter in waiters.into_iter().flatten() {
            let _ = waiter.send(outcome);
        }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.flights.waiting.lock() {
            waiting.remove(self.host);
        }
    }
}
