//! Comparing what a vehicle holds with what was uploaded: the read-back check that catches an
//! autopilot that accepted a list and stored something else (ArduPilot overwriting its last
//! slot when a mission is too long, items lost under packet loss).
//!
//! Items are compared field by field with the tolerances the encodings imply: latitudes and
//! longitudes as the int32 1e-7 degrees on the wire, altitudes and parameters as the float32
//! the vehicle keeps (to 1 mm, or 1e-6 of the value; ArduPilot keeps altitudes in whole
//! centimetres, so 1 cm), frames with their `_INT` twins taken as the same frame. A parameter
//! sent as "unchanged" (NaN) matches whatever the vehicle reports. ArduPilot's mission item 0 is
//! its home position, which it overwrites itself: it is not compared.

use patrol_planner::plan::model::MissionItem;

use super::handle::Gcs;
use super::transfer::TransferError;
use super::vehicle::VehicleKey;
use crate::mav::mission_item::ListKind;

/// Why an upload, with its read-back, failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UploadFailure {
    /// The upload itself failed (unanswered, rejected).
    #[error("{0}")]
    Transfer(TransferError),
    /// Reading the list back failed.
    #[error("reading the list back: {0}")]
    ReadBack(TransferError),
    /// The list read back is not what was sent.
    #[error("{0}")]
    Mismatch(Mismatch),
}

/// Uploads `items` as the vehicle's `list` and, when `verify`, downloads it again and compares
/// ([`compare`]; `home_at_0` as there). The items are numbered from 0 as they go up.
pub async fn upload_verified(
    gcs: &Gcs,
    key: VehicleKey,
    list: ListKind,
    items: &[MissionItem],
    home_at_0: bool,
    verify: bool,
) -> Result<(), UploadFailure> {
    let sent: Vec<MissionItem> = items
        .iter()
        .enumerate()
        .map(|(i, it)| MissionItem {
            seq: i as u16,
            ..it.clone()
        })
        .collect();
    gcs.upload(key, list, sent.clone())
        .await
        .map_err(UploadFailure::Transfer)?;
    if verify {
        let back = gcs
            .download(key, list)
            .await
            .map_err(UploadFailure::ReadBack)?;
        compare(list, home_at_0, &sent, &back).map_err(UploadFailure::Mismatch)?;
    }
    Ok(())
}

/// The first difference between what was sent and what the vehicle holds.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{} read back: {}", list.name(), self.describe())]
pub struct Mismatch {
    /// Mission, fence or rally points.
    pub list: ListKind,
    /// The item (its index in the list); for a count mismatch, the first missing or extra one.
    pub index: usize,
    /// The field that differs: `count`, `command`, `frame`, `latitude`, `longitude`,
    /// `altitude`, `param1`..`param4`, `autocontinue`.
    pub field: &'static str,
    /// The value sent.
    pub sent: String,
    /// The value the vehicle holds.
    pub stored: String,
}

impl Mismatch {
    fn describe(&self) -> String {
        if self.field == "count" {
            format!(
                "the vehicle holds {} items, {} were sent",
                self.stored, self.sent
            )
        } else {
            format!(
                "item {} {} is {} on the vehicle, {} was sent",
                self.index, self.field, self.stored, self.sent
            )
        }
    }
}

/// MAV_FRAME_*_INT frames as their float twins (vehicles answer with either).
fn plain_frame(frame: u8) -> u8 {
    match frame {
        5 => 0,
        6 => 3,
        11 => 10,
        f => f,
    }
}

fn deg_e7(deg: f64) -> i64 {
    (deg * 1e7).round() as i64
}

fn close(sent: f64, stored: f64, floor: f64) -> bool {
    (sent - stored).abs() <= floor.max(1e-6 * sent.abs())
}

/// Checks that `stored` (downloaded from the vehicle) is `sent` (uploaded). `home_at_0`: the
/// vehicle keeps its home position in mission item 0 (ArduPilot).
pub fn compare(
    list: ListKind,
    home_at_0: bool,
    sent: &[MissionItem],
    stored: &[MissionItem],
) -> Result<(), Mismatch> {
    let differ = |index: usize, field: &'static str, sent: String, stored: String| Mismatch {
        list,
        index,
        field,
        sent,
        stored,
    };
    if sent.len() != stored.len() {
        return Err(differ(
            sent.len().min(stored.len()),
            "count",
            sent.len().to_string(),
            stored.len().to_string(),
        ));
    }
    let skip = usize::from(home_at_0 && list == ListKind::Mission);
    for (i, (a, b)) in sent.iter().zip(stored).enumerate().skip(skip) {
        if a.command != b.command {
            return Err(differ(
                i,
                "command",
                a.command.to_string(),
                b.command.to_string(),
            ));
        }
        if plain_frame(a.frame) != plain_frame(b.frame) {
            return Err(differ(i, "frame", a.frame.to_string(), b.frame.to_string()));
        }
        for (field, x, y) in [
            ("latitude", a.lat_deg, b.lat_deg),
            ("longitude", a.lon_deg, b.lon_deg),
        ] {
            if (deg_e7(x) - deg_e7(y)).abs() > 1 {
                return Err(differ(i, field, format!("{x:.7}"), format!("{y:.7}")));
            }
        }
        if !close(a.alt_m, b.alt_m, 0.011) {
            return Err(differ(
                i,
                "altitude",
                format!("{:.2} m", a.alt_m),
                format!("{:.2} m", b.alt_m),
            ));
        }
        for (k, (x, y)) in a.params.iter().zip(&b.params).enumerate() {
            let Some(x) = x else { continue };
            let ok = y.is_some_and(|y| close(*x, y, 1e-3));
            if !ok {
                return Err(differ(
                    i,
                    ["param1", "param2", "param3", "param4"][k],
                    x.to_string(),
                    y.map_or_else(|| "unset".to_string(), |y| y.to_string()),
                ));
            }
        }
        if a.autocontinue != b.autocontinue {
            return Err(differ(
                i,
                "autocontinue",
                a.autocontinue.to_string(),
                b.autocontinue.to_string(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<MissionItem> {
        (0..5)
            .map(|i| {
                let mut it = MissionItem::new(
                    3,
                    16,
                    [Some(0.0), None, Some(2.0), None],
                    36.6 + f64::from(i) * 1e-3,
                    -84.2,
                    100.0 + f64::from(i),
                );
                it.seq = i as u16;
                it
            })
            .collect()
    }

    /// The items as a vehicle gives them back: through float32 and the int32 wire.
    fn stored(items: &[MissionItem]) -> Vec<MissionItem> {
        items
            .iter()
            .map(|it| {
                let wire =
                    crate::mav::mission_item::to_wire(it, ListKind::Mission, (1, 1)).expect("wire");
                crate::mav::mission_item::from_wire(&wire)
            })
            .collect()
    }

    #[test]
    fn a_faithful_vehicle_passes() {
        let sent = items();
        let mut back = stored(&sent);
        // Unchanged parameters may come back as zeros; INT frames as their twins.
        back[2].params[1] = Some(0.0);
        back[3].frame = 6;
        assert_eq!(compare(ListKind::Mission, false, &sent, &back), Ok(()));
    }

    #[test]
    fn each_change_is_named_by_item_and_field() {
        let sent = items();
        let cases: [(&str, fn(&mut Vec<MissionItem>)); 6] = [
            ("latitude", |v| v[2].lat_deg += 1e-4),
            ("count", |v| {
                v.pop();
            }),
            ("command", |v| v[2].command = 20),
            ("altitude", |v| v[4].alt_m += 0.5),
            ("param3", |v| v[1].params[2] = Some(3.0)),
            ("frame", |v| v[1].frame = 0),
        ];
        for (field, change) in cases {
            let mut back = stored(&sent);
            change(&mut back);
            let err = compare(ListKind::Mission, false, &sent, &back).expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
        let mut back = stored(&sent);
        back[2].lat_deg += 1e-4;
        assert_eq!(
            compare(ListKind::Mission, false, &sent, &back)
                .expect_err("moved")
                .to_string(),
            "mission read back: item 2 latitude is 36.6021000 on the vehicle, 36.6020000 was sent"
        );
        back.pop();
        assert_eq!(
            compare(ListKind::Mission, false, &sent, &back)
                .expect_err("short")
                .to_string(),
            "mission read back: the vehicle holds 4 items, 5 were sent"
        );
    }

    #[test]
    fn ardupilots_home_item_is_its_own() {
        let sent = items();
        let mut back = stored(&sent);
        back[0].lat_deg = 36.0;
        back[0].alt_m = 412.0;
        assert_eq!(compare(ListKind::Mission, true, &sent, &back), Ok(()));
        assert!(compare(ListKind::Mission, false, &sent, &back).is_err());
        // Only the mission has a home item: a fence's first vertex counts.
        assert!(compare(ListKind::Fence, true, &sent, &back).is_err());
    }
}
