//! Generates the Rust bindings of forest-patrol's MAVLink dialect
//! (`mavlink/forestpatrol.xml`, which includes ArduPilot's) with mavlink-bindgen, the generator
//! rust-mavlink uses for its own dialects.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let definitions = manifest_dir.join("mavlink");
    println!("cargo:rerun-if-changed={}", definitions.display());
    // The generated code has optional derives behind features this crate does not offer.
    println!("cargo::rustc-check-cfg=cfg(feature, values(\"serde\", \"arbitrary\", \"ts-rs\"))");
    let dialect = definitions.join("forestpatrol.xml");
    let generated = match mavlink_bindgen::generate(
        mavlink_bindgen::XmlDefinitions::Files(vec![&dialect]),
        &out_dir,
    ) {
        Ok(generated) => generated,
        Err(e) => {
            eprintln!(
                "cannot generate the MAVLink dialect from {}: {e}",
                dialect.display()
            );
            return ExitCode::FAILURE;
        }
    };
    for binding in &generated.bindings {
        println!("cargo:rerun-if-changed={}", binding.mavlink_xml.display());
    }
    // The generated `mod.rs` gates each dialect behind a `dialect-*` Cargo feature, as the
    // mavlink crate does; ours is always on, so it is declared plainly.
    let mod_rs = "#[allow(missing_debug_implementations, unexpected_cfgs, non_camel_case_types, \
        non_snake_case, unused_imports, clippy::all)]\npub mod forestpatrol;\n";
    if let Err(e) = std::fs::write(&generated.mod_rs, mod_rs) {
        eprintln!("cannot write {}: {e}", generated.mod_rs.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
