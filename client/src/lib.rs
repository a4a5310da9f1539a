//! Off-chain helpers for p-stake-pool: PDA derivation, instruction builders and account
//! decoders. Every builder produces exactly the instruction the SPL stake pool client would
//! (same tag, data and account metas), so either client drives either program.

use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

pub mod error;
pub mod staker;
pub mod state;

pub use staker::{
    add_validator_to_pool, create_token_metadata, decrease_validator_stake_with_reserve,
    find_token_metadata, find_transient_stake, find_validator_stake, increase_validator_stake,
    remove_validator_from_pool, set_preferred_validator, update_token_metadata,
    PreferredValidatorType, ValidatorSeeds,
};

/// SPL Token program.
pub const TOKEN_PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/// Stake program.
pub const STAKE_PROGRAM_ID: Pubkey =
    Pubkey::from_str_const("Stake11111111111111111111111111111111111111");
/// System program.
pub const SYSTEM_PROGRAM_ID: Pubkey = Pubkey::from_str_const("11111111111111111111111111111111");
/// Clock sysvar.
pub const CLOCK_SYSVAR_ID: Pubkey =
    Pubkey::from_str_const("SysvarC1ock11111111111111111111111111111111");
/// Stake history sysvar.
pub const STAKE_HISTORY_SYSVAR_ID: Pubkey =
    Pubkey::from_str_const("SysvarStakeHistory1111111111111111111111111");

/// The pool's withdraw authority `[pool, "withdraw"]` and its bump.
pub fn find_withdraw_authority(program_id: &Pubkey, stake_pool: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[stake_pool.as_ref(), b"withdraw"], program_id)
}

/// The pool's default stake deposit authority `[pool, "deposit"]` and its bump.
pub fn find_deposit_authority(program_id: &Pubkey, stake_pool: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[stake_pool.as_ref(), b"deposit"], program_id)
}

pub(crate) use p_stake_pool_interface::instruction::tag;
use p_stake_pool_interface::instructions;
pub use p_stake_pool_interface::{
    error::StakePoolError,
    instructions::PoolKeys,
    math::{minimum_delegation, Fee, MINIMUM_ACTIVE_STAKE},
    quote,
};

/// Borsh encoding of a fee: denominator, then numerator.
fn encode_fee(fee: &Fee, out: &mut Vec<u8>) {
    out.extend_from_slice(&fee.denominator.to_le_bytes());
    out.extend_from_slice(&fee.numerator.to_le_bytes());
}

/// Which fee `SetFee` changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeType {
    SolReferral(u8),
    StakeReferral(u8),
    Epoch(Fee),
    StakeWithdrawal(Fee),
    SolDeposit(Fee),
    StakeDeposit(Fee),
    SolWithdrawal(Fee),
}

/// Which authority `SetFundingAuthority` changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FundingType {
    StakeDeposit = 0,
    SolDeposit = 1,
    SolWithdraw = 2,
}

/// The pool-wide accounts most instructions need.
#[derive(Clone, Debug)]
pub struct PoolAccounts {
    pub program_id: Pubkey,
    pub stake_pool: Pubkey,
    pub validator_list: Pubkey,
    pub reserve_stake: Pubkey,
    pub pool_mint: Pubkey,
    pub manager_fee_account: Pubkey,
    pub token_program_id: Pubkey,
}

impl PoolAccounts {
    pub fn withdraw_authority(&self) -> Pubkey {
        find_withdraw_authority(&self.program_id, &self.stake_pool).0
    }

    /// The interface's pool keys (for its instruction builders).
    pub fn keys(&self) -> PoolKeys {
        PoolKeys {
            program_id: self.program_id,
            stake_pool: self.stake_pool,
            withdraw_authority: self.withdraw_authority(),
            validator_list: self.validator_list,
            reserve_stake: self.reserve_stake,
            pool_mint: self.pool_mint,
            manager_fee_account: self.manager_fee_account,
            token_program: self.token_program_id,
        }
    }
}

/// `Initialize`.
#[allow(clippy::too_many_arguments)]
pub fn initialize(
    pool: &PoolAccounts,
    manager: &Pubkey,
    staker: &Pubkey,
    deposit_authority: Option<Pubkey>,
    epoch_fee: Fee,
    withdrawal_fee: Fee,
    deposit_fee: Fee,
    referral_fee: u8,
    max_validators: u32,
) -> Instruction {
    let mut data = vec![tag::INITIALIZE];
    encode_fee(&epoch_fee, &mut data);
    encode_fee(&withdrawal_fee, &mut data);
    encode_fee(&deposit_fee, &mut data);
    data.push(referral_fee);
    data.extend_from_slice(&max_validators.to_le_bytes());
    let mut accounts = vec![
        AccountMeta::new(pool.stake_pool, false),
        AccountMeta::new_readonly(*manager, true),
        AccountMeta::new_readonly(*staker, false),
        AccountMeta::new_readonly(pool.withdraw_authority(), false),
        AccountMeta::new(pool.validator_list, false),
        AccountMeta::new_readonly(pool.reserve_stake, false),
        AccountMeta::new(pool.pool_mint, false),
        AccountMeta::new(pool.manager_fee_account, false),
        AccountMeta::new_readonly(pool.token_program_id, false),
    ];
    if let Some(authority) = deposit_authority {
        accounts.push(AccountMeta::new_readonly(authority, true));
    }
    Instruction {
        program_id: pool.program_id,
        accounts,
        data,
    }
}

/// `DepositSol` / `DepositSolWithSlippage` (when `minimum_pool_tokens_out` is set).
pub fn deposit_sol(
    pool: &PoolAccounts,
    funding_account: &Pubkey,
    destination: &Pubkey,
    referrer: &Pubkey,
    lamports: u64,
    minimum_pool_tokens_out: Option<u64>,
    sol_deposit_authority: Option<Pubkey>,
) -> Instruction {
    instructions::deposit_sol(
        &pool.keys(),
        funding_account,
        destination,
        referrer,
        sol_deposit_authority.as_ref(),
        lamports,
        minimum_pool_tokens_out,
    )
}

/// `WithdrawSol` / `WithdrawSolWithSlippage` (when `minimum_lamports_out` is set).
pub fn withdraw_sol(
    pool: &PoolAccounts,
    user_transfer_authority: &Pubkey,
    burn_from: &Pubkey,
    destination: &Pubkey,
    pool_tokens: u64,
    minimum_lamports_out: Option<u64>,
    sol_withdraw_authority: Option<Pubkey>,
) -> Instruction {
    instructions::withdraw_sol(
        &pool.keys(),
        user_transfer_authority,
        burn_from,
        destination,
        sol_withdraw_authority.as_ref(),
        pool_tokens,
        minimum_lamports_out,
    )
}

/// A stake deposit: the stake account's staker and withdrawer move from `withdrawer` (who
/// signs) to the pool's stake deposit authority, then `DepositStake` (or
/// `DepositStakeWithSlippage`) merges it into `validator_stake`. `custom_deposit_authority`
/// is the pool's own deposit authority when it has one (it signs too); otherwise the
/// program's `[pool, "deposit"]` address.
#[allow(clippy::too_many_arguments)]
pub fn deposit_stake(
    pool: &PoolAccounts,
    custom_deposit_authority: Option<&Pubkey>,
    deposit_stake: &Pubkey,
    withdrawer: &Pubkey,
    validator_stake: &Pubkey,
    destination: &Pubkey,
    referrer: &Pubkey,
    minimum_pool_tokens_out: Option<u64>,
) -> Vec<Instruction> {
    use solana_stake_interface::{instruction::authorize, state::StakeAuthorize};
    let default_authority = find_deposit_authority(&pool.program_id, &pool.stake_pool).0;
    let authority = custom_deposit_authority.unwrap_or(&default_authority);
    vec![
        authorize(
            deposit_stake,
            withdrawer,
            authority,
            StakeAuthorize::Staker,
            None,
        ),
        authorize(
            deposit_stake,
            withdrawer,
            authority,
            StakeAuthorize::Withdrawer,
            None,
        ),
        instructions::deposit_stake(
            &pool.keys(),
            authority,
            custom_deposit_authority.is_some(),
            deposit_stake,
            validator_stake,
            destination,
            referrer,
            minimum_pool_tokens_out,
        ),
    ]
}

/// `WithdrawStake` / `WithdrawStakeWithSlippage`: the tokens' worth split from `split_from`
/// (a validator's stake, a transient stake, or the reserve) into `split_to`, an uninitialized
/// rent-exempt stake account, whose authorities become `new_authority`.
#[allow(clippy::too_many_arguments)]
pub fn withdraw_stake(
    pool: &PoolAccounts,
    split_from: &Pubkey,
    split_to: &Pubkey,
    new_authority: &Pubkey,
    user_transfer_authority: &Pubkey,
    burn_from: &Pubkey,
    pool_tokens: u64,
    minimum_lamports_out: Option<u64>,
) -> Instruction {
    instructions::withdraw_stake(
        &pool.keys(),
        split_from,
        split_to,
        new_authority,
        user_transfer_authority,
        burn_from,
        pool_tokens,
        minimum_lamports_out,
    )
}

/// The delayed-unstake ticket of `stake_account` in `stake_pool`:
/// `["ticket", stake_pool, stake_account]`.
pub fn find_ticket(
    program_id: &Pubkey,
    stake_pool: &Pubkey,
    stake_account: &Pubkey,
) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            p_stake_pool_interface::pda::UNSTAKE_TICKET,
            stake_pool.as_ref(),
            stake_account.as_ref(),
        ],
        program_id,
    )
}

/// `RequestUnstake`: burns `pool_tokens` from `burn_from` and splits their worth from
/// `split_from` (chosen as for `WithdrawStake`) into `ticket_stake`, an uninitialized stake
/// account (allocated, rent-exempt, signing: a new keypair) the pool keeps until the claim;
/// the ticket records what `owner` is owed. `rent_payer` signs and funds the ticket.
#[allow(clippy::too_many_arguments)]
pub fn request_unstake(
    pool: &PoolAccounts,
    split_from: &Pubkey,
    ticket_stake: &Pubkey,
    owner: &Pubkey,
    user_transfer_authority: &Pubkey,
    burn_from: &Pubkey,
    rent_payer: &Pubkey,
    pool_tokens: u64,
    minimum_lamports_out: u64,
) -> Instruction {
    let (ticket, _) = find_ticket(&pool.program_id, &pool.stake_pool, ticket_stake);
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(*split_from, false),
            AccountMeta::new(*ticket_stake, true),
            AccountMeta::new_readonly(*owner, false),
            AccountMeta::new_readonly(*user_transfer_authority, true),
            AccountMeta::new(*burn_from, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint, false),
            AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
            AccountMeta::new_readonly(pool.token_program_id, false),
            AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
            AccountMeta::new(ticket, false),
            AccountMeta::new(*rent_payer, true),
            AccountMeta::new_readonly(SYSTEM_PROGRAM_ID, false),
        ],
        data: p_stake_pool_interface::instruction::request_unstake(
            pool_tokens,
            minimum_lamports_out,
        )
        .to_vec(),
    }
}

/// `ClaimUnstake` of the ticket holding `ticket_stake`: the owed lamports go to `destination`
/// (the ticket's owner, or any account when `owner_signs` names the signing owner); rents go
/// back to `rent_payer`. Anyone may send it.
pub fn claim_unstake(
    pool: &PoolAccounts,
    ticket_stake: &Pubkey,
    destination: &Pubkey,
    rent_payer: &Pubkey,
    owner_signs: Option<&Pubkey>,
) -> Instruction {
    let (ticket, _) = find_ticket(&pool.program_id, &pool.stake_pool, ticket_stake);
    let mut accounts = vec![
        AccountMeta::new(ticket, false),
        AccountMeta::new(*ticket_stake, false),
        AccountMeta::new_readonly(pool.stake_pool, false),
        AccountMeta::new_readonly(pool.withdraw_authority(), false),
        AccountMeta::new(pool.reserve_stake, false),
        AccountMeta::new(*destination, false),
        AccountMeta::new(*rent_payer, false),
        AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
        AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR_ID, false),
        AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
    ];
    if let Some(owner) = owner_signs {
        accounts.push(AccountMeta::new_readonly(*owner, true));
    }
    Instruction {
        program_id: pool.program_id,
        accounts,
        data: p_stake_pool_interface::instruction::claim_unstake().to_vec(),
    }
}

/// `getProgramAccounts` memcmp filters, as (offset, bytes), that select every ticket of
/// `stake_pool`; decode each match with `state::UnstakeTicket::load`.
pub fn pool_ticket_filters(stake_pool: &Pubkey) -> [(usize, Vec<u8>); 2] {
    use p_stake_pool_interface::state::ticket::{TICKET_ACCOUNT_TYPE, TICKET_STAKE_POOL_OFFSET};
    [
        (0, vec![TICKET_ACCOUNT_TYPE]),
        (TICKET_STAKE_POOL_OFFSET, stake_pool.as_ref().to_vec()),
    ]
}

/// `getProgramAccounts` memcmp filters, as (offset, bytes), that select `owner`'s tickets in
/// `stake_pool`; decode each match with `state::UnstakeTicket::load`.
pub fn ticket_filters(stake_pool: &Pubkey, owner: &Pubkey) -> [(usize, Vec<u8>); 3] {
    use p_stake_pool_interface::state::ticket::TICKET_OWNER_OFFSET;
    let [kind, pool] = pool_ticket_filters(stake_pool);
    [kind, pool, (TICKET_OWNER_OFFSET, owner.as_ref().to_vec())]
}

/// A ticket that `ClaimUnstake` may pay now: its stake account, owner, rent payer and what it
/// owes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueTicket {
    pub ticket: Pubkey,
    pub stake_account: Pubkey,
    pub owner: Pubkey,
    pub rent_payer: Pubkey,
    pub lamports_owed: u64,
}

impl DueTicket {
    /// `ClaimUnstake` paying the owner (no signature needed: anyone may send it).
    pub fn claim(&self, pool: &PoolAccounts) -> Instruction {
        claim_unstake(
            pool,
            &self.stake_account,
            &self.owner,
            &self.rent_payer,
            None,
        )
    }
}

/// The tickets among `accounts` (address, data) — e.g. the answer to `pool_ticket_filters` —
/// of `stake_pool` that are claimable at `epoch`, oldest first. (A ticket split from a
/// validator also needs its stake to have finished cooling down, which the stake program
/// decides when the claim withdraws: under a cluster-wide cooldown limit it can take longer
/// than the epoch the ticket records.)
pub fn due_tickets(
    accounts: &[(Pubkey, Vec<u8>)],
    stake_pool: &Pubkey,
    epoch: u64,
) -> Vec<DueTicket> {
    let mut due: Vec<(u64, DueTicket)> = accounts
        .iter()
        .filter_map(|(address, data)| {
            let ticket = state::UnstakeTicket::load(data).ok()?;
            (ticket.stake_pool == *stake_pool && ticket.claimable_epoch() <= epoch).then(|| {
                (
                    ticket.claimable_epoch(),
                    DueTicket {
                        ticket: *address,
                        stake_account: ticket.stake_account,
                        owner: ticket.owner,
                        rent_payer: ticket.rent_payer,
                        lamports_owed: ticket.lamports_owed(),
                    },
                )
            })
        })
        .collect();
    due.sort_by_key(|(claimable, ticket)| (*claimable, ticket.ticket));
    due.into_iter().map(|(_, ticket)| ticket).collect()
}

/// The tickets among `accounts` (address, data) — e.g. a `getProgramAccounts` answer — that
/// belong to `owner` in `stake_pool`, with what each owes and from which epoch.
pub fn tickets_of(
    accounts: &[(Pubkey, Vec<u8>)],
    stake_pool: &Pubkey,
    owner: &Pubkey,
) -> Vec<(Pubkey, u64, u64)> {
    accounts
        .iter()
        .filter_map(|(address, data)| {
            let ticket = state::UnstakeTicket::load(data).ok()?;
            (ticket.stake_pool == *stake_pool && ticket.owner == *owner)
                .then(|| (*address, ticket.lamports_owed(), ticket.claimable_epoch()))
        })
        .collect()
}

/// `SetManager`.
pub fn set_manager(
    program_id: &Pubkey,
    stake_pool: &Pubkey,
    manager: &Pubkey,
    new_manager: &Pubkey,
    new_fee_account: &Pubkey,
) -> Instruction {
    Instruction {
        program_id: *program_id,
        accounts: vec![
            AccountMeta::new(*stake_pool, false),
            AccountMeta::new_readonly(*manager, true),
            AccountMeta::new_readonly(*new_manager, true),
            AccountMeta::new_readonly(*new_fee_account, false),
        ],
        data: vec![tag::SET_MANAGER],
    }
}

/// `SetStaker` (signed by the manager or the current staker).
pub fn set_staker(
    program_id: &Pubkey,
    stake_pool: &Pubkey,
    authority: &Pubkey,
    new_staker: &Pubkey,
) -> Instruction {
    Instruction {
        program_id: *program_id,
        accounts: vec![
            AccountMeta::new(*stake_pool, false),
            AccountMeta::new_readonly(*authority, true),
            AccountMeta::new_readonly(*new_staker, false),
        ],
        data: vec![tag::SET_STAKER],
    }
}

/// `SetFee`.
pub fn set_fee(
    program_id: &Pubkey,
    stake_pool: &Pubkey,
    manager: &Pubkey,
    fee: FeeType,
) -> Instruction {
    let mut data = vec![tag::SET_FEE];
    match fee {
        FeeType::SolReferral(percent) => data.extend_from_slice(&[0, percent]),
        FeeType::StakeReferral(percent) => data.extend_from_slice(&[1, percent]),
        FeeType::Epoch(fee) => {
            data.push(2);
            encode_fee(&fee, &mut data)
        }
        FeeType::StakeWithdrawal(fee) => {
            data.push(3);
            encode_fee(&fee, &mut data)
        }
        FeeType::SolDeposit(fee) => {
            data.push(4);
            encode_fee(&fee, &mut data)
        }
        FeeType::StakeDeposit(fee) => {
            data.push(5);
            encode_fee(&fee, &mut data)
        }
        FeeType::SolWithdrawal(fee) => {
            data.push(6);
            encode_fee(&fee, &mut data)
        }
    }
    Instruction {
        program_id: *program_id,
        accounts: vec![
            AccountMeta::new(*stake_pool, false),
            AccountMeta::new_readonly(*manager, true),
        ],
        data,
    }
}

/// `SetFundingAuthority` (`None` opens the operation to everyone).
pub fn set_funding_authority(
    program_id: &Pubkey,
    stake_pool: &Pubkey,
    manager: &Pubkey,
    new_authority: Option<&Pubkey>,
    funding_type: FundingType,
) -> Instruction {
    let mut accounts = vec![
        AccountMeta::new(*stake_pool, false),
        AccountMeta::new_readonly(*manager, true),
    ];
    if let Some(authority) = new_authority {
        accounts.push(AccountMeta::new_readonly(*authority, false));
    }
    Instruction {
        program_id: *program_id,
        accounts,
        data: vec![tag::SET_FUNDING_AUTHORITY, funding_type as u8],
    }
}

/// `UpdateValidatorListBalance` for the given (validator stake, transient stake) pairs.
pub fn update_validator_list_balance(
    pool: &PoolAccounts,
    pairs: &[(Pubkey, Pubkey)],
    start_index: u32,
    no_merge: bool,
) -> Instruction {
    let mut data = vec![tag::UPDATE_VALIDATOR_LIST_BALANCE];
    data.extend_from_slice(&start_index.to_le_bytes());
    data.push(no_merge as u8);
    let mut accounts = vec![
        AccountMeta::new_readonly(pool.stake_pool, false),
        AccountMeta::new_readonly(pool.withdraw_authority(), false),
        AccountMeta::new(pool.validator_list, false),
        AccountMeta::new(pool.reserve_stake, false),
        AccountMeta::new_readonly(CLOCK_SYSVAR_ID, false),
        AccountMeta::new_readonly(STAKE_HISTORY_SYSVAR_ID, false),
        AccountMeta::new_readonly(STAKE_PROGRAM_ID, false),
    ];
    for (validator_stake, transient_stake) in pairs {
        accounts.push(AccountMeta::new(*validator_stake, false));
        accounts.push(AccountMeta::new(*transient_stake, false));
    }
    Instruction {
        program_id: pool.program_id,
        accounts,
        data,
    }
}

/// `UpdateStakePoolBalance`.
pub fn update_stake_pool_balance(pool: &PoolAccounts) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new_readonly(pool.withdraw_authority(), false),
            AccountMeta::new(pool.validator_list, false),
            AccountMeta::new_readonly(pool.reserve_stake, false),
            AccountMeta::new(pool.manager_fee_account, false),
            AccountMeta::new(pool.pool_mint, false),
            AccountMeta::new_readonly(pool.token_program_id, false),
        ],
        data: vec![tag::UPDATE_STAKE_POOL_BALANCE],
    }
}

/// `CleanupRemovedValidatorEntries`.
pub fn cleanup_removed_validator_entries(pool: &PoolAccounts) -> Instruction {
    Instruction {
        program_id: pool.program_id,
        accounts: vec![
            AccountMeta::new(pool.stake_pool, false),
            AccountMeta::new(pool.validator_list, false),
        ],
        data: vec![tag::CLEANUP_REMOVED_VALIDATOR_ENTRIES],
    }
}

/// The three instructions of a full epoch update of a pool without validators, in order.
pub fn update_pool(pool: &PoolAccounts) -> Vec<Instruction> {
    vec![
        update_validator_list_balance(pool, &[], 0, false),
        update_stake_pool_balance(pool),
        cleanup_removed_validator_entries(pool),
    ]
}

/// p-stake-pool's extension to `DepositStake`, `WithdrawStake` and their slippage variants:
/// the validator's index in the validator list appended to the instruction data, so the
/// program finds the entry without scanning the list (SPL clients do not send it; a stale
/// index only costs the scan). Works on instructions from this crate or the SPL client;
/// `None` for any other instruction.
pub fn with_validator_index_hint(mut instruction: Instruction, index: u32) -> Option<Instruction> {
    let expected_len = match *instruction.data.first()? {
        tag::DEPOSIT_STAKE => 1,
        tag::WITHDRAW_STAKE | tag::DEPOSIT_STAKE_WITH_SLIPPAGE => 9,
        tag::WITHDRAW_STAKE_WITH_SLIPPAGE => 17,
        _ => return None,
    };
    if instruction.data.len() != expected_len {
        return None;
    }
    instruction.data.extend_from_slice(&index.to_le_bytes());
    Some(instruction)
}

/// Index of `vote`'s entry in validator list account data (9-byte header, 73-byte entries,
/// vote account at byte 41 of each entry).
pub fn validator_index(list_data: &[u8], vote: &Pubkey) -> Option<u32> {
    let mut data = list_data.to_vec();
    let list = state::ValidatorList::load_initialized(&mut data).ok()?;
    list.all_entries()
        .ok()?
        .iter()
        .position(|entry| entry.vote_account_address == *vote)
        .map(|index| index as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_hint_appends_to_stake_deposits_and_withdrawals_only() {
        let program = Pubkey::new_unique();
        let instruction = |data: Vec<u8>| Instruction {
            program_id: program,
            accounts: vec![],
            data,
        };
        let hinted = with_validator_index_hint(instruction(vec![9]), 7).unwrap();
        assert_eq!(hinted.data, [9, 7, 0, 0, 0]);
        let mut withdraw = vec![24];
        withdraw.extend_from_slice(&[1; 16]);
        let hinted = with_validator_index_hint(instruction(withdraw.clone()), 2).unwrap();
        assert_eq!(&hinted.data[..17], &withdraw[..]);
        assert_eq!(&hinted.data[17..], &[2, 0, 0, 0]);
        // Other instructions, or one that already carries a hint, are left alone.
        assert!(with_validator_index_hint(instruction(vec![14, 0]), 1).is_none());
        assert!(with_validator_index_hint(instruction(vec![9, 1, 0, 0, 0]), 1).is_none());
    }

    #[test]
    fn validator_index_finds_the_entry() {
        let votes = [Pubkey::new_unique(), Pubkey::new_unique()];
        let mut data = vec![2u8, 10, 0, 0, 0, 2, 0, 0, 0];
        for vote in &votes {
            let mut entry = [0u8; 73];
            entry[41..].copy_from_slice(vote.as_ref());
            data.extend_from_slice(&entry);
        }
        assert_eq!(validator_index(&data, &votes[1]), Some(1));
        assert_eq!(validator_index(&data, &Pubkey::new_unique()), None);
    }
}
