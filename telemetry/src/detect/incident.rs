//! Sightings fused into incidents by place and time.
//!
//! A point sighting joins the nearest live incident whose position agrees with it (within
//! three combined sigmas plus the extent of a fire) and that was seen within the time window;
//! the incident's position is then the inverse-variance mean of its points. Smoke bearings wait
//! in a pool: one that passes an incident supports it; two or more from views far enough apart
//! are crossed ([`super::bearing::locate_plume`]) into a point. A bearing that never crosses
//! stays a bearing: it is counted, never guessed into a place.
//!
//! An incident becomes *alertable* once it is believable: fire-class sightings whose combined
//! confidence 1 - Π(1 - cᵢ) reaches [`FusionSettings::alert_confidence`] (one confident image,
//! or a few weaker ones agreeing), or an alarm from outside. Detectors' false alarms are weak
//! and scattered, so they rarely add up. One incident gives exactly one alert (the caller
//! keeps the link).

use patrol_planner::geodesy::enu::{Enu, Geodetic};
use patrol_planner::terrain::Terrain;
use rstar::{AABB, RTree, primitives::GeomWithData};

use super::bearing::{BearingLimits, BearingView, SmokeFix, locate_plume};
use super::observation::{Located, Sighting, SightingClass};

/// How sightings are fused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusionSettings {
    /// A sighting joins an incident seen within this long, seconds.
    pub window_s: f64,
    /// The extent of a fire added to the gate, metres.
    pub fire_extent_m: f64,
    /// Combined confidence that makes a single-image incident alertable, 0..1.
    pub alert_confidence: f64,
    /// Bearings older than this leave the pool, seconds.
    pub bearing_pool_s: f64,
    /// Crossing limits for smoke bearings.
    pub bearings: BearingLimits,
}

impl Default for FusionSettings {
    fn default() -> Self {
        FusionSettings {
            // A fire does not go away by itself: a whole shift.
            window_s: 4.0 * 3600.0,
            fire_extent_m: 60.0,
            alert_confidence: 0.75,
            bearing_pool_s: 600.0,
            bearings: BearingLimits {
                min_crossing_deg: 8.0,
                max_range_m: 5_000.0,
            },
        }
    }
}

/// A fused incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Its key (stable, increasing from 1).
    pub key: u64,
    /// First and last sighting, mission µs since the UNIX epoch.
    pub first_at_unix_us: u64,
    /// Last sighting.
    pub last_at_unix_us: u64,
    /// Position, local frame.
    pub enu: Enu,
    /// Position, WGS 84 (ground height).
    pub geodetic: Geodetic,
    /// 1-sigma covariance of the position, east-north, m².
    pub covariance_en_m2: [[f64; 2]; 2],
    /// The strongest class seen.
    pub class: SightingClass,
    /// Combined confidence 1 - Π(1 - cᵢ) over its sightings.
    pub confidence: f64,
    /// Distinct images or reports behind it.
    pub sightings: usize,
    /// Whether it came (also) from outside.
    pub external: bool,
    /// Drones that saw it (system ids, sorted).
    pub drones: Vec<u8>,
    /// Whether it has become alertable (see the module docs).
    pub alertable: bool,
}

impl Incident {
    /// Alert radius: two sigmas of the position plus the fire's extent, metres.
    pub fn radius_m(&self, fire_extent_m: f64) -> f64 {
        let c = self.covariance_en_m2;
        let (a, b, d) = (c[0][0], c[0][1], c[1][1]);
        let major = ((a + d) / 2.0 + ((a - d) / 2.0).hypot(b)).max(0.0).sqrt();
        2.0 * major + fire_extent_m
    }
}

/// What a sighting did.
#[derive(Debug, Clone, PartialEq)]
pub enum Fused {
    /// It started an incident (not necessarily alertable yet).
    New(u64),
    /// It joined an incident (which may have just become alertable or moved).
    Joined(u64),
    /// A bearing that waits for a crossing.
    Pooled,
    /// Not a fire sign: counted only.
    NotFire,
}

type Indexed = GeomWithData<[f64; 2], usize>;

/// A covariance with 1 m² added to its diagonal: no sighting places a fire to better than a
/// metre, and a degenerate (flat) ellipse becomes invertible.
fn floored(c: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    [
        [c[0][0].max(0.0) + 1.0, c[0][1]],
        [c[1][0], c[1][1].max(0.0) + 1.0],
    ]
}

/// The inverse of a symmetric positive-definite 2×2 matrix.
fn inverse_2x2(c: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let (a, b, d) = (c[0][0], (c[0][1] + c[1][0]) / 2.0, c[1][1]);
    // |b| < sqrt(a d) for a positive-definite matrix; keep it so against rounding.
    let limit = (a * d).max(0.0).sqrt() * 0.999;
    let b = b.clamp(-limit, limit);
    let det = a * d - b * b;
    [[d / det, -b / det], [-b / det, a / det]]
}

/// The incidents and the bearing pool.
#[derive(Debug)]
pub struct IncidentTracker {
    settings: FusionSettings,
    incidents: Vec<Incident>,
    index: RTree<Indexed>,
    pool: Vec<(Sighting, BearingView)>,
    crossings_refused: u64,
    bearings_expired: u64,
    crossings: u64,
    consumed: Vec<Sighting>,
}

impl IncidentTracker {
    /// An empty tracker.
    pub fn new(settings: FusionSettings) -> IncidentTracker {
        IncidentTracker {
            settings,
            incidents: Vec::new(),
            index: RTree::new(),
            pool: Vec::new(),
            crossings_refused: 0,
            bearings_expired: 0,
            crossings: 0,
            consumed: Vec::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &FusionSettings {
        &self.settings
    }

    /// Every incident, in key order.
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// The incident with `key`.
    pub fn get(&self, key: u64) -> Option<&Incident> {
        self.incidents
            .get(usize::try_from(key).ok()?.checked_sub(1)?)
    }

    /// Bearings still waiting for a crossing.
    pub fn pooled_bearings(&self) -> usize {
        self.pool.len()
    }

    /// Bearings that left the pool without ever crossing another (single-view smoke).
    pub fn bearings_expired(&self) -> u64 {
        self.bearings_expired
    }

    /// Smoke bearings crossed into a point.
    pub fn crossings(&self) -> u64 {
        self.crossings
    }

    /// The pooled sightings the last [`IncidentTracker::add`] used up (the other bearing of a
    /// crossing): evidence of the incident it went to.
    pub fn take_consumed(&mut self) -> Vec<Sighting> {
        std::mem::take(&mut self.consumed)
    }

    /// Pairs of bearings that were tried and did not cross.
    pub fn crossings_refused(&self) -> u64 {
        self.crossings_refused
    }

    /// Fuses one sighting. `terrain` places crossed bearings on the ground.
    pub fn add(&mut self, terrain: &Terrain, s: &Sighting) -> Fused {
        if !s.class.is_fire() {
            return Fused::NotFire;
        }
        self.expire_pool(s.at_unix_us);
        match &s.located {
            Located::Point {
                enu,
                geodetic,
                covariance_en_m2,
            } => self.add_point(s, *enu, *geodetic, *covariance_en_m2, 1),
            Located::Bearing(view) => self.add_bearing(terrain, s, *view),
        }
    }

    fn add_point(
        &mut self,
        s: &Sighting,
        enu: Enu,
        geodetic: Geodetic,
        cov: [[f64; 2]; 2],
        images: usize,
    ) -> Fused {
        let sigma_obs2 = (cov[0][0] + cov[1][1]).max(1.0);
        let window_us = (self.settings.window_s * 1e6) as u64;
        let far = 5_000.0;
        let envelope = AABB::from_corners(
            [enu.east_m - far, enu.north_m - far],
            [enu.east_m + far, enu.north_m + far],
        );
        let mut best: Option<(f64, usize)> = None;
        for cand in self.index.locate_in_envelope(envelope) {
            let inc = &self.incidents[cand.data];
            if s.at_unix_us.saturating_sub(inc.last_at_unix_us) > window_us {
                continue;
            }
            let sigma_inc2 = inc.covariance_en_m2[0][0] + inc.covariance_en_m2[1][1];
            let gate = 3.0 * (sigma_obs2 + sigma_inc2).sqrt() + self.settings.fire_extent_m;
            let d = (inc.enu.east_m - enu.east_m).hypot(inc.enu.north_m - enu.north_m);
            if d <= gate && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, cand.data));
            }
        }
        match best {
            Some((_, i)) => {
                self.merge(i, s, enu, cov, images);
                Fused::Joined(self.incidents[i].key)
            }
            None => {
                let key = self.incidents.len() as u64 + 1;
                let external = s.source.system_id().is_none();
                let mut inc = Incident {
                    key,
                    first_at_unix_us: s.at_unix_us,
                    last_at_unix_us: s.at_unix_us,
                    enu,
                    geodetic,
                    covariance_en_m2: cov,
                    class: s.class,
                    confidence: s.confidence.clamp(0.0, 1.0),
                    sightings: images,
                    external,
                    drones: s.source.system_id().into_iter().collect(),
                    alertable: false,
                };
                inc.alertable = self.alertable(&inc);
                self.index.insert(GeomWithData::new(
                    [enu.east_m, enu.north_m],
                    self.incidents.len(),
                ));
                self.incidents.push(inc);
                Fused::New(key)
            }
        }
    }

    fn merge(&mut self, i: usize, s: &Sighting, enu: Enu, cov: [[f64; 2]; 2], images: usize) {
        let old = [self.incidents[i].enu.east_m, self.incidents[i].enu.north_m];
        let inc = &mut self.incidents[i];
        // Information form, with the full covariances: P = (Pa⁻¹ + Pb⁻¹)⁻¹ and
        // x = P (Pa⁻¹ xa + Pb⁻¹ xb). Two long ellipses at an angle (two towers' lines of sight)
        // fuse into a small one where they cross; near-round ones average by their precision.
        let ia = inverse_2x2(floored(inc.covariance_en_m2));
        let ib = inverse_2x2(floored(cov));
        let info = [
            [ia[0][0] + ib[0][0], ia[0][1] + ib[0][1]],
            [ia[1][0] + ib[1][0], ia[1][1] + ib[1][1]],
        ];
        let p = inverse_2x2(info);
        let (xa, xb) = ([inc.enu.east_m, inc.enu.north_m], [enu.east_m, enu.north_m]);
        let rhs = [
            ia[0][0] * xa[0] + ia[0][1] * xa[1] + ib[0][0] * xb[0] + ib[0][1] * xb[1],
            ia[1][0] * xa[0] + ia[1][1] * xa[1] + ib[1][0] * xb[0] + ib[1][1] * xb[1],
        ];
        let (wa, wb) = (ia[0][0] + ia[1][1], ib[0][0] + ib[1][1]);
        inc.covariance_en_m2 = p;
        inc.enu = Enu {
            east_m: p[0][0] * rhs[0] + p[0][1] * rhs[1],
            north_m: p[1][0] * rhs[0] + p[1][1] * rhs[1],
            up_m: (inc.enu.up_m * wa + enu.up_m * wb) / (wa + wb),
        };
        inc.last_at_unix_us = inc.last_at_unix_us.max(s.at_unix_us);
        inc.first_at_unix_us = inc.first_at_unix_us.min(s.at_unix_us);
        if s.class.rank() > inc.class.rank() {
            inc.class = s.class;
        }
        inc.confidence = 1.0 - (1.0 - inc.confidence) * (1.0 - s.confidence.clamp(0.0, 1.0));
        inc.sightings += images;
        if let Some(id) = s.source.system_id() {
            if let Err(at) = inc.drones.binary_search(&id) {
                inc.drones.insert(at, id);
            }
        } else {
            inc.external = true;
        }
        let moved = [inc.enu.east_m, inc.enu.north_m];
        let alertable = self.alertable(&self.incidents[i]);
        self.incidents[i].alertable |= alertable;
        if moved != old {
            self.index.remove(&GeomWithData::new(old, i));
            self.index.insert(GeomWithData::new(moved, i));
        }
    }

    /// Call after changing geodetic-free fields: keeps `geodetic` in step with `enu`.
    pub fn refresh_geodetic(&mut self, terrain: &Terrain, key: u64) {
        if let Some(i) = usize::try_from(key).ok().and_then(|k| k.checked_sub(1))
            && let Some(inc) = self.incidents.get_mut(i)
        {
            let mut g = terrain.enu_to_geodetic(inc.enu);
            if let Some(ground) = terrain.elevation_amsl_m(g.lat_deg, g.lon_deg) {
                g.alt_amsl_m = ground;
            }
            inc.geodetic = g;
        }
    }

    fn alertable(&self, inc: &Incident) -> bool {
        inc.class.is_fire()
            && (inc.external || inc.confidence >= self.settings.alert_confidence - 1e-9)
    }

    fn add_bearing(&mut self, terrain: &Terrain, s: &Sighting, view: BearingView) -> Fused {
        // Supports an incident it passes through.
        let window_us = (self.settings.window_s * 1e6) as u64;
        let [de, dn, _] = view.direction;
        let h = de.hypot(dn).max(1e-9);
        let (ue, un) = (de / h, dn / h);
        let mut support = None;
        for (i, inc) in self.incidents.iter().enumerate() {
            if s.at_unix_us.saturating_sub(inc.last_at_unix_us) > window_us {
                continue;
            }
            let (re, rn) = (
                inc.enu.east_m - view.origin.east_m,
                inc.enu.north_m - view.origin.north_m,
            );
            let along = re * ue + rn * un;
            if along <= 0.0 || along > self.settings.bearings.max_range_m {
                continue;
            }
            let across = (re * un - rn * ue).abs();
            let sigma_inc = (inc.covariance_en_m2[0][0] + inc.covariance_en_m2[1][1]).sqrt();
            let gate =
                3.0 * (view.sigma_rad / h * along).hypot(sigma_inc) + self.settings.fire_extent_m;
            if across <= gate && support.is_none_or(|(a, _)| across < a) {
                support = Some((across, i));
            }
        }
        if let Some((_, i)) = support {
            let inc = &mut self.incidents[i];
            inc.last_at_unix_us = inc.last_at_unix_us.max(s.at_unix_us);
            inc.confidence = 1.0 - (1.0 - inc.confidence) * (1.0 - s.confidence.clamp(0.0, 1.0));
            inc.sightings += 1;
            if let Some(id) = s.source.system_id()
                && let Err(at) = inc.drones.binary_search(&id)
            {
                inc.drones.insert(at, id);
            }
            let alertable = self.alertable(&self.incidents[i]);
            self.incidents[i].alertable |= alertable;
            return Fused::Joined(self.incidents[i].key);
        }
        // Cross it with the pooled bearings; keep the pair that crosses widest.
        let mut best: Option<(f64, usize, super::bearing::PlumeBase)> = None;
        for (j, (_, other)) in self.pool.iter().enumerate() {
            match locate_plume(terrain, &[*other, view], &self.settings.bearings) {
                Ok(SmokeFix::Located(base)) => {
                    if best.as_ref().is_none_or(|(c, _, _)| base.crossing_deg > *c) {
                        best = Some((base.crossing_deg, j, base));
                    }
                }
                _ => self.crossings_refused += 1,
            }
        }
        match best {
            Some((_, j, base)) => {
                let (first, _) = self.pool.swap_remove(j);
                self.crossings += 1;
                self.consumed.push(first.clone());
                let mut joined = s.clone();
                joined.at_unix_us = s.at_unix_us.min(first.at_unix_us);
                joined.confidence = 1.0 - (1.0 - first.confidence) * (1.0 - s.confidence);
                let r = self.add_point(&joined, base.enu, base.geodetic, base.covariance_en_m2, 2);
                if let Some(id) = first.source.system_id()
                    && let Some(inc) = self
                        .incidents
                        .iter_mut()
                        .find(|i| Some(i.key) == key_of(&r))
                    && let Err(at) = inc.drones.binary_search(&id)
                {
                    inc.drones.insert(at, id);
                }
                r
            }
            None => {
                self.pool.push((s.clone(), view));
                Fused::Pooled
            }
        }
    }

    fn expire_pool(&mut self, now_us: u64) {
        let keep_us = (self.settings.bearing_pool_s * 1e6) as u64;
        let before = self.pool.len();
        self.pool
            .retain(|(s, _)| now_us.saturating_sub(s.at_unix_us) <= keep_us);
        self.bearings_expired += (before - self.pool.len()) as u64;
    }
}

fn key_of(f: &Fused) -> Option<u64> {
    match f {
        Fused::New(k) | Fused::Joined(k) => Some(*k),
        Fused::Pooled | Fused::NotFire => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::geotag::test_terrain::terrain;
    use crate::detect::observation::SightingSource;

    fn point(
        t_s: f64,
        east: f64,
        north: f64,
        sigma: f64,
        conf: f64,
        sid: u8,
        class: SightingClass,
    ) -> Sighting {
        let enu = Enu {
            east_m: east,
            north_m: north,
            up_m: 0.0,
        };
        Sighting {
            at_unix_us: (t_s * 1e6) as u64,
            class,
            confidence: conf,
            source: SightingSource::Drone {
                system_id: sid,
                component_id: 100,
                detection_id: t_s as u32,
            },
            located: Located::Point {
                enu,
                geodetic: Geodetic {
                    lat_deg: 0.0,
                    lon_deg: 0.0,
                    alt_amsl_m: 0.0,
                },
                covariance_en_m2: [[sigma * sigma, 0.0], [0.0, sigma * sigma]],
            },
            detail: String::new(),
        }
    }

    fn bearing(t_s: f64, from: (f64, f64), to: (f64, f64), sid: u8) -> Sighting {
        let origin = Enu {
            east_m: from.0,
            north_m: from.1,
            up_m: 100.0,
        };
        let dir = [to.0 - from.0, to.1 - from.1, -20.0];
        Sighting {
            at_unix_us: (t_s * 1e6) as u64,
            class: SightingClass::Smoke,
            confidence: 0.6,
            source: SightingSource::Drone {
                system_id: sid,
                component_id: 100,
                detection_id: t_s as u32,
            },
            located: Located::Bearing(BearingView::new(origin, dir, 0.003).expect("view")),
            detail: String::new(),
        }
    }

    #[test]
    fn nearby_points_fuse_and_far_ones_do_not() {
        let t = terrain(3000.0, 30.0, |_, _| 0.0);
        let mut tr = IncidentTracker::new(FusionSettings::default());
        assert_eq!(
            tr.add(
                &t,
                &point(0.0, 100.0, 100.0, 10.0, 0.5, 1, SightingClass::Hotspot)
            ),
            Fused::New(1)
        );
        assert!(
            !tr.get(1).expect("incident").alertable,
            "one weak sighting is not an alert"
        );
        // A detector's false alarms are weak: two of them at one place are not an alert.
        let mut weak = IncidentTracker::new(FusionSettings::default());
        weak.add(
            &t,
            &point(0.0, 0.0, 0.0, 10.0, 0.45, 1, SightingClass::Hotspot),
        );
        weak.add(
            &t,
            &point(1.0, 5.0, 0.0, 10.0, 0.45, 1, SightingClass::Hotspot),
        );
        assert!(!weak.get(1).expect("incident").alertable);
        assert_eq!(
            tr.add(
                &t,
                &point(5.0, 110.0, 95.0, 10.0, 0.5, 2, SightingClass::Flame)
            ),
            Fused::Joined(1)
        );
        let inc = tr.get(1).expect("incident");
        assert!(inc.alertable, "two images make it believable");
        assert_eq!(
            inc.class,
            SightingClass::Flame,
            "the strongest class names it"
        );
        assert_eq!(inc.drones, vec![1, 2]);
        assert!(
            (inc.enu.east_m - 105.0).abs() < 1e-9 && (inc.enu.north_m - 97.5).abs() < 1e-9,
            "{inc:?}"
        );
        assert!((inc.confidence - 0.75).abs() < 1e-12);
        // 1 km away: another incident.
        assert_eq!(
            tr.add(
                &t,
                &point(6.0, 1100.0, 100.0, 10.0, 0.9, 1, SightingClass::Hotspot)
            ),
            Fused::New(2)
        );
        assert!(
            tr.get(2).expect("incident").alertable,
            "one confident sighting is believable"
        );
        // Same place, but past the time window: a new incident.
        assert_eq!(
            tr.add(
                &t,
                &point(20_000.0, 100.0, 100.0, 10.0, 0.5, 1, SightingClass::Hotspot)
            ),
            Fused::New(3)
        );
        // People are never fires.
        assert_eq!(
            tr.add(
                &t,
                &point(7.0, 100.0, 100.0, 10.0, 0.9, 1, SightingClass::Person)
            ),
            Fused::NotFire
        );
    }

    #[test]
    fn two_smoke_bearings_cross_into_an_incident_and_a_third_supports_it() {
        let t = terrain(3000.0, 30.0, |_, _| 0.0);
        let mut tr = IncidentTracker::new(FusionSettings::default());
        let plume = (500.0, 800.0);
        assert_eq!(
            tr.add(&t, &bearing(0.0, (-500.0, 0.0), plume, 3)),
            Fused::Pooled
        );
        assert_eq!(tr.pooled_bearings(), 1);
        let r = tr.add(&t, &bearing(20.0, (1200.0, 0.0), plume, 3));
        assert_eq!(r, Fused::New(1));
        let inc = tr.get(1).expect("incident");
        assert!(
            (inc.enu.east_m - plume.0).hypot(inc.enu.north_m - plume.1) < 1.0,
            "{inc:?}"
        );
        assert!(inc.alertable && inc.sightings == 2 && inc.class == SightingClass::Smoke);
        assert_eq!(tr.pooled_bearings(), 0);
        assert_eq!(
            tr.add(&t, &bearing(30.0, (0.0, 1500.0), plume, 4)),
            Fused::Joined(1)
        );
        assert_eq!(tr.get(1).expect("incident").drones, vec![3, 4]);
    }

    #[test]
    fn parallel_bearings_stay_bearings() {
        let t = terrain(3000.0, 30.0, |_, _| 0.0);
        let mut tr = IncidentTracker::new(FusionSettings::default());
        assert_eq!(
            tr.add(&t, &bearing(0.0, (0.0, 0.0), (0.0, 1000.0), 1)),
            Fused::Pooled
        );
        assert_eq!(
            tr.add(&t, &bearing(1.0, (10.0, 0.0), (10.0, 1000.0), 1)),
            Fused::Pooled
        );
        assert_eq!(tr.pooled_bearings(), 2);
        assert!(tr.crossings_refused() >= 1);
        assert!(tr.incidents().is_empty());
    }
}
