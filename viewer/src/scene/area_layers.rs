//! The area's layers the scene draws over the terrain: the risk map, the no-fly zones and
//! the bases.

use bevy::prelude::*;
use patrol_planner::area::base::Base;
use patrol_planner::area::no_fly::NoFlyZone;
use patrol_planner::risk::cells::RiskMap;

/// The area's risk map, no-fly zones and bases, as a resource.
#[derive(Resource, Debug, Clone, Default)]
pub struct AreaLayers {
    /// The risk map, if the area has a risk layer.
    pub risk: Option<RiskMap>,
    /// No-fly zones.
    pub no_fly: Vec<NoFlyZone>,
    /// Launch bases.
    pub bases: Vec<Base>,
}

impl AreaLayers {
    /// Risk (0..1) of the grid cell holding a local-frame position, if the area has a risk
    /// map and the cell has risk.
    pub fn risk_lookup(&self) -> impl Fn(f64, f64) -> Option<f64> + '_ {
        let by_index: Vec<Option<f64>> = match &self.risk {
            Some(map) => {
                let grid = map.grid();
                let mut v = vec![None; grid.cols * grid.rows];
                for c in map.cells() {
                    v[c.row * grid.cols + c.col] = Some(c.risk);
                }
                v
            }
            None => Vec::new(),
        };
        move |east_m, north_m| {
            let grid = self.risk.as_ref()?.grid();
            by_index
                .get(grid.index_of(east_m, north_m)?)
                .copied()
                .flatten()
        }
    }
}
