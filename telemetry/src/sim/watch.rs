//! The area's towers and infrared alarms watching the simulated fires: what each would report,
//! when, and the JSON line it would send (the external-alarm format, `docs/alerts.md`), as a
//! real tower camera system or alarm network does.
//!
//! # Towers
//!
//! A fire's smoke column rises towards its full height as the fire simulator says
//! ([`super::fire`]). A tower sees it once the column's top clears what hides the fire's ground
//! from the camera: the height its viewshed needs there ([`tower_viewshed`], the same viewshed
//! the planner's watch model uses, GDAL's method), within its range and pan sector. Whether its
//! operator recognises it is drawn once with the tower's `detection_probability`; if so, the
//! report goes out `recognition_delay_s` after the column became visible. It names the tower
//! and gives the azimuth and the vertical angle of the lowest visible point of the column, as
//! a fire finder reads them, each with Gaussian noise of [`TOWER_ANGLE_SIGMA_DEG`]. In wind the
//! column leans downwind ([`super::fire`]): the tower sees the first point of it that clears
//! the terrain, which may be over another valley than the fire's.
//!
//! # Alarms
//!
//! An under-canopy alarm senses a fire once its burning edge is within the alarm's
//! `radius_m`; with its `detection_probability` it reports `report_delay_s` later, at its own
//! position with its radius.
//!
//! Everything is computed up front from the ground truth, so a seed gives the same reports.

use patrol_planner::area::watch_layers::{IrAlarm, Tower};
use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::route::rng::SplitMix64;
use patrol_planner::terrain::Terrain;
use patrol_planner::watch::coverage::{dem_cell, tower_viewshed};
use serde_json::{Value, json};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::clock::MissionClock;

use super::fire::{FireField, INITIAL_RADIUS_M, SMOKE_RISE_S};

/// 1-sigma noise of a simulated tower's azimuth and vertical angle, degrees (what it reports
/// as its `sigma_deg` too).
pub const TOWER_ANGLE_SIGMA_DEG: f64 = 0.3;
/// Confidence a simulated tower states.
const TOWER_CONFIDENCE: f64 = 0.8;
/// Confidence a simulated alarm states.
const ALARM_CONFIDENCE: f64 = 0.9;

/// Who reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watcher {
    /// A tower camera.
    Tower,
    /// An under-canopy infrared alarm.
    Alarm,
}

impl Watcher {
    /// `tower` or `alarm`.
    pub fn name(self) -> &'static str {
        match self {
            Watcher::Tower => "tower",
            Watcher::Alarm => "alarm",
        }
    }
}

/// One report a tower or alarm sends.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchReport {
    /// When it is sent, mission seconds.
    pub at_s: f64,
    /// The tower's or alarm's id (the report's `source`).
    pub source: String,
    /// A tower or an alarm.
    pub watcher: Watcher,
    /// The fire it is about (ground truth, not sent).
    pub fire_id: String,
}

impl WatchReport {
    /// The JSON line to send, dated `at_unix_s` (seconds since 1970), with what `detail` says
    /// about where.
    pub fn line(&self, at_unix_s: f64, detail: &ReportDetail) -> Value {
        match *detail {
            ReportDetail::Bearing {
                bearing_deg,
                elevation_deg,
            } => json!({
                "source": self.source,
                "kind": "smoke",
                "at_unix_s": at_unix_s,
                "bearing_deg": bearing_deg,
                "elevation_deg": elevation_deg,
                "sigma_deg": TOWER_ANGLE_SIGMA_DEG,
                "confidence": TOWER_CONFIDENCE,
                "note": "simulated tower camera",
            }),
            ReportDetail::Point {
                lat_deg,
                lon_deg,
                radius_m,
            } => json!({
                "source": self.source,
                "kind": "infrared",
                "at_unix_s": at_unix_s,
                "lat": lat_deg,
                "lon": lon_deg,
                "radius_m": radius_m,
                "confidence": ALARM_CONFIDENCE,
                "note": "simulated under-canopy infrared alarm",
            }),
        }
    }
}

/// Where a report points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReportDetail {
    /// A tower's angles, degrees (noise included).
    Bearing {
        /// Clockwise from true north, 0..360.
        bearing_deg: f64,
        /// Above the horizontal.
        elevation_deg: f64,
    },
    /// An alarm's place.
    Point {
        /// The alarm's latitude.
        lat_deg: f64,
        /// The alarm's longitude.
        lon_deg: f64,
        /// Its radius, metres.
        radius_m: f64,
    },
}

/// Every report of a shift, in the order they are sent.
#[derive(Debug, Clone, Default)]
pub struct SimWatch {
    /// Reports and what each says, by time.
    pub reports: Vec<(WatchReport, ReportDetail)>,
}

/// Steps of the search for the lowest visible point of a leaning column.
const COLUMN_STEPS: usize = 48;

/// The lowest height above the fire's ground (below `full_m`) at which its column is visible
/// from the tower whose viewshed is `view`: where the column's point (downwind of the fire in
/// wind) stands at least as high as the viewshed needs there. `None` when no point of the
/// full column is in view (out of range, out of the sector, or hidden).
fn lowest_visible_m(
    terrain: &Terrain,
    view: &patrol_planner::watch::viewshed::Viewshed,
    fire: &super::fire::ActiveFire<'_>,
    full_m: f64,
) -> Option<f64> {
    let visible = |h: f64| {
        let p = fire.column_point(h);
        let g = terrain.enu_to_geodetic(p);
        let Some((col, row)) = dem_cell(terrain, g.lon_deg, g.lat_deg) else {
            return false;
        };
        let Some(needed_m) = view.needed_at(col, row).map(f64::from) else {
            return false;
        };
        let ground_m = terrain
            .elevation_amsl_m(g.lat_deg, g.lon_deg)
            .unwrap_or(fire.ground.alt_amsl_m);
        fire.ground.alt_amsl_m + h >= ground_m + needed_m
    };
    if visible(0.0) {
        return Some(0.0);
    }
    // The first step in view, then the crossing within it by bisection. Below the full
    // height only: the top itself is reached only after infinite time.
    let top_m = full_m * (1.0 - 1e-9);
    let step_m = top_m / COLUMN_STEPS as f64;
    let k = (1..=COLUMN_STEPS).find(|&k| visible(k as f64 * step_m))?;
    let (mut lo, mut hi) = ((k - 1) as f64 * step_m, k as f64 * step_m);
    for _ in 0..20 {
        let mid = 0.5 * (lo + hi);
        if visible(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// A standard normal draw (Box-Muller). The detector's own draws map the uniform differently
/// (`1 - u`); kept apart so that a seed gives the towers the same reports as before.
fn gauss(rng: &mut SplitMix64) -> f64 {
    let u1 = rng.next_f64().max(f64::MIN_POSITIVE);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl SimWatch {
    /// What `towers` and `alarms` report about the fires of `field` until mission time
    /// `until_s`; the same `seed` gives the same draws.
    pub fn compute(
        terrain: &Terrain,
        towers: &[Tower],
        alarms: &[IrAlarm],
        field: &FireField,
        until_s: f64,
        seed: u64,
    ) -> SimWatch {
        let fires = field.at(f64::MAX);
        let mut reports = Vec::new();
        for (ti, tower) in towers.iter().enumerate() {
            let view = tower_viewshed(terrain, tower);
            let Some(ground) = terrain.elevation_amsl_m(tower.lat_deg, tower.lon_deg) else {
                continue;
            };
            let camera = terrain.geodetic_to_enu(patrol_planner::geodesy::enu::Geodetic {
                lat_deg: tower.lat_deg,
                lon_deg: tower.lon_deg,
                alt_amsl_m: ground + tower.mast_agl_m,
            });
            for (fi, f) in fires.iter().enumerate() {
                let mut rng = SplitMix64::new(seed ^ ((ti as u64) << 32) ^ (fi as u64) ^ 0x70e7);
                let full_m = f.fire.smoke_height_m;
                let Some(visible_m) = lowest_visible_m(terrain, &view, f, full_m) else {
                    continue;
                };
                // The column's top reaches that height at this age.
                let visible_age_s = -SMOKE_RISE_S * (1.0 - visible_m / full_m).ln();
                let at_s = f.fire.ignition_s + visible_age_s + tower.recognition_delay_s;
                if f.fire.ignition_s > until_s || rng.next_f64() >= tower.detection_probability {
                    continue;
                }
                // The lowest visible point of the column, seen from the camera.
                let base = f.column_point(visible_m);
                let (de, dn, du) = (
                    base.east_m - camera.east_m,
                    base.north_m - camera.north_m,
                    base.up_m - camera.up_m,
                );
                let bearing_deg = (de.atan2(dn).to_degrees()
                    + gauss(&mut rng) * TOWER_ANGLE_SIGMA_DEG)
                    .rem_euclid(360.0);
                let elevation_deg = (du.atan2(de.hypot(dn)).to_degrees()
                    + gauss(&mut rng) * TOWER_ANGLE_SIGMA_DEG)
                    .clamp(-90.0, 90.0);
                reports.push((
                    WatchReport {
                        at_s,
                        source: tower.id.clone(),
                        watcher: Watcher::Tower,
                        fire_id: f.fire.id.clone(),
                    },
                    ReportDetail::Bearing {
                        bearing_deg,
                        elevation_deg,
                    },
                ));
            }
        }
        for (ai, alarm) in alarms.iter().enumerate() {
            for (fi, f) in fires.iter().enumerate() {
                let mut rng = SplitMix64::new(seed ^ ((ai as u64) << 40) ^ (fi as u64) ^ 0xa1a7);
                if f.fire.ignition_s > until_s || rng.next_f64() >= alarm.detection_probability {
                    continue;
                }
                let d_m = flat::distance_m(
                    LonLat::new(alarm.lon_deg, alarm.lat_deg),
                    LonLat::new(f.ground.lon_deg, f.ground.lat_deg),
                );
                // The burning edge reaches the alarm's radius.
                let reach_m = d_m - alarm.radius_m - INITIAL_RADIUS_M;
                let enter_s = if reach_m <= 0.0 {
                    0.0
                } else if f.fire.spread_mps > 0.0 {
                    reach_m / f.fire.spread_mps
                } else {
                    continue;
                };
                reports.push((
                    WatchReport {
                        at_s: f.fire.ignition_s + enter_s + alarm.report_delay_s,
                        source: alarm.id.clone(),
                        watcher: Watcher::Alarm,
                        fire_id: f.fire.id.clone(),
                    },
                    ReportDetail::Point {
                        lat_deg: alarm.lat_deg,
                        lon_deg: alarm.lon_deg,
                        radius_m: alarm.radius_m,
                    },
                ));
            }
        }
        // Only what is sent before the watch ends.
        reports.retain(|r| r.0.at_s <= until_s);
        reports.sort_by(|a, b| a.0.at_s.total_cmp(&b.0.at_s));
        SimWatch { reports }
    }

    /// Sends each report at its mission time to `to` over UDP, one JSON line per datagram (the
    /// external-alarm input of `patrol fly --alarms-udp`), dated by `clock`, and notes each
    /// one sent in `sent`. Ends after the last one, or when the socket cannot be opened.
    pub async fn send(
        self,
        to: SocketAddr,
        clock: MissionClock,
        sent: Arc<Mutex<Vec<WatchReport>>>,
    ) {
        let local: SocketAddr = if to.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let Ok(socket) = tokio::net::UdpSocket::bind(local).await else {
            tracing::warn!("towers and alarms: cannot open a UDP socket to send to {to}");
            return;
        };
        for (report, detail) in self.reports {
            clock.sleep_until_s(report.at_s).await;
            let line = report.line(clock.now_unix_us() as f64 / 1e6, &detail);
            match socket.send_to(format!("{line}\n").as_bytes(), to).await {
                Ok(_) => sent.lock().unwrap_or_else(|e| e.into_inner()).push(report),
                Err(e) => tracing::warn!("towers and alarms: sending to {to}: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::terrain;
    use crate::sim::fire::Fire;

    fn tower(east_m: f64, t: &Terrain) -> Tower {
        let g = t.enu_to_geodetic(patrol_planner::geodesy::enu::Enu {
            east_m,
            north_m: 0.0,
            up_m: 0.0,
        });
        Tower {
            id: "tower-a".into(),
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            mast_agl_m: 20.0,
            range_m: 6000.0,
            pan_deg: None,
            recognition_delay_s: 120.0,
            detection_probability: 1.0,
        }
    }

    /// Flat ground at 0 m with a 100 m ridge 950-1050 m east of the origin.
    fn ridge_terrain() -> Terrain {
        terrain(5000.0, 30.0, |e, _| {
            if (950.0..1050.0).contains(&e) {
                100.0
            } else {
                0.0
            }
        })
    }

    fn fire(id: &str, t: &Terrain, east_m: f64, smoke_m: f64) -> Fire {
        let g = t.enu_to_geodetic(patrol_planner::geodesy::enu::Enu {
            east_m,
            north_m: 0.0,
            up_m: 0.0,
        });
        Fire {
            id: id.into(),
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            ignition_s: 600.0,
            spread_mps: 0.05,
            smoke_height_m: smoke_m,
            intensity: 0.8,
        }
    }

    #[test]
    fn a_tower_reports_a_column_once_it_clears_the_ridge_and_not_a_low_one() {
        // A 100 m ridge 1 km east of the tower; fires 3 km east, behind it. From 20 m up, the
        // ridge hides everything 3 km out below 20 + 80 × 3 = 260 m: a 300 m column is seen,
        // a 60 m one is not; a fire in front of the ridge is seen from its base.
        let t = ridge_terrain();
        let towers = [tower(0.0, &t)];
        let field = FireField::new(
            vec![
                fire("tall", &t, 3000.0, 300.0),
                fire("low", &t, 3000.0, 60.0),
                fire("front", &t, 500.0, 60.0),
            ],
            &t,
        )
        .expect("fires");
        let w = SimWatch::compute(&t, &towers, &[], &field, 3600.0, 7);
        let ids: Vec<_> = w.reports.iter().map(|(r, _)| r.fire_id.as_str()).collect();
        assert_eq!(ids, ["front", "tall"], "{w:?}");
        let (front, detail) = &w.reports[0];
        // Its base is in view: the column is visible as it starts, reported after the delay.
        assert!((front.at_s - (600.0 + 120.0)).abs() < 1.0, "{front:?}");
        let ReportDetail::Bearing {
            bearing_deg,
            elevation_deg,
        } = *detail
        else {
            panic!("{detail:?}")
        };
        // Due east, looking 20 m down over 500 m: -2.3°, within the noise.
        assert!(
            (bearing_deg - 90.0).abs() < 4.0 * TOWER_ANGLE_SIGMA_DEG,
            "{bearing_deg}"
        );
        assert!(
            (elevation_deg + 2.29).abs() < 4.0 * TOWER_ANGLE_SIGMA_DEG,
            "{elevation_deg}"
        );
        // The tall column takes time to rise above the ridge's shadow.
        let tall = &w.reports[1].0;
        assert!(tall.at_s > 600.0 + 120.0 + 60.0, "{tall:?}");
        let line = w.reports[0].0.line(1.0e9, &w.reports[0].1);
        let parsed = crate::alarms::external::parse_alarm_line(&line.to_string(), 1)
            .expect("a valid external alarm");
        assert_eq!(parsed.source, "tower-a");
    }

    #[test]
    fn a_column_leaning_towards_the_tower_clears_the_ridge_sooner_and_one_leaning_away_never() {
        use patrol_planner::plan::energy::Wind;
        // As above: from 20 m up, the 100 m ridge 1 km east hides everything x m out below
        // 20 + 0.08 x. A 300 m column 3 km out is seen straight up from 260 m. In a 5 m/s
        // east wind it leans 2.5 m west per metre up: at height h it stands over
        // x = 3000 - 2.5 h, seen once h >= 20 + 0.08 (3000 - 2.5 h), h >= 216.7 m. In a west
        // wind it leans away and needs h >= 260 / 0.8 = 325 m: never.
        let t = ridge_terrain();
        let towers = [tower(0.0, &t)];
        let seen_after = |wind: Wind| {
            let field = FireField::new(vec![fire("tall", &t, 3000.0, 300.0)], &t)
                .expect("fires")
                .with_wind(wind);
            SimWatch::compute(&t, &towers, &[], &field, 1e6, 7)
                .reports
                .first()
                .map(|(r, _)| r.at_s - 600.0 - 120.0)
        };
        // The height the column had reached when it was first seen.
        let height = |age_s: f64| 300.0 * (1.0 - (-age_s / SMOKE_RISE_S).exp());
        let calm = seen_after(Wind::CALM).expect("seen in calm air");
        let towards = seen_after(Wind {
            from_deg: 90.0,
            speed_mps: 5.0,
        })
        .expect("seen leaning towards the tower");
        // The DEM's 30 m cells move the ridge's shadow by a few metres of height.
        assert!((height(calm) - 260.0).abs() < 15.0, "{}", height(calm));
        assert!(
            (height(towards) - 216.7).abs() < 15.0,
            "{}",
            height(towards)
        );
        assert!(towards < calm - 150.0);
        assert_eq!(
            seen_after(Wind {
                from_deg: 270.0,
                speed_mps: 5.0
            }),
            None
        );
    }

    #[test]
    fn an_alarm_reports_a_fire_inside_its_radius_after_its_delay() {
        let t = terrain(3000.0, 30.0, |_, _| 0.0);
        let at = t.enu_to_geodetic(patrol_planner::geodesy::enu::Enu {
            east_m: 0.0,
            north_m: 0.0,
            up_m: 0.0,
        });
        let alarm = IrAlarm {
            id: "ir-1".into(),
            lat_deg: at.lat_deg,
            lon_deg: at.lon_deg,
            radius_m: 100.0,
            report_delay_s: 60.0,
            detection_probability: 1.0,
        };
        let field = FireField::new(
            vec![fire("in", &t, 50.0, 60.0), fire("near", &t, 200.0, 60.0)],
            &t,
        )
        .expect("fires");
        let w = SimWatch::compute(&t, &[], &[alarm], &field, 3600.0, 1);
        let got: Vec<_> = w
            .reports
            .iter()
            .map(|(r, _)| (r.fire_id.as_str(), r.at_s.round()))
            .collect();
        // Inside: 60 s after ignition. 200 m away: once the edge has spread 99 m at 0.05 m/s.
        assert_eq!(got, [("in", 660.0), ("near", 600.0 + 1980.0 + 60.0)]);
        let line = w.reports[0].0.line(1.0e9, &w.reports[0].1);
        assert_eq!(line["kind"], "infrared");
        assert_eq!(line["radius_m"], 100.0);
    }
}
