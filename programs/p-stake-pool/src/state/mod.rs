//! Zero-copy views of every account the program reads or writes. The pool's own accounts
//! (stake pool, validator list) are defined in the interface crate.

pub mod stake;
pub mod token;

pub use p_stake_pool_interface::state::{
    read_u64, stake_pool, ticket, validator_list, AccountType,
};
