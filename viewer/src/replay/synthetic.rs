//! Synthetic terrain and runs of any size, for the plugin tests and the benchmarks (a
//! 4000 x 4000 DEM and ten drones flying two hours at 10 Hz are not files to keep in the
//! repository).

use std::path::PathBuf;

use patrol_planner::raster::{Crs, GeoTransform, Raster};
use patrol_planner::terrain::Terrain;
use patrol_telemetry::mav::{FlightMode, ModeNumbering, VehicleMode};

use super::run::{DroneReplay, Run};
use super::track::{Sample, Track};

/// West edge of the synthetic DEM, degrees.
pub const WEST_DEG: f64 = -84.4;
/// North edge of the synthetic DEM, degrees.
pub const NORTH_DEG: f64 = 36.7;
/// Pixel size of the synthetic DEM, degrees (about 9 m east-west, 11 m north-south).
pub const PIXEL_DEG: f64 = 0.0001;

/// A `cols` x `rows` DEM of rolling hills (300 to 900 m) from [`WEST_DEG`], [`NORTH_DEG`].
pub fn terrain(cols: usize, rows: usize) -> Terrain {
    let mut data = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (c as f32 / 300.0, r as f32 / 270.0);
            data.push(600.0 + 200.0 * x.sin() * y.cos() + 100.0 * (0.37 * x + 0.61 * y).sin());
        }
    }
    Terrain::from_raster(Raster {
        width: cols,
        height: rows,
        transform: GeoTransform {
            origin_x: WEST_DEG,
            origin_y: NORTH_DEG,
            pixel_width: PIXEL_DEG,
            pixel_height: -PIXEL_DEG,
        },
        crs: Crs::Wgs84,
        data,
    })
    .expect("the synthetic DEM is valid terrain")
}

/// One drone's samples: `duration_s` at `hz` from `t0_unix_us`, circling (radius 1 km, one
/// lap in 10 minutes) around a centre `spacing_deg` apart for each index (five to a column),
/// 1000 m above sea level, in AUTO with its battery draining. With `spacing_deg` 0 every
/// drone stays within 0.05° of the DEM's north-west corner.
pub fn samples(
    index: usize,
    t0_unix_us: i64,
    duration_s: f64,
    hz: f64,
    spacing_deg: f64,
) -> Vec<Sample> {
    let n = (duration_s * hz).round() as usize;
    let (lat0, lon0) = (
        NORTH_DEG - 0.025 - spacing_deg * (index % 5) as f64,
        WEST_DEG + 0.025 + spacing_deg * (index / 5) as f64,
    );
    (0..n)
        .map(|i| {
            let t_s = i as f64 / hz;
            let a = t_s / 600.0 * std::f64::consts::TAU;
            Sample {
                t_unix_us: t0_unix_us + (t_s * 1e6).round() as i64,
                lat_deg: lat0 + 0.009 * a.sin(),
                lon_deg: lon0 + 0.011 * a.cos(),
                alt_amsl_m: 1000.0,
                roll_rad: 0.1,
                pitch_rad: -0.05,
                yaw_rad: (a + std::f64::consts::FRAC_PI_2).rem_euclid(std::f64::consts::TAU) as f32
                    - std::f32::consts::PI,
                mode: Some(VehicleMode::of(ModeNumbering::ArduCopter, FlightMode::Auto)),
                battery_pct: Some((100.0 - 70.0 * t_s / duration_s.max(1.0)) as u8),
                mission_seq: Some((i / 100) as u16),
            }
        })
        .collect()
}

/// A run of `drones` drones flying `duration_s` at `hz` (see [`samples`] for
/// `spacing_deg`), without plan, alerts or fires.
pub fn run(drones: usize, duration_s: f64, hz: f64, spacing_deg: f64) -> Run {
    let t0 = 1_800_000_000_000_000;
    let drones: Vec<DroneReplay> = (0..drones)
        .map(|i| DroneReplay {
            drone_id: format!("d{}", i + 1),
            system_id: (i + 1) as u8,
            track: Track::new(samples(i, t0, duration_s, hz, spacing_deg)),
            skipped_bytes: 0,
        })
        .collect();
    let end = t0 + (duration_s * 1e6) as i64;
    Run {
        mission_file: None,
        clock: None,
        dir: PathBuf::from("synthetic"),
        area_dir: None,
        plan: None,
        drones,
        alerts: Vec::new(),
        detections: Vec::new(),
        fires: Vec::new(),
        start_unix_us: t0,
        end_unix_us: end,
    }
}
