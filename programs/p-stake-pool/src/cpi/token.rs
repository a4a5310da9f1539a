//! SPL Token / Token-2022 instructions (same encoding in both programs). The program id is the
//! pool's stored token program, verified by the caller.

use pinocchio::{
    cpi::{invoke, invoke_signed, Seed, Signer},
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

const MINT_TO: u8 = 7;
const BURN: u8 = 8;
const TRANSFER_CHECKED: u8 = 12;

/// `MintTo { amount }`, signed by the pool's withdraw authority.
pub fn mint_to(
    token_program: &AccountView,
    mint: &AccountView,
    destination: &AccountView,
    mint_authority: &AccountView,
    amount: u64,
    signer: Signer,
) -> ProgramResult {
    let mut data = [0u8; 9];
    data[0] = MINT_TO;
    data[1..].copy_from_slice(&amount.to_le_bytes());
    invoke_signed(
        &InstructionView {
            program_id: token_program.address(),
            data: &data,
            accounts: &[
                InstructionAccount::writable(mint.address()),
                InstructionAccount::writable(destination.address()),
                InstructionAccount::readonly_signer(mint_authority.address()),
            ],
        },
        &[mint, destination, mint_authority],
        &[signer],
    )
}

/// Mints a deposit's pool tokens, signed by the withdraw authority (`seeds`): the user's
/// share, then the manager's fee and the referrer's cut when they are not zero.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn mint_deposit(
    token_program: &AccountView,
    mint: &AccountView,
    user: &AccountView,
    manager_fee_account: &AccountView,
    referrer: &AccountView,
    mint_authority: &AccountView,
    split: &crate::math::DepositSplit,
    seeds: &[Seed; 3],
) -> ProgramResult {
    mint_to(
        token_program,
        mint,
        user,
        mint_authority,
        split.user,
        Signer::from(seeds),
    )?;
    for (destination, amount) in [
        (manager_fee_account, split.manager_fee),
        (referrer, split.referral_fee),
    ] {
        if amount > 0 {
            mint_to(
                token_program,
                mint,
                destination,
                mint_authority,
                amount,
                Signer::from(seeds),
            )?;
        }
    }
    Ok(())
}

/// `Burn { amount }`, authorized by the user's own signature (owner or delegate).
pub fn burn(
    token_program: &AccountView,
    account: &AccountView,
    mint: &AccountView,
    authority: &AccountView,
    amount: u64,
) -> ProgramResult {
    let mut data = [0u8; 9];
    data[0] = BURN;
    data[1..].copy_from_slice(&amount.to_le_bytes());
    invoke(
        &InstructionView {
            program_id: token_program.address(),
            data: &data,
            accounts: &[
                InstructionAccount::writable(account.address()),
                InstructionAccount::writable(mint.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[account, mint, authority],
    )
}

/// `TransferChecked { amount, decimals }`, authorized by the user's own signature.
pub fn transfer_checked(
    token_program: &AccountView,
    source: &AccountView,
    mint: &AccountView,
    destination: &AccountView,
    authority: &AccountView,
    amount: u64,
    decimals: u8,
) -> ProgramResult {
    let mut data = [0u8; 10];
    data[0] = TRANSFER_CHECKED;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data[9] = decimals;
    invoke(
        &InstructionView {
            program_id: token_program.address(),
            data: &data,
            accounts: &[
                InstructionAccount::writable(source.address()),
                InstructionAccount::readonly(mint.address()),
                InstructionAccount::writable(destination.address()),
                InstructionAccount::readonly_signer(authority.address()),
            ],
        },
        &[source, mint, destination, authority],
    )
}
