//! Local clock times of a shift: plan times are seconds from the shift's start, and people
//! read them as the wall-clock time of day (`shift.start_local` plus the offset).

/// Seconds in a day.
const DAY_S: i64 = 86_400;

/// Turns seconds from the shift's start into local clock times `HH:MM:SS`.
///
/// Built from the shift's `start_local` (`HH:MM` or `HH:MM:SS`). When that does not parse,
/// times are written as offsets from the shift's start, `+HH:MM:SS`, so no information is lost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftClock {
    /// The shift's start, seconds after local midnight; `None` when unknown.
    start_of_day_s: Option<i64>,
}

impl ShiftClock {
    /// The clock of a shift starting at `start_local` (`HH:MM` or `HH:MM:SS`, 24-hour).
    pub fn new(start_local: &str) -> ShiftClock {
        ShiftClock {
            start_of_day_s: parse_time_of_day_s(start_local),
        }
    }

    /// The time `offset_s` seconds after the shift's start, rounded to the second: the local
    /// clock time `HH:MM:SS` (wrapping past midnight), or `+HH:MM:SS` from the start when the
    /// start time is unknown.
    pub fn format(&self, offset_s: f64) -> String {
        let offset_s = if offset_s.is_finite() {
            offset_s.round() as i64
        } else {
            0
        };
        match self.start_of_day_s {
            Some(start_s) => hms((start_s + offset_s).rem_euclid(DAY_S)),
            None if offset_s < 0 => format!("-{}", hms(-offset_s)),
            None => format!("+{}", hms(offset_s)),
        }
    }
}

/// `HH:MM:SS` of a non-negative number of seconds (hours may exceed 23).
fn hms(s: i64) -> String {
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// Seconds after midnight of `HH:MM` or `HH:MM:SS`.
fn parse_time_of_day_s(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut fields = [0i64; 3];
    for (field, part) in fields.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *field = part.parse().ok()?;
    }
    let [h, m, s] = fields;
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times_add_the_offset_to_the_start_and_wrap_at_midnight() {
        let clock = ShiftClock::new("08:30");
        assert_eq!(clock.format(0.0), "08:30:00");
        assert_eq!(clock.format(3_725.4), "09:32:05");
        assert_eq!(clock.format(16.0 * 3600.0), "00:30:00");
        assert_eq!(ShiftClock::new("23:59:30").format(45.0), "00:00:15");
    }

    #[test]
    fn an_unreadable_start_gives_offsets_from_the_start() {
        for bad in ["8h30", "24:00", "08:60", "", "08:30:00:00", "+8:30"] {
            assert_eq!(ShiftClock::new(bad).format(3_725.0), "+01:02:05", "{bad:?}");
        }
        assert_eq!(ShiftClock::new("x").format(-60.0), "-00:01:00");
    }
}
