/** What decides when a project is applied in a run: from the repo config on the default branch. */
export interface OrderedProject {
  name: string;
  /** Default `terraform`. */
  type?: 'terraform' | 'dbt';
  /** Default 0. */
  executionOrderGroup?: number;
  /** Names of projects that must be applied before this one. */
  dependsOn?: readonly string[];
}

/** Terraform before dbt when nothing else decides: models usually read what Terraform made. */
const TYPE_RANK: Record<NonNullable<OrderedProject['type']>, number> = { terraform: 0, dbt: 1 };

/**
 * The order in which one run applies projects: a project's `depends_on` that are in the run come
 * before it, always; otherwise lower `execution_order_group` first, then Terraform before dbt, then
 * the order given. Dependencies not in the run do not order anything (see {@link waitingFor}). Cycles
 * are refused when the config is parsed; should one reach here, its projects keep the fallback order
 * (and each waits for the other).
 */
export function applyOrder<T extends OrderedProject>(projects: readonly T[]): T[] {
  const inRun = new Set(projects.map((p) => p.name));
  const rank = (p: T, index: number) => [p.executionOrderGroup ?? 0, TYPE_RANK[p.type ?? 'terraform'], index];
  const before = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
    return false;
  };
  const left = projects.map((project, index) => ({ project, key: rank(project, index) }));
  const placed = new Set<string>();
  const order: T[] = [];
  while (left.length > 0) {
    const ready = left.filter(({ project }) =>
      (project.dependsOn ?? []).every((d) => !inRun.has(d) || placed.has(d) || d === project.name),
    );
    const pool = ready.length > 0 ? ready : left;
    let best = pool[0] as (typeof left)[number];
    for (const candidate of pool) if (before(candidate.key, best.key)) best = candidate;
    left.splice(left.indexOf(best), 1);
    placed.add(best.project.name);
    order.push(best.project);
  }
  return order;
}

/**
 * The dependencies a project still waits for: those among `notApplied` — the pull request's projects
 * with changes that are not applied (yet): failed or skipped earlier in this run, not planned, or left
 * out of it. Empty: it may be applied now.
 */
export function waitingFor(project: OrderedProject, notApplied: ReadonlySet<string>): string[] {
  return (project.dependsOn ?? []).filter((d) => d !== project.name && notApplied.has(d));
}

/**
 * Projects of a lower `execution_order_group` that this run did not apply (failed, refused, waiting):
 * groups run in order, so a failure stops every later group — the dependencies a group stands for are
 * often not written down. Empty: no earlier group failed.
 */
export function failedEarlierGroups(
  project: OrderedProject,
  notAppliedInRun: readonly OrderedProject[],
): string[] {
  const group = project.executionOrderGroup ?? 0;
  return notAppliedInRun.filter((p) => (p.executionOrderGroup ?? 0) < group).map((p) => p.name);
}

/**
 * Splits projects in apply order ({@link applyOrder}) into batches that run one after another; the
 * projects of one batch may run at the same time. Sequential (`parallel` false): one project per batch.
 * Parallel: each run of consecutive projects of the same `execution_order_group` and type is layered by
 * `depends_on` inside it — a project goes one batch after the last of its dependencies there — so
 * projects without dependencies between them share a batch; groups and types never share one.
 */
export function applyBatches<T extends OrderedProject>(ordered: readonly T[], parallel: boolean): T[][] {
  if (!parallel) return ordered.map((project) => [project]);
  const batches: T[][] = [];
  let segmentStart = 0;
  const layer = new Map<string, number>();
  const sameSegment = (a: T, b: T) =>
    (a.executionOrderGroup ?? 0) === (b.executionOrderGroup ?? 0) &&
    (a.type ?? 'terraform') === (b.type ?? 'terraform');
  for (const [index, project] of ordered.entries()) {
    const previous = ordered[index - 1];
    if (previous && !sameSegment(previous, project)) {
      segmentStart = batches.length;
      layer.clear();
    }
    const after = (project.dependsOn ?? []).filter((d) => d !== project.name).map((d) => layer.get(d) ?? -1);
    const at = Math.max(-1, ...after) + 1;
    layer.set(project.name, at);
    const batch = segmentStart + at;
    while (batches.length <= batch) batches.push([]);
    (batches[batch] as T[]).push(project);
  }
  return batches;
}
