//! MAVLink frames as bytes: splitting a byte stream into checked frames, and building them.
//!
//! We frame by hand rather than through rust-mavlink's connections because the ground service
//! needs what those hide: the raw bytes (for tlogs and signature checks), the sender's address
//! (to tell vehicles on one UDP port apart), and a count of what was thrown away and why. The
//! payload is still encoded and decoded by rust-mavlink's generated dialect code.
//!
//! Invariant: a [`Frame`] always holds a complete frame whose checksum matched its message's
//! CRC_EXTRA; its signature (if any) has *not* been checked; see [`crate::mav::signing`].

use mavlink::{MavHeader, MavlinkVersion, Message, calculate_crc};

use crate::mav::dialect::MavMessage;

/// MAVLink 1 start byte.
pub const STX_V1: u8 = 0xFE;
/// MAVLink 2 start byte.
pub const STX_V2: u8 = 0xFD;
/// MAVLink 2 incompatibility flag: the frame carries a 13-byte signature.
pub const IFLAG_SIGNED: u8 = 0x01;
/// Length of a MAVLink 2 signature block (link id, 6-byte timestamp, 6-byte signature).
pub const SIGNATURE_LEN: usize = 13;
/// Largest frame: a signed MAVLink 2 frame with a full payload.
pub const MAX_FRAME_LEN: usize = 10 + 255 + 2 + SIGNATURE_LEN;

/// Frames up to this size (nearly all telemetry) are kept inline; larger ones on the heap.
/// Frames are moved through channels many times, and 280 bytes to copy (and zero) for a
/// 40-byte ATTITUDE cost more than parsing it.
const INLINE_LEN: usize = 80;

#[derive(Clone)]
enum Storage {
    Inline([u8; INLINE_LEN]),
    Heap(Box<[u8; MAX_FRAME_LEN]>),
}

/// One complete, checksum-verified MAVLink frame (version 1 or 2).
#[derive(Clone)]
pub struct Frame {
    storage: Storage,
    len: u16,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("version", &self.version())
            .field("system_id", &self.system_id())
            .field("component_id", &self.component_id())
            .field("message_id", &self.message_id())
            .field("len", &self.len)
            .finish()
    }
}

/// Why bytes were discarded while looking for frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// A byte that could not start a frame.
    Noise,
    /// A frame whose checksum did not match.
    BadChecksum,
    /// A MAVLink 2 frame with incompatibility flags we do not support (must be dropped).
    UnsupportedFlags,
    /// A message id the dialect does not know (its checksum cannot be verified).
    UnknownMessage,
}

/// Counts of what a parser threw away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscardCounts {
    /// Bytes skipped between frames.
    pub noise_bytes: u64,
    /// Frames with a wrong checksum.
    pub bad_checksum: u64,
    /// MAVLink 2 frames with unknown incompatibility flags.
    pub unsupported_flags: u64,
    /// Frames of messages the dialect does not define.
    pub unknown_message: u64,
}

impl DiscardCounts {
    fn count(&mut self, why: Discard) {
        match why {
            Discard::Noise => self.noise_bytes += 1,
            Discard::BadChecksum => self.bad_checksum += 1,
            Discard::UnsupportedFlags => self.unsupported_flags += 1,
            Discard::UnknownMessage => self.unknown_message += 1,
        }
    }

    /// Everything discarded, frames and noise bytes together.
    pub fn total(&self) -> u64 {
        self.noise_bytes + self.bad_checksum + self.unsupported_flags + self.unknown_message
    }
}

impl Frame {
    /// The frame's bytes, start byte to last signature byte.
    pub fn bytes(&self) -> &[u8] {
        &self.buf()[..self.len as usize]
    }

    /// MAVLink version of the frame.
    pub fn version(&self) -> MavlinkVersion {
        if self.buf()[0] == STX_V2 {
            MavlinkVersion::V2
        } else {
            MavlinkVersion::V1
        }
    }

    fn header_len(&self) -> usize {
        match self.version() {
            MavlinkVersion::V1 => 6,
            MavlinkVersion::V2 => 10,
        }
    }

    /// Payload length as sent (MAVLink 2 trims trailing zeros).
    pub fn payload_len(&self) -> usize {
        self.buf()[1] as usize
    }

    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        let start = self.header_len();
        &self.buf()[start..start + self.payload_len()]
    }

    /// Sequence number.
    pub fn sequence(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V1 => self.buf()[2],
            MavlinkVersion::V2 => self.buf()[4],
        }
    }

    /// Sender's system id.
    pub fn system_id(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V1 => self.buf()[3],
            MavlinkVersion::V2 => self.buf()[5],
        }
    }

    /// Sender's component id.
    pub fn component_id(&self) -> u8 {
        match self.version() {
            MavlinkVersion::V1 => self.buf()[4],
            MavlinkVersion::V2 => self.buf()[6],
        }
    }

    /// Message id.
    pub fn message_id(&self) -> u32 {
        match self.version() {
            MavlinkVersion::V1 => u32::from(self.buf()[5]),
            MavlinkVersion::V2 => {
                u32::from_le_bytes([self.buf()[7], self.buf()[8], self.buf()[9], 0])
            }
        }
    }

    /// Whether the frame carries a MAVLink 2 signature.
    pub fn is_signed(&self) -> bool {
        self.version() == MavlinkVersion::V2 && self.buf()[2] & IFLAG_SIGNED != 0
    }

    /// The header fields as rust-mavlink spells them.
    pub fn header(&self) -> MavHeader {
        MavHeader {
            system_id: u32::from(self.system_id()),
            component_id: self.component_id(),
            sequence: self.sequence(),
        }
    }

    /// Decodes the payload with the dialect.
    pub fn decode(&self) -> Result<MavMessage, mavlink::error::ParserError> {
        MavMessage::parse(self.version(), self.message_id(), self.payload())
    }

    /// End of the checksum, where a signature starts.
    pub(crate) fn unsigned_len(&self) -> usize {
        self.header_len() + self.payload_len() + 2
    }

    /// The 13 signature bytes of a signed frame.
    pub fn signature(&self) -> Option<&[u8]> {
        if !self.is_signed() {
            return None;
        }
        let start = self.unsigned_len();
        Some(&self.buf()[start..start + SIGNATURE_LEN])
    }

    fn buf(&self) -> &[u8] {
        match &self.storage {
            Storage::Inline(a) => &a[..],
            Storage::Heap(b) => &b[..],
        }
    }

    /// The buffer, with room for at least `capacity` bytes, and the length (for the signer).
    pub(crate) fn raw_mut(&mut self, capacity: usize) -> (&mut [u8], &mut u16) {
        if capacity > INLINE_LEN {
            if let Storage::Inline(a) = &self.storage {
                let mut heap = Box::new([0u8; MAX_FRAME_LEN]);
                heap[..INLINE_LEN].copy_from_slice(a);
                self.storage = Storage::Heap(heap);
            }
        }
        let buf: &mut [u8] = match &mut self.storage {
            Storage::Inline(a) => &mut a[..],
            Storage::Heap(b) => &mut b[..],
        };
        (buf, &mut self.len)
    }

    /// A frame of exactly `bytes` (a complete, checked frame).
    fn from_slice(bytes: &[u8]) -> Frame {
        let storage = if bytes.len() <= INLINE_LEN {
            let mut a = [0u8; INLINE_LEN];
            a[..bytes.len()].copy_from_slice(bytes);
            Storage::Inline(a)
        } else {
            let mut b = Box::new([0u8; MAX_FRAME_LEN]);
            b[..bytes.len()].copy_from_slice(bytes);
            Storage::Heap(b)
        };
        Frame {
            storage,
            len: bytes.len() as u16,
        }
    }

    /// The same frame without its signature: the signed flag cleared and the checksum
    /// recomputed (it covers the flag byte). What goes into logs, so that a log never carries
    /// material from the key.
    pub fn without_signature(&self) -> Frame {
        if !self.is_signed() {
            return self.clone();
        }
        let end = self.header_len() + self.payload_len();
        let mut bytes = [0u8; MAX_FRAME_LEN];
        bytes[..end].copy_from_slice(&self.buf()[..end]);
        bytes[2] &= !IFLAG_SIGNED;
        let crc = calculate_crc(&bytes[1..end], MavMessage::extra_crc(self.message_id()));
        bytes[end..end + 2].copy_from_slice(&crc.to_le_bytes());
        Frame::from_slice(&bytes[..end + 2])
    }

    /// Encodes `msg` as an unsigned MAVLink 2 frame from `header`.
    pub fn encode_v2(header: MavHeader, msg: &MavMessage) -> Frame {
        let mut bytes = [0u8; MAX_FRAME_LEN];
        let mut payload = [0u8; 255];
        // rust-mavlink's serializer already trims MAVLink 2's trailing zero bytes.
        let n = msg.ser(MavlinkVersion::V2, &mut payload);
        let id = msg.message_id().to_le_bytes();
        bytes[..10].copy_from_slice(&[
            STX_V2,
            n as u8,
            0,
            0,
            header.sequence,
            header.system_id as u8,
            header.component_id,
            id[0],
            id[1],
            id[2],
        ]);
        bytes[10..10 + n].copy_from_slice(&payload[..n]);
        let crc = calculate_crc(&bytes[1..10 + n], MavMessage::extra_crc(msg.message_id()));
        bytes[10 + n..12 + n].copy_from_slice(&crc.to_le_bytes());
        Frame::from_slice(&bytes[..12 + n])
    }

    /// Encodes `msg` as a MAVLink 1 frame (what old radios and tools send); messages with ids
    /// above 255 cannot be MAVLink 1 and give `None`.
    pub fn encode_v1(header: MavHeader, msg: &MavMessage) -> Option<Frame> {
        let id = msg.message_id();
        if id > 255 {
            return None;
        }
        let mut bytes = [0u8; MAX_FRAME_LEN];
        let mut payload = [0u8; 255];
        let n = msg.ser(MavlinkVersion::V1, &mut payload);
        bytes[..6].copy_from_slice(&[
            STX_V1,
            n as u8,
            header.sequence,
            header.system_id as u8,
            header.component_id,
            id as u8,
        ]);
        bytes[6..6 + n].copy_from_slice(&payload[..n]);
        let crc = calculate_crc(&bytes[1..6 + n], MavMessage::extra_crc(id));
        bytes[6 + n..8 + n].copy_from_slice(&crc.to_le_bytes());
        Some(Frame::from_slice(&bytes[..8 + n]))
    }

    /// Rewrites the sequence number (the checksum covers it, so it is recomputed; a signed
    /// frame must be re-signed afterwards).
    pub fn set_sequence(&mut self, seq: u8) {
        let at = if self.version() == MavlinkVersion::V2 {
            4
        } else {
            2
        };
        let end = self.header_len() + self.payload_len();
        let extra = MavMessage::extra_crc(self.message_id());
        let len = self.len as usize;
        let (buf, _) = self.raw_mut(len);
        buf[at] = seq;
        let crc = calculate_crc(&buf[1..end], extra);
        buf[end..end + 2].copy_from_slice(&crc.to_le_bytes());
    }

    /// Parses exactly one frame at the start of `input`; `Ok(None)` means more bytes are
    /// needed. `Err` tells why the first byte cannot start a frame.
    pub fn parse_prefix(input: &[u8]) -> Result<Option<(Frame, usize)>, Discard> {
        let Some(&stx) = input.first() else {
            return Ok(None);
        };
        let (header_len, sig_len) = match stx {
            STX_V1 => (6, 0),
            STX_V2 => {
                let Some(&flags) = input.get(2) else {
                    return Ok(None);
                };
                if flags & !IFLAG_SIGNED != 0 {
                    return Err(Discard::UnsupportedFlags);
                }
                (
                    10,
                    if flags & IFLAG_SIGNED != 0 {
                        SIGNATURE_LEN
                    } else {
                        0
                    },
                )
            }
            _ => return Err(Discard::Noise),
        };
        let Some(&payload_len) = input.get(1) else {
            return Ok(None);
        };
        let total = header_len + payload_len as usize + 2 + sig_len;
        if input.len() < total {
            return Ok(None);
        }
        let msgid = if stx == STX_V1 {
            u32::from(input[5])
        } else {
            u32::from_le_bytes([input[7], input[8], input[9], 0])
        };
        let extra = known_extra_crc(msgid).ok_or(Discard::UnknownMessage)?;
        let crc_end = header_len + payload_len as usize;
        let crc = calculate_crc(&input[1..crc_end], extra);
        if crc.to_le_bytes() != [input[crc_end], input[crc_end + 1]] {
            return Err(Discard::BadChecksum);
        }
        Ok(Some((Frame::from_slice(&input[..total]), total)))
    }
}

/// The CRC_EXTRA of message `id`, if the compiled dialect defines it (only then can a
/// checksum be checked).
fn known_extra_crc(id: u32) -> Option<u8> {
    let extra = MavMessage::extra_crc(id);
    // CRC_EXTRA is 0 for unknown ids, but a few real messages also have CRC_EXTRA 0, so ask
    // the dialect for a default message only in that rare case.
    (extra != 0 || MavMessage::default_message_from_id(id).is_some()).then_some(extra)
}

/// Splits a byte stream (serial, TCP, or a run of datagrams) into frames, skipping noise.
///
/// Bytes arrive in any chunking; a frame split across chunks is kept until it completes.
/// On a bad frame only its start byte is skipped, so a real frame hidden inside a corrupted
/// one is still found.
#[derive(Debug, Default)]
pub struct FrameParser {
    buf: Vec<u8>,
    start: usize,
    discarded: DiscardCounts,
}

impl FrameParser {
    /// An empty parser.
    pub fn new() -> FrameParser {
        FrameParser::default()
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 4096 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, if the buffered bytes hold one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let rest = &self.buf[self.start..];
            if rest.is_empty() {
                return None;
            }
            match Frame::parse_prefix(rest) {
                Ok(Some((frame, used))) => {
                    self.start += used;
                    return Some(frame);
                }
                Ok(None) => return None,
                Err(why) => {
                    self.discarded.count(why);
                    // Skip to the next possible start byte.
                    let skip = rest[1..]
                        .iter()
                        .position(|&b| b == STX_V1 || b == STX_V2)
                        .map_or(rest.len(), |p| p + 1);
                    if why == Discard::Noise {
                        self.discarded.noise_bytes += skip as u64 - 1;
                    }
                    self.start += skip;
                }
            }
        }
    }

    /// Forgets buffered bytes (after a reconnect: a half frame from the old link is garbage).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.start = 0;
    }

    /// What has been discarded so far.
    pub fn discarded(&self) -> DiscardCounts {
        self.discarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mav::dialect::{HEARTBEAT_DATA, MavAutopilot, MavModeFlag, MavState, MavType};

    fn heartbeat() -> MavMessage {
        MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: 4,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::MAV_MODE_FLAG_CUSTOM_MODE_ENABLED,
            system_status: MavState::MAV_STATE_STANDBY,
            mavlink_version: 3,
        })
    }

    fn header(seq: u8) -> MavHeader {
        MavHeader {
            system_id: 7,
            component_id: 1,
            sequence: seq,
        }
    }

    #[test]
    fn our_frames_match_rust_mavlinks() {
        let mut theirs = Vec::new();
        mavlink::write_v2_msg(&mut theirs, header(9), &heartbeat()).expect("write");
        let ours = Frame::encode_v2(header(9), &heartbeat());
        assert_eq!(ours.bytes(), &theirs[..]);
        let mut theirs = Vec::new();
        mavlink::write_v1_msg(&mut theirs, header(3), &heartbeat()).expect("write");
        let ours = Frame::encode_v1(header(3), &heartbeat()).expect("v1");
        assert_eq!(ours.bytes(), &theirs[..]);
    }

    #[test]
    fn splits_a_noisy_stream_in_any_chunking() {
        let mut stream = vec![0x00, 0x55, STX_V2, 0x01];
        for seq in 0..5u8 {
            stream.extend_from_slice(Frame::encode_v2(header(seq), &heartbeat()).bytes());
            stream.extend_from_slice(&[0x11, 0x22]);
        }
        let mut corrupt = Frame::encode_v2(header(99), &heartbeat()).bytes().to_vec();
        corrupt[12] ^= 0xFF;
        stream.extend_from_slice(&corrupt);
        stream.extend_from_slice(
            Frame::encode_v1(header(5), &heartbeat())
                .expect("v1")
                .bytes(),
        );
        for chunk in [1, 3, 7, 1000] {
            let mut parser = FrameParser::new();
            let mut seqs = Vec::new();
            for part in stream.chunks(chunk) {
                parser.push(part);
                while let Some(f) = parser.next_frame() {
                    assert!(f.decode().is_ok());
                    seqs.push(f.sequence());
                }
            }
            assert_eq!(seqs, vec![0, 1, 2, 3, 4, 5], "chunk {chunk}");
            assert_eq!(parser.discarded().bad_checksum, 1);
        }
    }

    #[test]
    fn unknown_flags_and_messages_are_counted() {
        let mut f = Frame::encode_v2(header(1), &heartbeat()).bytes().to_vec();
        f[2] = 0x02;
        let mut parser = FrameParser::new();
        parser.push(&f);
        assert!(parser.next_frame().is_none());
        assert_eq!(parser.discarded().unsupported_flags, 1);
        let mut g = Frame::encode_v2(header(1), &heartbeat()).bytes().to_vec();
        g[7..10].copy_from_slice(&[0xEE, 0xEE, 0x0E]);
        let mut parser = FrameParser::new();
        parser.push(&g);
        assert!(parser.next_frame().is_none());
        assert_eq!(parser.discarded().unknown_message, 1);
    }

    #[test]
    fn sequence_rewrite_keeps_the_checksum_right() {
        let mut f = Frame::encode_v2(header(1), &heartbeat());
        f.set_sequence(200);
        let (g, _) = Frame::parse_prefix(f.bytes())
            .expect("valid")
            .expect("complete");
        assert_eq!(g.sequence(), 200);
    }
}
