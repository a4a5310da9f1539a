//! An example CPI caller of p-stake-pool, written the way an integrator would: a router that
//! stakes a user's SOL through a program-owned vault and forwards the pool tokens, unstakes
//! them back to SOL, and brings a program-owned stake account into the pool.
//!
//! Every path quotes the pool with `p_stake_pool_interface::quote` before calling it, calls it
//! with the interface's CPI builders, and refuses to go on unless the amount the pool returns
//! equals the quote and meets the user's minimum. The router keeps the referral fee of SOL
//! deposits (its vault's token account is the referrer).
//!
//! Instructions (one-byte tag, then little-endian u64s):
//! - `0 DepositSol { lamports, minimum_pool_tokens_out }`: `[ws] user, [w] vault,
//!   [w] vault_pool_tokens, [w] user_pool_tokens, [] pool_program, [w] stake_pool,
//!   [] withdraw_authority, [w] reserve_stake, [w] manager_fee_account, [w] pool_mint,
//!   [] system_program, [] token_program`.
//! - `1 WithdrawSol { pool_tokens, minimum_lamports_out }`: `[ws] user, [] vault,
//!   [w] vault_pool_tokens, [w] user_pool_tokens, [] pool_program, [w] stake_pool,
//!   [] withdraw_authority, [w] reserve_stake, [w] manager_fee_account, [w] pool_mint,
//!   [] clock, [] stake_history, [] stake_program, [] token_program`.
//! - `2 DepositStake { minimum_pool_tokens_out }`: `[s] user, [] vault,
//!   [] stake_authority (the router's PDA `["stake", user]`), [w] vault_pool_tokens, [w] user_pool_tokens, [] pool_program, [w] stake_pool,
//!   [w] validator_list, [] deposit_authority, [] withdraw_authority, [w] vault_stake (staker
//!   and withdrawer: `stake_authority`), [w] validator_stake, [w] reserve_stake,
//!   [w] manager_fee_account, [w] pool_mint, [] clock, [] stake_history, [] token_program,
//!   [] stake_program`.
//!
//! - `3 RequestUnstake { pool_tokens }`: `[ws] user, [] vault, [w] vault_pool_tokens,
//!   [w] user_pool_tokens, [] pool_program, [w] stake_pool, [w] validator_list,
//!   [] withdraw_authority, [w] split_from, [ws] ticket_stake (uninitialized, a new
//!   keypair), [w] ticket, [w] manager_fee_account, [w] pool_mint, [] clock, [] token_program, [] stake_program,
//!   [] system_program`: the user's tokens leave through the vault as a delayed-unstake ticket
//!   owned by the user (who pays its rent).
//! - `4 ClaimUnstake`: `[w] user, [] pool_program, [w] ticket, [w] ticket_stake,
//!   [] stake_pool, [] withdraw_authority, [w] reserve_stake, [] clock, [] stake_history,
//!   [] stake_program`: claims the user's ticket for them (anyone may send it).
//!
//! The vault is the router's PDA `["vault"]`; `vault_pool_tokens` is a token account of the
//! pool mint owned by it. Each call sets its return data to the amount it forwarded.
//!
//! What the router pins, because it lends the vault's signature to the programs it invokes:
//! the pool program (`ids::P_STAKE_POOL_PROGRAM`, the deployment it trusts: a program named
//! by the caller could take the vault's signature and empty its token account), the token
//! programs (SPL Token or Token-2022), the system and stake programs, and the vault's token
//! account (the pinned token program's account of the pool's mint, owned by the vault). The
//! pool checks everything else against the pool account it owns.
#![no_std]

use p_stake_pool_interface::{cpi as pool, ids, quote};
use pinocchio::{
    cpi::{invoke, invoke_signed, set_return_data, Seed, Signer},
    error::ProgramError,
    instruction::{InstructionAccount, InstructionView},
    sysvars::{clock::Clock, Sysvar},
    AccountView, Address, ProgramResult,
};

#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

/// Seed of the router's vault PDA.
pub const VAULT_SEED: &[u8] = b"vault";
/// Seed of a user's stake authority PDA `["stake", user]`.
pub const STAKE_AUTHORITY_SEED: &[u8] = b"stake";

/// Router errors (`ProgramError::Custom`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouterError {
    /// The vault or stake authority is not the router's PDA.
    WrongVault = 0x7200,
    /// The pool paid a different amount than its quote.
    QuoteMismatch = 0x7201,
    /// The amount is below the user's minimum.
    BelowMinimum = 0x7202,
    /// The pool program is not the deployment the router trusts, or the pool account is not
    /// that program's.
    WrongPoolProgram = 0x7203,
    /// The vault's token account is not a token account of the pool's mint owned by the vault.
    WrongVaultTokenAccount = 0x7204,
}

impl From<RouterError> for ProgramError {
    fn from(error: RouterError) -> Self {
        ProgramError::Custom(error as u32)
    }
}

mod runtime {
    pinocchio::program_entrypoint!(super::process_instruction);
    pinocchio::no_allocator!();
    pinocchio::nostd_panic_handler!();
}

/// Dispatches on the tag; each path is a separate, never-inlined function (its own stack
/// frame, at most five machine arguments).
#[inline(always)]
pub fn process_instruction(
    program_id: &Address,
    accounts: &mut [AccountView],
    data: &[u8],
) -> ProgramResult {
    let (tag, rest) = data
        .split_first()
        .ok_or(ProgramError::InvalidInstructionData)?;
    let call = Call {
        program_id,
        accounts,
        first: if *tag == 4 { 0 } else { read_u64(rest, 0)? },
        second: if *tag >= 2 { 0 } else { read_u64(rest, 8)? },
    };
    match tag {
        0 => deposit_sol(&call),
        1 => withdraw_sol(&call),
        2 => deposit_stake(&call),
        3 => request_unstake(&call),
        4 => claim_unstake(&call),
        _ => Err(ProgramError::InvalidInstructionData),
    }
}

/// One router call: its id, accounts and the two amounts of its data.
struct Call<'a> {
    program_id: &'a Address,
    accounts: &'a [AccountView],
    first: u64,
    second: u64,
}

fn read_u64(data: &[u8], at: usize) -> Result<u64, ProgramError> {
    let end = at
        .checked_add(8)
        .ok_or(ProgramError::InvalidInstructionData)?;
    let bytes: [u8; 8] = data
        .get(at..end)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(ProgramError::InvalidInstructionData)?;
    Ok(u64::from_le_bytes(bytes))
}

/// The vault's bump, after checking `vault` is the router's PDA.
fn vault_bump(program_id: &Address, vault: &AccountView) -> Result<u8, ProgramError> {
    let (expected, bump) = Address::find_program_address(&[VAULT_SEED], program_id);
    if vault.address() != &expected {
        return Err(RouterError::WrongVault.into());
    }
    Ok(bump)
}

/// The pool program must be the pinned deployment, and the pool account that program's. Any
/// program can own an account shaped like a pool: a caller-named "pool program" would receive
/// the vault's signature with the invocation and could spend everything the vault holds.
fn check_pool(pool_program: &AccountView, stake_pool: &AccountView) -> ProgramResult {
    if pool_program.address() != &ids::P_STAKE_POOL_PROGRAM
        || !stake_pool.owned_by(&ids::P_STAKE_POOL_PROGRAM)
    {
        return Err(RouterError::WrongPoolProgram.into());
    }
    Ok(())
}

/// The token program must be SPL Token or Token-2022 (the router signs token transfers for
/// its vault and its users through it), and `vault_pool_tokens` that program's token account
/// of `pool_mint`, owned by the vault (mint at bytes 0..32, owner at 32..64 in both programs).
fn check_vault_tokens(
    token_program: &AccountView,
    vault_pool_tokens: &AccountView,
    vault: &AccountView,
    pool_mint: &AccountView,
) -> ProgramResult {
    if !ids::is_supported_token_program(token_program.address()) {
        return Err(ProgramError::IncorrectProgramId);
    }
    if !vault_pool_tokens.owned_by(token_program.address()) {
        return Err(RouterError::WrongVaultTokenAccount.into());
    }
    let data = vault_pool_tokens.try_borrow()?;
    let (Some(mint), Some(owner)) = (data.get(..32), data.get(32..64)) else {
        return Err(RouterError::WrongVaultTokenAccount.into());
    };
    if mint != pool_mint.address().as_ref() || owner != vault.address().as_ref() {
        return Err(RouterError::WrongVaultTokenAccount.into());
    }
    Ok(())
}

/// `paid` must equal the quote and reach the user's minimum.
fn check_paid(paid: u64, quoted: u64, minimum: u64) -> ProgramResult {
    if paid != quoted {
        return Err(RouterError::QuoteMismatch.into());
    }
    if paid < minimum {
        return Err(RouterError::BelowMinimum.into());
    }
    Ok(())
}

/// SPL Token `TransferChecked` of pool tokens (9 decimals), signed by `signers`.
struct TokenTransfer<'a> {
    token_program: &'a AccountView,
    source: &'a AccountView,
    mint: &'a AccountView,
    destination: &'a AccountView,
    authority: &'a AccountView,
    amount: u64,
}

impl TokenTransfer<'_> {
    fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [12u8; 10];
        data[1..9].copy_from_slice(&self.amount.to_le_bytes());
        data[9] = 9;
        invoke_signed(
            &InstructionView {
                program_id: self.token_program.address(),
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.source.address()),
                    InstructionAccount::readonly(self.mint.address()),
                    InstructionAccount::writable(self.destination.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[self.source, self.mint, self.destination, self.authority],
            signers,
        )
    }
}

#[inline(never)]
fn deposit_sol(call: &Call) -> ProgramResult {
    let [user, vault, vault_pool_tokens, user_pool_tokens, pool_program, stake_pool, withdraw_authority, reserve_stake, manager_fee_account, pool_mint, system_program, token_program, ..] =
        call.accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let (lamports, minimum) = (call.first, call.second);
    let bump = [vault_bump(call.program_id, vault)?];
    let seeds = [Seed::from(VAULT_SEED), Seed::from(&bump)];
    check_pool(pool_program, stake_pool)?;
    check_vault_tokens(token_program, vault_pool_tokens, vault, pool_mint)?;
    if system_program.address() != &ids::SYSTEM_PROGRAM {
        return Err(ProgramError::IncorrectProgramId);
    }

    // The user's SOL moves into the vault, which then deposits it as a program-owned account.
    let mut transfer = [2u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    transfer[4..].copy_from_slice(&lamports.to_le_bytes());
    invoke(
        &InstructionView {
            program_id: system_program.address(),
            data: &transfer,
            accounts: &[
                InstructionAccount::writable_signer(user.address()),
                InstructionAccount::writable(vault.address()),
            ],
        },
        &[user, vault],
    )?;

    let quoted = quote::deposit_sol(&stake_pool.try_borrow()?, lamports, Clock::get()?.epoch)?;
    let minted = pool::DepositSol {
        program_id: pool_program.address(),
        stake_pool,
        withdraw_authority,
        reserve_stake,
        lamports_from: vault,
        destination: vault_pool_tokens,
        manager_fee_account,
        referrer: vault_pool_tokens,
        pool_mint,
        system_program,
        token_program,
        sol_deposit_authority: None,
        lamports,
        minimum_pool_tokens_out: Some(minimum),
    }
    .invoke_signed(&[Signer::from(&seeds)])?;
    check_paid(minted, quoted.user, minimum)?;

    TokenTransfer {
        token_program,
        source: vault_pool_tokens,
        mint: pool_mint,
        destination: user_pool_tokens,
        authority: vault,
        amount: minted,
    }
    .invoke_signed(&[Signer::from(&seeds)])?;
    set_return_data(&minted.to_le_bytes());
    Ok(())
}

#[inline(never)]
fn withdraw_sol(call: &Call) -> ProgramResult {
    let [user, vault, vault_pool_tokens, user_pool_tokens, pool_program, stake_pool, withdraw_authority, reserve_stake, manager_fee_account, pool_mint, clock, stake_history, stake_program, token_program, ..] =
        call.accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let (pool_tokens, minimum) = (call.first, call.second);
    let bump = [vault_bump(call.program_id, vault)?];
    let seeds = [Seed::from(VAULT_SEED), Seed::from(&bump)];
    check_pool(pool_program, stake_pool)?;
    check_vault_tokens(token_program, vault_pool_tokens, vault, pool_mint)?;

    // The user hands the tokens to the vault (the user's signature authorizes it)...
    TokenTransfer {
        token_program,
        source: user_pool_tokens,
        mint: pool_mint,
        destination: vault_pool_tokens,
        authority: user,
        amount: pool_tokens,
    }
    .invoke_signed(&[])?;
    // ... which burns them from its own token account; the SOL goes straight to the user.
    let quoted = quote::withdraw_sol(&stake_pool.try_borrow()?, pool_tokens, Clock::get()?.epoch)?;
    let paid = pool::WithdrawSol {
        program_id: pool_program.address(),
        stake_pool,
        withdraw_authority,
        user_transfer_authority: vault,
        burn_from: vault_pool_tokens,
        reserve_stake,
        destination: user,
        manager_fee_account,
        pool_mint,
        clock,
        stake_history,
        stake_program,
        token_program,
        sol_withdraw_authority: None,
        pool_tokens,
        minimum_lamports_out: Some(minimum),
    }
    .invoke_signed(&[Signer::from(&seeds)])?;
    check_paid(paid, quoted.lamports, minimum)?;
    set_return_data(&paid.to_le_bytes());
    Ok(())
}

/// Stake program `Authorize { new_authority, kind }` for staker and withdrawer, signed by
/// `authority`. Inlined: as a call it would take seven machine arguments.
#[inline(always)]
fn authorize_stake(
    stake: &AccountView,
    clock: &AccountView,
    authority: &AccountView,
    new_authority: &AccountView,
    signer: &[Signer],
) -> ProgramResult {
    for kind in [0u8, 1] {
        let mut data = [0u8; 40];
        data[0] = 1;
        data[4..36].copy_from_slice(new_authority.address().as_ref());
        data[36] = kind;
        invoke_signed(
            &InstructionView {
                program_id: &ids::STAKE_PROGRAM,
                data: &data,
                accounts: &[
                    InstructionAccount::writable(stake.address()),
                    InstructionAccount::readonly(clock.address()),
                    InstructionAccount::readonly_signer(authority.address()),
                ],
            },
            &[stake, clock, authority],
            signer,
        )?;
    }
    Ok(())
}

/// Delegated stake of a stake account (`StakeStateV2::Stake`, delegation.stake at byte 156).
fn delegated_stake(stake: &AccountView) -> Result<u64, ProgramError> {
    let data = stake.try_borrow()?;
    if data.len() < 164 || data[0] != 2 {
        return Err(ProgramError::InvalidAccountData);
    }
    read_u64(&data, 156)
}

#[inline(never)]
fn deposit_stake(call: &Call) -> ProgramResult {
    let [user, vault, stake_authority, vault_pool_tokens, user_pool_tokens, pool_program, stake_pool, validator_list, deposit_authority, withdraw_authority, vault_stake, validator_stake, reserve_stake, manager_fee_account, pool_mint, clock, stake_history, token_program, stake_program, ..] =
        call.accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let minimum = call.first;
    let bump = [vault_bump(call.program_id, vault)?];
    let seeds = [Seed::from(VAULT_SEED), Seed::from(&bump)];
    check_pool(pool_program, stake_pool)?;
    check_vault_tokens(token_program, vault_pool_tokens, vault, pool_mint)?;
    if stake_program.address() != &ids::STAKE_PROGRAM {
        return Err(ProgramError::IncorrectProgramId);
    }
    // The stake account is held for this user alone: its authority is the router's PDA
    // `["stake", user]`, and only the user's signature moves it.
    if !user.is_signer() {
        return Err(ProgramError::MissingRequiredSignature);
    }
    let (expected, authority_bump) = Address::find_program_address(
        &[STAKE_AUTHORITY_SEED, user.address().as_ref()],
        call.program_id,
    );
    if stake_authority.address() != &expected {
        return Err(RouterError::WrongVault.into());
    }
    let authority_bump = [authority_bump];
    let authority_seeds = [
        Seed::from(STAKE_AUTHORITY_SEED),
        Seed::from(user.address().as_ref()),
        Seed::from(&authority_bump),
    ];

    // The user's stake account is handed to the pool's deposit authority, then deposited.
    authorize_stake(
        vault_stake,
        clock,
        stake_authority,
        deposit_authority,
        &[Signer::from(&authority_seeds)],
    )?;
    let quoted = quote::deposit_stake(
        &stake_pool.try_borrow()?,
        vault_stake.lamports(),
        delegated_stake(vault_stake)?,
        Clock::get()?.epoch,
    )?;
    let minted = pool::DepositStake {
        program_id: pool_program.address(),
        stake_pool,
        validator_list,
        stake_deposit_authority: deposit_authority,
        deposit_authority_signs: false,
        withdraw_authority,
        deposit_stake: vault_stake,
        validator_stake,
        reserve_stake,
        destination: vault_pool_tokens,
        manager_fee_account,
        referrer: vault_pool_tokens,
        pool_mint,
        clock,
        stake_history,
        token_program,
        stake_program,
        minimum_pool_tokens_out: Some(minimum),
    }
    .invoke()?;
    check_paid(minted, quoted.user, minimum)?;

    TokenTransfer {
        token_program,
        source: vault_pool_tokens,
        mint: pool_mint,
        destination: user_pool_tokens,
        authority: vault,
        amount: minted,
    }
    .invoke_signed(&[Signer::from(&seeds)])?;
    set_return_data(&minted.to_le_bytes());
    Ok(())
}

#[inline(never)]
fn request_unstake(call: &Call) -> ProgramResult {
    let [user, vault, vault_pool_tokens, user_pool_tokens, pool_program, stake_pool, validator_list, withdraw_authority, split_from, ticket_stake, ticket, manager_fee_account, pool_mint, clock, token_program, stake_program, system_program, ..] =
        call.accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    let pool_tokens = call.first;
    let bump = [vault_bump(call.program_id, vault)?];
    let seeds = [Seed::from(VAULT_SEED), Seed::from(&bump)];
    check_pool(pool_program, stake_pool)?;
    check_vault_tokens(token_program, vault_pool_tokens, vault, pool_mint)?;

    // The user's tokens move to the vault (the user signs), which requests the unstake with
    // the user as the ticket's owner and rent payer.
    TokenTransfer {
        token_program,
        source: user_pool_tokens,
        mint: pool_mint,
        destination: vault_pool_tokens,
        authority: user,
        amount: pool_tokens,
    }
    .invoke_signed(&[])?;
    let quoted =
        quote::withdraw_stake(&stake_pool.try_borrow()?, pool_tokens, Clock::get()?.epoch)?;
    let owed = pool::RequestUnstake {
        program_id: pool_program.address(),
        stake_pool,
        validator_list,
        withdraw_authority,
        split_from,
        ticket_stake,
        owner: user,
        user_transfer_authority: vault,
        burn_from: vault_pool_tokens,
        manager_fee_account,
        pool_mint,
        clock,
        token_program,
        stake_program,
        ticket,
        rent_payer: user,
        system_program,
        pool_tokens,
        minimum_lamports_out: quoted.lamports,
    }
    .invoke_signed(&[Signer::from(&seeds)])?;
    check_paid(owed, quoted.lamports, 0)?;
    set_return_data(&owed.to_le_bytes());
    Ok(())
}

#[inline(never)]
fn claim_unstake(call: &Call) -> ProgramResult {
    let [user, pool_program, ticket, ticket_stake, stake_pool, withdraw_authority, reserve_stake, clock, stake_history, stake_program, ..] =
        call.accounts
    else {
        return Err(ProgramError::NotEnoughAccountKeys);
    };
    check_pool(pool_program, stake_pool)?;
    let paid = pool::ClaimUnstake {
        program_id: pool_program.address(),
        ticket,
        ticket_stake,
        stake_pool,
        withdraw_authority,
        reserve_stake,
        destination: user,
        rent_payer: user,
        clock,
        stake_history,
        stake_program,
        owner: None,
    }
    .invoke_signed(&[])?;
    set_return_data(&paid.to_le_bytes());
    Ok(())
}
