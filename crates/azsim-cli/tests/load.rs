//! The real `azsim up` under load: 300,000 token requests answered from a metadata agent's
//! cache over many keep-alive connections, in bounded memory, then a stop by SIGINT (what
//! Ctrl-C sends) in under a second, and the cache hits that were not recorded one by one
//! found summarised in the event log after a restart.

#![allow(clippy::unwrap_used)]

#[path = "support/cloud_admin.rs"]
mod cloud_admin;
#[path = "conformance/running_cloud.rs"]
mod running_cloud;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use cloud_admin::CloudAdmin;
use running_cloud::RunningCloud;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// Requests answered from the cache that the test sends after warming up.
const REQUESTS: usize = 300_000;
/// Requests sent first, so that what the process allocates once is allocated before the
/// first measurement.
const WARM_UP_REQUESTS: usize = 30_000;
/// Keep-alive connections sending at once.
const CONNECTIONS: usize = 32;
/// Requests each connection writes before it reads their answers (HTTP/1.1 pipelining, which
/// hyper serves in order); it keeps a debug build's client from being the bottleneck.
const PIPELINE_DEPTH: usize = 16;
/// How much the process's resident memory may grow over the measured requests.
const RSS_GROWTH_LIMIT_KB: u64 = 20 * 1024;
/// How long a stop may take after SIGINT.
const STOP_LIMIT: Duration = Duration::from_secs(1);
/// The whole load must finish within this, or the test fails rather than hanging CI.
const LOAD_DEADLINE: Duration = Duration::from_secs(180);

/// The process's resident memory (`VmRSS`), in KiB.
fn resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

/// Sends `count` token requests over one keep-alive connection to `agent`; returns how many
/// were answered 200.
async fn send_requests(agent: SocketAddr, count: usize) -> usize {
    let request = format!(
        "GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F HTTP/1.1\r\nHost: {agent}\r\nMetadata: true\r\n\r\n"
    );
    let mut stream = TcpStream::connect(agent).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buffer: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut answered = 0;
    let mut sent = 0;
    while sent < count {
        let depth = PIPELINE_DEPTH.min(count - sent);
        stream
            .write_all(request.repeat(depth).as_bytes())
            .await
            .unwrap();
        sent += depth;
        for _ in 0..depth {
            if read_response(&mut stream, &mut buffer).await == 200 {
                answered += 1;
            }
        }
    }
    answered
}

/// Reads one response from `stream` (`buffer` keeps what was read past it); returns its status.
async fn read_response(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> u16 {
    loop {
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..end]).unwrap();
            let status: u16 = head[9..12].parse().unwrap();
            let length: usize = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .expect("every answer has a Content-Length");
            let total = end + 4 + length;
            while buffer.len() < total {
                read_more(stream, buffer).await;
            }
            buffer.drain(..total);
            return status;
        }
        read_more(stream, buffer).await;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 16 * 1024];
    let read = stream.read(&mut chunk).await.unwrap();
    assert!(read > 0, "the agent closed a keep-alive connection");
    buffer.extend_from_slice(&chunk[..read]);
}

/// Sends `total` requests over [`CONNECTIONS`] connections at once; returns the 200s.
async fn load(agent: SocketAddr, total: usize) -> usize {
    let mut connections = JoinSet::new();
    for connection in 0..CONNECTIONS {
        let share = total / CONNECTIONS + usize::from(connection < total % CONNECTIONS);
        connections.spawn(send_requests(agent, share));
    }
    let mut answered = 0;
    while let Some(result) = connections.join_next().await {
        answered += result.unwrap();
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_token_requests_run_in_bounded_memory_and_sigint_stops_in_under_a_second() {
    // Arrange: a cloud with one VM whose agent has a token cached, warmed up.
    let binary = Path::new(env!("CARGO_BIN_EXE_azsim"));
    let mut cloud = RunningCloud::start(binary);
    let admin = CloudAdmin::new(cloud.data_dir());
    let agent = admin.create_vm("load", "vm").await;
    assert_eq!(load(agent, WARM_UP_REQUESTS).await, WARM_UP_REQUESTS);
    let rss_before = resident_kb(cloud.pid());

    // Act: the measured requests, then SIGINT right after the last answer.
    let started = Instant::now();
    let answered = tokio::time::timeout(LOAD_DEADLINE, load(agent, REQUESTS))
        .await
        .expect("the load finishes in time");
    let elapsed = started.elapsed();
    let rss_after = resident_kb(cloud.pid());
    let (stop_time, status) = cloud.interrupt(Duration::from_secs(10));

    // Assert: every request answered, memory bounded, a clean and quick stop.
    println!(
        "{answered} cached token requests in {:.1} s ({:.0} requests/s) over {CONNECTIONS} connections; \
         VmRSS {rss_before} kB before, {rss_after} kB after ({:+} kB); stop after SIGINT {} ms",
        elapsed.as_secs_f64(),
        answered as f64 / elapsed.as_secs_f64(),
        rss_after as i64 - rss_before as i64,
        stop_time.as_millis()
    );
    for line in cloud.log().lines().filter(|line| line.contains("stopp")) {
        println!("azsim: {line}");
    }
    assert_eq!(answered, REQUESTS, "{}", cloud.log());
    assert!(
        rss_after.saturating_sub(rss_before) < RSS_GROWTH_LIMIT_KB,
        "resident memory grew from {rss_before} kB to {rss_after} kB"
    );
    let status = status.unwrap_or_else(|| panic!("still running after SIGINT:\n{}", cloud.log()));
    assert!(status.success(), "exit {status}:\n{}", cloud.log());
    assert!(
        stop_time < STOP_LIMIT,
        "the stop took {stop_time:?}:\n{}",
        cloud.log()
    );

    // And after a restart the event log holds the summary of the cache hits not recorded
    // one by one.
    cloud.restart(binary);
    let events = Command::new(binary)
        .arg("--data-dir")
        .arg(cloud.data_dir())
        .arg("events")
        .output()
        .unwrap();
    let events = String::from_utf8_lossy(&events.stdout);
    let summaries: Vec<&str> = events
        .lines()
        .filter(|line| line.contains("cache hits not recorded one by one"))
        .collect();
    println!(
        "{} summary events, e.g. {:?}",
        summaries.len(),
        summaries.first()
    );
    assert!(!summaries.is_empty(), "no summary among the events");
}
