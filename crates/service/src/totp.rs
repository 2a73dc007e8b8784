//! Time-based one-time passwords (RFC 6238 over RFC 4226), the second factor of the
//! administrators and the bureau-wide roles. HMAC-SHA1 with 6 digits every 30 seconds is what
//! every authenticator app speaks; an HMAC-SM3 variant is here for bureaus whose tokens use
//! the national algorithm. The secret is shown once as base32 and as a QR code, and stored
//! sealed by the crypto provider.

use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore as _;
use sha1::Sha1;
use sm3::Sm3;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps before and after the current one that are still accepted (clock drift of the phone).
pub const WINDOW: i64 = 1;

/// The HMAC behind the codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sm3,
}

impl Algorithm {
    pub fn code(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sm3 => "SM3",
        }
    }
}

/// A fresh 160-bit secret (RFC 4226 recommends at least 128, 160 for SHA-1).
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn mac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so neither branch can fail.
    match algorithm {
        Algorithm::Sha1 => <Hmac<Sha1> as KeyInit>::new_from_slice(key)
            .map(|mut m| {
                m.update(message);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
        Algorithm::Sm3 => <Hmac<Sm3> as KeyInit>::new_from_slice(key)
            .map(|mut m| {
                m.update(message);
                m.finalize().into_bytes().to_vec()
            })
            .unwrap_or_default(),
    }
}

/// RFC 4226 HOTP with dynamic truncation, `digits` long.
pub fn hotp(algorithm: Algorithm, key: &[u8], counter: u64, digits: u32) -> u32 {
    let digest = mac(algorithm, key, &counter.to_be_bytes());
    let Some(last) = digest.last() else { return 0 };
    let offset = usize::from(last & 0x0f);
    let Some(window) = digest.get(offset..offset + 4) else {
        return 0;
    };
    let binary = u32::from_be_bytes([window[0] & 0x7f, window[1], window[2], window[3]]);
    binary % 10u32.pow(digits)
}

/// The step of a Unix time.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP)
}

/// The code shown at `unix_seconds`, zero-padded.
pub fn code_at(algorithm: Algorithm, key: &[u8], unix_seconds: i64) -> String {
    let step = u64::try_from(step_of(unix_seconds)).unwrap_or(0);
    format!(
        "{:0width$}",
        hotp(algorithm, key, step, DIGITS),
        width = DIGITS as usize
    )
}

/// Checks a typed code against the steps around `unix_seconds`, refusing any step at or before
/// `last_used` (a code works once). Returns the step it matched.
pub fn verify(
    algorithm: Algorithm,
    key: &[u8],
    typed: &str,
    unix_seconds: i64,
    last_used: Option<i64>,
) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_seconds);
    (now - WINDOW..=now + WINDOW)
        .filter(|step| last_used.is_none_or(|used| *step > used) && *step >= 0)
        .find(|step| {
            let expected = format!(
                "{:0width$}",
                hotp(algorithm, key, *step as u64, DIGITS),
                width = DIGITS as usize
            );
            constant_time_eq(expected.as_bytes(), typed.as_bytes())
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The bytes of a base32 secret as [`base32`] writes it (spaces allowed, as the enrolment page
/// groups it); `None` for a character outside the alphabet. Scripts that enrol an account
/// (tests, the load benchmark) read the secret off the page with it.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let (mut buffer, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b' ') {
        let value = BASE32.iter().position(|a| *a == c)?;
        buffer = (buffer << 5) | value as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app scans.
pub fn provisioning_uri(issuer: &str, login: &str, secret: &[u8], algorithm: Algorithm) -> String {
    let label = format!("{issuer}:{login}");
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm={}&digits={DIGITS}&period={STEP}",
        percent(&label),
        base32(secret),
        percent(issuer),
        algorithm.code()
    )
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The QR code of `uri` as an SVG document (served as an image, never inlined).
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(Algorithm::Sha1, RFC_KEY, counter as u64, 6), *code);
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        for (time, code) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            let step = u64::try_from(step_of(time)).unwrap();
            assert_eq!(hotp(Algorithm::Sha1, RFC_KEY, step, 8), code, "T={time}");
        }
    }

    #[test]
    fn base32_matches_rfc_4648() {
        for (input, output) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(input.as_bytes()), output);
            assert_eq!(base32_decode(output).as_deref(), Some(input.as_bytes()));
        }
    }

    #[test]
    fn a_code_is_accepted_once_within_the_window() {
        let key = new_secret();
        let now = 1_800_000_000;
        let code = code_at(Algorithm::Sha1, &key, now);
        let step = verify(Algorithm::Sha1, &key, &code, now, None).unwrap();
        assert_eq!(step, step_of(now));
        // The same code again is refused: it was used.
        assert_eq!(verify(Algorithm::Sha1, &key, &code, now, Some(step)), None);
        // Thirty seconds late still works (phone clocks drift); two steps late does not.
        assert!(verify(Algorithm::Sha1, &key, &code, now + STEP, None).is_some());
        assert!(verify(Algorithm::Sha1, &key, &code, now + 2 * STEP + 1, None).is_none());
        // Spaces are ignored; anything but six digits is refused.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(verify(Algorithm::Sha1, &key, &spaced, now, None).is_some());
        assert!(verify(Algorithm::Sha1, &key, "12345", now, None).is_none());
        assert!(verify(Algorithm::Sha1, &key, "abcdef", now, None).is_none());
    }

    #[test]
    fn the_sm3_variant_gives_other_codes_from_the_same_key() {
        let codes_differ = (0..20u64)
            .any(|c| hotp(Algorithm::Sha1, RFC_KEY, c, 6) != hotp(Algorithm::Sm3, RFC_KEY, c, 6));
        assert!(codes_differ);
        assert!(hotp(Algorithm::Sm3, RFC_KEY, 0, 6) < 1_000_000);
    }

    #[test]
    fn the_provisioning_uri_is_what_apps_expect() {
        let uri = provisioning_uri("党建", "zhang san", b"foobar", Algorithm::Sha1);
        assert_eq!(
            uri,
            "otpauth://totp/%E5%85%9A%E5%BB%BA:zhang%20san?secret=MZXW6YTBOI&issuer=%E5%85%9A%E5%BB%BA&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
    }

    proptest! {
        #[test]
        fn every_code_verifies_at_its_own_time(key in proptest::collection::vec(any::<u8>(), 10..40), time in 0i64..4_000_000_000) {
            let code = code_at(Algorithm::Sha1, &key, time);
            prop_assert_eq!(code.len(), 6);
            prop_assert_eq!(verify(Algorithm::Sha1, &key, &code, time, None), Some(step_of(time)));
        }
    }
}
