//! Cryptography behind one provider trait, so that a certified module (a 服务器密码机 through
//! its SDF interface, or the bureau's 密码服务平台) can replace the software implementation
//! without touching the use cases. The software provider uses the 国密 algorithms from
//! RustCrypto: SM4 in GCM mode for fields at rest, HMAC-SM3 for lookup (blind) indexes.
//! Keys never live in the database: see `keys`.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use sm3::Sm3;

/// SM4 in Galois/Counter Mode with a 96-bit nonce (the AEAD of TLCP and RFC 8998).
type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// Why a protected value could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("密文格式无效")]
    Malformed,
    #[error("没有版本为 {0} 的字段密钥")]
    UnknownKey(u8),
    #[error("密文校验失败（数据被改动、被挪到其他记录，或密钥不符）")]
    Integrity,
}

/// What the platform needs of a cryptographic module.
pub trait CryptoProvider: Send + Sync {
    /// Encrypts `plaintext` bound to `context` (which record and field it belongs to): the
    /// result opens only with the same context, so a ciphertext copied to another record fails.
    fn seal(&self, plaintext: &str, context: &str) -> String;

    /// Decrypts a value sealed for `context`.
    fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError>;

    /// A keyed digest for finding a value without storing it in clear (a blind index).
    fn blind_index(&self, purpose: &str, value: &str) -> String;

    /// Whether a sealed value was made with an older key than the current one.
    fn needs_rekey(&self, sealed: &str) -> bool;

    /// The MAC that chains an audit record to its predecessor: keyed, so that whoever can
    /// write to the database but does not hold the key cannot forge a consistent chain.
    fn audit_mac(&self, previous: &str, record: &str) -> String;

    /// The pepper of a password verifier: a keyed MAC over the derived value, so that the
    /// database alone does not allow an offline guess.
    fn password_pepper(&self, derived: &[u8]) -> String;

    /// An SM2 signature (DER, hex) of `message`, for what must be provable to a third party
    /// (the sealed head of the audit chain).
    fn sign(&self, message: &[u8]) -> String;

    /// The SM2 public key that checks [`CryptoProvider::sign`] (SEC1 uncompressed, hex), to
    /// give to whoever keeps the seals.
    fn signing_public_key(&self) -> String;
}

/// The SM2 distinguishing identifier (GM/T 0009's default).
pub const SM2_DISTID: &str = "1234567812345678";

/// Checks an SM2 signature (DER, hex) of `message` by the public key `public_key` (SEC1, hex).
pub fn verify_sm2(public_key: &str, message: &[u8], signature: &str) -> bool {
    use sm2::dsa::signature::Verifier as _;
    let (Ok(public_key), Ok(signature)) = (hex::decode(public_key), hex::decode(signature)) else {
        return false;
    };
    let (Ok(key), Ok(signature)) = (
        sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DISTID, &public_key),
        sm2::dsa::Signature::from_der(&signature),
    ) else {
        return false;
    };
    key.verify(message, &signature).is_ok()
}

/// One SM4 field key with its version.
#[derive(Clone)]
pub struct FieldKey {
    pub version: u8,
    pub key: [u8; 16],
}

/// The software provider: RustCrypto SM4-GCM and HMAC-SM3. Not a certified product; for a
/// 密评 the same trait is implemented over the bureau's certified module.
pub struct SoftProvider {
    /// All field keys, newest (used for sealing) last.
    field_keys: Vec<FieldKey>,
    index_key: [u8; 32],
    /// Derived from the index key with its own label, so the two uses never share a key.
    audit_key: [u8; 32],
    /// The same, for password verifiers.
    pepper_key: [u8; 32],
    /// The SM2 key, derived from the index key (so the key file needs nothing new).
    signing_key: sm2::dsa::SigningKey,
}

impl std::fmt::Debug for SoftProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SoftProvider([REDACTED] {} field keys)",
            self.field_keys.len()
        )
    }
}

/// The SM2 signing key derived from `seed`: the first HMAC-SM3 output, under a counter, that
/// is a valid scalar (all but a vanishing fraction of outputs are).
fn derive_signing_key(seed: &[u8; 32]) -> sm2::dsa::SigningKey {
    let mut counter: u32 = 0;
    loop {
        let candidate = hmac_sm3(
            seed,
            &[b"dangjian sm2 signing key v1", &counter.to_be_bytes()],
        );
        if let Ok(key) = sm2::dsa::SigningKey::from_slice(SM2_DISTID, &candidate) {
            return key;
        }
        counter += 1;
    }
}

/// HMAC-SM3 of the concatenated `parts` (the key may be any length; 32 bytes here).
fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts a key of any length, so this branch is never taken.
    let Ok(mut mac) = <Hmac<Sm3> as KeyInit>::new_from_slice(key) else {
        return [0; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Sealed values are `v<version>.` followed by base64 of nonce ‖ ciphertext ‖ tag.
const PREFIX: char = 'v';

impl SoftProvider {
    /// A provider sealing with `current` and still opening what `older` keys sealed.
    pub fn new(current: FieldKey, mut older: Vec<FieldKey>, index_key: [u8; 32]) -> SoftProvider {
        older.retain(|k| k.version != current.version);
        older.sort_by_key(|k| k.version);
        older.push(current);
        let audit_key = hmac_sm3(&index_key, &[b"dangjian audit chain key v1"]);
        let pepper_key = hmac_sm3(&index_key, &[b"dangjian password pepper v1"]);
        SoftProvider {
            field_keys: older,
            index_key,
            audit_key,
            pepper_key,
            signing_key: derive_signing_key(&index_key),
        }
    }

    fn current(&self) -> Option<&FieldKey> {
        self.field_keys.last()
    }

    fn key(&self, version: u8) -> Option<&FieldKey> {
        self.field_keys.iter().find(|k| k.version == version)
    }

    fn split(sealed: &str) -> Result<(u8, Vec<u8>), CryptoError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(CryptoError::Malformed)?;
        let (version, body) = rest.split_once('.').ok_or(CryptoError::Malformed)?;
        let version: u8 = version.parse().map_err(|_| CryptoError::Malformed)?;
        let bytes = STANDARD.decode(body).map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        Ok((version, bytes))
    }
}

impl CryptoProvider for SoftProvider {
    fn seal(&self, plaintext: &str, context: &str) -> String {
        let Some(key) = self.current() else {
            return String::new();
        };
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = Sm4Gcm::new_from_slice(&key.key)
            .ok()
            .and_then(|cipher| {
                cipher
                    .encrypt(
                        &nonce.into(),
                        Payload {
                            msg: plaintext.as_bytes(),
                            aad: context.as_bytes(),
                        },
                    )
                    .ok()
            })
            .unwrap_or_default();
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}.{}", key.version, STANDARD.encode(out))
    }

    fn open(&self, sealed: &str, context: &str) -> Result<String, CryptoError> {
        let (version, bytes) = Self::split(sealed)?;
        let key = self.key(version).ok_or(CryptoError::UnknownKey(version))?;
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        let cipher = Sm4Gcm::new_from_slice(&key.key).map_err(|_| CryptoError::Malformed)?;
        let plain = cipher
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Integrity)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Integrity)
    }

    fn blind_index(&self, purpose: &str, value: &str) -> String {
        hex::encode(hmac_sm3(
            &self.index_key,
            &[purpose.as_bytes(), b"\0", value.as_bytes()],
        ))
    }

    fn sign(&self, message: &[u8]) -> String {
        use sm2::dsa::signature::Signer as _;
        let signature: sm2::dsa::Signature = self.signing_key.sign(message);
        hex::encode(signature.to_der().as_bytes())
    }

    fn signing_public_key(&self) -> String {
        hex::encode(self.signing_key.verifying_key().to_sec1_bytes())
    }

    fn password_pepper(&self, derived: &[u8]) -> String {
        hex::encode(hmac_sm3(&self.pepper_key, &[derived]))
    }

    fn audit_mac(&self, previous: &str, record: &str) -> String {
        hex::encode(hmac_sm3(
            &self.audit_key,
            &[previous.as_bytes(), b"\n", record.as_bytes()],
        ))
    }

    fn needs_rekey(&self, sealed: &str) -> bool {
        match (Self::split(sealed), self.current()) {
            (Ok((version, _)), Some(current)) => version != current.version,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sm4::cipher::BlockCipherEncrypt;

    fn provider() -> SoftProvider {
        SoftProvider::new(
            FieldKey {
                version: 1,
                key: [7; 16],
            },
            Vec::new(),
            [9; 32],
        )
    }

    #[test]
    fn sm4_matches_the_standards_example() {
        // GB/T 32907-2016, appendix A, example 1.
        let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
        let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::Block::<sm4::Sm4>::try_from(&key[..]).unwrap();
        cipher.encrypt_block(&mut block);
        assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn sm4_gcm_matches_rfc_8998() {
        // RFC 8998, appendix A.1.
        let key = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let nonce: [u8; 12] = hex::decode("00001234567800000000ABCD")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plaintext = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let cipher = Sm4Gcm::new_from_slice(&key).unwrap();
        let out = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            .unwrap();
        let (ciphertext, tag) = out.split_at(out.len() - 16);
        assert_eq!(
            hex::encode_upper(ciphertext),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
             D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        );
        assert_eq!(hex::encode_upper(tag), "83DE3541E4C2B58177E065A9BF7B62EC");
    }

    #[test]
    fn sm3_matches_the_standards_example() {
        use sm3::Digest;
        assert_eq!(
            hex::encode(Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn a_sealed_value_opens_only_in_its_own_context() {
        let p = provider();
        let sealed = p.seal("11010519491231002X", "member:1:id_number");
        assert!(!sealed.contains("1949"));
        assert_eq!(
            p.open(&sealed, "member:1:id_number").unwrap(),
            "11010519491231002X"
        );
        assert_eq!(
            p.open(&sealed, "member:2:id_number"),
            Err(CryptoError::Integrity)
        );
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(p.open(&tampered, "member:1:id_number").is_err());
        assert_ne!(
            p.seal("x", "c"),
            p.seal("x", "c"),
            "a fresh nonce every time"
        );
    }

    #[test]
    fn old_keys_still_open_and_are_flagged_for_rekeying() {
        let old = provider();
        let sealed = old.seal("13800138000", "member:5:phone");
        let rotated = SoftProvider::new(
            FieldKey {
                version: 2,
                key: [8; 16],
            },
            vec![FieldKey {
                version: 1,
                key: [7; 16],
            }],
            [9; 32],
        );
        assert_eq!(
            rotated.open(&sealed, "member:5:phone").unwrap(),
            "13800138000"
        );
        assert!(rotated.needs_rekey(&sealed));
        assert!(!rotated.needs_rekey(&rotated.seal("x", "c")));
    }

    #[test]
    fn blind_indexes_are_keyed_and_separated_by_purpose() {
        let p = provider();
        let other = SoftProvider::new(
            FieldKey {
                version: 1,
                key: [7; 16],
            },
            Vec::new(),
            [1; 32],
        );
        assert_eq!(
            p.blind_index("id_number", "X"),
            p.blind_index("id_number", "X")
        );
        assert_ne!(p.blind_index("id_number", "X"), p.blind_index("phone", "X"));
        assert_ne!(
            p.blind_index("id_number", "X"),
            other.blind_index("id_number", "X")
        );
    }

    /// A signature made by OpenSSL 3 (`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
    /// distid:1234567812345678`) with a key it generated: an independent implementation.
    #[test]
    fn an_sm2_signature_from_openssl_verifies() {
        let public = "0468616e50bb2d06ca173e5514c44d2a68fc60b669a131af70530ebaf01043aac9b386654bbb283688844a1cdb2a290c77e9ad38054cf57998ef232bf85e956c52";
        let signature = "3044022029b0d87fe190bf54f415a3568e5ab876167d8366f544406ceaeb057d0e80420802202025ef5e6f54e92d244a1294a2ed6757a87d99fb008e540c6d2d94df9c39b103";
        assert!(verify_sm2(public, b"dangjian audit chain head", signature));
        assert!(!verify_sm2(
            public,
            b"dangjian audit chain heads",
            signature
        ));
        assert!(!verify_sm2(public, b"dangjian audit chain head", "3044"));
        assert!(!verify_sm2("04", b"dangjian audit chain head", signature));
    }

    #[test]
    fn our_sm2_signatures_verify_with_our_public_key_only() {
        let p = provider();
        let signature = p.sign(b"head");
        assert!(verify_sm2(&p.signing_public_key(), b"head", &signature));
        assert!(!verify_sm2(&p.signing_public_key(), b"hea", &signature));
        let other = SoftProvider::new(
            FieldKey {
                version: 1,
                key: [7; 16],
            },
            Vec::new(),
            [1; 32],
        );
        assert_ne!(other.signing_public_key(), p.signing_public_key());
        assert!(!verify_sm2(
            &other.signing_public_key(),
            b"head",
            &signature
        ));
        // The key is derived, so the same key file gives the same public key every start.
        assert_eq!(provider().signing_public_key(), p.signing_public_key());
    }

    #[test]
    fn audit_macs_are_keyed_and_bind_the_predecessor() {
        let p = provider();
        let other = SoftProvider::new(
            FieldKey {
                version: 1,
                key: [7; 16],
            },
            Vec::new(),
            [1; 32],
        );
        let mac = p.audit_mac("", "record");
        assert_eq!(mac.len(), 64);
        assert_eq!(mac, p.audit_mac("", "record"));
        assert_ne!(mac, p.audit_mac("x", "record"));
        assert_ne!(mac, p.audit_mac("", "record2"));
        assert_ne!(mac, other.audit_mac("", "record"));
        // The audit key is not the index key under another name.
        assert_ne!(mac, p.blind_index("", "record"));
    }

    #[test]
    fn debug_output_shows_no_key() {
        assert!(!format!("{:?}", provider()).contains('7'));
    }
}
