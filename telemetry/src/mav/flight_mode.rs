//! ArduCopter's flight modes as HEARTBEAT's `custom_mode` numbers: what the ground service
//! commands (GUIDED, AUTO, RTL), what the live table, the event log and the viewer show, and
//! what the simulator flies. PX4 numbers its modes otherwise (main and sub mode in the upper
//! bytes); they are not these.

/// The ArduCopter flight modes forest-patrol commands and shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlightMode {
    /// Manual attitude control; without a pilot the simulated vehicle just hovers.
    Stabilize,
    /// Commanded by the ground station (take-off, go-to).
    Guided,
    /// Flies the stored mission.
    Auto,
    /// Holds position.
    Loiter,
    /// Returns home and lands.
    Rtl,
    /// Lands where it is.
    Land,
}

impl FlightMode {
    /// Every mode, for ground stations' mode lists.
    pub const ALL: [FlightMode; 6] = [
        FlightMode::Stabilize,
        FlightMode::Guided,
        FlightMode::Auto,
        FlightMode::Loiter,
        FlightMode::Rtl,
        FlightMode::Land,
    ];

    /// ArduCopter's `custom_mode` number of the mode (HEARTBEAT).
    pub fn custom_mode(self) -> u32 {
        match self {
            FlightMode::Stabilize => 0,
            FlightMode::Auto => 3,
            FlightMode::Guided => 4,
            FlightMode::Loiter => 5,
            FlightMode::Rtl => 6,
            FlightMode::Land => 9,
        }
    }

    /// The mode of an ArduCopter `custom_mode` number, if it is one of these.
    pub fn from_custom_mode(custom_mode: u32) -> Option<FlightMode> {
        FlightMode::ALL
            .into_iter()
            .find(|m| m.custom_mode() == custom_mode)
    }

    /// The name ground stations show, e.g. `GUIDED`.
    pub fn name(self) -> &'static str {
        match self {
            FlightMode::Stabilize => "STABILIZE",
            FlightMode::Guided => "GUIDED",
            FlightMode::Auto => "AUTO",
            FlightMode::Loiter => "LOITER",
            FlightMode::Rtl => "RTL",
            FlightMode::Land => "LAND",
        }
    }
}

impl std::fmt::Display for FlightMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
