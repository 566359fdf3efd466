//! The square of a patrolled cell on the ground, from its centre and edge length: what the
//! KML and GeoJSON exports draw for each cell.

use crate::geodesy::enu::{Enu, Geodetic, LocalFrame};
use crate::plan::model::PlannedCell;

/// The closed `[lon, lat]` ring of a cell's square, `size_m` on a side in the east-north frame
/// at its centre, counter-clockwise from the south-west corner.
pub fn cell_ring(cell: &PlannedCell) -> Vec<[f64; 2]> {
    let frame = LocalFrame::new(Geodetic {
        lat_deg: cell.lat_deg,
        lon_deg: cell.lon_deg,
        alt_amsl_m: 0.0,
    });
    let h = cell.size_m / 2.0;
    let corner = |east_m: f64, north_m: f64| {
        let g = frame.enu_to_geodetic(Enu {
            east_m,
            north_m,
            up_m: 0.0,
        });
        [g.lon_deg, g.lat_deg]
    };
    let sw = corner(-h, -h);
    vec![sw, corner(h, -h), corner(h, h), corner(-h, h), sw]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_square_has_the_cell_size() {
        let cell = PlannedCell {
            lat_deg: 45.0,
            lon_deg: 7.0,
            size_m: 250.0,
            risk: 0.5,
            class: 3,
            visits_s: vec![],
            visited_by: vec![],
        };
        let ring = cell_ring(&cell);
        assert_eq!(ring.len(), 5);
        assert_eq!(ring[0], ring[4]);
        // One degree of latitude is about 111.13 km at 45°.
        let height_m = (ring[2][1] - ring[1][1]) * 111_132.0;
        assert!((height_m - 250.0).abs() < 0.5, "{height_m}");
    }
}
