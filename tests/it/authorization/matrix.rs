//! The matrix itself: the callers (its columns), every RPC (its rows) and the expected code
//! of every cell; and the check that README.md's table is this one.

use tonic::Code;

/// The columns of the matrix.
pub(super) const N: usize = 16;

pub(super) const CALLERS: [&str; N] = [
    "mopr-torun",       // welfare_centre, Toruń: the centre of the assistance fixture
    "mgops-lazy",       // welfare_centre, other gmina (Łazy)
    "kmp-torun",        // police_unit, Toruń: the police unit of the assistance fixture
    "kp-lazy",          // police_unit, Łazy: the initiator of the Blue Card fixture
    "zi-torun",         // team, Toruń
    "zi-lazy",          // team, Łazy: the team of the Blue Card fixture
    "mkrpa-torun",      // alcohol_commission, Toruń
    "gkrpa-lazy",       // alcohol_commission, other gmina (Łazy)
    "sp-torun",         // education
    "szpital-torun",    // health_care
    "zw-warszawa",      // military_police
    "kpuw-bydgoszcz",   // supervisor of Toruń
    "suw-katowice",     // supervisor of Łazy
    "lacznik-admin",    // admin
    "mopr-torun-filia", // suspended (active = false)
    "ops-nowhere",      // a valid certificate for an organisation missing from the directory
];

/// Every RPC of the four lacznik services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rpc {
    WhoAmI,
    ListOrganizations,
    Now,
    AdvanceClock,
    SetClock,
    SubmitAssistanceRequest,
    GetAssistanceRequest,
    ListAssistanceRequests,
    AmendAssistanceRequest,
    CancelAssistanceRequest,
    SubmitWrittenConfirmation,
    StreamAssistanceRequests,
    AcknowledgeAssistanceRequest,
    FileServiceNote,
    SubmitBlueCardA,
    GetBlueCard,
    ListBlueCards,
    PullBlueCards,
    AcknowledgeBlueCard,
    RecordForwarding,
    RecordProcedureStep,
    CloseProcedure,
    GetProcedure,
    ListBreaches,
    WatchBreaches,
}

impl Rpc {
    pub(super) fn name(self) -> &'static str {
        use Rpc::*;
        match self {
            WhoAmI => "AdminService.WhoAmI",
            ListOrganizations => "AdminService.ListOrganizations",
            Now => "AdminService.Now",
            AdvanceClock => "AdminService.AdvanceClock",
            SetClock => "AdminService.SetClock",
            SubmitAssistanceRequest => "AssistanceService.SubmitAssistanceRequest",
            GetAssistanceRequest => "AssistanceService.GetAssistanceRequest",
            ListAssistanceRequests => "AssistanceService.ListAssistanceRequests",
            AmendAssistanceRequest => "AssistanceService.AmendAssistanceRequest",
            CancelAssistanceRequest => "AssistanceService.CancelAssistanceRequest",
            SubmitWrittenConfirmation => "AssistanceService.SubmitWrittenConfirmation",
            StreamAssistanceRequests => "AssistanceService.StreamAssistanceRequests",
            AcknowledgeAssistanceRequest => "AssistanceService.AcknowledgeAssistanceRequest",
            FileServiceNote => "AssistanceService.FileServiceNote",
            SubmitBlueCardA => "BlueCardService.SubmitBlueCardA",
            GetBlueCard => "BlueCardService.GetBlueCard",
            ListBlueCards => "BlueCardService.ListBlueCards",
            PullBlueCards => "BlueCardService.PullBlueCards",
            AcknowledgeBlueCard => "BlueCardService.AcknowledgeBlueCard",
            RecordForwarding => "BlueCardService.RecordForwarding",
            RecordProcedureStep => "BlueCardService.RecordProcedureStep",
            CloseProcedure => "BlueCardService.CloseProcedure",
            GetProcedure => "BlueCardService.GetProcedure",
            ListBreaches => "BreachService.ListBreaches",
            WatchBreaches => "BreachService.WatchBreaches",
        }
    }
}

const OK: Code = Code::Ok;

const NF: Code = Code::NotFound;

const PD: Code = Code::PermissionDenied;

const IA: Code = Code::InvalidArgument;

const UA: Code = Code::Unauthenticated;

/// The abbreviation used in the README table.
fn abbr(c: Code) -> &'static str {
    match c {
        Code::Ok => "OK",
        Code::NotFound => "NF",
        Code::PermissionDenied => "PD",
        Code::InvalidArgument => "IA",
        Code::Unauthenticated => "UA",
        other => panic!("no abbreviation for {other:?}"),
    }
}

/// Expected code of every (RPC, caller) cell; columns in the order of [`CALLERS`].
#[rustfmt::skip]
pub(super) const MATRIX: &[(Rpc, [Code; N])] = &[
    //                                  mopr mgops kmp  kp  zi-t zi-l mkrpa gkrpa sp  szp  zw  kpuw  suw admin filia nowhere
    (Rpc::WhoAmI,                       [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::ListOrganizations,            [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::Now,                          [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::AdvanceClock,                 [PD, PD,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, OK,   PD,   UA]),
    (Rpc::SetClock,                     [PD, PD,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, OK,   PD,   UA]),
    (Rpc::SubmitAssistanceRequest,      [OK, IA,   PD,  PD, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::GetAssistanceRequest,         [OK, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListAssistanceRequests,       [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::AmendAssistanceRequest,       [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::CancelAssistanceRequest,      [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::SubmitWrittenConfirmation,    [OK, NF,   PD,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::StreamAssistanceRequests,     [PD, PD,   OK,  OK, PD,  PD,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::AcknowledgeAssistanceRequest, [PD, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::FileServiceNote,              [PD, NF,   OK,  NF, NF,  NF,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::SubmitBlueCardA,              [OK, OK,   OK,  OK, PD,  PD,  OK,   OK,   OK, OK,  OK, PD,   PD, PD,   PD,   UA]),
    (Rpc::GetBlueCard,                  [NF, NF,   NF,  OK, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListBlueCards,                [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::PullBlueCards,                [PD, PD,   PD,  PD, OK,  OK,  PD,   PD,   PD, PD,  PD, PD,   PD, PD,   PD,   UA]),
    (Rpc::AcknowledgeBlueCard,          [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::RecordForwarding,             [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::RecordProcedureStep,          [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::CloseProcedure,               [NF, NF,   NF,  PD, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::GetProcedure,                 [NF, NF,   NF,  OK, NF,  OK,  NF,   NF,   NF, NF,  NF, NF,   NF, NF,   PD,   UA]),
    (Rpc::ListBreaches,                 [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
    (Rpc::WatchBreaches,                [OK, OK,   OK,  OK, OK,  OK,  OK,   OK,   OK, OK,  OK, OK,   OK, OK,   PD,   UA]),
];

/// The README's table is [`MATRIX`], cell by cell, with the same columns.
#[test]
fn readme_table_is_the_tested_matrix() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section: Vec<&str> = readme
        .lines()
        .skip_while(|l| l.trim() != "## Authorization matrix")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .collect();
    assert!(
        !section.is_empty(),
        "README.md has no \"## Authorization matrix\" section"
    );
    let cells = |line: &str| -> Vec<String> {
        line.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect()
    };
    let header = section
        .iter()
        .find(|l| l.starts_with("| RPC"))
        .expect("a header row starting with `| RPC`");
    let columns = cells(header);
    assert_eq!(
        &columns[1..],
        CALLERS.as_slice(),
        "README matrix columns differ from the tested callers"
    );
    let rows: Vec<Vec<String>> = section
        .iter()
        .filter(|l| l.starts_with("| `"))
        .map(|l| cells(l))
        .collect();
    let readme_rows: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
    let tested_rows: Vec<String> = MATRIX
        .iter()
        .map(|(rpc, codes)| {
            std::iter::once(rpc.name())
                .chain(codes.iter().map(|c| abbr(*c)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let differ: Vec<String> = tested_rows
        .iter()
        .zip(readme_rows.iter().map(Some).chain(std::iter::repeat(None)))
        .filter(|(t, r)| r.is_none_or(|r| r != *t))
        .map(|(t, r)| format!("tested: {t}\nREADME: {}", r.map_or("(missing)", |r| r)))
        .collect();
    assert!(
        differ.is_empty() && readme_rows.len() == tested_rows.len(),
        "README matrix ({} rows) differs from MATRIX ({} rows):\n{}",
        readme_rows.len(),
        tested_rows.len(),
        differ.join("\n")
    );
}
