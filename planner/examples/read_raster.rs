//! Reads rasters and prints what forest-patrol sees: size, CRS, value range.
//!
//! `cargo run -p patrol-planner --example read_raster -- file.tif [more files]`
fn main() {
    for arg in std::env::args().skip(1) {
        match patrol_planner::raster::read_raster(std::path::Path::new(&arg), None) {
            Ok(r) => println!(
                "{arg}: {} x {} {} range {:?}",
                r.width,
                r.height,
                r.crs,
                r.value_range()
            ),
            Err(e) => println!("{arg}: error: {e}"),
        }
    }
}
