//! The web console in a real browser: Debian's Chromium (`/usr/bin/chromium`, installed by
//! `scripts/test` when missing; never a downloaded browser) driven by Playwright
//! (`tests/console/driver.mjs`, `playwright-core` and `axe-core` pinned in its
//! `package-lock.json`) with one client certificate per browser context, against a real
//! server ([`TestServer`] with its console on `127.0.0.1:0`) and its real gRPC clients.
//! A missing `node`, Chromium or npm package is a failure, not a skip.

mod flows;
mod refusals;
mod roles;

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::support::TestServer;

fn driver_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/console")
}

/// Where the screenshots of the main pages go (shown in the README).
pub fn shot(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/console");
    std::fs::create_dir_all(&dir).expect("docs/console");
    dir.join(name).display().to_string()
}

/// A Chromium driven through the driver's stdin/stdout.
pub struct Browser {
    _child: Child,
    stdin: ChildStdin,
    out: tokio::io::Lines<BufReader<ChildStdout>>,
}

impl Browser {
    /// Starts Chromium for `server`'s console, with the server's certificate directory.
    pub async fn start(server: &TestServer) -> Browser {
        let modules = driver_dir().join("node_modules/playwright-core");
        assert!(
            modules.exists(),
            "{} is missing: run `scripts/test` (it runs `npm ci` in tests/console)",
            modules.display()
        );
        let chromium =
            std::env::var("LACZNIK_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            std::path::Path::new(&chromium).exists(),
            "{chromium} is missing: `apt-get install -y chromium` (scripts/test does it)"
        );
        let node = std::env::var("LACZNIK_NODE").unwrap_or_else(|_| "node".into());
        let mut child = Command::new(node)
            .arg("driver.mjs")
            .current_dir(driver_dir())
            .env(
                "CONSOLE_ORIGIN",
                format!("https://127.0.0.1:{}", server.console_addr.port()),
            )
            .env("CERTS", &server.certs)
            .env("CHROMIUM", chromium)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node tests/console/driver.mjs");
        let stdin = child.stdin.take().expect("stdin");
        let out = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut b = Browser {
            _child: child,
            stdin,
            out,
        };
        let ready = b.read().await;
        assert_eq!(ready["ready"], true, "driver did not start: {ready}");
        b
    }

    async fn read(&mut self) -> Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), self.out.next_line())
            .await
            .expect("the browser driver answers within 60 s")
            .expect("read the driver")
            .expect("the driver ended");
        serde_json::from_str(&line).expect("driver JSON")
    }

    /// Runs a command; its answer, or the driver's error.
    pub async fn try_cmd(&mut self, cmd: Value) -> Result<Value, String> {
        let mut line = cmd.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the driver");
        let answer = self.read().await;
        if answer["ok"] == true {
            Ok(answer)
        } else {
            Err(answer["error"].as_str().unwrap_or("?").to_string())
        }
    }

    /// Runs a command that must succeed.
    pub async fn cmd(&mut self, cmd: Value) -> Value {
        let c = cmd.to_string();
        self.try_cmd(cmd)
            .await
            .unwrap_or_else(|e| panic!("browser command {c} failed: {e}"))
    }

    /// Opens `path` as `org` in the context `ctx` (one per organisation); the status.
    pub async fn open(&mut self, ctx: &str, org: &str, path: &str) -> u64 {
        let r = self
            .cmd(json!({"op": "open", "ctx": ctx, "org": org, "path": path}))
            .await;
        r["status"].as_u64().unwrap_or(0)
    }

    /// The visible text of the first element matching `selector`.
    pub async fn text(&mut self, ctx: &str, selector: &str) -> String {
        let r = self
            .cmd(json!({"op": "text", "ctx": ctx, "selector": selector}))
            .await;
        r["text"].as_str().unwrap_or_default().to_string()
    }

    /// Asserts that axe-core finds no serious or critical violation on the page.
    pub async fn assert_accessible(&mut self, ctx: &str, what: &str) {
        let r = self.cmd(json!({"op": "axe", "ctx": ctx})).await;
        let bad: Vec<&Value> = r["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(bad.is_empty(), "{what}: axe-core found {bad:#?}");
    }

    /// Every URL the context requested so far.
    pub async fn urls(&mut self, ctx: &str) -> Vec<String> {
        let r = self.cmd(json!({"op": "urls", "ctx": ctx})).await;
        r["urls"]
            .as_array()
            .expect("urls")
            .iter()
            .map(|u| u.as_str().unwrap_or_default().to_string())
            .collect()
    }
}
