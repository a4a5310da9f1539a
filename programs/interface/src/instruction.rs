//! Instruction tags and the data encoders callers need. Data is the SPL stake pool's Borsh
//! encoding: the one-byte tag, then little-endian fields.

/// Instruction tags (the first byte of instruction data).
pub mod tag {
    pub const INITIALIZE: u8 = 0;
    pub const ADD_VALIDATOR_TO_POOL: u8 = 1;
    pub const REMOVE_VALIDATOR_FROM_POOL: u8 = 2;
    pub const DECREASE_VALIDATOR_STAKE: u8 = 3;
    pub const INCREASE_VALIDATOR_STAKE: u8 = 4;
    pub const SET_PREFERRED_VALIDATOR: u8 = 5;
    pub const UPDATE_VALIDATOR_LIST_BALANCE: u8 = 6;
    pub const UPDATE_STAKE_POOL_BALANCE: u8 = 7;
    pub const CLEANUP_REMOVED_VALIDATOR_ENTRIES: u8 = 8;
    pub const DEPOSIT_STAKE: u8 = 9;
    pub const WITHDRAW_STAKE: u8 = 10;
    pub const SET_MANAGER: u8 = 11;
    pub const SET_FEE: u8 = 12;
    pub const SET_STAKER: u8 = 13;
    pub const DEPOSIT_SOL: u8 = 14;
    pub const SET_FUNDING_AUTHORITY: u8 = 15;
    pub const WITHDRAW_SOL: u8 = 16;
    pub const CREATE_TOKEN_METADATA: u8 = 17;
    pub const UPDATE_TOKEN_METADATA: u8 = 18;
    pub const INCREASE_ADDITIONAL_VALIDATOR_STAKE: u8 = 19;
    pub const DECREASE_ADDITIONAL_VALIDATOR_STAKE: u8 = 20;
    pub const DECREASE_VALIDATOR_STAKE_WITH_RESERVE: u8 = 21;
    pub const REDELEGATE: u8 = 22;
    pub const DEPOSIT_STAKE_WITH_SLIPPAGE: u8 = 23;
    pub const WITHDRAW_STAKE_WITH_SLIPPAGE: u8 = 24;
    pub const DEPOSIT_SOL_WITH_SLIPPAGE: u8 = 25;
    pub const WITHDRAW_SOL_WITH_SLIPPAGE: u8 = 26;
    /// p-stake-pool's additions, after the SPL range.
    pub const REQUEST_UNSTAKE: u8 = 27;
    pub const CLAIM_UNSTAKE: u8 = 28;
}

/// `tag`, then one u64.
#[inline(always)]
fn tag_u64(tag: u8, value: u64) -> [u8; 9] {
    let mut data = [0u8; 9];
    data[0] = tag;
    data[1..].copy_from_slice(&value.to_le_bytes());
    data
}

/// `tag`, then two u64s.
#[inline(always)]
fn tag_u64_u64(tag: u8, first: u64, second: u64) -> [u8; 17] {
    let mut data = [0u8; 17];
    data[0] = tag;
    data[1..9].copy_from_slice(&first.to_le_bytes());
    data[9..].copy_from_slice(&second.to_le_bytes());
    data
}

/// `DepositSol { lamports }`.
pub fn deposit_sol(lamports: u64) -> [u8; 9] {
    tag_u64(tag::DEPOSIT_SOL, lamports)
}

/// `DepositSolWithSlippage { lamports, minimum_pool_tokens_out }`.
pub fn deposit_sol_with_slippage(lamports: u64, minimum_pool_tokens_out: u64) -> [u8; 17] {
    tag_u64_u64(
        tag::DEPOSIT_SOL_WITH_SLIPPAGE,
        lamports,
        minimum_pool_tokens_out,
    )
}

/// `WithdrawSol { pool_tokens }`.
pub fn withdraw_sol(pool_tokens: u64) -> [u8; 9] {
    tag_u64(tag::WITHDRAW_SOL, pool_tokens)
}

/// `WithdrawSolWithSlippage { pool_tokens, minimum_lamports_out }`.
pub fn withdraw_sol_with_slippage(pool_tokens: u64, minimum_lamports_out: u64) -> [u8; 17] {
    tag_u64_u64(
        tag::WITHDRAW_SOL_WITH_SLIPPAGE,
        pool_tokens,
        minimum_lamports_out,
    )
}

/// `DepositStake`.
pub fn deposit_stake() -> [u8; 1] {
    [tag::DEPOSIT_STAKE]
}

/// `DepositStakeWithSlippage { minimum_pool_tokens_out }`.
pub fn deposit_stake_with_slippage(minimum_pool_tokens_out: u64) -> [u8; 9] {
    tag_u64(tag::DEPOSIT_STAKE_WITH_SLIPPAGE, minimum_pool_tokens_out)
}

/// `WithdrawStake { pool_tokens }`.
pub fn withdraw_stake(pool_tokens: u64) -> [u8; 9] {
    tag_u64(tag::WITHDRAW_STAKE, pool_tokens)
}

/// `WithdrawStakeWithSlippage { pool_tokens, minimum_lamports_out }`.
pub fn withdraw_stake_with_slippage(pool_tokens: u64, minimum_lamports_out: u64) -> [u8; 17] {
    tag_u64_u64(
        tag::WITHDRAW_STAKE_WITH_SLIPPAGE,
        pool_tokens,
        minimum_lamports_out,
    )
}

/// `RequestUnstake { pool_tokens, minimum_lamports_out }` (0 for no minimum).
pub fn request_unstake(pool_tokens: u64, minimum_lamports_out: u64) -> [u8; 17] {
    tag_u64_u64(tag::REQUEST_UNSTAKE, pool_tokens, minimum_lamports_out)
}

/// `ClaimUnstake`.
pub fn claim_unstake() -> [u8; 1] {
    [tag::CLAIM_UNSTAKE]
}
