//! Canadian Forest Fire Weather Index (FWI) System: the standard daily
//! equations of Van Wagner (1987), Forestry Technical Report 35, as programmed
//! in Van Wagner & Pickett (1985), Forestry Technical Report 33, and in the
//! reference C code of Wang, Anderson & Suddaby (2015), NOR-X-424.
//!
//! The moisture codes book-keep water in three fuel layers, so they need
//! yesterday's codes and an unbroken daily series of noon (local standard
//! time) observations; [`fwi_day`] advances one day.
//!
//! Day lengths: north of 30 N (DMC) and 20 N (DC) the standard Canadian tables
//! are used, as the standard does; elsewhere the latitude-adjusted tables of
//! the R package cffdrs (`R/duff_moisture_code.r`, `R/drought_code.r`), since
//! the Canadian ones would invert the seasons south of the equator.
//!
//! FFMC keeps the published coefficient 147.2, like NOR-X-424. Recent cffdrs
//! uses 250 * 59.5 / 101 = 147.27723; on the standard test data that gives
//! FFMC up to 0.12 lower and ISI/FWI up to 0.26 lower.

/// Noon local-standard-time weather observation driving one FWI day.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoonWeather {
    /// Screen-level air temperature, degrees Celsius.
    pub temp_c: f64,
    /// Relative humidity, percent (0..=100).
    pub rh_pct: f64,
    /// Open wind speed at 10 m height, km/h.
    pub wind_kmh: f64,
    /// Rain accumulated over the previous 24 hours (noon to noon), mm.
    pub rain_24h_mm: f64,
}

/// Accepted closed range, and how error messages print it.
type Range = (f64, f64, &'static str);
const NON_NEGATIVE: Range = (0.0, f64::MAX, "0.. (finite)");
const MONTHS: Range = (1.0, 12.0, "1..=12");
const LATITUDES: Range = (-90.0, 90.0, "-90..=90");
const WEATHER: &str = "noon weather";
const CODES: &str = "moisture codes";

impl NoonWeather {
    /// Rejects NaN, infinite and physically impossible values, naming the
    /// field: temp -60..=60 °C, rh 0..=100 %, wind >= 0 km/h, rain >= 0 mm.
    pub fn validate(&self) -> Result<(), FwiError> {
        in_range((WEATHER, "temp_c"), self.temp_c, (-60.0, 60.0, "-60..=60"))?;
        in_range((WEATHER, "rh_pct"), self.rh_pct, (0.0, 100.0, "0..=100"))?;
        in_range((WEATHER, "wind_kmh"), self.wind_kmh, NON_NEGATIVE)?;
        in_range((WEATHER, "rain_24h_mm"), self.rain_24h_mm, NON_NEGATIVE)
    }
}

/// The three fuel moisture codes carried from one day to the next
/// (all dimensionless; higher means drier).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MoistureCodes {
    /// Fine Fuel Moisture Code: litter and fine fuels, 0..=101.
    pub ffmc: f64,
    /// Duff Moisture Code: loosely compacted organic layer, >= 0.
    pub dmc: f64,
    /// Drought Code: deep compact organic layer, >= 0.
    pub dc: f64,
}

impl MoistureCodes {
    /// Standard start-up codes (FFMC 85, DMC 6, DC 15) for the first day of a
    /// season after snow melt; they do not suit a season after a dry winter.
    pub const STARTUP: MoistureCodes = MoistureCodes {
        ffmc: 85.0,
        dmc: 6.0,
        dc: 15.0,
    };

    /// Rejects NaN and out-of-range codes (FFMC 0..=101, DMC >= 0, DC >= 0),
    /// naming the field.
    pub fn validate(&self) -> Result<(), FwiError> {
        in_range((CODES, "ffmc"), self.ffmc, (0.0, 101.0, "0..=101"))?;
        in_range((CODES, "dmc"), self.dmc, NON_NEGATIVE)?;
        in_range((CODES, "dc"), self.dc, NON_NEGATIVE)
    }
}

/// All outputs of the FWI System for one day (all dimensionless).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FwiDay {
    /// Today's moisture codes: tomorrow's `yesterday` input.
    pub codes: MoistureCodes,
    /// Initial Spread Index: expected rate of fire spread.
    pub isi: f64,
    /// Buildup Index: total fuel available for combustion.
    pub bui: f64,
    /// Fire Weather Index: fire intensity, the public danger rating.
    pub fwi: f64,
    /// Daily Severity Rating, `0.0272 * FWI^1.77` (see [`dsr()`]).
    pub dsr: f64,
}

/// Invalid input to the FWI System.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FwiError {
    /// An input is NaN, infinite or outside its accepted range.
    #[error("{input}: {field} = {value} is out of range {range}")]
    OutOfRange {
        /// Which input: "noon weather", "moisture codes" or "fwi_day".
        input: &'static str,
        /// Name of the offending field or parameter.
        field: &'static str,
        /// The rejected value, in the field's unit.
        value: f64,
        /// The accepted range.
        range: &'static str,
    },
}

/// `Ok` if `value` is finite and within the range; else names `(input, field)`.
fn in_range(at: (&'static str, &'static str), value: f64, r: Range) -> Result<(), FwiError> {
    let ((input, field), (lo, hi, range)) = (at, r);
    let ok = value.is_finite() && (lo..=hi).contains(&value);
    ok.then_some(()).ok_or(FwiError::OutOfRange {
        input,
        field,
        value,
        range,
    })
}

/// Advances the FWI System by one day.
///
/// `month` is 1..=12 and, with `lat_deg` (degrees north, negative south),
/// selects the day-length factors of the DMC and DC. All inputs are
/// validated first, so the outputs are finite.
pub fn fwi_day(
    yesterday: MoistureCodes,
    weather: &NoonWeather,
    month: u32,
    lat_deg: f64,
) -> Result<FwiDay, FwiError> {
    weather.validate()?;
    yesterday.validate()?;
    let &NoonWeather {
        temp_c: t,
        rh_pct: h,
        wind_kmh: w,
        rain_24h_mm: r,
    } = weather;
    let codes = MoistureCodes {
        ffmc: ffmc(yesterday.ffmc, t, h, w, r),
        dmc: dmc(yesterday.dmc, t, h, r, month, lat_deg)?,
        dc: dc(yesterday.dc, t, r, month, lat_deg)?,
    };
    let isi = isi(codes.ffmc, w);
    let bui = bui(codes.dmc, codes.dc);
    let fwi = fwi(isi, bui);
    let dsr = dsr(fwi);
    Ok(FwiDay {
        codes,
        isi,
        bui,
        fwi,
        dsr,
    })
}

/// Fine Fuel Moisture Code (Van Wagner 1987, eqs. 1-10).
///
/// Inputs: yesterday's FFMC, temperature (°C), relative humidity (%), wind
/// (km/h) and 24-hour rain (mm). Inputs are not validated; see [`fwi_day`].
pub fn ffmc(ffmc_yda: f64, temp_c: f64, rh_pct: f64, wind_kmh: f64, rain_mm: f64) -> f64 {
    let (t, h) = (temp_c, rh_pct);
    // The code is a transform of litter moisture content (%) on a 0..=250 scale.
    let mut mo = 147.2 * (101.0 - ffmc_yda) / (59.5 + ffmc_yda);
    // The first 0.5 mm is intercepted by the canopy.
    if rain_mm > 0.5 {
        let rf = rain_mm - 0.5;
        let mut mr = mo + 42.5 * rf * (-100.0 / (251.0 - mo)).exp() * (1.0 - (-6.93 / rf).exp());
        if mo > 150.0 {
            mr += 0.0015 * (mo - 150.0).powi(2) * rf.sqrt();
        }
        mo = mr.min(250.0);
    }
    let humid = 1.0 - (-0.115 * h).exp();
    let ed = 0.942 * h.powf(0.679) + 11.0 * ((h - 100.0) / 10.0).exp() + 0.18 * (21.1 - t) * humid;
    let ew = 0.618 * h.powf(0.753) + 10.0 * ((h - 100.0) / 10.0).exp() + 0.18 * (21.1 - t) * humid;
    // Log rate (per day) towards equilibrium, scaled from 21.1 °C.
    let rate = |x: f64| {
        let k0 = 0.424 * (1.0 - x.powf(1.7)) + 0.0694 * wind_kmh.sqrt() * (1.0 - x.powi(8));
        k0 * 0.581 * (0.0365 * t).exp()
    };
    let m = if mo > ed {
        ed + (mo - ed) * 10f64.powf(-rate(h / 100.0))
    } else if mo < ew {
        ew - (ew - mo) * 10f64.powf(-rate((100.0 - h) / 100.0))
    } else {
        mo
    };
    (59.5 * (250.0 - m) / (147.2 + m)).clamp(0.0, 101.0)
}

/// Duff Moisture Code (Van Wagner 1987, eqs. 11-17).
///
/// Inputs: yesterday's DMC, temperature (°C), relative humidity (%), 24-hour
/// rain (mm), month 1..=12 and latitude (degrees north) for the effective day
/// length. Errors only on month or latitude; weather is not validated.
pub fn dmc(
    dmc_yda: f64,
    temp_c: f64,
    rh_pct: f64,
    rain_mm: f64,
    month: u32,
    lat_deg: f64,
) -> Result<f64, FwiError> {
    let i = month_index(month, lat_deg)?;
    let le = match lat_deg {
        l if l > 30.0 => DMC_LE[0][i],
        l if l > 10.0 => DMC_LE[1][i],
        // Near the equator day length hardly varies over the year.
        l if l > -10.0 => 9.0,
        l if l > -30.0 => DMC_LE[2][i],
        _ => DMC_LE[3][i],
    };
    let mut po = dmc_yda;
    // Only rain beyond 1.5 mm reaches the duff.
    if rain_mm > 1.5 {
        let re = 0.92 * rain_mm - 1.27;
        // Eqs. 12 and 15 in the programmed form of TR-33 and NOR-X-424.
        let mo = 20.0 + 280.0 / (0.023 * po).exp();
        let b = match po {
            p if p <= 33.0 => 100.0 / (0.5 + 0.3 * p),
            p if p <= 65.0 => 14.0 - 1.3 * p.ln(),
            p => 6.2 * p.ln() - 17.2,
        };
        let mr = mo + 1000.0 * re / (48.77 + b * re);
        po = (43.43 * (5.6348 - (mr - 20.0).ln())).max(0.0);
    }
    // Below -1.1 °C the duff does not dry at all.
    let k = 1.894 * (temp_c.max(-1.1) + 1.1) * (100.0 - rh_pct) * le * 1e-6;
    Ok((po + 100.0 * k).max(0.0))
}

/// Drought Code (Van Wagner 1987, eqs. 18-23).
///
/// Inputs: yesterday's DC, temperature (°C), 24-hour rain (mm), month 1..=12
/// and latitude (degrees north) for the day-length adjustment. Errors only on
/// month or latitude; weather is not validated.
pub fn dc(
    dc_yda: f64,
    temp_c: f64,
    rain_mm: f64,
    month: u32,
    lat_deg: f64,
) -> Result<f64, FwiError> {
    let i = month_index(month, lat_deg)?;
    let lf = match lat_deg {
        l if l > 20.0 => DC_LF[0][i],
        // Near the equator day length hardly varies over the year.
        l if l > -20.0 => 1.4,
        _ => DC_LF[1][i],
    };
    let mut dr = dc_yda;
    // Only rain beyond 2.8 mm reaches the deep layer.
    if rain_mm > 2.8 {
        let rd = 0.83 * rain_mm - 1.27;
        let qo = 800.0 * (-dc_yda / 400.0).exp();
        dr = (400.0 * (800.0 / (qo + 3.937 * rd)).ln()).max(0.0);
    }
    // Potential evapotranspiration cannot be negative, even in winter months.
    let v = (0.36 * (temp_c.max(-2.8) + 2.8) + lf).max(0.0);
    Ok(dr + 0.5 * v)
}

/// Initial Spread Index (Van Wagner 1987, eqs. 24-26) from today's FFMC and
/// the wind speed (km/h).
pub fn isi(ffmc: f64, wind_kmh: f64) -> f64 {
    let m = 147.2 * (101.0 - ffmc) / (59.5 + ffmc);
    let f_wind = (0.05039 * wind_kmh).exp();
    let f_moist = 91.9 * (-0.1386 * m).exp() * (1.0 + m.powf(5.31) / 4.93e7);
    0.208 * f_wind * f_moist
}

/// Buildup Index (Van Wagner 1987, eqs. 27a-b) from today's DMC and DC.
pub fn bui(dmc: f64, dc: f64) -> f64 {
    let denom = dmc + 0.4 * dc;
    // No fuel when both layers are saturated; also avoids 0/0.
    if denom <= 0.0 {
        return 0.0;
    }
    let u = if dmc <= 0.4 * dc {
        0.8 * dmc * dc / denom
    } else {
        dmc - (1.0 - 0.8 * dc / denom) * (0.92 + (0.0114 * dmc).powf(1.7))
    };
    u.max(0.0)
}

/// Fire Weather Index (Van Wagner 1987, eqs. 28-30) from ISI and BUI.
pub fn fwi(isi: f64, bui: f64) -> f64 {
    let f_d = if bui <= 80.0 {
        0.626 * bui.powf(0.809) + 2.0
    } else {
        1000.0 / (25.0 + 108.64 * (-0.023 * bui).exp())
    };
    let b = 0.1 * isi * f_d;
    // The log scale only applies above 1, where ln(B) is positive.
    if b > 1.0 {
        (2.72 * (0.434 * b.ln()).powf(0.647)).exp()
    } else {
        b
    }
}

/// Daily Severity Rating (Van Wagner 1987, eq. 31) from FWI: control
/// difficulty, which grows faster than FWI and so averages better.
pub fn dsr(fwi: f64) -> f64 {
    0.0272 * fwi.powf(1.77)
}

/// DMC effective day length Le (hours) by month. Bands follow cffdrs: a
/// boundary latitude belongs to the band south of it.
#[rustfmt::skip]
const DMC_LE: [[f64; 12]; 4] = [
    // Van Wagner (1987) standard table (46 N), used north of 30 N.
    [6.5, 7.5, 9.0, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8.0, 7.0, 6.0],
    // cffdrs (Lawson & Armitage 2008): 20 N for 10..30 N, 20 S for
    // 10..30 S, 40 S south of 30 S.
    [7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8],
    [10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2],
    [11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10.0, 11.2, 11.8],
];

/// DC day-length adjustment Lf by month: the Van Wagner (1987) standard table
/// (used north of 20 N) and, south of 20 S, the same shifted by six months.
#[rustfmt::skip]
const DC_LF: [[f64; 12]; 2] = [
    [-1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5.0, 2.4, 0.4, -1.6, -1.6],
    [6.4, 5.0, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8],
];

/// Validates month and latitude and returns the month's table index.
fn month_index(month: u32, lat_deg: f64) -> Result<usize, FwiError> {
    in_range(("fwi_day", "month"), f64::from(month), MONTHS)?;
    in_range(("fwi_day", "lat_deg"), lat_deg, LATITUDES)?;
    Ok(month as usize - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard FWI test data of Van Wagner & Pickett (1985) as published
    /// with the reference code of Wang, Anderson & Suddaby (2015), NOR-X-424:
    /// 49 days from 13 April (start-up codes, standard tables) and the outputs
    /// printed to one decimal. Transcribed from 3dfirelab/hFWI
    /// `dataTest/data.txt` and `dataTest/outputRef.txt` (commit 067033fa); the
    /// first 37 days also match CWFMF/firestarr-cpp `test/data/fwi/`.
    /// Columns: month day temp rh wind rain | FFMC DMC DC ISI BUI FWI.
    const NOR_X_424: &str = "\
4 13 17 42 25 0 | 87.7 8.5 19 10.9 8.5 10.1
4 14 20 21 25 2.4 | 86.2 10.4 23.6 8.8 10.4 9.3
4 15 8.5 40 17 0 | 87 11.8 26.1 6.5 11.7 7.6
4 16 6.5 25 6 0 | 88.8 13.2 28.2 4.9 13.1 6.2
4 17 13 34 24 0 | 89.1 15.4 31.5 12.6 15.3 14.8
4 18 6 40 22 0.4 | 88.7 16.5 33.5 10.7 16.4 13.5
4 19 5.5 52 6 0 | 87.4 17.2 35.4 4 17.1 5.9
4 20 8.5 46 16 0 | 87.4 18.5 37.9 6.6 18.4 9.7
4 21 9.5 54 20 0 | 86.8 19.7 40.6 7.4 19.6 11
4 22 7 93 14 9 | 29.9 10.1 29.5 0 10.9 0
4 23 6.5 71 17 1 | 49.4 10.7 31.6 0.4 11.6 0.2
4 24 6 59 17 0 | 67.3 11.4 33.7 1.3 12.3 0.9
4 25 13 52 4 0 | 77.8 13 37 1.1 13.9 0.8
4 26 15.5 40 11 0 | 85.5 15.4 40.7 3.9 15.9 5.5
4 27 23 25 9 0 | 91.5 19.8 45.8 8.4 19.8 12.2
4 28 19 46 16 0 | 89.9 22.5 50.2 9.5 22.4 14.3
4 29 18 41 20 0 | 90 25.2 54.4 11.7 25.1 17.7
4 30 14.5 51 16 0 | 88.4 27 57.9 7.7 27 13.3
5 1 14.5 69 11 0 | 85.7 28.3 63 4 28.2 8
5 2 15.5 42 8 0 | 87.4 30.8 68.2 4.4 30.8 9.1
5 3 21 37 8 0 | 89.4 34.5 74.3 5.9 34.4 12.3
5 4 23 32 16 0 | 91 38.8 80.9 11.1 38.7 21
5 5 23 32 14 0 | 91.2 43.1 87.4 10.3 43 21.1
5 6 27 33 12 0 | 91.7 48.1 94.7 9.9 47.9 21.7
5 7 28 17 27 0 | 95.2 54.5 102.1 34.5 54.3 52.6
5 8 23.5 54 20 0 | 89.7 57.4 108.8 11.3 57.2 25.9
5 9 16 50 22 12.2 | 62.2 29.9 91.8 1.4 33 3
5 10 11.5 58 20 0 | 76.7 31.3 96.3 2.3 34.5 5.4
5 11 16 54 16 0 | 83.5 33.4 101.6 3.8 36.7 8.9
5 12 21.5 37 9 0 | 88.7 37.1 107.8 5.6 39.9 12.8
5 13 14 61 22 0.2 | 86.7 38.7 112.8 8.1 41.6 17.3
5 14 15 30 27 0 | 89.6 41.7 117.9 15.9 44.2 28.8
5 15 20 23 11 0 | 92.1 45.9 123.9 10.1 47.7 21.9
5 16 14 95 3 16.4 | 21.3 20.1 97 0 26.5 0
5 17 20 53 4 2.8 | 51 18.3 103 0.2 25.3 0.2
5 18 19.5 30 16 0 | 82.3 22.1 108.9 3.3 29.3 6.8
5 19 25.5 51 20 6 | 75.4 16.4 106.4 2.1 23.7 3.8
5 20 10 38 24 0 | 84.3 18.2 110.6 6.4 25.8 11.3
5 21 19 27 16 0 | 90.3 22.1 116.4 10 29.9 17.2
5 22 26 46 11 4.2 | 77.6 18.7 117.7 1.6 26.8 2.9
5 23 30 38 22 0 | 90.2 23.8 125.5 13.4 32.3 22
5 24 25.5 67 19 12.6 | 65.3 13.1 108.5 1.4 20.2 1.9
5 25 12 53 28 11.8 | 55.4 7.7 91.6 1.2 12.8 0.8
5 26 21 38 8 0 | 80.8 11.3 97.8 1.9 17.6 2.6
5 27 13 70 20 3.8 | 61.7 8.4 97.9 1.2 13.8 0.9
5 28 9 78 24 1.4 | 64.5 9 101.9 1.7 14.7 2
5 29 11 54 16 0 | 77.6 10.5 106.3 2 16.8 2.8
5 30 15.5 39 9 0 | 85.4 13.1 111.5 3.5 20.3 5.8
5 31 18 36 5 0 | 88.5 16.3 117.1 4.4 24.2 7.9";

    /// Single-equation rows from cffdrs/cffdrs_r: day 1 of `tests/data/fwi_01.csv`
    /// (40 N), then latitude bands from `tests/data/DuffMoistureCode.csv` and
    /// `DroughtCode.csv` (lat.adjust = TRUE; their no-rain rows have
    /// prec = -10, written here as 0, which takes the same branch). cffdrs
    /// uses another FFMC coefficient, so only FFMC-free equations are compared.
    /// Columns: yesterday temp rh rain month lat | DMC.
    const DMC_ROWS: &str = "\
6 17 42 0 4 40 | 8.54505
121.8 18.6 55.61 0 1 -90 | 123.7047114
129.9 18.6 55.61 0 1 -17.1 | 131.5728335
210.9 18.6 55.61 55.61 1 -90 | 67.97064954
105.6 18.6 55.61 252.44 7 55.8 | 43.14510174";
    /// Columns: yesterday temp rain month lat | DC.
    const DC_ROWS: &str = "\
15 17 0 4 40 | 19.014
121.8 18.6 0 1 -90 | 128.852
129.9 18.6 0 1 -17.1 | 134.452
210.9 18.6 55.61 1 -90 | 90.78644326
219 18.6 55.61 1 -17.1 | 94.16423122";

    fn close(actual: f64, expected: f64, tol: f64, what: &str) {
        let ok = (actual - expected).abs() <= tol;
        assert!(ok, "{what}: got {actual}, reference {expected}");
    }

    /// Splits each `inputs | outputs` row of a reference table into numbers.
    fn rows(table: &str) -> Vec<(Vec<f64>, Vec<f64>)> {
        let numbers = |s: &str| s.split_whitespace().map(|v| v.parse().unwrap()).collect();
        let split = |l: &str| l.split_once('|').map(|(i, o)| (numbers(i), numbers(o)));
        table.lines().map(|l| split(l).unwrap()).collect()
    }

    fn weather(temp_c: f64, rh_pct: f64, wind_kmh: f64, rain_24h_mm: f64) -> NoonWeather {
        NoonWeather {
            temp_c,
            rh_pct,
            wind_kmh,
            rain_24h_mm,
        }
    }

    #[test]
    fn published_49_day_sequence_matches_within_rounding() {
        let mut codes = MoistureCodes::STARTUP;
        let rows = rows(NOR_X_424);
        assert_eq!(rows.len(), 49);
        for (w, expected) in rows {
            let day = fwi_day(codes, &weather(w[2], w[3], w[4], w[5]), w[0] as u32, 46.0).unwrap();
            let c = day.codes;
            let got = [c.ffmc, c.dmc, c.dc, day.isi, day.bui, day.fwi];
            let names = ["FFMC", "DMC", "DC", "ISI", "BUI", "FWI"];
            for ((name, g), e) in names.iter().zip(got).zip(expected) {
                close(g, e, 0.1, &format!("{}/{} {name}", w[0], w[1]));
            }
            assert_eq!(day.dsr, dsr(day.fwi));
            codes = c;
        }
    }

    #[test]
    fn single_equations_match_reference_values() {
        // NOR-X-424 output, day 1 (printed to 0.1).
        let f = ffmc(85.0, 17.0, 42.0, 25.0, 0.0);
        close(f, 87.7, 0.05, "ffmc 4/13");
        close(isi(f, 25.0), 10.9, 0.05, "isi 4/13");
        for (a, e) in rows(DMC_ROWS) {
            let got = dmc(a[0], a[1], a[2], a[3], a[4] as u32, a[5]).unwrap();
            close(got, e[0], 1e-3, &format!("dmc {a:?}"));
        }
        for (a, e) in rows(DC_ROWS) {
            let got = dc(a[0], a[1], a[2], a[3] as u32, a[4]).unwrap();
            close(got, e[0], 1e-3, &format!("dc {a:?}"));
        }
        // fwi_01.csv rows 4/13, 5/8 and 5/7.
        close(bui(8.54505, 19.014), 8.49043, 1e-4, "bui 4/13");
        close(bui(57.435, 108.769), 57.2409, 1e-3, "bui 5/8");
        close(fwi(10.7762, 8.49043), 10.0362, 1e-3, "fwi 4/13");
        close(dsr(52.3109), 29.9555, 1e-3, "dsr 5/7");
        // cffdrs tests/data/FireWeatherIndex.csv: BUI > 80 and B <= 1 branches.
        close(fwi(10.4, 218.7), 40.2603744, 1e-6, "fwi bui > 80");
        close(fwi(0.9, 0.0), 0.18, 1e-9, "fwi b <= 1");
        assert_eq!(bui(0.0, 0.0), 0.0);
    }

    /// Columns: temp rh wind rain ffmc dmc dc month lat | error message.
    const INVALID: &str = "\
20 120 10 0 85 6 15 6 45 | noon weather: rh_pct = 120 is out of range 0..=100
NaN 40 10 0 85 6 15 6 45 | noon weather: temp_c = NaN is out of range -60..=60
20 40 -1 0 85 6 15 6 45 | noon weather: wind_kmh = -1 is out of range 0.. (finite)
20 40 10 inf 85 6 15 6 45 | noon weather: rain_24h_mm = inf is out of range 0.. (finite)
20 40 10 0 101.5 6 15 6 45 | moisture codes: ffmc = 101.5 is out of range 0..=101
20 40 10 0 85 6 -3 6 45 | moisture codes: dc = -3 is out of range 0.. (finite)
20 40 10 0 85 6 15 0 45 | fwi_day: month = 0 is out of range 1..=12
20 40 10 0 85 6 15 13 45 | fwi_day: month = 13 is out of range 1..=12
20 40 10 0 85 6 15 6 NaN | fwi_day: lat_deg = NaN is out of range -90..=90
20 40 10 0 85 6 15 6 -91 | fwi_day: lat_deg = -91 is out of range -90..=90
20 40 10 0 85 6 15 6 -90 | accepted";

    #[test]
    fn invalid_inputs_are_rejected_with_field_and_value() {
        for line in INVALID.lines() {
            let (input, want) = line.split_once(" | ").unwrap();
            let v: Vec<f64> = input.split(' ').map(|x| x.parse().unwrap()).collect();
            let codes = MoistureCodes {
                ffmc: v[4],
                dmc: v[5],
                dc: v[6],
            };
            let got = match fwi_day(codes, &weather(v[0], v[1], v[2], v[3]), v[7] as u32, v[8]) {
                Ok(_) => "accepted".to_string(),
                Err(e) => e.to_string(),
            };
            assert_eq!(got, want);
        }
    }
}
