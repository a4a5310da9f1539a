//! The p-stake-pool interface: one definition of every byte and every formula, shared by the
//! on-chain program, the off-chain client and programs that call the pool by CPI.
//!
//! - [`state`]: zero-copy views of the stake pool and validator list accounts (the SPL stake
//!   pool 2.2.0 layouts).
//! - [`instruction`]: tags and data encoders; [`pda`]: seeds; [`error`]: error codes.
//! - [`math`]: exchange rate and fees (u128 intermediates, checked, rounding in the pool's
//!   favour); [`quote`]: what a deposit or withdrawal will pay, from the pool account's bytes,
//!   exactly as the program computes it.
//! - With feature `cpi`: pinocchio CPI builders ([`cpi`]); with feature `instruction`:
//!   `solana_instruction::Instruction` builders ([`instructions`]).
//!
//! `no_std`, no allocator. Every deposit and withdrawal sets its return data to the amount it
//! paid out (pool tokens minted to the user, or lamports), as a little-endian u64
//! ([`quote::read_return_data`]).
#![no_std]

#[cfg(feature = "instruction")]
extern crate alloc;

#[cfg(feature = "cpi")]
pub mod cpi;
pub mod error;
pub mod ids;
pub mod instruction;
#[cfg(feature = "instruction")]
pub mod instructions;
pub mod math;
pub mod pda;
pub mod quote;
pub mod state;
