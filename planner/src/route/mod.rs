//! The routing core: a team orienteering search on abstract nodes, apart from geography.
//!
//! A [`problem::Problem`] has nodes with a score (and optionally an entry, an exit and a
//! service cost, for lawn-mower sweeps), vehicles with a start, an end and a budget, and a
//! [`metric::Metric`] giving the cost between two points in budget units (possibly
//! asymmetric: wind). [`search::solve`] picks for every vehicle a route within its budget
//! that together maximise the score: greedy construction ([`construct`]), local search
//! ([`local_search`]: 2-opt, or-opt, relocate and exchange between routes, replacing a visited
//! node by a better unvisited one), then ruin-and-recreate perturbation ([`search`]), with one
//! independent search per core. The same seed gives the same routes.
//!
//! [`instance`] reads the plain JSON instances of `patrol route solve`.

pub mod construct;
pub mod instance;
pub mod local_search;
pub mod metric;
pub mod problem;
pub mod rng;
pub mod search;
