//! `patrol fly`: a plan flown by the whole fleet, watched and recorded.
pub mod lists;
pub mod run;
pub mod view;
