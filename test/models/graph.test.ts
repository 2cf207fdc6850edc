import { describe, expect, it } from 'vitest';
import { ModelError } from '../../src/core/errors.js';
import { orderModels, upstreamClosure } from '../../src/models/graph.js';
import { compile, loadModels } from './model-fixture.js';

function cycleError(dependencies: Record<string, string[]>): ModelError {
  try {
    orderModels(new Map(Object.entries(dependencies)));
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error('orderModels did not find a cycle');
}

describe('orderModels', () => {
  it('puts every model after the models it references', () => {
    const dependencies = new Map([
      ['audience', ['profiles', 'orders']],
      ['profiles', ['stg_customers', 'identity']],
      ['identity', ['stg_customers', 'stg_events']],
      ['orders', ['stg_orders']],
      ['stg_customers', []],
      ['stg_events', []],
      ['stg_orders', []],
    ]);
    const order = orderModels(dependencies);

    expect([...order].sort()).toEqual([...dependencies.keys()].sort());
    for (const [model, refs] of dependencies) {
      for (const ref of refs) expect(order.indexOf(ref), `${ref} before ${model}`).toBeLessThan(order.indexOf(model));
    }
  });

  it('ignores the order of the map', () => {
    const entries: [string, string[]][] = [
      ['c', ['a']],
      ['b', ['a']],
      ['a', []],
      ['d', ['c', 'b']],
    ];
    const forward = orderModels(new Map(entries));
    const backward = orderModels(new Map([...entries].reverse()));
    expect(forward).toEqual(backward);
  });

  it('names a three-model cycle in order', () => {
    const error = cycleError({ a: ['b'], b: ['c'], c: ['a'] });
    expect(error.message).toBe('Models reference each other in a cycle: a -> b -> c -> a; remove one of these refs');
  });

  it('names only the models on the cycle', () => {
    const error = cycleError({ a_start: ['b'], b: ['c'], c: ['d'], d: ['b'] });
    expect(error.message).toContain('cycle: b -> c -> d -> b;');
    expect(error.message).not.toContain('a_start');
  });

  it('names a model that references itself', () => {
    expect(cycleError({ a: ['a'] }).message).toContain('cycle: a -> a;');
  });
});

describe('upstreamClosure', () => {
  it('returns models and their upstream', () => {
    const dependencies = new Map([
      ['audience', ['profiles']],
      ['profiles', ['stg_customers']],
      ['stg_customers', []],
      ['unrelated', ['stg_customers']],
    ]);
    expect([...upstreamClosure(['audience'], dependencies)].sort()).toEqual(['audience', 'profiles', 'stg_customers']);
  });
});

describe('compileProject order', () => {
  it('returns models in dependency order', async () => {
    const project = await loadModels({
      a_audience: 'SELECT * FROM {{ref "m_profiles"}}',
      m_profiles: 'SELECT * FROM {{ref "z_staging"}}',
      z_staging: 'SELECT 1 AS id',
    });
    expect(compile(project).map((model) => model.name)).toEqual(['z_staging', 'm_profiles', 'a_audience']);
  });

  it('rejects a cycle between model files', async () => {
    const project = await loadModels({
      a: 'SELECT * FROM {{ref "b"}}',
      b: 'SELECT * FROM {{ref "c"}}',
      c: 'SELECT * FROM {{ref "a"}}',
    });
    expect(() => compile(project)).toThrowError(/cycle: a -> b -> c -> a/);
  });
});
