//! The static lines of the run: each drone's planned sorties and its flown track (cut at
//! telemetry gaps), built once as retained gizmos and never rebuilt per frame; the tracks are
//! rebuilt only when their colouring changes (C cycles drone, mode, height).

use bevy::prelude::*;

use super::RunData;
use super::colouring::{TrackColouring, height_colour_srgb, mode_colour_srgb};
use super::frame::SceneFrame;
use super::palette::{drone_colour, plan_colour};
use crate::replay::run::DroneReplay;

/// Width of a flown track, pixels.
pub const TRACK_WIDTH_PX: f32 = 3.0;
/// Width of a planned sortie, pixels.
pub const PLAN_WIDTH_PX: f32 = 1.5;

/// Spawns the plan and track lines at start-up.
#[derive(Debug)]
pub struct PathsPlugin {
    /// The colouring at the start.
    pub colouring: TrackColouring,
}

impl Plugin for PathsPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(self.colouring)
            .add_systems(Startup, spawn_paths)
            .add_systems(
                Update,
                (
                    cycle_colouring_key,
                    recolour_tracks.run_if(resource_changed::<TrackColouring>),
                )
                    .chain(),
            );
    }
}

fn cycle_colouring_key(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut colouring: ResMut<TrackColouring>,
) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::KeyC)) {
        *colouring = colouring.next();
    }
}

/// The lines of a drone's flown track, one line strip per stretch between gaps, coloured as
/// asked.
pub fn track_gizmo(
    drone_index: usize,
    drone: &DroneReplay,
    frame: &SceneFrame,
    colouring: TrackColouring,
) -> GizmoAsset {
    let mut track = GizmoAsset::new();
    let srgb = |[r, g, b]: [u8; 3]| Color::srgb_u8(r, g, b);
    for segment in drone.track.segments() {
        let points = segment.iter().map(|s| {
            let p = frame.geodetic_to_scene(s.lat_deg, s.lon_deg, s.alt_amsl_m);
            let colour = match colouring {
                TrackColouring::Drone => drone_colour(drone_index),
                TrackColouring::Mode => srgb(mode_colour_srgb(s.mode.and_then(|m| m.mode()))),
                TrackColouring::Height => {
                    let ground = frame.terrain.elevation_amsl_m(s.lat_deg, s.lon_deg);
                    srgb(height_colour_srgb(ground.map(|g| s.alt_amsl_m - g)))
                }
            };
            (p, colour)
        });
        track.linestrip_gradient(points);
    }
    track
}

fn recolour_tracks(
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    colouring: Res<TrackColouring>,
    paths: Query<(&DronePath, &Gizmo)>,
    mut gizmo_assets: ResMut<Assets<GizmoAsset>>,
    mut started: Local<bool>,
) {
    // On its first run every resource looks changed; the tracks were just built.
    if !std::mem::replace(&mut *started, true) {
        return;
    }
    for (path, gizmo) in &paths {
        let DronePath::Track(i) = *path else { continue };
        let Some(drone) = run.0.drones.get(i) else {
            continue;
        };
        let rebuilt = track_gizmo(i, drone, &frame, *colouring);
        if let Some(mut asset) = gizmo_assets.get_mut(&gizmo.handle) {
            *asset = rebuilt;
        }
    }
}

/// Marks the lines of one drone, by its index in [`crate::replay::run::Run::drones`] (plans
/// of planned drones without telemetry follow, numbered on).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DronePath {
    /// Its planned sorties.
    Plan(usize),
    /// Its flown track.
    Track(usize),
}

fn spawn_paths(
    mut commands: Commands,
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    colouring: Res<TrackColouring>,
    mut gizmo_assets: ResMut<Assets<GizmoAsset>>,
) {
    let run = &run.0;
    // Drones with telemetry first (their index is their colour), then planned drones that
    // never reported (not connected, or left out with `patrol fly --only`).
    let silent = run
        .plan
        .iter()
        .flat_map(|p| &p.drones)
        .filter(|dp| run.drones.iter().all(|d| d.system_id != dp.system_id));
    let plans = run
        .drones
        .iter()
        .map(|d| run.drone_plan(d.system_id))
        .chain(silent.map(Some));
    for (i, dp) in plans.enumerate() {
        let mut plan = GizmoAsset::new();
        for sortie in dp.iter().flat_map(|dp| &dp.sorties) {
            plan.linestrip(
                sortie
                    .path
                    .iter()
                    .map(|p| frame.geodetic_to_scene(p.lat_deg, p.lon_deg, p.alt_amsl_m)),
                plan_colour(i),
            );
        }
        commands.spawn((
            DronePath::Plan(i),
            Gizmo {
                handle: gizmo_assets.add(plan),
                line_config: GizmoLineConfig {
                    width: PLAN_WIDTH_PX,
                    ..default()
                },
                ..default()
            },
        ));
    }
    // A mission file previewed before upload: its path in the first drone's plan colour.
    if let Some((_, flown)) = &run.mission_file {
        let mut line = GizmoAsset::new();
        line.linestrip(
            flown
                .iter()
                .map(|&[lat, lon, alt]| frame.geodetic_to_scene(lat, lon, alt)),
            plan_colour(0),
        );
        commands.spawn((
            DronePath::Plan(0),
            Gizmo {
                handle: gizmo_assets.add(line),
                line_config: GizmoLineConfig {
                    width: PLAN_WIDTH_PX,
                    ..default()
                },
                ..default()
            },
        ));
    }
    for (i, drone) in run.drones.iter().enumerate() {
        let track = track_gizmo(i, drone, &frame, *colouring);
        commands.spawn((
            DronePath::Track(i),
            Gizmo {
                handle: gizmo_assets.add(track),
                line_config: GizmoLineConfig {
                    width: TRACK_WIDTH_PX,
                    ..default()
                },
                // Drawn over its plan, which it follows closely.
                depth_bias: -0.002,
            },
        ));
    }
}
