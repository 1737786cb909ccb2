import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../../src/errors.js';
import { GitHubForge } from '../../../src/forge/github/github-forge.js';
import type { RepoRef } from '../../../src/forge/types.js';
import { type FakeGitHub, startFakeGitHub } from '../../fakes/github/fake-github.js';

const repoRef = (name: string): RepoRef => ({
  forge: 'github',
  id: name,
  owner: 'acme',
  name,
  fullName: `acme/${name}`,
  auth: { installationId: 1 },
});

describe('getDefaultBranch on GitHub (fake validated against the OpenAPI description)', () => {
  let fake: FakeGitHub;
  let forge: GitHubForge;
  const TRUNK = 'a'.repeat(40);
  const MAIN = 'b'.repeat(40);
  const NESTED = 'c'.repeat(40);

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: 'acme', name: 'infra', cloneUrl: 'file:///nonexistent', defaultBranch: 'trunk' });
    fake.setBranch('acme', 'infra', 'trunk', TRUNK);
    fake.setBranch('acme', 'infra', 'main', MAIN);
    fake.addRepo({
      owner: 'acme',
      name: 'nested',
      cloneUrl: 'file:///nonexistent',
      defaultBranch: 'env/prod',
    });
    fake.setBranch('acme', 'nested', 'env/prod', NESTED);
    fake.addRepo({ owner: 'acme', name: 'empty', cloneUrl: 'file:///nonexistent' });
    const probot = new Probot({ appId: fake.appId, privateKey: fake.privateKeyPem, baseUrl: fake.apiUrl });
    forge = new GitHubForge({ probot });
  });
  afterAll(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it('names the repository’s default branch and the commit at its head, whatever other branches hold', async () => {
    expect(await forge.getDefaultBranch(repoRef('infra'))).toEqual({ name: 'trunk', sha: TRUNK });
  });

  it('reads a default branch whose name has a slash', async () => {
    expect(await forge.getDefaultBranch(repoRef('nested'))).toEqual({ name: 'env/prod', sha: NESTED });
  });

  it('reads the head as it is now: a push moves it', async () => {
    const pushed = 'd'.repeat(40);
    fake.setBranch('acme', 'infra', 'trunk', pushed);
    expect(await forge.getDefaultBranch(repoRef('infra'))).toEqual({ name: 'trunk', sha: pushed });
  });

  it('fails with a retryable forge error when GitHub has no such branch', async () => {
    const error = await forge.getDefaultBranch(repoRef('empty')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
    expect((error as Error).message).toMatch(/read the default branch on acme\/empty \(HTTP 404\)/);
  });
});
