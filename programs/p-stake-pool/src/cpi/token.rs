//! SPL Token / Token-2022 instructions (same encoding in both programs), one struct per
//! instruction (see `cpi::stake` for why builders are structs). The program id is the pool's
//! stored token program, verified by the caller.

use pinocchio::{
    cpi::{invoke, invoke_signed, Seed, Signer},
    instruction::{InstructionAccount, InstructionView},
    AccountView, ProgramResult,
};

const MINT_TO: u8 = 7;
const BURN: u8 = 8;
const TRANSFER_CHECKED: u8 = 12;

/// `MintTo { amount }`, signed by the pool's withdraw authority.
pub struct MintTo<'a> {
    pub token_program: &'a AccountView,
    pub mint: &'a AccountView,
    pub destination: &'a AccountView,
    pub mint_authority: &'a AccountView,
    pub amount: u64,
}

impl MintTo<'_> {
    pub fn invoke_signed(&self, signers: &[Signer]) -> ProgramResult {
        let mut data = [0u8; 9];
        data[0] = MINT_TO;
        data[1..].copy_from_slice(&self.amount.to_le_bytes());
        invoke_signed(
            &InstructionView {
                program_id: self.token_program.address(),
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.mint.address()),
                    InstructionAccount::writable(self.destination.address()),
                    InstructionAccount::readonly_signer(self.mint_authority.address()),
                ],
            },
            &[self.mint, self.destination, self.mint_authority],
            signers,
        )
    }
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
    for (destination, amount, always) in [
        (user, split.user, true),
        (manager_fee_account, split.manager_fee, false),
        (referrer, split.referral_fee, false),
    ] {
        if always || amount > 0 {
            MintTo {
                token_program,
                mint,
                destination,
                mint_authority,
                amount,
            }
            .invoke_signed(&[Signer::from(seeds)])?;
        }
    }
    Ok(())
}

/// `Burn { amount }`, authorized by the user's own signature (owner or delegate).
pub struct Burn<'a> {
    pub token_program: &'a AccountView,
    pub account: &'a AccountView,
    pub mint: &'a AccountView,
    pub authority: &'a AccountView,
    pub amount: u64,
}

impl Burn<'_> {
    pub fn invoke(&self) -> ProgramResult {
        let mut data = [0u8; 9];
        data[0] = BURN;
        data[1..].copy_from_slice(&self.amount.to_le_bytes());
        invoke(
            &InstructionView {
                program_id: self.token_program.address(),
                data: &data,
                accounts: &[
                    InstructionAccount::writable(self.account.address()),
                    InstructionAccount::writable(self.mint.address()),
                    InstructionAccount::readonly_signer(self.authority.address()),
                ],
            },
            &[self.account, self.mint, self.authority],
        )
    }
}

/// `TransferChecked { amount, decimals }`, authorized by the user's own signature.
pub struct TransferChecked<'a> {
    pub token_program: &'a AccountView,
    pub source: &'a AccountView,
    pub mint: &'a AccountView,
    pub destination: &'a AccountView,
    pub authority: &'a AccountView,
    pub amount: u64,
    pub decimals: u8,
}

impl TransferChecked<'_> {
    pub fn invoke(&self) -> ProgramResult {
        let mut data = [0u8; 10];
        data[0] = TRANSFER_CHECKED;
        data[1..9].copy_from_slice(&self.amount.to_le_bytes());
        data[9] = self.decimals;
        invoke(
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
        )
    }
}
