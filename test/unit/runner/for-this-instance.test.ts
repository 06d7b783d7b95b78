/** A mapped shell task's or podTask's fields for one map index, from what expand() gave it. */
import { describe, expect, it } from 'vitest';
import { forThisInstance } from '../../../src/runner/execute-task.js';
import type { TaskNode } from '../../../src/sdk/index.js';

const MAPPING = { type: 'expand', partial: {}, expand: [] } as unknown as TaskNode['mapping'];

function shellNode(mapped: boolean): TaskNode {
  return {
    taskId: 's',
    kind: 'shell',
    shell: { taskId: 's', command: 'echo $A', env: { A: '1' } },
    mapping: mapped ? MAPPING : null,
  } as unknown as TaskNode;
}

function podNode(image = 'alpine:3'): TaskNode {
  return {
    taskId: 'p',
    kind: 'container',
    container: { image, cmds: ['sh', '-c'], args: [], env: { FIXED: 'x' } },
    mapping: MAPPING,
  } as unknown as TaskNode;
}

describe('forThisInstance', () => {
  it.each([
    [
      'a mapped command replaces the fixed one',
      [{ command: 'echo b' }],
      { command: 'echo b', env: { A: '1' } },
    ],
    ['a mapped env replaces the fixed env', [{ env: { A: '2' } }], { command: 'echo $A', env: { A: '2' } }],
    ['nothing mapped keeps the fixed fields', [{}], { command: 'echo $A', env: { A: '1' } }],
  ])('shell: %s', (_name, args, expected) => {
    const node = forThisInstance(shellNode(true), args, 0);
    expect({ command: node.shell?.command, env: node.shell?.env }).toEqual(expected);
  });

  it('an unmapped task is run as it is', () => {
    const node = shellNode(false);
    expect(forThisInstance(node, [{ command: 'ignored' }], -1)).toBe(node);
  });

  it("a podTask's env in Kubernetes' list form becomes an object; cmds and args are taken as given", () => {
    const node = forThisInstance(podNode(), [{ args: ['echo 1'], env: [{ name: 'WHO', value: 'ada' }] }], 1);
    expect(node.container).toMatchObject({
      image: 'alpine:3',
      cmds: ['sh', '-c'],
      args: ['echo 1'],
      env: { WHO: 'ada' },
    });
  });

  it("a podTask's mapped image fills the image partial() left out", () => {
    const node = forThisInstance(podNode(''), [{ image: 'busybox:1' }], 0);
    expect(node.container).toMatchObject({ image: 'busybox:1', cmds: ['sh', '-c'] });
  });

  it.each([
    [
      'a command that is not a string',
      shellNode(true),
      [{ command: 42 }],
      /mapped shell task "s" \[3\]: command: /,
    ],
    ['an empty command', shellNode(true), [{ command: '' }], /command: must not be empty/],
    ['a field a shell task has not', shellNode(true), [{ image: 'x' }], /mapped shell task "s" \[3\]/],
    [
      'an env value that is not a string',
      podNode(),
      [{ env: { TOKEN: 12345678 } }],
      /mapped podTask "p" \[3\]: env/,
    ],
    ['an image that is not a string', podNode(''), [{ image: 12345678 }], /mapped podTask "p" \[3\]: image/],
    ['an empty image', podNode(''), [{ image: ' ' }], /mapped podTask "p" \[3\]: image/],
    ['no image, fixed or mapped', podNode(''), [{ args: ['x'] }], /mapped podTask "p" \[3\] has no image/],
  ])('%s fails the instance, naming the field but never the value', (_name, node, args, message) => {
    let error: unknown;
    try {
      forThisInstance(node, args, 3);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('GALE_ERR_MAP_INPUT_INVALID');
    expect(String((error as Error).message)).toMatch(message);
    expect(String((error as Error).message)).not.toContain('12345678');
  });
});
