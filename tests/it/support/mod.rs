//! What every integration test shares: [`TestServer`] (a real lacznik server on
//! `127.0.0.1:0` with a fresh temp data dir and rcgen certificates, reached through real
//! mutual-TLS gRPC clients, one typed client per service), the request [`fixtures`], the
//! [`offline`] helpers that run the binary as a process, the calls made again and again ([`rpc`]), the raw TLS [`handshake`], and the
//! guards for the process-global state of one test binary ([`alone`], [`serial`]). Set
//! `TEST_LOG=1` to see the servers' logs.

pub mod alone;
pub mod fixtures;
pub mod handshake;
pub mod node;
pub mod offline;
pub mod rpc;
pub mod serial;
mod server;

pub use server::{
    AdminClient, AssistanceClient, BlueCardClient, BreachClient, Options, TestServer,
};
