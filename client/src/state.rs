//! Decoders for the pool's accounts.

use solana_pubkey::Pubkey;

use crate::Fee;

/// A pending fee change (`FutureEpoch<Fee>`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FutureFee {
    #[default]
    None,
    One(Fee),
    Two(Fee),
}

/// A decoded stake pool account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StakePool {
    pub account_type: u8,
    pub manager: Pubkey,
    pub staker: Pubkey,
    pub stake_deposit_authority: Pubkey,
    pub stake_withdraw_bump_seed: u8,
    pub validator_list: Pubkey,
    pub reserve_stake: Pubkey,
    pub pool_mint: Pubkey,
    pub manager_fee_account: Pubkey,
    pub token_program_id: Pubkey,
    pub total_lamports: u64,
    pub pool_token_supply: u64,
    pub last_update_epoch: u64,
    pub lockup: [u8; 48],
    pub epoch_fee: Fee,
    pub next_epoch_fee: FutureFee,
    pub preferred_deposit_validator: Option<Pubkey>,
    pub preferred_withdraw_validator: Option<Pubkey>,
    pub stake_deposit_fee: Fee,
    pub stake_withdrawal_fee: Fee,
    pub next_stake_withdrawal_fee: FutureFee,
    pub stake_referral_fee: u8,
    pub sol_deposit_authority: Option<Pubkey>,
    pub sol_deposit_fee: Fee,
    pub sol_referral_fee: u8,
    pub sol_withdraw_authority: Option<Pubkey>,
    pub sol_withdrawal_fee: Fee,
    pub next_sol_withdrawal_fee: FutureFee,
    pub last_epoch_pool_token_supply: u64,
    pub last_epoch_total_lamports: u64,
}

/// Why an account could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError("account data too short"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn pubkey(&mut self) -> Result<Pubkey, DecodeError> {
        Ok(Pubkey::new_from_array(self.take(32)?.try_into().unwrap()))
    }
    fn fee(&mut self) -> Result<Fee, DecodeError> {
        Ok(Fee {
            denominator: self.u64()?,
            numerator: self.u64()?,
        })
    }
    fn option_pubkey(&mut self) -> Result<Option<Pubkey>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.pubkey()?)),
            _ => Err(DecodeError("invalid Option tag")),
        }
    }
    fn future_fee(&mut self) -> Result<FutureFee, DecodeError> {
        match self.u8()? {
            0 => Ok(FutureFee::None),
            1 => Ok(FutureFee::One(self.fee()?)),
            2 => Ok(FutureFee::Two(self.fee()?)),
            _ => Err(DecodeError("invalid FutureEpoch tag")),
        }
    }
}

impl StakePool {
    /// Decodes a stake pool account's data.
    pub fn decode(data: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader(data);
        Ok(Self {
            account_type: r.u8()?,
            manager: r.pubkey()?,
            staker: r.pubkey()?,
            stake_deposit_authority: r.pubkey()?,
            stake_withdraw_bump_seed: r.u8()?,
            validator_list: r.pubkey()?,
            reserve_stake: r.pubkey()?,
            pool_mint: r.pubkey()?,
            manager_fee_account: r.pubkey()?,
            token_program_id: r.pubkey()?,
            total_lamports: r.u64()?,
            pool_token_supply: r.u64()?,
            last_update_epoch: r.u64()?,
            lockup: r.take(48)?.try_into().unwrap(),
            epoch_fee: r.fee()?,
            next_epoch_fee: r.future_fee()?,
            preferred_deposit_validator: r.option_pubkey()?,
            preferred_withdraw_validator: r.option_pubkey()?,
            stake_deposit_fee: r.fee()?,
            stake_withdrawal_fee: r.fee()?,
            next_stake_withdrawal_fee: r.future_fee()?,
            stake_referral_fee: r.u8()?,
            sol_deposit_authority: r.option_pubkey()?,
            sol_deposit_fee: r.fee()?,
            sol_referral_fee: r.u8()?,
            sol_withdraw_authority: r.option_pubkey()?,
            sol_withdrawal_fee: r.fee()?,
            next_sol_withdrawal_fee: r.future_fee()?,
            last_epoch_pool_token_supply: r.u64()?,
            last_epoch_total_lamports: r.u64()?,
        })
    }

    /// Lamports one whole pool token (10^9 base units) is worth, rounded down.
    pub fn lamports_per_pool_token(&self) -> Option<u64> {
        if self.pool_token_supply == 0 {
            return None;
        }
        u64::try_from(self.total_lamports as u128 * 1_000_000_000 / self.pool_token_supply as u128)
            .ok()
    }
}

/// Size of a validator list account holding up to `max_validators` entries.
pub fn validator_list_len(max_validators: u32) -> usize {
    9 + 73 * max_validators as usize
}

/// Size of a stake pool account.
pub const STAKE_POOL_LEN: usize = 611;
