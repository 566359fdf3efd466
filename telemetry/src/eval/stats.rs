//! The figures `patrol eval` reports, with their 95 % confidence intervals: shares (Wilson's
//! score interval) and quantiles of times where some fires are never found (order statistics:
//! a distribution-free interval from the binomial ranks, where "never" is larger than any
//! time).

use serde::Serialize;

/// z of a two-sided 95 % interval.
const Z95: f64 = 1.959_964;

/// A share with its interval, 0..1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// How many of the `of`.
    pub count: usize,
    /// Out of how many.
    pub of: usize,
    /// `count / of`.
    pub share: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl Share {
    /// `count` of `of`, with Wilson's score interval.
    pub fn of(count: usize, of: usize) -> Share {
        if of == 0 {
            return Share {
                count,
                of,
                share: 0.0,
                low: 0.0,
                high: 1.0,
            };
        }
        let n = of as f64;
        let p = count as f64 / n;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Share {
            count,
            of,
            share: p,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        }
    }

    /// `62.5 % (58.1–66.7)`.
    pub fn text(&self) -> String {
        format!(
            "{:.1} % ({:.1}–{:.1})",
            self.share * 100.0,
            self.low * 100.0,
            self.high * 100.0
        )
    }
}

/// A quantile of times, seconds; `None` stands for "never" (beyond every time).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantile {
    /// The quantile, 0..1.
    pub q: f64,
    /// Its estimate.
    pub value_s: Option<f64>,
    /// Lower end of the 95 % interval.
    pub low_s: Option<f64>,
    /// Upper end.
    pub high_s: Option<f64>,
}

impl Quantile {
    /// Quantile `q` of `times` (`None` = never), with the order-statistic interval.
    pub fn of(times: &[Option<f64>], q: f64) -> Quantile {
        let mut v: Vec<f64> = times.iter().map(|t| t.unwrap_or(f64::INFINITY)).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n == 0 {
            return Quantile {
                q,
                value_s: None,
                low_s: None,
                high_s: None,
            };
        }
        let at = |rank: f64| {
            let i = (rank.round().max(1.0) as usize).min(n) - 1;
            Some(v[i]).filter(|x| x.is_finite())
        };
        let nf = n as f64;
        let spread = Z95 * (nf * q * (1.0 - q)).sqrt();
        Quantile {
            q,
            value_s: at((nf * q).ceil()),
            low_s: at((nf * q - spread).floor()),
            high_s: at((nf * q + spread).ceil() + 1.0),
        }
    }

    /// `4.2 min (3.9–4.8)`; "never" where the rank falls among the fires never found.
    pub fn text(&self) -> String {
        let m =
            |t: Option<f64>| t.map_or_else(|| "never".to_string(), |s| format!("{:.1}", s / 60.0));
        match self.value_s {
            Some(v) => format!("{:.1} min ({}–{})", v / 60.0, m(self.low_s), m(self.high_s)),
            None => format!("never ({}–{})", m(self.low_s), m(self.high_s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Wilson (1927) as tabulated by Newcombe (1998), example 81/263: 0.2553 to 0.3662.
        let s = Share::of(81, 263);
        assert!(
            (s.low - 0.2553).abs() < 5e-4 && (s.high - 0.3662).abs() < 5e-4,
            "{s:?}"
        );
        // 0 of 10: 0 to 0.2775.
        let s = Share::of(0, 10);
        assert!(s.low == 0.0 && (s.high - 0.2775).abs() < 5e-4, "{s:?}");
    }

    #[test]
    fn quantiles_rank_the_never_found_last() {
        let times: Vec<Option<f64>> = (1..=100)
            .map(|i| (i <= 80).then_some(f64::from(i)))
            .collect();
        let median = Quantile::of(&times, 0.5);
        assert_eq!(median.value_s, Some(50.0));
        // n q ± 1.96 sqrt(n q (1 - q)) = 50 ± 9.8: ranks 40 to 61.
        assert_eq!((median.low_s, median.high_s), (Some(40.0), Some(61.0)));
        // The 90th percentile falls among the 20 never found.
        assert_eq!(Quantile::of(&times, 0.9).value_s, None);
        assert!(Quantile::of(&times, 0.9).text().starts_with("never"));
    }
}
