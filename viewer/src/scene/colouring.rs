//! How the flown tracks are coloured: by drone, by flight mode or by height above the
//! ground. Changing it rebuilds the track lines once (see [`super::paths`]), never per frame.

use bevy::prelude::*;
use patrol_telemetry::mav::flight_mode::FlightMode;

use super::options::ViewError;

/// The track colouring, as a resource.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrackColouring {
    /// Each drone its own colour (as its marker).
    #[default]
    Drone,
    /// By the autopilot's flight mode at each fix.
    Mode,
    /// By height above the ground at each fix.
    Height,
}

impl TrackColouring {
    /// Every colouring, in the order the `C` key cycles through them.
    pub const ALL: [TrackColouring; 3] = [
        TrackColouring::Drone,
        TrackColouring::Mode,
        TrackColouring::Height,
    ];

    /// Parses `drone`, `mode` or `height`.
    pub fn parse(text: &str) -> Result<TrackColouring, ViewError> {
        TrackColouring::ALL
            .into_iter()
            .find(|c| c.name() == text.trim())
            .ok_or_else(|| ViewError::BadColouring {
                text: text.to_string(),
            })
    }

    /// Its name on the command line and in the UI.
    pub fn name(self) -> &'static str {
        match self {
            TrackColouring::Drone => "drone",
            TrackColouring::Mode => "mode",
            TrackColouring::Height => "height",
        }
    }

    /// The next colouring (wraps).
    pub fn next(self) -> TrackColouring {
        let i = TrackColouring::ALL
            .iter()
            .position(|&c| c == self)
            .unwrap_or(0);
        TrackColouring::ALL[(i + 1) % TrackColouring::ALL.len()]
    }
}

/// Colour of a flight mode, sRGB (the same for ArduPilot's and PX4's); grey for a mode not
/// known or not heard yet.
pub fn mode_colour_srgb(mode: Option<FlightMode>) -> [u8; 3] {
    match mode {
        Some(FlightMode::Auto) => [0, 230, 255],
        Some(FlightMode::Guided) => [255, 0, 255],
        Some(FlightMode::Rtl) => [255, 200, 0],
        Some(FlightMode::Land) => [255, 255, 255],
        Some(FlightMode::Loiter) => [120, 120, 255],
        Some(FlightMode::Stabilize) => [255, 120, 0],
        None => [150, 150, 150],
    }
}

/// Height above ground at which the height ramp ends, metres.
pub const HEIGHT_RAMP_TOP_M: f64 = 150.0;

/// Colour of a height above the ground, sRGB: blue at the ground, through cyan (about 40 m)
/// and yellow (about 90 m) to red at [`HEIGHT_RAMP_TOP_M`] and above. Unknown heights grey.
pub fn height_colour_srgb(alt_agl_m: Option<f64>) -> [u8; 3] {
    const STOPS: [(f64, [f64; 3]); 4] = [
        (0.0, [40.0, 60.0, 255.0]),
        (0.27, [0.0, 230.0, 255.0]),
        (0.6, [255.0, 240.0, 0.0]),
        (1.0, [255.0, 30.0, 0.0]),
    ];
    let Some(h) = alt_agl_m.filter(|h| h.is_finite()) else {
        return [150, 150, 150];
    };
    let t = (h / HEIGHT_RAMP_TOP_M).clamp(0.0, 1.0);
    let i = STOPS.iter().rposition(|(s, _)| *s <= t).unwrap_or(0);
    let (t0, a) = STOPS[i];
    let (t1, b) = STOPS[(i + 1).min(STOPS.len() - 1)];
    let f = if t1 > t0 { (t - t0) / (t1 - t0) } else { 0.0 };
    let mix = |k: usize| (a[k] + (b[k] - a[k]) * f).round() as u8;
    [mix(0), mix(1), mix(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_cycle() {
        for c in TrackColouring::ALL {
            assert_eq!(TrackColouring::parse(c.name()).ok(), Some(c));
        }
        let err = TrackColouring::parse("speed").expect_err("unknown");
        assert!(err.to_string().contains("drone, mode or height"), "{err}");
        assert_eq!(TrackColouring::Height.next(), TrackColouring::Drone);
        assert_eq!(TrackColouring::Drone.next(), TrackColouring::Mode);
    }

    #[test]
    fn modes_get_distinct_colours() {
        let mut seen: Vec<[u8; 3]> = FlightMode::ALL
            .iter()
            .map(|m| mode_colour_srgb(Some(*m)))
            .collect();
        seen.push(mode_colour_srgb(None));
        let all = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), all, "every mode and the unknown one apart");
    }

    #[test]
    fn height_ramp_runs_blue_to_red() {
        assert_eq!(height_colour_srgb(Some(0.0)), [40, 60, 255]);
        assert_eq!(height_colour_srgb(Some(-5.0)), [40, 60, 255]);
        assert_eq!(height_colour_srgb(Some(HEIGHT_RAMP_TOP_M)), [255, 30, 0]);
        assert_eq!(height_colour_srgb(Some(500.0)), [255, 30, 0]);
        assert_eq!(height_colour_srgb(Some(f64::NAN)), [150, 150, 150]);
        assert_eq!(height_colour_srgb(None), [150, 150, 150]);
        let mid = height_colour_srgb(Some(90.0));
        assert!(mid[0] > 200 && mid[1] > 200 && mid[2] < 60, "{mid:?}");
    }
}
