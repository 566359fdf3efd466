//! Errors of loading and validating a patrol area. Every variant names the file and, where
//! there is one, the line, feature or field, so the message alone tells a pilot what to fix.

use std::path::PathBuf;

use crate::raster::RasterError;
use crate::terrain::TerrainError;

/// Why a patrol area could not be loaded or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A TOML file does not parse or has wrong keys (the message carries line and column).
    #[error("{}: {source}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's error, with line, column and key.
        source: Box<toml::de::Error>,
    },
    /// A JSON or GeoJSON file does not parse.
    #[error("{}: line {line}, column {column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Line, from 1.
        line: usize,
        /// Column, from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A raster layer could not be read.
    #[error(transparent)]
    Raster(#[from] RasterError),
    /// The DEM cannot serve as terrain.
    #[error("{}: {source}", path.display())]
    Terrain {
        /// The DEM file.
        path: PathBuf,
        /// Why.
        source: TerrainError,
    },
    /// One feature of a GeoJSON layer is wrong.
    #[error("{}: feature {index}{}: {message}", path.display(), name.as_ref().map(|n| format!(" ('{n}')")).unwrap_or_default())]
    Feature {
        /// The layer file.
        path: PathBuf,
        /// Index of the feature in the collection, from 0.
        index: usize,
        /// The feature's `name` property, if any.
        name: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// One row of a CSV layer is wrong.
    #[error("{}: line {line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Line, from 1 (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A field has a value outside its range or refers to something that does not exist.
    #[error("{}: {context}: {field} = {value}: {message}", path.display())]
    Field {
        /// The file holding the field.
        path: PathBuf,
        /// Which record: `drone 'm1'`, `[cells]`, ...
        context: String,
        /// The field name as written in the file.
        field: String,
        /// The offending value as written.
        value: String,
        /// What the value should be.
        message: String,
    },
    /// Layers are each valid but contradict each other.
    #[error("{}: {message}", path.display())]
    Inconsistent {
        /// The file the pilot should fix.
        path: PathBuf,
        /// What contradicts what.
        message: String,
    },
}

impl AreaError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> AreaError {
        AreaError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn field(
        path: impl Into<PathBuf>,
        context: impl Into<String>,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> AreaError {
        AreaError::Field {
            path: path.into(),
            context: context.into(),
            field: field.into(),
            value: value.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn json(path: impl Into<PathBuf>, e: &serde_json::Error) -> AreaError {
        AreaError::Json {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            // serde_json appends " at line L column C"; we print those fields ourselves.
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }
}

/// Reads a TOML file into `T`, with file, line and key in the error.
pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<T, AreaError> {
    let text = std::fs::read_to_string(path).map_err(|e| AreaError::io(path, e))?;
    toml::from_str(&text).map_err(|e| AreaError::Toml {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}
