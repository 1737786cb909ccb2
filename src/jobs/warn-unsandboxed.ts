import type { Forge } from '../forge/types.js';

/** Leading hidden markers of a Sluice comment (`<!-- sluice:plan -->`, part markers): the warning goes after them. */
const MARKERS = /^(?:<!--[^\n]*?-->\n?)*/;

/**
 * The forge the workers use when steps run without a sandbox (SLUICE_SANDBOX=none): every comment
 * Sluice writes starts with `warning`, and the comment budget shrinks by its length so nothing is cut.
 */
export function warnUnsandboxed(forge: Forge, warning: string): Forge {
  const line = `${warning.trim()}\n\n`;
  const withWarning = (body: string) => {
    if (body.includes(line)) return body;
    const markers = MARKERS.exec(body)?.[0] ?? '';
    const rest = body.slice(markers.length);
    return `${markers}${markers && !markers.endsWith('\n') ? '\n' : ''}${line}${rest}`;
  };
  const capabilities = {
    ...forge.capabilities,
    maxCommentLength: forge.capabilities.maxCommentLength - line.length - 1,
  };
  return new Proxy(forge, {
    get(target, property) {
      if (property === 'capabilities') return capabilities;
      if (property === 'createComment') {
        return (pr: Parameters<Forge['createComment']>[0], body: string) =>
          target.createComment(pr, withWarning(body));
      }
      if (property === 'updateComment') {
        return (pr: Parameters<Forge['updateComment']>[0], id: string, body: string) =>
          target.updateComment(pr, id, withWarning(body));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
