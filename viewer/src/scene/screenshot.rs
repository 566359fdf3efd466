//! Headless pictures: render a few frames so that meshes and pipelines are ready, capture the
//! window with Bevy's `Screenshot` and `save_to_disk`, then exit.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

/// Frames rendered before the capture (pipelines compile synchronously in this mode, so a
/// few suffice for every asset to be on the GPU).
pub const WARM_UP_FRAMES: u32 = 8;
/// Frames to wait for the file after the capture before giving up.
pub const CAPTURE_TIMEOUT_FRAMES: u32 = 600;

/// Takes one screenshot into `path` and exits (status 0 once the file exists).
#[derive(Debug)]
pub struct ScreenshotPlugin {
    /// The PNG to write.
    pub path: PathBuf,
}

#[derive(Resource, Debug)]
struct Capture {
    path: PathBuf,
    frames: u32,
    requested_at: Option<u32>,
}

impl Plugin for ScreenshotPlugin {
    fn build(&self, app: &mut App) {
        // A file left from an earlier run must not pass for this one's.
        let _ = std::fs::remove_file(&self.path);
        app.insert_resource(Capture {
            path: self.path.clone(),
            frames: 0,
            requested_at: None,
        })
        .add_systems(Last, capture);
    }
}

fn capture(mut commands: Commands, mut cap: ResMut<Capture>, mut exit: MessageWriter<AppExit>) {
    cap.frames += 1;
    match cap.requested_at {
        None if cap.frames >= WARM_UP_FRAMES => {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(cap.path.clone()));
            cap.requested_at = Some(cap.frames);
        }
        None => {}
        Some(at) => {
            if std::fs::metadata(&cap.path).is_ok_and(|m| m.len() > 0) {
                exit.write(AppExit::Success);
            } else if cap.frames - at > CAPTURE_TIMEOUT_FRAMES {
                exit.write(AppExit::error());
            }
        }
    }
}
