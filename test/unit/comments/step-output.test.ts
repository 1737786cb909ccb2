import { describe, expect, it } from 'vitest';
import { GENERIC_CHANGE_REQUEST } from '../../../src/comments/change-request.js';
import { renderPlanComment } from '../../../src/comments/render.js';
import { buildPlanView } from '../../../src/comments/view.js';
import type { ProjectPlanResult } from '../../../src/runner/types.js';

const result = (over: Partial<ProjectPlanResult>): ProjectPlanResult => ({
  project: { name: 'app', dir: 'app', workspace: 'default', type: 'terraform', reason: 'changed' },
  status: 'planned',
  summary: { add: 0, change: 0, destroy: 0, replace: 0, outputChanges: [], resources: [], noChanges: true },
  tool: { name: 'tofu', version: '1.8.5' },
  durationMs: 1,
  ...over,
});

describe('what workflow `run` steps printed', () => {
  it('is shown folded under the project', async () => {
    const view = buildPlanView({
      headSha: 'a'.repeat(40),
      results: [result({ stepOutput: '$ tflint --format compact\n\u001b[1mno issues\u001b[0m\n' })],
      commandHint: 'sluice plan',
      changeRequest: GENERIC_CHANGE_REQUEST,
    });
    expect(view.projects[0]?.output?.body).toBe('$ tflint --format compact\nno issues');
    const [comment] = await renderPlanComment(view, { maxLength: 65_536, marker: '<!-- m -->' });
    expect(comment).toContain('<details><summary>Show output</summary>');
    expect(comment).toContain('$ tflint --format compact\nno issues');
  });

  it('adds nothing when no `run` step ran', () => {
    const view = buildPlanView({
      headSha: 'a'.repeat(40),
      results: [result({})],
      commandHint: 'sluice plan',
      changeRequest: GENERIC_CHANGE_REQUEST,
    });
    expect(view.projects[0]?.output).toBeUndefined();
  });
});
