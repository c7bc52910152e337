//! How durations are shown to people: `fmt_us`, shared by the terminal summary, the report and the gates.

/// Formats microseconds with a unit a person reads at a glance: `850µs`, `2.10ms`, `1.23s`.
pub fn fmt_us(us: u64) -> String {
    match us {
        0..=999 => format!("{us}µs"),
        1_000..=9_999 => format!("{:.2}ms", us as f64 / 1e3),
        10_000..=999_999 => format!("{:.1}ms", us as f64 / 1e3),
        _ => format!("{:.2}s", us as f64 / 1e6),
    }
}
