//! The alerting task of a flight: tapped vehicle messages and external alarms in, located
//! sightings, incidents and alerts out.
//!
//! Each detection goes through [`DetectionIntake`] (pose, camera, geotag) and
//! [`IncidentTracker`] (fusion); an incident that becomes believable gets one alert in the
//! SQLite store (committed before it is announced), later sightings are added to it as
//! evidence and refine its place, and new alerts are handed to the dispatcher. A sighting by
//! the drone sent to verify an alert, once that drone is on scene, confirms the fire.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use patrol_planner::area::fleet::Drone;
use patrol_planner::geodesy::enu::Geodetic;
use patrol_planner::geodesy::flat::{self, LonLat};
use patrol_planner::plan::model::Plan;
use patrol_planner::risk::cells::RiskMap;
use patrol_planner::terrain::Terrain;
use tokio::sync::mpsc;

use crate::alarms::external::{AlarmLocation, ExternalAlarm};
use crate::alerts::model::{
    AlertClass, AlertId, AlertState, Evidence, EvidenceKind, NearestBase, NewAlert,
};
use crate::alerts::store::{AlertStore, Place};
use crate::detect::incident::{Fused, Incident, IncidentTracker};
use crate::detect::intake::{DetectionIntake, IntakeCounters};
use crate::detect::observation::{Located, Sighting, SightingClass, SightingSource};
use crate::detect::tower_fix::{place_tower_sighting, tower_bearing_view};
use crate::gcs::tap::Tapped;
use crate::shift::bus::EventBus;
use crate::shift::event::{AlarmEvent, AlertEvent, ShiftEventKind};

/// The least confidence of a sighting that confirms a fire on scene.
pub const CONFIRM_CONFIDENCE: f64 = 0.5;

/// A new alert for the dispatcher.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchRequest {
    /// The alert.
    pub alert: AlertId,
    /// Its incident.
    pub incident_key: u64,
    /// Where to look (ground height above mean sea level).
    pub place: Geodetic,
    /// When the alert was raised, mission µs since the UNIX epoch.
    pub raised_at_unix_us: u64,
}

/// Which drone verifies which alert, shared by the dispatcher and the alerting task.
#[derive(Debug, Clone, Default)]
pub struct Verifications(Arc<Mutex<BTreeMap<u64, Verification>>>);

/// One verification in progress.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verification {
    /// The alert.
    pub alert: AlertId,
    /// The drone sent.
    pub system_id: u8,
    /// Since when it is on scene, if it is.
    pub on_scene_since_unix_us: Option<u64>,
    /// Whether its sighting confirmed the fire.
    pub confirmed: bool,
}

impl Verifications {
    /// Records or replaces the verification of `incident_key`.
    pub fn set(&self, incident_key: u64, v: Verification) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(incident_key, v);
        }
    }

    /// The verification of `incident_key`.
    pub fn get(&self, incident_key: u64) -> Option<Verification> {
        self.0.lock().ok()?.get(&incident_key).copied()
    }
}

/// One located sighting, kept for the run's report.
#[derive(Debug, Clone, PartialEq)]
pub struct SightingRecord {
    /// The sighting.
    pub sighting: Sighting,
    /// The incident it went to, if any.
    pub incident_key: Option<u64>,
}

/// One alert raised, kept for the run's report.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecord {
    /// Its id in the store.
    pub alert: AlertId,
    /// Its incident.
    pub incident_key: u64,
    /// When it was raised, mission µs.
    pub raised_at_unix_us: u64,
    /// Where (at raising).
    pub place: Geodetic,
    /// Its class.
    pub class: SightingClass,
}

/// What the alerting task has done, readable while it runs.
#[derive(Debug, Clone, Default)]
pub struct AlertingStats {
    /// Detections through the intake.
    pub intake: IntakeCounters,
    /// External alarms taken in.
    pub external_alarms: u64,
    /// Sightings located (points and bearings), in arrival order.
    pub sightings: Vec<SightingRecord>,
    /// Incidents (final state).
    pub incidents: Vec<Incident>,
    /// Alerts raised.
    pub alerts: Vec<AlertRecord>,
    /// Smoke bearings still waiting for a crossing.
    pub pooled_bearings: usize,
    /// Smoke bearings that never crossed another (single views, kept as bearings).
    pub bearings_expired: u64,
    /// Store writes that failed (each also in the event log).
    pub store_errors: u64,
    /// External alarms that could not be placed (outside the DEM).
    pub external_unusable: u64,
    /// Smoke bearings crossed into points.
    pub crossings: u64,
}

/// What the alerting task needs.
#[derive(Debug)]
pub struct Alerting {
    /// The DEM.
    pub terrain: Arc<Terrain>,
    /// The plan (bases, cells with their danger class, drones).
    pub plan: Plan,
    /// The fleet (names by system id).
    pub fleet: Vec<Drone>,
    /// The area's risk map (the danger class of any place); without it, the plan's cells.
    pub risk: Option<Arc<RiskMap>>,
    /// The alert store.
    pub store: Arc<Mutex<AlertStore>>,
    /// The intake.
    pub intake: DetectionIntake,
    /// The fusion.
    pub tracker: IncidentTracker,
    /// Shared with the dispatcher.
    pub verifications: Verifications,
    /// Readable while running.
    pub stats: Arc<Mutex<AlertingStats>>,
    /// Sightings of incidents not (yet) alerted: they become the alert's evidence.
    pub pending: BTreeMap<u64, Vec<Sighting>>,
}

impl Alerting {
    /// Runs until both inputs are closed.
    pub async fn run(
        mut self,
        mut tap: mpsc::Receiver<Tapped>,
        mut alarms: mpsc::Receiver<ExternalAlarm>,
        dispatch: Option<mpsc::Sender<DispatchRequest>>,
        bus: EventBus,
    ) {
        let clock = bus.clock();
        let mut raised: BTreeMap<u64, AlertId> = BTreeMap::new();
        let (mut tap_open, mut alarms_open) = (true, true);
        while tap_open || alarms_open {
            let sighting = tokio::select! {
                t = tap.recv(), if tap_open => match t {
                    Some(t) => self.intake.handle(&self.terrain, &t),
                    None => { tap_open = false; None }
                },
                a = alarms.recv(), if alarms_open => match a {
                    Some(a) => {
                        if let Ok(mut s) = self.stats.lock() { s.external_alarms += 1; }
                        let sighting = alarm_sighting(&self.terrain, &a, clock.now_unix_us());
                        if sighting.is_none() {
                            if let Ok(mut s) = self.stats.lock() { s.external_unusable += 1; }
                            bus.publish(ShiftEventKind::Alarm(AlarmEvent::OutsideTerrain { source: a.source.clone() }));
                        }
                        sighting
                    }
                    None => { alarms_open = false; None }
                },
            };
            if let Some(s) = sighting {
                self.take(&s, &mut raised, dispatch.as_ref(), &bus).await;
            }
            if let Ok(mut st) = self.stats.lock() {
                st.intake = self.intake.counters().clone();
                st.pooled_bearings = self.tracker.pooled_bearings();
                st.bearings_expired = self.tracker.bearings_expired();
                st.crossings = self.tracker.crossings();
            }
        }
        if let Ok(mut st) = self.stats.lock() {
            st.incidents = self.tracker.incidents().to_vec();
        }
    }

    async fn take(
        &mut self,
        s: &Sighting,
        raised: &mut BTreeMap<u64, AlertId>,
        dispatch: Option<&mpsc::Sender<DispatchRequest>>,
        bus: &EventBus,
    ) {
        let fused = self.tracker.add(&self.terrain, s);
        let key = match fused {
            Fused::New(k) | Fused::Joined(k) => Some(k),
            Fused::Pooled | Fused::NotFire => None,
        };
        // The sightings behind the incident: the other bearing of a crossing, then this one.
        let mut behind = self.tracker.take_consumed();
        behind.push(s.clone());
        if let Some(k) = key {
            self.tracker.refresh_geodetic(&self.terrain, k);
        }
        if let Ok(mut st) = self.stats.lock() {
            st.sightings.push(SightingRecord {
                sighting: s.clone(),
                incident_key: key,
            });
            // Only the incident this sighting touched changed (keys run from 1 in order).
            if let Some(inc) = key.and_then(|k| self.tracker.get(k)) {
                match usize::try_from(inc.key - 1)
                    .ok()
                    .filter(|i| *i < st.incidents.len())
                {
                    Some(i) => st.incidents[i] = inc.clone(),
                    None => st.incidents.push(inc.clone()),
                }
            }
        }
        let Some(key) = key else { return };
        let Some(inc) = self.tracker.get(key).cloned() else {
            return;
        };
        let who = sighting_source_name(&s.source, &self.fleet);
        match raised.get(&key).copied() {
            None if inc.alertable => {
                let new = self.new_alert(&inc, s, &who);
                let created = self
                    .store
                    .lock()
                    .map_err(|_| "poisoned".to_string())
                    .and_then(|mut st| st.create(&new).map_err(|e| e.to_string()));
                match created {
                    Ok(id) => {
                        raised.insert(key, id);
                        // Every sighting behind the incident so far is its evidence.
                        let mut all = self.pending.remove(&key).unwrap_or_default();
                        all.extend(behind);
                        for b in &all {
                            self.evidence(id, b, bus, s.at_unix_us);
                        }
                        bus.publish_at(
                            s.at_unix_us,
                            ShiftEventKind::Alert(AlertEvent::Raised {
                                alert: id,
                                class: inc.class,
                                lat_deg: inc.geodetic.lat_deg,
                                lon_deg: inc.geodetic.lon_deg,
                                radius_m: new.radius_m,
                                danger_class: new.danger_class,
                                sightings: inc.sightings,
                                seen_by: who.clone(),
                                nearest_base: new
                                    .nearest_base
                                    .as_ref()
                                    .map(|b| (b.name.clone(), b.distance_m)),
                            }),
                        );
                        if let Ok(mut st) = self.stats.lock() {
                            st.alerts.push(AlertRecord {
                                alert: id,
                                incident_key: key,
                                raised_at_unix_us: s.at_unix_us,
                                place: inc.geodetic,
                                class: inc.class,
                            });
                        }
                        if let Some(tx) = dispatch {
                            let _ = tx
                                .send(DispatchRequest {
                                    alert: id,
                                    incident_key: key,
                                    place: inc.geodetic,
                                    raised_at_unix_us: s.at_unix_us,
                                })
                                .await;
                        }
                    }
                    Err(e) => {
                        if let Ok(mut st) = self.stats.lock() {
                            st.store_errors += 1;
                        }
                        bus.publish_at(
                            s.at_unix_us,
                            ShiftEventKind::Alert(AlertEvent::StoreFailed { error: e }),
                        );
                    }
                }
            }
            None => self.pending.entry(key).or_default().extend(behind),
            Some(id) => {
                for b in &behind {
                    self.evidence(id, b, bus, s.at_unix_us);
                }
                let place = Place {
                    lat_deg: inc.geodetic.lat_deg,
                    lon_deg: inc.geodetic.lon_deg,
                    radius_m: inc.radius_m(self.tracker.settings().fire_extent_m),
                };
                let updated = self.store.lock().ok().map(|mut st| {
                    st.update_location(
                        id,
                        place,
                        s.at_unix_us as i64,
                        "alerting",
                        &format!("refined by a sighting from {who}"),
                    )
                });
                // A resolved alert keeps its place: that refusal is not a failure.
                if let Some(Err(e)) = updated
                    && !matches!(e, crate::alerts::store::StoreError::Forbidden { .. })
                {
                    self.store_failed(&e.to_string(), bus, s.at_unix_us);
                }
                self.confirm_if_verifier(key, id, s, bus);
            }
        }
    }

    fn confirm_if_verifier(&mut self, key: u64, id: AlertId, s: &Sighting, bus: &EventBus) {
        let Some(mut v) = self.verifications.get(key) else {
            return;
        };
        let seen_on_scene = v.on_scene_since_unix_us.is_some_and(|t| s.at_unix_us >= t);
        // Weak sightings (a detector's false alarms are) do not confirm a fire.
        if v.confirmed
            || !seen_on_scene
            || s.source.system_id() != Some(v.system_id)
            || s.confidence < CONFIRM_CONFIDENCE
        {
            return;
        }
        let note = format!(
            "{} seen again by the verifying drone on scene",
            s.class.name()
        );
        let ok = self.store.lock().ok().map(|mut st| {
            st.transition(
                id,
                AlertState::ConfirmedFire,
                s.at_unix_us as i64,
                "alerting",
                &note,
            )
        });
        if let Some(Ok(_)) = ok {
            v.confirmed = true;
            self.verifications.set(key, v);
            bus.publish_at(
                s.at_unix_us,
                ShiftEventKind::Alert(AlertEvent::Confirmed {
                    alert: id,
                    by: sighting_source_name(&s.source, &self.fleet),
                }),
            );
        }
    }

    fn evidence(&self, id: AlertId, s: &Sighting, bus: &EventBus, at_unix_us: u64) {
        let (kind, lat, lon) = match &s.located {
            Located::Point { geodetic, .. } => (
                if matches!(s.source, SightingSource::External { .. }) {
                    EvidenceKind::External
                } else {
                    EvidenceKind::Detection
                },
                Some(geodetic.lat_deg),
                Some(geodetic.lon_deg),
            ),
            Located::Bearing(_) => (EvidenceKind::Bearing, None, None),
        };
        let system_id = s.source.system_id();
        let ev = Evidence {
            alert_id: id,
            kind,
            at_unix_us: s.at_unix_us as i64,
            system_id,
            drone_id: system_id.and_then(|sid| {
                self.fleet
                    .iter()
                    .find(|d| d.system_id == sid)
                    .map(|d| d.id.clone())
            }),
            lat_deg: lat,
            lon_deg: lon,
            class: alert_class(s.class),
            confidence: s.confidence.clamp(0.0, 1.0),
            detail: s.detail.clone(),
        };
        let written = self.store.lock().ok().map(|mut st| st.add_evidence(&ev));
        if let Some(Err(e)) = written {
            self.store_failed(&e.to_string(), bus, at_unix_us);
        }
    }

    fn store_failed(&self, what: &str, bus: &EventBus, at_unix_us: u64) {
        if let Ok(mut st) = self.stats.lock() {
            st.store_errors += 1;
        }
        bus.publish_at(
            at_unix_us,
            ShiftEventKind::Alert(AlertEvent::StoreFailed {
                error: what.to_string(),
            }),
        );
    }

    fn new_alert(&self, inc: &Incident, s: &Sighting, who: &str) -> NewAlert {
        let g = inc.geodetic;
        let from_risk = self.risk.as_ref().and_then(|r| {
            let i = r.nearest_cell(inc.enu.east_m, inc.enu.north_m)?;
            let c = r.cells().get(i)?;
            let d = (c.center.east_m - inc.enu.east_m).hypot(c.center.north_m - inc.enu.north_m);
            (d <= r.grid().size_m).then(|| c.class.level())
        });
        let danger = from_risk.unwrap_or_else(|| {
            self.plan
                .cells
                .iter()
                .map(|c| {
                    (
                        flat::distance_m(g.into(), LonLat::new(c.lon_deg, c.lat_deg)),
                        c,
                    )
                })
                .filter(|(d, c)| *d <= c.size_m)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map_or(1, |(_, c)| c.class.clamp(1, 5))
        });
        let nearest_base = self
            .plan
            .bases
            .iter()
            .map(|b| {
                (
                    flat::distance_m(g.into(), LonLat::new(b.lon_deg, b.lat_deg)),
                    b,
                )
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(d, b)| NearestBase {
                name: b.name.clone(),
                distance_m: d,
            });
        NewAlert {
            created_at_unix_us: s.at_unix_us as i64,
            lat_deg: g.lat_deg,
            lon_deg: g.lon_deg,
            alt_amsl_m: Some(g.alt_amsl_m),
            radius_m: inc.radius_m(self.tracker.settings().fire_extent_m),
            class: alert_class(inc.class),
            confidence: inc.confidence.clamp(0.0, 1.0),
            danger_class: danger,
            nearest_base,
            incident_key: inc.key,
            source: format!("{} ({})", who, inc.class.name()),
        }
    }
}

/// The alert class of a sighting class.
pub fn alert_class(c: SightingClass) -> AlertClass {
    match c {
        SightingClass::Smoke => AlertClass::Smoke,
        SightingClass::Flame => AlertClass::Flame,
        SightingClass::Hotspot => AlertClass::Hotspot,
        SightingClass::Infrared => AlertClass::Infrared,
        SightingClass::Person | SightingClass::Vehicle => AlertClass::Other,
    }
}

fn sighting_source_name(s: &SightingSource, fleet: &[Drone]) -> String {
    match s {
        SightingSource::Drone { system_id, .. } => fleet
            .iter()
            .find(|d| d.system_id == *system_id)
            .map_or_else(|| format!("system {system_id}"), |d| d.id.clone()),
        SightingSource::External { name } => name.clone(),
    }
}

/// A tower camera's height above the ground when the area does not know the tower, metres.
const DEFAULT_CAMERA_AGL_M: f64 = 30.0;

/// An external alarm as a sighting: a point with its radius as two sigmas; a tower's sighting
/// with its vertical angle placed on the ground along its line of sight
/// ([`place_tower_sighting`]); or a bare bearing from a tower (its camera at the area's mast
/// height, or [`DEFAULT_CAMERA_AGL_M`]).
///
/// Its time is when it was received (`received_unix_us`, the mission clock): a sensor's clock
/// may be off; its own time goes into the detail.
pub fn alarm_sighting(
    terrain: &Terrain,
    a: &ExternalAlarm,
    received_unix_us: u64,
) -> Option<Sighting> {
    let class = a.kind.sighting_class();
    let located = match a.location {
        AlarmLocation::Point {
            lat_deg,
            lon_deg,
            radius_m,
        } => {
            let ground = terrain.elevation_amsl_m(lat_deg, lon_deg)?;
            let geodetic = Geodetic {
                lat_deg,
                lon_deg,
                alt_amsl_m: ground,
            };
            let sigma = (radius_m / 2.0).max(1.0);
            Located::Point {
                enu: terrain.geodetic_to_enu(geodetic),
                geodetic,
                covariance_en_m2: [[sigma * sigma, 0.0], [0.0, sigma * sigma]],
            }
        }
        AlarmLocation::Bearing {
            from_deg,
            bearing_deg,
            sigma_deg,
            elevation_deg,
            camera_agl_m,
        } => {
            // Checked alarms always have their camera's place (alarms::check).
            let (lat_deg, lon_deg) = from_deg?;
            let ground = terrain.elevation_amsl_m(lat_deg, lon_deg)?;
            let camera = Geodetic {
                lat_deg,
                lon_deg,
                alt_amsl_m: ground + camera_agl_m.unwrap_or(DEFAULT_CAMERA_AGL_M),
            };
            // With its vertical angle a sighting is placed where its line of sight meets the
            // ground, as a fire finder places it; without one, or where the line meets no
            // ground, it stays a bearing to cross with another.
            match elevation_deg
                .and_then(|el| place_tower_sighting(terrain, camera, bearing_deg, el, sigma_deg))
            {
                Some(fix) => Located::Point {
                    enu: fix.enu,
                    geodetic: fix.geodetic,
                    covariance_en_m2: fix.covariance_en_m2,
                },
                None => {
                    Located::Bearing(tower_bearing_view(terrain, camera, bearing_deg, sigma_deg)?)
                }
            }
        }
    };
    Some(Sighting {
        at_unix_us: received_unix_us,
        class,
        confidence: a.confidence,
        source: SightingSource::External {
            name: a.source.clone(),
        },
        located,
        detail: format!(
            "{} (sent {})",
            a.note
                .clone()
                .unwrap_or_else(|| format!("external alarm from {}", a.source)),
            crate::alerts::model::format_utc(a.at_unix_us)
        ),
    })
}
