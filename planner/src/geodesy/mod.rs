//! Geodesy on the WGS 84 ellipsoid: UTM projection ([`utm`]) and the local east-north-up
//! frame ([`enu`]) in which the planner and the geotagger measure metres.

pub mod enu;
pub mod utm;
