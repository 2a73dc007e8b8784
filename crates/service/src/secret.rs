//! Random secrets and their stored digests. Session ids, CSRF tokens, API tokens and one-time
//! passwords come from `rand`'s thread generator (ChaCha12, seeded and reseeded from the
//! operating system); only SM3 digests of session ids and
//! tokens are stored, so a copy of the database opens no session.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sm3::{Digest, Sm3};

/// 256 random bits, URL-safe base64.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored digest of a session id or token: SM3, hex.
pub(crate) fn digest(secret: &str) -> String {
    hex::encode(Sm3::digest(secret.as_bytes()))
}

/// A one-time password that satisfies the password policy: 16 characters from an alphabet
/// without look-alikes, with at least one upper-case letter, lower-case letter and digit.
pub(crate) fn one_time_password() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGITS: &[u8] = b"23456789";
    let mut rng = rand::rng();
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut out = String::with_capacity(16);
    for i in 0..16 {
        out.push(match i % 3 {
            0 => pick(UPPER),
            1 => pick(LOWER),
            _ => pick(DIGITS),
        });
    }
    out
}

/// One of the two halves of an administrator-set password: eight characters of a one-time
/// password (each half has all three classes; the whole is sixteen).
pub(crate) fn password_half() -> String {
    one_time_password().chars().take(8).collect()
}

/// Constant-time comparison of two secrets of public length.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let tokens: std::collections::HashSet<String> = (0..1000).map(|_| random_token()).collect();
        assert_eq!(tokens.len(), 1000);
        assert!(tokens.iter().all(|t| t.len() == 43));
    }

    #[test]
    fn one_time_passwords_meet_the_policy() {
        for _ in 0..100 {
            let password = one_time_password();
            assert_eq!(
                dangjian_core::password::check(&password, "sysadmin", 8),
                Ok(())
            );
        }
    }

    #[test]
    fn the_digest_is_sm3() {
        // GB/T 32905 example 1: SM3("abc").
        assert_eq!(
            digest("abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
