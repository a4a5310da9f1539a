// Writes the program's Codama IDL (idl/p_stake_pool.json at the repository root) from the
// node definitions below. The IDL is the one description of the interface for every
// off-chain language; `tests/tests/idl.rs` checks it against the Rust interface crate
// (tags, layouts, sizes, seeds, error codes) and the TypeScript tests run every instruction
// built from it against the program's binary, so it cannot drift from the program.
//
//   node scripts/idl.mjs            # rewrite the IDL
//   node scripts/idl.mjs --check    # fail if the committed IDL differs from these nodes
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  accountNode,
  argumentValueNode,
  arrayTypeNode,
  booleanTypeNode,
  bytesTypeNode,
  constantPdaSeedNodeFromString,
  definedTypeLinkNode,
  definedTypeNode,
  enumEmptyVariantTypeNode,
  enumTupleVariantTypeNode,
  enumTypeNode,
  enumValueNode,
  errorNode,
  fieldDiscriminatorNode,
  fixedCountNode,
  fixedSizeTypeNode,
  instructionAccountNode,
  instructionArgumentNode,
  instructionNode,
  instructionRemainingAccountsNode,
  numberTypeNode,
  numberValueNode,
  optionTypeNode,
  pdaNode,
  prefixedCountNode,
  programNode,
  publicKeyTypeNode,
  publicKeyValueNode,
  rootNode,
  sizePrefixTypeNode,
  stringTypeNode,
  structFieldTypeNode,
  structTypeNode,
  tupleTypeNode,
  variablePdaSeedNode,
} from '@codama/nodes';

const here = path.dirname(fileURLToPath(import.meta.url));
export const IDL_PATH = path.resolve(here, '../../../idl/p_stake_pool.json');

/** The program's address when deployed by this project (every client takes it as a parameter). */
const PROGRAM_ADDRESS = '3RhSDGkhgg6rqD1ccgEKfnYPb7pXhvCyWyGTFhhKxvvw';

const SYSTEM_PROGRAM = '11111111111111111111111111111111';
const STAKE_PROGRAM = 'Stake11111111111111111111111111111111111111';
const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
const METADATA_PROGRAM = 'metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s';
const CLOCK = 'SysvarC1ock11111111111111111111111111111111';
const RENT = 'SysvarRent111111111111111111111111111111111';
const STAKE_HISTORY = 'SysvarStakeHistory1111111111111111111111111';
const STAKE_CONFIG = 'StakeConfig11111111111111111111111111111111';

const u8 = () => numberTypeNode('u8');
const u32 = () => numberTypeNode('u32');
const u64 = () => numberTypeNode('u64');
const i64 = () => numberTypeNode('i64');
const address = () => publicKeyTypeNode();
const field = (name, type, docs) => structFieldTypeNode({ name, type, docs });
const link = (name) => definedTypeLinkNode(name);
/** The account-type byte that tells the program's accounts apart. */
const accountTypeField = (variant) =>
  structFieldTypeNode({
    name: 'accountType',
    type: link('accountType'),
    defaultValue: enumValueNode('accountType', variant),
    defaultValueStrategy: 'omitted',
  });
/** Borsh `Option<T>`: a u8 tag, then the value when present. */
const option = (type) => optionTypeNode(type, { prefix: u8() });
/** Borsh `String`: u32 length, then UTF-8 bytes. */
const borshString = () => sizePrefixTypeNode(stringTypeNode('utf8'), u32());

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

const fee = structTypeNode([
  field('denominator', u64()),
  field('numerator', u64()),
]);

const definedTypes = [
  definedTypeNode({
    name: 'accountType',
    docs: ['First byte of every account the program owns.'],
    type: enumTypeNode(
      [
        enumEmptyVariantTypeNode('uninitialized'),
        enumEmptyVariantTypeNode('stakePool'),
        enumEmptyVariantTypeNode('validatorList'),
        // p-stake-pool's addition (delayed-unstake tickets).
        enumEmptyVariantTypeNode('unstakeTicket'),
      ],
      { size: u8() },
    ),
  }),
  definedTypeNode({
    name: 'fee',
    docs: ['A fraction: numerator / denominator (0 / 0 is no fee).'],
    type: fee,
  }),
  definedTypeNode({
    name: 'futureEpochFee',
    docs: ['A fee change waiting for epoch boundaries: `two` becomes `one` at the next, `one` applies at the one after.'],
    type: enumTypeNode(
      [
        enumEmptyVariantTypeNode('none'),
        enumTupleVariantTypeNode('one', tupleTypeNode([link('fee')])),
        enumTupleVariantTypeNode('two', tupleTypeNode([link('fee')])),
      ],
      { size: u8() },
    ),
  }),
  definedTypeNode({
    name: 'lockup',
    docs: ['The stake program lockup every pool stake account carries.'],
    type: structTypeNode([
      field('unixTimestamp', i64()),
      field('epoch', u64()),
      field('custodian', address()),
    ]),
  }),
  definedTypeNode({
    name: 'stakeStatus',
    docs: ['Where a validator entry is in its life.'],
    type: enumTypeNode(
      [
        enumEmptyVariantTypeNode('active'),
        enumEmptyVariantTypeNode('deactivatingTransient'),
        enumEmptyVariantTypeNode('readyForRemoval'),
        enumEmptyVariantTypeNode('deactivatingValidator'),
        enumEmptyVariantTypeNode('deactivatingAll'),
      ],
      { size: u8() },
    ),
  }),
  definedTypeNode({
    name: 'validatorStakeInfo',
    docs: ['One validator list entry (73 bytes).'],
    type: structTypeNode([
      field('activeStakeLamports', u64(), ['Lamports in the validator stake account, recorded at the last update.']),
      field('transientStakeLamports', u64(), ['Lamports in the transient stake account, recorded at the last update.']),
      field('lastUpdateEpoch', u64()),
      field('transientSeedSuffix', u64(), ['Seed of the transient stake account in use.']),
      field('unused', u32()),
      field('validatorSeedSuffix', u32(), ['Seed of the validator stake account (0 = none).']),
      field('status', link('stakeStatus')),
      field('voteAccountAddress', address()),
    ]),
  }),
  definedTypeNode({
    name: 'preferredValidatorType',
    type: enumTypeNode([enumEmptyVariantTypeNode('deposit'), enumEmptyVariantTypeNode('withdraw')], {
      size: u8(),
    }),
  }),
  definedTypeNode({
    name: 'fundingType',
    type: enumTypeNode(
      [
        enumEmptyVariantTypeNode('stakeDeposit'),
        enumEmptyVariantTypeNode('solDeposit'),
        enumEmptyVariantTypeNode('solWithdraw'),
      ],
      { size: u8() },
    ),
  }),
  definedTypeNode({
    name: 'feeType',
    docs: ['Which fee `SetFee` changes, and its new value (referral fees are percents).'],
    type: enumTypeNode(
      [
        enumTupleVariantTypeNode('solReferral', tupleTypeNode([u8()])),
        enumTupleVariantTypeNode('stakeReferral', tupleTypeNode([u8()])),
        enumTupleVariantTypeNode('epoch', tupleTypeNode([link('fee')])),
        enumTupleVariantTypeNode('stakeWithdrawal', tupleTypeNode([link('fee')])),
        enumTupleVariantTypeNode('solDeposit', tupleTypeNode([link('fee')])),
        enumTupleVariantTypeNode('stakeDeposit', tupleTypeNode([link('fee')])),
        enumTupleVariantTypeNode('solWithdrawal', tupleTypeNode([link('fee')])),
      ],
      { size: u8() },
    ),
  }),
];

// ---------------------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------------------

const accounts = [
  accountNode({
    name: 'stakePool',
    docs: [
      'The pool (Borsh, as the SPL stake pool writes it; the account is allocated at its largest',
      'size, 611 bytes, so options and pending fees never need a reallocation).',
    ],
    discriminators: [fieldDiscriminatorNode('accountType')],
    data: structTypeNode([
      accountTypeField('stakePool'),
      field('manager', address()),
      field('staker', address()),
      field('stakeDepositAuthority', address()),
      field('stakeWithdrawBumpSeed', u8()),
      field('validatorList', address()),
      field('reserveStake', address()),
      field('poolMint', address()),
      field('managerFeeAccount', address()),
      field('tokenProgramId', address()),
      field('totalLamports', u64(), ['SOL the pool is worth, as of the last update.']),
      field('poolTokenSupply', u64(), ['Pool tokens in circulation, as of the last update.']),
      field('lastUpdateEpoch', u64()),
      field('lockup', link('lockup')),
      field('epochFee', link('fee')),
      field('nextEpochFee', link('futureEpochFee')),
      field('preferredDepositValidatorVoteAddress', option(address())),
      field('preferredWithdrawValidatorVoteAddress', option(address())),
      field('stakeDepositFee', link('fee')),
      field('stakeWithdrawalFee', link('fee')),
      field('nextStakeWithdrawalFee', link('futureEpochFee')),
      field('stakeReferralFee', u8()),
      field('solDepositAuthority', option(address())),
      field('solDepositFee', link('fee')),
      field('solReferralFee', u8()),
      field('solWithdrawAuthority', option(address())),
      field('solWithdrawalFee', link('fee')),
      field('nextSolWithdrawalFee', link('futureEpochFee')),
      field('lastEpochPoolTokenSupply', u64()),
      field('lastEpochTotalLamports', u64()),
    ]),
  }),
  accountNode({
    name: 'validatorList',
    docs: ['The pool\'s validators: a 5-byte header, then a u32 count and the entries.'],
    discriminators: [fieldDiscriminatorNode('accountType')],
    data: structTypeNode([
      accountTypeField('validatorList'),
      field('maxValidators', u32()),
      field('validators', arrayTypeNode(link('validatorStakeInfo'), prefixedCountNode(u32()))),
    ]),
  }),
  accountNode({
    name: 'unstakeTicket',
    docs: [
      'A delayed-unstake ticket (p-stake-pool\'s addition), PDA ["ticket", stake pool, stake account]:',
      'what the pool owes its owner, claimable once its stake account has cooled down.',
    ],
    size: 161,
    discriminators: [fieldDiscriminatorNode('accountType')],
    data: structTypeNode([
      accountTypeField('unstakeTicket'),
      field('stakePool', address()),
      field('owner', address()),
      field('stakeAccount', address()),
      field('lamportsOwed', u64()),
      field('claimableEpoch', u64()),
      field('rentPayer', address()),
      field('stakeAccountFunding', u64(), ['Lamports the stake account held before the split: the rent payer\'s.']),
      field('fromReserve', booleanTypeNode()),
      field('reserved', fixedSizeTypeNode(bytesTypeNode(), 7)),
    ]),
  }),
];

// ---------------------------------------------------------------------------------------
// PDAs
// ---------------------------------------------------------------------------------------

const pdas = [
  pdaNode({
    name: 'withdrawAuthority',
    docs: ['Owns the reserve and every pool stake account; mints pool tokens.'],
    seeds: [variablePdaSeedNode('stakePool', address()), constantPdaSeedNodeFromString('utf8', 'withdraw')],
  }),
  pdaNode({
    name: 'depositAuthority',
    docs: ['The default (permissionless) stake deposit authority.'],
    seeds: [variablePdaSeedNode('stakePool', address()), constantPdaSeedNodeFromString('utf8', 'deposit')],
  }),
  pdaNode({
    name: 'validatorStake',
    docs: ['A validator\'s stake account with seed 0 (a non-zero seed appends it as a u32: validatorStakeWithSeed).'],
    seeds: [variablePdaSeedNode('voteAccount', address()), variablePdaSeedNode('stakePool', address())],
  }),
  pdaNode({
    name: 'validatorStakeWithSeed',
    docs: ['A validator\'s stake account with a non-zero seed.'],
    seeds: [
      variablePdaSeedNode('voteAccount', address()),
      variablePdaSeedNode('stakePool', address()),
      variablePdaSeedNode('seed', u32()),
    ],
  }),
  pdaNode({
    name: 'transientStake',
    seeds: [
      constantPdaSeedNodeFromString('utf8', 'transient'),
      variablePdaSeedNode('voteAccount', address()),
      variablePdaSeedNode('stakePool', address()),
      variablePdaSeedNode('seed', u64()),
    ],
  }),
  pdaNode({
    name: 'ephemeralStake',
    seeds: [
      constantPdaSeedNodeFromString('utf8', 'ephemeral'),
      variablePdaSeedNode('stakePool', address()),
      variablePdaSeedNode('seed', u64()),
    ],
  }),
  pdaNode({
    name: 'unstakeTicket',
    seeds: [
      constantPdaSeedNodeFromString('utf8', 'ticket'),
      variablePdaSeedNode('stakePool', address()),
      variablePdaSeedNode('stakeAccount', address()),
    ],
  }),
];

// ---------------------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------------------

/** An account of an instruction: `w` writable, `s` signer, `?` optional (omitted when absent). */
function account(name, flags, docs, defaultValue) {
  return instructionAccountNode({
    name,
    isWritable: flags.includes('w'),
    isSigner: flags.includes('s') ? true : flags.includes('e') ? 'either' : false,
    isOptional: flags.includes('?'),
    docs: docs ? [docs] : [],
    defaultValue,
  });
}
const fixed = (name, address, docs) => account(name, '', docs, publicKeyValueNode(address));
// PDAs are not given as account defaults: the JS renderer derives defaults with the IDL's
// program address, not the caller's, which would be wrong for any other deployment. Callers
// derive them with the find*Pda functions, which take the program address.
const withdrawAuthority = () => account('withdrawAuthority', '', 'Withdraw authority PDA [stake pool, "withdraw"].');
const clock = () => fixed('clock', CLOCK);
const rent = () => fixed('rent', RENT);
const stakeHistory = () => fixed('stakeHistory', STAKE_HISTORY);
const stakeConfig = () => fixed('stakeConfig', STAKE_CONFIG, 'Stake config (unused by the stake program, kept for the SPL account order).');
const systemProgram = () => fixed('systemProgram', SYSTEM_PROGRAM);
const stakeProgram = () => fixed('stakeProgram', STAKE_PROGRAM);
const tokenProgram = () => fixed('tokenProgram', TOKEN_PROGRAM, 'SPL Token or Token-2022: the pool mint\'s program.');

function instruction(name, tag, docs, accountList, args = [], extra = {}) {
  return instructionNode({
    name,
    docs,
    discriminators: [fieldDiscriminatorNode('discriminator')],
    optionalAccountStrategy: 'omitted',
    accounts: accountList,
    arguments: [
      instructionArgumentNode({
        name: 'discriminator',
        type: u8(),
        defaultValue: numberValueNode(tag),
        defaultValueStrategy: 'omitted',
      }),
      ...args.map(([argName, type, argDocs]) =>
        instructionArgumentNode({ name: argName, type, docs: argDocs ? [argDocs] : [] }),
      ),
    ],
    ...extra,
  });
}
const arg = (name, type, docs) => [name, type, docs];

const depositSolAccounts = () => [
  account('stakePool', 'w'),
  withdrawAuthority(),
  account('reserveStake', 'w'),
  account('lamportsFrom', 'ws', 'System account paying the lamports.'),
  account('poolTokensTo', 'w', 'The depositor\'s pool token account.'),
  account('managerFeeAccount', 'w'),
  account('referrerPoolTokensAccount', 'w', 'Receives the referral share of the deposit fee.'),
  account('poolMint', 'w'),
  systemProgram(),
  tokenProgram(),
  account('solDepositAuthority', 's?', 'Required when the pool sets a SOL deposit authority.'),
];
const withdrawSolAccounts = () => [
  account('stakePool', 'w'),
  withdrawAuthority(),
  account('userTransferAuthority', 's', 'Owner or delegate of the burned tokens.'),
  account('poolTokensFrom', 'w'),
  account('reserveStake', 'w'),
  account('lamportsTo', 'w'),
  account('managerFeeAccount', 'w'),
  account('poolMint', 'w'),
  clock(),
  stakeHistory(),
  stakeProgram(),
  tokenProgram(),
  account('solWithdrawAuthority', 's?', 'Required when the pool sets a SOL withdraw authority.'),
];
const depositStakeAccounts = () => [
  account('stakePool', 'w'),
  account('validatorList', 'w'),
  account(
    'stakeDepositAuthority',
    'e',
    'The pool\'s stake deposit authority: the default PDA [stake pool, "deposit"], or the pool\'s own authority, which must sign.',
  ),
  withdrawAuthority(),
  account('depositStake', 'w', 'The stake account deposited; its staker and withdrawer are already the deposit authority.'),
  account('validatorStake', 'w', 'The pool\'s stake account for the validator the deposit is delegated to.'),
  account('reserveStake', 'w'),
  account('poolTokensTo', 'w'),
  account('managerFeeAccount', 'w'),
  account('referrerPoolTokensAccount', 'w'),
  account('poolMint', 'w'),
  clock(),
  stakeHistory(),
  tokenProgram(),
  stakeProgram(),
];
const withdrawStakeAccounts = () => [
  account('stakePool', 'w'),
  account('validatorList', 'w'),
  withdrawAuthority(),
  account('stakeToSplit', 'w', 'Validator, transient or reserve stake account to split from.'),
  account('stakeToReceive', 'w', 'Uninitialized stake account (allocated, rent-exempt) that receives the stake.'),
  account('userStakeAuthority', '', 'Staker and withdrawer of the new stake account.'),
  account('userTransferAuthority', 's'),
  account('poolTokensFrom', 'w'),
  account('managerFeeAccount', 'w'),
  account('poolMint', 'w'),
  clock(),
  tokenProgram(),
  stakeProgram(),
];
const instructions = [
  instruction(
    'initialize',
    0,
    ['Creates a pool from prepared accounts.'],
    [
      account('stakePool', 'w', 'New pool account: owned by the program, zeroed, rent-exempt.'),
      account('manager', 's'),
      account('staker', ''),
      withdrawAuthority(),
      account('validatorList', 'w', 'Uninitialized validator list owned by the program.'),
      account('reserveStake', '', 'Initialized stake account, staker and withdrawer the withdraw authority.'),
      account('poolMint', 'w', 'Supply 0, 9 decimals, mint authority the withdraw authority, no freeze authority.'),
      account('managerFeeAccount', 'w'),
      tokenProgram(),
      // Signs here as in the SPL client's builder (the program does not require it).
      account('depositAuthority', 's?', 'Stake deposit authority that must sign every stake deposit.'),
    ],
    [
      arg('fee', link('fee'), 'Epoch fee on rewards.'),
      arg('withdrawalFee', link('fee')),
      arg('depositFee', link('fee')),
      arg('referralFee', u8(), 'Percent of deposit fees paid to referrers.'),
      arg('maxValidators', u32()),
    ],
  ),
  instruction(
    'addValidatorToPool',
    1,
    ['The staker adds a validator; its stake account is funded from the reserve.'],
    [
      account('stakePool', 'w'),
      account('staker', 's'),
      account('reserveStake', 'w'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('validatorStake', 'w', 'PDA [vote, stake pool, seed?].'),
      account('voteAccount', ''),
      rent(),
      clock(),
      stakeHistory(),
      stakeConfig(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('seed', u32(), 'Validator stake account seed (0 = none).')],
  ),
  instruction(
    'removeValidatorFromPool',
    2,
    ['The staker removes a validator; its stake deactivates and returns to the reserve.'],
    [
      account('stakePool', 'w'),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('validatorStake', 'w'),
      account('transientStake', 'w'),
      clock(),
      stakeProgram(),
    ],
  ),
  instruction(
    'decreaseValidatorStake',
    3,
    ['Deprecated: use decreaseValidatorStakeWithReserve.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('validatorStake', 'w'),
      account('transientStake', 'w'),
      clock(),
      rent(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('lamports', u64()), arg('transientStakeSeed', u64())],
  ),
  instruction(
    'increaseValidatorStake',
    4,
    ['The staker moves reserve SOL toward a validator through its transient stake account.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      account('transientStake', 'w', 'PDA ["transient", vote, stake pool, seed].'),
      account('validatorStake', ''),
      account('voteAccount', ''),
      clock(),
      rent(),
      stakeHistory(),
      stakeConfig(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('lamports', u64()), arg('transientStakeSeed', u64())],
  ),
  instruction(
    'setPreferredValidator',
    5,
    ['The staker pins stake deposits or withdrawals to one validator, or clears the pin.'],
    [account('stakePool', 'w'), account('staker', 's'), account('validatorList', '')],
    [arg('validatorType', link('preferredValidatorType')), arg('validatorVoteAddress', option(address()))],
  ),
  instruction(
    'updateValidatorListBalance',
    6,
    [
      'First step of the epoch update: refreshes entries startIndex.. from (validator stake,',
      'transient stake) pairs passed as remaining accounts.',
    ],
    [
      account('stakePool', ''),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      clock(),
      stakeHistory(),
      stakeProgram(),
    ],
    [arg('startIndex', u32()), arg('noMerge', booleanTypeNode())],
    {
      remainingAccounts: [
        instructionRemainingAccountsNode(argumentValueNode('stakeAccounts'), {
          isWritable: true,
          docs: ['Validator stake and transient stake account of each entry, in list order.'],
        }),
      ],
    },
  ),
  instruction(
    'updateStakePoolBalance',
    7,
    ['Second step of the epoch update: recomputes the pool\'s value and mints the epoch fee.'],
    [
      account('stakePool', 'w'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', ''),
      account('managerFeeAccount', 'w'),
      account('poolMint', 'w'),
      tokenProgram(),
    ],
  ),
  instruction(
    'cleanupRemovedValidatorEntries',
    8,
    ['Drops list entries whose stake has returned to the reserve.'],
    [account('stakePool', 'w'), account('validatorList', 'w')],
  ),
  instruction(
    'depositStake',
    9,
    [
      'An active stake account delegated to a pool validator joins the pool for pool tokens.',
      'p-stake-pool accepts an optional u32 validator index hint after the data.',
    ],
    depositStakeAccounts(),
  ),
  instruction(
    'withdrawStake',
    10,
    ['Pool tokens in, a split stake account out.'],
    withdrawStakeAccounts(),
    [arg('poolTokens', u64())],
  ),
  instruction(
    'setManager',
    11,
    ['Hands the pool to a new manager (who signs) and fee account.'],
    [
      account('stakePool', 'w'),
      account('manager', 's'),
      account('newManager', 's'),
      account('newManagerFeeAccount', ''),
    ],
  ),
  instruction('setFee', 12, ['Changes one of the pool\'s fees.'], [account('stakePool', 'w'), account('manager', 's')], [
    arg('fee', link('feeType')),
  ]),
  instruction(
    'setStaker',
    13,
    ['Replaces the staker (signed by the manager or the current staker).'],
    [account('stakePool', 'w'), account('signer', 's', 'Manager or current staker.'), account('newStaker', '')],
  ),
  instruction('depositSol', 14, ['SOL in, pool tokens out.'], depositSolAccounts(), [arg('lamports', u64())]),
  instruction(
    'setFundingAuthority',
    15,
    ['Makes deposits or SOL withdrawals permissioned, or open again.'],
    [account('stakePool', 'w'), account('manager', 's'), account('newAuthority', '?', 'Absent: open to everyone.')],
    [arg('fundingType', link('fundingType'))],
  ),
  instruction('withdrawSol', 16, ['Pool tokens in, SOL out of the reserve.'], withdrawSolAccounts(), [
    arg('poolTokens', u64()),
  ]),
  instruction(
    'createTokenMetadata',
    17,
    ['The manager names the pool token (Metaplex metadata).'],
    [
      account('stakePool', ''),
      account('manager', 's'),
      withdrawAuthority(),
      account('poolMint', ''),
      account('payer', 'ws'),
      account('tokenMetadata', 'w', 'PDA ["metadata", metadata program, mint] of the metadata program.'),
      fixed('mplTokenMetadata', METADATA_PROGRAM),
      systemProgram(),
    ],
    [arg('name', borshString()), arg('symbol', borshString()), arg('uri', borshString())],
  ),
  instruction(
    'updateTokenMetadata',
    18,
    ['The manager renames the pool token.'],
    [
      account('stakePool', ''),
      account('manager', 's'),
      withdrawAuthority(),
      account('tokenMetadata', 'w'),
      fixed('mplTokenMetadata', METADATA_PROGRAM),
    ],
    [arg('name', borshString()), arg('symbol', borshString()), arg('uri', borshString())],
  ),
  instruction(
    'increaseAdditionalValidatorStake',
    19,
    ['Like increaseValidatorStake, through an ephemeral account, so it can add to an activating transient.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      account('ephemeralStake', 'w', 'PDA ["ephemeral", stake pool, seed].'),
      account('transientStake', 'w'),
      account('validatorStake', ''),
      account('voteAccount', ''),
      clock(),
      stakeHistory(),
      stakeConfig(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('lamports', u64()), arg('transientStakeSeed', u64()), arg('ephemeralStakeSeed', u64())],
  ),
  instruction(
    'decreaseAdditionalValidatorStake',
    20,
    ['Like decreaseValidatorStakeWithReserve, through an ephemeral account, so it can add to a deactivating transient.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      account('validatorStake', 'w'),
      account('ephemeralStake', 'w'),
      account('transientStake', 'w'),
      clock(),
      stakeHistory(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('lamports', u64()), arg('transientStakeSeed', u64()), arg('ephemeralStakeSeed', u64())],
  ),
  instruction(
    'decreaseValidatorStakeWithReserve',
    21,
    ['The staker moves stake from a validator back toward the reserve.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      account('validatorStake', 'w'),
      account('transientStake', 'w'),
      clock(),
      stakeHistory(),
      systemProgram(),
      stakeProgram(),
    ],
    [arg('lamports', u64()), arg('transientStakeSeed', u64())],
  ),
  instruction(
    'redelegate',
    22,
    ['Deprecated and refused (InvalidInstructionData), as in the SPL stake pool.'],
    [
      account('stakePool', ''),
      account('staker', 's'),
      withdrawAuthority(),
      account('validatorList', 'w'),
      account('reserveStake', 'w'),
      account('sourceValidatorStake', 'w'),
      account('sourceTransientStake', 'w'),
      account('ephemeralStake', 'w'),
      account('destinationTransientStake', 'w'),
      account('destinationValidatorStake', ''),
      account('destinationVoteAccount', ''),
      clock(),
      stakeHistory(),
      stakeConfig(),
      systemProgram(),
      stakeProgram(),
    ],
    [
      arg('lamports', u64()),
      arg('sourceTransientStakeSeed', u64()),
      arg('ephemeralStakeSeed', u64()),
      arg('destinationTransientStakeSeed', u64()),
    ],
  ),
  instruction(
    'depositStakeWithSlippage',
    23,
    ['depositStake, refused when fewer than minimumPoolTokensOut would be minted.'],
    depositStakeAccounts(),
    [arg('minimumPoolTokensOut', u64())],
  ),
  instruction(
    'withdrawStakeWithSlippage',
    24,
    ['withdrawStake, refused when the stake would hold fewer than minimumLamportsOut.'],
    withdrawStakeAccounts(),
    [arg('poolTokensIn', u64()), arg('minimumLamportsOut', u64())],
  ),
  instruction(
    'depositSolWithSlippage',
    25,
    ['depositSol, refused when fewer than minimumPoolTokensOut would be minted.'],
    depositSolAccounts(),
    [arg('lamportsIn', u64()), arg('minimumPoolTokensOut', u64())],
  ),
  instruction(
    'withdrawSolWithSlippage',
    26,
    ['withdrawSol, refused when fewer than minimumLamportsOut would be paid.'],
    withdrawSolAccounts(),
    [arg('poolTokensIn', u64()), arg('minimumLamportsOut', u64())],
  ),
  instruction(
    'requestUnstake',
    27,
    [
      'p-stake-pool\'s addition: burns pool tokens and splits their worth into a stake account the',
      'pool keeps deactivating; a ticket PDA records what the owner is owed and from which epoch.',
    ],
    [
      account('stakePool', 'w'),
      account('validatorList', 'w'),
      withdrawAuthority(),
      account('stakeToSplit', 'w', 'Validator, transient or reserve stake account to split from.'),
      account('ticketStake', 'ws', 'Uninitialized stake account (allocated, funded with its rent) that holds the ticket\'s lamports; signs (a new keypair).'),
      account('owner', '', 'Receives the lamports at the claim; neither the ticket nor its stake account.'),
      account('userTransferAuthority', 's'),
      account('poolTokensFrom', 'w'),
      account('managerFeeAccount', 'w'),
      account('poolMint', 'w'),
      clock(),
      tokenProgram(),
      stakeProgram(),
      account(
        'ticket',
        'w',
        'PDA ["ticket", stake pool, ticket stake], created here.',
      ),
      account('rentPayer', 'ws', 'Pays the ticket\'s rent and gets it back at the claim.'),
      systemProgram(),
    ],
    [arg('poolTokens', u64()), arg('minimumLamportsOut', u64(), '0 for no minimum.')],
  ),
  instruction(
    'claimUnstake',
    28,
    [
      'p-stake-pool\'s addition: pays a claimable ticket to its owner (or, with the owner\'s',
      'signature, elsewhere) and closes the ticket and its stake account. Anyone may send it.',
    ],
    [
      account('ticket', 'w'),
      account('ticketStake', 'w'),
      account('stakePool', ''),
      withdrawAuthority(),
      account('reserveStake', 'w', 'Receives what the stake earned after the request.'),
      account('destination', 'w', 'The ticket\'s owner, or any account when the owner signs.'),
      account('rentPayer', 'w', 'The ticket\'s rent payer: gets both rents back.'),
      clock(),
      stakeHistory(),
      stakeProgram(),
      account('owner', 's?', 'Signs when the destination is not the owner.'),
    ],
  ),
];

// ---------------------------------------------------------------------------------------
// Errors (codes exactly as the SPL stake pool numbers them; 45+ are p-stake-pool's)
// ---------------------------------------------------------------------------------------

const errorList = [
  ['alreadyInUse', 'The account cannot be initialized because it is already being used.'],
  ['invalidProgramAddress', 'The program address provided doesn\'t match the value generated by the program.'],
  ['invalidState', 'The stake pool state is invalid.'],
  ['calculationFailure', 'The calculation failed.'],
  ['feeTooHigh', 'Stake pool fee > 1.'],
  ['wrongAccountMint', 'Token account is associated with the wrong mint.'],
  ['wrongManager', 'Wrong pool manager account.'],
  ['signatureMissing', 'Required signature is missing.'],
  ['invalidValidatorStakeList', 'Invalid validator stake list account.'],
  ['invalidFeeAccount', 'Invalid manager fee account.'],
  ['wrongPoolMint', 'Specified pool mint account is wrong.'],
  ['wrongStakeStake', 'Stake account is not in the state expected by the program.'],
  ['userStakeNotActive', 'User stake is not active.'],
  ['validatorAlreadyAdded', 'Stake account voting for this validator already exists in the pool.'],
  ['validatorNotFound', 'Stake account for this validator not found in the pool.'],
  ['invalidStakeAccountAddress', 'Stake account address not properly derived from the validator address.'],
  ['stakeListOutOfDate', 'Identify validator stake accounts with old balances and update them.'],
  ['stakeListAndPoolOutOfDate', 'First update old validator stake account balances and then pool stake balance.'],
  ['unknownValidatorStakeAccount', 'Validator stake account is not found in the list storage.'],
  ['wrongMintingAuthority', 'Wrong minting authority set for mint pool account.'],
  ['unexpectedValidatorListAccountSize', 'The size of the given validator stake list does match the expected amount.'],
  ['wrongStaker', 'Wrong pool staker account.'],
  ['nonZeroPoolTokenSupply', 'Pool token supply is not zero on initialization.'],
  ['stakeLamportsNotEqualToMinimum', 'The lamports in the validator stake account is not equal to the minimum.'],
  ['incorrectDepositVoteAddress', 'The provided deposit stake account is not delegated to the preferred deposit vote account.'],
  ['incorrectWithdrawVoteAddress', 'The provided withdraw stake account is not the preferred deposit vote account.'],
  ['invalidMintFreezeAuthority', 'The mint has an invalid freeze authority.'],
  ['feeIncreaseTooHigh', 'Proposed fee increase exceeds stipulated ratio.'],
  ['withdrawalTooSmall', 'Not enough pool tokens provided to withdraw stake with one lamport.'],
  ['depositTooSmall', 'Not enough lamports provided for deposit to result in one pool token.'],
  ['invalidStakeDepositAuthority', 'Provided stake deposit authority does not match the program\'s.'],
  ['invalidSolDepositAuthority', 'Provided sol deposit authority does not match the program\'s.'],
  ['invalidPreferredValidator', 'Provided preferred validator is invalid.'],
  ['transientAccountInUse', 'Provided validator stake account already has a transient stake account in use.'],
  ['invalidSolWithdrawAuthority', 'Provided sol withdraw authority does not match the program\'s.'],
  ['solWithdrawalTooLarge', 'Too much SOL withdrawn from the stake pool\'s reserve account.'],
  ['invalidMetadataAccount', 'Provided metadata account does not match metadata account derived for pool mint.'],
  ['unsupportedMintExtension', 'The mint has an unsupported extension.'],
  ['unsupportedFeeAccountExtension', 'The fee account has an unsupported extension.'],
  ['exceededSlippage', 'Instruction exceeds desired slippage limit.'],
  ['incorrectMintDecimals', 'Provided mint does not have 9 decimals to match SOL.'],
  ['reserveDepleted', 'Pool reserve does not have enough lamports to fund rent-exempt reserve in split destination.'],
  ['missingRequiredSysvar', 'Missing required sysvar account.'],
  ['epochRewardDistributionInProgress', 'Epoch reward distribution is currently in progress.'],
  ['tooManyValidatorsInPool', 'The stake pool has too many validators in the pool.'],
  ['unstakeTicketNotClaimable', 'The unstake ticket cannot be claimed yet: its stake is still cooling down.'],
  ['invalidUnstakeTicket', 'The account is not this pool\'s unstake ticket for this stake account.'],
  ['wrongUnstakeTicketOwner', 'The destination or rent payer is not the ticket\'s, and the owner did not sign.'],
];
const errors = errorList.map(([name, message], code) => errorNode({ name, code, message }));

export const root = rootNode(
  programNode({
    name: 'pStakePool',
    publicKey: PROGRAM_ADDRESS,
    version: '0.1.0',
    docs: ['SPL stake pool compatible program on pinocchio (same instructions, layouts, seeds, errors).'],
    accounts,
    instructions,
    definedTypes,
    pdas,
    errors,
  }),
);

export function idlJson() {
  return JSON.stringify(root, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = idlJson();
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(IDL_PATH) ? fs.readFileSync(IDL_PATH, 'utf8') : '';
    if (committed !== json) {
      console.error(`${IDL_PATH} is out of date: run node scripts/idl.mjs`);
      process.exit(1);
    }
    console.log('IDL up to date');
  } else {
    fs.mkdirSync(path.dirname(IDL_PATH), { recursive: true });
    fs.writeFileSync(IDL_PATH, json);
    console.log(`wrote ${IDL_PATH}`);
  }
}
