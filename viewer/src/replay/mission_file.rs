//! A mission file (`.plan` or `.waypoints`, ours or QGroundControl's and Mission Planner's)
//! as the path a vehicle would fly: its positions in order, heights turned into metres above
//! mean sea level by each item's frame (home's altitude for relative items, the terrain below
//! for terrain-relative ones), for a preview before upload.

use patrol_planner::export::vehicle_lists::VehicleLists;
use patrol_planner::plan::model::MissionItem;
use patrol_planner::terrain::Terrain;

/// MAV_CMD_NAV_RETURN_TO_LAUNCH.
const RETURN_TO_LAUNCH: u16 = 20;
/// MAV_CMD_NAV_LAND and MAV_CMD_NAV_VTOL_LAND.
const LANDINGS: [u16; 2] = [21, 85];
/// MAV_CMD_NAV_TAKEOFF and MAV_CMD_NAV_VTOL_TAKEOFF.
const TAKEOFFS: [u16; 2] = [22, 84];
/// Below this, MAV_CMD values are navigation commands (they move the vehicle).
const NAV_LAST: u16 = 95;

/// Why a mission item's height cannot be placed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MissionPathError {
    /// A terrain-relative item over ground the DEM does not cover.
    #[error(
        "item {seq}: terrain-relative height at lat {lat_deg:.5}, lon {lon_deg:.5}, outside the area's terrain"
    )]
    OffTerrain {
        /// The item.
        seq: u16,
        /// Latitude, degrees.
        lat_deg: f64,
        /// Longitude, degrees.
        lon_deg: f64,
    },
    /// A frame this preview does not know.
    #[error(
        "item {seq}: frame {frame} is not one of 0/5 (AMSL), 3/6 (above home), 10/11 (above terrain)"
    )]
    Frame {
        /// The item.
        seq: u16,
        /// Its MAV_FRAME.
        frame: u8,
    },
}

/// The path, `[lat_deg, lon_deg, alt_amsl_m]`, from home through every navigation item that
/// moves the vehicle, ending where it lands (home for a return to launch).
pub fn mission_path(
    lists: &VehicleLists,
    terrain: &Terrain,
) -> Result<Vec<[f64; 3]>, MissionPathError> {
    let [home_lat, home_lon, home_alt] = lists.home;
    let mut path = vec![[home_lat, home_lon, home_alt]];
    for item in &lists.mission {
        if item.command > NAV_LAST {
            continue;
        }
        let last = *path.last().unwrap_or(&[home_lat, home_lon, home_alt]);
        let positioned = item.lat_deg != 0.0 || item.lon_deg != 0.0;
        let (lat, lon) = if positioned {
            (item.lat_deg, item.lon_deg)
        } else {
            (last[0], last[1])
        };
        let point = if item.command == RETURN_TO_LAUNCH {
            // Back over home at the height it flies, then down.
            path.push([home_lat, home_lon, last[2]]);
            [home_lat, home_lon, home_alt]
        } else if LANDINGS.contains(&item.command) {
            let ground = terrain.elevation_amsl_m(lat, lon).unwrap_or(home_alt);
            path.push([lat, lon, last[2]]);
            [lat, lon, ground]
        } else if positioned || TAKEOFFS.contains(&item.command) {
            [lat, lon, alt_amsl_m(item, lat, lon, home_alt, terrain)?]
        } else {
            continue;
        };
        path.push(point);
    }
    Ok(path)
}

fn alt_amsl_m(
    item: &MissionItem,
    lat: f64,
    lon: f64,
    home_alt_m: f64,
    terrain: &Terrain,
) -> Result<f64, MissionPathError> {
    match item.frame {
        0 | 5 => Ok(item.alt_m),
        3 | 6 => Ok(home_alt_m + item.alt_m),
        10 | 11 => terrain
            .elevation_amsl_m(lat, lon)
            .map(|g| g + item.alt_m)
            .ok_or(MissionPathError::OffTerrain {
                seq: item.seq,
                lat_deg: lat,
                lon_deg: lon,
            }),
        frame => Err(MissionPathError::Frame {
            seq: item.seq,
            frame,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::synthetic;

    fn item(seq: u16, frame: u8, command: u16, lat: f64, lon: f64, alt: f64) -> MissionItem {
        MissionItem {
            seq,
            ..MissionItem::new(frame, command, [None; 4], lat, lon, alt)
        }
    }

    #[test]
    fn heights_follow_each_items_frame_and_the_flight_ends_at_home() {
        let terrain = synthetic::terrain(200, 200);
        let (lat0, lon0) = (synthetic::NORTH_DEG - 0.005, synthetic::WEST_DEG + 0.005);
        let home_alt = terrain
            .elevation_amsl_m(lat0, lon0)
            .expect("home on the DEM");
        let (lat1, lon1) = (lat0 - 0.003, lon0 + 0.004);
        let ground1 = terrain.elevation_amsl_m(lat1, lon1).expect("on the DEM");
        let lists = VehicleLists {
            autopilot: 3,
            mav_type: 2,
            home: [lat0, lon0, home_alt],
            mission: vec![
                item(1, 3, 22, 0.0, 0.0, 40.0),
                // A speed change moves nothing.
                item(2, 2, 178, 0.0, 0.0, 0.0),
                item(3, 10, 16, lat1, lon1, 100.0),
                item(4, 0, 16, lat0, lon1, 1234.0),
                item(5, 3, 20, 0.0, 0.0, 0.0),
            ],
            fence: Vec::new(),
            rally: Vec::new(),
        };
        let path = mission_path(&lists, &terrain).expect("a path");
        let close = |a: [f64; 3], b: [f64; 3]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        let want = [
            [lat0, lon0, home_alt],
            [lat0, lon0, home_alt + 40.0],
            [lat1, lon1, ground1 + 100.0],
            [lat0, lon1, 1234.0],
            [lat0, lon0, 1234.0],
            [lat0, lon0, home_alt],
        ];
        assert_eq!(path.len(), want.len(), "{path:?}");
        for (got, want) in path.iter().zip(want) {
            assert!(close(*got, want), "{got:?} != {want:?}");
        }
    }

    #[test]
    fn a_terrain_relative_item_off_the_dem_is_named() {
        let terrain = synthetic::terrain(100, 100);
        let lists = VehicleLists {
            autopilot: 3,
            mav_type: 2,
            home: [
                synthetic::NORTH_DEG - 0.001,
                synthetic::WEST_DEG + 0.001,
                500.0,
            ],
            mission: vec![item(1, 10, 16, 10.0, 10.0, 80.0)],
            fence: Vec::new(),
            rally: Vec::new(),
        };
        let e = mission_path(&lists, &terrain).unwrap_err();
        assert!(e.to_string().starts_with("item 1: terrain-relative"), "{e}");
    }
}
