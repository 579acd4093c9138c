//! Logging: `tracing` with `RUST_LOG` filters, as text for people or JSON for shippers.
//! Spans and events carry ids and codes only; personal data never reaches a log line (the
//! API layer records the organisation, RPC, record id and status code, nothing else).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber (stderr). Safe to call twice: the second call is ignored.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
    };
}
