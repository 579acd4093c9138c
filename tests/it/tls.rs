//! Mutual TLS is mandatory: every way of arriving without a valid, unrevoked certificate
//! from the configured CA is refused at the handshake, before any gRPC is spoken.

use crate::support::{Options, TestServer};
use lacznik::api::pb::WhoAmIRequest;
use lacznik::api::pb::admin_service_client::AdminServiceClient;
use lacznik::pki::{DevCa, Validity};

#[tokio::test]
async fn a_valid_certificate_is_accepted() {
    let server = TestServer::start().await;
    let id = server.org_identity("mopr-torun");
    assert_eq!(server.raw_handshake(Some(&id)).await, Ok(()));
}

#[tokio::test]
async fn no_client_certificate_is_refused_at_the_handshake() {
    let server = TestServer::start().await;
    let verdict = server.raw_handshake(None).await.unwrap_err();
    assert!(verdict.contains("CertificateRequired"), "{verdict}");

    // And through a real gRPC client: the call never reaches a handler.
    let result = match server.channel_with(None).await {
        Err(_) => None,
        Ok(ch) => Some(AdminServiceClient::new(ch).who_am_i(WhoAmIRequest {}).await),
    };
    if let Some(r) = result {
        // Depending on timing tonic reports the refused handshake as UNAVAILABLE or as an
        // UNKNOWN transport error carrying the TLS alert; never as an answer of a handler.
        let status = r.unwrap_err();
        let transport = status.code() == tonic::Code::Unavailable
            || format!("{status:?}").contains("CertificateRequired");
        assert!(transport, "{status:?}");
    }
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused() {
    let server = TestServer::start().await;
    let foreign = DevCa::generate("some other CA").unwrap();
    let id = foreign
        .issue_client(&"mopr-torun".parse().unwrap(), Validity::days(30))
        .unwrap();
    let verdict = server.raw_handshake(Some(&id)).await.unwrap_err();
    assert!(verdict.contains("UnknownCA"), "{verdict}");
}

#[tokio::test]
async fn an_expired_certificate_is_refused() {
    let server = TestServer::start().await;
    let now = time::OffsetDateTime::now_utc();
    let expired = server
        .ca
        .issue_client(
            &"mopr-torun".parse().unwrap(),
            Validity {
                not_before: now - time::Duration::days(30),
                not_after: now - time::Duration::days(1),
            },
        )
        .unwrap();
    let verdict = server.raw_handshake(Some(&expired)).await.unwrap_err();
    assert!(verdict.contains("CertificateExpired"), "{verdict}");
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_and_others_still_work() {
    // Revoked while stopped: the CRL is read at start-up.
    let server = TestServer::start().await;
    lacznik::pki::revoke(&server.certs, &"kp-lazy".parse().unwrap()).unwrap();
    let server = server.restart().await;
    let verdict = server
        .raw_handshake(Some(&server.org_identity("kp-lazy")))
        .await
        .unwrap_err();
    assert!(verdict.contains("CertificateRevoked"), "{verdict}");
    assert_eq!(
        server
            .raw_handshake(Some(&server.org_identity("mgops-lazy")))
            .await,
        Ok(())
    );
}

#[tokio::test]
async fn a_crl_written_while_running_is_picked_up() {
    let _timing = crate::support::serial::timing();
    let server = TestServer::start_with(Options::default()).await;
    let id = server.org_identity("kmp-torun");
    assert_eq!(server.raw_handshake(Some(&id)).await, Ok(()));
    lacznik::pki::revoke(&server.certs, &"kmp-torun".parse().unwrap()).unwrap();
    // reload_secs is 1 in tests; allow a few periods (mtime granularity, scheduling).
    let mut verdict = Ok(());
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        verdict = server.raw_handshake(Some(&id)).await;
        if verdict.is_err() {
            break;
        }
    }
    let verdict = verdict.unwrap_err();
    assert!(verdict.contains("CertificateRevoked"), "{verdict}");
}

#[tokio::test]
async fn garbage_on_the_tls_port_does_not_hurt_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::start().await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
    // The server is still serving real clients.
    let mut client = server.admin("mopr-torun").await;
    assert!(client.who_am_i(WhoAmIRequest {}).await.is_ok());
}
