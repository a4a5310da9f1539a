//! The p-stake-pool delegation strategy: where the pool's stake goes, as pure, deterministic
//! functions over public data, so the operator's tool now and an on-chain steward later run
//! the same code on the same bytes.
//!
//! - [`vote`]: vote accounts read from their bytes (versions `1_14_11`, `V3` and `V4`).
//! - [`criteria`]: what a validator must pass (commission, credits, delinquency, history,
//!   cluster stake, BLS key, the operator's lists), each with the value that decided it, and
//!   the score of those that pass.
//! - [`targets`]: ranks, seats (with hysteresis for incumbents) and each validator's share of
//!   the pool under per-validator and per-label caps, with a reserve share kept liquid.
//! - [`moves`]: the additions, increases, decreases and removals that approach the targets
//!   within the program's rules and a per-epoch cap on stake moved; instant exits outside it.
//! - [`decide`] runs the four in order.
//!
//! # Commission changes between two runs
//!
//! A validator may raise its commission and lower it again between two looks at its vote
//! account. Since `delay_commission_updates` (SIMD-0249, active on mainnet) the inflation
//! rewards of epoch `E` are paid at the commission the account held when epoch `E - 1`
//! began. A raise that stands is seen in the account, and the validator exits (an instant
//! exit) before the raise is charged. A raise made just before an epoch boundary and undone
//! just after it may be seen by no look at the account; it is charged on the rewards of the
//! epoch after next, and `getInflationReward` reports, for each vote account and epoch, the
//! commission its rewards were actually paid at. The criterion holds a validator to the higher
//! of its current commission and every commission charged over the credit window
//! ([`criteria::Candidate::charged_commission_bps`]): it exits when that reward is paid and
//! stays out for the window, so the pool loses at most the one epoch charged. An RPC that
//! cannot answer `getInflationReward` for an epoch leaves only the current commission for it,
//! and the operator's tool says so. On-chain, where no RPC exists, a steward must compare the
//! rewards its own stake accounts received with the credits the validator earned, and feed
//! the commission that implies in the same place.
//!
//! `no_std`, no allocator: callers pass the buffers.
#![no_std]

pub mod criteria;
pub mod moves;
pub mod targets;
pub mod vote;

use criteria::{evaluate, Candidate, ClusterClock, Criteria, Evaluation};
use moves::{plan_with_floor, Limits, Line, Move, PlanError, Spent};
use targets::{allocate, share_of, Allocation, AllocationError, Standing, Target};

/// The whole policy: criteria, allocation and the pace of moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strategy<'a> {
    pub criteria: Criteria,
    pub allocation: Allocation<'a>,
    /// Most of the pool moved in one epoch, instant exits aside.
    pub max_epoch_move_bps: u16,
    /// Differences up to this share of the pool are left alone.
    pub hysteresis_bps: u16,
}

/// Why a strategy is not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrategyError {
    /// A share above 10,000 bps (which one).
    ShareAbove100Percent(&'static str),
    /// No seats: `validators` is 0.
    NoSeats,
    /// The credit window is empty.
    NoCreditWindow,
    /// More than 64 labels.
    TooManyLabels,
}

impl Strategy<'_> {
    /// Checks every number is possible.
    pub fn validate(&self) -> Result<(), StrategyError> {
        let full = vote::FULL_BPS;
        let shares: [(&'static str, u16); 8] = [
            (
                "max-inflation-commission",
                self.criteria.max_inflation_commission_bps,
            ),
            (
                "max-block-revenue-commission",
                self.criteria.max_block_revenue_commission_bps,
            ),
            ("min-credit-share", self.criteria.min_credit_share_bps),
            ("max-cluster-stake", self.criteria.max_cluster_stake_bps),
            ("max-pool-share", self.allocation.max_pool_share_bps),
            ("reserve-share", self.allocation.reserve_share_bps),
            ("max-epoch-move", self.max_epoch_move_bps),
            ("hysteresis", self.hysteresis_bps),
        ];
        for (name, share) in shares {
            if share > full {
                return Err(StrategyError::ShareAbove100Percent(name));
            }
        }
        if self.allocation.label_caps_bps.iter().any(|cap| *cap > full) {
            return Err(StrategyError::ShareAbove100Percent("label cap"));
        }
        if self.allocation.label_caps_bps.len() > 64 {
            return Err(StrategyError::TooManyLabels);
        }
        if self.allocation.validators == 0 {
            return Err(StrategyError::NoSeats);
        }
        if self.criteria.credit_epochs == 0 {
            return Err(StrategyError::NoCreditWindow);
        }
        Ok(())
    }
}

/// A validator in the pool: its entry in the validator list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    pub active: u64,
    pub transient: u64,
    /// The entry's status is `Active`.
    pub active_entry: bool,
}

impl Holding {
    /// Reads a validator list entry.
    pub fn from_entry(
        entry: &p_stake_pool_interface::state::validator_list::ValidatorStakeInfo,
    ) -> Self {
        Holding {
            active: entry.active_stake_lamports(),
            transient: entry.transient_stake_lamports(),
            active_entry: entry.status_byte()
                == p_stake_pool_interface::state::validator_list::StakeStatus::Active as u8,
        }
    }
}

/// One validator's inputs: how the cluster sees it and what the pool holds with it.
#[derive(Clone, Copy, Debug)]
pub struct Subject<'a> {
    pub candidate: Candidate<'a>,
    pub holding: Option<Holding>,
}

/// The pool's numbers for the moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolState {
    /// The reserve stake account's lamports.
    pub reserve: u64,
    /// Rent of the reserve (it keeps it).
    pub reserve_rent: u64,
    /// Rent of a stake account.
    pub stake_rent: u64,
    /// `math::minimum_delegation` of the stake program's minimum.
    pub minimum_delegation: u64,
    /// Entries the validator list can still take.
    pub list_room: u32,
    /// Stake moved this epoch that the list does not show: the minimum delegation of each
    /// validator added this epoch (its stake account is activating).
    pub moved_this_epoch: u64,
}

/// Every output of a decision, one entry per subject.
pub struct Workspace<'w> {
    pub evaluations: &'w mut [Evaluation],
    pub standings: &'w mut [Standing],
    pub targets: &'w mut [Target],
    pub lines: &'w mut [Line],
    pub moves: &'w mut [Move],
    pub order: &'w mut [u32],
}

/// Why a decision could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecideError {
    Strategy(StrategyError),
    /// A workspace slice is not as long as the subjects.
    BufferLength,
}

/// What the pool holds, in total: its validators' stake accounts and the reserve.
pub fn pool_lamports(subjects: &[Subject], reserve: u64) -> u64 {
    subjects
        .iter()
        .filter_map(|subject| subject.holding)
        .map(|holding| holding.active.saturating_add(holding.transient))
        .fold(reserve, u64::saturating_add)
}

/// Evaluates every subject, allocates the pool and plans this epoch's moves.
pub fn decide(
    strategy: &Strategy,
    clock: &ClusterClock,
    pool: &PoolState,
    subjects: &[Subject],
    work: Workspace,
) -> Result<Spent, DecideError> {
    strategy.validate().map_err(DecideError::Strategy)?;
    let count = subjects.len();
    if work.evaluations.len() != count || work.standings.len() != count || work.lines.len() != count
    {
        return Err(DecideError::BufferLength);
    }
    for ((subject, evaluation), standing) in subjects
        .iter()
        .zip(work.evaluations.iter_mut())
        .zip(work.standings.iter_mut())
    {
        *evaluation = evaluate(&subject.candidate, &strategy.criteria, clock);
        *standing = Standing {
            vote: subject.candidate.vote,
            eligible: evaluation.eligible(),
            score: evaluation.score,
            incumbent: subject.holding.is_some_and(|holding| holding.active_entry),
            labels: subject.candidate.labels,
        };
    }
    let total = pool_lamports(subjects, pool.reserve);
    let minimum = pool.stake_rent.saturating_add(pool.minimum_delegation);
    // A per-validator cap below a validator's minimum (rent plus the minimum delegation)
    // would seat no one and empty every validator: the pool is too small for the strategy,
    // so every holding stays where it is — instant exits aside.
    let too_small = share_of(total, strategy.allocation.max_pool_share_bps) < minimum;
    allocate(
        work.standings,
        &strategy.allocation,
        total,
        minimum,
        work.targets,
        work.order,
    )
    .map_err(|AllocationError::BufferLength| DecideError::BufferLength)?;
    for (((subject, evaluation), target), line) in subjects
        .iter()
        .zip(work.evaluations.iter())
        .zip(work.targets.iter())
        .zip(work.lines.iter_mut())
    {
        let holding = subject.holding;
        let current = holding.map_or(0, |holding| {
            holding.active.saturating_add(holding.transient)
        });
        // What the pool holds with a validator whose account this crate cannot read stays.
        let unreadable = subject.candidate.account.is_none() && !subject.candidate.closed;
        *line = Line {
            in_pool: holding.is_some(),
            active_entry: holding.is_some_and(|holding| holding.active_entry),
            active: holding.map_or(0, |holding| holding.active),
            transient: holding.map_or(0, |holding| holding.transient),
            target: if too_small || unreadable {
                current
            } else if target.seated {
                target.lamports
            } else {
                0
            },
            instant_exit: holding.is_some() && evaluation.instant_exit().is_some(),
        };
    }
    // The reserve keeps its rent and its share of the pool for withdrawals.
    let floor = pool
        .reserve_rent
        .saturating_add(share_of(total, strategy.allocation.reserve_share_bps));
    // Deciding twice in an epoch must not move twice the cap. Once the pool is current, the
    // update has settled every older move: a transient account holds stake moved this epoch,
    // an entry that is not active was removed this epoch (its whole stake counts, instant
    // exits included — conservative), and the caller counts what it added this epoch.
    let in_flight = subjects
        .iter()
        .filter_map(|subject| subject.holding)
        .map(|holding| {
            if holding.active_entry {
                holding.transient
            } else {
                holding.active.saturating_add(holding.transient)
            }
        })
        .fold(pool.moved_this_epoch, u64::saturating_add);
    let reserve_spendable = pool.reserve.saturating_sub(floor);
    // What the floor holds above the reserve's own rent: decreases may pay their transients'
    // rent from it (they return it, and refill the floor, at the next update).
    let floor_above_rent = pool
        .reserve
        .saturating_sub(pool.reserve_rent)
        .saturating_sub(reserve_spendable);
    let limits = Limits {
        stake_rent: pool.stake_rent,
        minimum_delegation: pool.minimum_delegation,
        reserve_spendable,
        epoch_cap: share_of(total, strategy.max_epoch_move_bps).saturating_sub(in_flight),
        hysteresis: share_of(total, strategy.hysteresis_bps),
        list_room: pool.list_room,
    };
    let mut spent = plan_with_floor(
        work.lines,
        &limits,
        floor_above_rent,
        work.moves,
        work.order,
    )
    .map_err(|PlanError::BufferLength| DecideError::BufferLength)?;
    spent.pool_too_small = too_small;
    Ok(spent)
}
