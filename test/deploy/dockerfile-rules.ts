import { type Arg, type Copy, DockerfileParser, type From, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

/** One build stage: its `FROM` (with build arguments resolved) and its instructions. */
export interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** What the Dockerfile must agree with elsewhere in the repository. */
export interface RepoFacts {
  /** Pinned versions from scripts/provision.sh: TOFU_VERSION, DBT_CORE_VERSION, DBT_DUCKDB_VERSION. */
  versions: Record<string, string>;
  /** `bin.sluice` of package.json: what `npm run build` produces and the image must run. */
  bin: string;
  /** Whether a path the Dockerfile copies from the build context exists (and is not in .dockerignore). */
  inContext: (path: string) => boolean;
  /** A file of the build context, for an entry-point script the image copies. */
  readContext: (path: string) => string;
}

/** `NAME=value` of `ARG` lines (a default, or undefined). */
function argDefaults(args: Arg[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const arg of args) {
    const property = arg.getProperty();
    if (property) out.set(property.getName(), property.getValue() ?? undefined);
  }
  return out;
}

function expand(text: string, vars: Map<string, string | undefined>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => vars.get(a ?? b) ?? whole);
}

export function parseStages(text: string): { stages: Stage[]; globals: Map<string, string | undefined> } {
  const dockerfile = DockerfileParser.parse(text);
  const globals = argDefaults(dockerfile.getInitialARGs());
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      stages.push({
        name: from.getBuildStage() ?? undefined,
        base: expand(from.getImage() ?? '', globals),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { stages, globals };
}

const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
/** The stage a `COPY --from=` copies from, if any. */
const fromStage = (i: Instruction) => (i as Copy).getFromFlag?.()?.getValue() ?? undefined;
const runs = (stage: Stage) => of(stage, 'RUN').map(args).join('\n');

/**
 * Everything wrong with the Dockerfile, as sentences (empty when it is right): what the image must be
 * (issue 15) checked on its parsed structure, since no Docker daemon runs in CI.
 */
export function dockerfileProblems(text: string, facts: RepoFacts): string[] {
  const problems: string[] = [];
  for (const d of validate(text)) problems.push(`line ${d.range.start.line + 1}: ${d.message}`);

  const { stages } = parseStages(text);
  const final = stages.at(-1);
  if (stages.length < 3 || !final) {
    problems.push(`expected a multi-stage build (tools, app, runtime); found ${stages.length} stage(s)`);
    if (!final) return problems;
  }
  const stageArgs = (stage: Stage) => argDefaults(of(stage, 'ARG') as Arg[]);

  // The runtime: Node.js 22 LTS (24 aborts in better-sqlite3 12: .ci/other-node.sh), compiled JavaScript, no dev tooling.
  if (!/^node:22([.-]|$)/.test(final.base))
    problems.push(`the final image must be node:22, not ${final.base}`);
  let entry = [...of(final, 'ENTRYPOINT'), ...of(final, 'CMD')].map(args).join(' ');
  // An entry-point script copied from the build context counts with what it runs.
  for (const copy of of(final, 'COPY')) {
    if (fromStage(copy)) continue;
    const [source, target] = copy.getArguments().map((a) => a.getValue());
    if (source && target && entry.includes(target)) entry += ` ${facts.readContext(source)}`;
  }
  if (!entry.includes(facts.bin.replace(/^\.\//, '')))
    problems.push(`ENTRYPOINT/CMD must run the compiled ${facts.bin}; found ${entry || 'none'}`);
  if (/\btsx\b|\.ts["'\s\]]/.test(entry))
    problems.push('the image must not run TypeScript (tsx) at run time');
  if (/\bnpm (ci|install)\b/.test(runs(final)))
    problems.push('the final stage must not install npm packages; copy them from the build stage');

  // The app build: npm ci from the lock, then the build script, then only production packages.
  const build = stages.find((s) => /\bnpm ci\b/.test(runs(s)));
  if (!build) problems.push('no stage installs with `npm ci`');
  else {
    const copiesLock = of(build, 'COPY').some((c) => args(c).includes('package-lock.json'));
    if (!copiesLock) problems.push('the `npm ci` stage must copy package-lock.json');
    if (!/\bnpm run build\b/.test(runs(build))) problems.push('the `npm ci` stage must run `npm run build`');
    if (!/npm prune --omit=dev/.test(runs(build)))
      problems.push(
        'the build stage must drop dev dependencies (npm prune --omit=dev) before they are copied',
      );
    const copied = of(final, 'COPY')
      .filter((c) => fromStage(c) === build.name)
      .map(args);
    for (const wanted of ['node_modules', 'dist'])
      if (!copied.some((c) => c.includes(`/${wanted}`)))
        problems.push(`the final stage must copy ${wanted} from the build stage`);
  }

  // Non-root, data volume, healthcheck.
  const user = of(final, 'USER').map(args).at(-1);
  if (!user || /^(root|0)(:|$)/.test(user))
    problems.push(`the final stage must run as a non-root USER, not ${user ?? 'root'}`);
  if (!of(final, 'VOLUME').some((v) => args(v).includes('/data')))
    problems.push('the final stage must declare VOLUME /data');
  if (!of(final, 'ENV').some((e) => /SLUICE_DATA_DIR=\/data\b/.test(args(e))))
    problems.push('SLUICE_DATA_DIR must point at the /data volume');
  if (!of(final, 'ENV').some((e) => /SLUICE_SANDBOX=bwrap\b/.test(args(e))))
    problems.push('the image must set SLUICE_SANDBOX=bwrap, so plans never run unsandboxed by accident');
  const healthcheck = of(final, 'HEALTHCHECK').map(args).join(' ');
  if (!healthcheck.includes('/healthz')) problems.push('the final stage needs a HEALTHCHECK on /healthz');

  // OpenTofu built from its Go module the way scripts/install-tool.sh does, at the pinned version.
  const tofu = stages.find((s) => /scripts\/install-tool\.sh opentofu/.test(runs(s)));
  if (!tofu) problems.push('no stage builds OpenTofu with scripts/install-tool.sh');
  else {
    if (!/^golang:/.test(tofu.base))
      problems.push(`OpenTofu must be built on a golang image, not ${tofu.base}`);
    const pinned = stageArgs(tofu).get('TOFU_VERSION');
    if (pinned !== facts.versions.TOFU_VERSION)
      problems.push(`TOFU_VERSION is ${pinned}; scripts/provision.sh pins ${facts.versions.TOFU_VERSION}`);
    if (
      !of(final, 'COPY').some((c) => fromStage(c) === tofu.name && /\/usr\/(local\/)?bin\/tofu/.test(args(c)))
    )
      problems.push('the final stage must copy tofu onto PATH (/usr/local/bin/tofu)');
  }

  // dbt-core + dbt-duckdb in a virtualenv, other adapters by build argument.
  const dbt = stages.find((s) => /-m venv\b/.test(runs(s)) && /dbt-core/.test(runs(s)));
  if (!dbt) problems.push('no stage installs dbt-core into a virtualenv');
  else {
    const defaults = stageArgs(dbt);
    for (const name of ['DBT_CORE_VERSION', 'DBT_DUCKDB_VERSION'])
      if (defaults.get(name) !== facts.versions[name])
        problems.push(`${name} is ${defaults.get(name)}; scripts/provision.sh pins ${facts.versions[name]}`);
    if (!defaults.has('DBT_ADAPTERS') || !/\$\{?DBT_ADAPTERS\b/.test(runs(dbt)))
      problems.push('a DBT_ADAPTERS build argument must add adapters to the pip install');
    if (!/dbt-duckdb==/.test(runs(dbt))) problems.push('dbt-duckdb must be installed by default');
    if (!of(final, 'COPY').some((c) => fromStage(c) === dbt.name))
      problems.push('the final stage must copy the dbt virtualenv');
    if (dbt.base !== final.base)
      problems.push(
        'the dbt virtualenv must be built on the final image, so its Python is the one that runs it',
      );
  }

  if (!/apt-get install[^\n]*\bbubblewrap\b/.test(runs(final)))
    problems.push('the final stage must install bubblewrap');
  if (!/apt-get install[^\n]*\bgit\b/.test(runs(final))) problems.push('the final stage must install git');

  // Every file copied from the build context is there.
  for (const stage of stages)
    for (const copy of of(stage, 'COPY')) {
      if (fromStage(copy)) continue;
      const parts = copy
        .getArguments()
        .map((a) => a.getValue())
        .filter((a) => !a.startsWith('--'));
      for (const source of parts.slice(0, -1))
        if (!facts.inContext(source))
          problems.push(`COPY ${source}: not in the build context (missing or in .dockerignore)`);
    }
  return problems;
}
