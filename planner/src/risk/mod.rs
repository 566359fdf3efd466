//! Fire risk: planning cells with their risk ([`cells`]), ready-made risk layers
//! ([`sources`]), the danger classes ([`class`]), and the model that computes risk for an
//! office without a risk map ([`model`]) from terrain, human access, fuel and the day's Fire
//! Weather Index ([`fwi`], [`weather`]).

pub mod cells;
pub mod class;
pub mod daily;
pub mod distance;
pub mod fwi;
pub mod model;
pub mod sources;
pub mod weather;
