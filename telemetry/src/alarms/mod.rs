//! External alarms: what tower cameras and under-canopy infrared sensors report, taken in as
//! JSON lines from a file or UDP datagrams.
//!
//! - [`external`] parses one alarm ([`external::ExternalAlarm`]: a point or a bearing) and
//!   names what it rejects.
//! - [`source`] reads alarms from a file ([`source::read_alarm_file`]) or a UDP port
//!   ([`source::AlarmListener`]), counting rejections by reason.
//! - [`check`] checks a parsed alarm against the area's towers and the clock (a pure step):
//!   a tower named instead of placed gets its position and camera height; an unknown tower
//!   or a report from the future is refused.
//! - [`rejection`] holds the reasons and the counters.
//!
//! Accepted alarms go to the alerting task ([`crate::fly::alerting`]), which places them on the
//! terrain and fuses them with the drones' sightings. The format is documented in
//! `docs/alerts.md`.
pub mod check;
pub mod external;
mod rejection;
pub mod source;
