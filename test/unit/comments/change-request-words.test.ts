import { describe, expect, it } from 'vitest';
import { usageText } from '../../../src/commands/parse-command.js';
import { changeNounCapitalised, changeRef } from '../../../src/comments/change-request.js';
import { renderPlanComment } from '../../../src/comments/render.js';
import { buildPlanView } from '../../../src/comments/view.js';
import { GitHubForge } from '../../../src/forge/github/github-forge.js';
import { GitLabForge } from '../../../src/forge/gitlab/gitlab-forge.js';
import type { ChangeRequestWords } from '../../../src/forge/types.js';
import { unmetRequirements } from '../../../src/jobs/apply-requirements.js';
import type { ProjectPlanResult } from '../../../src/runner/types.js';

/** The words as each adapter declares them: the core only passes them on. */
const GITLAB = new GitLabForge({ url: 'https://gitlab.example.com', token: 'unused' }).capabilities
  .changeRequest;
const GITHUB = new GitHubForge({ probot: {} as never }).capabilities.changeRequest;

const lockedBy3: ProjectPlanResult = {
  project: { name: 'app', dir: 'app', workspace: 'default', type: 'terraform', reason: 'changed' },
  status: 'locked',
  lockedBy: {
    prNumber: 3,
    prUrl: 'https://forge.example.com/acme/infra/3',
    author: 'dev',
    headSha: 'b'.repeat(40),
    acquiredAt: '2025-01-02T03:04:05.000Z',
  },
  tool: { name: 'tofu', version: '1.8.5' },
  durationMs: 0,
};

async function lockedComment(words: ChangeRequestWords): Promise<string> {
  const view = buildPlanView({
    headSha: 'a'.repeat(40),
    results: [lockedBy3],
    commandHint: 'sluice plan',
    changeRequest: words,
  });
  const parts = await renderPlanComment(view, { maxLength: 65_536, marker: '<!-- m -->' });
  return parts.join('\n');
}

describe('how comments name a pull request', () => {
  it('each adapter declares its words as plain data', () => {
    expect(GITHUB).toEqual({ noun: 'pull request', short: 'PR', prefix: '#' });
    expect(GITLAB).toEqual({ noun: 'merge request', short: 'MR', prefix: '!' });
    expect(JSON.parse(JSON.stringify(GITLAB))).toEqual(GITLAB);
  });

  it('writes references and sentence starts from the words', () => {
    expect(changeRef(GITLAB, 3)).toBe('!3');
    expect(changeRef(GITHUB, 3)).toBe('#3');
    expect(changeNounCapitalised(GITLAB)).toBe('Merge request');
  });

  it('a GitLab plan comment says "merge request" and "!3", never "pull request" or "#3"', async () => {
    const comment = await lockedComment(GITLAB);
    expect(comment).toContain('Locked by !3');
    expect(comment).toContain('[!3](https://forge.example.com/acme/infra/3)');
    expect(comment).toContain('when that merge request is merged');
    expect(comment).not.toMatch(/pull request|#3\b/i);
  });

  it('a GitHub plan comment keeps "pull request" and "#3"', async () => {
    const comment = await lockedComment(GITHUB);
    expect(comment).toContain('Locked by #3');
    expect(comment).toContain('when that pull request is merged');
    expect(comment).not.toMatch(/merge request|!3\b/);
  });

  it('the help and the requirement messages use the words too', () => {
    const usage = usageText(undefined, GITLAB);
    expect(usage).toContain('release the locks this merge request holds');
    expect(usage).not.toContain('pull request');
    const [unmet] = unmetRequirements(['approved'], {
      author: 'dev',
      changeRequest: GITLAB,
      headSha: 'a'.repeat(40),
      approvals: [],
    });
    expect(unmet?.message).toContain('has approved this merge request');
  });
});
