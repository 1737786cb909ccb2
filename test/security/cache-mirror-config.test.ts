import { describe, expect, it } from 'vitest';
import { cliConfig, lockedProviders, packagePath } from '../../src/runner/terraform/provider-mirror.js';

describe('what the shared provider mirror takes from a pull request’s lock file', () => {
  it('only plain addresses and exact versions: nothing that could change the configuration Sluice writes', () => {
    const lock = `# comment
provider "registry.opentofu.org/hashicorp/aws" {
  version     = "5.31.0"
  constraints = ">= 5.0.0"
  hashes = [
    "h1:abc=",
  ]
}

provider "registry.opentofu.org/evil/x\\"}\\nprovider_installation {" {
  version = "1.0.0"
}

provider "example.com/acme/tool" {
  version = "1.0.0\\" }"
}

provider "../../etc/passwd" {
  version = "1.0.0"
}
`;
    expect(lockedProviders(lock)).toEqual([
      { address: 'registry.opentofu.org/hashicorp/aws', version: '5.31.0' },
    ]);
  });

  it('keeps a package where OpenTofu’s packed mirror layout looks for it', () => {
    expect(
      packagePath('/m', { address: 'registry.opentofu.org/hashicorp/aws', version: '5.31.0' }, 'linux_amd64'),
    ).toBe('/m/registry.opentofu.org/hashicorp/aws/terraform-provider-aws_5.31.0_linux_amd64.zip');
  });

  it('the CLI configuration: the repository’s plugins, the mirror, then the registries except what those hold', () => {
    expect(
      cliConfig({
        mirror: '/data/provider-mirror',
        localPlugins: {
          path: '/job/checkout/app/terraform.d/plugins',
          providers: ['registry.opentofu.org/acme/evil'],
        },
        mirrored: [{ address: 'registry.opentofu.org/hashicorp/aws', version: '5.31.0' }],
      }),
    ).toBe(`provider_installation {
  filesystem_mirror {
    path = "/job/checkout/app/terraform.d/plugins"
  }
  filesystem_mirror {
    path = "/data/provider-mirror"
  }
  direct {
    exclude = ["registry.opentofu.org/acme/evil", "registry.opentofu.org/hashicorp/aws"]
  }
}
`);
    expect(cliConfig({ mirror: '/m' })).toBe(
      'provider_installation {\n  filesystem_mirror {\n    path = "/m"\n  }\n  direct {}\n}\n',
    );
  });
});
