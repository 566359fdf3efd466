//! MAVLink 2 message signing: a shared 32-byte key, a 48-bit timestamp in 10 µs units since
//! 2015-01-01 that must only grow, and a truncated SHA-256 over key, frame and timestamp.
//!
//! [`SigningKey`] loads the key (it never prints it: its `Debug` hides the bytes);
//! [`Signer`] signs outgoing frames with a timestamp that is persisted beside the key, so a
//! restarted service never reuses one; [`Verifier`] checks incoming frames and counts what it
//! rejects. Rules from the MAVLink signing specification: reject non-increasing timestamps per
//! (link, system, component) stream, and new streams more than a minute behind.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use mavlink::{Message, calculate_crc};
use sha2::{Digest, Sha256};

use crate::mav::dialect::MavMessage;
use crate::mav::frame::{Frame, IFLAG_SIGNED, MAX_FRAME_LEN, SIGNATURE_LEN};

/// 2015-01-01T00:00:00Z in UNIX seconds: the signing epoch.
const SIGNING_EPOCH_UNIX_S: u64 = 1_420_070_400;
/// One minute in signing units (10 µs).
const ONE_MINUTE_UNITS: u64 = 6_000_000;

/// Errors loading a key or its timestamp file.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The key file cannot be read.
    #[error("cannot read signing key {path}: {source}")]
    Read {
        /// Key file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The key file holds neither 32 raw bytes nor 64 hexadecimal digits.
    #[error("signing key {path}: expected 32 bytes or 64 hexadecimal digits, found {found} bytes")]
    Format {
        /// Key file.
        path: PathBuf,
        /// Size found (never the content).
        found: usize,
    },
}

/// A MAVLink 2 signing key.
#[derive(Clone)]
pub struct SigningKey {
    secret: [u8; 32],
    path: PathBuf,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, secret hidden)", self.path.display())
    }
}

impl SigningKey {
    /// Reads a key file: 32 raw bytes, or 64 hexadecimal digits (surrounding whitespace allowed).
    pub fn read(path: &Path) -> Result<SigningKey, SigningError> {
        let bytes = std::fs::read(path).map_err(|source| SigningError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let format = || SigningError::Format {
            path: path.to_path_buf(),
            found: bytes.len(),
        };
        let mut secret = [0u8; 32];
        if bytes.len() == 32 && std::str::from_utf8(&bytes).map_or(true, |s| !is_hex(s.trim())) {
            secret.copy_from_slice(&bytes);
        } else {
            let text = std::str::from_utf8(&bytes).map_err(|_| format())?.trim();
            if text.len() != 64 || !is_hex(text) {
                return Err(format());
            }
            for (i, out) in secret.iter_mut().enumerate() {
                *out = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| format())?;
            }
        }
        Ok(SigningKey {
            secret,
            path: path.to_path_buf(),
        })
    }

    /// A key from its bytes (tests, and callers with their own key storage).
    pub fn from_bytes(secret: [u8; 32], path: PathBuf) -> SigningKey {
        SigningKey { secret, path }
    }

    /// Where the timestamp of this key is persisted: beside the key, `<key>.timestamp`.
    pub fn timestamp_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(".timestamp");
        PathBuf::from(name)
    }

    fn signature(&self, frame_bytes: &[u8], unsigned_len: usize) -> [u8; 6] {
        // SHA-256(key | header | payload | crc | link id | timestamp), first 6 bytes.
        let mut h = Sha256::new();
        h.update(self.secret);
        h.update(&frame_bytes[..unsigned_len + 7]);
        let digest = h.finalize();
        let mut out = [0u8; 6];
        out.copy_from_slice(&digest[..6]);
        out
    }
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The signing clock now, in 10 µs units since 2015-01-01.
pub fn signing_time_now() -> u64 {
    let since_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (since_unix.as_micros() as u64 / 10).saturating_sub(SIGNING_EPOCH_UNIX_S * 100_000)
}

/// Signs outgoing frames.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    link_id: u8,
    last_timestamp: u64,
    persisted: u64,
}

impl Signer {
    /// A signer for `link_id`, starting after the persisted timestamp of the key if there is
    /// one (a clock that went backwards must not make us reuse timestamps).
    pub fn new(key: SigningKey, link_id: u8) -> Signer {
        let persisted = std::fs::read_to_string(key.timestamp_path())
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            // A timestamp is 48 bits; anything larger is a corrupt file, not a clock.
            .filter(|&t| t < 1u64 << 48)
            .unwrap_or(0);
        Signer {
            key,
            link_id,
            last_timestamp: persisted,
            persisted,
        }
    }

    /// Signs `frame` in place (MAVLink 2 only; a MAVLink 1 frame is left as it is).
    pub fn sign(&mut self, frame: &mut Frame) {
        if frame.version() != mavlink::MavlinkVersion::V2 {
            return;
        }
        let ts = signing_time_now().max(self.last_timestamp.saturating_add(1));
        self.last_timestamp = ts;
        let unsigned_len = frame.unsigned_len();
        let msgid = frame.message_id();
        let (bytes, len) = frame.raw_mut(unsigned_len + SIGNATURE_LEN);
        bytes[2] |= IFLAG_SIGNED;
        let crc_end = unsigned_len - 2;
        let crc = calculate_crc(&bytes[1..crc_end], MavMessage::extra_crc(msgid));
        bytes[crc_end..unsigned_len].copy_from_slice(&crc.to_le_bytes());
        bytes[unsigned_len] = self.link_id;
        bytes[unsigned_len + 1..unsigned_len + 7].copy_from_slice(&ts.to_le_bytes()[..6]);
        let sig = self.key.signature(&bytes[..], unsigned_len);
        bytes[unsigned_len + 7..unsigned_len + SIGNATURE_LEN].copy_from_slice(&sig);
        *len = (unsigned_len + SIGNATURE_LEN) as u16;
        debug_assert!(*len as usize <= MAX_FRAME_LEN);
    }

    /// Writes the last timestamp beside the key if it moved by more than ten seconds since
    /// the last write (the specification asks for at least once a minute).
    pub fn persist_if_due(&mut self) -> std::io::Result<()> {
        if self.last_timestamp > self.persisted + ONE_MINUTE_UNITS / 6 {
            self.persist()?;
        }
        Ok(())
    }

    /// Writes the last timestamp beside the key now (also done at exit).
    pub fn persist(&mut self) -> std::io::Result<()> {
        let path = self.key.timestamp_path();
        let tmp = path.with_extension("timestamp.tmp");
        std::fs::write(&tmp, format!("{}\n", self.last_timestamp))?;
        std::fs::rename(&tmp, &path)?;
        self.persisted = self.last_timestamp;
        Ok(())
    }

    /// The last timestamp used.
    pub fn last_timestamp(&self) -> u64 {
        self.last_timestamp
    }
}

/// Why an incoming frame was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The frame is not signed.
    Unsigned,
    /// The signature does not match the key.
    BadSignature,
    /// The timestamp is not newer than the last one of its stream (a replay).
    Replayed,
    /// A new stream whose timestamp is more than a minute behind the newest seen.
    TooOld,
}

/// Counts of rejected frames by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RejectionCounts {
    /// Unsigned frames.
    pub unsigned: u64,
    /// Wrong signatures.
    pub bad_signature: u64,
    /// Replayed timestamps.
    pub replayed: u64,
    /// New streams too far behind.
    pub too_old: u64,
}

impl RejectionCounts {
    /// All rejections.
    pub fn total(&self) -> u64 {
        self.unsigned + self.bad_signature + self.replayed + self.too_old
    }
}

/// Checks signatures of incoming frames.
#[derive(Debug)]
pub struct Verifier {
    key: SigningKey,
    streams: HashMap<(u8, u8, u8), u64>,
    newest: u64,
    rejected: RejectionCounts,
}

impl Verifier {
    /// A verifier for `key`.
    pub fn new(key: SigningKey) -> Verifier {
        Verifier {
            key,
            streams: HashMap::new(),
            newest: 0,
            rejected: RejectionCounts::default(),
        }
    }

    /// Accepts or rejects `frame`, counting rejections.
    pub fn check(&mut self, frame: &Frame) -> Result<(), Rejection> {
        let result = self.check_uncounted(frame);
        if let Err(why) = result {
            match why {
                Rejection::Unsigned => self.rejected.unsigned += 1,
                Rejection::BadSignature => self.rejected.bad_signature += 1,
                Rejection::Replayed => self.rejected.replayed += 1,
                Rejection::TooOld => self.rejected.too_old += 1,
            }
        }
        result
    }

    fn check_uncounted(&mut self, frame: &Frame) -> Result<(), Rejection> {
        let Some(sig) = frame.signature() else {
            return Err(Rejection::Unsigned);
        };
        let link_id = sig[0];
        let mut ts_bytes = [0u8; 8];
        ts_bytes[..6].copy_from_slice(&sig[1..7]);
        let ts = u64::from_le_bytes(ts_bytes);
        let expected = self.key.signature(frame.bytes(), frame.unsigned_len());
        if expected != sig[7..13] {
            return Err(Rejection::BadSignature);
        }
        let stream = (link_id, frame.system_id(), frame.component_id());
        match self.streams.get(&stream) {
            Some(&last) if ts <= last => return Err(Rejection::Replayed),
            None if ts + ONE_MINUTE_UNITS < self.newest => return Err(Rejection::TooOld),
            _ => {}
        }
        self.streams.insert(stream, ts);
        self.newest = self.newest.max(ts);
        Ok(())
    }

    /// What has been rejected so far.
    pub fn rejected(&self) -> RejectionCounts {
        self.rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mav::dialect::{MavMessage, SYSTEM_TIME_DATA};
    use mavlink::MavHeader;

    fn key(byte: u8) -> SigningKey {
        SigningKey::from_bytes([byte; 32], PathBuf::from("/nonexistent/key"))
    }

    fn frame(sys: u8) -> Frame {
        Frame::encode_v2(
            MavHeader {
                system_id: sys.into(),
                component_id: 1,
                sequence: 3,
            },
            &MavMessage::SYSTEM_TIME(SYSTEM_TIME_DATA {
                time_unix_usec: 42,
                time_boot_ms: 7,
            }),
        )
    }

    #[test]
    fn signed_frames_verify_and_replays_do_not() {
        let mut signer = Signer::new(key(1), 2);
        let mut verifier = Verifier::new(key(1));
        let mut f = frame(1);
        signer.sign(&mut f);
        assert!(f.is_signed());
        // Still a valid frame for a parser (flag and checksum are consistent).
        let (g, _) = Frame::parse_prefix(f.bytes())
            .expect("valid")
            .expect("complete");
        assert_eq!(
            g.decode().expect("decodes"),
            frame(1).decode().expect("decodes")
        );
        assert_eq!(verifier.check(&f), Ok(()));
        assert_eq!(verifier.check(&f), Err(Rejection::Replayed));
        assert_eq!(verifier.check(&frame(1)), Err(Rejection::Unsigned));
        let mut other = Signer::new(key(9), 2);
        let mut h = frame(1);
        other.sign(&mut h);
        assert_eq!(verifier.check(&h), Err(Rejection::BadSignature));
        assert_eq!(verifier.rejected().total(), 3);
    }

    #[test]
    fn stripping_a_signature_gives_a_valid_unsigned_frame() {
        let mut signer = Signer::new(key(1), 0);
        let mut f = frame(4);
        signer.sign(&mut f);
        let stripped = f.without_signature();
        assert_eq!(stripped.bytes(), frame(4).bytes());
    }

    #[test]
    fn matches_rust_mavlinks_signature() {
        // rust-mavlink's own signer is the oracle for the hash layout.
        let mut signer = Signer::new(key(5), 3);
        let mut f = frame(2);
        signer.sign(&mut f);
        let mut raw = mavlink::MAVLinkV2MessageRaw::new();
        raw.as_mut_slice()[..f.bytes().len()].copy_from_slice(f.bytes());
        let mut sig = [0u8; 6];
        raw.calculate_signature(&[5u8; 32], &mut sig);
        assert_eq!(&sig[..], &f.signature().expect("signed")[7..]);
    }

    #[test]
    fn key_files_in_hex_or_raw() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hex = dir.path().join("hex.key");
        std::fs::write(&hex, format!("{}\n", "ab".repeat(32))).expect("write");
        assert_eq!(SigningKey::read(&hex).expect("hex").secret, [0xab; 32]);
        let raw = dir.path().join("raw.key");
        std::fs::write(&raw, [7u8; 32]).expect("write");
        assert_eq!(SigningKey::read(&raw).expect("raw").secret, [7; 32]);
        let bad = dir.path().join("bad.key");
        std::fs::write(&bad, "secret").expect("write");
        let err = SigningKey::read(&bad).expect_err("too short").to_string();
        assert!(
            err.contains("bad.key") && !err.contains("secret\""),
            "{err}"
        );
    }

    #[test]
    fn timestamps_survive_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let k = SigningKey::from_bytes([3; 32], dir.path().join("k"));
        let mut s = Signer::new(k.clone(), 0);
        s.last_timestamp = signing_time_now() + 10_000_000; // a clock ahead, then set back
        s.persist().expect("persist");
        let mut t = Signer::new(k, 0);
        let mut f = frame(1);
        t.sign(&mut f);
        assert!(t.last_timestamp() > s.last_timestamp());
    }
}
