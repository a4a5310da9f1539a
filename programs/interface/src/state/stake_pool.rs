//! The `StakePool` account, laid out byte for byte as the SPL stake pool's Borsh encoding.
//!
//! The first 346 bytes have fixed offsets and are read in place through [`StakePoolHeader`].
//! After them come Borsh `Option`s and `FutureEpoch`s, so later fields move with the variants
//! stored before them; [`StakePoolTail`] decodes and re-encodes that part. Hot paths touch only
//! the header (plus a tail decode for the fees they need); writers of the tail re-encode it in
//! full, exactly as the reference program's `borsh::to_writer` does, leaving any bytes after
//! the encoding untouched.

use crate::math::Fee;
use solana_address::Address;
use solana_program_error::ProgramError;

use super::{read_u64, AccountType};

/// Size clients allocate for a stake pool: the encoding with every `Option` present.
pub const STAKE_POOL_LEN: usize = 611;
/// Where the variable-length part starts.
pub const TAIL_OFFSET: usize = 346;

/// Fixed-offset prefix of the stake pool account.
#[repr(C)]
pub struct StakePoolHeader {
    account_type: u8,
    pub manager: Address,
    pub staker: Address,
    pub stake_deposit_authority: Address,
    pub stake_withdraw_bump_seed: u8,
    pub validator_list: Address,
    pub reserve_stake: Address,
    pub pool_mint: Address,
    pub manager_fee_account: Address,
    pub token_program_id: Address,
    total_lamports: [u8; 8],
    pool_token_supply: [u8; 8],
    last_update_epoch: [u8; 8],
    /// Stake lockup applied to pool stake accounts: unix_timestamp i64, epoch u64, custodian.
    pub lockup: [u8; 48],
    epoch_fee_denominator: [u8; 8],
    epoch_fee_numerator: [u8; 8],
}

const _: () = assert!(core::mem::size_of::<StakePoolHeader>() == TAIL_OFFSET);
const _: () = assert!(core::mem::align_of::<StakePoolHeader>() == 1);

impl StakePoolHeader {
    /// Views the header of any stake pool account data (initialized or not).
    #[inline(always)]
    pub fn load(data: &[u8]) -> Result<&Self, ProgramError> {
        if data.len() < TAIL_OFFSET {
            return Err(ProgramError::BorshIoError);
        }
        // SAFETY: the length is checked, the struct has alignment 1 and every bit pattern is
        // valid for its byte-array fields.
        Ok(unsafe { &*(data.as_ptr() as *const Self) })
    }

    /// Mutable view of the header.
    #[inline(always)]
    pub fn load_mut(data: &mut [u8]) -> Result<&mut Self, ProgramError> {
        if data.len() < TAIL_OFFSET {
            return Err(ProgramError::BorshIoError);
        }
        // SAFETY: as in `load`; the exclusive borrow of `data` is carried over.
        Ok(unsafe { &mut *(data.as_mut_ptr() as *mut Self) })
    }

    /// Views an initialized pool: the account type must say `StakePool`. Callers check the
    /// owner first, so a foreign account never gets here.
    #[inline(always)]
    pub fn load_initialized(data: &[u8]) -> Result<&Self, ProgramError> {
        let header = Self::load(data)?;
        match header.account_type()? {
            AccountType::StakePool => Ok(header),
            _ => Err(crate::error::StakePoolError::InvalidState.into()),
        }
    }

    #[inline(always)]
    pub fn account_type(&self) -> Result<AccountType, ProgramError> {
        AccountType::from_byte(self.account_type)
    }
    #[inline(always)]
    pub fn set_account_type(&mut self, account_type: AccountType) {
        self.account_type = account_type as u8;
    }
    #[inline(always)]
    pub fn total_lamports(&self) -> u64 {
        u64::from_le_bytes(self.total_lamports)
    }
    #[inline(always)]
    pub fn set_total_lamports(&mut self, value: u64) {
        self.total_lamports = value.to_le_bytes();
    }
    #[inline(always)]
    pub fn pool_token_supply(&self) -> u64 {
        u64::from_le_bytes(self.pool_token_supply)
    }
    #[inline(always)]
    pub fn set_pool_token_supply(&mut self, value: u64) {
        self.pool_token_supply = value.to_le_bytes();
    }
    /// Records a deposit: `minted` pool tokens for `lamports` entering the pool.
    #[inline(always)]
    pub fn record_deposit(&mut self, minted: u64, lamports: u64) -> Result<(), ProgramError> {
        let supply = self.pool_token_supply().checked_add(minted);
        let total = self.total_lamports().checked_add(lamports);
        self.set_supply_and_total(supply, total)
    }
    /// Records a withdrawal: `burnt` pool tokens for `lamports` leaving the pool.
    #[inline(always)]
    pub fn record_withdrawal(&mut self, burnt: u64, lamports: u64) -> Result<(), ProgramError> {
        let supply = self.pool_token_supply().checked_sub(burnt);
        let total = self.total_lamports().checked_sub(lamports);
        self.set_supply_and_total(supply, total)
    }
    #[inline(always)]
    fn set_supply_and_total(
        &mut self,
        supply: Option<u64>,
        total: Option<u64>,
    ) -> Result<(), ProgramError> {
        let (Some(supply), Some(total)) = (supply, total) else {
            return Err(crate::error::StakePoolError::CalculationFailure.into());
        };
        self.set_pool_token_supply(supply);
        self.set_total_lamports(total);
        Ok(())
    }
    #[inline(always)]
    pub fn last_update_epoch(&self) -> u64 {
        u64::from_le_bytes(self.last_update_epoch)
    }
    #[inline(always)]
    pub fn set_last_update_epoch(&mut self, value: u64) {
        self.last_update_epoch = value.to_le_bytes();
    }
    #[inline(always)]
    pub fn epoch_fee(&self) -> Fee {
        Fee {
            denominator: u64::from_le_bytes(self.epoch_fee_denominator),
            numerator: u64::from_le_bytes(self.epoch_fee_numerator),
        }
    }
    #[inline(always)]
    pub fn set_epoch_fee(&mut self, fee: Fee) {
        self.epoch_fee_denominator = fee.denominator.to_le_bytes();
        self.epoch_fee_numerator = fee.numerator.to_le_bytes();
    }
}

/// A fee that takes effect after one or two more epoch boundaries (`FutureEpoch<Fee>`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FutureFee {
    #[default]
    None,
    /// Takes effect at the next epoch boundary.
    One(Fee),
    /// Takes effect at the boundary after next.
    Two(Fee),
}

impl FutureFee {
    /// The fee to apply at this epoch boundary, if any, and the state after the boundary.
    #[inline]
    pub fn rotate(self) -> (Option<Fee>, FutureFee) {
        match self {
            FutureFee::None => (None, FutureFee::None),
            FutureFee::One(fee) => (Some(fee), FutureFee::None),
            FutureFee::Two(fee) => (None, FutureFee::One(fee)),
        }
    }
}

/// The variable-length fields after the header, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StakePoolTail {
    pub next_epoch_fee: FutureFee,
    pub preferred_deposit_validator: Option<Address>,
    pub preferred_withdraw_validator: Option<Address>,
    pub stake_deposit_fee: Fee,
    pub stake_withdrawal_fee: Fee,
    pub next_stake_withdrawal_fee: FutureFee,
    pub stake_referral_fee: u8,
    pub sol_deposit_authority: Option<Address>,
    pub sol_deposit_fee: Fee,
    pub sol_referral_fee: u8,
    pub sol_withdraw_authority: Option<Address>,
    pub sol_withdrawal_fee: Fee,
    pub next_sol_withdrawal_fee: FutureFee,
    pub last_epoch_pool_token_supply: u64,
    pub last_epoch_total_lamports: u64,
}

/// Sequential Borsh reader over the tail. Any malformed byte is `BorshIoError`, as the
/// reference program reports a pool it cannot deserialize.
struct Reader<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn take(&mut self, length: usize) -> Result<&'a [u8], ProgramError> {
        let end = self
            .position
            .checked_add(length)
            .ok_or(ProgramError::BorshIoError)?;
        let bytes = self
            .data
            .get(self.position..end)
            .ok_or(ProgramError::BorshIoError)?;
        self.position = end;
        Ok(bytes)
    }
    #[inline(always)]
    fn byte(&mut self) -> Result<u8, ProgramError> {
        Ok(self.take(1)?[0])
    }
    #[inline(always)]
    fn u64(&mut self) -> Result<u64, ProgramError> {
        Ok(read_u64(self.take(8)?))
    }
    #[inline(always)]
    fn fee(&mut self) -> Result<Fee, ProgramError> {
        let denominator = self.u64()?;
        let numerator = self.u64()?;
        Ok(Fee {
            denominator,
            numerator,
        })
    }
    #[inline(always)]
    fn address(&mut self) -> Result<Address, ProgramError> {
        let bytes: [u8; 32] = self
            .take(32)?
            .try_into()
            .map_err(|_| ProgramError::BorshIoError)?;
        Ok(Address::new_from_array(bytes))
    }
    #[inline(always)]
    fn option_address(&mut self) -> Result<Option<Address>, ProgramError> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some(self.address()?)),
            _ => Err(ProgramError::BorshIoError),
        }
    }
    /// Skips an `Option<Pubkey>`, validating its tag; returns the address when present.
    #[inline(always)]
    fn option_address_ref(&mut self) -> Result<Option<&'a Address>, ProgramError> {
        match self.byte()? {
            0 => Ok(None),
            1 => {
                let bytes = self.take(32)?;
                // SAFETY: 32 bytes; `Address` is a byte array with alignment 1.
                Ok(Some(unsafe { &*(bytes.as_ptr() as *const Address) }))
            }
            _ => Err(ProgramError::BorshIoError),
        }
    }
    /// Skips a `FutureEpoch<Fee>`, validating its tag.
    #[inline(always)]
    fn skip_future_fee(&mut self) -> Result<(), ProgramError> {
        match self.byte()? {
            0 => Ok(()),
            1 | 2 => self.take(16).map(|_| ()),
            _ => Err(ProgramError::BorshIoError),
        }
    }
    #[inline(always)]
    fn future_fee(&mut self) -> Result<FutureFee, ProgramError> {
        match self.byte()? {
            0 => Ok(FutureFee::None),
            1 => Ok(FutureFee::One(self.fee()?)),
            2 => Ok(FutureFee::Two(self.fee()?)),
            _ => Err(ProgramError::BorshIoError),
        }
    }
}

/// Sequential Borsh writer; running out of room is `BorshIoError` like `borsh::to_writer`.
struct Writer<'a> {
    data: &'a mut [u8],
    position: usize,
}

impl Writer<'_> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> Result<(), ProgramError> {
        let end = self
            .position
            .checked_add(bytes.len())
            .ok_or(ProgramError::BorshIoError)?;
        self.data
            .get_mut(self.position..end)
            .ok_or(ProgramError::BorshIoError)?
            .copy_from_slice(bytes);
        self.position = end;
        Ok(())
    }
    fn fee(&mut self, fee: &Fee) -> Result<(), ProgramError> {
        self.put(&fee.denominator.to_le_bytes())?;
        self.put(&fee.numerator.to_le_bytes())
    }
    fn option_address(&mut self, value: &Option<Address>) -> Result<(), ProgramError> {
        match value {
            None => self.put(&[0]),
            Some(address) => {
                self.put(&[1])?;
                self.put(address.as_ref())
            }
        }
    }
    fn future_fee(&mut self, value: &FutureFee) -> Result<(), ProgramError> {
        match value {
            FutureFee::None => self.put(&[0]),
            FutureFee::One(fee) => {
                self.put(&[1])?;
                self.fee(fee)
            }
            FutureFee::Two(fee) => {
                self.put(&[2])?;
                self.fee(fee)
            }
        }
    }
}

impl StakePoolTail {
    /// Clears every preference for `vote` (a validator leaving the pool can no longer take
    /// pinned deposits or withdrawals); returns whether anything changed.
    pub fn forget_preferred_validator(&mut self, vote: &Address) -> bool {
        let mut changed = false;
        for preferred in [
            &mut self.preferred_deposit_validator,
            &mut self.preferred_withdraw_validator,
        ] {
            if preferred.as_ref() == Some(vote) {
                *preferred = None;
                changed = true;
            }
        }
        changed
    }

    /// Decodes the tail from the whole account data.
    pub fn decode(account_data: &[u8]) -> Result<Self, ProgramError> {
        let mut reader = Reader {
            data: account_data,
            position: TAIL_OFFSET,
        };
        Ok(Self {
            next_epoch_fee: reader.future_fee()?,
            preferred_deposit_validator: reader.option_address()?,
            preferred_withdraw_validator: reader.option_address()?,
            stake_deposit_fee: reader.fee()?,
            stake_withdrawal_fee: reader.fee()?,
            next_stake_withdrawal_fee: reader.future_fee()?,
            stake_referral_fee: reader.byte()?,
            sol_deposit_authority: reader.option_address()?,
            sol_deposit_fee: reader.fee()?,
            sol_referral_fee: reader.byte()?,
            sol_withdraw_authority: reader.option_address()?,
            sol_withdrawal_fee: reader.fee()?,
            next_sol_withdrawal_fee: reader.future_fee()?,
            last_epoch_pool_token_supply: reader.u64()?,
            last_epoch_total_lamports: reader.u64()?,
        })
    }

    /// Encodes the tail into the whole account data, after the header.
    pub fn encode(&self, account_data: &mut [u8]) -> Result<(), ProgramError> {
        let mut writer = Writer {
            data: account_data,
            position: TAIL_OFFSET,
        };
        writer.future_fee(&self.next_epoch_fee)?;
        writer.option_address(&self.preferred_deposit_validator)?;
        writer.option_address(&self.preferred_withdraw_validator)?;
        writer.fee(&self.stake_deposit_fee)?;
        writer.fee(&self.stake_withdrawal_fee)?;
        writer.future_fee(&self.next_stake_withdrawal_fee)?;
        writer.put(&[self.stake_referral_fee])?;
        writer.option_address(&self.sol_deposit_authority)?;
        writer.fee(&self.sol_deposit_fee)?;
        writer.put(&[self.sol_referral_fee])?;
        writer.option_address(&self.sol_withdraw_authority)?;
        writer.fee(&self.sol_withdrawal_fee)?;
        writer.future_fee(&self.next_sol_withdrawal_fee)?;
        writer.put(&self.last_epoch_pool_token_supply.to_le_bytes())?;
        writer.put(&self.last_epoch_total_lamports.to_le_bytes())
    }
}

/// What `WithdrawSol` needs from the tail: the SOL withdraw authority and fee.
pub struct SolWithdrawalTerms<'a> {
    pub sol_withdraw_authority: Option<&'a Address>,
    pub sol_withdrawal_fee: Fee,
}

/// Loads an initialized pool's header and only the SOL withdrawal terms of its tail. Every
/// tail field is still validated (the same errors as a full decode), but nothing else is
/// copied out: the hot path of `WithdrawSol` skips a ~250-byte decode.
#[inline(always)]
pub fn load_pool_for_sol_withdrawal(
    data: &[u8],
) -> Result<(&StakePoolHeader, SolWithdrawalTerms<'_>), ProgramError> {
    StakePoolHeader::load(data)?.account_type()?;
    let mut reader = Reader {
        data,
        position: TAIL_OFFSET,
    };
    reader.skip_future_fee()?; // next epoch fee
    reader.option_address_ref()?; // preferred deposit validator
    reader.option_address_ref()?; // preferred withdraw validator
    reader.take(32)?; // stake deposit and stake withdrawal fees
    reader.skip_future_fee()?; // next stake withdrawal fee
    reader.byte()?; // stake referral fee
    reader.option_address_ref()?; // SOL deposit authority
    reader.take(17)?; // SOL deposit fee, SOL referral fee
    let sol_withdraw_authority = reader.option_address_ref()?;
    let sol_withdrawal_fee = reader.fee()?;
    reader.skip_future_fee()?; // next SOL withdrawal fee
    reader.take(16)?; // last epoch supply and total lamports
    Ok((
        StakePoolHeader::load_initialized(data)?,
        SolWithdrawalTerms {
            sol_withdraw_authority,
            sol_withdrawal_fee,
        },
    ))
}

/// Loads an initialized pool (header and decoded tail) from account data in one step: the
/// shape every instruction that reads fees or authorities starts with.
#[inline(always)]
pub fn load_pool(data: &[u8]) -> Result<(&StakePoolHeader, StakePoolTail), ProgramError> {
    // Decode everything before judging the account type, so a malformed account reports the
    // same error as the reference program's whole-struct deserialization.
    StakePoolHeader::load(data)?.account_type()?;
    let tail = StakePoolTail::decode(data)?;
    Ok((StakePoolHeader::load_initialized(data)?, tail))
}
