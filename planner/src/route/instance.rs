//! The plain instances of `patrol route solve`: nodes with a score, vehicles with a start, an
//! end and a budget, Euclidean distances. See `docs/route-instance.md`.
//!
//! ```json
//! {
//!   "nodes": [{"x": 10.0, "y": 20.0, "score": 3.0}, {"x": 40.0, "y": 5.0, "score": 1.5}],
//!   "vehicles": [{"start": {"x": 0, "y": 0}, "end": {"x": 0, "y": 0}, "budget": 100.0}]
//! }
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::metric::Point;
use super::problem::{Node, Vehicle};

/// A node of an instance file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceNode {
    /// x coordinate.
    pub x: f64,
    /// y coordinate.
    pub y: f64,
    /// What visiting it is worth (≥ 0).
    pub score: f64,
}

/// A vehicle of an instance file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceVehicle {
    /// Start depot.
    pub start: Point,
    /// End depot.
    pub end: Point,
    /// Largest route length (same units as the coordinates).
    pub budget: f64,
}

/// An instance file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// The nodes.
    pub nodes: Vec<InstanceNode>,
    /// The vehicles.
    pub vehicles: Vec<InstanceVehicle>,
}

/// Why an instance cannot be solved.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The JSON is malformed or has wrong fields (line and column in the message).
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A value is out of range.
    #[error("{}: {what}: {message}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// Which node or vehicle and field.
        what: String,
        /// What is wrong.
        message: String,
    },
}

impl Instance {
    /// Reads and checks an instance file.
    pub fn read(path: &Path) -> Result<Instance, InstanceError> {
        let text = std::fs::read_to_string(path).map_err(|source| InstanceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let instance: Instance =
            serde_json::from_str(&text).map_err(|source| InstanceError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        let bad = |what: String, message: &str| InstanceError::Value {
            path: path.to_path_buf(),
            what,
            message: message.to_string(),
        };
        for (i, n) in instance.nodes.iter().enumerate() {
            if !(n.x.is_finite() && n.y.is_finite()) {
                return Err(bad(format!("nodes[{i}]"), "x and y must be finite numbers"));
            }
            if !(n.score.is_finite() && n.score >= 0.0) {
                return Err(bad(
                    format!("nodes[{i}].score"),
                    "must be a finite number ≥ 0",
                ));
            }
        }
        if instance.vehicles.is_empty() {
            return Err(bad(
                "vehicles".to_string(),
                "at least one vehicle is needed",
            ));
        }
        for (i, v) in instance.vehicles.iter().enumerate() {
            if ![v.start.x, v.start.y, v.end.x, v.end.y]
                .iter()
                .all(|c| c.is_finite())
            {
                return Err(bad(
                    format!("vehicles[{i}]"),
                    "start and end must be finite points",
                ));
            }
            if !(v.budget.is_finite() && v.budget >= 0.0) {
                return Err(bad(
                    format!("vehicles[{i}].budget"),
                    "must be a finite number ≥ 0",
                ));
            }
        }
        Ok(instance)
    }

    /// The nodes as the search takes them.
    pub fn nodes(&self) -> Vec<Node> {
        self.nodes
            .iter()
            .map(|n| Node::point(n.x, n.y, n.score))
            .collect()
    }

    /// The vehicles as the search takes them.
    pub fn vehicles(&self) -> Vec<Vehicle> {
        self.vehicles
            .iter()
            .map(|v| Vehicle {
                start: v.start,
                end: v.end,
                budget: v.budget,
            })
            .collect()
    }
}
