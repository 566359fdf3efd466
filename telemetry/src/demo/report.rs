//! The demo's report: every figure computed from the run against the simulator's ground truth.

use std::fmt::Write as _;

use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::plan::model::Plan;

use crate::alerts::model::AlertState;
use crate::alerts::record::AlertSummary;
use crate::detect::observation::{Located, SightingSource};
use crate::fly::alerting::AlertingStats;
use crate::shift::progress::DroneOutcome;
use crate::shift::render::hms;
use crate::sim::detector::DetectionTruth;
use crate::sim::fire::Fire;
use crate::sim::watch::WatchReport;
use patrol_planner::plan::shift_clock::ShiftClock;

/// An alert counts as finding a fire when the fire is within this distance of it, metres, or
/// within the alert's own radius when that is wider (a single tower's sighting is placed
/// along its line of sight, kilometres long at a shallow angle).
pub const MATCH_M: f64 = 300.0;

/// Inputs of the report.
#[derive(Debug)]
pub struct DemoReport<'a> {
    /// The plan flown.
    pub plan: &'a Plan,
    /// Per drone.
    pub outcomes: &'a [DroneOutcome],
    /// The alerting side's figures.
    pub stats: &'a AlertingStats,
    /// The alerts in the store at the end.
    pub alerts: &'a [AlertSummary],
    /// The simulated fires.
    pub fires: &'a [Fire],
    /// Ids of the fires a ground sensor reported (the rest only the patrol could find).
    pub sensor_fires: &'a [String],
    /// Seconds from ignition to a sensor's report.
    pub sensor_delay_s: f64,
    /// The reports the area's towers and alarms sent.
    pub watch_reports: &'a [WatchReport],
    /// Tapped messages the alerting task could not keep up with.
    pub tap_dropped: u64,
    /// What the simulated detectors really looked at.
    pub truth: &'a [DetectionTruth],
    /// Mission clock start, µs since the UNIX epoch (shift time 0).
    pub clock_start_unix_us: u64,
    /// Length of the planned shift, seconds.
    pub shift_s: f64,
    /// Speed-up.
    pub speedup: f64,
    /// Frames lost by sequence gaps.
    pub frames_lost: u64,
    /// Frames received.
    pub frames_received: u64,
}

impl DemoReport<'_> {
    /// The run's one clock: the plan's shift on its date, whenever the demo ran.
    fn shift_clock(&self) -> ShiftClock {
        ShiftClock::for_run(
            &self.plan.shift,
            self.clock_start_unix_us as i64,
            self.speedup,
        )
    }
}

/// Metres between two (latitude, longitude) pairs.
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    flat::distance_m(LonLat::new(a.1, a.0), LonLat::new(b.1, b.0))
}

fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    Some(v[i])
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "n/a".to_string(), |x| format!("{x:.0} {unit}"))
}

impl DemoReport<'_> {
    /// What kind of source `name` (an alert's `source`) is: a drone of the plan, one of the
    /// area's towers or alarms that reported, or the demo's ground sensors.
    fn finder_kind(&self, source: &str) -> &'static str {
        // An alert's source is its first sighting's source and class: `q3 (flame)`.
        let name = source.rsplit_once(" (").map_or(source, |(name, _)| name);
        if self.plan.drones.iter().any(|d| d.drone_id == name) {
            "drone"
        } else if let Some(r) = self.watch_reports.iter().find(|r| r.source == name) {
            r.watcher.name()
        } else if name.starts_with("ir-sensor-") {
            "ground sensor"
        } else {
            "other"
        }
    }

    /// (fire id, alert id) for each alert a tower's or an alarm's report raised: the alert
    /// with the report's source created nearest the moment the report was sent (within half a
    /// minute of shift time: at a speed-up, a few milliseconds of delivery are seconds).
    fn alerts_of_watch_reports(&self) -> Vec<(String, crate::alerts::model::AlertId)> {
        let mut out = Vec::new();
        for r in self.watch_reports {
            let sent_us = self.clock_start_unix_us as f64 + r.at_s * 1e6;
            let alert = self
                .alerts
                .iter()
                .filter(|a| {
                    let name = a
                        .alert
                        .source
                        .rsplit_once(" (")
                        .map_or(a.alert.source.as_str(), |(n, _)| n);
                    name == r.source
                })
                .map(|a| {
                    (
                        (a.alert.created_at_unix_us as f64 - sent_us).abs(),
                        a.alert.id,
                    )
                })
                .filter(|(d, _)| *d <= 30e6)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((_, id)) = alert
                && !out.iter().any(|(_, x)| *x == id)
            {
                out.push((r.fire_id.clone(), id));
            }
        }
        out
    }

    /// The report as Markdown.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let p = self.plan;
        let flown: usize = self.outcomes.iter().map(|o| o.flown).sum();
        let planned: usize = p.drones.iter().map(|d| d.sorties.len()).sum();
        let risk_flown: f64 = p
            .drones
            .iter()
            .filter_map(|d| {
                let o = self.outcomes.iter().find(|o| o.system_id == d.system_id)?;
                Some(
                    d.sorties
                        .iter()
                        .take(o.flown)
                        .map(|s| s.risk_patrolled)
                        .sum::<f64>(),
                )
            })
            .sum();
        let clock = self.shift_clock();
        let _ = writeln!(out, "# Patrol demo: {}\n", p.area_name);
        let _ = writeln!(
            out,
            "Shift {}–{} ({:.1} h) flown at {}× by {} simulated drones over loopback MAVLink; every figure below comes from this run. Times of day are the shift's local time ({}, {}), as in events.log, `patrol alerts` and `patrol view`; durations are H:MM:SS.\n",
            p.shift.start_local,
            p.shift.end_local,
            self.shift_s / 3600.0,
            self.speedup,
            p.drones.len(),
            clock.date(),
            clock.zone_label()
        );
        let _ = writeln!(out, "## Patrol\n");
        let _ = writeln!(out, "- Sorties flown: {flown} of {planned} planned");
        let _ = writeln!(
            out,
            "- Risk patrolled: {:.0} of {:.0} planned (risk units, revisits counted); {:.1} % of the area's risk in the plan",
            risk_flown,
            p.totals.risk_patrolled,
            p.totals.share_of_area_risk * 100.0
        );
        let _ = writeln!(
            out,
            "- Telemetry: {} frames received, {} lost by sequence gaps",
            self.frames_received, self.frames_lost
        );
        // Fires.
        let end_us = self.clock_start_unix_us + (self.shift_s * 1e6) as u64;
        let _ = writeln!(out, "\n## Fires\n");
        let _ = writeln!(
            out,
            "| fire | reported by | ignition | place | seen by detectors | alert | found first by | ignition → alert | alert → on scene | alert error | state |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
        let mut first_finders: std::collections::BTreeMap<&'static str, usize> = Default::default();
        let mut ign_to_alert = Vec::new();
        let mut alert_to_scene = Vec::new();
        let mut detected = 0;
        let mut matched_alerts = std::collections::BTreeSet::new();
        // An alert a tower or an alarm raised is about the fire its report was about (the
        // simulator knows which): a single tower's sighting is placed kilometres wide, and
        // matched by distance it could be put down to another fire nearby.
        let reported = self.alerts_of_watch_reports();
        for f in self.fires {
            let ignition_us = self.clock_start_unix_us + (f.ignition_s * 1e6) as u64;
            let seen = self
                .truth
                .iter()
                .filter(|t| t.fire_id.as_deref() == Some(f.id.as_str()))
                .count();
            // The first alert near the fire raised after it ignited, not already matched to
            // another fire.
            let by_report = reported
                .iter()
                .filter(|(fire, id)| *fire == f.id && !matched_alerts.contains(id))
                .filter_map(|(_, id)| self.alerts.iter().find(|a| a.alert.id == *id))
                .min_by_key(|a| a.alert.created_at_unix_us)
                .map(|a| {
                    (
                        metres((a.alert.lat_deg, a.alert.lon_deg), (f.lat_deg, f.lon_deg)),
                        a,
                    )
                });
            let others: std::collections::BTreeSet<_> = reported
                .iter()
                .filter(|(fire, _)| *fire != f.id)
                .map(|(_, id)| *id)
                .collect();
            let alert = by_report.or_else(|| {
                self.alerts
                    .iter()
                    .filter(|a| !others.contains(&a.alert.id))
                    .filter(|a| {
                        a.alert.created_at_unix_us >= 0
                            && a.alert.created_at_unix_us as u64 + 1 >= ignition_us
                    })
                    .filter(|a| !matched_alerts.contains(&a.alert.id))
                    .map(|a| {
                        (
                            metres((a.alert.lat_deg, a.alert.lon_deg), (f.lat_deg, f.lon_deg)),
                            a,
                        )
                    })
                    .filter(|(d, a)| *d <= MATCH_M.max(a.alert.radius_m))
                    .min_by_key(|(_, a)| a.alert.created_at_unix_us)
            });
            let row = match alert {
                Some((d, a)) => {
                    detected += 1;
                    matched_alerts.insert(a.alert.id);
                    let t_alert = (a.alert.created_at_unix_us as u64).saturating_sub(ignition_us)
                        as f64
                        / 1e6;
                    ign_to_alert.push(t_alert);
                    let scene = a.steps.alert_to_on_scene_s(a.alert.created_at_unix_us);
                    if let Some(s) = scene {
                        alert_to_scene.push(s);
                    }
                    let kind = self.finder_kind(&a.alert.source);
                    *first_finders.entry(kind).or_default() += 1;
                    format!(
                        "{} | {}; {kind} | {} | {} | {d:.0} m | {} |",
                        a.alert.id.0,
                        a.alert.source,
                        hms(t_alert),
                        scene.map_or_else(|| "not reached".to_string(), hms),
                        a.alert.state.as_str(),
                    )
                }
                None => {
                    let why = if ignition_us > end_us {
                        "ignited after the shift"
                    } else if seen == 0 {
                        "missed: never in a camera's view"
                    } else {
                        "missed: seen, but no alert"
                    };
                    format!("– | – | – | – | – | {why} |")
                }
            };
            // Who told the alarm port about it (the patrol's drones speak for themselves).
            let mut told: Vec<String> = self
                .watch_reports
                .iter()
                .filter(|r| r.fire_id == f.id)
                .map(|r| format!("{} (+{:.0} min)", r.source, (r.at_s - f.ignition_s) / 60.0))
                .collect();
            if self.sensor_fires.contains(&f.id) {
                told.insert(
                    0,
                    format!("ground sensor (+{:.0} min)", self.sensor_delay_s / 60.0),
                );
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.5}, {:.5} | {} images | {row}",
                f.id,
                if told.is_empty() {
                    "patrol only".to_string()
                } else {
                    told.join(", ")
                },
                clock.at_shift_s(f.ignition_s),
                f.lat_deg,
                f.lon_deg,
                seen,
            );
        }
        let _ = writeln!(
            out,
            "\nFires found: {detected} of {} ignited; missed: {}.",
            self.fires.len(),
            self.fires.len() - detected
        );
        let _ = writeln!(
            out,
            "- Found first by: {}",
            if first_finders.is_empty() {
                "nobody".to_string()
            } else {
                first_finders
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        let towers = self
            .watch_reports
            .iter()
            .filter(|r| r.watcher == crate::sim::watch::Watcher::Tower)
            .count();
        let _ = writeln!(
            out,
            "- Reports sent by the area's towers: {towers}; by its infrared alarms: {}",
            self.watch_reports.len() - towers
        );
        let _ = writeln!(
            out,
            "- Ignition → alert: median {}, worst {}",
            quantile(&mut ign_to_alert.clone(), 0.5).map_or_else(|| "n/a".into(), hms),
            quantile(&mut ign_to_alert, 1.0).map_or_else(|| "n/a".into(), hms)
        );
        let _ = writeln!(
            out,
            "- Alert → drone on scene: median {}, worst {} ({} of the {} alerts at a fire reached)",
            quantile(&mut alert_to_scene.clone(), 0.5).map_or_else(|| "n/a".into(), hms),
            quantile(&mut alert_to_scene.clone(), 1.0).map_or_else(|| "n/a".into(), hms),
            alert_to_scene.len(),
            detected
        );
        let false_alerts = self
            .alerts
            .iter()
            .filter(|a| !matched_alerts.contains(&a.alert.id))
            .count();
        let _ = writeln!(
            out,
            "- Alerts not at any fire (false alarms): {false_alerts}"
        );
        // Alerts.
        let _ = writeln!(out, "\n## Alerts\n");
        let _ = writeln!(
            out,
            "| id | class | state | confidence | radius | danger | nearest base | evidence | raised |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
        for a in self.alerts {
            let al = &a.alert;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.2} | {:.0} m | {} | {} | {} | {} |",
                al.id.0,
                al.class.as_str(),
                al.state.as_str(),
                al.confidence,
                al.radius_m,
                al.danger_class,
                al.nearest_base.as_ref().map_or_else(
                    || "–".to_string(),
                    |b| format!("{} ({:.1} km)", b.name, b.distance_m / 1000.0)
                ),
                a.evidence_count,
                clock.at_unix_us(al.created_at_unix_us)
            );
        }
        let confirmed = self
            .alerts
            .iter()
            .filter(|a| a.alert.state == AlertState::ConfirmedFire)
            .count();
        let _ = writeln!(
            out,
            "\nConfirmed on scene by the verifying drone: {confirmed}. The rest await the duty officer (`patrol alerts resolve`)."
        );
        // Geotagging.
        let _ = writeln!(out, "\n## Geotagging against ground truth\n");
        let mut errors = Vec::new();
        let (mut be, mut bn) = (0.0, 0.0);
        for rec in &self.stats.sightings {
            let (
                Located::Point { geodetic, .. },
                SightingSource::Drone {
                    system_id,
                    detection_id,
                    ..
                },
            ) = (&rec.sighting.located, &rec.sighting.source)
            else {
                continue;
            };
            let Some(t) = self
                .truth
                .iter()
                .find(|t| t.system_id == *system_id && t.detection_id == Some(*detection_id))
            else {
                continue;
            };
            let (Some(_), Some(g)) = (&t.fire_id, t.ground) else {
                continue;
            };
            let (de, dn) = flat::offset_m(g.into(), (*geodetic).into());
            be += de;
            bn += dn;
            errors.push(de.hypot(dn));
        }
        let n = errors.len();
        if n > 0 {
            let bias = (be / n as f64).hypot(bn / n as f64);
            let _ = writeln!(
                out,
                "- Point detections (flame, hot spot) scored: {n}; horizontal error median {}, 90th percentile {}, bias {:.1} m",
                fmt_opt(quantile(&mut errors.clone(), 0.5), "m"),
                fmt_opt(quantile(&mut errors, 0.9), "m"),
                bias
            );
        } else {
            let _ = writeln!(out, "- No point detection of a fire to score.");
        }
        let smoke_located = self
            .stats
            .incidents
            .iter()
            .filter(|i| i.class == crate::detect::observation::SightingClass::Smoke)
            .count();
        let _ = writeln!(
            out,
            "- Smoke: {} bearings measured, {} crossings of two bearings placed as points, {} single-view bearings never crossed (kept as bearings, not guessed into places)",
            self.stats
                .sightings
                .iter()
                .filter(|s| matches!(s.sighting.located, Located::Bearing(_)))
                .count(),
            smoke_located,
            self.stats.pooled_bearings as u64 + self.stats.bearings_expired
        );
        let mut inc_err: Vec<f64> = self
            .stats
            .incidents
            .iter()
            .filter_map(|i| {
                self.fires
                    .iter()
                    .map(|f| {
                        metres(
                            (i.geodetic.lat_deg, i.geodetic.lon_deg),
                            (f.lat_deg, f.lon_deg),
                        )
                    })
                    .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))))
                    .filter(|d| *d <= MATCH_M)
            })
            .collect();
        let _ = writeln!(
            out,
            "- Incidents at a fire: {} of {}; their position error median {}",
            inc_err.len(),
            self.stats.incidents.len(),
            fmt_opt(quantile(&mut inc_err, 0.5), "m")
        );
        // Intake.
        let i = &self.stats.intake;
        let _ = writeln!(out, "\n## Detection intake\n");
        let _ = writeln!(
            out,
            "- FOREST_DETECTION messages received: {}; located: {}; refused: {}",
            i.received,
            i.located,
            i.rejected_total()
        );
        for (why, n) in &i.rejected {
            let _ = writeln!(out, "  - {why}: {n}");
        }
        let _ = writeln!(
            out,
            "- Telemetry copies dropped because the alerting task was behind: {}; alert store write failures: {}",
            self.tap_dropped, self.stats.store_errors
        );
        let false_truth = self.truth.iter().filter(|t| t.fire_id.is_none()).count();
        let _ = writeln!(
            out,
            "- Simulated detector: {} detections sent, {} of them false alarms",
            self.truth.len(),
            false_truth
        );
        out
    }
}
