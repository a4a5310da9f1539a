//! Exchange rate and fee math: pure functions, 128-bit intermediates, every step checked.
//!
//! Rounding always favours the pool: amounts paid to users (pool tokens for a deposit, lamports
//! for a withdrawal, referral shares) round down, fees round up. `None` means the computation
//! overflowed or divided by zero; instructions turn it into `CalculationFailure`.

use wide_math::{mul_div_ceil, mul_div_floor, widening_mul};

/// A fee as a fraction. Field order matches the on-chain layout: denominator first.
/// A zero denominator means "no fee".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fee {
    pub denominator: u64,
    pub numerator: u64,
}

/// The pool never delegates less than this to a validator, whatever the stake program's
/// minimum (it keeps every validator stake large enough to split from).
pub const MINIMUM_ACTIVE_STAKE: u64 = 1_000_000;

/// The pool's minimum delegation: the larger of the stake program's and ours. Every
/// increase and decrease moves at least this much, and every validator stake keeps it
/// (plus rent).
#[inline(always)]
pub fn minimum_delegation(stake_program_minimum: u64) -> u64 {
    stake_program_minimum.max(MINIMUM_ACTIVE_STAKE)
}

/// The largest factor by which a withdrawal fee may grow in one change: 3/2.
pub const MAX_WITHDRAWAL_FEE_INCREASE_FACTOR: Fee = Fee {
    denominator: 2,
    numerator: 3,
};
/// The largest absolute step by which a withdrawal fee may grow in one change: 0.5 points.
pub const MAX_WITHDRAWAL_FEE_INCREASE: Fee = Fee {
    denominator: 200,
    numerator: 1,
};
/// The fee the caps are measured from when the current withdrawal fee is zero: 0.1%.
pub const WITHDRAWAL_BASELINE_FEE: Fee = Fee {
    denominator: 1000,
    numerator: 1,
};

impl Fee {
    /// The fee charged on `amount`, rounded up: ceil(amount * numerator / denominator).
    #[inline]
    pub fn apply(&self, amount: u64) -> Option<u64> {
        if self.denominator == 0 {
            return Some(0);
        }
        mul_div_ceil(amount, self.numerator, self.denominator)
    }

    /// Fees above 100% are refused everywhere.
    #[inline]
    pub fn is_above_100_percent(&self) -> bool {
        self.numerator > self.denominator
    }

    /// Whether moving from `current` to `self` respects both withdrawal-fee increase caps:
    /// at most +0.5 percentage points and at most x1.5 per change (measured from 0.1% when the
    /// current fee is zero). `None` when the products overflow 128 bits.
    pub fn is_allowed_withdrawal_fee_increase(&self, current: &Fee) -> Option<bool> {
        let (old_numerator, old_denominator) = if current.denominator == 0 || current.numerator == 0
        {
            (
                WITHDRAWAL_BASELINE_FEE.numerator,
                WITHDRAWAL_BASELINE_FEE.denominator,
            )
        } else {
            (current.numerator, current.denominator)
        };
        // new - old <= 1/200, cross-multiplied:
        // old_den * new_den * 1 >= (new_num * old_den - new_den * old_num) * 200
        let common_denominator = wide_math::checked_mul_wide(
            widening_mul(old_denominator, self.denominator),
            MAX_WITHDRAWAL_FEE_INCREASE.numerator,
        )?;
        let increase = widening_mul(self.numerator, old_denominator)
            .saturating_sub(widening_mul(self.denominator, old_numerator));
        let scaled_increase =
            wide_math::checked_mul_wide(increase, MAX_WITHDRAWAL_FEE_INCREASE.denominator)?;
        if common_denominator < scaled_increase {
            return Some(false);
        }
        // new / old <= 3/2, cross-multiplied: old_num * new_den * 3 >= new_num * old_den * 2
        let old_scaled = wide_math::checked_mul_wide(
            widening_mul(old_numerator, self.denominator),
            MAX_WITHDRAWAL_FEE_INCREASE_FACTOR.numerator,
        )?;
        let new_scaled = wide_math::checked_mul_wide(
            widening_mul(self.numerator, old_denominator),
            MAX_WITHDRAWAL_FEE_INCREASE_FACTOR.denominator,
        )?;
        Some(old_scaled >= new_scaled)
    }
}

/// Pool tokens minted for `lamports` entering a pool holding `total_lamports` against
/// `pool_token_supply` tokens: floor(lamports * supply / total), 1:1 for an empty pool.
#[inline]
pub fn pool_tokens_for_deposit(
    lamports: u64,
    total_lamports: u64,
    pool_token_supply: u64,
) -> Option<u64> {
    if total_lamports == 0 || pool_token_supply == 0 {
        return Some(lamports);
    }
    mul_div_floor(lamports, pool_token_supply, total_lamports)
}

/// Lamports paid for `pool_tokens`: floor(tokens * total / supply), 0 when supply is 0.
#[inline]
pub fn lamports_for_pool_tokens(
    pool_tokens: u64,
    total_lamports: u64,
    pool_token_supply: u64,
) -> Option<u64> {
    if pool_token_supply == 0 {
        return Some(0);
    }
    mul_div_floor(pool_tokens, total_lamports, pool_token_supply)
}

/// The referrer's share of a fee: floor(fee * percent / 100).
#[inline]
pub fn referral_share(fee_pool_tokens: u64, referral_percent: u8) -> Option<u64> {
    mul_div_floor(fee_pool_tokens, referral_percent as u64, 100)
}

/// How a deposit's pool tokens split between the user, the manager and the referrer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepositSplit {
    /// All pool tokens minted for the deposit (user + manager + referrer).
    pub minted: u64,
    pub user: u64,
    pub manager_fee: u64,
    pub referral_fee: u64,
}

/// Splits the pool tokens minted for a deposit of `lamports`: the fee (rounded up) comes off
/// the user's share, and the referrer gets its percentage of the fee (rounded down).
pub fn split_deposit(
    lamports: u64,
    total_lamports: u64,
    pool_token_supply: u64,
    deposit_fee: &Fee,
    referral_percent: u8,
) -> Option<DepositSplit> {
    let minted = pool_tokens_for_deposit(lamports, total_lamports, pool_token_supply)?;
    let fee = deposit_fee.apply(minted)?;
    let user = minted.checked_sub(fee)?;
    let referral_fee = referral_share(fee, referral_percent)?;
    let manager_fee = fee.checked_sub(referral_fee)?;
    Some(DepositSplit {
        minted,
        user,
        manager_fee,
        referral_fee,
    })
}

/// Splits the pool tokens minted for a stake deposit of `total_lamports_in`, of which
/// `stake_lamports_in` arrived as delegated stake and the rest as undelegated lamports. The
/// delegated part pays the stake deposit fee and the rest the SOL deposit fee (each rounded
/// up), so lamports riding along with a stake account cannot dodge the SOL deposit fee. The
/// referrer gets `referral_percent` of the total fee (rounded down).
pub fn split_stake_deposit(
    total_lamports_in: u64,
    stake_lamports_in: u64,
    total_lamports: u64,
    pool_token_supply: u64,
    stake_deposit_fee: &Fee,
    sol_deposit_fee: &Fee,
    referral_percent: u8,
) -> Option<DepositSplit> {
    let minted = pool_tokens_for_deposit(total_lamports_in, total_lamports, pool_token_supply)?;
    let minted_for_stake =
        pool_tokens_for_deposit(stake_lamports_in, total_lamports, pool_token_supply)?;
    let minted_for_sol = minted.checked_sub(minted_for_stake)?;
    let fee = stake_deposit_fee
        .apply(minted_for_stake)?
        .checked_add(sol_deposit_fee.apply(minted_for_sol)?)?;
    let user = minted.checked_sub(fee)?;
    let referral_fee = referral_share(fee, referral_percent)?;
    let manager_fee = fee.checked_sub(referral_fee)?;
    Some(DepositSplit {
        minted,
        user,
        manager_fee,
        referral_fee,
    })
}

/// The most a deposit may lose to rounding, beyond [`DEPOSIT_ROUNDING_ALLOWANCE`]: one part in
/// 10,000 (0.01%) of the lamports deposited.
pub const DEPOSIT_ROUNDING_LOSS_DIVISOR: u64 = 10_000;
/// Rounding loss every deposit may take, whatever its size: 10,000 lamports (0.00001 SOL).
pub const DEPOSIT_ROUNDING_ALLOWANCE: u64 = 10_000;

/// Whether `minted` pool tokens for `lamports` lose too much to rounding: their value at the
/// pool's rate, rounded down, falls short of `lamports` by more than 0.01% and more than
/// 10,000 lamports. That happens only when one pool token is worth far more than a lamport —
/// the share-price inflation of a nearly empty pool (a 1-lamport first deposit, then a
/// donation to the reserve counted by the permissionless update), where the next depositor
/// would lose up to half. At any honest rate the loss is a lamport or two.
pub fn deposit_rounding_loss_is_excessive(
    lamports: u64,
    minted: u64,
    total_lamports: u64,
    pool_token_supply: u64,
) -> Option<bool> {
    if total_lamports == 0 || pool_token_supply == 0 {
        return Some(false);
    }
    // minted = floor(lamports * supply / total), so its value never exceeds `lamports`.
    let value = lamports_for_pool_tokens(minted, total_lamports, pool_token_supply)?;
    let loss = lamports.checked_sub(value)?;
    let allowance = (lamports / DEPOSIT_ROUNDING_LOSS_DIVISOR).max(DEPOSIT_ROUNDING_ALLOWANCE);
    Some(loss > allowance)
}

/// How a withdrawal of pool tokens splits: the fee (rounded up) moves to the manager's fee
/// account, the rest is burnt and paid out at the current rate (rounded down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WithdrawalSplit {
    /// Pool tokens transferred to the manager's fee account.
    pub fee: u64,
    /// Pool tokens burnt.
    pub burnt: u64,
    /// Lamports paid for the burnt tokens.
    pub lamports: u64,
}

/// Splits a withdrawal of `pool_tokens` under `withdrawal_fee` (`Fee::default()` when no fee
/// is charged: the manager's own withdrawal, or a fee account that cannot take it). Inlined:
/// as a call it takes six machine arguments (the result pointer, three amounts, the fee's two
/// fields), one more than SBPF v0 passes in registers.
#[inline(always)]
pub fn split_withdrawal(
    pool_tokens: u64,
    total_lamports: u64,
    pool_token_supply: u64,
    withdrawal_fee: &Fee,
) -> Option<WithdrawalSplit> {
    let fee = withdrawal_fee.apply(pool_tokens)?;
    let burnt = pool_tokens.checked_sub(fee)?;
    let lamports = lamports_for_pool_tokens(burnt, total_lamports, pool_token_supply)?;
    Some(WithdrawalSplit {
        fee,
        burnt,
        lamports,
    })
}

/// Lamports one pool token is worth, rounded up: the tolerance a withdrawal of a whole
/// account is allowed, since token amounts cannot express every lamport amount.
#[inline]
pub fn lamports_per_pool_token(total_lamports: u64, pool_token_supply: u64) -> Option<u64> {
    mul_div_ceil(total_lamports, 1, pool_token_supply)
}

/// Up to this many lamports per pool token (its smallest unit), an update counts everything
/// the pool holds. An honest pool starts at one lamport per token and grows by staking rewards
/// (a few percent a year): it never gets here. Below it, a deposit loses less than this many
/// lamports to rounding — within [`DEPOSIT_ROUNDING_ALLOWANCE`], so none is refused.
pub const UNBOUNDED_LAMPORTS_PER_POOL_TOKEN: u64 = 1_000;

/// Beyond [`UNBOUNDED_LAMPORTS_PER_POOL_TOKEN`], how much one epoch's updates may raise a pool
/// token's value over its value when the epoch started: 1 in 100 (1%), some fifty times what
/// staking rewards give.
pub const MAX_EPOCH_RATE_INCREASE: Fee = Fee {
    denominator: 100,
    numerator: 1,
};

/// The most lamports an update may count for a pool whose `pool_token_supply` tokens were worth
/// `epoch_start_total` lamports for `epoch_start_supply` tokens when the epoch started: the
/// larger of [`UNBOUNDED_LAMPORTS_PER_POOL_TOKEN`] per token and the epoch's starting value
/// raised by [`MAX_EPOCH_RATE_INCREASE`], rounded down (`u64::MAX` when it does not fit).
///
/// This closes share-price inflation: a donation to the reserve, or a burn of tokens, that
/// would make the few tokens of a nearly empty pool worth far more than a lamport each (so
/// that deposits lose to rounding, or cannot be priced at all) is held back — it stays in the
/// pool's accounts, uncounted, and later epochs' updates count it, for every holder then, at
/// no more than 1% a token an epoch. Rewards are never held back: they are far below both
/// bounds.
pub fn countable_lamports(
    pool_token_supply: u64,
    epoch_start_total: u64,
    epoch_start_supply: u64,
) -> u64 {
    let Fee {
        denominator,
        numerator,
    } = MAX_EPOCH_RATE_INCREASE;
    let raised = if epoch_start_supply == 0 {
        0
    } else {
        mul_div_floor(pool_token_supply, epoch_start_total, epoch_start_supply)
            .zip(denominator.checked_add(numerator))
            .and_then(|(at_start, raised)| mul_div_floor(at_start, raised, denominator))
            .unwrap_or(u64::MAX)
    };
    pool_token_supply
        .saturating_mul(UNBOUNDED_LAMPORTS_PER_POOL_TOKEN)
        .max(raised)
}

/// How far past the update's bound a deposit may leave the pool: one part in 10,000 (0.01%) of
/// the bound, for the lamports a deposit loses to rounding.
pub const DEPOSIT_BOUND_ALLOWANCE: Fee = Fee {
    denominator: 10_000,
    numerator: 1,
};

/// Whether a deposit that leaves the pool at `after` (total lamports, supply) pumps a token's
/// value: past the bound an update keeps ([`countable_lamports`] from `epoch_start`) by more
/// than [`DEPOSIT_BOUND_ALLOWANCE`]. What a deposit loses to rounding stays with the holders;
/// the sole holder of a nearly empty pool would pay it to themselves, raising the rate by half
/// with each deposit of 2r - 1 lamports for one token, and again with every withdrawal and
/// redeposit. The ceiling is fixed for the epoch, so no sequence of deposits climbs past it.
/// An honest pool is far within the bound; past it (only after such an attack) every deposit
/// passes once the pool holds 10,000 tokens or so, and before that every deposit that loses
/// less than a tenth of a lamport per token held.
pub fn deposit_pumps_rate(after: (u64, u64), epoch_start: (u64, u64)) -> bool {
    let (total_after, supply_after) = after;
    let Fee {
        denominator,
        numerator,
    } = DEPOSIT_BOUND_ALLOWANCE;
    let bound = countable_lamports(supply_after, epoch_start.0, epoch_start.1);
    let ceiling = denominator
        .checked_add(numerator)
        .and_then(|raised| mul_div_floor(bound, raised, denominator))
        .unwrap_or(u64::MAX);
    total_after > ceiling
}

/// Pool tokens minted to the manager for an epoch's rewards.
///
/// `reward_lamports` is the growth of the pool over the epoch and `new_total_lamports` the
/// pool's value after it. The manager's cut of the reward, `fee_lamports` (rounded up), is
/// minted at the post-fee exchange rate so that existing holders keep exactly the remaining
/// reward: supply * fee_lamports / (new_total - fee_lamports).
pub fn epoch_fee_pool_tokens(
    reward_lamports: u64,
    new_total_lamports: u64,
    pool_token_supply: u64,
    epoch_fee: &Fee,
) -> Option<u64> {
    if reward_lamports == 0 {
        return Some(0);
    }
    let fee_lamports = epoch_fee.apply(reward_lamports)?;
    if new_total_lamports == fee_lamports || pool_token_supply == 0 {
        // Nothing is left for existing holders (100% fee on everything) or nobody holds
        // tokens: the manager takes the reward 1:1, as the reference program does.
        return Some(reward_lamports);
    }
    let denominator = new_total_lamports.checked_sub(fee_lamports)?;
    mul_div_floor(pool_token_supply, fee_lamports, denominator)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fee_rounds_up_and_none_is_free() {
        let fee = Fee {
            denominator: 100,
            numerator: 3,
        };
        assert_eq!(fee.apply(1), Some(1));
        assert_eq!(fee.apply(100), Some(3));
        assert_eq!(fee.apply(101), Some(4));
        assert_eq!(Fee::default().apply(u64::MAX), Some(0));
    }

    #[test]
    fn withdrawal_fee_caps() {
        let none = Fee::default();
        // From zero: baseline 0.1% x 1.5 = 0.15% allowed, 0.16% not.
        assert_eq!(
            Fee {
                denominator: 10_000,
                numerator: 15
            }
            .is_allowed_withdrawal_fee_increase(&none),
            Some(true)
        );
        assert_eq!(
            Fee {
                denominator: 10_000,
                numerator: 16
            }
            .is_allowed_withdrawal_fee_increase(&none),
            Some(false)
        );
        // From 2%: x1.5 = 3% but the +0.5 point cap bites at 2.5%.
        let two = Fee {
            denominator: 100,
            numerator: 2,
        };
        assert_eq!(
            Fee {
                denominator: 1000,
                numerator: 25
            }
            .is_allowed_withdrawal_fee_increase(&two),
            Some(true)
        );
        assert_eq!(
            Fee {
                denominator: 1000,
                numerator: 26
            }
            .is_allowed_withdrawal_fee_increase(&two),
            Some(false)
        );
        // Decreases are always fine.
        assert_eq!(
            Fee::default().is_allowed_withdrawal_fee_increase(&two),
            Some(true)
        );
        // Overflowing products are a calculation failure, not a pass.
        let huge = Fee {
            denominator: u64::MAX,
            numerator: u64::MAX,
        };
        assert_eq!(huge.is_allowed_withdrawal_fee_increase(&huge), None);
    }

    #[test]
    fn epoch_fee_matches_formula() {
        // 10% of a 1,000 lamport reward on a pool that grew from 10,000 to 11,000 with
        // 10,000 tokens: fee 100 lamports, minted 10,000 * 100 / 10,900 = 91 tokens.
        let fee = Fee {
            denominator: 10,
            numerator: 1,
        };
        assert_eq!(epoch_fee_pool_tokens(1_000, 11_000, 10_000, &fee), Some(91));
        assert_eq!(epoch_fee_pool_tokens(0, 11_000, 10_000, &fee), Some(0));
        assert_eq!(epoch_fee_pool_tokens(5, 5, 0, &fee), Some(5));
    }

    /// A simulated pool that only uses this module's functions.
    #[derive(Debug, Clone)]
    struct Pool {
        total_lamports: u64,
        supply: u64,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Deposit { user: usize, lamports: u64 },
        Withdraw { user: usize, parts: u8 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..3, 1u64..1_000_000_000_000)
                .prop_map(|(user, lamports)| Op::Deposit { user, lamports }),
            (0usize..3, 1u8..8).prop_map(|(user, parts)| Op::Withdraw { user, parts }),
        ]
    }

    proptest! {
        /// The bound: rewards (up to 1% a token an epoch) are counted in full at any rate,
        /// and whatever else appears is held back so that a token ends the update worth no
        /// more than the larger of 1,000 lamports and its starting value plus 1%.
        #[test]
        fn past_the_bound_an_update_raises_a_tokens_value_by_at_most_one_percent(
            start_total in 1u64..(1u64 << 62),
            start_supply in 1u64..(1u64 << 62),
            supply in 1u64..(1u64 << 60),
            reward_basis_points in 0u64..100,
            donation in 0u64..(1u64 << 50),
        ) {
            let rate = |total: u64, supply: u64| (total as f64) / (supply as f64);
            let start_rate = rate(start_total, start_supply);
            let at_start = mul_div_floor(supply, start_total, start_supply).unwrap_or(u64::MAX);
            let rewarded = at_start.saturating_add(at_start / 10_000 * reward_basis_points);
            let countable = countable_lamports(supply, start_total, start_supply);
            prop_assert!(rewarded <= countable);
            let counted = rewarded.saturating_add(donation).min(countable);
            let bound = (UNBOUNDED_LAMPORTS_PER_POOL_TOKEN as f64).max(start_rate * 1.01);
            prop_assert!(rate(counted, supply) <= bound * 1.000001);
        }

        /// A deposit into a pool within the bound never counts as pumping; past it, the sole
        /// holder's deposit of 2r - 1 lamports for one token does, and a deposit into a pool
        /// of many tokens, losing up to a token's worth, does not.
        #[test]
        fn only_a_nearly_empty_pools_deposits_can_pump_its_rate(
            rate in 1u64..1_000,
            supply in 1u64..(1u64 << 40),
            lamports in 1u64..(1u64 << 40),
        ) {
            let total = supply * rate;
            let minted = pool_tokens_for_deposit(lamports, total, supply).unwrap();
            prop_assert!(!deposit_pumps_rate((total + lamports, supply + minted), (total, supply)));
            let at_bound = UNBOUNDED_LAMPORTS_PER_POOL_TOKEN;
            prop_assert!(deposit_pumps_rate((at_bound + 2 * at_bound - 1, 2), (1, 1)));
            let many = 100_000u64;
            let big = many * at_bound;
            let minted = pool_tokens_for_deposit(lamports, big, many).unwrap();
            prop_assert!(!deposit_pumps_rate((big + lamports, many + minted), (1, 1)));
        }

        /// A donation out of proportion to a nearly empty pool is counted over the following
        /// epochs (at no more than 1% a token an epoch past 1,000 lamports a token) until all
        /// of it is: nothing is lost, the pool never gets stuck.
        #[test]
        fn held_back_value_is_counted_over_later_epochs(
            supply in 1u64..1_000_000,
            donation in 0u64..(1u64 << 40),
        ) {
            let actual = supply.checked_add(donation).unwrap();
            let (mut total, mut epochs) = (supply, 0u32);
            while total < actual {
                let next = actual.min(countable_lamports(supply, total, supply));
                prop_assert!(next > total, "no progress at {total} of {actual}");
                let bound = (UNBOUNDED_LAMPORTS_PER_POOL_TOKEN as f64)
                    .max(1.01 * (total as f64) / (supply as f64));
                prop_assert!((next as f64) / (supply as f64) <= bound * 1.000001);
                total = next;
                epochs += 1;
            }
            prop_assert!(epochs <= 2_800, "{epochs} epochs");
        }

        /// Without rewards, no sequence of deposits and (split) withdrawals returns more
        /// lamports to any user than the user put in, and the pool's lamports always back
        /// its supply at a rate of at least the starting 1:1 (value never leaks out).
        #[test]
        fn no_user_extracts_value_without_rewards(
            seed_lamports in 0u64..1_000_000,
            fee_numerator in 0u64..50,
            withdraw_fee_numerator in 0u64..50,
            ops in proptest::collection::vec(op(), 1..60),
        ) {
            let deposit_fee = Fee { denominator: 1000, numerator: fee_numerator };
            let withdrawal_fee = Fee { denominator: 1000, numerator: withdraw_fee_numerator };
            // The manager owns the seed tokens (pre-funded reserve), as Initialize does.
            let mut pool = Pool { total_lamports: seed_lamports, supply: seed_lamports };
            let mut balances = [0u64; 3];
            let mut paid_in = [0u128; 3];
            let mut paid_out = [0u128; 3];
            for op in ops {
                match op {
                    Op::Deposit { user, lamports } => {
                        let Some(split) = split_deposit(lamports, pool.total_lamports, pool.supply, &deposit_fee, 0) else { continue };
                        if split.user == 0 { continue; }
                        pool.total_lamports += lamports;
                        pool.supply += split.minted;
                        balances[user] += split.user;
                        paid_in[user] += lamports as u128;
                    }
                    Op::Withdraw { user, parts } => {
                        let mut remaining = balances[user];
                        for part in 0..parts {
                            let tokens = if part + 1 == parts { remaining } else { remaining / (parts as u64) };
                            if tokens == 0 { continue; }
                            let fee = withdrawal_fee.apply(tokens).unwrap();
                            let burnt = tokens - fee;
                            let lamports = lamports_for_pool_tokens(burnt, pool.total_lamports, pool.supply).unwrap();
                            if lamports == 0 { continue; }
                            remaining -= tokens;
                            pool.supply -= burnt; // the fee moves to the manager, not burnt
                            pool.total_lamports -= lamports;
                            paid_out[user] += lamports as u128;
                        }
                        balances[user] = remaining;
                    }
                }
                // Value per token never drops below the starting 1:1: rounding stays in the pool.
                prop_assert!(pool.total_lamports as u128 >= pool.supply as u128);
            }
            for user in 0..3 {
                prop_assert!(paid_out[user] <= paid_in[user], "user {} took {} for {}", user, paid_out[user], paid_in[user]);
            }
        }

        #[test]
        fn deposit_split_adds_up(lamports: u64, total in 1u64.., supply in 1u64.., numerator in 0u64..=1000, referral in 0u8..=100) {
            let fee = Fee { denominator: 1000, numerator };
            if let Some(split) = split_deposit(lamports, total, supply, &fee, referral) {
                prop_assert_eq!(split.user + split.manager_fee + split.referral_fee, split.minted);
                prop_assert_eq!(split.minted as u128, lamports as u128 * supply as u128 / total as u128);
            } else {
                prop_assert!(lamports as u128 * supply as u128 / total as u128 > u64::MAX as u128);
            }
        }

        #[test]
        fn stake_deposit_split_adds_up_and_charges_both_fees(
            stake in 0u64..1u64 << 50,
            extra in 0u64..1u64 << 40,
            total in 1u64..1u64 << 55,
            supply in 1u64..1u64 << 55,
            stake_numerator in 0u64..=1000,
            sol_numerator in 0u64..=1000,
            referral in 0u8..=100,
        ) {
            let stake_fee = Fee { denominator: 1000, numerator: stake_numerator };
            let sol_fee = Fee { denominator: 1000, numerator: sol_numerator };
            let Some(split) = split_stake_deposit(stake + extra, stake, total, supply, &stake_fee, &sol_fee, referral) else {
                // Only a deposit worth more than u64::MAX pool tokens at this rate is refused.
                prop_assert!((stake + extra) as u128 * supply as u128 / total as u128 > u64::MAX as u128);
                return Ok(());
            };
            prop_assert_eq!(split.user + split.manager_fee + split.referral_fee, split.minted);
            // Depositing the extra lamports with the stake costs at least the SOL deposit fee
            // on them: never cheaper than depositing the stake alone and the SOL separately.
            let alone = split_stake_deposit(stake, stake, total, supply, &stake_fee, &sol_fee, referral).unwrap();
            let sol = split_deposit(extra, total, supply, &sol_fee, referral).unwrap();
            prop_assert!(split.user <= alone.user + sol.user + 1);
        }

        #[test]
        fn withdrawal_rounds_down(tokens: u64, total: u64, supply in 1u64..) {
            let expected = tokens as u128 * total as u128 / supply as u128;
            prop_assert_eq!(lamports_for_pool_tokens(tokens, total, supply), u64::try_from(expected).ok());
        }

        /// The epoch fee never gives the manager more than the configured share of the reward.
        #[test]
        fn epoch_fee_within_rate(old_total in 1u64..1u64 << 50, reward in 0u64..1u64 << 40, supply in 1u64..1u64 << 50, numerator in 0u64..=100) {
            let fee = Fee { denominator: 100, numerator };
            let new_total = old_total + reward;
            let minted = epoch_fee_pool_tokens(reward, new_total, supply, &fee).unwrap();
            let manager_value = minted as u128 * new_total as u128 / (supply as u128 + minted as u128);
            prop_assert!(manager_value <= fee.apply(reward).unwrap() as u128);
        }
    }
}
