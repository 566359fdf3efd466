//! Ground-truth fires for the simulator: where they start, when, and how they grow. The fire
//! file they come from is [`crate::fire_file`].
//!
//! A [`FireField`] holds the fires of a simulated shift, each placed on the terrain. Its
//! [`FireField::at`] gives the fires burning at a mission time with their current size, smoke
//! and temperature, which is what the simulated onboard detector ([`super::detector`]) looks
//! for; [`FireField::truth_json`] writes them down so that a report can score the detections.
//!
//! # Growth
//!
//! A fire starts with a radius of [`INITIAL_RADIUS_M`] and grows at `spread_mps`. Its plume
//! rises towards `smoke_height_m` as `1 - exp(-age / SMOKE_RISE_S)`: a fresh ignition smoulders
//! before its column builds. Flames are [`FLAME_MIN_C`] to [`FLAME_MAX_C`] by intensity.
//!
//! # Drift
//!
//! In wind the column leans downwind: smoke rising at [`PLUME_UPDRAFT_MPS`] is carried along
//! at the wind's speed, so the column at height `h` above the fire stands
//! `h x wind / updraft` downwind of it ([`ActiveFire::column_point`]). A tower sees the
//! leaning column where it clears the terrain, which may be sooner or later than a straight
//! one; a drone's camera sees its middle where it has drifted to.

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::plan::energy::Wind;
use patrol_planner::risk::cells::RiskMap;
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;
use serde_json::{Value, json};

pub use crate::fire_file::{Fire, FireError, parse_fires, read_fire_file};

/// Radius of a fire at ignition, metres: a spot fire already a couple of metres across when
/// it first shows.
pub const INITIAL_RADIUS_M: f64 = 1.0;
/// Time constant of the plume's rise to its full height, seconds.
pub const SMOKE_RISE_S: f64 = 300.0;
/// Flame temperature at the lowest intensity, °C.
pub const FLAME_MIN_C: f64 = 300.0;
/// Flame temperature at intensity 1, °C.
pub const FLAME_MAX_C: f64 = 600.0;
/// Rise speed of a small fire's smoke, metres per second: its ratio to the wind's speed is
/// how far the column leans.
pub const PLUME_UPDRAFT_MPS: f64 = 2.0;

/// A fire placed on the terrain.
#[derive(Debug, Clone)]
struct Placed {
    fire: Fire,
    /// Ignition point; height = the ground, metres above mean sea level.
    ground: Geodetic,
    /// The same in the terrain's local frame.
    enu: Enu,
}

/// A fire burning at some instant.
#[derive(Debug, Clone, Copy)]
pub struct ActiveFire<'a> {
    /// The fire as described.
    pub fire: &'a Fire,
    /// Its centre on the ground; height = the ground, metres above mean sea level.
    pub ground: Geodetic,
    /// The same in the terrain's local frame.
    pub enu: Enu,
    /// Seconds since ignition.
    pub age_s: f64,
    /// Burning radius, metres.
    pub radius_m: f64,
    /// Height of the plume's top above the ground, metres.
    pub smoke_top_agl_m: f64,
    /// Flame temperature, °C.
    pub temperature_c: f64,
    /// How far the column leans: metres (east, north) downwind per metre of height.
    pub drift_per_m: (f64, f64),
}

impl ActiveFire<'_> {
    /// The point of the column `height_m` above the fire's ground, in the terrain's local
    /// frame: above the fire in calm air, downwind of it in wind.
    pub fn column_point(&self, height_m: f64) -> Enu {
        Enu {
            east_m: self.enu.east_m + self.drift_per_m.0 * height_m,
            north_m: self.enu.north_m + self.drift_per_m.1 * height_m,
            up_m: self.enu.up_m + height_m,
        }
    }
}

/// The fires of a simulated shift, placed on the terrain.
///
/// Invariant: ids are unique and every fire is over the terrain.
#[derive(Debug, Clone, Default)]
pub struct FireField {
    placed: Vec<Placed>,
    /// Metres (east, north) the smoke drifts per metre it rises.
    drift_per_m: (f64, f64),
}

impl FireField {
    /// Places fires on the terrain; refuses duplicate ids and fires off the DEM.
    pub fn new(fires: Vec<Fire>, terrain: &Terrain) -> Result<FireField, FireError> {
        let mut placed: Vec<Placed> = Vec::with_capacity(fires.len());
        for fire in fires {
            if placed.iter().any(|p| p.fire.id == fire.id) {
                return Err(FireError::DuplicateId {
                    id: fire.id,
                    where_: "among the simulated fires".into(),
                });
            }
            let Some(ground_m) = terrain.elevation_amsl_m(fire.lat_deg, fire.lon_deg) else {
                return Err(FireError::OffTerrain {
                    id: fire.id,
                    lat_deg: fire.lat_deg,
                    lon_deg: fire.lon_deg,
                });
            };
            let ground = Geodetic {
                lat_deg: fire.lat_deg,
                lon_deg: fire.lon_deg,
                alt_amsl_m: ground_m,
            };
            placed.push(Placed {
                enu: terrain.geodetic_to_enu(ground),
                ground,
                fire,
            });
        }
        Ok(FireField {
            placed,
            drift_per_m: (0.0, 0.0),
        })
    }

    /// The same fires with their smoke drifting in `wind`.
    pub fn with_wind(self, wind: Wind) -> FireField {
        // The wind blows towards from_deg + 180.
        let to_rad = (wind.from_deg + 180.0).to_radians();
        let lean = wind.speed_mps.max(0.0) / PLUME_UPDRAFT_MPS;
        FireField {
            drift_per_m: (lean * to_rad.sin(), lean * to_rad.cos()),
            ..self
        }
    }

    /// The fires, in the order given.
    pub fn fires(&self) -> impl Iterator<Item = &Fire> {
        self.placed.iter().map(|p| &p.fire)
    }

    /// Number of fires (burning or not yet).
    pub fn len(&self) -> usize {
        self.placed.len()
    }

    /// Whether there are no fires at all.
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty()
    }

    /// The fires burning at mission time `t_s` (seconds after the start), with their size.
    pub fn at(&self, t_s: f64) -> Vec<ActiveFire<'_>> {
        (0..self.placed.len())
            .filter_map(|i| self.fire_at(i, t_s))
            .collect()
    }

    /// The `index`th fire (in the order given) at mission time `t_s`, if it burns by then.
    pub fn fire_at(&self, index: usize, t_s: f64) -> Option<ActiveFire<'_>> {
        let p = self.placed.get(index)?;
        if p.fire.ignition_s > t_s {
            return None;
        }
        let age_s = t_s - p.fire.ignition_s;
        Some(ActiveFire {
            fire: &p.fire,
            ground: p.ground,
            enu: p.enu,
            age_s,
            radius_m: INITIAL_RADIUS_M + p.fire.spread_mps * age_s,
            smoke_top_agl_m: p.fire.smoke_height_m * (1.0 - (-age_s / SMOKE_RISE_S).exp()),
            temperature_c: FLAME_MIN_C + (FLAME_MAX_C - FLAME_MIN_C) * p.fire.intensity,
            drift_per_m: self.drift_per_m,
        })
    }

    /// The ground truth: `{"fires": [...]}` in the fire file's format, each fire with its
    /// `ground_amsl_m`, so that the file can be read back as a fire file.
    pub fn truth_json(&self) -> Value {
        let fires: Vec<Value> = self
            .placed
            .iter()
            .map(|p| {
                json!({
                    "id": p.fire.id,
                    "lat": p.fire.lat_deg,
                    "lon": p.fire.lon_deg,
                    "ignition_s": p.fire.ignition_s,
                    "spread_mps": p.fire.spread_mps,
                    "smoke_height_m": p.fire.smoke_height_m,
                    "intensity": p.fire.intensity,
                    "ground_amsl_m": p.ground.alt_amsl_m,
                })
            })
            .collect();
        json!({ "fires": fires })
    }
}

/// `count` fires igniting at uniformly random times in `[0, shift_s)`, at places drawn with
/// probability proportional to the risk of the area's planning cells (uniform inside a cell).
///
/// Their ids are `r1`, `r2`, ... in ignition order. Spread (0.01-0.05 m/s), plume height
/// (40-120 m) and intensity (0.5-1) are drawn too. The same seed gives the same fires.
pub fn random_ignitions(
    terrain: &Terrain,
    risk: &RiskMap,
    count: usize,
    shift_s: f64,
    seed: u64,
) -> Result<Vec<Fire>, FireError> {
    if !(shift_s.is_finite() && shift_s > 0.0 && shift_s <= 1e9) {
        return Err(FireError::Argument {
            name: "shift_s",
            value: shift_s,
            expected: "above 0 and at most 1e9 seconds",
        });
    }
    if count > 100_000 {
        return Err(FireError::Argument {
            name: "count",
            value: count as f64,
            expected: "at most 100000 ignitions",
        });
    }
    let cells = risk.cells();
    // Cumulative weights: a draw in [0, total) falls in the first cell whose sum exceeds it.
    let mut cumulative = Vec::with_capacity(cells.len());
    let mut total = 0.0;
    for c in cells {
        if c.risk.is_finite() && c.risk > 0.0 {
            total += c.risk;
        }
        cumulative.push(total);
    }
    if total <= 0.0 {
        return Err(FireError::NoRisk);
    }
    let size_m = risk.grid().size_m;
    let mut rng = SplitMix64::new(seed);
    let mut fires = Vec::with_capacity(count);
    for _ in 0..count {
        let draw = rng.next_f64() * total;
        let i = cumulative
            .partition_point(|&c| c <= draw)
            .min(cells.len() - 1);
        let cell = &cells[i];
        // A spot inside the cell; the cell's centre (which has terrain by construction) if
        // repeated draws fall off the DEM at the area's edge.
        let mut ground = Geodetic {
            lat_deg: cell.lat_deg,
            lon_deg: cell.lon_deg,
            alt_amsl_m: cell.elevation_amsl_m,
        };
        for _ in 0..8 {
            let g = terrain.enu_to_geodetic(Enu {
                east_m: cell.center.east_m + (rng.next_f64() - 0.5) * size_m,
                north_m: cell.center.north_m + (rng.next_f64() - 0.5) * size_m,
                up_m: 0.0,
            });
            if terrain.elevation_amsl_m(g.lat_deg, g.lon_deg).is_some() {
                ground = g;
                break;
            }
        }
        fires.push(Fire {
            id: String::new(),
            lat_deg: ground.lat_deg,
            lon_deg: ground.lon_deg,
            ignition_s: rng.next_f64() * shift_s,
            spread_mps: 0.01 + 0.04 * rng.next_f64(),
            smoke_height_m: 40.0 + 80.0 * rng.next_f64(),
            intensity: 0.5 + 0.5 * rng.next_f64(),
        });
    }
    fires.sort_by(|a, b| a.ignition_s.total_cmp(&b.ignition_s));
    for (i, f) in fires.iter_mut().enumerate() {
        f.id = format!("r{}", i + 1);
    }
    Ok(fires)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::{CENTRE, terrain};
    use crate::fire_file::tests::{one, path};
    use patrol_planner::risk::cells::{Accumulator, CellGrid};

    fn flat() -> Terrain {
        terrain(2000.0, 50.0, |_, _| 400.0)
    }

    #[test]
    fn fires_grow_after_ignition() {
        let fires = vec![Fire {
            id: "f1".into(),
            lat_deg: CENTRE.lat_deg,
            lon_deg: CENTRE.lon_deg,
            ignition_s: 100.0,
            spread_mps: 0.02,
            smoke_height_m: 60.0,
            intensity: 0.5,
        }];
        let field = FireField::new(fires, &flat()).expect("on the terrain");
        assert!(field.at(99.9).is_empty(), "not burning before ignition");
        let start = field.at(100.0);
        assert_eq!(start.len(), 1);
        assert_eq!(start[0].radius_m, INITIAL_RADIUS_M);
        assert_eq!(start[0].smoke_top_agl_m, 0.0);
        assert!((start[0].ground.alt_amsl_m - 400.0).abs() < 1e-3);
        let hour = field.at(3700.0)[0];
        assert!((hour.radius_m - (INITIAL_RADIUS_M + 72.0)).abs() < 1e-9);
        assert!(
            (hour.smoke_top_agl_m - 60.0).abs() < 0.01,
            "plume fully risen"
        );
        let five_min = field.at(400.0)[0];
        assert!((five_min.smoke_top_agl_m - 60.0 * (1.0 - (-1f64).exp())).abs() < 1e-9);
        assert_eq!(hour.temperature_c, 450.0);
    }

    #[test]
    fn fires_off_the_terrain_or_twice_named_are_refused() {
        let fire = |id: &str, lat_deg: f64| Fire {
            id: id.into(),
            lat_deg,
            lon_deg: CENTRE.lon_deg,
            ignition_s: 0.0,
            spread_mps: 0.0,
            smoke_height_m: 0.0,
            intensity: 1.0,
        };
        let err = FireField::new(vec![fire("far", 37.0)], &flat()).expect_err("off the DEM");
        assert!(err.to_string().contains("fire far at 37.000000"), "{err}");
        let err = FireField::new(vec![fire("a", 36.6), fire("a", 36.601)], &flat())
            .expect_err("duplicate");
        assert!(matches!(err, FireError::DuplicateId { .. }));
    }

    #[test]
    fn truth_reads_back_as_the_same_fires() {
        let text = one(
            r#""id": "f2", "lat": 36.605, "lon": -84.205, "ignition_s": 1200, "spread_mps": 0.05, "smoke_height_m": 80, "intensity": 0.5"#,
        );
        let fires = parse_fires(&text, path()).expect("valid");
        let field = FireField::new(fires.clone(), &flat()).expect("placed");
        let truth = field.truth_json();
        assert!((truth["fires"][1]["ground_amsl_m"].as_f64().expect("number") - 400.0).abs() < 0.1);
        let again = parse_fires(&truth.to_string(), path()).expect("truth is a fire file");
        assert_eq!(again, fires);
    }

    /// Risk 0.9 in the eastern half of the cells, 0.1 in the western half.
    fn two_level_risk(t: &Terrain) -> RiskMap {
        let grid = CellGrid::covering(t, 250.0);
        let mut acc = Accumulator::new(&grid);
        for row in 0..grid.rows {
            for col in 0..grid.cols {
                let east = grid.center(col, row).east_m > 0.0;
                acc.add(row * grid.cols + col, if east { 0.9 } else { 0.1 });
            }
        }
        RiskMap::from_accumulator(t, grid, &acc)
    }

    #[test]
    fn random_ignitions_fall_mostly_in_high_risk_cells() {
        let t = flat();
        let risk = two_level_risk(&t);
        let high_risk: f64 = risk
            .cells()
            .iter()
            .filter(|c| c.risk > 0.5)
            .map(|c| c.risk)
            .sum();
        let expected = high_risk / risk.total_risk();
        let fires = random_ignitions(&t, &risk, 2000, 3600.0, 42).expect("ignitions");
        assert_eq!(fires.len(), 2000);
        let grid = risk.grid();
        let in_high = fires
            .iter()
            .filter(|f| {
                let e = t.geodetic_to_enu(Geodetic {
                    lat_deg: f.lat_deg,
                    lon_deg: f.lon_deg,
                    alt_amsl_m: 0.0,
                });
                let cell = grid.index_of(e.east_m, e.north_m).expect("inside the grid");
                risk.cells()
                    .iter()
                    .any(|c| c.row * grid.cols + c.col == cell && c.risk > 0.5)
            })
            .count() as f64
            / 2000.0;
        // Expected about 0.9 (same number of cells each side); the binomial sigma is 0.007.
        assert!(expected > 0.85, "expected share {expected}");
        assert!(
            (in_high - expected).abs() < 0.03,
            "high-risk share {in_high} vs {expected}"
        );
        assert!(fires.iter().all(|f| (0.0..3600.0).contains(&f.ignition_s)));
        assert!(fires.windows(2).all(|w| w[0].ignition_s <= w[1].ignition_s));
        assert_eq!(fires[0].id, "r1");
        let field = FireField::new(fires.clone(), &t).expect("all on the terrain");
        assert_eq!(field.len(), 2000);
        // Deterministic for a seed, different for another.
        assert_eq!(
            random_ignitions(&t, &risk, 2000, 3600.0, 42).expect("again"),
            fires
        );
        assert_ne!(
            random_ignitions(&t, &risk, 2000, 3600.0, 43).expect("other"),
            fires
        );
    }

    #[test]
    fn random_ignitions_need_risk_and_a_shift() {
        let t = flat();
        let grid = CellGrid::covering(&t, 250.0);
        let mut acc = Accumulator::new(&grid);
        for i in 0..grid.cols * grid.rows {
            acc.add(i, 0.0);
        }
        let none = RiskMap::from_accumulator(&t, grid, &acc);
        assert!(matches!(
            random_ignitions(&t, &none, 3, 3600.0, 1),
            Err(FireError::NoRisk)
        ));
        let err = random_ignitions(&t, &two_level_risk(&t), 3, 0.0, 1).expect_err("no shift");
        assert!(err.to_string().contains("shift_s = 0"));
    }
}
