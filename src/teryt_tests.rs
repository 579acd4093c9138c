//! Unit tests of `teryt`.

use super::*;

fn code(s: &str) -> GminaCode {
    s.parse().unwrap()
}

#[test]
fn real_codes_parse() {
    for (s, woj, pow, kind) in [
        ("0463011", 4, 63, GminaKind::Urban),       // Toruń
        ("2416053", 24, 16, GminaKind::UrbanRural), // Łazy
        ("2416021", 24, 16, GminaKind::Urban),      // Zawiercie
        ("0861011", 8, 61, GminaKind::Urban),       // Gorzów Wielkopolski
        ("0862011", 8, 62, GminaKind::Urban),       // Zielona Góra
        ("1465011", 14, 65, GminaKind::Urban),      // Warszawa
        ("0201012", 2, 1, GminaKind::Rural),
    ] {
        let c = code(s);
        assert_eq!(c.as_str(), s);
        assert_eq!(c.to_string(), s);
        assert_eq!(c.voivodeship(), woj, "{s}");
        assert_eq!(c.powiat(), pow, "{s}");
        assert_eq!(c.kind(), kind, "{s}");
    }
}

#[test]
fn wrong_length() {
    for s in ["", "046301", "04630111", " 0463011", "0463011\n"] {
        assert_eq!(
            s.parse::<GminaCode>(),
            Err(TerytError::WrongLength),
            "{s:?}"
        );
    }
}

#[test]
fn not_digits() {
    for s in ["046301a", "-463011", "04 3011", "+463011"] {
        assert_eq!(s.parse::<GminaCode>(), Err(TerytError::NotDigits), "{s:?}");
    }
    // Seven characters, more than seven bytes.
    assert_eq!("046301ł".parse::<GminaCode>(), Err(TerytError::NotDigits));
    assert_eq!(
        "０４６３０１１".parse::<GminaCode>(),
        Err(TerytError::NotDigits)
    );
}

#[test]
fn bad_voivodeship() {
    assert_eq!(
        "0063011".parse::<GminaCode>(),
        Err(TerytError::BadVoivodeship(0))
    );
    assert_eq!(
        "0363011".parse::<GminaCode>(),
        Err(TerytError::BadVoivodeship(3))
    );
    assert_eq!(
        "3463011".parse::<GminaCode>(),
        Err(TerytError::BadVoivodeship(34))
    );
    assert_eq!(
        "9963011".parse::<GminaCode>(),
        Err(TerytError::BadVoivodeship(99))
    );
    let msg = TerytError::BadVoivodeship(3).to_string();
    assert!(msg.contains("03"), "{msg}");
    assert!("3263011".parse::<GminaCode>().is_ok());
}

#[test]
fn zero_parts() {
    assert_eq!("0400011".parse::<GminaCode>(), Err(TerytError::ZeroPowiat));
    assert_eq!("0463001".parse::<GminaCode>(), Err(TerytError::ZeroGmina));
}

#[test]
fn type_digit_limited_to_whole_gminas() {
    // Town and rural area of the urban-rural gmina Łazy.
    assert_eq!("2416054".parse::<GminaCode>(), Err(TerytError::BadType(4)));
    assert_eq!("2416055".parse::<GminaCode>(), Err(TerytError::BadType(5)));
    for d in [0u8, 6, 7, 8, 9] {
        let s = format!("146501{d}");
        assert_eq!(s.parse::<GminaCode>(), Err(TerytError::BadType(d)));
    }
    assert!(TerytError::BadType(8).to_string().contains('8'));
}

#[test]
fn ordering_follows_the_register() {
    let mut v = ["2416053", "0463011", "2416021", "0861011"].map(code);
    v.sort();
    let s = v.map(|c| c.to_string());
    assert_eq!(s, ["0463011", "0861011", "2416021", "2416053"]);
}

#[test]
fn serde_as_validated_string() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct W {
        g: GminaCode,
    }
    let w: W = toml::from_str(r#"g = "0463011""#).unwrap();
    assert_eq!(w.g, code("0463011"));
    assert_eq!(toml::to_string(&w).unwrap().trim(), r#"g = "0463011""#);
    let err = toml::from_str::<W>(r#"g = "2416054""#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("type digit 4"), "{err}");
    assert!(toml::from_str::<W>("g = 463011").is_err());
    assert_eq!(format!("{:?}", w.g), "GminaCode(0463011)");
}
