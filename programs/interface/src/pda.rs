//! Seeds of the pool's program-derived addresses. Derivation itself is left to the caller's
//! environment (`find_program_address` off-chain, a stored bump on-chain).

/// Withdraw authority `[stake_pool, "withdraw"]`: owns the reserve and every pool stake
/// account, mints pool tokens. Its bump is stored in the pool (`stake_withdraw_bump_seed`).
pub const AUTHORITY_WITHDRAW: &[u8] = b"withdraw";
/// Default (permissionless) stake deposit authority `[stake_pool, "deposit"]`.
pub const AUTHORITY_DEPOSIT: &[u8] = b"deposit";
/// Transient stake `["transient", vote, stake_pool, u64 LE seed]`.
pub const TRANSIENT_STAKE: &[u8] = b"transient";
/// Ephemeral stake `["ephemeral", stake_pool, u64 LE seed]`.
pub const EPHEMERAL_STAKE: &[u8] = b"ephemeral";
/// Delayed-unstake ticket `["ticket", stake_pool, ticket's stake account]`.
pub const UNSTAKE_TICKET: &[u8] = b"ticket";
// Validator stake accounts are `[vote, stake_pool]`, plus the u32 LE validator seed when it
// is not zero: no constant seed.
