import { afterEach, describe, expect, it, vi } from 'vitest';

const flags: string[] = [];
vi.mock('node:v8', () => ({ setFlagsFromString: (flag: string) => flags.push(flag) }));

const { withLeanHeap } = await import('../../src/run/lean-heap.js');

describe('withLeanHeap', () => {
  afterEach(() => {
    flags.length = 0;
  });

  it('lowers heap growth during the work', async () => {
    const during = await withLeanHeap(async () => [...flags]);

    expect(during).toEqual(['--heap-growing-percent=50']);
    expect(flags).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=0']);
  });

  it('restores after the last overlapping sync', async () => {
    let finishFirst!: () => void;
    const first = withLeanHeap(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    await withLeanHeap(async () => undefined);
    expect(flags).toEqual(['--heap-growing-percent=50']);

    finishFirst();
    await first;
    expect(flags).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=0']);
  });

  it('restores the default when the work fails', async () => {
    await expect(withLeanHeap(async () => Promise.reject(new Error('send failed')))).rejects.toThrow('send failed');
    expect(flags.at(-1)).toBe('--heap-growing-percent=0');
  });
});
