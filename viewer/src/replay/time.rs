//! Times from the start of a run as people type and read them: `HH:MM:SS`.

use super::error::ReplayError;

/// Parses `HH:MM:SS`, `MM:SS` or plain seconds (fractions allowed in the last field) into
/// seconds from the start of the run.
pub fn parse_hms_s(text: &str) -> Result<f64, ReplayError> {
    let bad = || ReplayError::BadTime {
        text: text.to_string(),
    };
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(bad());
    }
    let mut total = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let v: f64 = if last {
            part.parse().map_err(|_| bad())?
        } else {
            f64::from(part.parse::<u32>().map_err(|_| bad())?)
        };
        // Minutes and seconds after a larger field stay below 60.
        if !v.is_finite() || v < 0.0 || (i > 0 && v >= 60.0) {
            return Err(bad());
        }
        total = total * 60.0 + v;
    }
    Ok(total)
}

/// Formats seconds as `HH:MM:SS` (whole seconds, rounded down; negatives as 0).
pub fn format_hms(seconds: f64) -> String {
    let s = if seconds.is_finite() && seconds > 0.0 {
        seconds as u64
    } else {
        0
    };
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_accepted_forms() {
        assert_eq!(parse_hms_s("00:42:10").ok(), Some(2530.0));
        assert_eq!(parse_hms_s("1:02:03").ok(), Some(3723.0));
        assert_eq!(parse_hms_s("42:10").ok(), Some(2530.0));
        assert_eq!(parse_hms_s("90").ok(), Some(90.0));
        assert_eq!(parse_hms_s("00:00:01.5").ok(), Some(1.5));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for text in [
            "", "aa:bb", "00:61:00", "00:00:60", "1:2:3:4", "-5", "00::10", "1e400",
        ] {
            let err = parse_hms_s(text).expect_err(text);
            assert!(err.to_string().contains("H:MM:SS"), "{err}");
        }
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_hms(2530.9), "00:42:10");
        assert_eq!(format_hms(-3.0), "00:00:00");
        assert_eq!(format_hms(36_000.0), "10:00:00");
        assert_eq!(parse_hms_s(&format_hms(3723.0)).ok(), Some(3723.0));
    }
}
