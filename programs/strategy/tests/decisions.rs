//! The whole decision over synthetic clusters: hundreds of validators with varied commission,
//! credits, stake, history and delinquency, a pool holding some of them. Every plan respects
//! the caps, never asks what the program refuses (a simulated pool applies it with checked
//! arithmetic, as the program does, and keeps every lamport), is the same for the same
//! inputs, and repeated epoch after epoch converges to the targets.

// Test arithmetic on small known values.
#![allow(clippy::arithmetic_side_effects)]

use p_stake_pool_strategy::{
    criteria::{Candidate, ClusterClock, Criteria, Evaluation, Listing},
    decide,
    moves::{Line, Move, Wait},
    targets::{share_of, Allocation, Standing, Target, Weighting},
    vote::VoteAccount,
    Holding, PoolState, Strategy as Policy, Subject, Workspace,
};
use proptest::prelude::*;
use solana_pubkey::Pubkey;
use solana_vote_interface::{
    authorized_voters::AuthorizedVoters,
    state::{LandedVote, Lockout, VoteStateV4, VoteStateVersions},
};

const SOL: u64 = 1_000_000_000;
const STAKE_RENT: u64 = 2_282_880;
const SLOTS_PER_EPOCH: u64 = 432_000;
const EPOCH: u64 = 800;

/// One synthetic validator.
#[derive(Clone, Debug)]
struct Synthetic {
    vote: [u8; 32],
    commission_bps: u16,
    block_bps: u16,
    bls: bool,
    /// Share of the maximum credits earned per epoch, in percent, over its history.
    uptime: u8,
    history: u8,
    slots_since_vote: u64,
    stake: u64,
    charged_bps: Option<u16>,
    listing: Listing,
    labels: u64,
    holding: Option<Holding>,
}

fn synthetic() -> impl proptest::strategy::Strategy<Value = Synthetic> {
    (
        any::<[u8; 32]>(),
        prop_oneof![4 => 0u16..=1_000, 1 => 0u16..=10_000],
        prop_oneof![Just(10_000u16), 0u16..=10_000],
        any::<bool>(),
        prop_oneof![3 => 85u8..=100, 1 => 0u8..=100],
        prop_oneof![3 => 5u8..=20, 1 => 0u8..=20],
        prop_oneof![4 => 0u64..100, 1 => 0u64..5_000],
        1u64..2_000_000,
        prop_oneof![4 => Just(None), 1 => proptest::option::of(0u16..=10_000)],
        prop_oneof![8 => Just(Listing::None), 1 => Just(Listing::Allowed), 1 => Just(Listing::Blocked)],
        0u64..8,
        proptest::option::of((0u64..40, prop_oneof![Just(0u64), 0u64..5], any::<bool>())),
    )
        .prop_map(
            |(vote, commission_bps, block_bps, bls, uptime, history, slots_since_vote, stake, charged_bps, listing, labels, holding)| {
                Synthetic {
                    vote,
                    commission_bps,
                    block_bps,
                    bls,
                    uptime,
                    history,
                    slots_since_vote,
                    stake: stake * SOL,
                    charged_bps,
                    listing,
                    labels,
                    holding: holding.map(|(sol, transient, active_entry)| Holding {
                        active: STAKE_RENT + SOL + sol * SOL,
                        transient: transient * SOL,
                        active_entry: active_entry || transient == 0,
                    }),
                }
            },
        )
}

fn vote_bytes(validator: &Synthetic, clock: &ClusterClock) -> Vec<u8> {
    let per_epoch = SLOTS_PER_EPOCH * 16 * u64::from(validator.uptime) / 100;
    let mut credits = Vec::new();
    let mut total = 0u64;
    for epoch in EPOCH - u64::from(validator.history)..EPOCH {
        credits.push((epoch, total + per_epoch, total));
        total += per_epoch;
    }
    let state = VoteStateV4 {
        node_pubkey: Pubkey::new_unique(),
        inflation_rewards_commission_bps: validator.commission_bps,
        block_revenue_commission_bps: validator.block_bps,
        bls_pubkey_compressed: validator.bls.then_some([3; 48]),
        votes: [LandedVote {
            latency: 1,
            lockout: Lockout::new(clock.slot - validator.slots_since_vote),
        }]
        .into(),
        authorized_voters: AuthorizedVoters::new(0, Pubkey::new_unique()),
        epoch_credits: credits,
        ..VoteStateV4::default()
    };
    bincode::serialize(&VoteStateVersions::new_v4(state)).unwrap()
}

const LABEL_CAPS: [u16; 3] = [2_500, 10_000, 4_000];

fn strategy() -> Policy<'static> {
    Policy {
        criteria: Criteria {
            max_inflation_commission_bps: 1_000,
            max_block_revenue_commission_bps: 10_000,
            credit_epochs: 10,
            min_credit_share_bps: 8_000,
            max_slots_since_vote: 1_000,
            min_voting_epochs: 5,
            max_cluster_stake_bps: 150,
            require_bls_key: false,
        },
        allocation: Allocation {
            validators: 40,
            incumbent_margin: 10,
            weighting: Weighting::Score,
            max_pool_share_bps: 500,
            reserve_share_bps: 200,
            label_caps_bps: &LABEL_CAPS,
        },
        max_epoch_move_bps: 1_000,
        hysteresis_bps: 20,
    }
}

struct Decision {
    evaluations: Vec<Evaluation>,
    targets: Vec<Target>,
    lines: Vec<Line>,
    moves: Vec<Move>,
}

fn run(
    strategy: &Policy,
    clock: &ClusterClock,
    pool: &PoolState,
    subjects: &[Subject],
) -> Decision {
    let n = subjects.len();
    let mut decision = Decision {
        evaluations: vec![Evaluation::default(); n],
        targets: vec![Target::default(); n],
        lines: vec![Line::default(); n],
        moves: vec![Move::None; n],
    };
    let mut standings = vec![Standing::default(); n];
    let mut order = vec![0u32; n];
    decide(
        strategy,
        clock,
        pool,
        subjects,
        Workspace {
            evaluations: &mut decision.evaluations,
            standings: &mut standings,
            targets: &mut decision.targets,
            lines: &mut decision.lines,
            moves: &mut decision.moves,
            order: &mut order,
        },
    )
    .unwrap();
    decision
}

fn clock(validators: &[Synthetic]) -> ClusterClock {
    ClusterClock {
        epoch: EPOCH,
        slot: EPOCH * SLOTS_PER_EPOCH + 1_000,
        slots_per_epoch: SLOTS_PER_EPOCH,
        total_stake: validators.iter().map(|v| v.stake).sum::<u64>() + 100_000_000 * SOL,
    }
}

fn subjects<'a>(validators: &'a [Synthetic], bytes: &'a [Vec<u8>]) -> Vec<Subject<'a>> {
    validators
        .iter()
        .zip(bytes)
        .map(|(validator, data)| Subject {
            candidate: Candidate {
                vote: validator.vote,
                account: Some(VoteAccount::decode(data).unwrap()),
                epoch_stake: validator.stake,
                charged_commission_bps: validator.charged_bps,
                listing: validator.listing,
                allow_list_active: false,
                closed: false,
                labels: validator.labels,
            },
            holding: validator.holding,
        })
        .collect()
}

/// The pool applies a plan as the program would; any overdraft is a plan the program refuses.
struct SimulatedPool {
    reserve: u64,
    reserve_rent: u64,
}

fn apply(
    pool: &mut SimulatedPool,
    validators: &mut [Synthetic],
    moves: &[Move],
    lines: &[Line],
    minimum_delegation: u64,
) {
    let minimum = STAKE_RENT + minimum_delegation;
    for ((validator, mv), line) in validators.iter_mut().zip(moves).zip(lines) {
        match *mv {
            Move::Add => {
                assert!(validator.holding.is_none());
                pool.reserve = pool
                    .reserve
                    .checked_sub(minimum)
                    .expect("reserve overdrawn");
                assert!(pool.reserve >= pool.reserve_rent, "reserve below its rent");
                validator.holding = Some(Holding {
                    active: minimum,
                    transient: 0,
                    active_entry: true,
                });
            }
            Move::Increase(amount) => {
                let holding = validator.holding.as_mut().unwrap();
                assert!(holding.active_entry && holding.transient == 0);
                assert!(amount >= minimum_delegation);
                pool.reserve = pool
                    .reserve
                    .checked_sub(amount + STAKE_RENT)
                    .expect("reserve overdrawn");
                assert!(pool.reserve >= pool.reserve_rent, "reserve below its rent");
                // Settles (merges into the validator's account) at the next update.
                holding.transient = amount + STAKE_RENT;
                holding.active += 0;
                validator.labels |= 1 << 62; // increasing
            }
            Move::Decrease(amount) => {
                let holding = validator.holding.as_mut().unwrap();
                assert!(holding.active_entry && holding.transient == 0);
                assert!(amount >= minimum_delegation);
                assert!(
                    holding.active - amount >= minimum,
                    "validator below its minimum"
                );
                pool.reserve = pool
                    .reserve
                    .checked_sub(STAKE_RENT)
                    .expect("reserve overdrawn");
                assert!(pool.reserve >= pool.reserve_rent, "reserve below its rent");
                holding.active -= amount;
                holding.transient = amount + STAKE_RENT;
                validator.labels &= !(1 << 62); // decreasing
            }
            Move::Remove { instant } => {
                let holding = validator.holding.as_mut().unwrap();
                assert!(holding.active_entry);
                assert_eq!(instant, line.instant_exit);
                holding.active_entry = false;
            }
            Move::None | Move::Wait(_) => {}
        }
    }
}

/// The next epoch's update: transients settle, removed validators' stake returns.
fn settle(pool: &mut SimulatedPool, validators: &mut [Synthetic]) {
    for validator in validators.iter_mut() {
        let Some(holding) = validator.holding.as_mut() else {
            continue;
        };
        let increasing = validator.labels & (1 << 62) != 0;
        validator.labels &= !(1 << 62);
        if !holding.active_entry {
            pool.reserve += holding.active + holding.transient;
            validator.holding = None;
        } else if increasing {
            holding.active += holding.transient;
            holding.transient = 0;
        } else {
            pool.reserve += holding.transient;
            holding.transient = 0;
        }
    }
}

fn held(pool: &SimulatedPool, validators: &[Synthetic]) -> u64 {
    validators
        .iter()
        .filter_map(|v| v.holding)
        .map(|h| h.active + h.transient)
        .sum::<u64>()
        + pool.reserve
}

fn check_plan(decision: &Decision, strategy: &Policy, state: &PoolState, total: u64) {
    let minimum = STAKE_RENT + state.minimum_delegation;
    let cap = share_of(total, strategy.allocation.max_pool_share_bps);
    let mut seated = 0;
    for (target, evaluation) in decision.targets.iter().zip(&decision.evaluations) {
        if target.seated {
            seated += 1;
            assert!(evaluation.eligible(), "a seat for a validator that fails");
            assert!(target.lamports <= cap, "over the validator cap");
            assert!(target.lamports >= minimum, "a seat below the minimum");
        }
        assert_eq!(target.rank > 0, evaluation.eligible());
    }
    assert!(seated <= strategy.allocation.validators as usize);
    let stakeable = total - share_of(total, strategy.allocation.reserve_share_bps);
    let staked: u64 = decision
        .targets
        .iter()
        .filter(|t| t.seated)
        .map(|t| t.lamports)
        .sum();
    assert!(staked <= stakeable, "targets above what the pool holds");
    // Moves within the cap (instant exits aside) and within the list's room.
    let mut capped = 0u64;
    let mut adds = 0u32;
    for (mv, line) in decision.moves.iter().zip(&decision.lines) {
        match *mv {
            Move::Add => {
                capped += state.minimum_delegation;
                adds += 1;
            }
            Move::Increase(amount) | Move::Decrease(amount) => capped += amount,
            Move::Remove { instant: false } => capped += line.current(),
            Move::Remove { instant: true } => assert!(line.instant_exit),
            _ => {}
        }
        if line.instant_exit && line.active_entry {
            assert_eq!(
                *mv,
                Move::Remove { instant: true },
                "an instant exit waited"
            );
        }
    }
    assert!(
        capped <= share_of(total, strategy.max_epoch_move_bps),
        "over the epoch cap"
    );
    assert!(adds <= state.list_room);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn plans_respect_caps_and_the_programs_rules_and_converge(
        validators in proptest::collection::vec(synthetic(), 150..400),
        reserve_sol in 0u64..20_000,
        minimum_delegation in prop_oneof![Just(SOL), Just(1_000_000u64)],
        list_room in 0u32..60,
    ) {
        let mut validators = validators;
        let clock = clock(&validators);
        let bytes: Vec<Vec<u8>> = validators.iter().map(|v| vote_bytes(v, &clock)).collect();
        let strategy = strategy();
        let mut pool = SimulatedPool { reserve: reserve_sol * SOL + 1_000_000, reserve_rent: 1_000_000 };
        let start = held(&pool, &validators);
        let mut room = list_room;
        let mut quiet_epochs = 0;
        for epoch in 0..60 {
            let state = PoolState {
                reserve: pool.reserve,
                reserve_rent: pool.reserve_rent,
                stake_rent: STAKE_RENT,
                minimum_delegation,
                list_room: room,
                moved_this_epoch: 0,
            };
            let subjects = subjects(&validators, &bytes);
            let total = p_stake_pool_strategy::pool_lamports(&subjects, pool.reserve);
            let decision = run(&strategy, &clock, &state, &subjects);
            // The same inputs give the same plan.
            let again = run(&strategy, &clock, &state, &subjects);
            prop_assert_eq!(&decision.moves, &again.moves);
            prop_assert_eq!(&decision.targets, &again.targets);
            check_plan(&decision, &strategy, &state, total);
            // Label caps over what is seated.
            for (label, cap) in LABEL_CAPS.iter().enumerate() {
                let sum: u64 = decision.targets.iter().zip(&validators)
                    .filter(|(t, v)| t.seated && v.labels & (1 << label) != 0)
                    .map(|(t, _)| t.lamports).sum();
                prop_assert!(sum <= share_of(total, *cap), "label {} over its cap", label);
            }
            let adds = decision.moves.iter().filter(|m| **m == Move::Add).count() as u32;
            let removes = decision.moves.iter().filter(|m| matches!(m, Move::Remove { .. })).count() as u32;
            let busy = decision.moves.iter().any(|m| !matches!(m, Move::None | Move::Wait(Wait::OnTarget)));
            apply(&mut pool, &mut validators, &decision.moves, &decision.lines, minimum_delegation);
            settle(&mut pool, &mut validators);
            room = room - adds + removes;
            prop_assert_eq!(held(&pool, &validators), start, "lamports appeared or vanished");
            quiet_epochs = if busy { 0 } else { quiet_epochs + 1 };
            if quiet_epochs == 2 {
                // Converged: every seated validator is within the band of its target.
                let band = share_of(total, strategy.hysteresis_bps).max(minimum_delegation);
                for (target, line) in decision.targets.iter().zip(&decision.lines) {
                    if target.seated && line.in_pool {
                        prop_assert!(line.current().abs_diff(target.lamports) <= band + STAKE_RENT,
                            "seated but off target after converging: {:?} {:?}", target, line);
                    }
                }
                return Ok(());
            }
            prop_assert!(epoch < 59, "no convergence in 60 epochs");
        }
    }

    #[test]
    fn targets_do_not_depend_on_the_order_of_the_cluster(
        validators in proptest::collection::vec(synthetic(), 50..150),
        seed in any::<u64>(),
    ) {
        let clock = clock(&validators);
        let strategy = strategy();
        let state = PoolState { reserve: 5_000 * SOL, reserve_rent: 1_000_000, stake_rent: STAKE_RENT, minimum_delegation: SOL, list_room: 100, moved_this_epoch: 0 };
        let bytes: Vec<Vec<u8>> = validators.iter().map(|v| vote_bytes(v, &clock)).collect();
        let first = run(&strategy, &clock, &state, &subjects(&validators, &bytes));
        let mut shuffled: Vec<usize> = (0..validators.len()).collect();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let reordered: Vec<Synthetic> = shuffled.iter().map(|i| validators[*i].clone()).collect();
        let reordered_bytes: Vec<Vec<u8>> = shuffled.iter().map(|i| bytes[*i].clone()).collect();
        let second = run(&strategy, &clock, &state, &subjects(&reordered, &reordered_bytes));
        for (position, original) in shuffled.iter().enumerate() {
            prop_assert_eq!(first.targets[*original], second.targets[position]);
        }
    }
}
