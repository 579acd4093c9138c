//! The gRPC adapter: the only code that sees generated protobuf types or tonic. Each
//! service has one file whose handlers decode the message, call the domain and encode the
//! answer; [`layer`] does what every call shares (caller, span, limit, audit, metrics);
//! [`status`] maps domain errors to gRPC statuses, once.
//!
//! - [`admin`], [`assistance`] (+ [`assistance_map`], the police stream), [`blue_card`]
//!   (+ [`blue_card_map`]), [`breach`]: one file per service;
//! - [`layer`]: the tower layer around all of them; [`caller`]: who is calling;
//!   [`limits`]: the per-organisation in-flight limit;
//! - [`convert`]: wire <-> domain conversions shared by the services; [`status`].

pub mod admin;
pub mod assistance;
pub mod assistance_map;
mod assistance_stream;
pub mod blue_card;
pub mod blue_card_map;
pub mod breach;
pub mod caller;
pub mod convert;
pub mod layer;
pub mod limits;
pub mod receipt;
pub mod standby;
pub mod status;

pub use caller::Caller;
pub use layer::split;

/// Generated code of the `lacznik.v1` package, kept behind this module.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("lacznik.v1");

    /// Encoded descriptors of the package, served by gRPC reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("lacznik_descriptor");
}

/// Records the id of the record an RPC works on in the call's span, marks the case as
/// touched for the audit log (also when the call then fails: who tried what is logged),
/// and returns the id in the form it is looked up by.
pub fn record_id(id: &str) -> String {
    tracing::Span::current().record("record_id", id);
    let id = crate::validation::normalise_id(id);
    crate::audit::scope::touched(&id);
    id
}
