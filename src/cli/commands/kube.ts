/**
 * `hull kube play|down|generate`: Kubernetes YAML to pods and back (src/kube/). Files are read
 * here (`-` is standard input: the library takes text, never stdin); warnings go to stderr, one
 * line each naming the field; the created pods and containers are printed as podman prints them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { HullError, errnoCode, showUntrusted } from '../../errors.js';
import { bool, list, str, type OptionValues } from '../args.js';
import type { CliContext } from '../command.js';
import { groupCommand } from '../group.js';
import { parseKubeYaml, type KubeDocument } from '../../kube/parse.js';
import { planPlay } from '../../kube/plan.js';
import { warningText } from '../../kube/fields.js';
import { applyDown, applyPlay, type KubeEvent } from '../../kube/apply.js';
import { generateKube } from '../../kube/generate.js';
import type { PlayPlan } from '../../kube/model.js';

function readDocuments(files: readonly string[]): KubeDocument[] {
  const docs: KubeDocument[] = [];
  let stdinUsed = false;
  for (const file of files) {
    let text: string;
    if (file === '-') {
      if (stdinUsed) throw new HullError('INVALID_ARGUMENT', 'Cannot read "-" twice: standard input is read once');
      stdinUsed = true;
      text = readFileSync(0, 'utf8');
    } else {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const code = errnoCode(err);
        throw new HullError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', `Cannot read Kubernetes YAML "${showUntrusted(file)}": ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { hint: 'give the path of a YAML file, or - for standard input' });
      }
    }
    docs.push(...parseKubeYaml(text, file === '-' ? '<stdin>' : file));
  }
  return docs;
}

function planFrom(ctx: CliContext, options: OptionValues, files: readonly string[], forRemoval = false): PlayPlan {
  const network = str(options, 'network');
  const configDocuments = readDocuments(list(options, 'configmap'));
  const plan = planPlay(readDocuments(files), { ...(network ? { network } : {}), configDocuments, forRemoval });
  // Warnings are about what play makes; removing it needs none.
  if (!forRemoval) for (const w of plan.warnings) ctx.stderr.write(`warning: ${showUntrusted(warningText(w))}\n`);
  return plan;
}

function progress(ctx: CliContext): (e: KubeEvent) => void {
  return (e) => {
    if (e.kind === 'job') ctx.stderr.write(`Job pod ${e.name} ${e.action.toLowerCase()} (exit code ${e.exitCode})\n`);
    else if (e.kind === 'image' || (e.kind === 'volume' && (e.action === 'Removed' || e.action === 'Kept'))) ctx.stderr.write(`${e.kind[0]?.toUpperCase()}${e.kind.slice(1)} ${e.name} ${e.action}\n`);
  };
}

export default groupCommand({
  name: 'kube',
  summary: 'Play Kubernetes YAML as pods, remove them, or generate YAML from pods and containers',
  examples: ['hull kube play app.yaml', 'hull kube play --replace --configmap cm.yaml app.yaml', 'hull kube down app.yaml', 'hull kube generate mypod > mypod.yaml'],
  subs: {
    play: {
      usage: '[OPTIONS] FILE|- [FILE...]',
      summary: 'Create pods, containers and volumes from Kubernetes YAML and start them',
      options: [
        { name: 'replace', type: 'boolean', description: 'remove the pods an earlier play of the file made first' },
        { name: 'down', type: 'boolean', description: 'remove what the file made instead (as "hull kube down")' },
        { name: 'network', type: 'string', valueName: 'NETWORK', description: 'network the pods join (default: the default bridge)' },
        { name: 'configmap', type: 'string', multiple: true, valueName: 'FILE', description: 'YAML file with ConfigMaps or Secrets the pods use' },
        { name: 'start', type: 'boolean', description: 'start the pods (default true; --start=false only creates them)' },
        { name: 'force', type: 'boolean', description: 'with --down: remove the PersistentVolumeClaims\' volumes too' },
      ],
      minArgs: 1,
      async run(ctx, { options, positionals }) {
        const plan = planFrom(ctx, options, positionals, bool(options, 'down'));
        const engine = ctx.engine();
        if (bool(options, 'down')) {
          await applyDown(engine, plan, { emit: progress(ctx), volumes: bool(options, 'force') });
          return 0;
        }
        const result = await applyPlay(engine, plan, { emit: progress(ctx), replace: bool(options, 'replace'), start: options.start !== false });
        for (const s of plan.services) {
          const ports = s.ports.map((p) => `${p.port}${p.targetPort !== undefined ? `->${p.targetPort}` : ''}/${p.protocol}`).join(', ');
          ctx.stderr.write(`Service ${s.name}: ports ${ports || '(none)'} noted; hull has no cluster networking (publish with hostPort)\n`);
        }
        for (const pod of result.pods) ctx.stdout.write(`Pod:\n${pod.id}\nContainers:\n${pod.containers.map((c) => `${c}\n`).join('')}\n`);
        const failed = Object.entries(result.jobs).find(([, code]) => code !== 0);
        if (failed) {
          ctx.stderr.write(`Error: Job pod "${failed[0]}" failed with exit code ${failed[1]}\n`);
          return 1;
        }
        return 0;
      },
    },
    down: {
      usage: '[OPTIONS] FILE|- [FILE...]',
      summary: 'Remove the pods and volumes "kube play" made from the YAML',
      options: [{ name: 'force', type: 'boolean', description: 'remove the PersistentVolumeClaims\' volumes too (their data is lost)' }],
      minArgs: 1,
      async run(ctx, { options, positionals }) {
        const plan = planFrom(ctx, {}, positionals, true);
        const removed = await applyDown(ctx.engine(), plan, { emit: progress(ctx), volumes: bool(options, 'force') });
        if (removed.pods.length) ctx.stdout.write(`Pods stopped and removed:\n${removed.pods.map((p) => `${p}\n`).join('')}`);
        return 0;
      },
    },
    generate: {
      usage: '[OPTIONS] CONTAINER|POD [CONTAINER|POD...]',
      summary: 'Write Kubernetes YAML for pods or containers',
      options: [
        { name: 'service', short: 's', type: 'boolean', description: 'add a Service for the published ports' },
        { name: 'type', short: 't', type: 'string', valueName: 'pod|deployment', description: 'kind of object to write (default pod)' },
        { name: 'replicas', short: 'r', type: 'string', valueName: 'N', description: 'replicas of a deployment (default 1)' },
        { name: 'filename', short: 'f', type: 'string', valueName: 'FILE', description: 'write the YAML to FILE instead of standard output' },
      ],
      minArgs: 1,
      async run(ctx, { options, positionals }) {
        const type = str(options, 'type') ?? 'pod';
        if (type !== 'pod' && type !== 'deployment') throw new HullError('INVALID_ARGUMENT', `Cannot generate "${showUntrusted(type)}": the type must be pod or deployment`);
        const replicasText = str(options, 'replicas');
        const replicas = replicasText === undefined ? 1 : Number(replicasText);
        if (!Number.isSafeInteger(replicas) || replicas < 0) throw new HullError('INVALID_ARGUMENT', `Cannot use --replicas "${showUntrusted(replicasText ?? '')}": not a whole number`);
        const yaml = generateKube(ctx.engine(), positionals, { type, service: bool(options, 'service'), replicas });
        const file = str(options, 'filename');
        if (file) writeFileSync(file, yaml);
        else ctx.stdout.write(yaml);
        return 0;
      },
    },
  },
});
