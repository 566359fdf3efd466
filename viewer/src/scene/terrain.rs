//! The terrain: the DEM as tiled meshes with normals, hillshaded elevation colours baked into
//! the vertices and drawn unlit, so that the picture does not depend on the light. Each tile
//! has a second mesh with the risk heat map blended in; toggling the overlay swaps the mesh
//! handles, and nothing is rebuilt.

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

use patrol_planner::risk::class::DangerClass;

use super::area_layers::AreaLayers;
use super::frame::SceneFrame;
use super::terrain_grid::{TerrainGrid, shaded_colour};

/// Grid points along the DEM's longer side.
pub const GRID_POINTS: usize = 384;
/// Quads per tile side: each tile is one mesh, so the renderer can cull them.
pub const TILE_QUADS: usize = 128;

/// How much of a cell's danger-class colour the risk overlay mixes into the terrain.
pub const RISK_BLEND: f64 = 0.6;

/// Builds the terrain tiles at start-up and shows or hides the risk overlay.
#[derive(Debug)]
pub struct TerrainPlugin {
    /// Whether the risk overlay is shown at the start.
    pub risk_overlay: bool,
}

impl Plugin for TerrainPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(RiskOverlay(self.risk_overlay))
            .add_systems(Startup, spawn_terrain)
            .add_systems(
                Update,
                (
                    toggle_risk_key,
                    show_risk_overlay.run_if(resource_changed::<RiskOverlay>),
                )
                    .chain(),
            );
    }
}

/// Whether the risk heat map is drawn over the terrain (R toggles it).
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskOverlay(pub bool);

/// A terrain tile with its two meshes: plain, and with the risk overlay (when the area has a
/// risk map).
#[derive(Component, Debug)]
pub struct TerrainTile {
    plain: Handle<Mesh>,
    with_risk: Option<Handle<Mesh>>,
}

fn toggle_risk_key(keys: Option<Res<ButtonInput<KeyCode>>>, mut overlay: ResMut<RiskOverlay>) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::KeyR)) {
        overlay.0 = !overlay.0;
    }
}

fn show_risk_overlay(overlay: Res<RiskOverlay>, mut tiles: Query<(&TerrainTile, &mut Mesh3d)>) {
    for (tile, mut mesh) in &mut tiles {
        let wanted = match (&tile.with_risk, overlay.0) {
            (Some(risk), true) => risk,
            _ => &tile.plain,
        };
        if mesh.0 != *wanted {
            mesh.0 = wanted.clone();
        }
    }
}

fn spawn_terrain(
    mut commands: Commands,
    frame: Res<SceneFrame>,
    layers: Res<AreaLayers>,
    overlay: Res<RiskOverlay>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let grid = TerrainGrid::sample(&frame.terrain, GRID_POINTS);
    let risk = layers.risk_lookup();
    let has_risk = layers.risk.is_some();
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
            let plain = meshes.add(tile_mesh(&frame, &grid, (col0, row0), (cols, rows), None));
            let with_risk = has_risk.then(|| {
                meshes.add(tile_mesh(
                    &frame,
                    &grid,
                    (col0, row0),
                    (cols, rows),
                    Some(&risk),
                ))
            });
            let shown = match (&with_risk, overlay.0) {
                (Some(r), true) => r.clone(),
                _ => plain.clone(),
            };
            commands.spawn((
                TerrainTile { plain, with_risk },
                Mesh3d(shown),
                MeshMaterial3d(material.clone()),
                Transform::IDENTITY,
            ));
        }
    }
}

/// The mesh of `size` grid points (cols, rows) from grid point `origin`; with `risk` (risk
/// 0..1 at a local east/north position), each vertex mixes in its cell's danger colour.
fn tile_mesh(
    frame: &SceneFrame,
    grid: &TerrainGrid,
    origin: (usize, usize),
    size: (usize, usize),
    risk: Option<&dyn Fn(f64, f64) -> Option<f64>>,
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
            let at = grid.position(c, r);
            let elev = grid.elev(c as isize, r as isize);
            let p = frame.geodetic_to_scene(at.lat_deg, at.lon_deg, elev);
            positions.push(p.to_array());
            let nrm = grid.normal_enu(c, r, step_m);
            normals.push([nrm[0] as f32, nrm[2] as f32, -nrm[1] as f32]);
            let mut rgb = shaded_colour((elev - f64::from(lo)) / span, nrm);
            if let Some(cell_risk) = risk.and_then(|f| f(f64::from(p.x), -f64::from(p.z))) {
                rgb = risk_tint(rgb, cell_risk);
            }
            let [cr, cg, cb] = rgb;
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

/// A shaded terrain colour (sRGB 0..1) with a cell's danger-class colour mixed in, keeping
/// the hillshade's light and dark.
pub fn risk_tint(shaded: [f64; 3], risk: f64) -> [f64; 3] {
    let class = DangerClass::from_risk(risk).color_rgb();
    let light = (shaded[0] + shaded[1] + shaded[2]) / 3.0 / 0.45;
    let mut out = [0.0; 3];
    for k in 0..3 {
        let tint = (f64::from(class[k]) / 255.0 * light.clamp(0.4, 1.3)).min(1.0);
        out[k] = shaded[k] * (1.0 - RISK_BLEND) + tint * RISK_BLEND;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_tint_moves_towards_the_danger_colour() {
        let grey = [0.45, 0.45, 0.45];
        for risk in [0.05, 0.5, 0.95] {
            let class = DangerClass::from_risk(risk).color_rgb();
            let tinted = risk_tint(grey, risk);
            for k in 0..3 {
                let target = f64::from(class[k]) / 255.0;
                assert!(
                    (tinted[k] - target).abs() < (grey[k] - target).abs() + 1e-9,
                    "risk {risk} channel {k}: {tinted:?} vs {class:?}"
                );
            }
        }
    }
}
