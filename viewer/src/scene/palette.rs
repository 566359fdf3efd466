//! Colours of the scene: one per drone, one per alert state.

use bevy::prelude::*;
use patrol_telemetry::alerts::model::AlertState;

/// Track colour of the n-th drone of a run (by system id), sRGB: saturated hues that terrain
/// (greens and browns) and the background never take; repeats after eight drones.
pub const DRONE_COLOURS_SRGB: [[u8; 3]; 8] = [
    [255, 0, 255],
    [0, 255, 255],
    [255, 255, 0],
    [60, 110, 255],
    [255, 140, 0],
    [255, 255, 255],
    [160, 90, 255],
    [0, 255, 120],
];

/// Colour of the n-th drone's flown track and marker.
pub fn drone_colour(n: usize) -> Color {
    let [r, g, b] = DRONE_COLOURS_SRGB[n % DRONE_COLOURS_SRGB.len()];
    Color::srgb_u8(r, g, b)
}

/// Colour of the n-th drone's planned sorties: its track colour washed out towards white.
pub fn plan_colour(n: usize) -> Color {
    let [r, g, b] = DRONE_COLOURS_SRGB[n % DRONE_COLOURS_SRGB.len()];
    let wash = |c: u8| ((u16::from(c) + 2 * 220) / 3) as u8;
    Color::srgba_u8(wash(r), wash(g), wash(b), 200)
}

/// Colour of an alert in a lifecycle state, sRGB.
pub fn alert_colour_srgb(state: AlertState) -> [u8; 3] {
    match state {
        AlertState::New => [255, 60, 60],
        AlertState::Dispatched => [255, 150, 40],
        AlertState::OnScene => [255, 230, 60],
        AlertState::ConfirmedFire => [200, 0, 0],
        AlertState::FalseAlarm => [170, 170, 170],
        AlertState::Resolved => [90, 200, 255],
    }
}

/// Colour of an alert in a lifecycle state.
pub fn alert_colour(state: AlertState) -> Color {
    let [r, g, b] = alert_colour_srgb(state);
    Color::srgb_u8(r, g, b)
}

/// Colour of a ground-truth fire after its ignition.
pub const FIRE_SRGB: [u8; 3] = [255, 30, 0];
