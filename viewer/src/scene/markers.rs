//! What changes with the cursor: each drone's marker at its interpolated pose (hidden inside
//! telemetry gaps), detections as rays from the drone to their ground point for a while after
//! they were made, alerts as circles of their uncertainty coloured by their state then, and
//! the ground-truth fires once ignited. Markers keep a readable size on screen.

use std::f32::consts::FRAC_PI_2;

use bevy::prelude::*;
use bevy::transform::TransformSystems;

use super::RunData;
use super::frame::SceneFrame;
use super::palette::{FIRE_SRGB, alert_colour, drone_colour};
use super::playback::{Playback, PlaybackSet};
use super::screen_scale::{ScreenScale, ScreenScaleSet};

/// Length of a drone marker on screen, pixels (a real drone would be a dot at the scale of the
/// whole area).
pub const MARKER_LENGTH_PX: f32 = 26.0;
/// Smallest radius an alert circle is drawn with, pixels (its 1-sigma radius when larger).
pub const MIN_ALERT_RADIUS_PX: f32 = 14.0;
/// Height of an alert's pin above the ground, pixels.
pub const ALERT_PIN_PX: f32 = 40.0;
/// Radius of a fire's ball, pixels.
pub const FIRE_RADIUS_PX: f32 = 6.0;
/// How long a detection's ray stays drawn after it, seconds of run time.
pub const RAY_SHOW_S: f64 = 20.0;

/// Spawns the drone markers and draws the state at the cursor every frame.
#[derive(Debug)]
pub struct MarkersPlugin;

impl Plugin for MarkersPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_drone_markers)
            .add_systems(
                Update,
                (draw_detections, draw_alerts, draw_fires).after(PlaybackSet),
            )
            .add_systems(
                PostUpdate,
                move_drone_markers
                    .after(ScreenScaleSet)
                    .before(TransformSystems::Propagate),
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
    // A unit cone along -z (Bevy's forward), its tip ahead: the drone's nose; scaled to
    // MARKER_LENGTH_PX every frame.
    let mesh = meshes.add(
        Mesh::from(Cone {
            radius: 0.35,
            height: 1.0,
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
    scale: Res<ScreenScale>,
    mut markers: Query<(&DroneMarker, &mut Transform, &mut Visibility)>,
) {
    let now = clock.0.now_unix_us();
    for (DroneMarker(i), mut transform, mut visibility) in &mut markers {
        match run.0.drones.get(*i).and_then(|d| d.track.pose_at(now)) {
            Some(p) => {
                let at = frame.geodetic_to_scene(p.lat_deg, p.lon_deg, p.alt_amsl_m);
                transform.translation = at;
                transform.rotation = attitude_to_scene(p.roll_rad, p.pitch_rad, p.yaw_rad);
                transform.scale = Vec3::splat(MARKER_LENGTH_PX * scale.m_per_px_at(at));
                *visibility = Visibility::Visible;
            }
            None => *visibility = Visibility::Hidden,
        }
    }
}

/// Each detection of the last [`RAY_SHOW_S`]: a line from where the drone was when it saw it
/// to the ground point it was placed at, in the drone's colour, fading with age.
fn draw_detections(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut gizmos: Gizmos,
) {
    let now = clock.0.now_unix_us();
    let since = now - (RAY_SHOW_S * 1e6) as i64;
    let rays = &run.0.detections;
    let first = rays.partition_point(|d| d.t_unix_us < since);
    for ray in rays[first..].iter().take_while(|d| d.t_unix_us <= now) {
        let Some((i, drone)) = run
            .0
            .drones
            .iter()
            .enumerate()
            .find(|(_, d)| d.system_id == ray.system_id)
        else {
            continue;
        };
        let Some(pose) = drone.track.pose_at(ray.t_unix_us) else {
            continue;
        };
        let from = frame.geodetic_to_scene(pose.lat_deg, pose.lon_deg, pose.alt_amsl_m);
        let to = frame.ground_to_scene(ray.lat_deg, ray.lon_deg, 2.0);
        let age = (now - ray.t_unix_us) as f32 / (RAY_SHOW_S as f32 * 1e6);
        gizmos.line(from, to, drone_colour(i).with_alpha(1.0 - 0.8 * age));
    }
}

/// Each alert raised by the cursor: its 1-sigma circle (at least [`MIN_ALERT_RADIUS_PX`]),
/// an inner ring and a pin, in the colour of its state then.
fn draw_alerts(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    scale: Res<ScreenScale>,
    mut gizmos: Gizmos,
) {
    let now = clock.0.now_unix_us();
    for alert in &run.0.alerts {
        let Some(state) = alert.state_at(now) else {
            continue;
        };
        let centre = frame.ground_to_scene(alert.lat_deg, alert.lon_deg, 5.0);
        let m_per_px = scale.m_per_px_at(centre);
        let radius = (alert.radius_m as f32).max(MIN_ALERT_RADIUS_PX * m_per_px);
        let flat = Quat::from_rotation_x(FRAC_PI_2);
        let colour = alert_colour(state);
        gizmos
            .circle(Isometry3d::new(centre, flat), radius, colour)
            .resolution(48);
        gizmos
            .circle(Isometry3d::new(centre, flat), radius * 0.5, colour)
            .resolution(32);
        let top = centre + Vec3::Y * ALERT_PIN_PX * m_per_px;
        gizmos.line(centre, top, colour);
        gizmos.sphere(Isometry3d::from_translation(top), 4.0 * m_per_px, colour);
    }
}

fn draw_fires(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    scale: Res<ScreenScale>,
    mut gizmos: Gizmos,
) {
    let elapsed_s = (clock.0.now_unix_us() - run.0.start_unix_us) as f64 / 1e6;
    let [r, g, b] = FIRE_SRGB;
    let colour = Color::srgb_u8(r, g, b);
    for fire in &run.0.fires {
        if fire.ignition_s > elapsed_s {
            continue;
        }
        let ground = frame.ground_to_scene(fire.lat_deg, fire.lon_deg, 0.0);
        let m_per_px = scale.m_per_px_at(ground);
        gizmos.line(ground, ground + Vec3::Y * 20.0 * m_per_px, colour);
        gizmos.sphere(
            Isometry3d::from_translation(ground),
            FIRE_RADIUS_PX * m_per_px,
            colour,
        );
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
