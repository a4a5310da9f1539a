//! Side-by-side runs: the same operations on a pool served by our `.so` and on a pool served
//! by the SPL stake pool 2.2.0 native processor, in the same bank. After every step the two
//! must agree on every observable: pool state (addresses aside), token balances, lamports,
//! validator-list bytes, and the outcome (success, or the same error).

use crate::{
    create_pool, deposit_sol_instruction, spl_pool_state, update_instructions,
    withdraw_sol_instruction, Env, Pool, PoolConfig, PROGRAM_ID, SPL_PROGRAM_ID,
};
use solana_program_test::BanksClientError;
use solana_sdk::{
    instruction::Instruction,
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use spl_stake_pool::{
    instruction::PreferredValidatorType,
    state::{FeeType, StakePool, ValidatorList},
};

/// Which program a twin half runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Ours,
    Reference,
}

/// One person using both pools: same keypair, one token account per pool mint.
pub struct TwinUser {
    pub keypair: Keypair,
    pub ours: Pubkey,
    pub reference: Pubkey,
}

impl TwinUser {
    pub fn account(&self, side: Side) -> Pubkey {
        match side {
            Side::Ours => self.ours,
            Side::Reference => self.reference,
        }
    }
}

/// The same pool on both programs.
pub struct Twin {
    pub ours: Pool,
    pub reference: Pool,
    pub users: Vec<TwinUser>,
    /// Set in an epoch where the reference's crank is stuck (see `full_update`) and ours,
    /// not stuck, also moved other entries' stake (a removed validator's back to the
    /// reserve): until a later crank succeeds on both, the books agree (total, supply,
    /// balances) but the reserve and the list may not.
    lagging_since: std::cell::Cell<Option<u64>>,
    /// Whether it ever lagged: the list bytes past its live entries (where removed entries
    /// were) may then differ for good, as neither program reads them.
    lagged: std::cell::Cell<bool>,
}

impl Twin {
    pub async fn create(env: &mut Env, config: &PoolConfig) -> Self {
        let ours = create_pool(env, PROGRAM_ID, config).await;
        let reference = create_pool(env, SPL_PROGRAM_ID, config).await;
        Self {
            ours,
            reference,
            users: Vec::new(),
            lagging_since: std::cell::Cell::new(None),
            lagged: std::cell::Cell::new(false),
        }
    }

    /// The epoch since which the reference lags behind ours (see `lagging_since`).
    pub fn lagging_since(&self) -> Option<u64> {
        self.lagging_since.get()
    }

    pub fn pool(&self, side: Side) -> &Pool {
        match side {
            Side::Ours => &self.ours,
            Side::Reference => &self.reference,
        }
    }

    /// Adds a funded user with a token account on each pool; returns its index.
    pub async fn add_user(&mut self, env: &mut Env, lamports: u64) -> usize {
        let keypair = env.funded_keypair(lamports).await;
        let ours = env
            .create_token_account(&self.ours.pool_mint.pubkey(), &keypair.pubkey())
            .await;
        let reference = env
            .create_token_account(&self.reference.pool_mint.pubkey(), &keypair.pubkey())
            .await;
        self.users.push(TwinUser {
            keypair,
            ours,
            reference,
        });
        self.users.len() - 1
    }

    /// Sends the instructions `build` makes for each side; both must end the same way.
    pub async fn run(
        &self,
        env: &mut Env,
        signers: &[&Keypair],
        build: impl Fn(&Pool, Side) -> Vec<Instruction>,
    ) -> Result<(), BanksClientError> {
        self.run_signed(env, |pool, side| {
            let signers = signers.iter().map(|k| k.insecure_clone()).collect();
            (build(pool, side), signers)
        })
        .await
    }

    /// Like `run`, with each side's own signers (each pool has its own staker and manager).
    pub async fn run_signed(
        &self,
        env: &mut Env,
        build: impl Fn(&Pool, Side) -> (Vec<Instruction>, Vec<Keypair>),
    ) -> Result<(), BanksClientError> {
        let mut outcomes = Vec::new();
        for side in [Side::Ours, Side::Reference] {
            let (instructions, signers) = build(self.pool(side), side);
            let signers: Vec<&Keypair> = signers.iter().collect();
            outcomes.push(env.send(&instructions, &signers).await);
        }
        let reference = outcomes.pop().unwrap();
        let ours = outcomes.pop().unwrap();
        assert_eq!(
            ours.as_ref().map_err(outcome),
            reference.as_ref().map_err(outcome),
            "the two programs ended differently"
        );
        ours
    }

    /// An instruction the staker signs on both pools; `build` gets each side's pool, its
    /// decoded state and its validator list.
    pub async fn as_staker(
        &self,
        env: &mut Env,
        build: impl Fn(&Pool, &StakePool, &ValidatorList) -> Instruction,
    ) -> Result<(), BanksClientError> {
        let states = [
            crate::spl_pool_state(env, &self.ours).await,
            crate::spl_pool_state(env, &self.reference).await,
        ];
        let lists = [
            crate::spl_validator_list(env, &self.ours).await,
            crate::spl_validator_list(env, &self.reference).await,
        ];
        self.run_signed(env, |pool, side| {
            let ix = build(pool, &states[side as usize], &lists[side as usize]);
            (vec![ix], vec![pool.staker.insecure_clone()])
        })
        .await
    }

    /// Runs `build` on both sides and asserts both fail with `expected` and change nothing:
    /// neither pool's accounts nor `extra` (stake accounts, user accounts).
    pub async fn refuses(
        &self,
        env: &mut Env,
        extra: &[Pubkey],
        expected: solana_sdk::instruction::InstructionError,
        build: impl Fn(&Pool, Side) -> (Vec<Instruction>, Vec<Keypair>),
    ) {
        let mut watched = extra.to_vec();
        for side in [Side::Ours, Side::Reference] {
            watched.extend(self.pool(side).state_addresses());
        }
        let before = env.snapshot(&watched).await;
        let result = self.run_signed(env, build).await;
        assert_eq!(crate::instruction_error(result), expected);
        assert_eq!(
            env.snapshot(&watched).await,
            before,
            "a refused call changed state"
        );
    }

    /// The staker adds `vote` to both pools.
    pub async fn add_validator(
        &self,
        env: &mut Env,
        vote: &Pubkey,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, _| {
            spl_stake_pool::instruction::add_validator_to_pool_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                None,
            )
        })
        .await
    }

    /// The staker removes `vote` from both pools.
    pub async fn remove_validator(
        &self,
        env: &mut Env,
        vote: &Pubkey,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, list| {
            spl_stake_pool::instruction::remove_validator_from_pool_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                None,
                transient_seed(list, vote),
            )
        })
        .await
    }

    /// `IncreaseValidatorStake` with `seed` as the transient seed.
    pub async fn increase(
        &self,
        env: &mut Env,
        vote: &Pubkey,
        lamports: u64,
        seed: u64,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, _| {
            spl_stake_pool::instruction::increase_validator_stake_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                lamports,
                None,
                seed,
            )
        })
        .await
    }

    /// `IncreaseAdditionalValidatorStake` with the listed transient seed.
    pub async fn increase_additional(
        &self,
        env: &mut Env,
        vote: &Pubkey,
        lamports: u64,
        ephemeral_seed: u64,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, list| {
            spl_stake_pool::instruction::increase_additional_validator_stake_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                lamports,
                None,
                transient_seed(list, vote),
                ephemeral_seed,
            )
        })
        .await
    }

    /// `DecreaseValidatorStakeWithReserve` with `seed` as the transient seed.
    pub async fn decrease(
        &self,
        env: &mut Env,
        vote: &Pubkey,
        lamports: u64,
        seed: u64,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, _| {
            spl_stake_pool::instruction::decrease_validator_stake_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                lamports,
                None,
                seed,
            )
        })
        .await
    }

    /// `DecreaseAdditionalValidatorStake` with the listed transient seed.
    pub async fn decrease_additional(
        &self,
        env: &mut Env,
        vote: &Pubkey,
        lamports: u64,
        ephemeral_seed: u64,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, state, list| {
            spl_stake_pool::instruction::decrease_additional_validator_stake_with_vote(
                &pool.program_id,
                state,
                &pool.stake_pool.pubkey(),
                vote,
                lamports,
                None,
                transient_seed(list, vote),
                ephemeral_seed,
            )
        })
        .await
    }

    /// `SetPreferredValidator` on both pools.
    pub async fn set_preferred(
        &self,
        env: &mut Env,
        kind: PreferredValidatorType,
        vote: Option<Pubkey>,
    ) -> Result<(), BanksClientError> {
        self.as_staker(env, |pool, _, _| {
            spl_stake_pool::instruction::set_preferred_validator(
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.staker.pubkey(),
                &pool.validator_list.pubkey(),
                kind.clone(),
                vote,
            )
        })
        .await
    }

    /// The reference client's full epoch update (any number of validators) on both sides,
    /// transaction by transaction.
    pub async fn full_update(&self, env: &mut Env) {
        let ours = crate::full_update_instructions(env, &self.ours).await;
        let reference = crate::full_update_instructions(env, &self.reference).await;
        assert_eq!(ours.len(), reference.len());
        let mut stuck = false;
        for (a, b) in ours.into_iter().zip(reference) {
            let outcome_ours = env.send(&a, &[]).await;
            let outcome_reference = env.send(&b, &[]).await;
            if outcome_ours.is_ok() && is_deactivating_transient_merge(&outcome_reference) {
                // Deliberately better: after a decrease, the reference's crank tries to merge
                // the deactivating transient into the validator stake, the stake program
                // refuses (MergeTransientStake) and the crank fails for the rest of the
                // epoch. Ours leaves the transient for the reserve and records the same
                // balances the decrease recorded, so the pools still agree — unless ours
                // also moved another entry's stake in that instruction (a removed
                // validator's, back to the reserve): then the reference lags until its
                // crank runs again in a later epoch (`lagging_since`).
                stuck = true;
                continue;
            }
            assert_eq!(
                outcome_ours.as_ref().map_err(outcome),
                outcome_reference.as_ref().map_err(outcome),
                "update step ended differently"
            );
            outcome_ours.unwrap();
        }
        let epoch = env.epoch().await;
        if stuck {
            if self.lagging_since.get().is_none() && !self.reserve_and_list_agree(env).await {
                self.lagging_since.set(Some(epoch));
                self.lagged.set(true);
            }
        } else if self.lagging_since.get().is_some_and(|since| since < epoch) {
            // Both cranks ran through in a later epoch: everything must agree again.
            self.lagging_since.set(None);
        }
    }

    async fn reserve_and_list_agree(&self, env: &mut Env) -> bool {
        let reserves = (
            env.lamports(&self.ours.reserve_stake).await,
            env.lamports(&self.reference.reserve_stake).await,
        );
        let lists = (
            env.account(&self.ours.validator_list.pubkey())
                .await
                .unwrap()
                .data,
            env.account(&self.reference.validator_list.pubkey())
                .await
                .unwrap()
                .data,
        );
        reserves.0 == reserves.1 && lists.0 == lists.1
    }

    /// SOL deposit by `user`, referral to `referrer`.
    pub async fn deposit_sol(&self, env: &mut Env, user: usize, referrer: usize, lamports: u64) {
        self.try_deposit_sol(env, user, referrer, lamports)
            .await
            .unwrap();
    }

    /// Like `deposit_sol`, for deposits both pools may refuse (the same way), as the interface's
    /// quote must then also do: a deposit fee of 100% leaves nothing to mint.
    pub async fn try_deposit_sol(
        &self,
        env: &mut Env,
        user: usize,
        referrer: usize,
        lamports: u64,
    ) -> Result<(), BanksClientError> {
        let (user, referrer) = (&self.users[user], &self.users[referrer]);
        // What the interface's quote says our pool will mint, checked against what it does.
        let epoch = env.epoch().await;
        let pool_data = env
            .account(&self.ours.stake_pool.pubkey())
            .await
            .unwrap()
            .data;
        let quoted = p_stake_pool_client::quote::deposit_sol(&pool_data, lamports, epoch);
        let before = env.token_balance(&user.account(Side::Ours)).await;
        let result = self
            .run(env, &[&user.keypair], |pool, side| {
                vec![deposit_sol_instruction(
                    pool,
                    &user.keypair.pubkey(),
                    &user.account(side),
                    &referrer.account(side),
                    lamports,
                )]
            })
            .await;
        if let Err(error) = result {
            assert!(
                quoted.is_err(),
                "the quote accepted a deposit the program refused"
            );
            return Err(error);
        }
        let minted = env.token_balance(&user.account(Side::Ours)).await - before;
        // (When the user refers itself it also receives the referral share.)
        let referral = if std::ptr::eq(user, referrer) {
            quoted.as_ref().map_or(0, |split| split.referral_fee)
        } else {
            0
        };
        assert_eq!(
            Ok(minted),
            quoted.map(|split| split.user + referral),
            "quote"
        );
        Ok(())
    }

    /// SOL withdrawal of `pool_tokens` by `user`; returns the lamports each side paid out.
    pub async fn withdraw_sol(&self, env: &mut Env, user: usize, pool_tokens: u64) -> u64 {
        let user = &self.users[user];
        let destinations = [Keypair::new().pubkey(), Keypair::new().pubkey()];
        let epoch = env.epoch().await;
        let pool_data = env
            .account(&self.ours.stake_pool.pubkey())
            .await
            .unwrap()
            .data;
        let quoted = p_stake_pool_client::quote::withdraw_sol(&pool_data, pool_tokens, epoch);
        self.run(env, &[&user.keypair], |pool, side| {
            vec![withdraw_sol_instruction(
                pool,
                &user.keypair.pubkey(),
                &user.account(side),
                &destinations[side as usize],
                pool_tokens,
            )]
        })
        .await
        .unwrap();
        let paid = [
            env.lamports(&destinations[0]).await,
            env.lamports(&destinations[1]).await,
        ];
        assert_eq!(paid[0], paid[1], "lamports paid out differ");
        // The quote charges the withdrawal fee; the program skips it for a fee account that
        // cannot take it (then the tokens pay out at the plain rate).
        let fee_free =
            p_stake_pool_client::quote::fee_free_withdrawal(&pool_data, pool_tokens, epoch);
        assert!(
            quoted.map(|split| split.lamports) == Ok(paid[0])
                || fee_free.map(|split| split.lamports) == Ok(paid[0]),
            "quote"
        );
        paid[0]
    }

    /// One active-to-be stake account per side, `lamports` delegated to `vote`, with the payer
    /// as both authorities (the payer signs every transaction, so it can authorize the
    /// deposit).
    pub async fn create_user_stakes(
        &self,
        env: &mut Env,
        vote: &Pubkey,
        lamports: u64,
    ) -> [Pubkey; 2] {
        let ours = Keypair::new();
        let reference = Keypair::new();
        env.create_delegated_stake(&ours, vote, lamports).await;
        env.create_delegated_stake(&reference, vote, lamports).await;
        [ours.pubkey(), reference.pubkey()]
    }

    /// `DepositStake` of each side's stake account by `user`, referral to `referrer`
    /// (`minimum_out` selects the slippage variant; `signers` carries a custom stake deposit
    /// authority's signature).
    pub async fn deposit_stake(
        &self,
        env: &mut Env,
        stakes: &[Pubkey; 2],
        user: usize,
        referrer: usize,
        minimum_out: Option<u64>,
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        let payer = env.payer().pubkey();
        let mut delegations = Vec::new();
        for stake in stakes {
            // The delegation's vote account sits after the state tag (4) and `Meta` (120).
            let account = env.account(stake).await.unwrap();
            delegations.push(Pubkey::try_from(&account.data[124..156]).unwrap());
        }
        let states = [
            crate::spl_pool_state(env, &self.ours).await,
            crate::spl_pool_state(env, &self.reference).await,
        ];
        let (user_index, referrer_index) = (user, referrer);
        let (user, referrer) = (&self.users[user], &self.users[referrer]);
        // The interface's quote for our side, from the source's lamports and delegation.
        let epoch = env.epoch().await;
        let source = env.account(&stakes[0]).await.unwrap();
        let mut delegated = u64::from_le_bytes(source.data[156..164].try_into().unwrap());
        // Into a validator stake still activating (added this epoch) the merge delegates every
        // lamport of the (also activating) source: all of it is stake.
        let destination = env
            .account(&self.ours.validator_stake(&delegations[0]))
            .await;
        if let Some(destination) = destination {
            let activation = |data: &[u8]| u64::from_le_bytes(data[164..172].try_into().unwrap());
            if destination.data.len() >= 172
                && activation(&destination.data) == epoch
                && activation(&source.data) == epoch
            {
                delegated = source.lamports;
            }
        }
        let pool_data = env
            .account(&self.ours.stake_pool.pubkey())
            .await
            .unwrap()
            .data;
        let quoted = p_stake_pool_client::quote::deposit_stake(
            &pool_data,
            source.lamports,
            delegated,
            epoch,
        );
        let before = env.token_balance(&user.account(Side::Ours)).await;
        let result = self
            .run(env, signers, |pool, side| {
                let i = side as usize;
                let (validator_stake, _) = spl_stake_pool::find_stake_program_address(
                    &pool.program_id,
                    &delegations[i],
                    &pool.stake_pool.pubkey(),
                    None,
                );
                let args = (
                    &pool.program_id,
                    &pool.stake_pool.pubkey(),
                    &pool.validator_list.pubkey(),
                    &pool.withdraw_authority,
                    &stakes[i],
                    &payer,
                    &validator_stake,
                    &pool.reserve_stake,
                    &user.account(side),
                    &pool.manager_fee_account,
                    &referrer.account(side),
                    &pool.pool_mint.pubkey(),
                    &pool.token_program,
                );
                let deposit_authority = states[i].stake_deposit_authority;
                let default_authority = spl_stake_pool::find_deposit_authority_program_address(
                    &pool.program_id,
                    &pool.stake_pool.pubkey(),
                )
                .0;
                match minimum_out {
                    _ if deposit_authority != default_authority => {
                        spl_stake_pool::instruction::deposit_stake_with_authority(
                            args.0,
                            args.1,
                            args.2,
                            &deposit_authority,
                            args.3,
                            args.4,
                            args.5,
                            args.6,
                            args.7,
                            args.8,
                            args.9,
                            args.10,
                            args.11,
                            args.12,
                        )
                    }
                    Some(minimum) => spl_stake_pool::instruction::deposit_stake_with_slippage(
                        args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7, args.8,
                        args.9, args.10, args.11, args.12, minimum,
                    ),
                    None => spl_stake_pool::instruction::deposit_stake(
                        args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7, args.8,
                        args.9, args.10, args.11, args.12,
                    ),
                }
            })
            .await;
        if result.is_ok() {
            let minted = env.token_balance(&user.account(Side::Ours)).await - before;
            let quoted = quoted.expect("the quote refused a deposit the program accepted");
            let referral = if user_index == referrer_index {
                quoted.referral_fee
            } else {
                0
            };
            assert_eq!(minted, quoted.user + referral, "stake deposit quote");
        }
        result
    }

    /// `WithdrawStake` of `pool_tokens` by `user`, split from the account `source` names on
    /// each side, into a fresh stake account the user's key controls; returns the two new
    /// accounts (`minimum_out` selects the slippage variant).
    pub async fn withdraw_stake(
        &self,
        env: &mut Env,
        user: usize,
        source: impl Fn(&Pool) -> Pubkey,
        pool_tokens: u64,
        minimum_out: Option<u64>,
    ) -> Result<[Pubkey; 2], BanksClientError> {
        let receivers = [Keypair::new(), Keypair::new()];
        for receiver in &receivers {
            env.create_owned_account(
                receiver,
                crate::STAKE_ACCOUNT_LEN,
                &solana_stake_interface::program::id(),
            )
            .await;
        }
        let user = &self.users[user];
        self.run_signed(env, |pool, side| {
            let args = (
                &pool.program_id,
                &pool.stake_pool.pubkey(),
                &pool.validator_list.pubkey(),
                &pool.withdraw_authority,
                &source(pool),
                &receivers[side as usize].pubkey(),
                &user.keypair.pubkey(),
                &user.keypair.pubkey(),
                &user.account(side),
                &pool.manager_fee_account,
                &pool.pool_mint.pubkey(),
                &pool.token_program,
            );
            let ix = match minimum_out {
                Some(minimum) => spl_stake_pool::instruction::withdraw_stake_with_slippage(
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                    args.5,
                    args.6,
                    args.7,
                    args.8,
                    args.9,
                    args.10,
                    args.11,
                    pool_tokens,
                    minimum,
                ),
                None => spl_stake_pool::instruction::withdraw_stake(
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                    args.5,
                    args.6,
                    args.7,
                    args.8,
                    args.9,
                    args.10,
                    args.11,
                    pool_tokens,
                ),
            };
            (vec![ix], vec![user.keypair.insecure_clone()])
        })
        .await?;
        let received = [receivers[0].pubkey(), receivers[1].pubkey()];
        // The new stake account answers to the user alone (staker and withdrawer).
        for account in &received {
            let data = env.account(account).await.unwrap().data;
            assert_eq!(&data[12..44], user.keypair.pubkey().as_ref());
            assert_eq!(&data[44..76], user.keypair.pubkey().as_ref());
        }
        assert_eq!(
            env.lamports(&received[0]).await,
            env.lamports(&received[1]).await,
            "withdrawn stake differs"
        );
        Ok(received)
    }

    /// Sends the same lamports to both reserves (counted as reward at the next update).
    pub async fn reward_reserves(&self, env: &mut Env, lamports: u64) {
        env.transfer(&self.ours.reserve_stake, lamports).await;
        env.transfer(&self.reference.reserve_stake, lamports).await;
    }

    /// The full update of a pool without validators, on both sides.
    pub async fn update(&self, env: &mut Env) {
        self.run(env, &[], |pool, _| update_instructions(pool))
            .await
            .unwrap();
    }

    pub async fn set_fee(&self, env: &mut Env, fee: FeeType) -> Result<(), BanksClientError> {
        self.run_signed(env, |pool, _| {
            (
                vec![set_fee_instruction(pool, fee.clone())],
                vec![pool.manager.insecure_clone()],
            )
        })
        .await
    }

    /// Every observable the two pools expose must be equal.
    pub async fn assert_same(&self, env: &mut Env) {
        let ours = normalized(spl_pool_state(env, &self.ours).await);
        let reference = normalized(spl_pool_state(env, &self.reference).await);
        assert_eq!(ours, reference, "pool state differs from the reference");
        assert_eq!(
            env.token_balance(&self.ours.manager_fee_account).await,
            env.token_balance(&self.reference.manager_fee_account).await,
            "manager fee account differs"
        );
        assert_eq!(
            env.mint_supply(&self.ours.pool_mint.pubkey()).await,
            env.mint_supply(&self.reference.pool_mint.pubkey()).await,
            "pool mint supply differs"
        );
        for (i, user) in self.users.iter().enumerate() {
            let a = env.token_balance(&user.ours).await;
            let b = env.token_balance(&user.reference).await;
            assert_eq!(a, b, "user {i} pool tokens differ");
        }
        if self.lagging_since.get().is_some() {
            // The books agree (checked above); the reserve and the list catch up later.
            return;
        }
        assert_eq!(
            env.lamports(&self.ours.reserve_stake).await,
            env.lamports(&self.reference.reserve_stake).await,
            "reserve lamports differ"
        );
        let ours = env
            .account(&self.ours.validator_list.pubkey())
            .await
            .unwrap();
        let reference = env
            .account(&self.reference.validator_list.pubkey())
            .await
            .unwrap();
        if self.lagged.get() {
            // Header (9 bytes) and the live entries (73 each).
            let live = 9 + 73 * u32::from_le_bytes(ours.data[5..9].try_into().unwrap()) as usize;
            assert_eq!(
                ours.data[..live],
                reference.data[..live],
                "validator list entries differ"
            );
        } else {
            assert_eq!(ours.data, reference.data, "validator list bytes differ");
        }
    }
}

fn set_fee_instruction(pool: &Pool, fee: FeeType) -> Instruction {
    spl_stake_pool::instruction::set_fee(
        &pool.program_id,
        &pool.stake_pool.pubkey(),
        &pool.manager.pubkey(),
        fee,
    )
}

/// The transient seed the list records for `vote` (0 when not listed).
pub fn transient_seed(list: &ValidatorList, vote: &Pubkey) -> u64 {
    list.validators
        .iter()
        .find(|v| v.vote_account_address == *vote)
        .map_or(0, |v| u64::from(v.transient_seed_suffix))
}

/// The reference's crank failing in the stake program's Merge on a transient that is still
/// (de)activating: `StakeError::MergeTransientStake` (5) from the first instruction.
fn is_deactivating_transient_merge(result: &Result<(), BanksClientError>) -> bool {
    matches!(
        result,
        Err(BanksClientError::TransactionError(
            solana_sdk::transaction::TransactionError::InstructionError(
                0,
                solana_sdk::instruction::InstructionError::Custom(5)
            )
        ))
    )
}

/// A failed transaction's error, comparable across the two programs.
fn outcome(error: &BanksClientError) -> String {
    match error {
        BanksClientError::TransactionError(error) => format!("{error:?}"),
        BanksClientError::SimulationError { err, .. } => format!("{err:?}"),
        other => format!("{other:?}"),
    }
}

/// The pool state with every per-pool address (and the PDA bump) blanked, so two pools with
/// different keys but the same history compare equal.
pub fn normalized(mut state: StakePool) -> StakePool {
    state.manager = Pubkey::default();
    state.staker = Pubkey::default();
    state.stake_deposit_authority = Pubkey::default();
    state.stake_withdraw_bump_seed = 0;
    state.validator_list = Pubkey::default();
    state.reserve_stake = Pubkey::default();
    state.pool_mint = Pubkey::default();
    state.manager_fee_account = Pubkey::default();
    state
}
