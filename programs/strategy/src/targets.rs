//! Who gets the stake and how much: ranks, seats and targets.
//!
//! Eligible validators are ranked by score (ties by vote address, so the same inputs always
//! give the same ranks). The pool has `validators` seats. A validator already in the pool keeps
//! its seat while its rank is within `validators + incumbent_margin` — hysteresis, so a small
//! change of score does not move stake back and forth — and the remaining seats go to the best
//! ranked of the others.
//!
//! What the pool holds, less the reserve share, is divided among the seated validators —
//! equally, or in proportion to score — under a cap per validator and a cap per label (shares
//! of the whole pool). What a cap holds back goes to the uncapped validators, and what no one
//! may take stays in the reserve. A seat whose target would fall below the minimum a
//! validator's stake account holds is given up — to the next best when a cap holds it short,
//! the lowest-ranked seat when the pool is too small for every seat — and the division runs
//! again.

use crate::vote::FULL_BPS;

/// How the stake is divided among the seated validators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weighting {
    Equal,
    Score,
}

/// The operator's allocation rules. Shares are in basis points of the pool's lamports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation<'a> {
    /// Seats: how many validators hold stake.
    pub validators: u32,
    /// Ranks below the seats within which an incumbent keeps its seat.
    pub incumbent_margin: u32,
    pub weighting: Weighting,
    /// Most of the pool one validator may hold.
    pub max_pool_share_bps: u16,
    /// Kept liquid in the reserve for SOL withdrawals and tickets.
    pub reserve_share_bps: u16,
    /// Most of the pool the validators carrying label `i` may hold together (10,000: no cap).
    pub label_caps_bps: &'a [u16],
}

/// One validator's standing for the division.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Standing {
    pub vote: [u8; 32],
    pub eligible: bool,
    /// Zero unless eligible.
    pub score: u64,
    /// In the pool with an active entry.
    pub incumbent: bool,
    pub labels: u64,
}

/// One validator's outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// 1 for the best eligible validator; 0 when not eligible.
    pub rank: u32,
    pub seated: bool,
    /// Lamports it should hold (validator and transient stake accounts, rents included).
    pub lamports: u64,
    /// Held back by its own cap or a label's.
    pub capped: bool,
    /// Eligible but its seat was given up (a cap left it below the minimum, or the pool is
    /// too small for every seat).
    pub passed_over: bool,
}

/// Why the division could not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocationError {
    /// The output and scratch slices must be as long as the standings.
    BufferLength,
}

/// `share_bps` of `lamports`, rounded down.
pub fn share_of(lamports: u64, share_bps: u16) -> u64 {
    let share = u128::from(lamports)
        .saturating_mul(u128::from(share_bps))
        .checked_div(u128::from(FULL_BPS))
        .unwrap_or(0);
    u64::try_from(share).unwrap_or(u64::MAX)
}

/// Ranks, seats and targets for every standing. `pool_lamports` is everything the pool holds
/// (its validators' stake accounts and the reserve); `minimum` is the least a validator's stake
/// account may hold (rent plus the minimum delegation). `order` is scratch space.
pub fn allocate(
    standings: &[Standing],
    rules: &Allocation,
    pool_lamports: u64,
    minimum: u64,
    targets: &mut [Target],
    order: &mut [u32],
) -> Result<(), AllocationError> {
    let count = standings.len();
    if targets.len() != count || order.len() != count {
        return Err(AllocationError::BufferLength);
    }
    // Rank the eligible.
    let mut eligible = 0usize;
    for (index, standing) in standings.iter().enumerate() {
        targets[index] = Target::default();
        if standing.eligible {
            order[eligible] = index as u32;
            eligible = eligible.saturating_add(1);
        }
    }
    let ranked = &mut order[..eligible];
    ranked.sort_unstable_by(|a, b| {
        let (a, b) = (&standings[*a as usize], &standings[*b as usize]);
        b.score.cmp(&a.score).then(a.vote.cmp(&b.vote))
    });
    for (rank, index) in ranked.iter().enumerate() {
        targets[*index as usize].rank = u32::try_from(rank.saturating_add(1)).unwrap_or(u32::MAX);
    }
    // Seats: incumbents within the margin first, then the best of the rest.
    let seats = rules.validators;
    let keep_within = seats.saturating_add(rules.incumbent_margin);
    let mut seated = 0u32;
    for index in ranked.iter() {
        let (standing, target) = (&standings[*index as usize], &mut targets[*index as usize]);
        if seated < seats && standing.incumbent && target.rank <= keep_within {
            target.seated = true;
            seated = seated.saturating_add(1);
        }
    }
    for index in ranked.iter() {
        let target = &mut targets[*index as usize];
        if seated < seats && !target.seated && target.rank <= seats {
            target.seated = true;
            seated = seated.saturating_add(1);
        }
    }
    // Divide. A seat whose target falls short of the minimum is given up: when a cap holds it
    // short, that validator's seat goes to the next best (the cap, not the seat count, is
    // what binds); when nothing caps it, the pool is too small for the seats and the
    // lowest-ranked seat goes without a replacement.
    loop {
        divide(standings, rules, pool_lamports, targets);
        let short = ranked
            .iter()
            .rev()
            .map(|index| *index as usize)
            .find(|index| targets[*index].seated && targets[*index].lamports < minimum);
        let Some(short) = short else {
            return Ok(());
        };
        if targets[short].capped {
            targets[short].seated = false;
            targets[short].passed_over = true;
            let next = ranked
                .iter()
                .map(|index| *index as usize)
                .find(|index| !targets[*index].seated && !targets[*index].passed_over);
            if let Some(next) = next {
                targets[next].seated = true;
            }
        } else {
            let lowest = ranked
                .iter()
                .rev()
                .map(|index| *index as usize)
                .find(|index| targets[*index].seated)
                .unwrap_or(short);
            targets[lowest].seated = false;
            targets[lowest].passed_over = true;
        }
    }
}

fn weight(standing: &Standing, weighting: Weighting) -> u128 {
    match weighting {
        Weighting::Equal => 1,
        // A zero score still earns a sliver: every seated validator is worth its seat.
        Weighting::Score => u128::from(standing.score.max(1)),
    }
}

/// Water-filling: each round gives the unfrozen seats their weighted part of what is left,
/// then freezes whoever a validator cap holds back, and scales down (and freezes) every member
/// of a label over its cap. Frozen targets only ever go down, so a cap met stays met; each
/// round freezes a new seat or settles a label, so the rounds are bounded.
fn divide(standings: &[Standing], rules: &Allocation, pool_lamports: u64, targets: &mut [Target]) {
    let stakeable = pool_lamports.saturating_sub(share_of(pool_lamports, rules.reserve_share_bps));
    let validator_cap = share_of(pool_lamports, rules.max_pool_share_bps);
    let labels = rules.label_caps_bps.len().min(64);
    for target in targets.iter_mut() {
        target.lamports = 0;
        target.capped = false;
    }
    let seats = targets.iter().filter(|target| target.seated).count();
    for _ in 0..=seats.saturating_add(labels).saturating_add(1) {
        let frozen: u64 = targets
            .iter()
            .filter(|target| target.capped)
            .map(|target| target.lamports)
            .fold(0u64, u64::saturating_add);
        let remaining = stakeable.saturating_sub(frozen);
        let open = |target: &Target| target.seated && !target.capped;
        let weight_sum: u128 = standings
            .iter()
            .zip(targets.iter())
            .filter(|(_, target)| open(target))
            .map(|(standing, _)| weight(standing, rules.weighting))
            .fold(0u128, u128::saturating_add);
        for (standing, target) in standings.iter().zip(targets.iter_mut()) {
            if open(target) {
                let part = u128::from(remaining)
                    .saturating_mul(weight(standing, rules.weighting))
                    .checked_div(weight_sum)
                    .unwrap_or(0);
                target.lamports = u64::try_from(part).unwrap_or(u64::MAX);
            }
        }
        let mut froze = false;
        for target in targets.iter_mut() {
            if open(target) && target.lamports >= validator_cap {
                target.lamports = validator_cap;
                target.capped = true;
                froze = true;
            }
        }
        for (label, cap_bps) in rules.label_caps_bps.iter().enumerate().take(labels) {
            let bit = 1u64 << label;
            let cap = share_of(pool_lamports, *cap_bps);
            let members =
                |standing: &Standing, target: &Target| target.seated && standing.labels & bit != 0;
            let held: u64 = standings
                .iter()
                .zip(targets.iter())
                .filter(|(standing, target)| members(standing, target))
                .map(|(_, target)| target.lamports)
                .fold(0u64, u64::saturating_add);
            if held <= cap {
                continue;
            }
            for (standing, target) in standings.iter().zip(targets.iter_mut()) {
                if members(standing, target) {
                    let scaled = u128::from(target.lamports)
                        .saturating_mul(u128::from(cap))
                        .checked_div(u128::from(held))
                        .unwrap_or(0);
                    target.lamports = u64::try_from(scaled).unwrap_or(0);
                    target.capped = true;
                    froze = true;
                }
            }
        }
        if !froze {
            break;
        }
    }
}
