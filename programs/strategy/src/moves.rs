//! The moves that bring the pool toward its targets, within the program's rules:
//!
//! - a move is at least the minimum delegation, and a validator's stake account keeps its
//!   minimum (rent plus the minimum delegation) after a decrease;
//! - a validator with stake in flight (a transient account) waits for the next update: the
//!   program allows one transient per validator;
//! - the reserve pays for increases, for each new transient account's rent and for a new
//!   validator's stake account (the minimum), and keeps its own rent and the floor the
//!   operator asks for; decreases reach the reserve only after the epoch, so this epoch's
//!   increases spend only what the reserve holds now. A decrease may pay its transient's rent
//!   out of the floor ([`plan_with_floor`]): the rent comes back with the decrease at the
//!   next update, and a decrease is what refills the floor;
//! - the validator list has room for the validators added.
//!
//! Stake moved in one epoch (increases, decreases, additions and removals) stays within the
//! operator's cap, except *instant exits*, which remove a validator whatever the cap. A
//! difference within the hysteresis band is left alone, so small changes of score or rewards
//! do not churn stake — unless validators short of their targets beyond the band (or
//! newcomers) lack more than the reserve and the stake on its way back to it can pay: then
//! stake held above its target within the band is decreased to fund them (the funding pass in
//! [`plan_with_floor`]). A validator that should leave is decreased toward its minimum within
//! the cap, then removed.

/// A validator as the planner sees it: what it holds and what it should hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// In the pool's validator list.
    pub in_pool: bool,
    /// Its entry is active (not being removed).
    pub active_entry: bool,
    /// Lamports in its validator stake account (rent included).
    pub active: u64,
    /// Lamports in flight in its transient stake account.
    pub transient: u64,
    /// Lamports it should hold; zero: it should leave the pool.
    pub target: u64,
    /// Leave at once, outside the cap.
    pub instant_exit: bool,
}

impl Line {
    pub fn current(&self) -> u64 {
        self.active.saturating_add(self.transient)
    }
}

/// The program's and the operator's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Rent of a stake account.
    pub stake_rent: u64,
    /// The pool's minimum delegation (`math::minimum_delegation`).
    pub minimum_delegation: u64,
    /// Reserve lamports increases and new accounts may spend: the reserve less its rent and
    /// the operator's floor.
    pub reserve_spendable: u64,
    /// Stake the epoch may move, instant exits aside.
    pub epoch_cap: u64,
    /// Differences up to this are left alone.
    pub hysteresis: u64,
    /// Entries the validator list can still take.
    pub list_room: u32,
}

impl Limits {
    /// The least a validator's stake account holds.
    pub fn minimum(&self) -> u64 {
        self.stake_rent.saturating_add(self.minimum_delegation)
    }
}

/// Why a line moves nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Within the hysteresis band, or short of a minimum delegation: nothing to do.
    OnTarget,
    /// Its entry is being removed.
    BeingRemoved,
    /// A transient account is in flight; it settles at the next update.
    InFlight,
    /// The epoch's cap on stake moved is spent.
    EpochCap,
    /// The reserve cannot pay (the move, the transient's rent, or a new stake account).
    Reserve,
    /// Its stake account is at the minimum: nothing more can leave it before removal.
    AtMinimum,
    /// The validator list is full.
    ListFull,
}

/// What to do with a line this epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Not in the pool and not wanted: nothing to do.
    None,
    /// `AddValidatorToPool`: the reserve funds its stake account with the minimum.
    Add,
    /// `IncreaseValidatorStake` of this many lamports.
    Increase(u64),
    /// `DecreaseValidatorStakeWithReserve` of this many lamports.
    Decrease(u64),
    /// `RemoveValidatorFromPool`; `instant` when outside the cap.
    Remove {
        instant: bool,
    },
    Wait(Wait),
}

/// Why the plan could not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// The output and scratch slices must be as long as the lines.
    BufferLength,
}

/// What a plan spends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spent {
    /// Reserve lamports spent this epoch (increases, rents, new stake accounts).
    pub reserve: u64,
    /// Stake moved under the cap.
    pub capped: u64,
    /// Stake removed by instant exits.
    pub instant: u64,
    /// The per-validator cap was below a validator's minimum: holdings were kept where they
    /// are (only instant exits planned).
    pub pool_too_small: bool,
}

/// Plans every line's move, every transient's rent paid from `limits.reserve_spendable` (no
/// floor to draw on; see [`plan_with_floor`]). `order` is scratch space.
pub fn plan(
    lines: &[Line],
    limits: &Limits,
    moves: &mut [Move],
    order: &mut [u32],
) -> Result<Spent, PlanError> {
    plan_with_floor(lines, limits, 0, moves, order)
}

/// Plans every line's move. `floor` is what the reserve holds above its own rent but outside
/// `limits.reserve_spendable` (the operator's floor): a decrease may pay its transient's rent
/// from it, increases and additions may not. A decrease returns its amount and that rent to the
/// reserve at the next update, so it only ever refills the floor; were its rent held to the
/// spendable part, a reserve at its floor — where increases leave it whenever the reserve is
/// what limits them — could never be refilled by a decrease again. `order` is scratch space.
pub fn plan_with_floor(
    lines: &[Line],
    limits: &Limits,
    floor: u64,
    moves: &mut [Move],
    order: &mut [u32],
) -> Result<Spent, PlanError> {
    if moves.len() != lines.len() || order.len() != lines.len() {
        return Err(PlanError::BufferLength);
    }
    let minimum = limits.minimum();
    let mut spent = Spent::default();
    let mut room = limits.list_room;
    let cap_left = |spent: &Spent| limits.epoch_cap.saturating_sub(spent.capped);
    let reserve_left = |spent: &Spent| limits.reserve_spendable.saturating_sub(spent.reserve);
    for (line, slot) in lines.iter().zip(moves.iter_mut()) {
        *slot = if !line.in_pool {
            Move::None
        } else if !line.active_entry {
            Move::Wait(Wait::BeingRemoved)
        } else if line.instant_exit {
            spent.instant = spent.instant.saturating_add(line.current());
            Move::Remove { instant: true }
        } else {
            Move::Wait(Wait::OnTarget)
        };
    }
    // Largest differences first, each kind in turn: leaving, over target, then (with what the
    // reserve holds) newcomers and those under target.
    let mut sorted = 0usize;
    for (index, line) in lines.iter().enumerate() {
        if moves[index] == Move::Wait(Wait::OnTarget) || !line.in_pool {
            order[sorted] = index as u32;
            sorted = sorted.saturating_add(1);
        }
    }
    let order = &mut order[..sorted];
    order.sort_unstable_by(|a, b| {
        let distance = |index: u32| {
            let line = &lines[index as usize];
            line.current().abs_diff(line.target)
        };
        distance(*b).cmp(&distance(*a)).then(a.cmp(b))
    });
    // Leaving: removal of the whole stake if the cap allows it, else a decrease toward the
    // minimum.
    for index in order.iter().map(|index| *index as usize) {
        let line = &lines[index];
        if !line.in_pool || line.target > 0 {
            continue;
        }
        moves[index] = if line.current() <= cap_left(&spent) {
            spent.capped = spent.capped.saturating_add(line.current());
            Move::Remove { instant: false }
        } else if line.transient > 0 {
            Move::Wait(Wait::InFlight)
        } else if line.active.saturating_sub(minimum) < limits.minimum_delegation {
            // Down to its minimum: it leaves when the cap has room for all of it.
            Move::Wait(Wait::EpochCap)
        } else {
            decrease(
                line.active.saturating_sub(minimum),
                limits,
                floor,
                &mut spent,
            )
        };
    }
    // Over target.
    for index in order.iter().map(|index| *index as usize) {
        let line = &lines[index];
        if !line.in_pool || line.target == 0 || line.current() <= line.target {
            continue;
        }
        let excess = line.current().saturating_sub(line.target);
        moves[index] = if excess <= limits.hysteresis || excess < limits.minimum_delegation {
            Move::Wait(Wait::OnTarget)
        } else if line.transient > 0 {
            Move::Wait(Wait::InFlight)
        } else {
            decrease(
                excess.min(line.active.saturating_sub(minimum)),
                limits,
                floor,
                &mut spent,
            )
        };
    }
    // Funding. Increases are paid by the reserve alone, and only decreases and removals refill
    // it. The targets divide the pool less the reserve's share, so stake the band leaves above
    // a target is, lamport for lamport, stake missing below another target or from the
    // reserve. Left alone, it can hold a validator short of its target by more than the band
    // for good: the reserve sits at its floor, every validator above its target is within the
    // band, and the increase waits for a reserve nothing will refill. So when what validators
    // beyond the band (and newcomers) lack is more than the reserve can spend plus all that is
    // on its way back (leaving validators, excesses beyond the band, stake in flight), the
    // difference is taken from stake above its target within the band: largest differences
    // first, toward the target or by one minimum delegation (which leaves it less than a
    // minimum delegation short: on target), never further. No line is taken past on target,
    // so nothing moves it back and this cannot oscillate. It runs before the increases so that
    // its transients' rent comes first.
    let mut lacking = 0u64;
    // Decreases' rents come back with them.
    let mut coming = limits.reserve_spendable;
    for (line, planned) in lines.iter().zip(moves.iter()) {
        let shortfall = line.target.saturating_sub(line.current());
        let excess = line.current().saturating_sub(line.target);
        if !line.in_pool {
            lacking = lacking.saturating_add(line.target);
        } else if !line.active_entry || matches!(planned, Move::Remove { .. }) {
            // All of it returns; a seat it keeps is filled again as a newcomer's.
            coming = coming.saturating_add(line.current());
            lacking = lacking.saturating_add(line.target);
        } else if line.target == 0 {
            coming = coming.saturating_add(line.current());
        } else if shortfall > limits.hysteresis && shortfall >= limits.minimum_delegation {
            lacking = lacking.saturating_add(shortfall);
        } else if line.transient > 0
            || (excess > limits.hysteresis && excess >= limits.minimum_delegation)
        {
            coming = coming.saturating_add(excess);
        }
    }
    let mut needed = lacking.saturating_sub(coming);
    for index in order.iter().map(|index| *index as usize) {
        if needed == 0 {
            break;
        }
        let line = &lines[index];
        if moves[index] != Move::Wait(Wait::OnTarget)
            || !line.in_pool
            || line.target == 0
            || line.transient > 0
            || line.current() <= line.target
        {
            continue;
        }
        let wanted = line
            .current()
            .saturating_sub(line.target)
            .min(needed)
            .max(limits.minimum_delegation)
            .min(line.active.saturating_sub(minimum));
        if let Move::Decrease(amount) = decrease(wanted, limits, floor, &mut spent) {
            moves[index] = Move::Decrease(amount);
            needed = needed.saturating_sub(amount);
        }
    }
    // Newcomers: each costs the reserve a stake account holding the minimum.
    for index in order.iter().map(|index| *index as usize) {
        let line = &lines[index];
        if line.in_pool || line.target == 0 {
            continue;
        }
        moves[index] = if room == 0 {
            Move::Wait(Wait::ListFull)
        } else if cap_left(&spent) < limits.minimum_delegation {
            Move::Wait(Wait::EpochCap)
        } else if reserve_left(&spent) < minimum {
            Move::Wait(Wait::Reserve)
        } else {
            room = room.saturating_sub(1);
            spent.reserve = spent.reserve.saturating_add(minimum);
            spent.capped = spent.capped.saturating_add(limits.minimum_delegation);
            Move::Add
        };
    }
    // Under target: increases, while the reserve and the cap allow.
    for index in order.iter().map(|index| *index as usize) {
        let line = &lines[index];
        if !line.in_pool || line.target == 0 || line.current() >= line.target {
            continue;
        }
        let shortfall = line.target.saturating_sub(line.current());
        let affordable = reserve_left(&spent).saturating_sub(limits.stake_rent);
        let amount = shortfall.min(affordable).min(cap_left(&spent));
        moves[index] = if shortfall <= limits.hysteresis || shortfall < limits.minimum_delegation {
            Move::Wait(Wait::OnTarget)
        } else if line.transient > 0 {
            Move::Wait(Wait::InFlight)
        } else if amount >= limits.minimum_delegation {
            spent.reserve = spent
                .reserve
                .saturating_add(amount)
                .saturating_add(limits.stake_rent);
            spent.capped = spent.capped.saturating_add(amount);
            Move::Increase(amount)
        } else if cap_left(&spent) < limits.minimum_delegation {
            Move::Wait(Wait::EpochCap)
        } else {
            Move::Wait(Wait::Reserve)
        };
    }
    Ok(spent)
}

/// A decrease of at most `wanted` (already limited to what leaves the minimum), within the cap;
/// its transient's rent may come out of the reserve's `floor` (see [`plan_with_floor`]).
fn decrease(wanted: u64, limits: &Limits, floor: u64, spent: &mut Spent) -> Move {
    let cap_left = limits.epoch_cap.saturating_sub(spent.capped);
    let amount = wanted.min(cap_left);
    if wanted < limits.minimum_delegation {
        Move::Wait(Wait::AtMinimum)
    } else if amount < limits.minimum_delegation {
        Move::Wait(Wait::EpochCap)
    } else if limits
        .reserve_spendable
        .saturating_add(floor)
        .saturating_sub(spent.reserve)
        <= limits.stake_rent
    {
        // The program splits the transient's rent off the reserve, which keeps its own rent.
        Move::Wait(Wait::Reserve)
    } else {
        spent.reserve = spent.reserve.saturating_add(limits.stake_rent);
        spent.capped = spent.capped.saturating_add(amount);
        Move::Decrease(amount)
    }
}
