//! When each fire is first reported, and by what: a drone's camera, a tower or an alarm.
//!
//! Towers and alarms report as the simulator's watch says ([`SimWatch`]): the same code sends
//! the demo's reports. A drone sees a fire in the first image of its flight that shows it
//! ([`Detector::shows`], the demo's own detector) and that the detector does not miss: each
//! image in view is missed with the detector's miss rate, drawn from the seed, as the
//! simulator draws it per image.

use patrol_planner::route::rng::SplitMix64;

use crate::sim::detector::Detector;
use crate::sim::fire::FireField;
use crate::sim::watch::{SimWatch, Watcher};

use super::track::Track;

/// The first report of a fire by each kind of source, seconds from the shift's start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstReports {
    /// The first tower's report, and the tower.
    pub tower: Option<(f64, String)>,
    /// The first alarm's report, and the alarm.
    pub alarm: Option<(f64, String)>,
    /// The first drone image that shows it unmissed, and the drone (its index in the
    /// evaluation's fleet).
    pub drone: Option<(f64, usize)>,
}

/// Per fire of `field` (in its order), the first tower and alarm reports of `watch`.
pub fn watch_first_reports(watch: &SimWatch, field: &FireField) -> Vec<FirstReports> {
    let index: std::collections::HashMap<&str, usize> = field
        .fires()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let mut out = vec![FirstReports::default(); field.len()];
    // The reports are in time order: the first of each kind wins.
    for (r, _) in &watch.reports {
        let Some(&i) = index.get(r.fire_id.as_str()) else {
            continue;
        };
        let slot = match r.watcher {
            Watcher::Tower => &mut out[i].tower,
            Watcher::Alarm => &mut out[i].alarm,
        };
        if slot.is_none() {
            *slot = Some((r.at_s, r.source.clone()));
        }
    }
    out
}

/// Per fire of `field`, the first image of `tracks` that shows it and is not missed, until
/// `until_s`; `detectors[d]` is drone `d`'s. Fires are shared out over `threads` threads.
pub fn drone_first_sightings(
    field: &FireField,
    tracks: &[Track],
    detectors: &[Detector],
    miss_rate: f64,
    until_s: f64,
    seed: u64,
    threads: usize,
) -> Vec<Option<(f64, usize)>> {
    let n = field.len();
    let mut out = vec![None; n];
    let chunk = n.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (c, slots) in out.chunks_mut(chunk).enumerate() {
            scope.spawn(move || {
                for (k, slot) in slots.iter_mut().enumerate() {
                    let fi = c * chunk + k;
                    *slot = first_sighting(field, fi, tracks, detectors, miss_rate, until_s, seed);
                }
            });
        }
    });
    out
}

/// The first unmissed image of fire `fi`.
fn first_sighting(
    field: &FireField,
    fi: usize,
    tracks: &[Track],
    detectors: &[Detector],
    miss_rate: f64,
    until_s: f64,
    seed: u64,
) -> Option<(f64, usize)> {
    let ignition_s = field.fire_at(fi, f64::MAX)?.fire.ignition_s;
    let ground = field.fire_at(fi, f64::MAX)?.enu;
    let mut best: Option<(f64, usize)> = None;
    for track in tracks {
        let Some(detector) = detectors.get(track.drone) else {
            continue;
        };
        let reach_m = detector.max_range_m();
        let from = track.images.partition_point(|im| im.t_s < ignition_s);
        let mut rng = SplitMix64::new(
            seed ^ (fi as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (track.drone as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ 0xe7a1,
        );
        for im in &track.images[from..] {
            let stop_s = best.map_or(until_s, |b| b.0);
            if im.t_s >= stop_s {
                break;
            }
            // Out of range whatever the height: no need to look.
            let (de, dn) = (
                im.enu.east_m - ground.east_m,
                im.enu.north_m - ground.north_m,
            );
            if de * de + dn * dn > reach_m * reach_m {
                continue;
            }
            let Some(fire) = field.fire_at(fi, im.t_s) else {
                continue;
            };
            if detector.shows(&im.view, &fire) && rng.next_f64() >= miss_rate {
                best = Some((im.t_s, track.drone));
                break;
            }
        }
    }
    best
}
