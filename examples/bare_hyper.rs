//! The floor for chaosload's client: a bare hyper HTTP/1 loop, N connections on one current-thread
//! runtime, no pool, no recording. `just bench` compares it with chaosload's closed model, so
//! chaosload's own cost per request shows apart from hyper's.
//!
//! Usage: `cargo run --release --example bare_hyper -- http://127.0.0.1:PORT/ CONNS SECONDS`
//! (loopback only); prints `requests N`.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url: hyper::Uri = args.next().ok_or("usage: bare_hyper URL CONNS SECONDS")?.parse()?;
    let conns: usize = args.next().ok_or("CONNS")?.parse()?;
    let seconds: u64 = args.next().ok_or("SECONDS")?.parse()?;
    let host = url.host().ok_or("URL without host")?.to_string();
    if !(host == "localhost" || host == "::1" || host.starts_with("127.")) {
        return Err("loopback targets only".into());
    }
    let addr = format!("{host}:{}", url.port_u16().unwrap_or(80));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let local = tokio::task::LocalSet::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    let total = local.block_on(&runtime, async move {
        let mut users = Vec::new();
        for _ in 0..conns {
            let (addr, url, host) = (addr.clone(), url.clone(), host.clone());
            users.push(tokio::task::spawn_local(async move {
                let stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
                stream.set_nodelay(true).expect("nodelay");
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
                tokio::task::spawn_local(conn);
                let mut n = 0u64;
                while Instant::now() < end {
                    let request = hyper::Request::get(url.clone())
                        .header(hyper::header::HOST, host.as_str())
                        .body(Empty::<Bytes>::new())
                        .expect("request");
                    let response = sender.send_request(request).await.expect("response");
                    response.into_body().collect().await.expect("body");
                    n += 1;
                }
                n
            }));
        }
        let mut total = 0;
        for user in users {
            total += user.await.expect("user");
        }
        total
    });
    println!("requests {total}");
    Ok(())
}
