//! What the pipeline knows about one sighting once it has been located: the common currency of
//! drone detections and external alarms on their way into incidents.

use patrol_planner::geodesy::enu::{Enu, Geodetic};

use super::bearing::BearingView;

/// What was seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SightingClass {
    /// Smoke (a plume: located from crossed bearings).
    Smoke,
    /// Visible flame.
    Flame,
    /// A hot spot in a thermal image.
    Hotspot,
    /// An under-canopy infrared alarm.
    Infrared,
    /// A person (not a fire: counted, never alerted).
    Person,
    /// A vehicle (not a fire: counted, never alerted).
    Vehicle,
}

impl SightingClass {
    /// Its name in alerts, exports and the report.
    pub fn name(self) -> &'static str {
        match self {
            SightingClass::Smoke => "smoke",
            SightingClass::Flame => "flame",
            SightingClass::Hotspot => "hotspot",
            SightingClass::Infrared => "infrared",
            SightingClass::Person => "person",
            SightingClass::Vehicle => "vehicle",
        }
    }

    /// Whether it is a sign of fire, and so can raise an alert.
    pub fn is_fire(self) -> bool {
        !matches!(self, SightingClass::Person | SightingClass::Vehicle)
    }

    /// How strongly it shows a fire where it is located: flame and heat are on the spot,
    /// smoke is located less directly. The strongest class names an incident.
    pub fn rank(self) -> u8 {
        match self {
            SightingClass::Flame => 4,
            SightingClass::Hotspot => 3,
            SightingClass::Infrared => 2,
            SightingClass::Smoke => 1,
            SightingClass::Person | SightingClass::Vehicle => 0,
        }
    }
}

/// Who reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum SightingSource {
    /// A drone's detector.
    Drone {
        /// The vehicle's system id.
        system_id: u8,
        /// The camera's component id.
        component_id: u8,
        /// The detector's counter.
        detection_id: u32,
    },
    /// An alarm from outside (tower camera, infrared sensor).
    External {
        /// Its source name, as sent.
        name: String,
    },
}

impl SightingSource {
    /// The drone's system id, if a drone saw it.
    pub fn system_id(&self) -> Option<u8> {
        match self {
            SightingSource::Drone { system_id, .. } => Some(*system_id),
            SightingSource::External { .. } => None,
        }
    }
}

/// Where it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Located {
    /// A ground point with its 1-sigma horizontal covariance.
    Point {
        /// In the terrain's local frame.
        enu: Enu,
        /// In WGS 84 (ground height above mean sea level).
        geodetic: Geodetic,
        /// 1-sigma covariance, east-north, m².
        covariance_en_m2: [[f64; 2]; 2],
    },
    /// A direction only (smoke from one view, a tower camera's bearing).
    Bearing(BearingView),
}

/// One located sighting.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    /// When it was seen (capture time), mission µs since the UNIX epoch.
    pub at_unix_us: u64,
    /// What.
    pub class: SightingClass,
    /// Confidence, 0..1.
    pub confidence: f64,
    /// Who.
    pub source: SightingSource,
    /// Where.
    pub located: Located,
    /// Free text for the evidence trail (camera, temperature, range...).
    pub detail: String,
}

impl Located {
    /// The 1-sigma radius of a point (the root of the larger eigenvalue), metres.
    pub fn sigma_m(&self) -> Option<f64> {
        match self {
            Located::Point {
                covariance_en_m2: c,
                ..
            } => {
                let (a, b, d) = (c[0][0], (c[0][1] + c[1][0]) / 2.0, c[1][1]);
                let mean = (a + d) / 2.0;
                let r = ((a - d) / 2.0).hypot(b);
                Some((mean + r).max(0.0).sqrt())
            }
            Located::Bearing(_) => None,
        }
    }
}
