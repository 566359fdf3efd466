//! Headless pictures: render a few frames so that meshes and pipelines are ready, capture the
//! window with Bevy's `Screenshot`, write on it what a reader needs to read it alone (the
//! run's local time, a legend of the drones and each drone's id beside its marker), save it
//! and exit.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use patrol_planner::map::canvas::Canvas;

use super::RunData;
use super::camera::ViewerCamera;
use super::markers::DroneMarker;
use super::palette::DRONE_COLOURS_SRGB;
use super::playback::Playback;

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

/// What is written on the picture.
#[derive(Debug, Clone, Default)]
struct Overlay {
    /// Lines of the box in the upper-left corner: the run and its time.
    heading: Vec<String>,
    /// The drones: id and colour, in the scene's colour order.
    drones: Vec<(String, [u8; 3])>,
    /// Each visible drone's id and its marker's pixel.
    labels: Vec<(String, f32, f32)>,
}

impl Overlay {
    fn draw(&self, canvas: &mut Canvas) {
        let dark = [20, 20, 20];
        let rows = self.heading.len() + self.drones.len();
        let h = 20 * rows as i64 + 14;
        let w = self
            .heading
            .iter()
            .map(|l| i64::from(canvas.text_size(14.0, l).0))
            .chain(
                self.drones
                    .iter()
                    .map(|(id, _)| 40 + i64::from(canvas.text_size(14.0, id).0)),
            )
            .max()
            .unwrap_or(100)
            + 20;
        canvas.fill_rect(8, 8, w, h, [255, 255, 255], 0.85);
        canvas.stroke_rect(8, 8, w, h, [90, 90, 90]);
        let mut y = 15;
        for line in &self.heading {
            canvas.text(16, y, 14.0, dark, line);
            y += 20;
        }
        for (id, colour) in &self.drones {
            canvas.fill_rect(16, y + 7, 24, 3, *colour, 1.0);
            canvas.text(48, y, 14.0, dark, id);
            y += 20;
        }
        for (id, x, y) in &self.labels {
            canvas.text_halo(
                *x as i64 + 14,
                *y as i64 - 8,
                14.0,
                dark,
                [255, 255, 255],
                id,
            );
        }
    }
}

fn capture(
    mut commands: Commands,
    mut cap: ResMut<Capture>,
    mut exit: MessageWriter<AppExit>,
    run: Res<RunData>,
    playback: Res<Playback>,
    cameras: Query<(&Camera, &GlobalTransform), With<ViewerCamera>>,
    markers: Query<(&DroneMarker, &GlobalTransform, &Visibility)>,
) {
    cap.frames += 1;
    match cap.requested_at {
        None if cap.frames >= WARM_UP_FRAMES => {
            let overlay = overlay(&run, &playback, &cameras, &markers);
            let path = cap.path.clone();
            commands.spawn(Screenshot::primary_window()).observe(
                move |captured: On<ScreenshotCaptured>| {
                    save_with_overlay(&captured.image, &overlay, &path)
                },
            );
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

/// The overlay at the cursor: the run's one clock, its drones and where their markers are.
fn overlay(
    run: &RunData,
    playback: &Playback,
    cameras: &Query<(&Camera, &GlobalTransform), With<ViewerCamera>>,
    markers: &Query<(&DroneMarker, &GlobalTransform, &Visibility)>,
) -> Overlay {
    let run = &run.0;
    let now = playback.0.now_unix_us();
    let mut heading = vec![match &run.plan {
        Some(p) => format!("{}: {}", p.area_name, run.dir.display()),
        None => run.dir.display().to_string(),
    }];
    heading.push(match &run.clock {
        Some(c) => format!("{} ({})", c.full_at_unix_us(now), c.zone_name()),
        None => format!(
            "+{}",
            crate::replay::time::format_hms((now - run.start_unix_us) as f64 / 1e6)
        ),
    });
    let drones = run
        .drones
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                format!("{} (system {})", d.drone_id, d.system_id),
                DRONE_COLOURS_SRGB[i % DRONE_COLOURS_SRGB.len()],
            )
        })
        .collect();
    let mut labels = Vec::new();
    if let Ok((camera, cam)) = cameras.single() {
        for (m, at, visible) in markers {
            if *visible == Visibility::Hidden {
                continue;
            }
            if let (Ok(p), Some(d)) = (
                camera.world_to_viewport(cam, at.translation()),
                run.drones.get(m.0),
            ) {
                labels.push((d.drone_id.clone(), p.x, p.y));
            }
        }
    }
    Overlay {
        heading,
        drones,
        labels,
    }
}

/// Writes the captured picture with its overlay as PNG (without alpha, which holds brightness
/// when HDR is on).
fn save_with_overlay(image: &Image, overlay: &Overlay, path: &std::path::Path) {
    let rgb = match image.clone().try_into_dynamic() {
        Ok(img) => img.to_rgb8(),
        Err(e) => {
            error!("cannot convert the screenshot: {e}");
            return;
        }
    };
    let mut canvas = Canvas::from_image(rgb);
    overlay.draw(&mut canvas);
    if let Err(e) = canvas.save_png(path) {
        error!("cannot save the screenshot to {}: {e}", path.display());
    }
}
