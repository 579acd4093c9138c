//! Value pools (Polish, with diacritics; none is a substring of an English description).

use super::*;

pub(super) const FIRST: &[&str] = &[
    "Anna",
    "Zofia",
    "Łucja",
    "Małgorzata",
    "Żaneta",
    "Ewa",
    "Grzegorz",
    "Michał",
    "Jędrzej",
    "Bożena",
    "Krzysztof",
    "Ścibor",
    "Źdźisław",
    "Jan Maria",
];
pub(super) const LAST: &[&str] = &[
    "Nowak",
    "Wiśniewska-Zaborowska",
    "Kowalczyk",
    "Żółkiewska",
    "Gęsiarz",
    "Brzęczyszczykiewicz",
    "Łęcka",
    "Ćwiek",
    "Dąbrowski",
    "Szczęsna",
    "Źródłowska",
    "O'Neill-Pióro",
];
/// Suspected persons' surnames: disjoint from `LAST`, so no Blue Card B recipient drawn
/// from `LAST` is ever a suspected person.
pub(super) const SUSPECT_LAST: &[&str] = &["Przybysz", "Wróblewski", "Kaczmarek", "Zając", "Mazur"];
pub(super) const STREETS: &[&str] = &[
    "ul. Szeroka",
    "ul. Mickiewicza",
    "al. Jana Pawła II",
    "os. Kościuszki",
    "Plac Rapackiego",
    "ul. Żeglarska",
];
pub(super) const BUILDINGS: &[&str] = &["12", "1A", "104/6", "7c", "3 lok. U1"];
pub(super) const APARTMENTS: &[&str] = &["", "4", "12b", "m. 3"];
pub(super) const CITIES: &[&str] = &["Toruń", "Łysomice", "Złotoria", "Toruń-Podgórz"];
pub(super) const NOTES: &[&str] = &[
    "",
    "wejście od podwórza",
    "domofon nie działa\nklatka B",
    "pies w mieszkaniu\r\nuwaga",
    "kod do bramy:\t1234",
];
pub(super) const OTHER_DATA: &[&str] = &["", "ur. 1980", "PESEL nieznany\nmieszka z matką"];
pub(super) const BEHAVIOURS: &[&str] = &[
    "agresja słowna",
    "możliwa agresja fizyczna pod wpływem alkoholu\nbyły groźby",
    "spokojny, ale nieufny\twobec urzędników",
];
pub(super) const ACTIVITY_OTHER: &[&str] = &[
    "asysta przy odebraniu dziecka",
    "pomoc w przeprowadzce\nz rzeczami osobistymi",
];
pub(super) const POSITIONS: &[&str] = &["", "Dyrektor MOPR", "Kierownik działu", "p.o. Dyrektora"];
pub(super) const OFFICERS: &[&str] = &[
    "asp. sztab. Jan Kowalski",
    "sierż. Ewa Łącka",
    "dyżurny KMP",
];
pub(super) const PLACES: &[&str] = &[
    "mieszkanie przy ul. Polnej",
    "klatka schodowa",
    "szkoła podstawowa nr 3",
    "komisariat",
];
pub(super) const RELATIONSHIPS: &[&str] = &["mąż", "ojciec", "konkubent", "syn", "matka", "brat"];
pub(super) const OPT_RELATIONSHIPS: &[&str] = &["", "córka", "sąsiadka", "żona"];
pub(super) const INJURIES: &[&str] = &[
    "",
    "zasinienie przedramienia",
    "otarcia naskórka\nskarży się na ból głowy",
];
pub(super) const DESCRIPTIONS: &[&str] = &[
    "Interwencja domowa po zgłoszeniu sąsiadów.",
    "Awantura domowa;\nsprawca nietrzeźwy.",
];
pub(super) const ACTIONS: &[&str] = &[
    "Odizolowanie sprawcy, pouczenie.",
    "Zatrzymanie sprawcy.\r\nPomoc medyczna.",
];
pub(super) const VIOLENCE_OTHER: &[&str] = &[
    "zastraszanie przez zwierzę",
    "niszczenie rzeczy\nosobistych",
];
/// Gminas with an interdisciplinary team in the sample directory, and the team.
pub(super) const TEAMS: &[(&str, &str)] = &[
    ("0463011", "zi-torun"),
    ("2416053", "zi-lazy"),
    ("2416021", "zi-zawiercie"),
    ("0862011", "zi-zielona-gora"),
    ("0861011", "zi-gorzow"),
];

pub(super) fn gmina(s: &str) -> GminaCode {
    s.parse().expect("gmina code")
}
