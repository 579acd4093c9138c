//! The caller is the organisation its certificate names (`urn:lacznik:org:<id>`), resolved
//! against the directory on every call.

use crate::support::TestServer;
use lacznik::api::pb::admin_service_client::AdminServiceClient;
use lacznik::api::pb::{ListOrganizationsRequest, OrganizationKind, WhoAmIRequest};
use lacznik::pki::Validity;
use tonic::Code;

#[tokio::test]
async fn who_am_i_returns_the_organisation_of_each_certificate() {
    let server = TestServer::start().await;
    let me = server
        .admin("mopr-torun")
        .await
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(me.id, "mopr-torun");
    assert_eq!(me.kind, OrganizationKind::WelfareCentre as i32);
    assert_eq!(me.name, "Miejski Ośrodek Pomocy Rodzinie w Toruniu");
    assert_eq!(me.gminas, vec!["0463011".to_string()]);

    let police = server
        .admin("kp-lazy")
        .await
        .who_am_i(WhoAmIRequest {})
        .await
        .unwrap()
        .into_inner()
        .organization
        .unwrap();
    assert_eq!(police.id, "kp-lazy");
    assert_eq!(police.kind, OrganizationKind::PoliceUnit as i32);
    assert_eq!(police.gminas, vec!["2416053".to_string()]);
}

#[tokio::test]
async fn an_organisation_missing_from_the_directory_is_unauthenticated() {
    let server = TestServer::start().await;
    let stranger = server.issue("ops-nowhere");
    let mut client = AdminServiceClient::new(server.channel_with(Some(&stranger)).await.unwrap());
    let status = client.who_am_i(WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().contains("ops-nowhere"),
        "{}",
        status.message()
    );
    assert!(
        status.message().contains("not in the directory"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_suspended_organisation_is_permission_denied() {
    let server = TestServer::start().await;
    let mut client = server.admin("mopr-torun-filia").await;
    let status = client.who_am_i(WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert!(status.message().contains("mopr-torun-filia"));
    assert!(status.message().contains("suspended"));
}

#[tokio::test]
async fn a_certificate_without_an_organisation_uri_is_unauthenticated() {
    let server = TestServer::start().await;
    let anonymous = server
        .ca
        .issue_client_with_uris("anon", &["https://example.org/x".into()], Validity::days(1))
        .unwrap();
    let mut client = AdminServiceClient::new(server.channel_with(Some(&anonymous)).await.unwrap());
    let status = client.who_am_i(WhoAmIRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert!(
        status.message().contains("urn:lacznik:org"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn list_organizations_filters_by_kind_and_gmina() {
    let server = TestServer::start().await;
    let mut client = server.admin("mgops-lazy").await;
    let all = client
        .list_organizations(ListOrganizationsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .organizations;
    assert_eq!(all.len(), server.directory().len());
    let ids: Vec<&str> = all.iter().map(|o| o.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "directory is returned in id order");

    let police_lazy = client
        .list_organizations(ListOrganizationsRequest {
            kind: OrganizationKind::PoliceUnit as i32,
            gmina: "2416053".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .organizations;
    let ids: Vec<&str> = police_lazy.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, vec!["kp-lazy"]);

    let bad = client
        .list_organizations(ListOrganizationsRequest {
            kind: 0,
            gmina: "2416054".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let details = tonic_types::StatusExt::get_details_bad_request(&bad).unwrap();
    assert_eq!(details.field_violations[0].field, "gmina");

    let bad_kind = client
        .list_organizations(ListOrganizationsRequest {
            kind: 99,
            gmina: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_kind.code(), Code::InvalidArgument);
}
