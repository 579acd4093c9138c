//! gRPC health and reflection, so generic tools work; and the message size limit.

use crate::support::{Options, TestServer};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

#[tokio::test]
async fn health_is_serving_for_the_server_and_each_service() {
    let server = TestServer::start().await;
    let mut health = server.health("mopr-torun").await;
    for service in [
        "",
        "lacznik.v1.AdminService",
        "lacznik.v1.AssistanceService",
    ] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status;
        assert_eq!(status, ServingStatus::Serving as i32, "service {service:?}");
    }
}

#[tokio::test]
async fn reflection_lists_the_lacznik_services() {
    let server = TestServer::start().await;
    let mut reflection = server.reflection("mopr-torun").await;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = reflection
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let response = stream.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in lacznik::server::SERVICE_NAMES {
        assert!(names.contains(&expected.to_string()), "{names:?}");
    }
    assert!(names.contains(&"grpc.health.v1.Health".to_string()));
}

#[tokio::test]
async fn an_oversized_message_gets_resource_exhausted() {
    let server = TestServer::start_with(Options {
        tweak: Some(Box::new(|c| c.max_message_bytes = 4096)),
        ..Options::default()
    })
    .await;
    let mut client = server.admin("mopr-torun").await;
    let status = client
        .list_organizations(lacznik::api::pb::ListOrganizationsRequest {
            kind: 0,
            gmina: "x".repeat(10_000),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    // The server is fine afterwards.
    assert!(
        client
            .who_am_i(lacznik::api::pb::WhoAmIRequest {})
            .await
            .is_ok()
    );
}
