//! Information measures over hard predictions, in bits.
//!
//! The central quantity is the paper's performance correlation
//! `mu_Y(F; L) = I(F; Y) - I(F; Y | L)`, the co-information of (F, L, Y) with the sign convention
//! where three copies of one fair bit give +1 and XOR gives -1.
//!
//! Everything here works on label slices or count tables over explicit alphabets; nothing depends
//! on torch. [`Table3`] counts, [`Measures`] turns counts into informations, [`curve`] does a whole
//! run at once, [`bootstrap_ci`] and [`permutation_null`] give every mu its uncertainty and
//! estimator floor, and [`input`] reads label files.

mod binary;
mod curve;
pub mod input;
mod measures;
mod table;
mod uncertainty;

pub use binary::{binary_cells, binary_cells_with, read_floor, BinaryKernel};
pub use curve::{curve, curve_tables};
pub use measures::{entropy_nats, entropy_of_law_nats, Entropies, Estimator, Measures, Unit};
pub use table::{infer_alphabet, to_symbols, Label, Table3, MAX_ALPHABET};
pub use uncertainty::{
    bootstrap, bootstrap_ci, measure_table, percentile_interval, permutation_null, quantile,
    resample_table, shuffle_y_table, BootstrapCi, Interval, MeasuredTable, NullSummary, Resampling,
};
