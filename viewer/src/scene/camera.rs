//! The camera: fit the whole area obliquely, look straight down (`--top`), or follow a drone.
//! Pictures (`--screenshot`) get a fixed camera; the interactive viewer orbits, pans and zooms
//! with the mouse (bevy_panorbit_camera) and takes [`CameraRequest`]s from the UI.

use std::f32::consts::FRAC_PI_2;

use bevy::camera::ScalingMode;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::prelude::*;
use bevy::render::view::Msaa;
use bevy_panorbit_camera::{PanOrbitCamera, PanOrbitCameraPlugin};

use super::RunData;
use super::frame::SceneFrame;
use super::playback::{Playback, PlaybackSet};

/// Margin around the area in the top view: the area's larger side fills 1 / 1.05 of the
/// picture.
pub const TOP_MARGIN: f32 = 1.05;
/// Where the follow camera sits relative to the drone, metres (up, south).
pub const FOLLOW_OFFSET_M: Vec3 = Vec3::new(0.0, 700.0, 1100.0);
/// How far down the fitted view looks, radians (50°).
pub const FIT_PITCH_RAD: f32 = 50.0 * std::f32::consts::PI / 180.0;
/// Vertical field of view of the perspective camera, radians.
pub const FOV_RAD: f32 = std::f32::consts::FRAC_PI_4;

/// How the camera looks at start.
#[derive(Resource, Debug, Clone, PartialEq, Eq)]
pub enum CameraMode {
    /// The whole area from the south, 50° down.
    Fit,
    /// Straight down, north up. In pictures orthographic: the DEM's extent centred, scaled so
    /// that `TOP_MARGIN` x its east-west and north-south sizes both fit.
    Top,
    /// Close to this drone (its id), from the south and above, as it moves.
    Follow(String),
}

/// What the UI asks of the interactive camera.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub enum CameraRequest {
    /// The whole area from the south.
    Fit,
    /// Straight down on the whole area.
    Top,
    /// Follow the drone with this index in the run.
    Follow(usize),
    /// Look at this scene point (and stop following).
    FocusOn(Vec3),
}

/// The drone the interactive camera follows, by index in the run.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Following(pub Option<usize>);

/// Spawns the camera; `interactive` adds mouse control and the UI's requests.
#[derive(Debug)]
pub struct CameraPlugin {
    /// Whether a person drives the camera (not a picture).
    pub interactive: bool,
}

impl Plugin for CameraPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<CameraRequest>();
        if self.interactive {
            app.add_plugins(PanOrbitCameraPlugin)
                .init_resource::<Following>()
                .add_systems(Startup, spawn_interactive_camera)
                .add_systems(
                    Update,
                    (handle_requests, follow_interactive)
                        .chain()
                        .in_set(CameraSet)
                        .after(PlaybackSet),
                );
        } else {
            app.add_systems(Startup, spawn_picture_camera)
                .add_systems(Update, follow_picture.in_set(CameraSet).after(PlaybackSet));
        }
    }
}

/// The systems that move the camera in `Update`.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct CameraSet;

/// Marks the viewer's camera.
#[derive(Component, Debug)]
pub struct ViewerCamera;

/// The point the fitted view looks at and its distance from it, metres.
fn fit(frame: &SceneFrame) -> (Vec3, f32) {
    let half = frame.half_extent_m();
    let (lo, hi) = frame.terrain.elevation_range_m();
    let radius = half.max_element() * 1.15;
    (
        Vec3::new(0.0, (lo + hi) / 2.0, 0.0),
        radius / (FOV_RAD / 2.0).tan(),
    )
}

fn perspective(distance: f32) -> Projection {
    Projection::from(PerspectiveProjection {
        fov: FOV_RAD,
        near: 5.0,
        far: distance * 4.0,
        ..default()
    })
}

fn spawn_picture_camera(mut commands: Commands, frame: Res<SceneFrame>, mode: Res<CameraMode>) {
    let half = frame.half_extent_m();
    let (lo, hi) = frame.terrain.elevation_range_m();
    // Exact colours in pictures: no tone mapping, no multisampling blending edges.
    let common = (
        ViewerCamera,
        Camera3d::default(),
        Tonemapping::None,
        Msaa::Off,
    );
    let (target, distance) = fit(&frame);
    match *mode {
        CameraMode::Top => {
            commands.spawn((
                common,
                Projection::from(OrthographicProjection {
                    scaling_mode: ScalingMode::AutoMin {
                        min_width: 2.0 * half.x * TOP_MARGIN,
                        min_height: 2.0 * half.y * TOP_MARGIN,
                    },
                    near: 1.0,
                    far: hi - lo + 20_000.0,
                    ..OrthographicProjection::default_3d()
                }),
                Transform::from_xyz(0.0, hi + 10_000.0, 0.0).looking_at(Vec3::ZERO, Vec3::NEG_Z),
            ));
        }
        CameraMode::Fit | CameraMode::Follow(_) => {
            let eye = target + distance * Vec3::new(0.0, FIT_PITCH_RAD.sin(), FIT_PITCH_RAD.cos());
            commands.spawn((
                common,
                perspective(distance),
                Transform::from_translation(eye).looking_at(target, Vec3::Y),
            ));
        }
    }
}

fn spawn_interactive_camera(
    mut commands: Commands,
    frame: Res<SceneFrame>,
    mode: Res<CameraMode>,
    run: Res<RunData>,
    mut following: ResMut<Following>,
) {
    let (target, distance) = fit(&frame);
    let pitch = if *mode == CameraMode::Top {
        FRAC_PI_2 - 0.001
    } else {
        FIT_PITCH_RAD
    };
    if let CameraMode::Follow(id) = &*mode {
        following.0 = run.0.drones.iter().position(|d| &d.drone_id == id);
    }
    commands.spawn((
        ViewerCamera,
        Camera3d::default(),
        Tonemapping::None,
        perspective(distance * 2.0),
        PanOrbitCamera {
            focus: target,
            target_focus: target,
            radius: Some(distance),
            target_radius: distance,
            yaw: Some(0.0),
            target_yaw: 0.0,
            pitch: Some(pitch),
            target_pitch: pitch,
            zoom_upper_limit: Some(distance * 1.8),
            zoom_lower_limit: 50.0,
            ..default()
        },
    ));
}

fn handle_requests(
    mut requests: MessageReader<CameraRequest>,
    frame: Res<SceneFrame>,
    mut following: ResMut<Following>,
    mut cameras: Query<&mut PanOrbitCamera, With<ViewerCamera>>,
) {
    let (target, distance) = fit(&frame);
    for request in requests.read() {
        for mut cam in &mut cameras {
            match *request {
                CameraRequest::Fit | CameraRequest::Top => {
                    following.0 = None;
                    cam.target_focus = target;
                    cam.target_radius = distance;
                    cam.target_yaw = 0.0;
                    cam.target_pitch = if *request == CameraRequest::Top {
                        FRAC_PI_2 - 0.001
                    } else {
                        FIT_PITCH_RAD
                    };
                }
                CameraRequest::Follow(i) => {
                    following.0 = Some(i);
                    cam.target_radius = FOLLOW_OFFSET_M.length();
                }
                CameraRequest::FocusOn(p) => {
                    following.0 = None;
                    cam.target_focus = p;
                    cam.target_radius = 3000.0;
                }
            }
        }
    }
}

fn follow_interactive(
    following: Res<Following>,
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut cameras: Query<&mut PanOrbitCamera, With<ViewerCamera>>,
) {
    let Some(i) = following.0 else { return };
    let Some(pose) = run
        .0
        .drones
        .get(i)
        .and_then(|d| d.track.pose_at(clock.0.now_unix_us()))
    else {
        return;
    };
    let at = frame.geodetic_to_scene(pose.lat_deg, pose.lon_deg, pose.alt_amsl_m);
    for mut cam in &mut cameras {
        cam.target_focus = at;
    }
}

fn follow_picture(
    mode: Res<CameraMode>,
    run: Res<RunData>,
    frame: Res<SceneFrame>,
    clock: Res<Playback>,
    mut cameras: Query<&mut Transform, With<ViewerCamera>>,
) {
    let CameraMode::Follow(id) = &*mode else {
        return;
    };
    let Ok(drone) = run.0.drone(id) else { return };
    let Some(pose) = drone.track.pose_at(clock.0.now_unix_us()) else {
        return;
    };
    let at = frame.geodetic_to_scene(pose.lat_deg, pose.lon_deg, pose.alt_amsl_m);
    for mut t in &mut cameras {
        *t = Transform::from_translation(at + FOLLOW_OFFSET_M).looking_at(at, Vec3::Y);
    }
}
