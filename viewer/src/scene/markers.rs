//! What changes with the cursor: each drone's marker at its interpolated pose (hidden inside
//! telemetry gaps), alerts as circles of their uncertainty coloured by their state then, and
//! the ground-truth fires once ignited.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;

use super::RunData;
use super::frame::SceneFrame;
use super::palette::{FIRE_SRGB, alert_colour, drone_colour};
use super::playback::{Playback, PlaybackSet};

/// Length of a drone marker, metres: far larger than a drone, so that it shows at the scale
/// of the whole area.
pub const MARKER_LENGTH_M: f32 = 220.0;
/// Smallest radius an alert circle is drawn with, metres.
pub const MIN_ALERT_RADIUS_M: f32 = 120.0;

/// Spawns the drone markers and draws the state at the cursor every frame.
#[derive(Debug)]
pub struct MarkersPlugin;

impl Plugin for MarkersPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_drone_markers).add_systems(
            Update,
            (move_drone_markers, draw_alerts, draw_fires).after(PlaybackSet),
        );
    }
}

/// A drone's marker, by its index in [`crate::replay::run::Run::drones`].
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DroneMarker(pub usize);

fn spawn_drone_markers(
    mut commands: Commands,
    run: Res<RunData>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    // A cone along -z (Bevy's forward), its tip ahead: the drone's nose.
    let mesh = meshes.add(
        Mesh::from(Cone {
            radius: MARKER_LENGTH_M * 0.35,
            height: MARKER_LENGTH_M,
        })
        .rotated_by(Quat::from_rotation_x(-FRAC_PI_2)),
    );
    for (i, _) in run.0.drones.iter().enumerate() {
        commands.spawn((
            DroneMarker(i),
            Mesh3d(mesh.clone()),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: drone_colour(i),
                unlit: true,
                ..default()
            })),
            Transform::IDENTITY,
            Visibility::Hidden,
        ));
    }
}

/// Rotation of a vehicle with MAVLink attitude (yaw clockwise from north, pitch nose up, roll
/// right wing down) in scene axes (x east, y up, z south; forward = -z = north at yaw 0).
pub fn attitude_to_scene(roll_rad: f32, pitch_rad: f32, yaw_rad: f32) -> Quat {
    Quat::from_rotation_y(-yaw_rad)
        * Quat::from_rotation_x(pitch_rad)
        * Quat::from_rotation_z(-roll_rad)
}

fn move_drone_markers(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut markers: Query<(&DroneMarker, &mut Transform, &mut Visibility)>,
) {
    let now = clock.0.now_unix_us();
    for (DroneMarker(i), mut transform, mut visibility) in &mut markers {
        match run.0.drones.get(*i).and_then(|d| d.track.pose_at(now)) {
            Some(p) => {
                transform.translation = frame.geodetic_to_scene(p.lat_deg, p.lon_deg, p.alt_amsl_m);
                transform.rotation = attitude_to_scene(p.roll_rad, p.pitch_rad, p.yaw_rad);
                *visibility = Visibility::Visible;
            }
            None => *visibility = Visibility::Hidden,
        }
    }
}

fn draw_alerts(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut gizmos: Gizmos,
) {
    let now = clock.0.now_unix_us();
    for alert in &run.0.alerts {
        let Some(state) = alert.state_at(now) else {
            continue;
        };
        let centre = frame.ground_to_scene(alert.lat_deg, alert.lon_deg, 15.0);
        let radius = (alert.radius_m as f32).max(MIN_ALERT_RADIUS_M);
        let flat = Quat::from_rotation_x(FRAC_PI_2);
        gizmos
            .circle(Isometry3d::new(centre, flat), radius, alert_colour(state))
            .resolution(48);
        gizmos
            .circle(
                Isometry3d::new(centre, flat),
                radius * 0.5,
                alert_colour(state),
            )
            .resolution(32);
    }
}

fn draw_fires(run: Res<RunData>, frame: Res<SceneFrame>, clock: Res<Playback>, mut gizmos: Gizmos) {
    let elapsed_s = (clock.0.now_unix_us() - run.0.start_unix_us) as f64 / 1e6;
    let [r, g, b] = FIRE_SRGB;
    let colour = Color::srgb_u8(r, g, b);
    for fire in &run.0.fires {
        if fire.ignition_s > elapsed_s {
            continue;
        }
        let ground = frame.ground_to_scene(fire.lat_deg, fire.lon_deg, 0.0);
        gizmos.line(ground, ground + Vec3::Y * 300.0, colour);
        gizmos.sphere(Isometry3d::from_translation(ground), 60.0, colour);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approx(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-5
    }

    #[test]
    fn yaw_turns_the_nose_clockwise_from_north() {
        let north = Vec3::NEG_Z;
        let east = Vec3::X;
        assert!(approx(
            attitude_to_scene(0.0, 0.0, 0.0) * Vec3::NEG_Z,
            north
        ));
        assert!(approx(
            attitude_to_scene(0.0, 0.0, FRAC_PI_2) * Vec3::NEG_Z,
            east
        ));
    }

    #[test]
    fn pitch_raises_the_nose_and_roll_drops_the_right_wing() {
        let nose = attitude_to_scene(0.0, 0.3, 0.0) * Vec3::NEG_Z;
        assert!(nose.y > 0.29);
        let right_wing = attitude_to_scene(0.3, 0.0, 0.0) * Vec3::X;
        assert!(right_wing.y < -0.29, "{right_wing}");
    }
}
