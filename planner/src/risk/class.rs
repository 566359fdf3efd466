//! Forest-fire danger classes: China's five forecast levels, 1 (low) to 5 (extreme), and how
//! a 0..1 risk index maps onto them.

use serde::{Deserialize, Serialize};

/// One of the five forest-fire danger levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DangerClass(u8);

impl DangerClass {
    /// All five classes, low to extreme.
    pub const ALL: [DangerClass; 5] = [
        DangerClass(1),
        DangerClass(2),
        DangerClass(3),
        DangerClass(4),
        DangerClass(5),
    ];

    /// The class of a level 1..=5.
    pub fn new(level: u8) -> Option<DangerClass> {
        (1..=5).contains(&level).then_some(DangerClass(level))
    }

    /// The class of a risk index 0..1: equal fifths (0.2, 0.4, 0.6 and 0.8 are the lower
    /// bounds of classes 2 to 5).
    pub fn from_risk(risk: f64) -> DangerClass {
        DangerClass((1.0 + (risk.clamp(0.0, 1.0) * 5.0).floor()).min(5.0) as u8)
    }

    /// The risk index that stands for a class read from a class map: the middle of its fifth.
    pub fn representative_risk(&self) -> f64 {
        (f64::from(self.0) - 0.5) / 5.0
    }

    /// The level, 1..=5.
    pub fn level(&self) -> u8 {
        self.0
    }

    /// English name of the level.
    pub fn name(&self) -> &'static str {
        match self.0 {
            1 => "low",
            2 => "moderate",
            3 => "high",
            4 => "very high",
            _ => "extreme",
        }
    }

    /// Map colour (RGB): green, blue, yellow, orange, red, the colours of China's forecast maps.
    pub fn color_rgb(&self) -> [u8; 3] {
        match self.0 {
            1 => [46, 160, 67],
            2 => [51, 119, 214],
            3 => [240, 200, 30],
            4 => [245, 130, 32],
            _ => [215, 38, 38],
        }
    }
}

impl std::fmt::Display for DangerClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0, self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifths() {
        let levels: Vec<u8> = [0.0, 0.19, 0.2, 0.45, 0.79, 0.8, 1.0, 7.0]
            .iter()
            .map(|&r| DangerClass::from_risk(r).level())
            .collect();
        assert_eq!(levels, vec![1, 1, 2, 3, 4, 5, 5, 5]);
        for c in DangerClass::ALL {
            assert_eq!(DangerClass::from_risk(c.representative_risk()), c);
        }
        assert_eq!(DangerClass::new(0), None);
    }
}
