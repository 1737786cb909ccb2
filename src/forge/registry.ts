import { SluiceError } from '../errors.js';
import type { Forge } from './types.js';

export class ForgeRegistry {
  readonly #forges = new Map<string, Forge>();

  constructor(forges: Forge[]) {
    for (const forge of forges) this.#forges.set(forge.kind, forge);
  }

  get(kind: string): Forge {
    const forge = this.#forges.get(kind);
    if (!forge) throw new SluiceError('JOB_INVALID', `forge "${kind}" is not configured on this server`);
    return forge;
  }

  get kinds(): string[] {
    return [...this.#forges.keys()];
  }
}
