//! GeoTIFF writing: float32 or uint8 single-band rasters, deflate-compressed, georeferenced
//! with a tie point, pixel scale and GeoKeys that GDAL reads back as the same CRS.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use tiff::encoder::colortype::{Gray8, Gray32Float};
use tiff::encoder::{Compression, DeflateLevel, TiffEncoder};
use tiff::tags::Tag;

use super::{Crs, Raster, RasterError};

/// The sample type written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleType {
    /// 32-bit float; `NaN` stays NaN and NoData is declared as `nan`.
    Float32,
    /// Unsigned byte, for class rasters; `NaN` is written as 0, declared as NoData.
    UInt8,
}

/// Writes `raster` as a GeoTIFF at `path`.
pub fn write_geotiff(path: &Path, raster: &Raster, sample: SampleType) -> Result<(), RasterError> {
    let tiff_err = |source| RasterError::Tiff {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(|e| RasterError::io(path, e))?;
    let mut encoder = TiffEncoder::new(BufWriter::new(file))
        .map_err(tiff_err)?
        .with_compression(Compression::Deflate(DeflateLevel::Balanced));
    let (w, h) = (raster.width as u32, raster.height as u32);
    let t = raster.transform;
    let scale = [t.pixel_width, -t.pixel_height, 0.0];
    let tiepoint = [0.0, 0.0, 0.0, t.origin_x, t.origin_y, 0.0];
    let keys = geokeys(raster.crs);

    match sample {
        SampleType::Float32 => {
            let mut image = encoder.new_image::<Gray32Float>(w, h).map_err(tiff_err)?;
            write_geo_tags(image.encoder(), &scale, &tiepoint, &keys, "nan").map_err(tiff_err)?;
            image.write_data(&raster.data).map_err(tiff_err)?;
        }
        SampleType::UInt8 => {
            let bytes: Vec<u8> = raster
                .data
                .iter()
                .map(|v| {
                    if v.is_nan() {
                        0
                    } else {
                        v.round().clamp(0.0, 255.0) as u8
                    }
                })
                .collect();
            let mut image = encoder.new_image::<Gray8>(w, h).map_err(tiff_err)?;
            write_geo_tags(image.encoder(), &scale, &tiepoint, &keys, "0").map_err(tiff_err)?;
            image.write_data(&bytes).map_err(tiff_err)?;
        }
    }
    Ok(())
}

fn write_geo_tags<W: std::io::Write + std::io::Seek, K: tiff::encoder::TiffKind>(
    dir: &mut tiff::encoder::DirectoryEncoder<'_, W, K>,
    scale: &[f64],
    tiepoint: &[f64],
    keys: &[u16],
    nodata: &str,
) -> tiff::TiffResult<()> {
    dir.write_tag(Tag::ModelPixelScaleTag, scale)?;
    dir.write_tag(Tag::ModelTiepointTag, tiepoint)?;
    dir.write_tag(Tag::GeoKeyDirectoryTag, keys)?;
    dir.write_tag(Tag::GdalNodata, nodata)?;
    Ok(())
}

/// The GeoKey directory (GeoTIFF 1.0 header, then key entries sorted by id).
fn geokeys(crs: Crs) -> Vec<u16> {
    let mut entries: Vec<[u16; 4]> = vec![[1025, 0, 1, 1]]; // PixelIsArea
    match crs {
        Crs::Wgs84 => {
            entries.push([1024, 0, 1, 2]); // geographic
            entries.push([2048, 0, 1, 4326]);
            entries.push([2054, 0, 1, 9102]); // angular unit: degree
        }
        Crs::Utm(zone) => {
            entries.push([1024, 0, 1, 1]); // projected
            entries.push([3072, 0, 1, zone.epsg() as u16]);
            entries.push([3076, 0, 1, 9001]); // linear unit: metre
        }
    }
    entries.sort_by_key(|e| e[0]);
    let mut keys = vec![1, 1, 0, entries.len() as u16];
    keys.extend(entries.into_iter().flatten());
    keys
}
