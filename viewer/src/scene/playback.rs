//! Playback in the app: the [`PlaybackClock`] as a resource, moved by wall time and by
//! [`ClockMsg`] messages (which the timeline UI and the keyboard send), never directly.

use bevy::prelude::*;

use crate::replay::clock::{ClockCommand, PlaybackClock, SPEEDS, snap_speed};

/// The playback clock of the app.
#[derive(Resource, Debug, Clone)]
pub struct Playback(pub PlaybackClock);

/// A command for the playback clock.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct ClockMsg(pub ClockCommand);

/// Adds the clock, its messages and the keyboard shortcuts.
#[derive(Debug)]
pub struct PlaybackPlugin {
    /// The clock to start with.
    pub clock: PlaybackClock,
}

impl Plugin for PlaybackPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<ClockMsg>()
            .insert_resource(Playback(self.clock.clone()))
            .add_systems(
                Update,
                (keyboard_commands, apply_commands, advance)
                    .chain()
                    .in_set(PlaybackSet),
            );
    }
}

/// The systems that move the clock; everything that draws the cursor's state runs after.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaybackSet;

fn apply_commands(mut msgs: MessageReader<ClockMsg>, mut clock: ResMut<Playback>) {
    for ClockMsg(cmd) in msgs.read() {
        clock.0.apply(*cmd);
    }
}

/// Moves by real time: virtual time clamps each frame to 250 ms, which would slow a replay
/// down whenever a frame is slow (software rendering, a big scene).
fn advance(time: Res<Time<Real>>, mut clock: ResMut<Playback>) {
    clock.0.advance(time.delta_secs_f64());
}

/// Space play/pause; ←/→ ±1 s (with Shift ±10 s); ↑/↓ faster/slower; N/P next/previous
/// alert event.
fn keyboard_commands(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    clock: Res<Playback>,
    mut out: MessageWriter<ClockMsg>,
) {
    let Some(keys) = keys else { return };
    let step = if keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]) {
        10.0
    } else {
        1.0
    };
    let speed_index = SPEEDS
        .iter()
        .position(|&s| s == snap_speed(clock.0.speed()))
        .unwrap_or(3);
    let pressed = |k| keys.just_pressed(k);
    let cmd = if pressed(KeyCode::Space) {
        Some(ClockCommand::Toggle)
    } else if pressed(KeyCode::ArrowRight) {
        Some(ClockCommand::Step(step))
    } else if pressed(KeyCode::ArrowLeft) {
        Some(ClockCommand::Step(-step))
    } else if pressed(KeyCode::ArrowUp) {
        Some(ClockCommand::SetSpeed(
            SPEEDS[(speed_index + 1).min(SPEEDS.len() - 1)],
        ))
    } else if pressed(KeyCode::ArrowDown) {
        Some(ClockCommand::SetSpeed(
            SPEEDS[speed_index.saturating_sub(1)],
        ))
    } else if pressed(KeyCode::KeyN) {
        Some(ClockCommand::NextEvent)
    } else if pressed(KeyCode::KeyP) {
        Some(ClockCommand::PrevEvent)
    } else {
        None
    };
    if let Some(cmd) = cmd {
        out.write(ClockMsg(cmd));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bevy::time::TimeUpdateStrategy;

    use super::*;

    const S: i64 = 1_000_000;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
                500,
            )))
            .add_plugins(PlaybackPlugin {
                clock: PlaybackClock::new(100 * S, 200 * S, vec![150 * S]),
            });
        // The first update only starts the clock of `Time`.
        app.update();
        app
    }

    fn now(app: &App) -> i64 {
        app.world().resource::<Playback>().0.now_unix_us()
    }

    #[test]
    fn messages_drive_the_clock_and_time_moves_it() {
        let mut app = app();
        app.update();
        assert_eq!(now(&app), 100 * S, "paused at the start");
        app.world_mut()
            .write_message(ClockMsg(ClockCommand::SetSpeed(8.0)));
        app.world_mut().write_message(ClockMsg(ClockCommand::Play));
        app.update();
        // 0.5 s of wall time at 8x.
        assert_eq!(now(&app), 104 * S);
        app.update();
        assert_eq!(now(&app), 108 * S);
        app.world_mut().write_message(ClockMsg(ClockCommand::Pause));
        app.world_mut()
            .write_message(ClockMsg(ClockCommand::NextEvent));
        app.update();
        assert_eq!(now(&app), 150 * S);
        app.update();
        assert_eq!(now(&app), 150 * S, "paused");
    }
}
