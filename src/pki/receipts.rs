//! The receipt-signing certificate: a P-256 key (receipts are ES256; keys made before
//! 2026-12-01 are Ed25519 and sign EdDSA until renewed) whose certificate, issued by the
//! same
//! CA as everything else, may only sign documents (key usage digitalSignature and
//! contentCommitment, extended key usage id-kp-documentSigning of RFC 9336), so that a
//! receipt signed with a TLS key, or a TLS handshake with the receipt key, is refused by
//! anyone who checks. Layout: `receipts.pem` (the certificate, then the CA: the chain a
//! receipt carries in `x5c`) and `receipts.key`.

use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose, SerialNumber};

use super::{DevCa, Issued, PkiError, Validity, dn, random_serial, write};

/// id-kp-documentSigning (RFC 9336), 1.3.6.1.5.5.7.3.36.
pub const DOCUMENT_SIGNING_OID: [u64; 9] = [1, 3, 6, 1, 5, 5, 7, 3, 36];

/// The receipt certificate and key of a certificate directory.
pub fn receipts_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("receipts.pem"), dir.join("receipts.key"))
}

impl DevCa {
    /// Issues a receipt-signing certificate (P-256 for ES256, signing only); `cert_pem`
    /// holds the certificate followed by the CA certificate.
    pub fn issue_receipts(&self, validity: Validity) -> Result<Issued, PkiError> {
        self.issue_receipts_for(&rcgen::PKCS_ECDSA_P256_SHA256, validity)
    }

    /// [`DevCa::issue_receipts`] with a key of `alg`: the tests make the Ed25519 receipt
    /// certificates of before 2026-12-01 with it.
    pub(crate) fn issue_receipts_for(
        &self,
        alg: &'static rcgen::SignatureAlgorithm,
        validity: Validity,
    ) -> Result<Issued, PkiError> {
        let key = KeyPair::generate_for(alg)?;
        let serial = random_serial();
        let mut params = CertificateParams::default();
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.distinguished_name = dn("lacznik receipts");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(
            DOCUMENT_SIGNING_OID.to_vec(),
        )];
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Issued {
            cert_pem: format!("{}{}", cert.pem(), self.cert_pem),
            key_pem: key.serialize_pem(),
            serial,
        })
    }
}

/// `lacznik certs issue --receipts` (and `certs init` when absent): writes a fresh
/// receipt certificate and key; receipts signed before stay verifiable, since each carries
/// its own chain.
pub fn issue_receipts(dir: &Path, days: i64) -> Result<PathBuf, PkiError> {
    let ca = super::load_ca(dir)?;
    let issued = ca.issue_receipts(Validity::days(days))?;
    let (c, k) = receipts_paths(dir);
    write(&c, &issued.cert_pem, false)?;
    write(&k, &issued.key_pem, true)?;
    Ok(c)
}
