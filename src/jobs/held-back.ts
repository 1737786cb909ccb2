import { codeSpan } from '../comments/markdown.js';
import { failedEarlierGroups, type OrderedProject, waitingFor } from '../projects/apply-order.js';

/**
 * Why a project is not applied in this run, if it is not: a dependency of it is not applied, or an
 * earlier execution order group did not apply completely.
 */
export function heldBack(
  project: OrderedProject,
  notApplied: ReadonlySet<string>,
  notAppliedInRun: readonly OrderedProject[],
): { status: string; message: string } | undefined {
  const waiting = waitingFor(project, notApplied);
  if (waiting.length > 0) {
    const one = waiting.length === 1;
    return {
      status: `Not applied: waiting for ${waiting.join(', ')}`,
      message: `Not applied: waiting for ${waiting.map(codeSpan).join(', ')}. This project depends on ${one ? 'it' : 'them'} (\`depends_on\`), and ${one ? 'it is' : 'they are'} not applied: failed in this run, had no successful plan, or ${one ? 'was' : 'were'} not part of this apply. Once ${one ? 'it is' : 'they are'} applied, comment \`sluice apply\`.`,
    };
  }
  const earlier = failedEarlierGroups(project, notAppliedInRun);
  if (earlier.length > 0) {
    return {
      status: `Not applied: an earlier group failed (${earlier.join(', ')})`,
      message: `Not applied: ${earlier.map(codeSpan).join(', ')}, in an earlier \`execution_order_group\`, did not apply in this run, and groups apply in order. Fix that, then comment \`sluice apply\`.`,
    };
  }
  return undefined;
}
