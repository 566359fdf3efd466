//! The terrain: the DEM as tiled meshes with normals, hillshaded elevation colours baked into
//! the vertices and drawn unlit, so that the picture does not depend on the light.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use super::frame::SceneFrame;
use super::terrain_grid::{TerrainGrid, shaded_colour};

/// Grid points along the DEM's longer side.
pub const GRID_POINTS: usize = 384;
/// Quads per tile side: each tile is one mesh, so the renderer can cull them.
pub const TILE_QUADS: usize = 128;

/// Builds the terrain tiles at start-up.
#[derive(Debug)]
pub struct TerrainPlugin;

impl Plugin for TerrainPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(Startup, spawn_terrain);
    }
}

/// Marks a terrain tile.
#[derive(Component, Debug)]
pub struct TerrainTile;

fn spawn_terrain(
    mut commands: Commands,
    frame: Res<SceneFrame>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let grid = TerrainGrid::sample(&frame.terrain, GRID_POINTS);
    let material = materials.add(StandardMaterial {
        base_color: Color::WHITE,
        unlit: true,
        cull_mode: None,
        double_sided: true,
        ..default()
    });
    for row0 in (0..grid.rows - 1).step_by(TILE_QUADS) {
        for col0 in (0..grid.cols - 1).step_by(TILE_QUADS) {
            let cols = (grid.cols - col0).min(TILE_QUADS + 1);
            let rows = (grid.rows - row0).min(TILE_QUADS + 1);
            let mesh = tile_mesh(&frame, &grid, (col0, row0), (cols, rows));
            commands.spawn((
                TerrainTile,
                Mesh3d(meshes.add(mesh)),
                MeshMaterial3d(material.clone()),
                Transform::IDENTITY,
            ));
        }
    }
}

/// The mesh of `size` grid points (cols, rows) from grid point `origin`.
fn tile_mesh(
    frame: &SceneFrame,
    grid: &TerrainGrid,
    origin: (usize, usize),
    size: (usize, usize),
) -> Mesh {
    let (lo, hi) = frame.terrain.elevation_range_m();
    let span = f64::from(hi - lo).max(1.0);
    let half = frame.half_extent_m();
    let step_m = (
        f64::from(half.x) * 2.0 / (grid.cols - 1) as f64,
        f64::from(half.y) * 2.0 / (grid.rows - 1) as f64,
    );
    let n = size.0 * size.1;
    let mut positions = Vec::with_capacity(n);
    let mut normals = Vec::with_capacity(n);
    let mut colours = Vec::with_capacity(n);
    for r in origin.1..origin.1 + size.1 {
        for c in origin.0..origin.0 + size.0 {
            let (lat, lon) = grid.lat_lon(c, r);
            let elev = grid.elev(c as isize, r as isize);
            positions.push(frame.geodetic_to_scene(lat, lon, elev).to_array());
            let nrm = grid.normal_enu(c, r, step_m);
            normals.push([nrm[0] as f32, nrm[2] as f32, -nrm[1] as f32]);
            let [cr, cg, cb] = shaded_colour((elev - f64::from(lo)) / span, nrm);
            colours.push(
                Color::srgb(cr as f32, cg as f32, cb as f32)
                    .to_linear()
                    .to_f32_array(),
            );
        }
    }
    let mut indices = Vec::with_capacity((size.0 - 1) * (size.1 - 1) * 6);
    let w = size.0 as u32;
    for r in 0..size.1 as u32 - 1 {
        for c in 0..w - 1 {
            let i = r * w + c;
            // Counter-clockwise seen from above (y up): north-west, south-west, north-east...
            indices.extend_from_slice(&[i, i + w, i + 1, i + 1, i + w, i + w + 1]);
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colours)
    .with_inserted_indices(Indices::U32(indices))
}
