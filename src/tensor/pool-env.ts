/**
 * The buffer pool's memory ceiling from the environment: `SIDREC_POOL_IDLE_GB=G` keeps at most G GiB of idle
 * buffers (pool.ts keeps up to 1.5x the largest step's working set otherwise, so a process can hold ~2.5x that).
 * For runs that share a machine's memory: two DIGER trainings at the authors' size (6+6 layers, histories of 50)
 * held 11.6-13.5 GB each. Node only (read with the kernel providers, load.ts).
 */
import { SidrecError } from '../core/errors.js';
import { configurePool } from './pool.js';

/** SIDREC_POOL_IDLE_GB in bytes; undefined when unset or blank. */
export function requestedPoolIdleCeiling(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SIDREC_POOL_IDLE_GB?.trim();
  if (!raw) return undefined;
  const gb = Number(raw);
  if (!Number.isFinite(gb) || gb < 0)
    throw new SidrecError('E_CONFIG', `SIDREC_POOL_IDLE_GB must be a number of GiB (0 or more), got "${env.SIDREC_POOL_IDLE_GB}"`, {
      field: 'SIDREC_POOL_IDLE_GB',
    });
  return Math.round(gb * 1024 ** 3);
}

/** Applies SIDREC_POOL_IDLE_GB to the pool; returns the ceiling in bytes, if one was set. */
export function applyPoolIdleCeiling(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const bytes = requestedPoolIdleCeiling(env);
  if (bytes !== undefined) configurePool({ idleCeilingBytes: bytes });
  return bytes;
}
