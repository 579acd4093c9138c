//! What the console refuses, in the browser as an attacker's page would try it: no client
//! certificate, another unit's case (404, nothing of it shown), a cross-site POST (4xx,
//! nothing recorded), an oversize body; and no personal data in any URL a browser asked.

use jiff::{SignedDuration, Timestamp};
use lacznik::api::pb;
use serde_json::json;

use super::Browser;
use crate::support::TestServer;
use crate::support::fixtures::*;
use crate::support::rpc::{get_request, submit_request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_refuses_strangers_other_units_cross_site_posts_and_oversize_bodies() {
    let server = TestServer::start().await;
    let id = new_id();
    let mut centre = server.assistance("mopr-torun").await;
    let start = Timestamp::now() + SignedDuration::from_hours(24 * 8);
    submit_request(&mut centre, normal(&id, start)).await;
    let mut b = Browser::start(&server).await;

    // No client certificate: the TLS handshake fails, no page at all.
    let e = b
        .try_cmd(json!({"op": "open", "ctx": "nobody", "org": null, "path": "/"}))
        .await
        .expect_err("no certificate, no page");
    assert!(e.contains("ERR_"), "{e}");

    // Another police unit: 404, as for an id that does not exist; nothing of the case.
    assert_eq!(
        b.open("other", "kp-lazy", &format!("/wnioski/{id}")).await,
        404
    );
    let page = b.cmd(json!({"op": "html", "ctx": "other"})).await;
    let html = page["html"].as_str().unwrap();
    assert!(
        !html.contains("Szeroka") && !html.contains("Wiśniewska") && !html.contains("Toruń"),
        "{html}"
    );
    assert_eq!(
        b.open("other", "kp-lazy", &format!("/potwierdzenia/{id}/1"))
            .await,
        404
    );
    b.assert_accessible("other", "the 404 page").await;

    // The police unit's own page offers "Potwierdź odbiór" with its token...
    assert_eq!(
        b.open("police", "kmp-torun", &format!("/wnioski/{id}"))
            .await,
        200
    );
    let token = b
        .cmd(json!({"op": "value", "ctx": "police", "name": "token"}))
        .await["value"]
        .as_str()
        .unwrap()
        .to_string();
    // ...but a page elsewhere posting it with the unit's certificate is refused.
    let form = json!({"form_id": id, "token": token});
    for headers in [
        json!({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}),
        json!({"Origin": "https://evil.example"}),
        json!({}),
    ] {
        let r = b
            .cmd(json!({"op": "post", "ctx": "police", "path": format!("/wnioski/{id}/odbior"), "headers": headers, "form": form}))
            .await;
        assert_eq!(r["status"], 403, "{headers}: {r}");
    }
    // A forged token from the console's own origin is refused too.
    let origin = format!("https://127.0.0.1:{}", server.console_addr.port());
    let forged = json!({"form_id": id, "token": "AAAA"});
    let r = b
        .cmd(json!({"op": "post", "ctx": "police", "path": format!("/wnioski/{id}/odbior"), "headers": {"Origin": origin}, "form": forged}))
        .await;
    assert_eq!(r["status"], 403, "{r}");
    let seen = get_request(&mut centre, &id).await.unwrap();
    assert_eq!(
        seen.state,
        pb::AssistanceRequestState::Submitted as i32,
        "nothing recorded"
    );

    // A body over max_message_bytes (1 MiB) is refused before it is read whole.
    // From a context of its own: the server answers before reading the body and closes
    // that connection, which the next request of a shared context would find reset.
    let big = "x".repeat(2 * 1024 * 1024);
    let r = b
        .cmd(json!({"op": "post", "ctx": "big", "org": "kmp-torun", "path": "/wnioski/nowy", "headers": {"Origin": origin}, "form": {"content.expected_behaviour": big}}))
        .await;
    assert_eq!(r["status"], 413, "{}", r["body"]);

    // The same token, sent as the console's own form does, works.
    let r = b
        .cmd(json!({"op": "post", "ctx": "police", "path": format!("/wnioski/{id}/odbior"), "headers": {"Origin": origin}, "form": form}))
        .await;
    assert_eq!(r["status"], 303, "{r}");
    let seen = get_request(&mut centre, &id).await.unwrap();
    assert_eq!(seen.state, pb::AssistanceRequestState::Received as i32);

    // The refusal of another unit is in the audit chain, as on gRPC.
    let data = server.config().data_dir.display().to_string();
    let (code, text) = crate::support::offline::lacznik(
        server.dir.path(),
        &["audit", "show", "--case", &id, "--data", &data],
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.lines().any(|l| l.contains("kp-lazy")
            && l.contains("GetAssistanceRequest")
            && l.contains("console")
            && l.ends_with("NOT_FOUND")),
        "{text}"
    );

    // No personal data in any URL the browsers asked for.
    for ctx in ["other", "police"] {
        for url in b.urls(ctx).await {
            for word in [
                "Szeroka",
                "Wi%C5%9Bniewska",
                "Wiśniewska",
                "Anna",
                "Nowak",
                "87-100",
            ] {
                assert!(!url.contains(word), "{url} carries {word}");
            }
        }
    }
}
