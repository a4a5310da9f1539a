// @p-stake-pool/client: the IDL-generated client (instructions, accounts, PDAs, errors) and
// the wallet layer on top of it. Every function takes the program address as a parameter.
export * from './generated/index.js';
export * from './errors.js';
export * from './pool.js';
export * from './source.js';
export * from './stake.js';
export * from './update.js';
export * from './wallet.js';
