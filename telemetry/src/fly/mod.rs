//! `patrol fly`: a plan flown by the whole fleet, watched and recorded.
pub mod alert_service;
pub mod alerting;
pub mod dispatch;
pub mod lists;
pub mod run;
pub mod run_info;
pub mod view;
