//! A full disk, for real: the `lacznik` binary on a data directory inside a small tmpfs
//! that a filler file has filled to the brim. Submissions are acknowledged until the disk
//! has no room; then writes get UNAVAILABLE (never an OK that was not stored), health turns
//! NOT_SERVING at once, and the process exits with its documented code (75). A restart on
//! the still-full disk says so and exits with the same code; once the filler is gone a
//! restart serves every acknowledged request, intact.
//!
//! Mounting a tmpfs needs root (CAP_SYS_ADMIN); CI runs as root. Without it the test fails
//! and says why: it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::fixtures::*;
use crate::support::node::{EXIT_STORE_FAILED, Node, read, wait_exit};
use jiff::SignedDuration;
use lacznik::api::pb;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

/// A tmpfs mounted for the test, unmounted when dropped (lazily, if files are still open).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mounting a {size} tmpfs at {} failed: this test needs root (CI runs as root): {}",
            at.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system holding `path` until a write fails, then frees `leave` bytes.
fn fill_to_the_brim(path: &Path, leave: u64) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).expect("filler");
    let chunk = vec![0xA5u8; 64 * 1024];
    let mut written: u64 = 0;
    loop {
        match f.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(_) => break,
        }
    }
    let _ = f.sync_all();
    f.set_len(written.saturating_sub(leave))
        .expect("truncate filler");
    f.sync_all().expect("sync filler");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_refused_loudly_the_server_exits_and_a_restart_with_room_loses_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    let disk = Tmpfs::mount(&dir.join("disk"), "48m");
    let mut node = Node::new(&dir, disk.0.join("data"), "mopr-torun");
    let clock = t("2026-12-01T08:00:00Z");
    let visit = clock + SignedDuration::from_hours(24 * 30);

    let (mut server, log) = node.spawn(clock);
    node.wait_serving(&mut server, &log).await;
    let mut client = node.client().await;
    // A few requests while there is room.
    let mut acknowledged: Vec<pb::SubmitAssistanceRequestRequest> = Vec::new();
    for _ in 0..5 {
        let req = normal(&new_id(), visit);
        client
            .submit_assistance_request(req.clone())
            .await
            .expect("room on the disk");
        acknowledged.push(req);
    }

    fill_to_the_brim(&disk.0.join("filler"), 128 * 1024);
    let refused = loop {
        let req = normal(&new_id(), visit);
        match client.submit_assistance_request(req.clone()).await {
            Ok(_) => acknowledged.push(req),
            Err(s) => break s,
        }
        assert!(acknowledged.len() < 5_000, "128 KiB of room never ran out");
    };
    assert_eq!(
        refused.code(),
        Code::Unavailable,
        "a write on a full disk is UNAVAILABLE: {refused:?}"
    );
    // Health says NOT_SERVING at once: the first check after the refusal (the server
    // keeps answering for a second before it closes its port, for health checkers).
    assert_eq!(
        node.health().await,
        Ok(ServingStatus::NotServing as i32),
        "health right after the refusal"
    );
    let code = wait_exit(&mut server, Duration::from_secs(30), &log);
    let text = read(&log);
    assert_eq!(code, EXIT_STORE_FAILED, "exit code:\n{text}");
    assert!(
        text.contains("full"),
        "the log says the disk is full:\n{text}"
    );

    // Restart on the still-full disk: says so and exits with the same code.
    let (mut again, log2) = node.spawn(clock);
    let code = wait_exit(&mut again, Duration::from_secs(30), &log2);
    let text = read(&log2);
    assert_eq!(code, EXIT_STORE_FAILED, "still full:\n{text}");
    assert!(
        text.contains("disk holding the data directory is full"),
        "the reason is stated:\n{text}"
    );

    // Room again: the restart serves every acknowledged request, intact.
    std::fs::remove_file(disk.0.join("filler")).expect("free the disk");
    let (mut last, log3) = node.spawn(clock);
    node.wait_serving(&mut last, &log3).await;
    let mut client = node.client().await;
    for req in &acknowledged {
        let got = client
            .get_assistance_request(pb::GetAssistanceRequestRequest {
                request_id: req.request_id.clone(),
            })
            .await
            .unwrap_or_else(|s| panic!("acknowledged {} lost: {s:?}", req.request_id))
            .into_inner()
            .request
            .expect("request");
        assert_eq!(got.content, req.content, "{} intact", req.request_id);
    }
    // And it writes again.
    client
        .submit_assistance_request(normal(&new_id(), visit))
        .await
        .expect("writes after the restart");
    let _ = last.kill();
    let _ = last.wait();
}
