//! CPI builders for programs that call the pool (feature `cpi`, on pinocchio): deposits,
//! withdrawals and delayed-unstake tickets, one struct per instruction, the accounts by name in the SPL order, then `invoke` or `invoke_signed` with
//! the caller's signer seeds. Each returns the amount the pool paid out, read from the pool's
//! return data: pool tokens minted to `destination` for deposits, lamports for withdrawals.
//!
//! A vault program depositing its own SOL (a PDA `["vault"]` of the caller) and checking the
//! result against the quote before it trusts it. It pins the programs it lends its vault's
//! signature to: a caller-named "pool program" would get that signature and could move
//! everything the vault holds (any program can own an account shaped like a pool).
//!
//! ```no_run
//! use p_stake_pool_interface::{cpi::DepositSol, ids, quote};
//! use pinocchio::{
//!     cpi::{Seed, Signer},
//!     error::ProgramError,
//!     sysvars::{clock::Clock, Sysvar},
//!     AccountView, ProgramResult,
//! };
//!
//! /// accounts: vault (the caller's PDA, funded), vault_pool_tokens, pool_program,
//! /// stake_pool, withdraw_authority, reserve_stake, manager_fee_account, pool_mint,
//! /// system_program, token_program
//! fn stake_vault_sol(accounts: &[AccountView], lamports: u64, vault_bump: u8) -> ProgramResult {
//!     let [vault, vault_pool_tokens, pool_program, stake_pool, withdraw_authority, reserve_stake,
//!          manager_fee_account, pool_mint, system_program, token_program, ..] = accounts
//!     else {
//!         return Err(ProgramError::NotEnoughAccountKeys);
//!     };
//!     // Pinned, never taken from the caller: the pool deployment this program trusts, and
//!     // the pool account must be that program's (the pool checks the rest).
//!     if pool_program.address() != &ids::P_STAKE_POOL_PROGRAM
//!         || !stake_pool.owned_by(&ids::P_STAKE_POOL_PROGRAM)
//!     {
//!         return Err(ProgramError::IncorrectProgramId);
//!     }
//!     // The quote reads the pool account with the program's own formulas and checks.
//!     let quoted = quote::deposit_sol(&stake_pool.try_borrow()?, lamports, Clock::get()?.epoch)?;
//!     let bump = [vault_bump];
//!     let seeds = [Seed::from(b"vault"), Seed::from(&bump)];
//!     let minted = DepositSol {
//!         program_id: pool_program.address(),
//!         stake_pool,
//!         withdraw_authority,
//!         reserve_stake,
//!         lamports_from: vault,
//!         destination: vault_pool_tokens,
//!         manager_fee_account,
//!         referrer: vault_pool_tokens,
//!         pool_mint,
//!         system_program,
//!         token_program,
//!         sol_deposit_authority: None,
//!         lamports,
//!         minimum_pool_tokens_out: Some(quoted.user),
//!     }
//!     .invoke_signed(&[Signer::from(&seeds)])?;
//!     // The pool returned what it minted to `destination`: exactly the quote.
//!     assert_eq!(minted, quoted.user);
//!     Ok(())
//! }
//! ```
//!
//! `programs/router` is a complete program built this way, tested in `tests/tests/cpi_caller.rs`.
//!
//! Every struct is passed by reference: no call takes more than five machine arguments, so a
//! caller built for SBPF v0 runs with mainnet's stack-frame gaps.

use pinocchio::{
    cpi::{get_return_data, invoke_signed, Signer},
    error::ProgramError,
    instruction::{InstructionAccount, InstructionView},
    AccountView, Address,
};

use crate::{instruction as data, quote::read_return_data};

/// The amount the pool reported, checked to come from the pool program itself.
fn returned_amount(program_id: &Address) -> Result<u64, ProgramError> {
    let returned = get_return_data().ok_or(ProgramError::InvalidAccountData)?;
    if returned.program_id() != program_id {
        return Err(ProgramError::IncorrectProgramId);
    }
    read_return_data(returned.as_slice()).ok_or(ProgramError::InvalidAccountData)
}

/// Invokes `program_id` with `metas`, `views` and `data`, then reads the amount returned.
/// Inlined: as a call it would take seven machine arguments (see the module docs).
#[inline(always)]
fn invoke_pool<const N: usize>(
    program_id: &Address,
    data: &[u8],
    metas: &[InstructionAccount; N],
    views: &[&AccountView; N],
    signers: &[Signer],
) -> Result<u64, ProgramError> {
    invoke_signed(
        &InstructionView {
            program_id,
            data,
            accounts: metas,
        },
        views,
        signers,
    )?;
    returned_amount(program_id)
}

/// `DepositSol` (or `DepositSolWithSlippage` when `minimum_pool_tokens_out` is set): moves
/// `lamports` from `lamports_from` into the reserve and mints pool tokens to `destination`.
/// Returns the pool tokens minted to `destination`.
pub struct DepositSol<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a AccountView,
    pub withdraw_authority: &'a AccountView,
    pub reserve_stake: &'a AccountView,
    /// Signs: the caller's own account or a PDA of the caller (`signers`).
    pub lamports_from: &'a AccountView,
    pub destination: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub referrer: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub system_program: &'a AccountView,
    pub token_program: &'a AccountView,
    /// Required (and signing) when the pool has a SOL deposit authority.
    pub sol_deposit_authority: Option<&'a AccountView>,
    pub lamports: u64,
    pub minimum_pool_tokens_out: Option<u64>,
}

impl DepositSol<'_> {
    pub fn invoke(&self) -> Result<u64, ProgramError> {
        self.invoke_signed(&[])
    }

    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let mut bytes = [0u8; 17];
        let length = match self.minimum_pool_tokens_out {
            Some(minimum) => {
                bytes = data::deposit_sol_with_slippage(self.lamports, minimum);
                17
            }
            None => {
                bytes[..9].copy_from_slice(&data::deposit_sol(self.lamports));
                9
            }
        };
        let metas = [
            InstructionAccount::writable(self.stake_pool.address()),
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::writable(self.reserve_stake.address()),
            InstructionAccount::writable_signer(self.lamports_from.address()),
            InstructionAccount::writable(self.destination.address()),
            InstructionAccount::writable(self.manager_fee_account.address()),
            InstructionAccount::writable(self.referrer.address()),
            InstructionAccount::writable(self.pool_mint.address()),
            InstructionAccount::readonly(self.system_program.address()),
            InstructionAccount::readonly(self.token_program.address()),
        ];
        let views = [
            self.stake_pool,
            self.withdraw_authority,
            self.reserve_stake,
            self.lamports_from,
            self.destination,
            self.manager_fee_account,
            self.referrer,
            self.pool_mint,
            self.system_program,
            self.token_program,
        ];
        match self.sol_deposit_authority {
            None => invoke_pool(self.program_id, &bytes[..length], &metas, &views, signers),
            Some(authority) => invoke_pool(
                self.program_id,
                &bytes[..length],
                &with_signer::<10, 11>(&metas, authority),
                &with_view::<10, 11>(&views, authority),
                signers,
            ),
        }
    }
}

/// `WithdrawSol` (or `WithdrawSolWithSlippage`): burns `pool_tokens` from `burn_from` and
/// pays lamports from the reserve to `destination`. Returns the lamports paid.
pub struct WithdrawSol<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a AccountView,
    pub withdraw_authority: &'a AccountView,
    /// Owner or delegate of `burn_from`; signs.
    pub user_transfer_authority: &'a AccountView,
    pub burn_from: &'a AccountView,
    pub reserve_stake: &'a AccountView,
    pub destination: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub stake_program: &'a AccountView,
    pub token_program: &'a AccountView,
    /// Required (and signing) when the pool has a SOL withdraw authority.
    pub sol_withdraw_authority: Option<&'a AccountView>,
    pub pool_tokens: u64,
    pub minimum_lamports_out: Option<u64>,
}

impl WithdrawSol<'_> {
    pub fn invoke(&self) -> Result<u64, ProgramError> {
        self.invoke_signed(&[])
    }

    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let mut bytes = [0u8; 17];
        let length = match self.minimum_lamports_out {
            Some(minimum) => {
                bytes = data::withdraw_sol_with_slippage(self.pool_tokens, minimum);
                17
            }
            None => {
                bytes[..9].copy_from_slice(&data::withdraw_sol(self.pool_tokens));
                9
            }
        };
        let metas = [
            InstructionAccount::writable(self.stake_pool.address()),
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::readonly_signer(self.user_transfer_authority.address()),
            InstructionAccount::writable(self.burn_from.address()),
            InstructionAccount::writable(self.reserve_stake.address()),
            InstructionAccount::writable(self.destination.address()),
            InstructionAccount::writable(self.manager_fee_account.address()),
            InstructionAccount::writable(self.pool_mint.address()),
            InstructionAccount::readonly(self.clock.address()),
            InstructionAccount::readonly(self.stake_history.address()),
            InstructionAccount::readonly(self.stake_program.address()),
            InstructionAccount::readonly(self.token_program.address()),
        ];
        let views = [
            self.stake_pool,
            self.withdraw_authority,
            self.user_transfer_authority,
            self.burn_from,
            self.reserve_stake,
            self.destination,
            self.manager_fee_account,
            self.pool_mint,
            self.clock,
            self.stake_history,
            self.stake_program,
            self.token_program,
        ];
        match self.sol_withdraw_authority {
            None => invoke_pool(self.program_id, &bytes[..length], &metas, &views, signers),
            Some(authority) => invoke_pool(
                self.program_id,
                &bytes[..length],
                &with_signer::<12, 13>(&metas, authority),
                &with_view::<12, 13>(&views, authority),
                signers,
            ),
        }
    }
}

/// `DepositStake` (or `DepositStakeWithSlippage`): merges `deposit_stake` into the
/// validator's stake and mints pool tokens to `destination`. The stake account's staker and
/// withdrawer must already be `stake_deposit_authority` (the pool's `[pool, "deposit"]` PDA,
/// or the pool's custom deposit authority, which then signs). Returns the pool tokens minted
/// to `destination`.
pub struct DepositStake<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a AccountView,
    pub validator_list: &'a AccountView,
    pub stake_deposit_authority: &'a AccountView,
    /// Whether `stake_deposit_authority` signs (a custom deposit authority).
    pub deposit_authority_signs: bool,
    pub withdraw_authority: &'a AccountView,
    pub deposit_stake: &'a AccountView,
    pub validator_stake: &'a AccountView,
    pub reserve_stake: &'a AccountView,
    pub destination: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub referrer: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub token_program: &'a AccountView,
    pub stake_program: &'a AccountView,
    pub minimum_pool_tokens_out: Option<u64>,
}

impl DepositStake<'_> {
    pub fn invoke(&self) -> Result<u64, ProgramError> {
        self.invoke_signed(&[])
    }

    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let mut bytes = [0u8; 9];
        let length = match self.minimum_pool_tokens_out {
            Some(minimum) => {
                bytes = data::deposit_stake_with_slippage(minimum);
                9
            }
            None => {
                bytes[0] = data::deposit_stake()[0];
                1
            }
        };
        let authority = if self.deposit_authority_signs {
            InstructionAccount::readonly_signer(self.stake_deposit_authority.address())
        } else {
            InstructionAccount::readonly(self.stake_deposit_authority.address())
        };
        let metas = [
            InstructionAccount::writable(self.stake_pool.address()),
            InstructionAccount::writable(self.validator_list.address()),
            authority,
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::writable(self.deposit_stake.address()),
            InstructionAccount::writable(self.validator_stake.address()),
            InstructionAccount::writable(self.reserve_stake.address()),
            InstructionAccount::writable(self.destination.address()),
            InstructionAccount::writable(self.manager_fee_account.address()),
            InstructionAccount::writable(self.referrer.address()),
            InstructionAccount::writable(self.pool_mint.address()),
            InstructionAccount::readonly(self.clock.address()),
            InstructionAccount::readonly(self.stake_history.address()),
            InstructionAccount::readonly(self.token_program.address()),
            InstructionAccount::readonly(self.stake_program.address()),
        ];
        let views = [
            self.stake_pool,
            self.validator_list,
            self.stake_deposit_authority,
            self.withdraw_authority,
            self.deposit_stake,
            self.validator_stake,
            self.reserve_stake,
            self.destination,
            self.manager_fee_account,
            self.referrer,
            self.pool_mint,
            self.clock,
            self.stake_history,
            self.token_program,
            self.stake_program,
        ];
        invoke_pool(self.program_id, &bytes[..length], &metas, &views, signers)
    }
}

/// `WithdrawStake` (or `WithdrawStakeWithSlippage`): burns `pool_tokens` and splits their
/// value from `split_from` (a validator's stake, a transient, or the reserve) into `split_to`
/// (an uninitialized stake account), whose staker and withdrawer become `new_authority`.
/// Returns the lamports split off.
pub struct WithdrawStake<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a AccountView,
    pub validator_list: &'a AccountView,
    pub withdraw_authority: &'a AccountView,
    pub split_from: &'a AccountView,
    pub split_to: &'a AccountView,
    pub new_authority: &'a AccountView,
    /// Owner or delegate of `burn_from`; signs.
    pub user_transfer_authority: &'a AccountView,
    pub burn_from: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub clock: &'a AccountView,
    pub token_program: &'a AccountView,
    pub stake_program: &'a AccountView,
    pub pool_tokens: u64,
    pub minimum_lamports_out: Option<u64>,
}

impl WithdrawStake<'_> {
    pub fn invoke(&self) -> Result<u64, ProgramError> {
        self.invoke_signed(&[])
    }

    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let mut bytes = [0u8; 17];
        let length = match self.minimum_lamports_out {
            Some(minimum) => {
                bytes = data::withdraw_stake_with_slippage(self.pool_tokens, minimum);
                17
            }
            None => {
                bytes[..9].copy_from_slice(&data::withdraw_stake(self.pool_tokens));
                9
            }
        };
        let metas = [
            InstructionAccount::writable(self.stake_pool.address()),
            InstructionAccount::writable(self.validator_list.address()),
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::writable(self.split_from.address()),
            InstructionAccount::writable(self.split_to.address()),
            InstructionAccount::readonly(self.new_authority.address()),
            InstructionAccount::readonly_signer(self.user_transfer_authority.address()),
            InstructionAccount::writable(self.burn_from.address()),
            InstructionAccount::writable(self.manager_fee_account.address()),
            InstructionAccount::writable(self.pool_mint.address()),
            InstructionAccount::readonly(self.clock.address()),
            InstructionAccount::readonly(self.token_program.address()),
            InstructionAccount::readonly(self.stake_program.address()),
        ];
        let views = [
            self.stake_pool,
            self.validator_list,
            self.withdraw_authority,
            self.split_from,
            self.split_to,
            self.new_authority,
            self.user_transfer_authority,
            self.burn_from,
            self.manager_fee_account,
            self.pool_mint,
            self.clock,
            self.token_program,
            self.stake_program,
        ];
        invoke_pool(self.program_id, &bytes[..length], &metas, &views, signers)
    }
}

/// `metas` with a trailing signing account (a funding authority, a ticket's owner).
fn with_signer<'a, const N: usize, const M: usize>(
    metas: &[InstructionAccount<'a>; N],
    authority: &'a AccountView,
) -> [InstructionAccount<'a>; M] {
    core::array::from_fn(|index| match metas.get(index) {
        Some(meta) => meta.clone(),
        None => InstructionAccount::readonly_signer(authority.address()),
    })
}

/// `views` with a trailing account.
fn with_view<'a, const N: usize, const M: usize>(
    views: &[&'a AccountView; N],
    authority: &'a AccountView,
) -> [&'a AccountView; M] {
    core::array::from_fn(|index| views.get(index).copied().unwrap_or(authority))
}

/// `RequestUnstake`: burns `pool_tokens` and splits their worth into `ticket_stake` (an
/// uninitialized stake account funded with its rent, which signs: a new keypair of the
/// transaction, or the caller's own PDA through `signers`), writing the ticket PDA `ticket`
/// (`["ticket", stake_pool, ticket_stake]`) for `owner`; `rent_payer` signs and funds it.
/// Returns the lamports owed.
pub struct RequestUnstake<'a> {
    pub program_id: &'a Address,
    pub stake_pool: &'a AccountView,
    pub validator_list: &'a AccountView,
    pub withdraw_authority: &'a AccountView,
    pub split_from: &'a AccountView,
    pub ticket_stake: &'a AccountView,
    pub owner: &'a AccountView,
    /// Owner or delegate of `burn_from`; signs.
    pub user_transfer_authority: &'a AccountView,
    pub burn_from: &'a AccountView,
    pub manager_fee_account: &'a AccountView,
    pub pool_mint: &'a AccountView,
    pub clock: &'a AccountView,
    pub token_program: &'a AccountView,
    pub stake_program: &'a AccountView,
    pub ticket: &'a AccountView,
    pub rent_payer: &'a AccountView,
    pub system_program: &'a AccountView,
    pub pool_tokens: u64,
    /// 0 for no minimum.
    pub minimum_lamports_out: u64,
}

impl RequestUnstake<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let bytes = data::request_unstake(self.pool_tokens, self.minimum_lamports_out);
        let metas = [
            InstructionAccount::writable(self.stake_pool.address()),
            InstructionAccount::writable(self.validator_list.address()),
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::writable(self.split_from.address()),
            InstructionAccount::writable_signer(self.ticket_stake.address()),
            InstructionAccount::readonly(self.owner.address()),
            InstructionAccount::readonly_signer(self.user_transfer_authority.address()),
            InstructionAccount::writable(self.burn_from.address()),
            InstructionAccount::writable(self.manager_fee_account.address()),
            InstructionAccount::writable(self.pool_mint.address()),
            InstructionAccount::readonly(self.clock.address()),
            InstructionAccount::readonly(self.token_program.address()),
            InstructionAccount::readonly(self.stake_program.address()),
            InstructionAccount::writable(self.ticket.address()),
            InstructionAccount::writable_signer(self.rent_payer.address()),
            InstructionAccount::readonly(self.system_program.address()),
        ];
        let views = [
            self.stake_pool,
            self.validator_list,
            self.withdraw_authority,
            self.split_from,
            self.ticket_stake,
            self.owner,
            self.user_transfer_authority,
            self.burn_from,
            self.manager_fee_account,
            self.pool_mint,
            self.clock,
            self.token_program,
            self.stake_program,
            self.ticket,
            self.rent_payer,
            self.system_program,
        ];
        invoke_pool(self.program_id, &bytes, &metas, &views, signers)
    }
}

/// `ClaimUnstake` of `ticket`: pays the owed lamports to `destination` (the ticket's owner, or
/// any account when `owner` signs) and closes the ticket and `ticket_stake`. Returns the
/// lamports paid.
pub struct ClaimUnstake<'a> {
    pub program_id: &'a Address,
    pub ticket: &'a AccountView,
    pub ticket_stake: &'a AccountView,
    pub stake_pool: &'a AccountView,
    pub withdraw_authority: &'a AccountView,
    pub reserve_stake: &'a AccountView,
    pub destination: &'a AccountView,
    pub rent_payer: &'a AccountView,
    pub clock: &'a AccountView,
    pub stake_history: &'a AccountView,
    pub stake_program: &'a AccountView,
    /// The ticket's owner, signing, when `destination` is another account.
    pub owner: Option<&'a AccountView>,
}

impl ClaimUnstake<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> Result<u64, ProgramError> {
        let bytes = data::claim_unstake();
        let metas = [
            InstructionAccount::writable(self.ticket.address()),
            InstructionAccount::writable(self.ticket_stake.address()),
            InstructionAccount::readonly(self.stake_pool.address()),
            InstructionAccount::readonly(self.withdraw_authority.address()),
            InstructionAccount::writable(self.reserve_stake.address()),
            InstructionAccount::writable(self.destination.address()),
            InstructionAccount::writable(self.rent_payer.address()),
            InstructionAccount::readonly(self.clock.address()),
            InstructionAccount::readonly(self.stake_history.address()),
            InstructionAccount::readonly(self.stake_program.address()),
        ];
        let views = [
            self.ticket,
            self.ticket_stake,
            self.stake_pool,
            self.withdraw_authority,
            self.reserve_stake,
            self.destination,
            self.rent_payer,
            self.clock,
            self.stake_history,
            self.stake_program,
        ];
        match self.owner {
            None => invoke_pool(self.program_id, &bytes, &metas, &views, signers),
            Some(owner) => invoke_pool(
                self.program_id,
                &bytes,
                &with_signer::<10, 11>(&metas, owner),
                &with_view::<10, 11>(&views, owner),
                signers,
            ),
        }
    }
}
