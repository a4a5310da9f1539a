// The chain these tests run on is mainnet-beta's: LiteSVM's default feature set. Two proofs:
// its active-feature count is mainnet's list (tests/data/mainnet-features.tsv, checked into
// the repository from the cluster), and mainnet's stack-frame gaps are in force (a binary
// passing a sixth argument on the stack faults, as tests/tests/mainnet_runtime.rs shows on a
// mainnet bank). LiteSVM 1.5.0 faults there even with every feature on (its runtime predates
// `virtual_address_space_adjustments`), so that probe alone cannot tell the sets apart: the
// feature count does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FailedTransactionMetadata, FeatureSet, LiteSVM } from 'litesvm';
import {
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  generateKeyPairSigner,
  getAddressEncoder,
  lamports,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransaction,
} from '@solana/kit';
import { ROOT } from './harness.js';

const STACK_ARGS_PROGRAM = address('StackArgs1111111111111111111111111111111111');

function mainnetFeatures(): FeatureSet {
  const set = new FeatureSet();
  const lines = fs.readFileSync(path.join(ROOT, 'tests/data/mainnet-features.tsv'), 'utf8').split('\n');
  for (const line of lines) {
    if (!line || line.startsWith('#')) continue;
    const [slot, , id] = line.split('\t');
    set.activate(getAddressEncoder().encode(address(id!)) as Uint8Array, BigInt(slot!));
  }
  return set;
}

/** Runs the stack-argument fixture once; true when it faulted in its stack frame. */
async function stackArgumentsFault(svm: LiteSVM): Promise<boolean> {
  svm.addProgramFromFile(STACK_ARGS_PROGRAM, path.join(ROOT, 'tests/fixtures/stack_args_v0.so'));
  const payer = await generateKeyPairSigner();
  svm.airdrop(payer.address, lamports(1_000_000_000n));
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(payer.address, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: svm.latestBlockhash(), lastValidBlockHeight: 0n }, m),
    // Tag 0xFF is no instruction: a program that reaches its dispatch refuses it cleanly.
    (m) => appendTransactionMessageInstructions([{ programAddress: STACK_ARGS_PROGRAM, data: new Uint8Array([0xff]) }], m),
  );
  const result = svm.sendTransaction(await signTransaction([payer.keyPair], compileTransaction(message)));
  assert.ok(result instanceof FailedTransactionMetadata, 'tag 0xFF never succeeds');
  return result.meta().logs().some((line) => line.includes('Access violation in stack frame'));
}

describe('the LiteSVM chain runs mainnet-beta\'s feature set', () => {
  it('a snapshot of the default chain is the size of one with exactly mainnet\'s features', () => {
    // Snapshots serialize the feature set (8 bytes per active feature); everything else in
    // a fresh chain is the same size.
    const defaultChain = new LiteSVM().toBytes().length;
    const mainnet = new LiteSVM().withFeatureSet(mainnetFeatures()).toBytes().length;
    const all = new LiteSVM().withFeatureSet(FeatureSet.allEnabled()).toBytes().length;
    assert.equal(mainnetFeatures().getActiveFeaturesCount(), 250);
    assert.equal(defaultChain, mainnet);
    assert.notEqual(defaultChain, all);
  });

  it('stack-frame gaps are in force by default, as on mainnet', async () => {
    assert.equal(await stackArgumentsFault(new LiteSVM()), true);
    assert.equal(await stackArgumentsFault(new LiteSVM().withFeatureSet(mainnetFeatures())), true);
  });
});
