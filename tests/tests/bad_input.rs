//! Bad input for every instruction: each case must fail with its specific error (the error
//! the SPL reference returns for it) and leave every watched account as it was.

use p_stake_pool_tests::*;
use solana_sdk::{
    instruction::{AccountMeta, Instruction, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use spl_stake_pool::{
    error::StakePoolError as E,
    instruction::FundingType,
    state::{Fee, FeeType},
};

/// Builds one bad-input case's instruction for a prepared pool.
type InstructionFor = Box<dyn Fn(&Pool) -> Instruction>;

struct Fixture {
    env: Env,
    ours: Pool,
    reference: Pool,
    user: Keypair,
    user_ours: Pubkey,
    user_reference: Pubkey,
}

impl Fixture {
    async fn new() -> Self {
        let mut env = start().await;
        let (ours, reference) = create_pool_pair(&mut env, &PoolConfig::default()).await;
        let user = env.funded_keypair(100 * LAMPORTS_PER_SOL).await;
        let user_ours = env
            .create_token_account(&ours.pool_mint.pubkey(), &user.pubkey())
            .await;
        let user_reference = env
            .create_token_account(&reference.pool_mint.pubkey(), &user.pubkey())
            .await;
        let mut fixture = Self {
            env,
            ours,
            reference,
            user,
            user_ours,
            user_reference,
        };
        for pool in [0, 1] {
            let (p, account) = fixture.pool(pool);
            let ix = deposit_sol_instruction(
                p,
                &fixture.user.pubkey(),
                &account,
                &account,
                5 * LAMPORTS_PER_SOL,
            );
            let user = fixture.user.insecure_clone();
            fixture.env.send(&[ix], &[&user]).await.unwrap();
        }
        fixture
    }

    fn pool(&self, which: usize) -> (&Pool, Pubkey) {
        if which == 0 {
            (&self.ours, self.user_ours)
        } else {
            (&self.reference, self.user_reference)
        }
    }

    /// Sends the instruction `build` makes for each pool; both must fail with `expected` and
    /// change nothing.
    async fn rejects(
        &mut self,
        expected: InstructionError,
        build: impl Fn(&Pool, Pubkey) -> (Instruction, Vec<Keypair>),
    ) {
        {
            let (pool, user_account) = self.pool(0);
            let mut watched = pool.state_addresses();
            watched.push(user_account);
            watched.push(self.user.pubkey());
            let (instruction, signers) = build(pool, user_account);
            let program = pool.program_id;
            let before = self.env.snapshot(&watched).await;
            let signer_refs: Vec<&Keypair> = signers.iter().collect();
            let result = self.env.send(&[instruction], &signer_refs).await;
            assert_eq!(instruction_error(result), expected, "program {program}");
            assert_eq!(
                self.env.snapshot(&watched).await,
                before,
                "a failed instruction changed state"
            );
        }
    }
}

fn custom(error: E) -> InstructionError {
    InstructionError::Custom(error as u32)
}

fn replace_account(mut instruction: Instruction, index: usize, meta: AccountMeta) -> Instruction {
    instruction.accounts[index] = meta;
    instruction
}

#[tokio::test]
async fn deposit_sol_bad_input() {
    let mut f = Fixture::new().await;
    let user = f.user.insecure_clone();
    let deposit = |pool: &Pool, account: Pubkey, lamports: u64| {
        deposit_sol_instruction(pool, &user.pubkey(), &account, &account, lamports)
    };
    // Zero lamports mint zero tokens.
    f.rejects(custom(E::DepositTooSmall), |p, a| {
        (deposit(p, a, 0), vec![user.insecure_clone()])
    })
    .await;
    // Spoofed withdraw authority.
    f.rejects(custom(E::InvalidProgramAddress), |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                1,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Substituted reserve.
    f.rejects(custom(E::InvalidProgramAddress), |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                2,
                AccountMeta::new(user.pubkey(), true),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Wrong manager fee account (the user's own token account).
    f.rejects(custom(E::InvalidFeeAccount), |p, a| {
        (
            replace_account(deposit(p, a, 1000), 5, AccountMeta::new(a, false)),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Wrong mint.
    f.rejects(custom(E::WrongPoolMint), |p, a| {
        (
            replace_account(deposit(p, a, 1000), 7, AccountMeta::new(a, false)),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Wrong program ids.
    f.rejects(InstructionError::IncorrectProgramId, |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                8,
                AccountMeta::new_readonly(spl_token_interface::id(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                9,
                AccountMeta::new_readonly(spl_token_2022_interface::id(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // A pool account not owned by the program (the mint's address in the pool's slot).
    f.rejects(InstructionError::IncorrectProgramId, |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                0,
                AccountMeta::new(p.pool_mint.pubkey(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Duplicate accounts: the validator list (owned by the program) as the pool.
    f.rejects(custom(E::InvalidState), |p, a| {
        (
            replace_account(
                deposit(p, a, 1000),
                0,
                AccountMeta::new(p.validator_list.pubkey(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // Slippage exceeded.
    f.rejects(custom(E::ExceededSlippage), |p, a| {
        let ix = spl_stake_pool::instruction::deposit_sol_with_slippage(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.withdraw_authority,
            &p.reserve_stake,
            &user.pubkey(),
            &a,
            &p.manager_fee_account,
            &a,
            &p.pool_mint.pubkey(),
            &spl_token_interface::id(),
            1_000_000,
            1_000_000,
        );
        (ix, vec![user.insecure_clone()])
    })
    .await;
    // Missing funding signature.
    f.rejects(InstructionError::PrivilegeEscalation, |p, a| {
        let mut ix = deposit(p, a, 1000);
        ix.accounts[3].is_signer = false;
        (ix, vec![])
    })
    .await;
    // Truncated and over-long data.
    f.rejects(InstructionError::BorshIoError, |p, a| {
        let mut ix = deposit(p, a, 1000);
        ix.data.truncate(5);
        (ix, vec![user.insecure_clone()])
    })
    .await;
    f.rejects(InstructionError::BorshIoError, |p, a| {
        let mut ix = deposit(p, a, 1000);
        ix.data.push(0);
        (ix, vec![user.insecure_clone()])
    })
    .await;
    // Stale pool: after an epoch boundary, deposits wait for the update.
    f.env.next_epoch().await;
    f.rejects(custom(E::StakeListAndPoolOutOfDate), |p, a| {
        (deposit(p, a, 1000), vec![user.insecure_clone()])
    })
    .await;
}

#[tokio::test]
async fn withdraw_sol_bad_input() {
    let mut f = Fixture::new().await;
    let user = f.user.insecure_clone();
    let destination = Keypair::new().pubkey();
    let withdraw = |pool: &Pool, account: Pubkey, tokens: u64| {
        withdraw_sol_instruction(pool, &user.pubkey(), &account, &destination, tokens)
    };
    f.rejects(custom(E::WithdrawalTooSmall), |p, a| {
        (withdraw(p, a, 0), vec![user.insecure_clone()])
    })
    .await;
    // More tokens than the user holds: the token program refuses the burn (insufficient funds).
    f.rejects(InstructionError::Custom(1), |p, a| {
        (
            withdraw(p, a, 5 * LAMPORTS_PER_SOL - 10_000_000),
            vec![user.insecure_clone()],
        )
    })
    .await;
    // An amount whose value overflows the pool's math.
    f.rejects(custom(E::SolWithdrawalTooLarge), |p, a| {
        (withdraw(p, a, u64::MAX / 2), vec![user.insecure_clone()])
    })
    .await;
    f.rejects(custom(E::InvalidProgramAddress), |p, a| {
        (
            replace_account(
                withdraw(p, a, 1000),
                1,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(custom(E::InvalidProgramAddress), |p, a| {
        (
            replace_account(
                withdraw(p, a, 1000),
                4,
                AccountMeta::new(destination, false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(custom(E::InvalidFeeAccount), |p, a| {
        (
            replace_account(withdraw(p, a, 1000), 6, AccountMeta::new(a, false)),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(custom(E::WrongPoolMint), |p, a| {
        (
            replace_account(withdraw(p, a, 1000), 7, AccountMeta::new(a, false)),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, a| {
        (
            replace_account(
                withdraw(p, a, 1000),
                10,
                AccountMeta::new_readonly(solana_system_interface::program::id(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, a| {
        (
            replace_account(
                withdraw(p, a, 1000),
                11,
                AccountMeta::new_readonly(spl_token_2022_interface::id(), false),
            ),
            vec![user.insecure_clone()],
        )
    })
    .await;
    f.rejects(custom(E::ExceededSlippage), |p, a| {
        let ix = spl_stake_pool::instruction::withdraw_sol_with_slippage(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.withdraw_authority,
            &user.pubkey(),
            &a,
            &p.reserve_stake,
            &destination,
            &p.manager_fee_account,
            &p.pool_mint.pubkey(),
            &spl_token_interface::id(),
            1_000_000,
            1_000_000,
        );
        (ix, vec![user.insecure_clone()])
    })
    .await;
    // A stranger cannot burn the user's tokens: the token program wants the owner's signature.
    let stranger = Keypair::new();
    f.rejects(InstructionError::Custom(4), |p, a| {
        (
            withdraw_sol_instruction(p, &stranger.pubkey(), &a, &destination, 1000),
            vec![stranger.insecure_clone()],
        )
    })
    .await;
    f.env.next_epoch().await;
    f.rejects(custom(E::StakeListAndPoolOutOfDate), |p, a| {
        (withdraw(p, a, 1000), vec![user.insecure_clone()])
    })
    .await;
}

#[tokio::test]
async fn manager_instructions_bad_input() {
    let mut f = Fixture::new().await;
    let stranger = Keypair::new();
    // SetFee: wrong manager, missing signature, above 100%, above the increase caps.
    f.rejects(custom(E::WrongManager), |p, _| {
        let ix = spl_stake_pool::instruction::set_fee(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &stranger.pubkey(),
            FeeType::SolReferral(1),
        );
        (ix, vec![stranger.insecure_clone()])
    })
    .await;
    f.rejects(custom(E::SignatureMissing), |p, _| {
        let mut ix = spl_stake_pool::instruction::set_fee(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            FeeType::SolReferral(1),
        );
        ix.accounts[1].is_signer = false;
        (ix, vec![])
    })
    .await;
    for fee in [
        FeeType::SolReferral(101),
        FeeType::StakeReferral(101),
        FeeType::Epoch(Fee {
            denominator: 10,
            numerator: 11,
        }),
        FeeType::SolDeposit(Fee {
            denominator: 1,
            numerator: 2,
        }),
        FeeType::StakeDeposit(Fee {
            denominator: 1,
            numerator: 2,
        }),
        FeeType::SolWithdrawal(Fee {
            denominator: 1,
            numerator: 2,
        }),
        FeeType::StakeWithdrawal(Fee {
            denominator: 1,
            numerator: 2,
        }),
    ] {
        f.rejects(custom(E::FeeTooHigh), |p, _| {
            let ix = spl_stake_pool::instruction::set_fee(
                &p.program_id,
                &p.stake_pool.pubkey(),
                &p.manager.pubkey(),
                fee.clone(),
            );
            (ix, vec![p.manager.insecure_clone()])
        })
        .await;
    }
    // The pool's withdrawal fee is 0.1%: x1.5 allows 0.15%, not 0.16%.
    for fee in [
        FeeType::SolWithdrawal(Fee {
            denominator: 10_000,
            numerator: 16,
        }),
        FeeType::StakeWithdrawal(Fee {
            denominator: 10_000,
            numerator: 16,
        }),
    ] {
        f.rejects(custom(E::FeeIncreaseTooHigh), |p, _| {
            let ix = spl_stake_pool::instruction::set_fee(
                &p.program_id,
                &p.stake_pool.pubkey(),
                &p.manager.pubkey(),
                fee.clone(),
            );
            (ix, vec![p.manager.insecure_clone()])
        })
        .await;
    }
    // Huge fractions are compared exactly (128-bit products), not rounded into a pass.
    f.rejects(custom(E::FeeIncreaseTooHigh), |p, _| {
        let fee = FeeType::SolWithdrawal(Fee {
            denominator: u64::MAX,
            numerator: u64::MAX,
        });
        let ix = spl_stake_pool::instruction::set_fee(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            fee,
        );
        (ix, vec![p.manager.insecure_clone()])
    })
    .await;
    // SetManager: wrong manager, new manager must sign, fee account of another mint.
    f.rejects(custom(E::WrongManager), |p, _| {
        let ix = spl_stake_pool::instruction::set_manager(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &stranger.pubkey(),
            &stranger.pubkey(),
            &p.manager_fee_account,
        );
        (ix, vec![stranger.insecure_clone()])
    })
    .await;
    f.rejects(custom(E::SignatureMissing), |p, _| {
        let mut ix = spl_stake_pool::instruction::set_manager(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            &stranger.pubkey(),
            &p.manager_fee_account,
        );
        ix.accounts[2].is_signer = false;
        (ix, vec![p.manager.insecure_clone()])
    })
    .await;
    let other_pools_fee_accounts = (f.reference.manager_fee_account, f.ours.manager_fee_account);
    f.rejects(custom(E::InvalidFeeAccount), |p, _| {
        let foreign = if p.program_id == PROGRAM_ID {
            other_pools_fee_accounts.0
        } else {
            other_pools_fee_accounts.1
        };
        let ix = spl_stake_pool::instruction::set_manager(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            &stranger.pubkey(),
            &foreign,
        );
        (
            ix,
            vec![p.manager.insecure_clone(), stranger.insecure_clone()],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, _| {
        let ix = spl_stake_pool::instruction::set_manager(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            &stranger.pubkey(),
            &p.reserve_stake,
        );
        (
            ix,
            vec![p.manager.insecure_clone(), stranger.insecure_clone()],
        )
    })
    .await;
    // SetStaker: only the manager or the staker, signing.
    f.rejects(custom(E::SignatureMissing), |p, _| {
        let ix = spl_stake_pool::instruction::set_staker(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &stranger.pubkey(),
            &stranger.pubkey(),
        );
        (ix, vec![stranger.insecure_clone()])
    })
    .await;
    f.rejects(custom(E::SignatureMissing), |p, _| {
        let mut ix = spl_stake_pool::instruction::set_staker(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.staker.pubkey(),
            &stranger.pubkey(),
        );
        ix.accounts[1].is_signer = false;
        (ix, vec![])
    })
    .await;
    // SetFundingAuthority: manager only; unknown funding type.
    f.rejects(custom(E::WrongManager), |p, _| {
        let ix = spl_stake_pool::instruction::set_funding_authority(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &stranger.pubkey(),
            None,
            FundingType::SolDeposit,
        );
        (ix, vec![stranger.insecure_clone()])
    })
    .await;
    f.rejects(InstructionError::BorshIoError, |p, _| {
        let mut ix = spl_stake_pool::instruction::set_funding_authority(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            None,
            FundingType::SolDeposit,
        );
        ix.data[1] = 3;
        (ix, vec![p.manager.insecure_clone()])
    })
    .await;
    // Delayed fees refuse a stale pool; immediate ones do not care.
    f.env.next_epoch().await;
    f.rejects(custom(E::StakeListAndPoolOutOfDate), |p, _| {
        let ix = spl_stake_pool::instruction::set_fee(
            &p.program_id,
            &p.stake_pool.pubkey(),
            &p.manager.pubkey(),
            FeeType::Epoch(Fee::default()),
        );
        (ix, vec![p.manager.insecure_clone()])
    })
    .await;
}

#[tokio::test]
async fn update_instructions_bad_input() {
    let mut f = Fixture::new().await;
    f.env.next_epoch().await;
    let index_of = |which: usize| which; // instruction index inside update_instructions
                                         // UpdateValidatorListBalance: spoofed authority, reserve, list; wrong stake program; odd
                                         // pairs; start index past the list; fake clock.
    let list_update = |p: &Pool| update_instructions(p).remove(index_of(0));
    f.rejects(custom(E::InvalidProgramAddress), |p, _| {
        (
            replace_account(
                list_update(p),
                1,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidProgramAddress), |p, _| {
        (
            replace_account(
                list_update(p),
                3,
                AccountMeta::new(Keypair::new().pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidValidatorStakeList), |p, _| {
        (
            replace_account(
                list_update(p),
                2,
                AccountMeta::new(p.stake_pool.pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, _| {
        (
            replace_account(
                list_update(p),
                6,
                AccountMeta::new_readonly(spl_token_interface::id(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(InstructionError::InvalidArgument, |p, _| {
        (
            replace_account(
                list_update(p),
                4,
                AccountMeta::new_readonly(solana_sdk::sysvar::rent::id(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::UnexpectedValidatorListAccountSize), |p, _| {
        let mut ix = list_update(p);
        ix.accounts
            .push(AccountMeta::new(Keypair::new().pubkey(), false));
        (ix, vec![])
    })
    .await;
    f.rejects(InstructionError::AccountDataTooSmall, |p, _| {
        let mut ix = list_update(p);
        ix.data[1] = 1; // start index 1 of an empty list
        (ix, vec![])
    })
    .await;
    f.rejects(InstructionError::BorshIoError, |p, _| {
        let mut ix = list_update(p);
        ix.data[5] = 2; // no_merge must be a bool
        (ix, vec![])
    })
    .await;
    // UpdateStakePoolBalance: every pool account is compared with the stored keys.
    let balance_update = |p: &Pool| update_instructions(p).remove(index_of(1));
    f.rejects(custom(E::WrongPoolMint), |p, _| {
        (
            replace_account(
                balance_update(p),
                5,
                AccountMeta::new(p.manager_fee_account, false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidProgramAddress), |p, _| {
        (
            replace_account(
                balance_update(p),
                1,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidProgramAddress), |p, _| {
        (
            replace_account(
                balance_update(p),
                3,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidFeeAccount), |p, _| {
        (
            replace_account(
                balance_update(p),
                4,
                AccountMeta::new(p.reserve_stake, false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(custom(E::InvalidValidatorStakeList), |p, _| {
        (
            replace_account(
                balance_update(p),
                2,
                AccountMeta::new(p.reserve_stake, false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, _| {
        (
            replace_account(
                balance_update(p),
                6,
                AccountMeta::new_readonly(spl_token_2022_interface::id(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, _| {
        (
            replace_account(
                balance_update(p),
                0,
                AccountMeta::new(p.reserve_stake, false),
            ),
            vec![],
        )
    })
    .await;
    // Cleanup: the list must be the pool's.
    let cleanup = |p: &Pool| update_instructions(p).remove(index_of(2));
    f.rejects(custom(E::InvalidValidatorStakeList), |p, _| {
        (
            replace_account(
                cleanup(p),
                1,
                AccountMeta::new(p.stake_pool.pubkey(), false),
            ),
            vec![],
        )
    })
    .await;
    f.rejects(InstructionError::IncorrectProgramId, |p, _| {
        (
            replace_account(cleanup(p), 0, AccountMeta::new(p.reserve_stake, false)),
            vec![],
        )
    })
    .await;
}

#[tokio::test]
async fn initialize_bad_input() {
    let mut env = start().await;
    let config = PoolConfig::default();
    let mut cases: Vec<(InstructionError, InstructionFor)> = Vec::new();
    let config_for = config.clone();
    let base = move |p: &Pool| initialize_instruction(p, &config_for, None);
    let b = base.clone();
    cases.push((
        custom(E::SignatureMissing),
        Box::new(move |p| {
            let mut ix = b(p);
            ix.accounts[1].is_signer = false;
            ix
        }),
    ));
    let b = base.clone();
    cases.push((
        custom(E::AlreadyInUse),
        Box::new(move |p| replace_account(b(p), 4, AccountMeta::new(p.stake_pool.pubkey(), false))),
    ));
    let b = base.clone();
    cases.push((
        custom(E::InvalidProgramAddress),
        Box::new(move |p| {
            replace_account(
                b(p),
                3,
                AccountMeta::new_readonly(Keypair::new().pubkey(), false),
            )
        }),
    ));
    let b = base.clone();
    cases.push((
        InstructionError::IncorrectProgramId,
        Box::new(move |p| {
            replace_account(
                b(p),
                8,
                AccountMeta::new_readonly(solana_system_interface::program::id(), false),
            )
        }),
    ));
    let b = base.clone();
    cases.push((
        InstructionError::IncorrectProgramId,
        Box::new(move |p| {
            replace_account(
                b(p),
                5,
                AccountMeta::new_readonly(p.manager_fee_account, false),
            )
        }),
    ));
    let b = base.clone();
    cases.push((
        InstructionError::IncorrectProgramId,
        Box::new(move |p| replace_account(b(p), 0, AccountMeta::new(p.reserve_stake, false))),
    ));
    let fee_too_high = PoolConfig {
        epoch_fee: Fee {
            denominator: 1,
            numerator: 2,
        },
        ..config.clone()
    };
    cases.push((
        custom(E::FeeTooHigh),
        Box::new(move |p| initialize_instruction(p, &fee_too_high, None)),
    ));
    let referral_too_high = PoolConfig {
        referral_fee: 101,
        ..config.clone()
    };
    cases.push((
        custom(E::FeeTooHigh),
        Box::new(move |p| initialize_instruction(p, &referral_too_high, None)),
    ));
    let wrong_size = PoolConfig {
        max_validators: 11,
        ..config.clone()
    };
    cases.push((
        custom(E::UnexpectedValidatorListAccountSize),
        Box::new(move |p| initialize_instruction(p, &wrong_size, None)),
    ));
    for (expected, build) in cases {
        for program_id in [PROGRAM_ID, SPL_PROGRAM_ID] {
            let pool = prepare_pool(&mut env, program_id, &config).await;
            let watched = pool.state_addresses();
            let before = env.snapshot(&watched).await;
            let ix = build(&pool);
            let signers: Vec<&Keypair> = if ix.accounts[1].is_signer {
                vec![&pool.manager]
            } else {
                vec![]
            };
            let result = env.send(&[ix], &signers).await;
            assert_eq!(instruction_error(result), expected, "program {program_id}");
            assert_eq!(env.snapshot(&watched).await, before);
        }
    }
    // Initializing twice: the second attempt finds the pool in use.
    for program_id in [PROGRAM_ID, SPL_PROGRAM_ID] {
        let pool = create_pool(&mut env, program_id, &config).await;
        let result = env
            .send(
                &[initialize_instruction(&pool, &config, None)],
                &[&pool.manager],
            )
            .await;
        assert_pool_error(result, E::AlreadyInUse);
    }
}
