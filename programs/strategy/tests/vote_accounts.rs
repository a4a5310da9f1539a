//! The decoder against the vote program's own types (solana-vote-interface 6): every version
//! mainnet holds, with arbitrary towers, roots, voters and credit histories, reads back the
//! same facts; truncated and hostile bytes are refused, never misread.

// Test arithmetic on small known values.
#![allow(clippy::arithmetic_side_effects)]

use std::collections::VecDeque;

use p_stake_pool_strategy::vote::{EpochCredits, VoteAccount, VoteAccountError, VoteVersion};
use proptest::prelude::*;
use solana_pubkey::Pubkey;
use solana_vote_interface::{
    authorized_voters::AuthorizedVoters,
    state::{
        vote_state_1_14_11::VoteState1_14_11, LandedVote, Lockout, VoteStateV3, VoteStateV4,
        VoteStateVersions,
    },
};

#[derive(Clone, Debug)]
struct Shape {
    node: [u8; 32],
    commission: u8,
    inflation_bps: u16,
    block_bps: u16,
    bls: Option<[u8; 48]>,
    votes: Vec<(u64, u32, u8)>,
    root: Option<u64>,
    voters: Vec<(u64, [u8; 32])>,
    credits: Vec<(u64, u64, u64)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        any::<[u8; 32]>(),
        0u8..=100,
        any::<u16>(),
        any::<u16>(),
        proptest::option::of(any::<[u8; 32]>().prop_map(|half| {
            let mut key = [7u8; 48];
            key[..32].copy_from_slice(&half);
            key
        })),
        proptest::collection::vec((any::<u64>(), 1u32..32, any::<u8>()), 0..=32),
        proptest::option::of(any::<u64>()),
        proptest::collection::vec((any::<u64>(), any::<[u8; 32]>()), 1..4),
        proptest::collection::vec((any::<u64>(), any::<u64>(), any::<u64>()), 0..=64),
    )
        .prop_map(
            |(node, commission, inflation_bps, block_bps, bls, votes, root, voters, credits)| {
                Shape {
                    node,
                    commission,
                    inflation_bps,
                    block_bps,
                    bls,
                    votes,
                    root,
                    voters,
                    credits,
                }
            },
        )
}

fn voters(shape: &Shape) -> AuthorizedVoters {
    let mut voters = AuthorizedVoters::new(shape.voters[0].0, Pubkey::from(shape.voters[0].1));
    for (epoch, key) in &shape.voters[1..] {
        voters.insert(*epoch, Pubkey::from(*key));
    }
    voters
}

fn landed(shape: &Shape) -> VecDeque<LandedVote> {
    shape
        .votes
        .iter()
        .map(|(slot, confirmations, latency)| LandedVote {
            latency: *latency,
            lockout: Lockout::new_with_confirmation_count(*slot, *confirmations),
        })
        .collect()
}

fn encode(shape: &Shape, version: VoteVersion) -> Vec<u8> {
    let versions = match version {
        VoteVersion::V4 => VoteStateVersions::new_v4(VoteStateV4 {
            node_pubkey: Pubkey::from(shape.node),
            authorized_withdrawer: Pubkey::new_unique(),
            inflation_rewards_collector: Pubkey::new_unique(),
            block_revenue_collector: Pubkey::new_unique(),
            inflation_rewards_commission_bps: shape.inflation_bps,
            block_revenue_commission_bps: shape.block_bps,
            pending_delegator_rewards: 12345,
            bls_pubkey_compressed: shape.bls,
            votes: landed(shape),
            root_slot: shape.root,
            authorized_voters: voters(shape),
            epoch_credits: shape.credits.clone(),
            last_timestamp: Default::default(),
        }),
        VoteVersion::V3 => VoteStateVersions::new_v3(VoteStateV3 {
            node_pubkey: Pubkey::from(shape.node),
            authorized_withdrawer: Pubkey::new_unique(),
            commission: shape.commission,
            votes: landed(shape),
            root_slot: shape.root,
            authorized_voters: voters(shape),
            prior_voters: Default::default(),
            epoch_credits: shape.credits.clone(),
            last_timestamp: Default::default(),
        }),
        VoteVersion::V1_14_11 => VoteStateVersions::V1_14_11(Box::new(VoteState1_14_11 {
            node_pubkey: Pubkey::from(shape.node),
            authorized_withdrawer: Pubkey::new_unique(),
            commission: shape.commission,
            votes: landed(shape).into_iter().map(|vote| vote.lockout).collect(),
            root_slot: shape.root,
            authorized_voters: voters(shape),
            prior_voters: Default::default(),
            epoch_credits: shape.credits.clone(),
            last_timestamp: Default::default(),
        })),
    };
    let mut data = bincode::serialize(&versions).unwrap();
    // Accounts are allocated at the largest size and zero-padded.
    data.resize(data.len().max(VoteStateV4::size_of()), 0);
    data
}

fn check(shape: &Shape, version: VoteVersion) {
    let data = encode(shape, version);
    let account = VoteAccount::decode(&data).unwrap();
    assert_eq!(account.version, version);
    assert_eq!(account.node, shape.node);
    assert_eq!(
        account.last_voted_slot,
        shape.votes.last().map(|vote| vote.0)
    );
    assert_eq!(account.root_slot, shape.root);
    let credits: Vec<EpochCredits> = account.epoch_credits().collect();
    assert_eq!(credits.len(), shape.credits.len());
    for (read, (epoch, credits, prev)) in credits.iter().zip(&shape.credits) {
        assert_eq!(
            (read.epoch, read.credits, read.prev_credits),
            (*epoch, *credits, *prev)
        );
    }
    match version {
        VoteVersion::V4 => {
            assert_eq!(account.inflation_commission_bps, shape.inflation_bps);
            assert_eq!(account.block_revenue_commission_bps, shape.block_bps);
            assert_eq!(account.has_bls_key, shape.bls.is_some());
        }
        _ => {
            assert_eq!(
                account.inflation_commission_bps,
                u16::from(shape.commission) * 100
            );
            assert_eq!(account.block_revenue_commission_bps, 10_000);
            assert!(!account.has_bls_key);
        }
    }
    // Cut anywhere before its end, the account is refused, never misread.
    let used = bincode::serialized_size(&bincode::deserialize::<VoteStateVersions>(&data).unwrap())
        .unwrap() as usize;
    for cut in [0, 3, 4, 36, used / 2, used - 1] {
        assert!(VoteAccount::decode(&data[..cut]).is_err(), "cut at {cut}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_version_reads_as_the_vote_program_wrote_it(shape in shape()) {
        check(&shape, VoteVersion::V4);
        check(&shape, VoteVersion::V3);
        check(&shape, VoteVersion::V1_14_11);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let _ = VoteAccount::decode(&data);
    }
}

#[test]
fn uninitialized_and_unknown_accounts_are_refused() {
    let zeroes = vec![0u8; VoteStateV4::size_of()];
    assert_eq!(
        VoteAccount::decode(&zeroes).unwrap_err(),
        VoteAccountError::Uninitialized
    );
    let mut unknown = zeroes.clone();
    unknown[0] = 4;
    assert_eq!(
        VoteAccount::decode(&unknown).unwrap_err(),
        VoteAccountError::UnsupportedVersion(4)
    );
    // A tower longer than the vote program keeps is refused before it is skipped.
    let shape = Shape {
        node: [1; 32],
        commission: 5,
        inflation_bps: 500,
        block_bps: 10_000,
        bls: None,
        votes: vec![],
        root: None,
        voters: vec![(0, [2; 32])],
        credits: vec![],
    };
    let mut data = encode(&shape, VoteVersion::V3);
    // tag 4 + node 32 + withdrawer 32 + commission 1: the votes length.
    data[69..77].copy_from_slice(&33u64.to_le_bytes());
    assert_eq!(
        VoteAccount::decode(&data).unwrap_err(),
        VoteAccountError::Malformed
    );
}

#[test]
fn credits_in_an_epoch_are_what_it_earned_then() {
    let shape = Shape {
        node: [1; 32],
        commission: 5,
        inflation_bps: 500,
        block_bps: 10_000,
        bls: None,
        votes: vec![(100, 1, 1)],
        root: None,
        voters: vec![(0, [2; 32])],
        credits: vec![(3, 1000, 400), (5, 1500, 1000)],
    };
    let data = encode(&shape, VoteVersion::V4);
    let account = VoteAccount::decode(&data).unwrap();
    assert_eq!(account.credits_in(3), 600);
    assert_eq!(account.credits_in(4), 0);
    assert_eq!(account.credits_in(5), 500);
}
