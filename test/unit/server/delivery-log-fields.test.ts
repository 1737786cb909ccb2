import { describe, expect, it } from 'vitest';
import type { ForgeEvent } from '../../../src/forge/events.js';
import { deliveryLogFields } from '../../../src/server/delivery-log-fields.js';

const repo = { forge: 'github', owner: 'acme', name: 'infra', fullName: 'acme/infra' } as never;

describe('deliveryLogFields', () => {
  it.each([
    [
      { kind: 'comment.created', pr: { repo, number: 7 }, commentId: '1', author: 'a', body: 'x' },
      { repo: 'acme/infra', pr: 7 },
    ],
    [{ kind: 'branch.deleted', repo, branch: 'feature' }, { repo: 'acme/infra' }],
    [undefined, {}],
  ] as [ForgeEvent | undefined, object][])('names the repository and pull request of %j', (event, fields) => {
    expect(deliveryLogFields(event)).toEqual(fields);
  });
});
