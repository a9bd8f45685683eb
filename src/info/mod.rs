//! Information measures over hard predictions, in bits.
//!
//! The central quantity is the paper's performance correlation
//! `mu_Y(F; L) = I(F; Y) - I(F; Y | L)`, the co-information of (F, L, Y) with the sign convention
//! where three copies of one fair bit give +1 and XOR gives -1.
//!
//! Everything here works on label slices or count tables over explicit alphabets; nothing depends
//! on torch.

mod measures;
mod table;

pub use measures::{Estimator, Measures, Unit};
pub use table::{Label, Table3};
