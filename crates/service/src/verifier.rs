//! Password verifiers. New ones are PBKDF2-HMAC-SM3 (a national algorithm, as a 密评 asks)
//! with a 16-byte random salt and 100,000 rounds, and a pepper: the derived value is MAC'd
//! with a key from the key file, so a copy of the database alone cannot be attacked offline.
//! The stored string names the algorithm and the rounds, so both can be raised later.
//! Verifiers from before (argon2id) still verify and are replaced at the next good login.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore as _;
use sm3::Sm3;

use crate::CryptoProvider;
use crate::Services;
use crate::error::{ServiceError, ServiceResult};

/// Rounds of new verifiers (about 50 ms on the 2-core reference machine, release build).
pub const ROUNDS: u32 = 100_000;
const PREFIX: &str = "$pbkdf2-sm3$";

/// At most two derivations at a time: a burst of logins queues here instead of taking every
/// blocking thread.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

fn derive(crypto: &dyn CryptoProvider, password: &str, salt: &[u8], rounds: u32) -> String {
    let mut derived = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, rounds, &mut derived);
    crypto.password_pepper(&derived)
}

/// A new verifier for `password`.
pub fn make(crypto: &dyn CryptoProvider, password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    format!(
        "{PREFIX}i={ROUNDS}${}${}",
        STANDARD_NO_PAD.encode(salt),
        derive(crypto, password, &salt, ROUNDS)
    )
}

/// Whether `password` matches `stored` (either kind). A malformed verifier matches nothing.
pub fn check(crypto: &dyn CryptoProvider, password: &str, stored: &str) -> bool {
    if let Some(rest) = stored.strip_prefix(PREFIX) {
        let mut parts = rest.split('$');
        let (Some(rounds), Some(salt), Some(expected), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Some(rounds) = rounds
            .strip_prefix("i=")
            .and_then(|r| r.parse::<u32>().ok())
            .filter(|r| (1_000..=10_000_000).contains(r))
        else {
            return false;
        };
        let Ok(salt) = STANDARD_NO_PAD.decode(salt) else {
            return false;
        };
        let actual = derive(crypto, password, &salt, rounds);
        return constant_time_eq(actual.as_bytes(), expected.as_bytes());
    }
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Whether a verifier should be replaced by a current one at the next good login.
pub fn is_outdated(stored: &str) -> bool {
    !stored.starts_with(&format!("{PREFIX}i={ROUNDS}$"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A verifier of a random password, checked when the login is unknown so that an unknown
/// login takes as long as a wrong password.
pub(crate) const DECOY: &str = "$pbkdf2-sm3$i=100000$AAAAAAAAAAAAAAAAAAAAAA$0000000000000000000000000000000000000000000000000000000000000000";

impl Services {
    fn crypto_handle(&self) -> Arc<dyn CryptoProvider> {
        self.crypto.clone()
    }

    /// A new verifier, computed off the async threads.
    pub(crate) async fn hash_password(&self, password: String) -> ServiceResult<String> {
        let _permit = HASHING
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let crypto = self.crypto_handle();
        tokio::task::spawn_blocking(move || make(crypto.as_ref(), &password))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// Checks a password against a stored verifier, off the async threads.
    pub(crate) async fn verify_password(
        &self,
        password: String,
        stored: String,
    ) -> ServiceResult<bool> {
        let _permit = HASHING
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let crypto = self.crypto_handle();
        tokio::task::spawn_blocking(move || check(crypto.as_ref(), &password, &stored))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{FieldKey, SoftProvider};

    fn provider(index: u8) -> SoftProvider {
        SoftProvider::new(
            FieldKey {
                version: 1,
                key: [7; 16],
            },
            Vec::new(),
            [index; 32],
        )
    }

    #[test]
    fn pbkdf2_hmac_sm3_is_the_standard_construction() {
        // One round of PBKDF2 is HMAC(password, salt ‖ INT(1)): checked against HMAC-SM3 directly.
        use hmac::{Hmac, KeyInit, Mac};
        let mut one = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sm3>(b"password", b"salt", 1, &mut one);
        let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(b"password").unwrap();
        mac.update(b"salt\x00\x00\x00\x01");
        assert_eq!(one.to_vec(), mac.finalize().into_bytes().to_vec());
    }

    #[test]
    fn a_verifier_checks_its_password_only_and_names_its_parameters() {
        let crypto = provider(9);
        let stored = make(&crypto, "Ceshi-2026!");
        assert!(stored.starts_with("$pbkdf2-sm3$i=100000$"));
        assert!(check(&crypto, "Ceshi-2026!", &stored));
        assert!(!check(&crypto, "Ceshi-2026?", &stored));
        assert!(!is_outdated(&stored));
        // Salted: the same password gives another verifier.
        assert_ne!(stored, make(&crypto, "Ceshi-2026!"));
        // Peppered: without the key file's key the verifier does not check.
        assert!(!check(&provider(1), "Ceshi-2026!", &stored));
    }

    #[test]
    fn malformed_verifiers_match_nothing() {
        let crypto = provider(9);
        for stored in [
            "",
            "$pbkdf2-sm3$",
            "$pbkdf2-sm3$i=1$AAAA$00",
            "$pbkdf2-sm3$i=100000$!!$00",
            "$pbkdf2-sm3$i=100000$AAAA$00$extra",
            "plain",
            DECOY,
        ] {
            assert!(!check(&crypto, "", stored), "{stored}");
        }
    }

    #[test]
    fn argon2id_verifiers_from_before_still_check_and_are_outdated() {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&[3u8; 16]).unwrap();
        let old = Argon2::default()
            .hash_password(b"Ceshi-2026!", &salt)
            .unwrap()
            .to_string();
        let crypto = provider(9);
        assert!(check(&crypto, "Ceshi-2026!", &old));
        assert!(!check(&crypto, "wrong", &old));
        assert!(is_outdated(&old));
    }
}
