//! The criteria a validator must pass to hold the pool's stake, and its score.
//!
//! Every criterion is measured from public data (the vote account's bytes, the epoch's stake,
//! the commission each epoch's rewards were paid at) and reported with the value that decided
//! it and the limit it was held to, so anyone can reproduce a decision.
//!
//! Three failures are *instant exits*: a validator that stopped voting, charges more than the
//! commission cap, or was block-listed loses the pool's stake at once, outside the per-epoch
//! cap on stake moved. The other criteria only stop new stake and move existing stake away
//! within that cap.

use crate::vote::{VoteAccount, FULL_BPS, MAX_CREDITS_PER_SLOT};

/// The operator's criteria. Shares are in basis points of 10,000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Criteria {
    /// Highest inflation commission (now, and charged on any epoch of the credit window).
    pub max_inflation_commission_bps: u16,
    /// Highest block-revenue commission (V4 vote accounts; older ones keep all of it: 10,000).
    pub max_block_revenue_commission_bps: u16,
    /// Completed epochs the credit share is measured over (the newest first).
    pub credit_epochs: u16,
    /// Lowest share of the credits those epochs allowed.
    pub min_credit_share_bps: u16,
    /// Most slots since the validator's last vote before it counts as delinquent.
    pub max_slots_since_vote: u64,
    /// Fewest completed epochs with credits in its history.
    pub min_voting_epochs: u16,
    /// Largest share of the cluster's stake (superminority avoidance).
    pub max_cluster_stake_bps: u16,
    /// Require a BLS public key in the vote account.
    pub require_bls_key: bool,
}

/// Each criterion, in the order they are reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Criterion {
    #[default]
    BlockList,
    AllowList,
    Delinquency,
    InflationCommission,
    BlockRevenueCommission,
    Credits,
    VotingHistory,
    ClusterStake,
    BlsKey,
}

impl Criterion {
    pub const ALL: [Criterion; 9] = [
        Criterion::BlockList,
        Criterion::AllowList,
        Criterion::Delinquency,
        Criterion::InflationCommission,
        Criterion::BlockRevenueCommission,
        Criterion::Credits,
        Criterion::VotingHistory,
        Criterion::ClusterStake,
        Criterion::BlsKey,
    ];

    /// Failing it takes the pool's stake away at once, outside the per-epoch cap.
    pub fn is_instant_exit(self) -> bool {
        matches!(
            self,
            Criterion::BlockList
                | Criterion::Delinquency
                | Criterion::InflationCommission
                | Criterion::BlockRevenueCommission
        )
    }

    /// The name used in reports and in `strategy.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Criterion::BlockList => "block-list",
            Criterion::AllowList => "allow-list",
            Criterion::Delinquency => "delinquency",
            Criterion::InflationCommission => "inflation-commission",
            Criterion::BlockRevenueCommission => "block-revenue-commission",
            Criterion::Credits => "credits",
            Criterion::VotingHistory => "voting-history",
            Criterion::ClusterStake => "cluster-stake",
            Criterion::BlsKey => "bls-key",
        }
    }

    /// What the reported value and limit are.
    pub fn unit(self) -> &'static str {
        match self {
            Criterion::BlockList | Criterion::AllowList | Criterion::BlsKey => "yes/no",
            Criterion::Delinquency => "slots since last vote",
            Criterion::InflationCommission | Criterion::BlockRevenueCommission => "bps",
            Criterion::Credits | Criterion::ClusterStake => "bps",
            Criterion::VotingHistory => "epochs",
        }
    }
}

/// The cluster at the moment of the decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterClock {
    pub epoch: u64,
    pub slot: u64,
    pub slots_per_epoch: u64,
    /// Active stake of every vote account this epoch (`getVoteAccounts`, or
    /// `sol_get_epoch_stake` with no address on-chain).
    pub total_stake: u64,
}

/// The operator's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listing {
    None,
    Allowed,
    Blocked,
}

/// One validator of the cluster, as the decision sees it.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    pub vote: [u8; 32],
    /// `None` when the vote account is gone or does not parse (see `closed`).
    pub account: Option<VoteAccount<'a>>,
    /// With no account: the address holds no vote account at all (closed, or never one).
    /// Stake there earns nothing, so it fails delinquency — an instant exit. An account the
    /// vote program owns but this crate cannot read (a newer version) is not closed: it fails
    /// only the criteria that need its bytes (credits, history) — no new stake — and `decide`
    /// holds what the pool has with it where it is, so a format change moves nothing until
    /// the crate reads it.
    pub closed: bool,
    /// Its active stake this epoch (`getVoteAccounts`' `activatedStake`, or
    /// `sol_get_epoch_stake(vote)` on-chain).
    pub epoch_stake: u64,
    /// The highest inflation commission its rewards were paid at over the credit window
    /// (`getInflationReward`'s `commission`, in bps), if any were paid.
    pub charged_commission_bps: Option<u16>,
    pub listing: Listing,
    /// Whether an allow-list is in force (then only `Allowed` validators pass it).
    pub allow_list_active: bool,
    /// Off-chain labels (data centre, country…), one bit per label of the strategy.
    pub labels: u64,
}

/// One criterion's outcome: the value that decided it and the limit it was held to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Check {
    pub criterion: Criterion,
    pub passed: bool,
    pub value: u64,
    pub limit: u64,
}

/// Every criterion's outcome, the measurements and the score.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    pub checks: [Check; 9],
    /// Share of the credits the window allowed, in parts per million.
    pub credit_share_ppm: u64,
    /// The commission the decision holds it to: the higher of now and the window's charges.
    pub commission_bps: u16,
    /// See [`score`]; zero when a criterion fails.
    pub score: u64,
}

impl Evaluation {
    pub fn eligible(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    /// The first failed criterion that calls for an instant exit.
    pub fn instant_exit(&self) -> Option<Criterion> {
        self.checks
            .iter()
            .find(|check| !check.passed && check.criterion.is_instant_exit())
            .map(|check| check.criterion)
    }

    pub fn check(&self, criterion: Criterion) -> Check {
        self.checks[Criterion::ALL
            .iter()
            .position(|c| *c == criterion)
            .unwrap_or(0)]
    }
}

/// Parts per million.
pub const PPM: u64 = 1_000_000;

/// Share of the credits the `window` completed epochs before `clock.epoch` allowed, in ppm.
/// An epoch without an entry earned nothing.
pub fn credit_share_ppm(account: &VoteAccount, clock: &ClusterClock, window: u16) -> u64 {
    let window = u64::from(window);
    let first = clock.epoch.saturating_sub(window);
    let earned: u128 = account
        .epoch_credits()
        .filter(|entry| entry.epoch >= first && entry.epoch < clock.epoch)
        .map(|entry| u128::from(entry.earned()))
        .sum();
    let allowed = u128::from(window)
        .saturating_mul(u128::from(clock.slots_per_epoch))
        .saturating_mul(u128::from(MAX_CREDITS_PER_SLOT));
    let share = earned
        .saturating_mul(u128::from(PPM))
        .checked_div(allowed)
        .unwrap_or(0);
    u64::try_from(share.min(u128::from(PPM))).unwrap_or(PPM)
}

/// Completed epochs in which it earned credits.
pub fn voting_epochs(account: &VoteAccount, clock: &ClusterClock) -> u64 {
    let count = account
        .epoch_credits()
        .filter(|entry| entry.epoch < clock.epoch && entry.earned() > 0)
        .count();
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// The score of a validator that passes every criterion: its credit share (ppm) times the
/// share of inflation rewards it leaves to its delegators (bps of 10,000). Inflation rewards
/// are proportional to credits times stake, so this is proportional to the inflation yield its
/// delegators earned over the window: it rises with credits and falls with commission, and
/// nothing else moves it.
pub fn score(credit_share_ppm: u64, commission_bps: u16) -> u64 {
    let kept = u64::from(FULL_BPS.saturating_sub(commission_bps));
    credit_share_ppm.saturating_mul(kept)
}

/// Measures `candidate` against `criteria`.
pub fn evaluate(candidate: &Candidate, criteria: &Criteria, clock: &ClusterClock) -> Evaluation {
    let account = candidate.account.as_ref();
    // Unreadable but not closed: nothing is known of its commission or votes, so those
    // criteria are not failed on it (credits and history fail, which takes it out gradually).
    let unreadable = account.is_none() && !candidate.closed;
    let current_commission = account.map_or(if unreadable { 0 } else { FULL_BPS }, |account| {
        account.inflation_commission_bps
    });
    let commission_bps = current_commission.max(candidate.charged_commission_bps.unwrap_or(0));
    let slots_since_vote = if unreadable {
        0
    } else {
        account
            .and_then(|account| account.last_voted_slot)
            .map_or(u64::MAX, |slot| clock.slot.saturating_sub(slot))
    };
    let credit_share_ppm = account.map_or(0, |account| {
        credit_share_ppm(account, clock, criteria.credit_epochs)
    });
    // Not failed on an unreadable account either: no instant exit on a format change.
    let block_revenue_bps = account.map_or(if unreadable { 0 } else { FULL_BPS }, |account| {
        account.block_revenue_commission_bps
    });
    let has_bls_key = account.is_some_and(|account| account.has_bls_key);
    let voting_epochs = account.map_or(0, |account| voting_epochs(account, clock));
    // Rounded up: a validator a lamport over the cap fails it. No stake anywhere reads as none.
    let cluster_bps = if clock.total_stake == 0 {
        0
    } else {
        let share = u128::from(candidate.epoch_stake)
            .saturating_mul(u128::from(FULL_BPS))
            .div_ceil(u128::from(clock.total_stake));
        u64::try_from(share).unwrap_or(u64::MAX)
    };
    let yes = |flag: bool| u64::from(flag);
    let at_most = |criterion, value: u64, limit: u64| Check {
        criterion,
        passed: value <= limit,
        value,
        limit,
    };
    let at_least = |criterion, value: u64, limit: u64| Check {
        criterion,
        passed: value >= limit,
        value,
        limit,
    };
    let blocked = candidate.listing == Listing::Blocked;
    let allowed = !candidate.allow_list_active || candidate.listing == Listing::Allowed;
    let checks = [
        at_most(Criterion::BlockList, yes(blocked), 0),
        at_least(Criterion::AllowList, yes(allowed), 1),
        at_most(
            Criterion::Delinquency,
            slots_since_vote,
            criteria.max_slots_since_vote,
        ),
        at_most(
            Criterion::InflationCommission,
            u64::from(commission_bps),
            u64::from(criteria.max_inflation_commission_bps),
        ),
        at_most(
            Criterion::BlockRevenueCommission,
            u64::from(block_revenue_bps),
            u64::from(criteria.max_block_revenue_commission_bps),
        ),
        // ppm reported as bps, the unit the operator sets.
        at_least(
            Criterion::Credits,
            credit_share_ppm / 100,
            u64::from(criteria.min_credit_share_bps),
        ),
        at_least(
            Criterion::VotingHistory,
            voting_epochs,
            u64::from(criteria.min_voting_epochs),
        ),
        at_most(
            Criterion::ClusterStake,
            cluster_bps,
            u64::from(criteria.max_cluster_stake_bps),
        ),
        at_least(
            Criterion::BlsKey,
            yes(has_bls_key),
            yes(criteria.require_bls_key),
        ),
    ];
    let mut evaluation = Evaluation {
        checks,
        credit_share_ppm,
        commission_bps,
        score: 0,
    };
    if evaluation.eligible() {
        evaluation.score = score(credit_share_ppm, commission_bps);
    }
    evaluation
}
