/** Every scenario, in the order they run and appear in docs/benchmarks.md. */
import type { Scenario } from '../lib/context.js';
import { start } from './start.js';

export const SCENARIOS: readonly Scenario[] = [start];
