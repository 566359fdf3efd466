//! Connection strings, spelled as rust-mavlink, MAVProxy and QGroundControl users type them:
//! `udpin:0.0.0.0:14550`, `udpout:127.0.0.1:14550`, `tcpin:0.0.0.0:5760`,
//! `tcpout:127.0.0.1:5760`, `serial:/dev/ttyUSB0:57600`.

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
    "connection string '{text}': {reason} (expected udpin:HOST:PORT, udpout:HOST:PORT, tcpin:HOST:PORT, tcpout:HOST:PORT or serial:PORT:BAUD)"
)]
pub struct EndpointError {
    /// What was typed.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Endpoint {
    type Err = EndpointError;

    fn from_str(text: &str) -> Result<Endpoint, EndpointError> {
        let err = |reason: &str| EndpointError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = text.split_once(':').ok_or_else(|| err("no scheme"))?;
        let socket = |rest: &str| -> Result<SocketAddr, EndpointError> {
            rest.parse::<SocketAddr>()
                .map_err(|_| err("expected an IP address and port, like 127.0.0.1:14550"))
        };
        match scheme {
            "udpin" => Ok(Endpoint::UdpIn(socket(rest)?)),
            "udpout" | "udp" => Ok(Endpoint::UdpOut(socket(rest)?)),
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
                    .ok_or_else(|| err("expected serial:PORT:BAUD"))?;
                let baud: u32 = baud
                    .parse()
                    .ok()
                    .filter(|b| *b > 0)
                    .ok_or_else(|| err("the baud rate must be a positive number"))?;
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
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::UdpIn(a) => write!(f, "udpin:{a}"),
            Endpoint::UdpOut(a) => write!(f, "udpout:{a}"),
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
        ] {
            let e: Endpoint = s.parse().expect(s);
            assert_eq!(e.to_string(), s);
        }
        for bad in [
            "udpin:14550",
            "foo:1.2.3.4:5",
            "serial:/dev/ttyUSB0:fast",
            "tcpout:host",
        ] {
            let err = bad.parse::<Endpoint>().expect_err(bad).to_string();
            assert!(err.contains(bad), "{err}");
        }
    }
}
