//! The static lines of the run: each drone's planned sorties and its flown track (cut at
//! telemetry gaps), built once as retained gizmos and never rebuilt per frame.

use bevy::prelude::*;

use super::RunData;
use super::frame::SceneFrame;
use super::palette::{drone_colour, plan_colour};

/// Width of a flown track, pixels.
pub const TRACK_WIDTH_PX: f32 = 3.0;
/// Width of a planned sortie, pixels.
pub const PLAN_WIDTH_PX: f32 = 1.5;

/// Spawns the plan and track lines at start-up.
#[derive(Debug)]
pub struct PathsPlugin;

impl Plugin for PathsPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_paths);
    }
}

/// Marks the lines of one drone, by its index in [`crate::replay::run::Run::drones`].
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
    mut gizmo_assets: ResMut<Assets<GizmoAsset>>,
) {
    let run = &run.0;
    for (i, drone) in run.drones.iter().enumerate() {
        let mut plan = GizmoAsset::new();
        if let Some(dp) = run
            .plan
            .drones
            .iter()
            .find(|d| d.system_id == drone.system_id)
        {
            for sortie in &dp.sorties {
                plan.linestrip(
                    sortie
                        .path
                        .iter()
                        .map(|p| frame.geodetic_to_scene(p.lat_deg, p.lon_deg, p.alt_amsl_m)),
                    plan_colour(i),
                );
            }
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
        let mut track = GizmoAsset::new();
        for segment in drone.track.segments() {
            track.linestrip(
                segment
                    .iter()
                    .map(|s| frame.geodetic_to_scene(s.lat_deg, s.lon_deg, s.alt_amsl_m)),
                drone_colour(i),
            );
        }
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
