//! The pool's accounts, decoded by the interface crate's zero-copy views: one definition of
//! every layout for the program, this client and CPI callers.

pub use p_stake_pool_interface::state::{
    stake_pool::{load_pool, FutureFee, StakePoolHeader, StakePoolTail, STAKE_POOL_LEN},
    ticket::{UnstakeTicket, TICKET_LEN},
    validator_list::{
        StakeStatus, ValidatorList, ValidatorStakeInfo, ENTRY_LEN, HEADER_LEN,
        MAX_VALIDATORS_IN_POOL,
    },
    AccountType,
};

/// Size of a validator list account holding up to `max_validators` entries.
pub fn validator_list_len(max_validators: u32) -> usize {
    HEADER_LEN + ENTRY_LEN * max_validators as usize
}

/// Lamports one whole pool token (10^9 base units) is worth, rounded down; `None` for a pool
/// without supply or data that is not an initialized pool.
pub fn lamports_per_pool_token(pool_data: &[u8]) -> Option<u64> {
    let (pool, _) = load_pool(pool_data).ok()?;
    if pool.pool_token_supply() == 0 {
        return None;
    }
    p_stake_pool_interface::math::lamports_for_pool_tokens(
        1_000_000_000,
        pool.total_lamports(),
        pool.pool_token_supply(),
    )
}
