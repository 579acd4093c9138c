//! Printing the report: the header, the phase table, the CPU table, sweep, scale and the
//! targets. The figures themselves are computed in `report.rs`.

use super::report::*;
use super::sweep::DUE;

fn pass(p: Option<bool>) -> &'static str {
    match p {
        Some(true) => "pass",
        Some(false) => "FAIL",
        None => "",
    }
}

/// What runs where, before the phases.
pub fn header(r: &Report) {
    let m = &r.machine;
    println!("lacznik-bench  {}", m["date"].as_str().unwrap_or(""));
    println!(
        "machine: {} cores, {}, {} MiB RAM; commit {}; {} build; store engine {}; load average {}",
        m["nproc"],
        m["cpu"].as_str().unwrap_or("?"),
        m["mem_total_mib"],
        m["git_commit"].as_str().unwrap_or("unknown"),
        m["profile"].as_str().unwrap_or("?"),
        m["store_engine"].as_str().unwrap_or("?"),
        m["loadavg_at_start"].as_str().unwrap_or("?"),
    );
    let pg = &m["postgres"];
    if pg.is_object() {
        println!(
            "postgres: {} (own throwaway cluster on this machine, TCP 127.0.0.1); fsync {}, \
             synchronous_commit {}, full_page_writes {}, wal_sync_method {}, shared_buffers {}, \
             min_wal_size {}, max_wal_size {}; WAL warmed with {} MiB in {:.1} s; one database \
             per store",
            pg["server_version"].as_str().unwrap_or("?"),
            pg["fsync"].as_str().unwrap_or("?"),
            pg["synchronous_commit"].as_str().unwrap_or("?"),
            pg["full_page_writes"].as_str().unwrap_or("?"),
            pg["wal_sync_method"].as_str().unwrap_or("?"),
            pg["shared_buffers"].as_str().unwrap_or("?"),
            pg["min_wal_size"].as_str().unwrap_or("?"),
            pg["max_wal_size"].as_str().unwrap_or("?"),
            pg["wal_warmup_mib"].as_u64().unwrap_or(0),
            pg["wal_warmup_secs"].as_f64().unwrap_or(0.0),
        );
    }
    println!(
        "phases: {:.0} s measured after {:.1} s warm-up; each client its own TCP+TLS connection; \
         submit request {} B, Blue Card {} B (protobuf){}",
        r.window.as_secs_f64(),
        r.warmup.as_secs_f64(),
        r.request_bytes,
        r.card_bytes,
        if r.smoke { "; SMOKE run" } else { "" }
    );
    println!();
}

/// The table and the other figures.
pub fn print(r: &Report) {
    println!();
    // A run of only some parts (`--only receipts`) measured no limit and no answer.
    if r.answer_bytes > 0 {
        println!(
            "ratio = calls/s / health check's at the same concurrency (the old baseline); limit = \
             calls/s / durable echo's at the same concurrency (same {} B request and {} B answer \
             over the same mTLS stack, group-committed to a file, nothing else)",
            r.request_bytes, r.answer_bytes
        );
    }
    println!(
        "{:<34} {:>4} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}  {:<31} result",
        "phase",
        "conc",
        "calls/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms",
        "ratio",
        "limit",
        "target",
    );
    for row in &r.rows {
        let name = match row.section {
            "baseline" => format!("{} (baseline)", row.name),
            _ => row.name.clone(),
        };
        println!(
            "{:<34} {:>4} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>6} {:<31} {}{}",
            name,
            row.concurrency,
            row.throughput,
            row.p50,
            row.p99,
            row.p999,
            row.max,
            row.ratio.map(|x| format!("{x:.2}x")).unwrap_or_default(),
            row.limit.map(|x| format!("{x:.2}x")).unwrap_or_default(),
            format!(" {}", row.target),
            pass(row.pass),
            if row.errors > 0 {
                format!(
                    " ({} errors: {})",
                    row.errors,
                    row.first_error.clone().unwrap_or_default()
                )
            } else {
                String::new()
            }
        );
    }
    print_cpu(r);
    if let Some(d) = &r.delivery {
        let q = |q: f64| d.hist.value_at_quantile(q) as f64 / 1000.0;
        let p99 = q(0.99);
        println!(
            "{:<34} {:>4} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6} {:>6}  {:<31}{}",
            "delivery: OK -> police stream",
            1,
            d.submitted as f64 / d.window.as_secs_f64(),
            q(0.5),
            p99,
            q(0.999),
            d.hist.max() as f64 / 1000.0,
            "",
            "",
            "p99 <= 10 ms",
            pass(Some(p99 <= 10.0 && d.delivered == d.submitted)),
        );
        println!(
            "  delivery: {} submitted at {:.0}/s (open loop), {} delivered, {} arrived before the OK \
             (counted as 0; by {:.2} ms, median); submit latency at this rate p50 {:.2} ms, p99 {:.2} ms",
            d.submitted,
            d.rate,
            d.delivered,
            d.before_ok,
            d.ahead_hist.value_at_quantile(0.5) as f64 / 1000.0,
            d.submit_hist.value_at_quantile(0.5) as f64 / 1000.0,
            d.submit_hist.value_at_quantile(0.99) as f64 / 1000.0,
        );
    }
    if let [small, large] = r.sweep.as_slice() {
        let (tick, inside) = r.sweep_ratios().unwrap_or_default();
        println!();
        println!(
            "sweep (one tick with {DUE} due clocks; median of {} rounds)",
            small.scanned.len()
        );
        println!(
            "  {:<42} {:>14} {:>14} {:>8}",
            "open deadlines", small.open, large.open, "ratio"
        );
        println!(
            "  {:<42} {:>14.1} {:>14.1}",
            "build, s", small.build_secs, large.build_secs
        );
        println!(
            "  {:<42} {:>14.1} {:>14.1} {:>7.1}x",
            "full index scan (what the sweep avoids), ms",
            small.full_index_scan_ms,
            large.full_index_scan_ms,
            large.full_index_scan_ms / small.full_index_scan_ms.max(1e-9)
        );
        println!(
            "  {:<42} {:>14.4} {:>14.4}",
            "idle tick (nothing due), ms", small.idle_tick_ms, large.idle_tick_ms
        );
        println!(
            "  {:<42} {:>14.3} {:>14.3} {:>7.2}x",
            "tick: check + sweep + flush, ms", small.tick_ms, large.tick_ms, tick
        );
        println!(
            "  {:<42} {:>14.3} {:>14.3} {:>7.2}x",
            "sweep inside the writer, ms",
            small.sweep_in_writer_ms,
            large.sweep_in_writer_ms,
            inside
        );
        println!(
            "  {:<42} {:>14} {:>14}",
            "index entries read per tick (the work)",
            format!("{:?}", small.scanned),
            format!("{:?}", large.scanned)
        );
        println!(
            "  {:<42} {:>14} {:>14}",
            "breaches recorded per tick",
            format!("{:?}", small.breaches),
            format!("{:?}", large.breaches)
        );
    }
    if let Some(why) = r.scale_skipped {
        println!();
        println!("scale: {why}");
    }
    if let Some(s) = &r.scale {
        println!();
        println!("scale: {} requests", s.built.requests);
        println!(
            "  build (child process, commands of 1,000): {:.1} s ({:.0} requests/s){}",
            s.build_wall_secs,
            s.built.requests as f64 / s.built.build_secs.max(1e-9),
            if s.reused {
                ", by an earlier run (store reused)"
            } else {
                ""
            }
        );
        println!(
            "  size on disk: engine {:.0} MiB; files {:.0} MiB apparent, {:.0} MiB allocated ({:.0} B per request)",
            s.built.size_on_disk as f64 / MIB,
            s.du_apparent as f64 / MIB,
            s.du_allocated as f64 / MIB,
            s.du_allocated as f64 / s.built.requests.max(1) as f64
        );
        println!(
            "  start-up (serve -> first health check OK over mTLS; page cache warm): {:.3} s",
            s.startup.as_secs_f64()
        );
        println!(
            "  resident memory of this process: {:.0} MiB before the server; {:.0} after start \
             (server +{:.0}); {:.0} with 64 clients connected; {:.0} max under 64-client submit load \
             (server share about {:.0})",
            s.rss_before_mib,
            s.rss_after_start_mib,
            s.rss_after_start_mib - s.rss_before_mib,
            s.rss_clients_connected_mib,
            s.rss_load_max_mib,
            s.server_estimate()
        );
    }
    if let Some(c) = &r.console {
        c.print();
    }
    println!();
    println!("targets");
    for t in &r.targets {
        println!(
            "  {:<4} {:<62} {:<34} {}",
            if t.pass { "pass" } else { "FAIL" },
            t.name,
            t.target,
            t.value
        );
    }
    println!();
    println!(
        "total run time: {:.0} s; load average at the end {}",
        r.total.as_secs_f64(),
        r.loadavg_end
    );
    let pg = &r.machine["postgres"];
    if let Some(wal) = pg["wal_during_run_mib"].as_f64() {
        println!(
            "postgres: {wal:.0} MiB of WAL written during the run (after the {} MiB warm-up)",
            pg["wal_warmup_mib"].as_u64().unwrap_or(0)
        );
    }
}

/// CPU per phase, in cores (of the machine's), by thread role.
fn print_cpu(r: &Report) {
    println!();
    // With postgres, the database's processes get a column of their own.
    let db = r
        .rows
        .iter()
        .any(|row| row.cpu.as_ref().is_some_and(|c| c.database.is_some()));
    println!(
        "CPU during each window, in cores: this process by thread role, then the other processes \
         of the machine{}; steal = CPU the hypervisor gave other guests (a window with steal was not quiet); disk = bytes written to the machine's disks per OK call",
        if db {
            " (database = the PostgreSQL server's processes, not in others)"
        } else {
            ""
        }
    );
    println!(
        "{:<34} {:>4} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>9}{}",
        "phase",
        "conc",
        "server",
        "writer",
        "flusher",
        "eng-io",
        "exited",
        "clients",
        "total",
        "others",
        "steal",
        "disk B",
        if db { " database" } else { "" }
    );
    for row in &r.rows {
        let Some(c) = &row.cpu else { continue };
        let g = |k: &str| c.cores.get(k).copied().unwrap_or(0.0);
        println!(
            "{:<34} {:>4} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>6.2} {:>9.0}{}",
            match row.section {
                "baseline" => format!("{} (baseline)", row.name),
                _ => row.name.clone(),
            },
            row.concurrency,
            g("server_runtime"),
            g("writer"),
            g("flusher"),
            g("engine_io"),
            g("exited"),
            g("clients"),
            c.process,
            c.others,
            c.steal,
            c.write_bytes as f64 / row.count.max(1) as f64,
            c.database.map(|d| format!(" {d:>8.2}")).unwrap_or_default(),
        );
    }
}
