//! The flight modes the ground service commands (GUIDED, AUTO, RTL), the live table, the event
//! log and the viewer show, and the simulator flies; and how each autopilot numbers them.
//!
//! ArduCopter numbers its modes 0, 3, 4, ... in HEARTBEAT's `custom_mode`, and
//! MAV_CMD_DO_SET_MODE takes that number as param 2. PX4 packs a main mode into bits 16..24 and a
//! sub mode into bits 24..32 of `custom_mode` (px4_custom_mode.h), and DO_SET_MODE takes them as
//! params 2 and 3. The same number means different modes on the two, so a mode is read only
//! together with the autopilot that sent it ([`ModeNumbering`], [`VehicleMode`]).

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

    /// ArduCopter's `custom_mode` number of the mode (HEARTBEAT); see [`ModeNumbering`] for
    /// PX4's.
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

/// How an autopilot numbers its modes: from HEARTBEAT's `autopilot` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ModeNumbering {
    /// ArduPilot's copter numbers (also what a generic autopilot is assumed to use).
    #[default]
    ArduCopter,
    /// PX4's main and sub modes.
    Px4,
}

/// MAV_AUTOPILOT_PX4.
const MAV_AUTOPILOT_PX4: u8 = 12;

// PX4's main modes (px4_custom_mode.h, PX4_CUSTOM_MAIN_MODE_*) and AUTO's sub modes
// (PX4_CUSTOM_SUB_MODE_AUTO_*).
const PX4_MAIN_POSCTL: u8 = 3;
const PX4_MAIN_AUTO: u8 = 4;
const PX4_MAIN_STABILIZED: u8 = 7;
const PX4_AUTO_LOITER: u8 = 3;
const PX4_AUTO_MISSION: u8 = 4;
const PX4_AUTO_RTL: u8 = 5;
const PX4_AUTO_LAND: u8 = 6;

impl ModeNumbering {
    /// The numbering of a vehicle whose HEARTBEAT names `mav_autopilot`.
    pub fn of_autopilot(mav_autopilot: u8) -> ModeNumbering {
        if mav_autopilot == MAV_AUTOPILOT_PX4 {
            ModeNumbering::Px4
        } else {
            ModeNumbering::ArduCopter
        }
    }

    /// PX4's (main, sub) mode for one of ours. PX4 has no GUIDED: a reposition puts it in
    /// AUTO.LOITER ("Hold"), which then holds where it arrived, as GUIDED does; ArduCopter's
    /// LOITER (position hold under the pilot) is PX4's POSCTL.
    fn px4_main_sub(mode: FlightMode) -> (u8, u8) {
        match mode {
            FlightMode::Stabilize => (PX4_MAIN_STABILIZED, 0),
            FlightMode::Guided => (PX4_MAIN_AUTO, PX4_AUTO_LOITER),
            FlightMode::Auto => (PX4_MAIN_AUTO, PX4_AUTO_MISSION),
            FlightMode::Loiter => (PX4_MAIN_POSCTL, 0),
            FlightMode::Rtl => (PX4_MAIN_AUTO, PX4_AUTO_RTL),
            FlightMode::Land => (PX4_MAIN_AUTO, PX4_AUTO_LAND),
        }
    }

    /// HEARTBEAT's `custom_mode` for `mode`.
    pub fn custom_mode(self, mode: FlightMode) -> u32 {
        match self {
            ModeNumbering::ArduCopter => mode.custom_mode(),
            ModeNumbering::Px4 => {
                let (main, sub) = Self::px4_main_sub(mode);
                (u32::from(main) << 16) | (u32::from(sub) << 24)
            }
        }
    }

    /// The mode a HEARTBEAT's `custom_mode` means, if it is one of ours.
    pub fn mode(self, custom_mode: u32) -> Option<FlightMode> {
        FlightMode::ALL
            .into_iter()
            .find(|m| self.custom_mode(*m) == custom_mode)
    }

    /// MAV_CMD_DO_SET_MODE's params 2 and 3 for `mode`.
    pub fn set_mode_params(self, mode: FlightMode) -> (f32, f32) {
        match self {
            ModeNumbering::ArduCopter => (mode.custom_mode() as f32, 0.0),
            ModeNumbering::Px4 => {
                let (main, sub) = Self::px4_main_sub(mode);
                (f32::from(main), f32::from(sub))
            }
        }
    }

    /// The mode MAV_CMD_DO_SET_MODE's params 2 and 3 ask for, if it is one of ours. PX4 takes
    /// a main mode other than AUTO without a sub mode.
    pub fn mode_of_set_mode(self, param2: f32, param3: f32) -> Option<FlightMode> {
        let whole = |p: f32| (p.is_finite() && p >= 0.0 && p.fract() == 0.0).then_some(p as u32);
        match self {
            ModeNumbering::ArduCopter => self.mode(whole(param2)?),
            ModeNumbering::Px4 => {
                let main = whole(param2)?;
                let sub = if main == u32::from(PX4_MAIN_AUTO) {
                    whole(param3)?
                } else {
                    0
                };
                self.mode((main << 16) | (sub << 24))
            }
        }
    }

    /// The name this autopilot's ground stations show for `mode` (Mission Planner's for
    /// ArduCopter, QGroundControl's for PX4).
    pub fn name(self, mode: FlightMode) -> &'static str {
        match self {
            ModeNumbering::ArduCopter => mode.name(),
            ModeNumbering::Px4 => match mode {
                FlightMode::Stabilize => "Stabilized",
                FlightMode::Guided => "Hold",
                FlightMode::Auto => "Mission",
                FlightMode::Loiter => "Position",
                FlightMode::Rtl => "Return",
                FlightMode::Land => "Land",
            },
        }
    }
}

/// A HEARTBEAT's mode, read with the numbering of the autopilot that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VehicleMode {
    /// The sender's numbering.
    pub numbering: ModeNumbering,
    /// HEARTBEAT's `custom_mode`.
    pub custom_mode: u32,
}

impl VehicleMode {
    /// `mode` as an autopilot with `numbering` sends it.
    pub fn of(numbering: ModeNumbering, mode: FlightMode) -> VehicleMode {
        VehicleMode {
            numbering,
            custom_mode: numbering.custom_mode(mode),
        }
    }

    /// The mode, if it is one of ours.
    pub fn mode(self) -> Option<FlightMode> {
        self.numbering.mode(self.custom_mode)
    }

    /// Whether it is `mode`.
    pub fn is(self, mode: FlightMode) -> bool {
        self.mode() == Some(mode)
    }
}

impl std::fmt::Display for VehicleMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.mode(), self.numbering) {
            (Some(m), n) => f.write_str(n.name(m)),
            (None, ModeNumbering::ArduCopter) => write!(f, "mode {}", self.custom_mode),
            (None, ModeNumbering::Px4) => write!(
                f,
                "PX4 mode {}.{}",
                (self.custom_mode >> 16) & 0xff,
                self.custom_mode >> 24
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn px4_numbers_are_px4s() {
        // The values PX4 sends (px4_custom_mode.h) and QGroundControl decodes.
        let px4 = ModeNumbering::Px4;
        assert_eq!(px4.custom_mode(FlightMode::Auto), 0x0404_0000);
        assert_eq!(px4.custom_mode(FlightMode::Rtl), 0x0504_0000);
        assert_eq!(px4.custom_mode(FlightMode::Guided), 0x0304_0000);
        assert_eq!(px4.custom_mode(FlightMode::Loiter), 0x0003_0000);
        assert_eq!(px4.set_mode_params(FlightMode::Land), (4.0, 6.0));
        assert_eq!(px4.mode_of_set_mode(4.0, 4.0), Some(FlightMode::Auto));
        assert_eq!(px4.mode_of_set_mode(3.0, 9.0), Some(FlightMode::Loiter));
        assert_eq!(px4.mode_of_set_mode(f32::NAN, 0.0), None);
        assert_eq!(ModeNumbering::of_autopilot(12), px4);
        assert_eq!(ModeNumbering::of_autopilot(3), ModeNumbering::ArduCopter);
    }

    #[test]
    fn every_mode_reads_back_in_both_numberings_and_they_never_collide() {
        for n in [ModeNumbering::ArduCopter, ModeNumbering::Px4] {
            for m in FlightMode::ALL {
                assert_eq!(n.mode(n.custom_mode(m)), Some(m), "{n:?} {m}");
                let (p2, p3) = n.set_mode_params(m);
                assert_eq!(n.mode_of_set_mode(p2, p3), Some(m), "{n:?} {m}");
            }
        }
        // An ArduCopter number never reads as a PX4 mode, nor the other way round.
        for m in FlightMode::ALL {
            assert_eq!(ModeNumbering::Px4.mode(m.custom_mode()), None);
            assert_eq!(
                ModeNumbering::ArduCopter.mode(ModeNumbering::Px4.custom_mode(m)),
                None
            );
        }
        let unknown = VehicleMode {
            numbering: ModeNumbering::Px4,
            custom_mode: 0x0804_0000,
        };
        assert_eq!(unknown.to_string(), "PX4 mode 4.8");
    }
}
