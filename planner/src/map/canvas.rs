//! A small RGB drawing surface for maps: alpha-blended fills, thick lines, markers and text in
//! DejaVu Sans (bundled, so that maps look the same on every machine).

use ab_glyph::{FontRef, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_line_segment_mut, draw_text_mut, text_size};

use crate::raster::rasterize::fill_polygon;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// An RGB image with drawing helpers.
#[derive(Debug)]
pub struct Canvas {
    /// The picture.
    pub image: RgbImage,
    font: FontRef<'static>,
    /// Every text drawn, in order: what the picture says, for tests and for a reader's check.
    pub texts: Vec<String>,
}

impl Canvas {
    /// A canvas of `width` by `height` pixels filled with `background`.
    pub fn new(width: u32, height: u32, background: [u8; 3]) -> Canvas {
        // The font is compiled in and known to parse; a failure here is a build defect.
        #[allow(clippy::expect_used)]
        let font = FontRef::try_from_slice(FONT_BYTES).expect("bundled DejaVuSans.ttf parses");
        Canvas {
            image: RgbImage::from_pixel(width, height, Rgb(background)),
            font,
            texts: Vec::new(),
        }
    }

    /// A canvas over an existing picture (a rendered screenshot to write a legend on).
    pub fn from_image(image: RgbImage) -> Canvas {
        let mut c = Canvas::new(1, 1, [0, 0, 0]);
        c.image = image;
        c
    }

    /// Blends `color` over pixel (x, y) with opacity `alpha` (0..1); outside pixels are ignored.
    pub fn blend(&mut self, x: i64, y: i64, color: [u8; 3], alpha: f32) {
        if x < 0
            || y < 0
            || x >= i64::from(self.image.width())
            || y >= i64::from(self.image.height())
        {
            return;
        }
        let p = self.image.get_pixel_mut(x as u32, y as u32);
        for k in 0..3 {
            p.0[k] =
                (f32::from(p.0[k]) * (1.0 - alpha) + f32::from(color[k]) * alpha).round() as u8;
        }
    }

    /// Fills an axis-aligned rectangle.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: [u8; 3], alpha: f32) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.blend(xx, yy, color, alpha);
            }
        }
    }

    /// Outlines an axis-aligned rectangle one pixel wide.
    pub fn stroke_rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: [u8; 3]) {
        self.polyline(
            &[
                (x as f64, y as f64),
                ((x + w) as f64, y as f64),
                ((x + w) as f64, (y + h) as f64),
                (x as f64, (y + h) as f64),
                (x as f64, y as f64),
            ],
            1.0,
            color,
        );
    }

    /// Fills a polygon (rings in pixel coordinates, holes respected) with opacity `alpha`.
    pub fn fill_polygon(&mut self, rings: &[Vec<(f64, f64)>], color: [u8; 3], alpha: f32) {
        let (w, h) = (self.image.width() as usize, self.image.height() as usize);
        let mut pixels = Vec::new();
        fill_polygon(rings, w, h, |c, r| pixels.push((c, r)));
        for (c, r) in pixels {
            self.blend(c as i64, r as i64, color, alpha);
        }
    }

    /// Draws a polyline `width_px` wide (pixel coordinates).
    pub fn polyline(&mut self, points: &[(f64, f64)], width_px: f64, color: [u8; 3]) {
        for seg in points.windows(2) {
            let (x0, y0) = seg[0];
            let (x1, y1) = seg[1];
            let len = (x1 - x0).hypot(y1 - y0);
            if !len.is_finite() {
                continue;
            }
            let (nx, ny) = if len > 0.0 {
                (-(y1 - y0) / len, (x1 - x0) / len)
            } else {
                (0.0, 0.0)
            };
            let strokes = (width_px * 2.0).ceil().max(1.0) as i32;
            for s in 0..strokes {
                let off = if strokes == 1 {
                    0.0
                } else {
                    (f64::from(s) / f64::from(strokes - 1) - 0.5) * (width_px - 1.0).max(0.0)
                };
                draw_line_segment_mut(
                    &mut self.image,
                    ((x0 + nx * off) as f32, (y0 + ny * off) as f32),
                    ((x1 + nx * off) as f32, (y1 + ny * off) as f32),
                    Rgb(color),
                );
            }
        }
    }

    /// A filled disc.
    pub fn disc(&mut self, x: f64, y: f64, radius_px: i32, color: [u8; 3]) {
        draw_filled_circle_mut(
            &mut self.image,
            (x.round() as i32, y.round() as i32),
            radius_px,
            Rgb(color),
        );
    }

    /// An upward triangle marker centred on (x, y), filled and outlined.
    pub fn triangle(&mut self, x: f64, y: f64, size_px: f64, fill: [u8; 3], outline: [u8; 3]) {
        let pts = vec![
            (x, y - size_px),
            (x + size_px * 0.9, y + size_px * 0.6),
            (x - size_px * 0.9, y + size_px * 0.6),
        ];
        self.fill_polygon(&[pts.clone()], fill, 1.0);
        let mut closed = pts;
        closed.push(closed[0]);
        self.polyline(&closed, 1.5, outline);
    }

    /// Text with its top-left corner at (x, y), `size_px` tall.
    pub fn text(&mut self, x: i64, y: i64, size_px: f32, color: [u8; 3], text: &str) {
        self.texts.push(text.to_string());
        self.draw_text(x, y, size_px, color, text);
    }

    fn draw_text(&mut self, x: i64, y: i64, size_px: f32, color: [u8; 3], text: &str) {
        draw_text_mut(
            &mut self.image,
            Rgb(color),
            x as i32,
            y as i32,
            PxScale::from(size_px),
            &self.font,
            text,
        );
    }

    /// Text with a one-pixel halo, readable over any background.
    pub fn text_halo(
        &mut self,
        x: i64,
        y: i64,
        size_px: f32,
        color: [u8; 3],
        halo: [u8; 3],
        text: &str,
    ) {
        for (dx, dy) in [
            (-1, 0),
            (1, 0),
            (0, -1),
            (0, 1),
            (-1, -1),
            (1, 1),
            (-1, 1),
            (1, -1),
        ] {
            self.draw_text(x + dx, y + dy, size_px, halo, text);
        }
        self.text(x, y, size_px, color, text);
    }

    /// Width and height of `text` at `size_px`, pixels.
    pub fn text_size(&self, size_px: f32, text: &str) -> (u32, u32) {
        text_size(PxScale::from(size_px), &self.font, text)
    }

    /// Writes the canvas as PNG.
    pub fn save_png(&self, path: &std::path::Path) -> Result<(), image::ImageError> {
        self.image.save_with_format(path, image::ImageFormat::Png)
    }
}
