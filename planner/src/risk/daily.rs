//! `patrol area risk`: the day's risk map of an area from the model, written as GeoTIFFs
//! beside the area, with the Fire Weather Index state carried to tomorrow.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::class::DangerClass;
use super::fwi::FwiDay;
use super::model::{ModelInputs, compute_risk};
use super::weather::{WeatherConfig, weather_day};
use crate::area::Area;
use crate::area::error::AreaError;
use crate::raster::geotiff_write::{SampleType, write_geotiff};

/// What `patrol area risk` produced.
#[derive(Debug, Clone, Serialize)]
pub struct RiskReport {
    /// The risk index GeoTIFF (float32, 0..1).
    pub risk_tif: PathBuf,
    /// The danger class GeoTIFF (uint8, 1..5, 0 = no data).
    pub classes_tif: PathBuf,
    /// The day's FWI, when weather was given.
    pub fwi: Option<FwiDay>,
    /// The date of the weather, when given.
    pub date: Option<String>,
    /// Notes about the FWI start codes.
    pub notes: Vec<String>,
    /// DEM pixels per danger class, low to extreme.
    pub pixels_per_class: [usize; 5],
    /// The mean risk index over the area.
    pub mean_risk: f64,
}

/// Computes the risk of the area in `dir` for the weather given (or area.toml's
/// `[weather]`), writes `risk.tif` and `danger-classes.tif` into `out_dir` (default
/// `<dir>/risk`) and advances the FWI state file.
pub fn compute_area_risk(
    dir: &Path,
    weather: Option<WeatherConfig>,
    out_dir: Option<&Path>,
) -> Result<RiskReport, AreaError> {
    let area = Area::load_with(dir, false)?;
    let weather = weather.or_else(|| area.manifest.weather.clone());
    let mut notes = Vec::new();
    let (fwi, state_write) = match &weather {
        Some(w) => {
            w.validate(&dir.join("area.toml"))?;
            let state_path = dir.join(&w.state_file);
            let lat = area.terrain.extent().center().lat_deg;
            let day = weather_day(w, &state_path, lat)?;
            notes.extend(day.note.clone());
            (Some(day.fwi), Some((state_path, day.state)))
        }
        None => {
            notes.push(
                "no [weather]: the map shows static susceptibility (weather factor 1)".to_string(),
            );
            (None, None)
        }
    };
    let raster = compute_risk(
        &area.terrain,
        ModelInputs {
            config: &area.manifest.risk_model,
            access: &area.access,
            forest: area.forest.as_ref(),
            fwi: fwi.map(|f| f.fwi),
        },
    );
    let out = out_dir.map_or_else(|| dir.join("risk"), Path::to_path_buf);
    std::fs::create_dir_all(&out).map_err(|e| AreaError::io(&out, e))?;
    let risk_tif = out.join("risk.tif");
    let classes_tif = out.join("danger-classes.tif");
    write_geotiff(&risk_tif, &raster, SampleType::Float32)?;
    let mut pixels_per_class = [0usize; 5];
    let mut sum = 0.0;
    let mut n = 0usize;
    let classes = crate::raster::Raster {
        data: raster
            .data
            .iter()
            .map(|&v| {
                if v.is_nan() {
                    return f32::NAN;
                }
                let c = DangerClass::from_risk(f64::from(v));
                pixels_per_class[usize::from(c.level() - 1)] += 1;
                sum += f64::from(v);
                n += 1;
                f32::from(c.level())
            })
            .collect(),
        ..raster.clone()
    };
    write_geotiff(&classes_tif, &classes, SampleType::UInt8)?;
    // The state is written last: a failed run must not advance tomorrow's codes.
    if let Some((path, state)) = state_write {
        let text = serde_json::to_string_pretty(&state).map_err(|e| AreaError::json(&path, &e))?;
        std::fs::write(&path, text + "\n").map_err(|e| AreaError::io(&path, e))?;
    }
    Ok(RiskReport {
        risk_tif,
        classes_tif,
        fwi,
        date: weather.map(|w| w.date),
        notes,
        pixels_per_class,
        mean_risk: if n > 0 { sum / n as f64 } else { 0.0 },
    })
}
