import { describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../../../src/runner/sandbox/address-policy.js';
import { isAllowedTarget } from '../../../../src/runner/sandbox/egress-proxy.js';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.0.10', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['::', true],
    ['fd00::2', true],
    ['fc12::1', true],
    ['fe80::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:169.254.169.254', true],
    ['64:ff9b::10.0.0.1', true],
    ['not-an-ip', true],
    ['93.184.216.34', false],
    ['140.82.112.3', false],
    ['172.32.0.1', false],
    ['100.128.0.1', false],
    ['2606:50c0:8000::153', false],
    ['::ffff:93.184.216.34', false],
  ])('%s → %s', (address, forbidden) => {
    expect(isForbiddenAddress(address)).toBe(forbidden);
  });
});

describe('isAllowedTarget', () => {
  const list = ['registry.opentofu.org', 'git.example.com:8443', '*.githubusercontent.com'];
  it.each([
    ['registry.opentofu.org', 443, true],
    ['REGISTRY.OpenTofu.org', 443, true],
    ['registry.opentofu.org.', 443, true],
    ['registry.opentofu.org', 80, false],
    ['evil-registry.opentofu.org', 443, false],
    ['registry.opentofu.org.evil.com', 443, false],
    ['git.example.com', 8443, true],
    ['git.example.com', 443, false],
    ['objects.githubusercontent.com', 443, true],
    ['githubusercontent.com', 443, false],
    ['evilgithubusercontent.com', 443, false],
  ])('%s:%s → %s', (host, port, allowed) => {
    expect(isAllowedTarget(list, host, port)).toBe(allowed);
  });
});
