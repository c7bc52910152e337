//! The one integration test binary: real servers and load on 127.0.0.1, the CLI, and report.html in a browser.

// Unix only: it runs Chromium in its own process group so a hang can be killed whole.
#[cfg(unix)]
mod browser;
mod chaos;
mod cli;
mod client;
mod dns;
mod dns_go;
mod dns_run;
mod engine;
mod fuzz;
mod gates;
mod h2;
mod h2_nghttp;
mod hostile;
#[cfg(target_os = "linux")]
mod peers;
mod presets;
mod realism;
mod regress;
mod resolver;
mod resources;
mod scenarios;
mod signals;
mod slow_defences;
mod slow_interop;
mod standalone;
mod support;
mod sweep;
mod tls;
mod verdict;
