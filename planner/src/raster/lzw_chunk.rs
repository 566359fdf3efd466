//! A second LZW path for TIFF chunks that the `tiff` crate refuses.
//!
//! `tiff` 0.11 fails on some LZW tiles that libtiff (GDAL) writes, with "no lzw end code
//! found" (image-rs/image-tiff#395, open at the time of writing): it asks the LZW decoder for
//! bytes past what the tile needs. libtiff itself stops reading once a chunk's bytes are
//! decoded, and so does this module: it decodes the chunk's raw bytes with `weezl` (the same
//! decoder, configured as TIFF requires: MSB first, 8-bit codes, early size switch), keeps the
//! bytes the chunk needs, undoes the predictor and converts the samples to `f32`.

use std::io::{Read, Seek, SeekFrom};

use tiff::decoder::{ChunkType, Decoder};
use tiff::tags::{ByteOrder, Tag};

/// Decodes chunk `index` to `f32` samples, `data_w` by `data_h` (padding dropped).
pub fn decode_lzw_chunk<R: Read + Seek>(
    decoder: &mut Decoder<R>,
    index: u32,
    data_w: u32,
    data_h: u32,
) -> Result<Vec<f32>, String> {
    let tiled = decoder.get_chunk_type() == ChunkType::Tile;
    let (offsets_tag, counts_tag) = if tiled {
        (Tag::TileOffsets, Tag::TileByteCounts)
    } else {
        (Tag::StripOffsets, Tag::StripByteCounts)
    };
    let offsets = decoder
        .get_tag_u64_vec(offsets_tag)
        .map_err(|e| e.to_string())?;
    let counts = decoder
        .get_tag_u64_vec(counts_tag)
        .map_err(|e| e.to_string())?;
    let (offset, count) = match (offsets.get(index as usize), counts.get(index as usize)) {
        (Some(&o), Some(&c)) => (o, c),
        _ => return Err(format!("chunk {index} has no offset or byte count")),
    };
    let bits = decoder
        .find_tag_unsigned_vec::<u16>(Tag::BitsPerSample)
        .map_err(|e| e.to_string())?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let format = decoder
        .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
        .map_err(|e| e.to_string())?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let predictor = decoder
        .find_tag_unsigned::<u16>(Tag::Predictor)
        .map_err(|e| e.to_string())?
        .unwrap_or(1);
    let byte_order = decoder.byte_order();
    // Rows in the stream are as wide as the chunk, padding included.
    let (row_w, rows) = if tiled {
        let (tw, _) = decoder.chunk_dimensions();
        (tw as usize, data_h as usize)
    } else {
        (data_w as usize, data_h as usize)
    };
    let bytes_per_sample = usize::from(bits / 8);
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(format!("{bits}-bit samples are not supported"));
    }
    let needed = row_w * rows * bytes_per_sample;

    let reader = decoder.inner();
    reader
        .seek(SeekFrom::Start(offset))
        .map_err(|e| e.to_string())?;
    let mut raw = vec![0u8; usize::try_from(count).map_err(|e| e.to_string())?];
    reader
        .read_exact(&mut raw)
        .map_err(|e| format!("chunk {index}: {e}"))?;
    let mut lzw =
        weezl::decode::Configuration::with_tiff_size_switch(weezl::BitOrder::Msb, 8).build();
    let mut out = Vec::with_capacity(needed);
    // The stream may end without an end code: keep what was decoded, as libtiff does.
    let _ = lzw.into_vec(&mut out).decode(&raw);
    if out.len() < needed {
        return Err(format!(
            "chunk {index}: LZW data holds {} of {needed} bytes",
            out.len()
        ));
    }
    out.truncate(needed);

    for row in out.chunks_exact_mut(row_w * bytes_per_sample) {
        match predictor {
            1 => {}
            2 => undo_horizontal(row, bytes_per_sample, byte_order),
            3 => undo_floating_point(row, bytes_per_sample, byte_order),
            p => return Err(format!("predictor {p} is not supported")),
        }
    }
    let mut samples = Vec::with_capacity(data_w as usize * rows);
    for row in out.chunks_exact(row_w * bytes_per_sample) {
        for s in row.chunks_exact(bytes_per_sample).take(data_w as usize) {
            samples.push(to_f32(s, format, byte_order).ok_or_else(|| {
                format!("sample format {format} with {bits} bits is not supported")
            })?);
        }
    }
    Ok(samples)
}

fn read_uint(b: &[u8], order: ByteOrder) -> u64 {
    let mut v = 0u64;
    match order {
        ByteOrder::BigEndian => b.iter().for_each(|&x| v = (v << 8) | u64::from(x)),
        ByteOrder::LittleEndian => b.iter().rev().for_each(|&x| v = (v << 8) | u64::from(x)),
    }
    v
}

fn write_uint(b: &mut [u8], mut v: u64, order: ByteOrder) {
    let n = b.len();
    for i in 0..n {
        let idx = match order {
            ByteOrder::LittleEndian => i,
            ByteOrder::BigEndian => n - 1 - i,
        };
        b[idx] = v as u8;
        v >>= 8;
    }
}

/// TIFF predictor 2: each sample stored as the difference from its left neighbour.
fn undo_horizontal(row: &mut [u8], bps: usize, order: ByteOrder) {
    let mask = if bps == 8 {
        u64::MAX
    } else {
        (1u64 << (bps * 8)) - 1
    };
    let mut prev = 0u64;
    for s in row.chunks_exact_mut(bps) {
        let v = read_uint(s, order).wrapping_add(prev) & mask;
        write_uint(s, v, order);
        prev = v;
    }
}

/// TIFF predictor 3 (Adobe floating point): bytes differenced along the row, and each
/// sample's bytes split into planes, most significant first.
fn undo_floating_point(row: &mut [u8], bps: usize, order: ByteOrder) {
    for i in 1..row.len() {
        row[i] = row[i].wrapping_add(row[i - 1]);
    }
    let w = row.len() / bps;
    let planes = row.to_vec();
    for i in 0..w {
        for b in 0..bps {
            // Plane b holds byte b counted from the most significant.
            let byte = planes[b * w + i];
            let idx = match order {
                ByteOrder::BigEndian => i * bps + b,
                ByteOrder::LittleEndian => i * bps + (bps - 1 - b),
            };
            row[idx] = byte;
        }
    }
}

fn to_f32(s: &[u8], format: u16, order: ByteOrder) -> Option<f32> {
    let u = read_uint(s, order);
    let bits = s.len() * 8;
    Some(match (format, bits) {
        (1, _) => u as f32,
        (2, 8) => f32::from(u as u8 as i8),
        (2, 16) => f32::from(u as u16 as i16),
        (2, 32) => u as u32 as i32 as f32,
        (2, 64) => u as i64 as f32,
        (3, 32) => f32::from_bits(u as u32),
        (3, 64) => f64::from_bits(u) as f32,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictors_round_trip() {
        // Horizontal differencing of little-endian i16 [5, 7, 4] is [5, 2, -3].
        let mut row: Vec<u8> = [5i16, 2, -3].iter().flat_map(|v| v.to_le_bytes()).collect();
        undo_horizontal(&mut row, 2, ByteOrder::LittleEndian);
        let back: Vec<i16> = row
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        assert_eq!(back, vec![5, 7, 4]);

        // Floating point predictor on [1.5, -2.25]: planes MSB-first, then byte differences.
        let values = [1.5f32, -2.25];
        let be: Vec<[u8; 4]> = values.iter().map(|v| v.to_be_bytes()).collect();
        let mut planes: Vec<u8> = (0..4).flat_map(|b| be.iter().map(move |x| x[b])).collect();
        for i in (1..planes.len()).rev() {
            planes[i] = planes[i].wrapping_sub(planes[i - 1]);
        }
        undo_floating_point(&mut planes, 4, ByteOrder::LittleEndian);
        let got: Vec<f32> = planes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(got, values);
    }
}
