import { describe, expect, it } from 'vitest';
import type { Forge } from '../../../src/forge/types.js';
import { warnUnsandboxed } from '../../../src/jobs/warn-unsandboxed.js';

const WARNING = '> :warning: **Unsandboxed:** plans ran without a sandbox.';

function recordingForge() {
  const bodies: string[] = [];
  const forge = {
    kind: 'test',
    capabilities: { maxCommentLength: 1000 },
    createComment: async (_pr: unknown, body: string) => {
      bodies.push(body);
      return String(bodies.length);
    },
    updateComment: async (_pr: unknown, _id: string, body: string) => {
      bodies.push(body);
    },
    cloneAccess: async () => 'untouched',
  } as unknown as Forge;
  return { forge, bodies };
}

describe('warnUnsandboxed', () => {
  it('puts the warning after the hidden markers of every comment it creates or edits, once', async () => {
    const { forge, bodies } = recordingForge();
    const warned = warnUnsandboxed(forge, WARNING);
    const pr = {} as Parameters<Forge['createComment']>[0];
    await warned.createComment(pr, '<!-- sluice:plan -->\n## Plan');
    await warned.updateComment(pr, '1', '<!-- sluice:plan -->\n<!-- sluice:plan part=2 -->\nrest');
    await warned.createComment(pr, 'no marker');
    await warned.updateComment(pr, '1', `<!-- sluice:plan -->\n${WARNING}\n\n## Plan`);
    expect(bodies).toEqual([
      `<!-- sluice:plan -->\n${WARNING}\n\n## Plan`,
      `<!-- sluice:plan -->\n<!-- sluice:plan part=2 -->\n${WARNING}\n\nrest`,
      `${WARNING}\n\nno marker`,
      `<!-- sluice:plan -->\n${WARNING}\n\n## Plan`,
    ]);
  });

  it('leaves room for the warning in the comment budget and passes everything else through', async () => {
    const { forge } = recordingForge();
    const warned = warnUnsandboxed(forge, WARNING);
    expect(warned.capabilities.maxCommentLength).toBe(1000 - WARNING.length - 3);
    expect(warned.kind).toBe('test');
    expect(await warned.cloneAccess({} as Parameters<Forge['cloneAccess']>[0])).toBe('untouched');
  });
});
