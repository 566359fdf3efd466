//! Geodesy on the WGS 84 ellipsoid: UTM projection ([`utm`]) and the local east-north-up
//! frame ([`enu`]) in which the planner and the geotagger measure metres, and the flat-earth
//! approximation for short distances between positions in degrees ([`flat`]).

pub mod enu;
pub mod flat;
pub mod utm;
