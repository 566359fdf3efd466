//! Range checks on what callers hand the store, so that a NaN or a swapped latitude never
//! reaches the database (SQLite would store a NaN as NULL and fail the NOT NULL constraint
//! with a message that names no field).

use std::path::Path;

use super::model::{Evidence, NewAlert, Place};
use super::store_error::StoreError;

fn invalid(path: &Path, field: &'static str, value: String, expected: &'static str) -> StoreError {
    StoreError::Invalid {
        path: path.to_path_buf(),
        field,
        value,
        expected,
    }
}

fn in_range(
    path: &Path,
    field: &'static str,
    value: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<(), StoreError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(invalid(path, field, value.to_string(), expected))
    }
}

fn lat_lon(path: &Path, lat_deg: f64, lon_deg: f64) -> Result<(), StoreError> {
    in_range(path, "lat_deg", lat_deg, -90.0, 90.0, "degrees in -90..=90")?;
    in_range(
        path,
        "lon_deg",
        lon_deg,
        -180.0,
        180.0,
        "degrees in -180..=180",
    )
}

fn confidence(path: &Path, value: f64) -> Result<(), StoreError> {
    in_range(path, "confidence", value, 0.0, 1.0, "a number in 0..=1")
}

/// Checks a position update.
pub(crate) fn check_place(place: &Place, path: &Path) -> Result<(), StoreError> {
    lat_lon(path, place.lat_deg, place.lon_deg)?;
    in_range(
        path,
        "radius_m",
        place.radius_m,
        0.0,
        f64::MAX,
        "metres, 0 or more",
    )
}

/// Checks a new alert.
pub(crate) fn check_new_alert(alert: &NewAlert, path: &Path) -> Result<(), StoreError> {
    check_place(
        &Place {
            lat_deg: alert.lat_deg,
            lon_deg: alert.lon_deg,
            radius_m: alert.radius_m,
        },
        path,
    )?;
    if let Some(alt) = alert.alt_amsl_m {
        in_range(
            path,
            "alt_amsl_m",
            alt,
            -1000.0,
            10_000.0,
            "metres in -1000..=10000",
        )?;
    }
    confidence(path, alert.confidence)?;
    if !(1..=5).contains(&alert.danger_class) {
        return Err(invalid(
            path,
            "danger_class",
            alert.danger_class.to_string(),
            "a class in 1..=5",
        ));
    }
    if let Some(base) = &alert.nearest_base {
        in_range(
            path,
            "nearest_base.distance_m",
            base.distance_m,
            0.0,
            f64::MAX,
            "metres, 0 or more",
        )?;
    }
    Ok(())
}

/// Checks an evidence row (the alert's existence is checked in the transaction).
pub(crate) fn check_evidence(evidence: &Evidence, path: &Path) -> Result<(), StoreError> {
    confidence(path, evidence.confidence)?;
    match (evidence.lat_deg, evidence.lon_deg) {
        (Some(lat), Some(lon)) => lat_lon(path, lat, lon),
        (None, None) => Ok(()),
        (lat, lon) => Err(invalid(
            path,
            "lat_deg/lon_deg",
            format!("{lat:?}/{lon:?}"),
            "both or neither",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::model::{AlertClass, AlertId, EvidenceKind, NearestBase};

    fn alert() -> NewAlert {
        NewAlert {
            created_at_unix_us: 0,
            lat_deg: -41.2,
            lon_deg: 146.1,
            alt_amsl_m: Some(420.0),
            radius_m: 80.0,
            class: AlertClass::Smoke,
            confidence: 0.7,
            danger_class: 4,
            nearest_base: Some(NearestBase {
                name: "Ridge".into(),
                distance_m: 3200.0,
            }),
            incident_key: 1,
            source: "test".into(),
        }
    }

    #[test]
    fn a_sound_alert_passes_and_each_bad_field_is_named() {
        let path = Path::new("a.sqlite");
        assert!(check_new_alert(&alert(), path).is_ok());
        type Spoil = fn(&mut NewAlert);
        let cases: [(Spoil, &str); 6] = [
            (|a| a.lat_deg = 91.0, "lat_deg = 91"),
            (|a| a.lon_deg = f64::NAN, "lon_deg = NaN"),
            (|a| a.radius_m = -1.0, "radius_m = -1"),
            (|a| a.confidence = 1.5, "confidence = 1.5"),
            (|a| a.danger_class = 0, "danger_class = 0"),
            (|a| a.alt_amsl_m = Some(f64::INFINITY), "alt_amsl_m = inf"),
        ];
        for (spoil, needle) in cases {
            let mut a = alert();
            spoil(&mut a);
            let text = check_new_alert(&a, path).expect_err(needle).to_string();
            assert!(text.contains(needle) && text.contains("a.sqlite"), "{text}");
        }
    }

    #[test]
    fn evidence_needs_both_coordinates_or_none() {
        let path = Path::new("a.sqlite");
        let mut e = Evidence {
            alert_id: AlertId(1),
            kind: EvidenceKind::Bearing,
            at_unix_us: 0,
            system_id: None,
            drone_id: None,
            lat_deg: None,
            lon_deg: None,
            class: AlertClass::Smoke,
            confidence: 0.5,
            detail: String::new(),
        };
        assert!(check_evidence(&e, path).is_ok());
        e.lat_deg = Some(10.0);
        assert!(check_evidence(&e, path).is_err());
        e.lon_deg = Some(200.0);
        assert!(check_evidence(&e, path).is_err());
        e.lon_deg = Some(20.0);
        assert!(check_evidence(&e, path).is_ok());
    }
}
