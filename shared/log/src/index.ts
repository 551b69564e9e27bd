export { initLog, type InitLogOptions } from './init.js';
export { Log, openLog, type OpenLogOptions, type PublishedCheckpoint, type AppendResult } from './log.js';
export type { Evidence, Observation } from './evidence.js';
export { buildProofBatch, type ProofBatch, type ProofBatchEntry, type ProofRequest } from './proofBatch.js';
export { serveLog, type ServeLogOptions, type LogServer } from './serve.js';
export { listen } from './http/listen.js';
export { createLogHandler, type LogHandlerOptions } from './http/handler.js';
export { Ingestor, type IngestorOptions, type IngestResult } from './ingest/ingestor.js';
export {
  ingestList,
  ingestFromLockfile,
  ingestFromListFile,
  type IngestListOptions,
  type IngestSummary,
  type IngestProgress,
} from './bulkIngest.js';
export {
  readLockfile,
  readList,
  parsePnpmLock,
  parsePackageLock,
  parseYarnLock,
  parseList,
  type PackageVersion,
} from './lockfiles.js';
export { runLogCommand, LOG_HELP, type LogCommandIo } from './cli.js';
export { jsonLineLogger, type OpsEvent, type OpsLogger } from './ops/jsonLines.js';
export { logStatus, formatStatus, type LogStatus } from './ops/status.js';
export { prepareKeyRotation, commitKeyRotation } from './ops/rotateKey.js';
export type { LogView, AppendableLogView } from './logView.js';
export type { ServePgLogOptions, PgLogServer } from './servePostgres.js';
export type { PgLog, OpenPgLogOptions } from './storage/pgLog.js';
export type { PgLogReader, PgReaderOptions } from './storage/pgReader.js';
export {
  WitnessSubmitter,
  parseWitnessFlag,
  type WitnessEndpoint,
  type WitnessSubmitterOptions,
} from './witness/witnessSubmitter.js';
export { Witness, type WitnessResponse } from './witness/witness.js';
export {
  initWitness,
  addWitnessedLog,
  readWitnessConfig,
  type WitnessConfig,
  type WitnessLog,
} from './witness/witnessFiles.js';
export { serveWitness, type ServeWitnessOptions, type WitnessServer } from './witness/witnessServer.js';
export { runWitnessCommand, WITNESS_HELP, type WitnessCommandIo } from './witness/witnessCli.js';
