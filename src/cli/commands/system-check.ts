/** `hull system check [--repair] [--verify-blobs]`: the store's consistency, in plain words (engine/system-check.ts). */
import { str } from '../args.js';
import { FORMAT_JSON_OPTION, type Command } from '../command.js';
import { checkEngineStore, type CheckReport, type Finding } from '../../engine/system-check.js';

function line(f: Finding): string {
  const done = f.repaired ? ` -> repaired: ${f.repair}` : f.repairError !== undefined ? ` -> repair failed: ${f.repairError}` : ` (--repair: ${f.repair})`;
  return `  ${f.area} ${f.subject}: ${f.problem}${done}\n`;
}

export function renderReport(r: CheckReport, repair: boolean): string {
  const blobs = r.blobsVerified > 0 ? `, ${r.blobsVerified} blobs hashed` : '';
  let out = `Checked ${r.images} images and ${r.containers} containers${blobs}.\n`;
  if (r.findings.length === 0) return `${out}The store is consistent: nothing is damaged and nothing was left behind.\n`;
  const damage = r.findings.filter((f) => f.kind === 'damage');
  const left = r.findings.filter((f) => f.kind === 'leftover');
  if (damage.length > 0) out += `Damaged (${damage.length}):\n${damage.map(line).join('')}`;
  if (left.length > 0) out += `Left behind by processes that are gone (${left.length}):\n${left.map(line).join('')}`;
  if (!repair) out += 'Run "hull system check --repair" to repair what can be repaired.\n';
  else out += r.clean ? 'Everything found was repaired.\n' : 'Some problems remain; see above.\n';
  return out;
}

const check: Command = {
  name: 'system check',
  summary: 'Check the store for damage and leftovers',
  usage: '[OPTIONS]',
  description:
    "Check that every image's manifest, config and layers are present, that every container's layers and records are consistent, and that no temp area holds leftovers of " +
    'processes that are gone. --repair removes what is orphaned, unpauses containers a killed commit paused, and marks damaged images so that a pull or load heals them. ' +
    'Exits 0 when the store is clean (or was fully repaired), 1 otherwise.',
  examples: ['hull system check', 'hull system check --repair --verify-blobs'],
  options: [
    { name: 'repair', short: 'r', type: 'boolean', description: 'repair what can be repaired' },
    { name: 'verify-blobs', type: 'boolean', description: "hash every image's blobs (slower: reads all their bytes)" },
    FORMAT_JSON_OPTION,
  ],
  maxArgs: 0,
  async run(ctx, { options }) {
    const repair = options.repair === true;
    const report = await checkEngineStore(ctx.engine(), { repair, verifyBlobs: options['verify-blobs'] === true });
    if (str(options, 'format') === 'json') ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else ctx.stdout.write(renderReport(report, repair));
    return report.clean ? 0 : 1;
  },
};

export default check;
