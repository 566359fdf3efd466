//! Where external alarms come from: a JSON-lines file ([`read_alarm_file`]) or UDP datagrams
//! ([`AlarmListener`]). Only parsing happens here; accepted alarms go to the caller (a list, or
//! a `tokio::sync::mpsc` channel) and every rejection is counted by reason. A bad line or
//! datagram never stops the others.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::clock::MissionClock;

use super::check::AlarmCheck;
use super::external::{
    AlarmCounters, AlarmError, AlarmRejection, ExternalAlarm, alarm_from_value, parse_alarm_line,
};

/// The largest datagram accepted, bytes. An alarm is a few hundred bytes; a sender that sends
/// more is confused or hostile, and its datagram is rejected whole.
pub const MAX_DATAGRAM_BYTES: usize = 8192;

/// The alarms of one file, the lines rejected and the counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlarmFile {
    /// Accepted alarms, in file order.
    pub alarms: Vec<ExternalAlarm>,
    /// Rejected lines, in file order (each names its line and reason).
    pub rejected: Vec<AlarmError>,
    /// Accepted and rejected by reason.
    pub counters: AlarmCounters,
}

/// The alarm file could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot read the alarm file: {source}", path.display())]
pub struct AlarmFileError {
    /// The file.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// Reads a JSON-lines alarm file. Blank lines are skipped; every other line is an alarm or a
/// rejection (a line that is not UTF-8 too), so one bad line never hides the rest. Each alarm
/// is checked against the area's towers by `check`, as received at `now_unix_us`.
pub fn read_alarm_file(
    path: &Path,
    check: &AlarmCheck,
    now_unix_us: i64,
) -> Result<AlarmFile, AlarmFileError> {
    let bytes = std::fs::read(path).map_err(|source| AlarmFileError {
        path: path.to_path_buf(),
        source,
    })?;
    let mut file = AlarmFile::default();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let outcome = match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => parse_alarm_line(text, i + 1).and_then(|a| {
                check.check(a, now_unix_us).map_err(|reason| AlarmError {
                    line_no: i + 1,
                    reason,
                })
            }),
            Err(_) => Err(AlarmError {
                line_no: i + 1,
                reason: AlarmRejection::NotUtf8,
            }),
        };
        match outcome {
            Ok(alarm) => {
                file.counters.accept();
                file.alarms.push(alarm);
            }
            Err(e) => {
                file.counters.reject(&e.reason);
                file.rejected.push(e);
            }
        }
    }
    Ok(file)
}

/// The alarms of one datagram: either one JSON object (possibly spread over lines), or JSON
/// lines. A datagram over [`MAX_DATAGRAM_BYTES`] or not UTF-8 is one rejection. Each alarm is
/// checked by `check` as received at `now_unix_us`.
pub fn parse_datagram(
    bytes: &[u8],
    check: &AlarmCheck,
    now_unix_us: i64,
) -> Vec<Result<ExternalAlarm, AlarmError>> {
    let checked = |line_no: usize, parsed: Result<ExternalAlarm, AlarmError>| {
        parsed.and_then(|a| {
            check
                .check(a, now_unix_us)
                .map_err(|reason| AlarmError { line_no, reason })
        })
    };
    let whole = |reason| vec![Err(AlarmError { line_no: 1, reason })];
    if bytes.len() > MAX_DATAGRAM_BYTES {
        return whole(AlarmRejection::Oversize {
            len: bytes.len(),
            max: MAX_DATAGRAM_BYTES,
        });
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return whole(AlarmRejection::NotUtf8);
    };
    if let Ok(value @ serde_json::Value::Object(_)) = serde_json::from_str(text) {
        return vec![checked(1, alarm_from_value(value, 1))];
    }
    let lines: Vec<_> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| checked(i + 1, parse_alarm_line(line, i + 1)))
        .collect();
    if lines.is_empty() {
        // An empty datagram is still something a sender sent: count it.
        return whole(AlarmRejection::NotJson("empty datagram".to_string()));
    }
    lines
}

/// Counters shared between a running listener and whoever reports them.
#[derive(Debug, Clone, Default)]
pub struct SharedCounters(Arc<Mutex<AlarmCounters>>);

impl SharedCounters {
    /// A copy of the counts now.
    pub fn snapshot(&self) -> AlarmCounters {
        // A panic elsewhere while counting leaves the counts usable: take them anyway.
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn update(&self, f: impl FnOnce(&mut AlarmCounters)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

/// The UDP alarm listener could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen for alarms on UDP {addr}: {source}")]
pub struct ListenError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// The socket error.
    pub source: std::io::Error,
}

/// Listens for alarms on a UDP port, one JSON object per datagram or JSON lines.
#[derive(Debug)]
pub struct AlarmListener {
    socket: UdpSocket,
    addr: SocketAddr,
    counters: SharedCounters,
}

impl AlarmListener {
    /// Binds `addr` (port 0 picks a free port; see [`AlarmListener::local_addr`]).
    pub async fn bind(addr: SocketAddr) -> Result<AlarmListener, ListenError> {
        let socket = UdpSocket::bind(addr)
            .await
            .map_err(|source| ListenError { addr, source })?;
        let addr = socket
            .local_addr()
            .map_err(|source| ListenError { addr, source })?;
        Ok(AlarmListener {
            socket,
            addr,
            counters: SharedCounters::default(),
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its counters, to read while it runs.
    pub fn counters(&self) -> SharedCounters {
        self.counters.clone()
    }

    /// Receives datagrams and sends the accepted alarms to `alarms`, until that channel is
    /// closed; each is checked by `check` as received at `clock`'s now. Rejections are counted
    /// and logged (with the sender's address).
    pub async fn run(
        self,
        alarms: mpsc::Sender<ExternalAlarm>,
        check: AlarmCheck,
        clock: MissionClock,
    ) {
        // One byte more than the limit, so an oversize datagram shows as oversize instead of
        // being cut to a valid-looking prefix.
        let mut buf = vec![0u8; MAX_DATAGRAM_BYTES + 1];
        loop {
            let received = tokio::select! {
                r = self.socket.recv_from(&mut buf) => r,
                () = alarms.closed() => return,
            };
            let (len, peer) = match received {
                Ok(r) => r,
                Err(e) => {
                    // Transient (e.g. an ICMP error surfacing on some systems): keep listening,
                    // without spinning if it repeats.
                    tracing::warn!(addr = %self.addr, "alarm listener: receive failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // The kernel cuts a datagram to the buffer; a full buffer means it was larger.
            let outcomes = if len > MAX_DATAGRAM_BYTES {
                vec![Err(AlarmError {
                    line_no: 1,
                    reason: AlarmRejection::Oversize {
                        len,
                        max: MAX_DATAGRAM_BYTES,
                    },
                })]
            } else {
                parse_datagram(&buf[..len], &check, clock.now_unix_us() as i64)
            };
            for outcome in outcomes {
                match outcome {
                    Ok(alarm) => {
                        self.counters.update(AlarmCounters::accept);
                        if alarms.send(alarm).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(%peer, "alarm rejected: {e}");
                        self.counters.update(|c| c.reject(&e.reason));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"source": "ir-1", "kind": "infrared", "at_unix_s": 1784034300, "lat": -41.25, "lon": 146.11, "radius_m": 30}"#;

    #[test]
    fn a_datagram_is_one_object_or_json_lines() {
        let pretty = GOOD.replace(", ", ",\n  ");
        assert!(matches!(
            parse_datagram(pretty.as_bytes(), &AlarmCheck::default(), i64::MAX).as_slice(),
            [Ok(_)]
        ));
        let lines = format!("{GOOD}\n\nnot json\n{GOOD}\n");
        let out = parse_datagram(lines.as_bytes(), &AlarmCheck::default(), i64::MAX);
        assert_eq!(out.len(), 3);
        assert!(out[0].is_ok() && out[2].is_ok());
        assert!(matches!(&out[1], Err(e) if e.line_no == 3));
    }

    #[test]
    fn oversize_empty_and_binary_datagrams_are_one_rejection() {
        let reason = |bytes: &[u8]| match parse_datagram(bytes, &AlarmCheck::default(), i64::MAX)
            .as_slice()
        {
            [Err(e)] => e.reason.reason(),
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(&vec![b' '; MAX_DATAGRAM_BYTES + 1]), "oversize");
        assert_eq!(reason(&[0xff, 0xfe, b'{']), "not-utf8");
        assert_eq!(reason(b"  \n"), "not-json");
    }

    #[test]
    fn a_file_keeps_good_lines_around_bad_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("alarms.jsonl");
        let mut bytes = format!("{GOOD}\n{{\"source\": 1}}\n\n").into_bytes();
        bytes.extend_from_slice(&[0xc3, 0x28, b'\n']);
        bytes.extend_from_slice(GOOD.as_bytes());
        std::fs::write(&path, bytes).expect("write");
        let file = read_alarm_file(&path, &AlarmCheck::default(), i64::MAX).expect("read");
        assert_eq!(file.alarms.len(), 2);
        let lines: Vec<_> = file
            .rejected
            .iter()
            .map(|e| (e.line_no, e.reason.reason()))
            .collect();
        assert_eq!(lines, [(2, "wrong-type"), (4, "not-utf8")]);
        assert_eq!(file.counters.accepted, 2);
        assert_eq!(file.counters.rejected_total(), 2);
        let missing = read_alarm_file(&dir.path().join("none.jsonl"), &AlarmCheck::default(), 0)
            .expect_err("missing");
        assert!(missing.to_string().contains("none.jsonl"));
    }
}
