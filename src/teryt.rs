//! TERYT gmina codes: the key every routing decision hangs on.
//!
//! Welfare centres, police units and interdisciplinary teams are organised per gmina
//! (municipality), so the directory and every routed item name the gmina by its code in
//! TERYT, the national official register of the territorial division kept by GUS. A name
//! would not do: names repeat across the country and change spelling, codes do not.
//!
//! A gmina code has seven digits, `WW PP GG R`:
//!
//! | digits | meaning                                   | example (Toruń, `0463011`) |
//! |--------|-------------------------------------------|----------------------------|
//! | 1-2    | voivodeship, even numbers `02`..=`32`      | `04` kujawsko-pomorskie    |
//! | 3-4    | powiat (county) within the voivodeship    | `63` city of Toruń         |
//! | 5-6    | gmina within the powiat                   | `01`                       |
//! | 7      | type of unit                              | `1` urban gmina            |
//!
//! Only the type digits `1` (urban gmina), `2` (rural gmina) and `3` (urban-rural gmina)
//! are accepted. TERYT also has `4` and `5` (the town and the rural area *inside* an
//! urban-rural gmina, e.g. Łazy `2416053` has the town `2416054` and the rural area
//! `2416055`) and `8`/`9` (districts and delegations of the largest cities, e.g. the
//! districts of Warszawa `1465011`). Those are rejected on purpose: the bodies lacznik
//! routes between (welfare centre, police unit, interdisciplinary team) are set up for a
//! whole gmina, so a part of a gmina can never be a routing key, and accepting it would
//! let two spellings of the same area drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A validated TERYT gmina code.
///
/// It is a distinct type rather than a `String` so that a code, once it exists, is known
/// to be well formed: the directory, the storage keys and the API can compare and index
/// by it without re-checking. Stored as its seven ASCII digits, so it is `Copy`, prints
/// without allocating, and sorts in the same order as the register does.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GminaCode([u8; 7]);

/// Whether a gmina is urban, rural or both.
///
/// Kept because the type digit is part of the identity of a gmina (Łazy `2416053` is not
/// `2416052`) and operators reading a directory want to see which one they are looking at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GminaKind {
    /// Type digit `1`: gmina miejska, a town or city only.
    Urban,
    /// Type digit `2`: gmina wiejska, villages only.
    Rural,
    /// Type digit `3`: gmina miejsko-wiejska, a town with its surrounding villages.
    UrbanRural,
}

/// Why a string is not a gmina code.
///
/// Each variant says exactly which rule failed, so an operator fixing a directory file or
/// a client fixing a request knows what to change. A TERYT code is public and not personal
/// data, so the offending part may be shown; the whole input is not echoed because a
/// malformed value could be anything a user typed into the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerytError {
    /// Not seven characters long.
    #[error("a TERYT gmina code has exactly 7 digits")]
    WrongLength,
    /// Seven characters, but not all of them ASCII digits.
    #[error("a TERYT gmina code consists of digits 0-9 only")]
    NotDigits,
    /// The first two digits are not a voivodeship code (even, 02 to 32).
    #[error("voivodeship code {0:02} does not exist (valid: even numbers 02 to 32)")]
    BadVoivodeship(u8),
    /// Digits 3-4 are `00`, which TERYT uses for the voivodeship itself, not a powiat.
    #[error("powiat code 00 is not a powiat")]
    ZeroPowiat,
    /// Digits 5-6 are `00`, which TERYT uses for the powiat itself, not a gmina.
    #[error("gmina code 00 is not a gmina")]
    ZeroGmina,
    /// The type digit is not 1, 2 or 3 (see the module docs for why 4, 5, 8 and 9 are
    /// refused).
    #[error("type digit {0} is not a whole gmina (accepted: 1 urban, 2 rural, 3 urban-rural)")]
    BadType(u8),
}

impl GminaCode {
    /// The code as text, for keys, file names and messages, without allocating.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII digits by construction, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The voivodeship number (2 to 32), e.g. to check that a voivodeship office only
    /// supervises gminas of its own voivodeship.
    pub fn voivodeship(&self) -> u8 {
        two_digits(self.0[0], self.0[1])
    }

    /// The two-digit powiat number within the voivodeship, because police units above the
    /// gmina level (KPP, KMP) are organised per powiat.
    pub fn powiat(&self) -> u8 {
        two_digits(self.0[2], self.0[3])
    }

    /// Urban, rural or urban-rural, for display to operators.
    pub fn kind(&self) -> GminaKind {
        match self.0[6] {
            b'1' => GminaKind::Urban,
            b'2' => GminaKind::Rural,
            // Only 1-3 pass validation.
            _ => GminaKind::UrbanRural,
        }
    }
}

fn two_digits(tens: u8, units: u8) -> u8 {
    (tens - b'0') * 10 + (units - b'0')
}

impl FromStr for GminaCode {
    type Err = TerytError;

    /// Parses and validates, so that no unchecked code gets into the directory or a
    /// request.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.chars().count() != 7 {
            return Err(TerytError::WrongLength);
        }
        let bytes: [u8; 7] = s.as_bytes().try_into().map_err(|_| TerytError::NotDigits)?;
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TerytError::NotDigits);
        }
        let woj = two_digits(bytes[0], bytes[1]);
        if !(2..=32).contains(&woj) || woj % 2 != 0 {
            return Err(TerytError::BadVoivodeship(woj));
        }
        if &bytes[2..4] == b"00" {
            return Err(TerytError::ZeroPowiat);
        }
        if &bytes[4..6] == b"00" {
            return Err(TerytError::ZeroGmina);
        }
        let rodz = bytes[6] - b'0';
        if !(1..=3).contains(&rodz) {
            return Err(TerytError::BadType(rodz));
        }
        Ok(GminaCode(bytes))
    }
}

impl fmt::Display for GminaCode {
    /// The bare seven digits, exactly as in the register and in directory files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for GminaCode {
    /// Shows the digits rather than a byte array, so test failures and logs are readable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GminaCode({})", self.as_str())
    }
}

impl Serialize for GminaCode {
    /// A string, so leading zeros survive (`0463011` is not the number 463011).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for GminaCode {
    /// Validates while reading, so a bad code in a file is reported at its line.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("invalid TERYT gmina code: {e}")))
    }
}

#[cfg(test)]
#[path = "teryt_tests.rs"]
mod tests;
