//! The chaosload command line.
fn main() {}
