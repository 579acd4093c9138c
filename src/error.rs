//! The domain error: what a command can answer besides success. It is mapped to a gRPC
//! status in exactly one place (`api::status`). Messages name ids, fields and rules, never
//! personal data, because they travel to clients and into logs.

use crate::store::StoreError;

/// One invalid field of a request, so a client can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request, e.g. `workers[2].id_card_number`.
    pub field: String,
    /// What is wrong, without echoing the value.
    pub description: String,
}

impl FieldViolation {
    /// Shorthand used by the validators.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// Errors of the domain layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller could not be identified as a directory organisation.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// No such record, or the caller may not know it exists (the two are not told apart).
    #[error("{what} {id} not found")]
    NotFound {
        /// The kind of record.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The request is malformed; every bad field is listed.
    #[error("invalid request: {} field(s) rejected", .0.len())]
    InvalidArgument(Vec<FieldViolation>),
    /// A client-chosen id is already used for different content.
    #[error("{0}")]
    AlreadyExists(String),
    /// The record is not in a state that allows this.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A position (a cursor) lies outside what this store holds.
    #[error("{0}")]
    OutOfRange(String),
    /// A limit was hit.
    #[error("{0}")]
    ResourceExhausted(String),
    /// The store failed; details go to the log, not to the client.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The status a call ends with, named as gRPC names it. Every error has exactly one
/// ([`Error::code`]): the client receives it and the audit log records the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The call succeeded.
    Ok,
    /// See [`Error::Unauthenticated`].
    Unauthenticated,
    /// See [`Error::PermissionDenied`].
    PermissionDenied,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::AlreadyExists`].
    AlreadyExists,
    /// See [`Error::FailedPrecondition`].
    FailedPrecondition,
    /// See [`Error::OutOfRange`].
    OutOfRange,
    /// See [`Error::ResourceExhausted`].
    ResourceExhausted,
    /// Retry later: the store is failed, closing or the node cannot write.
    Unavailable,
    /// A fault of the server; details are in its log only.
    Internal,
}

impl Code {
    /// The gRPC name (`INVALID_ARGUMENT`, ...), as the audit log stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::NotFound => "NOT_FOUND",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::Unavailable => "UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }
}

impl Error {
    /// The one mapping from an error to the code its caller receives.
    pub fn code(&self) -> Code {
        match self {
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::PermissionDenied(_) => Code::PermissionDenied,
            Error::NotFound { .. } => Code::NotFound,
            Error::InvalidArgument(_) => Code::InvalidArgument,
            Error::AlreadyExists(_) => Code::AlreadyExists,
            Error::FailedPrecondition(_) => Code::FailedPrecondition,
            Error::OutOfRange(_) => Code::OutOfRange,
            Error::ResourceExhausted(_) => Code::ResourceExhausted,
            Error::Store(e) if e.is_temporary() => Code::Unavailable,
            Error::Store(_) => Code::Internal,
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![FieldViolation::new(field, description)])
    }
}
