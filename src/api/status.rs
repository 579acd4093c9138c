//! The one place where domain errors become gRPC statuses. Validation errors carry
//! `google.rpc.BadRequest` field violations (all of them); internal errors are logged here
//! with their detail and reach the client only as a generic message.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::Error;

/// The gRPC name of a status code, as the audit log records outcomes.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The wire code of a domain code (the domain never sees tonic).
pub fn wire(code: crate::error::Code) -> Code {
    use crate::error::Code as C;
    match code {
        C::Ok => Code::Ok,
        C::Unauthenticated => Code::Unauthenticated,
        C::PermissionDenied => Code::PermissionDenied,
        C::NotFound => Code::NotFound,
        C::InvalidArgument => Code::InvalidArgument,
        C::AlreadyExists => Code::AlreadyExists,
        C::FailedPrecondition => Code::FailedPrecondition,
        C::OutOfRange => Code::OutOfRange,
        C::ResourceExhausted => Code::ResourceExhausted,
        C::Unavailable => Code::Unavailable,
        C::Internal => Code::Internal,
    }
}

impl From<Error> for Status {
    fn from(e: Error) -> Status {
        let code = wire(e.code());
        match e {
            Error::InvalidArgument(violations) => {
                let mut details = ErrorDetails::new();
                for v in &violations {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
                Status::with_error_details(
                    Code::InvalidArgument,
                    format!("invalid request: {}", fields.join(", ")),
                    details,
                )
            }
            e @ Error::NotFound { .. } => Status::new(code, e.to_string()),
            Error::Unauthenticated(m)
            | Error::PermissionDenied(m)
            | Error::AlreadyExists(m)
            | Error::FailedPrecondition(m)
            | Error::OutOfRange(m)
            | Error::ResourceExhausted(m) => Status::new(code, m),
            Error::Store(e) if e.is_temporary() => {
                tracing::error!(error = %e, "store unavailable");
                Status::new(code, "the store is unavailable; retry later")
            }
            Error::Store(e) => {
                tracing::error!(error = %e, "store error");
                Status::new(code, "internal storage error")
            }
        }
    }
}

/// Rewrites two answers tonic gives before a handler runs, into lacznik's contract:
/// "message too large" (OUT_OF_RANGE) becomes RESOURCE_EXHAUSTED, as the gRPC
/// specification says; a message that is not valid protobuf for the method (e.g. a string
/// that is not UTF-8, sent by a non-Rust client) becomes INVALID_ARGUMENT instead of
/// INTERNAL: it is the client's fault, not the server's.
pub fn rewrite_oversize<B>(mut response: http::Response<B>) -> http::Response<B> {
    let headers = response.headers_mut();
    let internal = headers
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"13");
    let undecodable = headers.get("grpc-message").is_some_and(|v| {
        let m = String::from_utf8_lossy(v.as_bytes());
        m.contains("failed%20to%20decode") || m.contains("failed to decode")
    });
    if internal && undecodable {
        headers.insert("grpc-status", http::HeaderValue::from_static("3"));
        headers.insert(
            "grpc-message",
            http::HeaderValue::from_static(
                "request%20is%20not%20a%20valid%20message%20for%20this%20method%20(malformed%20protobuf%20or%20a%20string%20that%20is%20not%20UTF-8)",
            ),
        );
    }
    let is_out_of_range = headers
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"11");
    let too_large = headers.get("grpc-message").is_some_and(|v| {
        let m = String::from_utf8_lossy(v.as_bytes());
        m.contains("too%20large") || m.contains("too large")
    });
    if is_out_of_range && too_large {
        headers.insert("grpc-status", http::HeaderValue::from_static("8"));
        headers.insert(
            "grpc-message",
            http::HeaderValue::from_static("request%20message%20exceeds%20the%20size%20limit"),
        );
    }
    response
}
