//! The area's fixed features: no-fly zones as translucent walls from the ground up to their
//! ceiling (or well above the highest ground for zones without one), with their outline on
//! top, and the bases as pads with a mast, kept a readable size on screen. Built once at
//! start-up.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::transform::TransformSystems;
use patrol_planner::area::no_fly::NoFlyZone;

use super::area_layers::AreaLayers;
use super::frame::SceneFrame;
use super::screen_scale::{ScreenScale, ScreenScaleSet};

/// How far above the highest ground a zone without a ceiling is drawn, metres.
pub const UNBOUNDED_ZONE_TOP_M: f32 = 400.0;
/// No-fly walls, sRGB with alpha.
pub const NO_FLY_SRGBA: [u8; 4] = [230, 40, 40, 70];
/// Radius of a base's pad on screen, pixels.
pub const BASE_PAD_RADIUS_PX: f32 = 9.0;
/// Height of a base's mast on screen, pixels.
pub const BASE_MAST_PX: f32 = 30.0;
/// Base colour, sRGB.
pub const BASE_SRGB: [u8; 3] = [30, 110, 255];

/// Spawns the no-fly volumes and the bases.
#[derive(Debug)]
pub struct ZonesPlugin;

impl Plugin for ZonesPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, (spawn_no_fly, spawn_bases))
            .add_systems(
                PostUpdate,
                scale_bases
                    .after(ScreenScaleSet)
                    .before(TransformSystems::Propagate),
            );
    }
}

/// Marks a no-fly zone's volume.
#[derive(Component, Debug)]
pub struct NoFlyVolume;

/// Marks a base.
#[derive(Component, Debug)]
pub struct BaseMarker;

fn spawn_no_fly(
    mut commands: Commands,
    frame: Res<SceneFrame>,
    layers: Res<AreaLayers>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut gizmo_assets: ResMut<Assets<GizmoAsset>>,
) {
    if layers.no_fly.is_empty() {
        return;
    }
    let [r, g, b, a] = NO_FLY_SRGBA;
    let material = materials.add(StandardMaterial {
        base_color: Color::srgba_u8(r, g, b, a),
        alpha_mode: AlphaMode::Blend,
        unlit: true,
        cull_mode: None,
        double_sided: true,
        ..default()
    });
    let (_, highest) = frame.terrain.elevation_range_m();
    let mut outlines = GizmoAsset::new();
    for zone in &layers.no_fly {
        let (mesh, top_ring) = wall_mesh(&frame, zone, highest + UNBOUNDED_ZONE_TOP_M);
        outlines.linestrip(top_ring, Color::srgb_u8(r, g, b));
        commands.spawn((
            NoFlyVolume,
            Name::new(zone.name.clone()),
            Mesh3d(meshes.add(mesh)),
            MeshMaterial3d(material.clone()),
            Transform::IDENTITY,
        ));
    }
    commands.spawn(Gizmo {
        handle: gizmo_assets.add(outlines),
        line_config: GizmoLineConfig {
            width: 2.0,
            ..default()
        },
        ..default()
    });
}

/// The walls of a zone: a quad between the ground and the top for each edge of its outline,
/// and the ring along the top.
fn wall_mesh(frame: &SceneFrame, zone: &NoFlyZone, unbounded_top_m: f32) -> (Mesh, Vec<Vec3>) {
    let top_m = zone.ceiling_amsl_m.map_or(unbounded_top_m, |c| c as f32);
    let ring: Vec<(f64, f64)> = zone
        .outline()
        .exterior()
        .coords()
        .map(|c| (c.y, c.x))
        .collect();
    let mut positions = Vec::with_capacity(ring.len() * 2);
    let mut top_ring = Vec::with_capacity(ring.len());
    let lowest = f64::from(frame.terrain.elevation_range_m().0);
    for &(lat, lon) in &ring {
        let ground = frame.ground_to_scene(lat, lon, 0.0);
        // Heights above sea level (the scene's y drops with the Earth's curvature).
        let ground_amsl = frame.terrain.elevation_amsl_m(lat, lon).unwrap_or(lowest);
        let top = frame.geodetic_to_scene(lat, lon, f64::from(top_m).max(ground_amsl));
        positions.push(ground.to_array());
        positions.push(top.to_array());
        top_ring.push(top);
    }
    let mut indices = Vec::new();
    for i in 0..ring.len().saturating_sub(1) as u32 {
        let (g0, t0, g1, t1) = (2 * i, 2 * i + 1, 2 * i + 2, 2 * i + 3);
        indices.extend_from_slice(&[g0, g1, t0, t0, g1, t1]);
    }
    let normals = vec![[0.0f32, 1.0, 0.0]; positions.len()];
    let mesh = Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_indices(Indices::U32(indices));
    (mesh, top_ring)
}

fn spawn_bases(
    mut commands: Commands,
    frame: Res<SceneFrame>,
    layers: Res<AreaLayers>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let [r, g, b] = BASE_SRGB;
    let material = materials.add(StandardMaterial {
        base_color: Color::srgb_u8(r, g, b),
        unlit: true,
        ..default()
    });
    // In pixels: the whole marker is scaled by metres per pixel every frame.
    let pad = meshes.add(Cylinder::new(BASE_PAD_RADIUS_PX, 1.5));
    let mast = meshes.add(Cylinder::new(BASE_PAD_RADIUS_PX * 0.2, BASE_MAST_PX));
    for base in &layers.bases {
        let ground = frame.ground_to_scene(base.lat_deg, base.lon_deg, 0.0);
        commands
            .spawn((
                BaseMarker,
                Name::new(base.name.clone()),
                Transform::from_translation(ground),
                Visibility::Visible,
            ))
            .with_children(|c| {
                c.spawn((
                    Mesh3d(pad.clone()),
                    MeshMaterial3d(material.clone()),
                    Transform::from_xyz(0.0, 0.75, 0.0),
                ));
                c.spawn((
                    Mesh3d(mast.clone()),
                    MeshMaterial3d(material.clone()),
                    Transform::from_xyz(0.0, BASE_MAST_PX / 2.0, 0.0),
                ));
            });
    }
}

fn scale_bases(scale: Res<ScreenScale>, mut bases: Query<&mut Transform, With<BaseMarker>>) {
    for mut t in &mut bases {
        let s = Vec3::splat(scale.m_per_px_at(t.translation));
        if t.scale != s {
            t.scale = s;
        }
    }
}
