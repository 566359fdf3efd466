//! The command protocol, ground side: COMMAND_LONG (or COMMAND_INT for positions) answered by
//! COMMAND_ACK. Unanswered commands are resent with the `confirmation` field counting up, as
//! the MAVLink command protocol asks; IN_PROGRESS means the vehicle is working on it, so we
//! wait longer instead of resending.

use std::time::{Duration, Instant};

use num_traits::FromPrimitive;

use crate::mav::dialect::{
    COMMAND_INT_DATA, COMMAND_LONG_DATA, MavCmd, MavFrame, MavMessage, MavResult,
};

/// Time to wait for an acknowledgement before resending.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(1000);
/// Time to wait after an IN_PROGRESS answer.
pub const IN_PROGRESS_TIMEOUT: Duration = Duration::from_secs(3);
/// Resends before giving up.
pub const COMMAND_RETRIES: u8 = 3;

/// A command to a vehicle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Command {
    /// MAV_CMD number.
    pub command: u16,
    /// param1..param7 (for COMMAND_INT, param5/6 are latitude/longitude in degrees).
    pub params: [f32; 7],
    /// Send as COMMAND_INT in this MAV_FRAME (positions exact to 1e-7 degrees).
    pub int_frame: Option<u8>,
}

impl Command {
    /// A COMMAND_LONG.
    pub fn long(command: u16, params: [f32; 7]) -> Command {
        Command {
            command,
            params,
            int_frame: None,
        }
    }
}

/// Why a command failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CommandError {
    /// Refused by the vehicle.
    #[error("command {command} refused by the vehicle: {result}")]
    Refused {
        /// MAV_CMD number.
        command: u16,
        /// MAV_RESULT name.
        result: String,
    },
    /// No acknowledgement after the retries.
    #[error("command {command}: no acknowledgement after {retries} resends")]
    Timeout {
        /// MAV_CMD number.
        command: u16,
        /// Resends made.
        retries: u8,
    },
    /// Not a command of the dialect.
    #[error("command {0} is not in the dialect")]
    Unknown(u16),
    /// The vehicle vanished or the service stopped.
    #[error("{0}")]
    Aborted(String),
}

/// One command waiting for its acknowledgement.
#[derive(Debug)]
pub struct CommandTransaction {
    cmd: Command,
    wire: MavCmd,
    target: (u8, u8),
    confirmation: u8,
    deadline: Instant,
    result: Option<Result<(), CommandError>>,
}

impl CommandTransaction {
    /// Starts `cmd` to `target`; returns the transaction and the first message.
    pub fn start(
        cmd: Command,
        target: (u8, u8),
        now: Instant,
    ) -> Result<(CommandTransaction, MavMessage), CommandError> {
        let wire = MavCmd::from_u16(cmd.command).ok_or(CommandError::Unknown(cmd.command))?;
        let t = CommandTransaction {
            cmd,
            wire,
            target,
            confirmation: 0,
            deadline: now + COMMAND_TIMEOUT,
            result: None,
        };
        let m = t.message();
        Ok((t, m))
    }

    /// The MAV_CMD number.
    pub fn command(&self) -> u16 {
        self.cmd.command
    }

    fn message(&self) -> MavMessage {
        let p = self.cmd.params;
        match self.cmd.int_frame {
            None => MavMessage::COMMAND_LONG(COMMAND_LONG_DATA {
                param1: p[0],
                param2: p[1],
                param3: p[2],
                param4: p[3],
                param5: p[4],
                param6: p[5],
                param7: p[6],
                command: self.wire,
                target_system: self.target.0,
                target_component: self.target.1,
                confirmation: self.confirmation,
            }),
            Some(frame) => MavMessage::COMMAND_INT(COMMAND_INT_DATA {
                param1: p[0],
                param2: p[1],
                param3: p[2],
                param4: p[3],
                x: (f64::from(p[4]) * 1e7).round() as i32,
                y: (f64::from(p[5]) * 1e7).round() as i32,
                z: p[6],
                command: self.wire,
                target_system: self.target.0,
                target_component: self.target.1,
                frame: MavFrame::from_u8(frame).unwrap_or(MavFrame::MAV_FRAME_GLOBAL),
                current: 0,
                autocontinue: 0,
            }),
        }
    }

    /// Feeds a COMMAND_ACK (others are ignored).
    pub fn on_message(&mut self, msg: &MavMessage, now: Instant) {
        let MavMessage::COMMAND_ACK(ack) = msg else {
            return;
        };
        if ack.command != self.wire || self.result.is_some() {
            return;
        }
        self.result = match ack.result {
            MavResult::MAV_RESULT_ACCEPTED => Some(Ok(())),
            MavResult::MAV_RESULT_IN_PROGRESS => {
                self.deadline = now + IN_PROGRESS_TIMEOUT;
                None
            }
            other => Some(Err(CommandError::Refused {
                command: self.cmd.command,
                result: format!("{other:?}"),
            })),
        };
    }

    /// Advances the clock; returns a resend when the acknowledgement is late.
    pub fn on_tick(&mut self, now: Instant) -> Option<MavMessage> {
        if self.result.is_some() || now < self.deadline {
            return None;
        }
        if self.confirmation >= COMMAND_RETRIES {
            self.result = Some(Err(CommandError::Timeout {
                command: self.cmd.command,
                retries: self.confirmation,
            }));
            return None;
        }
        self.confirmation += 1;
        self.deadline = now + COMMAND_TIMEOUT;
        Some(self.message())
    }

    /// The outcome once known.
    pub fn take_result(&mut self) -> Option<Result<(), CommandError>> {
        self.result.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mav::dialect::COMMAND_ACK_DATA;

    #[test]
    fn resends_with_growing_confirmation_then_times_out() {
        let t0 = Instant::now();
        let (mut t, _) = CommandTransaction::start(
            Command::long(400, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
            (1, 1),
            t0,
        )
        .expect("known");
        let mut confirmations = Vec::new();
        let mut now = t0;
        while t.result.is_none() {
            now += Duration::from_millis(100);
            if let Some(MavMessage::COMMAND_LONG(c)) = t.on_tick(now) {
                confirmations.push(c.confirmation);
            }
        }
        assert_eq!(confirmations, vec![1, 2, 3]);
        assert!(matches!(
            t.take_result(),
            Some(Err(CommandError::Timeout { .. }))
        ));
    }

    #[test]
    fn in_progress_waits_and_denied_is_an_error() {
        let t0 = Instant::now();
        let ack = |r| {
            MavMessage::COMMAND_ACK(COMMAND_ACK_DATA {
                command: MavCmd::MAV_CMD_COMPONENT_ARM_DISARM,
                result: r,
                progress: 0,
                result_param2: 0,
                target_system: 255,
                target_component: 190,
            })
        };
        let (mut t, _) =
            CommandTransaction::start(Command::long(400, [1.0; 7]), (1, 1), t0).expect("known");
        t.on_message(&ack(MavResult::MAV_RESULT_IN_PROGRESS), t0);
        assert!(
            t.on_tick(t0 + Duration::from_millis(2000)).is_none(),
            "no resend while in progress"
        );
        t.on_message(&ack(MavResult::MAV_RESULT_DENIED), t0);
        assert!(matches!(
            t.take_result(),
            Some(Err(CommandError::Refused { .. }))
        ));
    }
}
