//! The floor for the open model's scheduler lag: one thread that sleeps until each arrival of a
//! constant rate and records how late it woke, with nothing else to do. `just bench` runs it next
//! to chaosload's open model, so the lag the machine itself adds (timer and wake-up latency of
//! an idle CPU) shows apart from chaosload's own.
//!
//! Usage: `cargo run --release --example timer_floor -- RATE SECONDS`; prints `lag_p50_us N`,
//! `lag_p99_us N`, `lag_max_us N`.

use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rate: f64 = args.next().ok_or("usage: timer_floor RATE SECONDS")?.parse()?;
    let seconds: f64 = args.next().ok_or("SECONDS")?.parse()?;
    if !(rate > 0.0 && seconds > 0.0) {
        return Err("RATE and SECONDS must be positive".into());
    }
    let gap = Duration::from_secs_f64(1.0 / rate);
    let mut lag = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(seconds);
    let mut next = start + gap;
    while next < end {
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        let late = Instant::now().saturating_duration_since(next);
        lag.saturating_record((late.as_micros() as u64).max(1));
        next += gap;
    }
    println!("lag_p50_us {}", lag.value_at_quantile(0.5));
    println!("lag_p99_us {}", lag.value_at_quantile(0.99));
    println!("lag_max_us {}", lag.max());
    println!("arrivals {}", lag.len());
    Ok(())
}
