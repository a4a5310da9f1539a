//! Cross-program invocations, one builder per instruction the pool sends.
//!
//! Program ids are checked by the calling instruction before any of these run: a CPI to an
//! unchecked id would let the caller substitute its own program.

pub mod metadata;
pub mod stake;
pub mod system;
pub mod token;
