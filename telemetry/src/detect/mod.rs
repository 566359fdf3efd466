//! Detections on the ground: from a camera's (or onboard detector's) report of something in
//! its image to a place on the terrain, with an honest uncertainty.
//!
//! Data flows through these types:
//!
//! 1. [`pose::PoseHistory`] keeps each vehicle's recent position, ATTITUDE and
//!    GIMBAL_DEVICE_ATTITUDE_STATUS telemetry and gives the [`pose::Pose`] at a capture time
//!    (`time_boot_ms`), or says which stream has a gap.
//! 2. [`camera::CameraModel`] turns a normalised image point into a ray in the camera frame;
//!    [`attitude::camera_to_enu`] turns that frame into east-north-up at the vehicle (all the
//!    frame conventions are written down in [`attitude`]).
//! 3. [`geotag::geotag_point`] casts the ray onto the terrain and returns a
//!    [`geotag::GroundFix`]: the ground point, its range and incidence, and a 1-sigma error
//!    ellipse propagated from an [`geotag::ErrorModel`].
//! 4. Smoke rises, so a ray at a plume lands behind it: [`bearing::locate_plume`] crosses the
//!    horizontal bearings of two or more views instead, or returns a bare bearing for one.
//! 5. [`intake::DetectionIntake`] reads the tapped MAVLink messages of every vehicle and turns
//!    each FOREST_DETECTION into an [`observation::Sighting`] (a point or a bearing), counting
//!    every one it cannot use under its reason.
//! 6. [`incident::IncidentTracker`] fuses sightings (and external alarms) into incidents by
//!    place and time; an incident that becomes believable gets one alert.

pub mod attitude;
pub mod bearing;
pub mod camera;
pub mod geotag;
pub mod incident;
pub mod intake;
pub mod observation;
pub mod pose;
pub mod tower_fix;
