//! The frame every page shares (who you are, what you may open, where you are) and the
//! helpers that turn a template into an answer. The navigation follows the role; the
//! rules behind each link are the domain's, so a link shown is never the permission.

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use http::StatusCode;

use super::words;
use crate::directory::{OrgKind, Organization};

/// What the console shows an organisation first, by its kind in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A police unit: dispatch of assistance requests.
    Police,
    /// A welfare centre: files assistance requests (and Blue Cards).
    Centre,
    /// An interdisciplinary team: receives Blue Cards A, conducts procedures.
    Team,
    /// A supervisor (voivodeship office): breaches of its area.
    Supervisor,
    /// Any other initiator of Blue Cards (schools, health care, commissions...).
    Initiator,
    /// An operator of lacznik.
    Admin,
}

impl Role {
    /// The role of an organisation of `kind`.
    pub fn of(kind: OrgKind) -> Role {
        match kind {
            OrgKind::PoliceUnit => Role::Police,
            OrgKind::WelfareCentre => Role::Centre,
            OrgKind::Team => Role::Team,
            OrgKind::Supervisor => Role::Supervisor,
            OrgKind::Admin => Role::Admin,
            _ => Role::Initiator,
        }
    }
}

/// One link of the navigation.
pub(crate) struct NavItem {
    /// Where it leads.
    pub href: &'static str,
    /// What it says.
    pub label: &'static str,
    /// It is the page shown now (`aria-current="page"`).
    pub current: bool,
}

/// What the frame of every page shows.
pub(crate) struct Frame {
    /// The page's title (also the `<h1>`).
    pub title: String,
    /// The organisation's official name.
    pub org_name: String,
    /// Its id (as in its certificate).
    pub org_id: String,
    /// What kind of organisation it is, in Polish.
    pub org_kind: &'static str,
    /// The navigation for its role.
    pub nav: Vec<NavItem>,
    /// A notice after an action ("Wniosek złożony."), shown once at the top.
    pub notice: Option<String>,
    /// The event stream the page follows (its script subscribes), with the position the
    /// page was read at, so nothing between the two is missed.
    pub live: Option<String>,
}

impl Frame {
    /// The frame for `org` in `role` on the page `current` (a path of the navigation).
    pub fn new(org: &Organization, role: Role, title: String, current: &str) -> Frame {
        let items: &[(&'static str, &'static str)] = match role {
            Role::Police => &[
                ("/wnioski", "Wnioski o asystę"),
                ("/karty", "Niebieskie Karty"),
                ("/karty/nowa", "Nowa Niebieska Karta"),
                ("/naruszenia", "Naruszenia"),
            ],
            Role::Centre => &[
                ("/wnioski", "Wnioski o asystę"),
                ("/wnioski/nowy", "Nowy wniosek"),
                ("/karty", "Niebieskie Karty"),
                ("/karty/nowa", "Nowa Niebieska Karta"),
                ("/naruszenia", "Naruszenia"),
            ],
            Role::Team => &[
                ("/karty", "Niebieskie Karty A"),
                ("/naruszenia", "Naruszenia"),
            ],
            Role::Supervisor => &[("/naruszenia", "Naruszenia")],
            Role::Initiator => &[
                ("/karty", "Niebieskie Karty"),
                ("/karty/nowa", "Nowa Niebieska Karta"),
                ("/naruszenia", "Naruszenia"),
            ],
            Role::Admin => &[("/naruszenia", "Naruszenia")],
        };
        Frame {
            title,
            org_name: org.name.clone(),
            org_id: org.id.to_string(),
            org_kind: words::org_kind(org.kind),
            nav: items
                .iter()
                .map(|&(href, label)| NavItem {
                    href,
                    label,
                    current: href == current,
                })
                .collect(),
            notice: None,
            live: None,
        }
    }

    /// The same frame with a notice at the top.
    pub fn with_notice(mut self, notice: Option<String>) -> Frame {
        self.notice = notice;
        self
    }

    /// The same frame on a page that follows the live event stream from `cursor` (the
    /// feed position the page shows everything up to).
    pub fn live(mut self, cursor: &str) -> Frame {
        self.live = Some(format!("/zdarzenia?od={cursor}"));
        self
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    headline: &'a str,
    detail: &'a str,
    technical: Option<&'a str>,
}

/// The page of an error: it names no organisation (the viewer may be unknown) and holds
/// nothing of any case.
pub(crate) fn error_page(
    status: StatusCode,
    headline: &str,
    detail: &str,
    technical: Option<&str>,
) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        headline,
        detail,
        technical,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, headline.to_string()).into_response(),
    }
}
