//! Many open live pages of the console at once: a child process (this binary, hidden
//! `--console-clients`) opens `n` connections as one police unit, each its own TCP + TLS
//! connection and its own `GET /zdarzenia` (the address the list page names, as a browser
//! opens it), reads every event on every one of them, and holds them until its stdin
//! closes. In a child, so that this process's resident memory is the server's (plus the
//! bench's gRPC clients), not the 500 clients' as well.
//!
//! Protocol: the child writes `ready <open secs> <429 retries>` once every stream has its
//! 200; then each line `count` on its stdin is answered with `counts <fewest events> <most
//! events> <streams ended>`, and when stdin closes it writes `done` with the same three
//! figures and exits.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::{StreamExt, TryStreamExt};
use tokio::io::AsyncBufReadExt;

use super::https::{self, Conn, Events};

/// Streams being opened at once (the server's per-organisation limit counts a stream
/// while it opens; a 429 is retried).
const OPENING: usize = 32;

/// Child side: opens `n` live streams on the console at `addr` as `org` and holds them.
pub async fn hold(addr: SocketAddr, certs: &Path, n: usize, org: &str) -> Result<()> {
    let client = https::Client::new(certs, org, addr)?;
    // The page first, as a browser: it names where the stream starts.
    let mut page = client.connect().await?;
    let (status, html) = page.get("/wnioski").await?;
    ensure!(status == 200, "GET /wnioski: {status}");
    let url = https::live_url(&html).context("the list page names no live stream")?;
    drop(page);
    let retries = AtomicU64::new(0);
    let t = Instant::now();
    let open: Vec<(Conn, Events)> = futures::stream::iter(0..n)
        .map(|_| open_one(&client, &url, &retries))
        .buffer_unordered(OPENING)
        .try_collect()
        .await?;
    let open_secs = t.elapsed().as_secs_f64();
    let ended = Arc::new(AtomicU64::new(0));
    let mut counts = Vec::with_capacity(n);
    for (conn, mut events) in open {
        let count = Arc::new(AtomicU64::new(0));
        counts.push(count.clone());
        let ended = ended.clone();
        tokio::spawn(async move {
            let _conn = conn;
            while let Ok(Some(_)) = events.next().await {
                count.fetch_add(1, Ordering::Relaxed);
            }
            ended.fetch_add(1, Ordering::Relaxed);
        });
    }
    let mut out = std::io::stdout();
    writeln!(
        out,
        "ready {open_secs:.3} {}",
        retries.load(Ordering::Relaxed)
    )?;
    out.flush()?;
    let figures = || {
        let fewest = counts.iter().map(|c| c.load(Ordering::Relaxed)).min();
        let most = counts.iter().map(|c| c.load(Ordering::Relaxed)).max();
        format!(
            "{} {} {}",
            fewest.unwrap_or(0),
            most.unwrap_or(0),
            ended.load(Ordering::Relaxed)
        )
    };
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = lines.next_line().await {
        writeln!(out, "counts {}", figures())?;
        out.flush()?;
    }
    writeln!(out, "done {}", figures())?;
    out.flush()?;
    Ok(())
}

/// One connection with its live stream open (200 received); a 429 is retried.
async fn open_one(
    client: &https::Client,
    url: &str,
    retries: &AtomicU64,
) -> Result<(Conn, Events)> {
    let mut conn = client.connect().await?;
    for _ in 0..1000 {
        let resp = conn.open(url).await?;
        if resp.status() == 429 {
            retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        return Ok((conn, Events::of(resp)?));
    }
    bail!("GET {url}: 429 a thousand times")
}

/// The parent's handle on the child holding the streams.
pub struct Held {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Seconds from the first connection to the last stream's 200.
    pub open_secs: f64,
    /// 429 answers retried while opening.
    pub retries: u64,
}

/// What the streams received while held.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Drained {
    /// Events on the stream that received the fewest.
    pub fewest: u64,
    /// Events on the stream that received the most.
    pub most: u64,
    /// Streams the server ended while held (should be 0).
    pub ended: u64,
}

impl Held {
    /// Starts the child with `n` streams as `org` on the console at `addr` (certificates
    /// in `certs`) and waits until every one is open.
    pub fn open(addr: SocketAddr, certs: &Path, n: usize, org: &str) -> Result<Held> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--console-clients")
            .arg(addr.to_string())
            .arg("--console-certs")
            .arg(certs)
            .arg("--console-org")
            .arg(org)
            .arg("--console-connections")
            .arg(n.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("start the live-connection holder")?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().context("child stdout")?);
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let f: Vec<&str> = line.split_whitespace().collect();
        let (open_secs, retries) = match f.as_slice() {
            ["ready", secs, retries] => (secs.parse()?, retries.parse()?),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the live-connection holder failed ({line:?})");
            }
        };
        Ok(Held {
            child,
            stdin,
            stdout,
            open_secs,
            retries,
        })
    }

    /// Resident memory of the child (the clients), MiB.
    pub fn rss_mib(&self) -> f64 {
        super::host::rss_mib_of(self.child.id())
    }

    /// What the streams received so far.
    pub fn counts(&mut self) -> Result<Drained> {
        let stdin = self.stdin.as_mut().context("closed")?;
        writeln!(stdin, "count")?;
        stdin.flush()?;
        self.read("counts")
    }

    /// Waits until every stream has received as many events as the busiest one and no
    /// more arrive (at most `limit`): what they received, and how long that took.
    pub fn settle(&mut self, limit: Duration) -> Result<(Drained, Duration)> {
        let t = Instant::now();
        let mut last = self.counts()?;
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let now = self.counts()?;
            let quiet = now.most == last.most && now.fewest == now.most;
            if quiet || t.elapsed() > limit {
                return Ok((now, t.elapsed()));
            }
            last = now;
        }
    }

    /// Closes every stream (the child exits) and says what they received.
    pub fn close(mut self) -> Result<Drained> {
        drop(self.stdin.take());
        let d = self.read("done");
        let status = self.child.wait()?;
        ensure!(
            status.success(),
            "the live-connection holder ended with {status}"
        );
        d
    }

    fn read(&mut self, word: &str) -> Result<Drained> {
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [w, fewest, most, ended] if *w == word => Ok(Drained {
                fewest: fewest.parse()?,
                most: most.parse()?,
                ended: ended.parse()?,
            }),
            _ => bail!("the live-connection holder said {line:?}, not {word}"),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
