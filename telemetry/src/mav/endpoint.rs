//! Connection strings, spelled as MAVProxy, pymavlink and rust-mavlink users type them:
//! `udpin:0.0.0.0:14550`, `udpout:127.0.0.1:14550`, `udpbcast:192.168.1.255:14550`,
//! `tcpin:0.0.0.0:5760`, `tcpout:127.0.0.1:5760` (or `tcp:`), `serial:/dev/ttyUSB0:57600`,
//! and MAVProxy's serial forms `/dev/ttyUSB0,57600`, `COM3,57600` and a bare `/dev/ttyACM0`
//! (57600 baud, MAVProxy's default).
//!
//! `udp:` means what it means in MAVProxy: on the vehicle side (`--connect`, MAVProxy's
//! `--master`) it listens, as pymavlink's `udp:` does; on the output side (`--out`, MAVProxy's
//! `--out`) it sends. [`Endpoint::from_str`] reads the first, [`Endpoint::parse_output`] the
//! second.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Listen on a UDP address; reply to every peer heard.
    UdpIn(SocketAddr),
    /// Send to a UDP address from a random local port.
    UdpOut(SocketAddr),
    /// Send to a broadcast address (a radio's or a LAN's) from a random local port.
    UdpBcast(SocketAddr),
    /// Listen for TCP clients (any number).
    TcpIn(SocketAddr),
    /// Connect to a TCP server, reconnecting with backoff when it drops.
    TcpOut(String),
    /// A serial port at a baud rate (8N1, no flow control), reopened when it fails.
    Serial {
        /// Device path.
        port: String,
        /// Baud rate.
        baud: u32,
    },
}

/// A connection string that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error(
    "connection string '{text}': {reason} (expected udp:HOST:PORT, udpin:HOST:PORT, udpout:HOST:PORT, udpbcast:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT, serial:PORT:BAUD or PORT,BAUD)"
)]
pub struct EndpointError {
    /// What was typed.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    /// A vehicle-side connection string (`udp:` listens).
    fn from_str(text: &str) -> Result<Endpoint, EndpointError> {
        parse(text, UdpMeans::Listen)
    }
}

impl Endpoint {
    /// An output-side connection string, as MAVProxy's `--out` reads it (`udp:` sends).
    pub fn parse_output(text: &str) -> Result<Endpoint, EndpointError> {
        parse(text, UdpMeans::Send)
    }
}

/// What a bare `udp:` means where it is typed.
#[derive(Debug, Clone, Copy)]
enum UdpMeans {
    Listen,
    Send,
}

/// MAVProxy's serial baud rate when none is given.
const DEFAULT_SERIAL_BAUD: u32 = 57_600;

/// Whether `text` is a serial device as MAVProxy takes it without a scheme.
fn looks_like_serial_port(port: &str) -> bool {
    let upper = port.to_ascii_uppercase();
    port.starts_with('/')
        || (upper.starts_with("COM")
            && upper.len() > 3
            && upper[3..].chars().all(|c| c.is_ascii_digit()))
}

fn parse(text: &str, udp: UdpMeans) -> Result<Endpoint, EndpointError> {
    let err = |reason: &str| EndpointError {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let baud_of = |b: &str| -> Result<u32, EndpointError> {
        b.trim()
            .parse()
            .ok()
            .filter(|b| *b > 0)
            .ok_or_else(|| err("the baud rate must be a positive number"))
    };
    // MAVProxy's `/dev/ttyUSB0,57600`, `COM3,57600`, `/dev/ttyACM0`.
    let (device, baud) = match text.split_once(',') {
        Some((d, b)) => (d, Some(b)),
        None => (text, None),
    };
    if looks_like_serial_port(device) {
        return Ok(Endpoint::Serial {
            port: device.to_string(),
            baud: baud.map_or(Ok(DEFAULT_SERIAL_BAUD), baud_of)?,
        });
    }
    let (scheme, rest) = text.split_once(':').ok_or_else(|| err("no scheme"))?;
    let socket = |rest: &str| -> Result<SocketAddr, EndpointError> {
        rest.parse::<SocketAddr>()
            .map_err(|_| err("expected an IP address and port, like 127.0.0.1:14550"))
    };
    match scheme {
        "udpin" => Ok(Endpoint::UdpIn(socket(rest)?)),
        "udpout" => Ok(Endpoint::UdpOut(socket(rest)?)),
        "udp" => match udp {
            UdpMeans::Listen => Ok(Endpoint::UdpIn(socket(rest)?)),
            UdpMeans::Send => Ok(Endpoint::UdpOut(socket(rest)?)),
        },
        "udpbcast" => Ok(Endpoint::UdpBcast(socket(rest)?)),
        "tcpin" => Ok(Endpoint::TcpIn(socket(rest)?)),
        "tcpout" | "tcp" => {
            let (host, port) = rest
                .rsplit_once(':')
                .ok_or_else(|| err("expected HOST:PORT"))?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err(err("expected HOST:PORT"));
            }
            Ok(Endpoint::TcpOut(rest.to_string()))
        }
        "serial" => {
            let (port, baud) = rest
                .rsplit_once(':')
                .or_else(|| rest.rsplit_once(','))
                .ok_or_else(|| err("expected serial:PORT:BAUD"))?;
            let baud = baud_of(baud)?;
            if port.is_empty() {
                return Err(err("no serial port"));
            }
            Ok(Endpoint::Serial {
                port: port.to_string(),
                baud,
            })
        }
        other => Err(err(&format!("unknown scheme '{other}'"))),
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::UdpIn(a) => write!(f, "udpin:{a}"),
            Endpoint::UdpOut(a) => write!(f, "udpout:{a}"),
            Endpoint::UdpBcast(a) => write!(f, "udpbcast:{a}"),
            Endpoint::TcpIn(a) => write!(f, "tcpin:{a}"),
            Endpoint::TcpOut(a) => write!(f, "tcpout:{a}"),
            Endpoint::Serial { port, baud } => write!(f, "serial:{port}:{baud}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_users_type() {
        for s in [
            "udpin:0.0.0.0:14550",
            "udpout:127.0.0.1:14550",
            "tcpin:127.0.0.1:5760",
            "tcpout:localhost:5760",
            "serial:/dev/ttyUSB0:57600",
            "udpbcast:192.168.1.255:14550",
        ] {
            let e: Endpoint = s.parse().expect(s);
            assert_eq!(e.to_string(), s);
        }
        // As MAVProxy and pymavlink read them.
        for (typed, meant) in [
            ("udp:0.0.0.0:14550", "udpin:0.0.0.0:14550"),
            ("tcp:127.0.0.1:5760", "tcpout:127.0.0.1:5760"),
            ("/dev/ttyUSB0,57600", "serial:/dev/ttyUSB0:57600"),
            ("/dev/ttyACM0", "serial:/dev/ttyACM0:57600"),
            ("COM3,115200", "serial:COM3:115200"),
            ("serial:/dev/ttyUSB0,921600", "serial:/dev/ttyUSB0:921600"),
        ] {
            assert_eq!(typed.parse::<Endpoint>().expect(typed).to_string(), meant);
        }
        // MAVProxy's --out: udp: sends.
        assert_eq!(
            Endpoint::parse_output("udp:127.0.0.1:14550")
                .unwrap()
                .to_string(),
            "udpout:127.0.0.1:14550"
        );
        for bad in [
            "udpin:14550",
            "foo:1.2.3.4:5",
            "serial:/dev/ttyUSB0:fast",
            "tcpout:host",
            "/dev/ttyUSB0,fast",
            "COMX,57600",
        ] {
            let err = bad.parse::<Endpoint>().expect_err(bad).to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
