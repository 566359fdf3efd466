//! Metres per screen pixel at a point, so that markers (drones, alerts, fires, bases) keep a
//! readable size on screen from the whole area down to a followed drone.

use bevy::prelude::*;

use bevy::transform::TransformSystems;

use super::camera::ViewerCamera;

/// How big a screen pixel is in the scene this frame, as a resource.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub enum ScreenScale {
    /// Orthographic: metres per pixel everywhere.
    Flat {
        /// Metres per pixel.
        m_per_px: f32,
    },
    /// Perspective: metres per pixel grow with the distance from the eye.
    Perspective {
        /// The eye, scene metres.
        eye: Vec3,
        /// Metres per pixel per metre of distance.
        m_per_px_per_m: f32,
    },
}

impl Default for ScreenScale {
    fn default() -> Self {
        ScreenScale::Flat { m_per_px: 1.0 }
    }
}

impl ScreenScale {
    /// Metres per pixel at a scene point.
    pub fn m_per_px_at(&self, point: Vec3) -> f32 {
        match *self {
            ScreenScale::Flat { m_per_px } => m_per_px,
            ScreenScale::Perspective {
                eye,
                m_per_px_per_m,
            } => eye.distance(point).max(1.0) * m_per_px_per_m,
        }
    }

    /// The scale of a camera with `projection` at `eye` over a viewport `height_px` tall.
    pub fn of(projection: &Projection, eye: Vec3, height_px: f32) -> ScreenScale {
        let height_px = height_px.max(1.0);
        match projection {
            Projection::Orthographic(o) => ScreenScale::Flat {
                m_per_px: o.area.height() / height_px,
            },
            Projection::Perspective(p) => ScreenScale::Perspective {
                eye,
                m_per_px_per_m: 2.0 * (p.fov / 2.0).tan() / height_px,
            },
            _ => ScreenScale::default(),
        }
    }
}

/// Keeps [`ScreenScale`] up to date in `PostUpdate`, after the orbit camera moved and before
/// transforms propagate (the camera has no parent: its `Transform` is where it is; an
/// orthographic area lags one frame behind a resize). Marker transforms are sized after it in
/// the same frame; gizmo pins drawn in `Update` use the previous frame's scale.
#[derive(Debug)]
pub struct ScreenScalePlugin;

/// The system that updates [`ScreenScale`]: markers are sized after it.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScreenScaleSet;

impl Plugin for ScreenScalePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ScreenScale>().add_systems(
            PostUpdate,
            update_scale
                .in_set(ScreenScaleSet)
                .after(bevy_panorbit_camera::PanOrbitCameraSystemSet)
                .before(TransformSystems::Propagate),
        );
    }
}

fn update_scale(
    cameras: Query<(&Camera, &Projection, &Transform), With<ViewerCamera>>,
    mut scale: ResMut<ScreenScale>,
) {
    let Some((camera, projection, transform)) = cameras.iter().next() else {
        return;
    };
    let Some(size) = camera.logical_viewport_size() else {
        return;
    };
    let next = ScreenScale::of(projection, transform.translation, size.y);
    if *scale != next {
        *scale = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perspective_pixels_grow_with_distance() {
        let projection = Projection::from(PerspectiveProjection {
            fov: std::f32::consts::FRAC_PI_2,
            ..default()
        });
        let s = ScreenScale::of(&projection, Vec3::ZERO, 1000.0);
        // 90° over 1000 px: at 500 m the view is 1000 m tall, 1 m per pixel.
        assert!((s.m_per_px_at(Vec3::new(0.0, 0.0, -500.0)) - 1.0).abs() < 1e-4);
        assert!((s.m_per_px_at(Vec3::new(0.0, 0.0, -1000.0)) - 2.0).abs() < 1e-4);
    }
}
