//! The scene's plugins without a window or a renderer: the same systems the viewer runs,
//! driven by manual time steps, for the plugin tests and the frame-time benchmark.

use std::sync::Arc;

use bevy::prelude::*;
use patrol_planner::terrain::Terrain;

use super::RunData;
use super::area_layers::AreaLayers;
use super::colouring::TrackColouring;
use super::frame::SceneFrame;
use super::{markers, paths, playback, screen_scale, terrain, zones};
use crate::replay::clock::PlaybackClock;
use crate::replay::run::Run;

/// An app with the scene's plugins over `run` and `terrain` (no camera: markers are sized as
/// by [`screen_scale::ScreenScale`]'s default, a metre per pixel). Call `update()` to step.
pub fn headless_app(run: Arc<Run>, terrain: Arc<Terrain>, layers: AreaLayers) -> App {
    let clock = PlaybackClock::new(
        run.start_unix_us,
        run.end_unix_us,
        run.event_times_unix_us(),
    );
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        AssetPlugin::default(),
        bevy::gizmos::GizmoPlugin,
    ))
    .init_asset::<Mesh>()
    .init_asset::<StandardMaterial>()
    // The gizmo plugin draws skinned meshes' bounds, which needs this asset type.
    .init_asset::<bevy::mesh::skinning::SkinnedMeshInverseBindposes>()
    .insert_resource(RunData(run))
    .insert_resource(SceneFrame::new(terrain))
    .insert_resource(layers)
    .add_plugins((
        playback::PlaybackPlugin { clock },
        terrain::TerrainPlugin {
            risk_overlay: false,
        },
        zones::ZonesPlugin,
        paths::PathsPlugin {
            colouring: TrackColouring::Drone,
        },
        screen_scale::ScreenScalePlugin,
        markers::MarkersPlugin,
    ));
    app
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bevy::time::TimeUpdateStrategy;
    use patrol_planner::risk::cells::{CellGrid, RiskMap};

    use super::*;
    use crate::replay::clock::ClockCommand;
    use crate::replay::synthetic;
    use crate::scene::markers::DroneMarker;
    use crate::scene::paths::DronePath;
    use crate::scene::playback::ClockMsg;
    use crate::scene::terrain::{RiskOverlay, TerrainTile};

    fn app_with_risk() -> (App, Arc<Run>) {
        let terrain = synthetic::terrain(500, 500);
        let run = Arc::new(synthetic::run(2, 600.0, 2.0, 0.0));
        // Risk rising west to east, on the DEM's own grid.
        let mut raster = terrain.raster().clone();
        for (i, v) in raster.data.iter_mut().enumerate() {
            *v = (i % raster.width) as f32 / raster.width as f32;
        }
        let grid = CellGrid::covering(&terrain, 500.0);
        let risk = RiskMap::from_raster(&terrain, grid, &raster);
        let layers = AreaLayers {
            risk: Some(risk),
            no_fly: Vec::new(),
            bases: Vec::new(),
        };
        let mut app = headless_app(run.clone(), Arc::new(terrain), layers);
        app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            100,
        )));
        app.update();
        (app, run)
    }

    fn marker_of(app: &mut App, index: usize) -> (Vec3, Visibility) {
        let mut q = app
            .world_mut()
            .query::<(&DroneMarker, &Transform, &Visibility)>();
        q.iter(app.world())
            .find(|(m, _, _)| m.0 == index)
            .map(|(_, t, v)| (t.translation, *v))
            .expect("a marker per drone")
    }

    #[test]
    fn drone_markers_follow_the_clock_to_the_interpolated_pose() {
        let (mut app, run) = app_with_risk();
        // 100 s in, then play at 8x for one 100 ms step: 100.8 s.
        let t = run.start_unix_us + 100_000_000;
        app.world_mut()
            .write_message(ClockMsg(ClockCommand::SeekUnixUs(t)));
        app.update();
        let frame = app.world().resource::<SceneFrame>().clone();
        let expect = |t_unix_us: i64| {
            let p = run.drones[1].track.pose_at(t_unix_us).expect("pose");
            frame.geodetic_to_scene(p.lat_deg, p.lon_deg, p.alt_amsl_m)
        };
        let now = app
            .world()
            .resource::<crate::scene::playback::Playback>()
            .0
            .now_unix_us();
        assert_eq!(now, t);
        let (at, vis) = marker_of(&mut app, 1);
        assert_eq!(vis, Visibility::Visible);
        assert!(at.distance(expect(t)) < 0.01, "{at} vs {}", expect(t));
        app.world_mut()
            .write_message(ClockMsg(ClockCommand::SetSpeed(8.0)));
        app.world_mut().write_message(ClockMsg(ClockCommand::Play));
        app.update();
        let (at, _) = marker_of(&mut app, 1);
        assert!(
            at.distance(expect(t + 800_000)) < 0.01,
            "between the 2 Hz fixes"
        );
        // After its last fix the drone is not shown: the viewer does not know where it is.
        app.world_mut()
            .write_message(ClockMsg(ClockCommand::SeekUnixUs(run.end_unix_us + 1)));
        app.update();
        let (_, vis) = marker_of(&mut app, 1);
        assert_eq!(vis, Visibility::Hidden);
    }

    #[test]
    fn the_risk_overlay_swaps_tile_meshes_without_rebuilding_them() {
        let (mut app, _) = app_with_risk();
        let meshes_before = app.world().resource::<Assets<Mesh>>().len();
        let shown = |app: &mut App| {
            let mut q = app.world_mut().query::<(&TerrainTile, &Mesh3d)>();
            q.iter(app.world())
                .map(|(_, m)| m.0.id())
                .collect::<Vec<_>>()
        };
        let plain = shown(&mut app);
        assert!(!plain.is_empty());
        app.world_mut().resource_mut::<RiskOverlay>().0 = true;
        app.update();
        let risk = shown(&mut app);
        assert_eq!(risk.len(), plain.len());
        assert!(
            risk.iter().zip(&plain).all(|(a, b)| a != b),
            "every tile swapped"
        );
        app.world_mut().resource_mut::<RiskOverlay>().0 = false;
        app.update();
        assert_eq!(shown(&mut app), plain);
        assert_eq!(
            app.world().resource::<Assets<Mesh>>().len(),
            meshes_before,
            "no mesh built after start-up"
        );
    }

    #[test]
    fn changing_the_colouring_recolours_the_tracks_once() {
        let (mut app, run) = app_with_risk();
        let colours = |app: &mut App| {
            let mut q = app.world_mut().query::<(&DronePath, &Gizmo)>();
            let handle = q
                .iter(app.world())
                .find(|(p, _)| **p == DronePath::Track(0))
                .map(|(_, g)| g.handle.clone())
                .expect("track 0");
            let assets = app.world().resource::<Assets<GizmoAsset>>();
            let asset = assets.get(&handle).expect("asset");
            // As bits: the separators between strips are NaN.
            asset
                .buffer()
                .strip_colors
                .iter()
                .map(|c| c.to_f32_array().map(f32::to_bits))
                .collect::<Vec<_>>()
        };
        let by_drone = colours(&mut app);
        // A strip per segment, each point coloured, plus a separator between strips.
        assert!(by_drone.len() >= run.drones[0].track.samples().len());
        *app.world_mut().resource_mut::<TrackColouring>() = TrackColouring::Height;
        app.update();
        let by_height = colours(&mut app);
        assert_eq!(by_height.len(), by_drone.len());
        assert_ne!(by_height, by_drone);
        app.update();
        assert_eq!(colours(&mut app), by_height, "stable between frames");
    }
}
