/** C2SP transparency-log primitives: RFC 6962 hashing and proofs, tiles, signed notes, checkpoints, cosignatures, tlog-proofs. */
export * from './hash.js';
export * from './subtree.js';
export * from './proof.js';
export * from './tile.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './tlogProof.js';
export * from './entryBundle.js';
export { decodeBase64Strict, encodeBase64 } from '../base64.js';
