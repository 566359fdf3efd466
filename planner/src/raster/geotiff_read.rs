//! GeoTIFF reading: one band of int8/16/32, uint8/16/32 or float32/64 samples, striped or
//! tiled, uncompressed, deflate or LZW (with or without predictor), georeferenced by the
//! GeoKey directory with either tie point and pixel scale or a model transformation.
//!
//! Chunks are decoded in parallel: each worker opens its own decoder on the file, because a
//! TIFF decoder owns its reader. On large DEMs this is what keeps us ahead of GDAL, which
//! decodes one block at a time.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use rayon::prelude::*;
use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

use super::{Crs, GeoTransform, Raster, RasterError};

// GeoTIFF 1.1 key ids (OGC 19-008r4, section 7).
const GT_MODEL_TYPE: u16 = 1024;
const GT_RASTER_TYPE: u16 = 1025;
const GEOGRAPHIC_TYPE: u16 = 2048;
const GEOG_GEODETIC_DATUM: u16 = 2050;
const PROJECTED_CS_TYPE: u16 = 3072;
const MODEL_TYPE_PROJECTED: u16 = 1;
const MODEL_TYPE_GEOGRAPHIC: u16 = 2;
const RASTER_PIXEL_IS_POINT: u16 = 2;
const USER_DEFINED: u16 = 32767;
const DATUM_WGS84: u16 = 6326;

/// Reads a single-band GeoTIFF into a [`Raster`]; GDAL's NoData tag becomes `NaN`.
pub fn read_geotiff(path: &Path) -> Result<Raster, RasterError> {
    let tiff_err = |source| RasterError::Tiff {
        path: path.to_path_buf(),
        source,
    };
    let mut decoder = open(path)?;
    let (width, height) = decoder.dimensions().map_err(tiff_err)?;
    match decoder.colortype().map_err(tiff_err)? {
        tiff::ColorType::Gray(_) => {}
        tiff::ColorType::Multiband { num_samples: 1, .. } => {}
        other => {
            return Err(RasterError::invalid(
                path,
                format!("expected one band of elevation or risk values, found {other:?}"),
            ));
        }
    }
    let (crs, transform) = georeference(&mut decoder, path)?;
    let nodata = nodata_value(&mut decoder, path)?;

    let chunk_count = match decoder.get_chunk_type() {
        ChunkType::Strip => decoder.strip_count().map_err(tiff_err)?,
        ChunkType::Tile => decoder.tile_count().map_err(tiff_err)?,
    };
    let chunk_type = decoder.get_chunk_type();
    let (chunk_w, chunk_h) = decoder.chunk_dimensions();
    drop(decoder);

    let width_px = width as usize;
    let height_px = height as usize;
    let mut data = vec![f32::NAN; width_px * height_px];
    let workers = rayon::current_num_threads().max(1) as u32;
    let per_worker = chunk_count.div_ceil(workers).max(1);
    let decoded: Vec<Vec<(u32, u32, u32, Vec<f32>)>> = (0..chunk_count.div_ceil(per_worker))
        .into_par_iter()
        .map(|w| -> Result<_, RasterError> {
            let mut dec = open(path)?;
            let first = w * per_worker;
            let last = ((w + 1) * per_worker).min(chunk_count);
            let mut out = Vec::with_capacity((last - first) as usize);
            let lzw = dec
                .find_tag_unsigned::<u16>(Tag::Compression)
                .ok()
                .flatten()
                == Some(5);
            for chunk in first..last {
                let (dw, dh) = dec.chunk_data_dimensions(chunk);
                let samples = match dec.read_chunk(chunk) {
                    Ok(result) => to_f32(result),
                    // See lzw_chunk: some libtiff LZW tiles trip the tiff crate.
                    Err(first_error) if lzw => super::lzw_chunk::decode_lzw_chunk(
                        &mut dec, chunk, dw, dh,
                    )
                    .map_err(|second| {
                        RasterError::invalid(
                            path,
                            format!("chunk {chunk} cannot be decoded: {first_error}; {second}"),
                        )
                    })?,
                    Err(e) => return Err(tiff_err(e)),
                };
                out.push((chunk, dw, dh, samples));
            }
            Ok(out)
        })
        .collect::<Result<_, _>>()?;

    let tiles_across = width.div_ceil(chunk_w.max(1));
    for (chunk, dw, dh, samples) in decoded.into_iter().flatten() {
        let (x0, y0) = match chunk_type {
            ChunkType::Strip => (0, chunk * chunk_h),
            ChunkType::Tile => (
                (chunk % tiles_across) * chunk_w,
                (chunk / tiles_across) * chunk_h,
            ),
        };
        let (dw, dh) = (dw as usize, dh as usize);
        if samples.len() < dw * dh {
            return Err(RasterError::invalid(
                path,
                format!(
                    "chunk {chunk} holds {} samples, expected {}",
                    samples.len(),
                    dw * dh
                ),
            ));
        }
        for row in 0..dh {
            let y = y0 as usize + row;
            if y >= height_px {
                break;
            }
            let x = x0 as usize;
            let n = dw.min(width_px.saturating_sub(x));
            data[y * width_px + x..y * width_px + x + n]
                .copy_from_slice(&samples[row * dw..row * dw + n]);
        }
    }
    if let Some(nd) = nodata {
        let nd32 = nd as f32;
        for v in &mut data {
            if *v == nd32 {
                *v = f32::NAN;
            }
        }
    }
    Ok(Raster {
        width: width_px,
        height: height_px,
        transform,
        crs,
        data,
    })
}

fn open(path: &Path) -> Result<Decoder<BufReader<File>>, RasterError> {
    let file = File::open(path).map_err(|e| RasterError::io(path, e))?;
    Decoder::new(BufReader::new(file))
        .map(|d| d.with_limits(Limits::unlimited()))
        .map_err(|source| RasterError::Tiff {
            path: path.to_path_buf(),
            source,
        })
}

fn to_f32(result: DecodingResult) -> Vec<f32> {
    match result {
        DecodingResult::U8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::U32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::U64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::F16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::F32(v) => v,
        DecodingResult::F64(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I8(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::I16(v) => v.into_iter().map(f32::from).collect(),
        DecodingResult::I32(v) => v.into_iter().map(|x| x as f32).collect(),
        DecodingResult::I64(v) => v.into_iter().map(|x| x as f32).collect(),
    }
}

fn nodata_value<R: std::io::Read + std::io::Seek>(
    decoder: &mut Decoder<R>,
    path: &Path,
) -> Result<Option<f64>, RasterError> {
    match decoder.find_tag(Tag::GdalNodata) {
        Ok(Some(value)) => {
            let text = value.into_string().map_err(|e| RasterError::Tiff {
                path: path.to_path_buf(),
                source: e,
            })?;
            let trimmed = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            if trimmed.eq_ignore_ascii_case("nan") {
                return Ok(None); // NaN samples are already NaN.
            }
            trimmed.parse::<f64>().map(Some).map_err(|_| {
                RasterError::invalid(path, format!("GDAL_NODATA tag '{trimmed}' is not a number"))
            })
        }
        Ok(None) => Ok(None),
        Err(source) => Err(RasterError::Tiff {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn f64_tag<R: std::io::Read + std::io::Seek>(
    decoder: &mut Decoder<R>,
    tag: Tag,
    path: &Path,
) -> Result<Option<Vec<f64>>, RasterError> {
    match decoder.find_tag(tag) {
        Ok(Some(v)) => v
            .into_f64_vec()
            .map(Some)
            .map_err(|source| RasterError::Tiff {
                path: path.to_path_buf(),
                source,
            }),
        Ok(None) => Ok(None),
        Err(source) => Err(RasterError::Tiff {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reads the CRS from the GeoKey directory and the transform from the model tags.
fn georeference<R: std::io::Read + std::io::Seek>(
    decoder: &mut Decoder<R>,
    path: &Path,
) -> Result<(Crs, GeoTransform), RasterError> {
    let keys = match decoder.find_tag(Tag::GeoKeyDirectoryTag) {
        Ok(Some(v)) => v.into_u16_vec().map_err(|source| RasterError::Tiff {
            path: path.to_path_buf(),
            source,
        })?,
        Ok(None) => {
            return Err(RasterError::invalid(
                path,
                "no GeoKeyDirectory tag: a plain TIFF, not a GeoTIFF (georeference it, e.g. with gdal_translate -a_srs -a_ullr)",
            ));
        }
        Err(source) => {
            return Err(RasterError::Tiff {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let key = |id: u16| -> Option<u16> {
        keys.get(4..)?
            .chunks_exact(4)
            .find(|k| k[0] == id && k[1] == 0)
            .map(|k| k[3])
    };
    let crs = match key(GT_MODEL_TYPE) {
        Some(MODEL_TYPE_GEOGRAPHIC) => match key(GEOGRAPHIC_TYPE) {
            Some(4326) => Crs::Wgs84,
            Some(USER_DEFINED) | None if key(GEOG_GEODETIC_DATUM) == Some(DATUM_WGS84) => Crs::Wgs84,
            Some(code) => {
                return Err(RasterError::invalid(
                    path,
                    format!(
                        "unsupported CRS: geographic EPSG:{code} (supported: EPSG:4326 and WGS 84 / UTM zones EPSG:32601-32660, 32701-32760); reproject with gdalwarp -t_srs EPSG:4326"
                    ),
                ));
            }
            None => {
                return Err(RasterError::invalid(
                    path,
                    "geographic GeoTIFF without GeographicTypeGeoKey: cannot tell its datum",
                ));
            }
        },
        Some(MODEL_TYPE_PROJECTED) => match key(PROJECTED_CS_TYPE) {
            Some(code) => Crs::from_epsg(u32::from(code)).ok_or_else(|| {
                RasterError::invalid(
                    path,
                    format!(
                        "unsupported CRS: projected EPSG:{code} (supported: EPSG:4326 and WGS 84 / UTM zones EPSG:32601-32660, 32701-32760); reproject with gdalwarp -t_srs"
                    ),
                )
            })?,
            None => {
                return Err(RasterError::invalid(
                    path,
                    "projected GeoTIFF without ProjectedCSTypeGeoKey: cannot tell its projection",
                ));
            }
        },
        other => {
            return Err(RasterError::invalid(
                path,
                format!("unsupported GTModelTypeGeoKey {other:?} (expected 1 projected or 2 geographic)"),
            ));
        }
    };
    let pixel_is_point = key(GT_RASTER_TYPE) == Some(RASTER_PIXEL_IS_POINT);

    let scale = f64_tag(decoder, Tag::ModelPixelScaleTag, path)?;
    let tiepoint = f64_tag(decoder, Tag::ModelTiepointTag, path)?;
    let matrix = f64_tag(decoder, Tag::ModelTransformationTag, path)?;
    let mut transform = match (scale, tiepoint, matrix) {
        (Some(s), Some(t), _) if s.len() >= 2 && t.len() >= 6 => GeoTransform {
            origin_x: t[3] - t[0] * s[0],
            origin_y: t[4] + t[1] * s[1],
            pixel_width: s[0],
            pixel_height: -s[1],
        },
        (_, _, Some(m)) if m.len() >= 8 => {
            if m[1] != 0.0 || m[4] != 0.0 {
                return Err(RasterError::invalid(
                    path,
                    "rotated ModelTransformation: only north-up rasters are supported (gdalwarp it first)",
                ));
            }
            GeoTransform {
                origin_x: m[3],
                origin_y: m[7],
                pixel_width: m[0],
                pixel_height: m[5],
            }
        }
        _ => {
            return Err(RasterError::invalid(
                path,
                "no georeference: neither ModelPixelScale with ModelTiepoint nor ModelTransformation",
            ));
        }
    };
    if !(transform.pixel_width > 0.0 && transform.pixel_height < 0.0)
        || !transform.origin_x.is_finite()
        || !transform.origin_y.is_finite()
    {
        return Err(RasterError::invalid(
            path,
            format!(
                "pixel size {} x {} is not a north-up raster",
                transform.pixel_width, transform.pixel_height
            ),
        ));
    }
    if pixel_is_point {
        // The tie point names a pixel centre: move it to the corner, as GDAL does.
        transform.origin_x -= transform.pixel_width / 2.0;
        transform.origin_y -= transform.pixel_height / 2.0;
    }
    Ok((crs, transform))
}
