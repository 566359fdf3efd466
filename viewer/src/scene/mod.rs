//! The Bevy app of `patrol view`: one plugin per file, composed here.
//!
//! Scene axes: x = east, y = up, z = south (metres in the area's local east-north-up frame,
//! see [`frame::SceneFrame`]), so that Bevy's right-handed Y-up convention holds.

pub mod area_layers;
pub mod camera;
pub mod colouring;
pub mod frame;
pub mod headless;
pub mod markers;
pub mod options;
pub mod palette;
pub mod paths;
pub mod playback;
pub mod screen_scale;
pub mod screenshot;
pub mod terrain;
pub mod terrain_grid;
pub mod timeline;
pub mod zones;

use std::sync::Arc;

use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

use crate::replay::run::Run;
pub use options::{ViewError, ViewOptions};

/// The loaded run, shared by every plugin.
#[derive(Resource, Debug, Clone)]
pub struct RunData(pub Arc<Run>);

/// Background colour of the scene (sRGB 20, 24, 32): what the render test counts as "no
/// terrain".
pub const BACKGROUND_SRGB: [u8; 3] = [20, 24, 32];

/// Loads the run and its area, opens the window and replays it; with `--screenshot`, renders
/// one frame to the file and returns.
pub fn run_viewer(options: ViewOptions) -> Result<(), ViewError> {
    let resolved = options.resolve()?;
    // The viewer is built for X11 only (no Wayland libraries needed); winit panics without
    // a display, so say what to do instead.
    if std::env::var_os("DISPLAY").is_none() {
        return Err(ViewError::Render {
            detail: "no display (DISPLAY is not set); on a headless machine run it under \
                     xvfb-run -a -s \"-screen 0 1920x1080x24\""
                .into(),
        });
    }
    let (w, h) = resolved.size_px;
    let mut app = App::new();
    app.insert_resource(ClearColor(Color::srgb_u8(
        BACKGROUND_SRGB[0],
        BACKGROUND_SRGB[1],
        BACKGROUND_SRGB[2],
    )))
    .add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: format!("patrol view {}", resolved.run.dir.display()),
                    resolution: WindowResolution::new(w, h).with_scale_factor_override(1.0),
                    present_mode: if resolved.screenshot.is_some() {
                        PresentMode::AutoNoVsync
                    } else {
                        PresentMode::AutoVsync
                    },
                    ..default()
                }),
                ..default()
            })
            // `patrol` has set up tracing already (to stderr, PATROL_LOG).
            .disable::<bevy::log::LogPlugin>()
            .set(bevy::render::RenderPlugin {
                // A picture must not be taken before every pipeline is compiled.
                synchronous_pipeline_compilation: resolved.screenshot.is_some(),
                ..default()
            }),
    )
    .insert_resource(RunData(resolved.run.clone()))
    .insert_resource(frame::SceneFrame::new(resolved.terrain.clone()))
    .insert_resource(resolved.camera_mode.clone())
    .insert_resource((*resolved.layers).clone())
    .add_plugins((
        playback::PlaybackPlugin {
            clock: resolved.clock(),
        },
        terrain::TerrainPlugin {
            risk_overlay: resolved.risk_overlay,
        },
        zones::ZonesPlugin,
        paths::PathsPlugin {
            colouring: resolved.colouring,
        },
        screen_scale::ScreenScalePlugin,
        markers::MarkersPlugin,
        camera::CameraPlugin {
            interactive: resolved.screenshot.is_none(),
        },
    ));
    match &resolved.screenshot {
        Some(path) => {
            app.add_plugins(screenshot::ScreenshotPlugin { path: path.clone() });
        }
        None => {
            app.add_plugins(timeline::TimelinePlugin);
        }
    }
    let exit = app.run();
    match exit {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(ViewError::Render {
            detail: match &resolved.screenshot {
                Some(p) => format!(
                    "no screenshot written to {} (exit code {code})",
                    p.display()
                ),
                None => format!("the viewer stopped with exit code {code}"),
            },
        }),
    }
}
